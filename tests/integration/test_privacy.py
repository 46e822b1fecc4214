"""/forgetme and the retention period against real databases (SQLite, and PostgreSQL when set)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import Knowledge, Services, build_services
from bot.cli import main
from bot.config import DeskSettings, Settings
from bot.core.clock import ManualClock
from bot.core.interactions import EventKind
from bot.core.ports import Outgoing, Person
from bot.core.privacy import CANCEL_DATA, CONFIRM_DATA, REDACTED, months_before
from bot.storage.models import CaseMessageRow, CaseRow, InteractionRow, OutboxRow, ResidentRow
from tests.conftest import with_settings
from tests.fakes import RecordingTransport, record_every_channel

GRANNY = Person(user_id=501, chat_id=501, display_name="王秀英")
NEIGHBOUR = Person(user_id=502, chat_id=502, display_name="李大爷")
LAND = "俺家娃当兵退伍回来了，退役安置的钱一直没发下来，咋办"
LI = 9001


def sent(services: Services) -> RecordingTransport:
    return services.transport()  # type: ignore[return-value]


async def deliver(services: Services, batch_coro: object) -> list[Outgoing]:
    before = len(sent(services).sent)
    batch = await batch_coro  # type: ignore[misc]
    await services.courier.deliver(batch)
    return sent(services).sent[before:]


async def stored_texts(services: Services) -> list[str]:
    """Every stored text: the log, cases, case messages, the outbox, residents' names."""
    async with services.sessions() as session:
        columns = (
            InteractionRow.text,
            CaseRow.question,
            CaseMessageRow.text,
            OutboxRow.text,
            ResidentRow.display_name,
        )
        return [t for column in columns for t in await session.scalars(select(column)) if t]


async def test_forgetme_asks_first_and_cancel_keeps_everything(services: Services) -> None:
    await deliver(services, services.desk.ask(GRANNY, LAND))
    [ask] = await deliver(services, services.privacy.offer(GRANNY))
    assert [b.label for row in ask.buttons for b in row] == ["确认删除", "取消"]
    assert "不能恢复" in ask.text
    [reply] = await deliver(services, services.privacy.press(GRANNY, CANCEL_DATA))
    assert "已取消" in reply.text
    assert any(LAND in t for t in await stored_texts(services))
    assert any("王秀英" in t for t in await stored_texts(services))


async def test_forgetme_deletes_texts_and_profile_but_keeps_counts(services: Services) -> None:
    await deliver(services, services.desk.ask(GRANNY, "儿子不给赡养费怎么办"))
    await deliver(services, services.desk.ask(GRANNY, LAND))  # opens case #1
    await deliver(services, services.staff.claim(LI, 1))
    await deliver(services, services.staff.answer(LI, 1, "王秀英您好，先把承包合同找出来。"))
    await deliver(services, services.desk.ask(GRANNY, "合同上写的是五亩三分"))
    undelivered = await services.desk.ask(GRANNY, "还在吗")  # stored, not yet sent
    await deliver(services, services.desk.ask(NEIGHBOUR, "老板欠我三个月工资不给"))
    async with services.sessions() as session:
        residents_before = await session.scalar(
            select(func.count(func.distinct(InteractionRow.resident_id)))
        )
        events_before = await session.scalar(select(func.count()).select_from(InteractionRow))

    out = await deliver(services, services.privacy.press(GRANNY, CONFIRM_DATA))

    assert [m.chat_id for m in out] == [GRANNY.chat_id, LI]
    assert "已经删除" in out[0].text and "#1" in out[1].text  # the adviser hears the case ended
    texts = " ".join(await stored_texts(services))
    for private in ("赡养费", "退役", "五亩三分", "还在吗", "王秀英", "承包合同"):
        assert private not in texts, private
    assert "老板欠我三个月工资" in texts and "李大爷" in texts  # the neighbour is untouched
    async with services.sessions() as session:
        granny = await session.get(ResidentRow, 1)
        assert granny is not None
        assert (granny.user_id, granny.chat_id, granny.display_name) == (None, None, "")
        case = await session.get(CaseRow, 1)
        assert case is not None and case.status == "closed" and case.question == REDACTED
        closed = await session.scalar(
            select(InteractionRow.detail).where(InteractionRow.kind == EventKind.CASE_CLOSED.value)
        )
        assert closed == "forgetme"
        # Reports still count her: every event kept, distinct residents unchanged.
        assert (
            await session.scalar(select(func.count(func.distinct(InteractionRow.resident_id))))
            == residents_before
        )
        assert (
            await session.scalar(select(func.count()).select_from(InteractionRow)) > events_before
        )
        to_her = list(
            await session.scalars(select(OutboxRow.text).where(OutboxRow.chat_id == GRANNY.chat_id))
        )
        assert len(to_her) == 1 and "已经删除" in to_her[0]  # the rest, pending too, dropped
        assert await session.get(OutboxRow, undelivered.ids[0]) is None
        # The notice in the adviser's chat stays (a reply to it finds the case) without text.
        notices = list(
            await session.execute(
                select(OutboxRow.case_id, OutboxRow.text).where(
                    OutboxRow.chat_id == LI, OutboxRow.case_id == 1
                )
            )
        )
        assert notices and all(text == REDACTED for _, text in notices)


async def test_a_second_confirmation_and_a_returning_resident(services: Services) -> None:
    await deliver(services, services.desk.ask(GRANNY, LAND))
    await deliver(services, services.privacy.forget(GRANNY))
    [again] = await deliver(services, services.privacy.press(GRANNY, CONFIRM_DATA))
    assert "没有您的资料" in again.text
    [stale] = await deliver(services, services.privacy.press(GRANNY, "forget:whatever"))
    assert "过期" in stale.text
    # Writing again later makes her a new, separate resident with a new case.
    veteran = "俺家娃当兵退伍回来了，退役安置的钱一直没发下来"
    out = await deliver(services, services.desk.ask(GRANNY, veteran))
    assert "#2" in out[0].text and out[0].chat_id == GRANNY.chat_id
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ResidentRow)) == 2


async def test_privacy_notice_states_the_configured_retention(
    settings: Settings, knowledge: Knowledge, clock: ManualClock
) -> None:
    six = with_settings(settings, desk=DeskSettings(retention_months=6))
    services = build_services(six, knowledge, clock)
    record_every_channel(services)
    try:
        [notice] = await deliver(services, services.desk.start(GRANNY, "privacy"))
        assert "保存 6 个月" in notice.text and "/forgetme" in notice.text
    finally:
        await services.close()


async def test_purge_redacts_only_texts_older_than_the_retention_period(
    services: Services, clock: ManualClock
) -> None:
    await deliver(services, services.desk.ask(GRANNY, LAND))
    await deliver(services, services.desk.ask(GRANNY, "合同上写的是五亩三分"))
    clock.advance(days=24 * 31)  # over 24 months later
    await deliver(services, services.desk.ask(NEIGHBOUR, "老板欠我三个月工资不给"))

    cutoff, done = await services.privacy.purge()

    assert cutoff == months_before(clock.now(), 24)
    assert done.interactions == 2 and done.cases == 1 and done.case_messages == 2
    assert done.outbox >= 3 and done.total == done.interactions + 3 + done.outbox
    texts = " ".join(await stored_texts(services))
    assert "退役" not in texts and "五亩三分" not in texts
    assert "老板欠我三个月工资" in texts  # recent: kept
    async with services.sessions() as session:  # counts stay
        assert await session.scalar(select(func.count()).select_from(InteractionRow)) >= 5
    _, again = await services.privacy.purge()
    assert again.total == 0  # idempotent


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 3, 31, 8, tzinfo=UTC), 1, datetime(2026, 2, 28, 8, tzinfo=UTC)),
        (datetime(2028, 3, 31, 8, tzinfo=UTC), 1, datetime(2028, 2, 29, 8, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 24, datetime(2024, 1, 15, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 13, datetime(2024, 12, 15, tzinfo=UTC)),
    ],
)
def test_months_before(moment: datetime, months: int, expected: datetime) -> None:
    assert months_before(moment, months) == expected


def test_purge_command_prints_how_many_rows_it_redacted(
    database_url: str,
    tmp_path: Path,
    knowledge: Knowledge,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def history() -> None:
        from bot.config import load_settings

        settings = load_settings(None, {"DATABASE_URL": database_url}, cwd=tmp_path)
        now = datetime.now(UTC)
        for moment, person, text in (
            (now - timedelta(days=800), GRANNY, LAND),
            (now - timedelta(days=10), NEIGHBOUR, "工资拖欠咋办"),
        ):
            services = build_services(settings, knowledge, ManualClock(moment))
            try:
                await services.desk.ask(person, text)
            finally:
                await services.close()

    asyncio.run(history())
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    assert main(["purge"]) == 0
    out = capsys.readouterr().out
    assert "redacted" in out and "retention 24 months" in out
    assert "interactions 1," in out and "cases 1," in out
    assert main(["purge"]) == 0
    assert capsys.readouterr().out.startswith("redacted 0 row(s)")
