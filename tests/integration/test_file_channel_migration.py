"""Migration 0011: every file id stored before it is Telegram's and is marked so; stepping back
drops the file ids Telegram could not use (another channel's), keeping the messages."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from bot.storage.migrate import current_revision, downgrade, upgrade
from bot.storage.uow import SqlUnitOfWorkFactory, create_engine

AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


async def test_0011_marks_old_file_ids_telegram_and_its_downgrade_drops_other_channels(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    at = {"at": AT.replace(tzinfo=None)}
    try:
        await downgrade(engine, "0010")
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO residents (id, user_id, chat_id, display_name, created_at)"
                    " VALUES (7, 4242, 4242, '老王', :at)"
                ),
                at,
            )
            await conn.execute(
                text(
                    "INSERT INTO cases (id, resident_id, status, question, opened_at,"
                    " undeliverable) VALUES (1, 7, 'open', '（语音）', :at, false)"
                ),
                at,
            )
            await conn.execute(
                text(
                    "INSERT INTO case_messages (case_id, author, author_id, at, text, media_kind,"
                    " file_id) VALUES (1, 'resident', 4242, :at, NULL, 'voice', 'TG-VOICE-1')"
                ),
                at,
            )
            await conn.execute(
                text(
                    "INSERT INTO outbox (chat_id, text, buttons, purpose, case_id, media_kind,"
                    " media_file_id, status, attempts, created_at, next_attempt_at) VALUES"
                    " (9001, '新问题 #1', '[]', 'notify', 1, 'voice', 'TG-VOICE-1', 'pending', 0,"
                    " :at, :at)"
                ),
                at,
            )
        await upgrade(engine, "0011")
        assert await current_revision(engine) == "0011"
        async with SqlUnitOfWorkFactory(engine)() as uow:
            [message] = await uow.cases.messages(1)
            [pending] = await uow.outbox.pending(AT)
        assert (message.file_id, message.file_channel) == ("TG-VOICE-1", "telegram")
        media = pending.outgoing.media
        assert media is not None and (media.file_id, media.channel) == ("TG-VOICE-1", "telegram")

        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO case_messages (case_id, author, author_id, at, text, media_kind,"
                    " file_id, file_channel) VALUES (1, 'resident', NULL, :at, NULL, 'photo',"
                    " 'WX-MEDIA-1', 'wechat')"
                ),
                at,
            )
        await downgrade(engine, "0010")
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT media_kind, file_id FROM case_messages ORDER BY id")
                )
            ).all()
        assert [tuple(r) for r in rows] == [("voice", "TG-VOICE-1"), ("photo", None)]
        await upgrade(engine)
    finally:
        await engine.dispose()
