"""Crashes and stops of the real bot process: every question answered, none counted twice, no
reply lost.

The bot runs as production runs it (``python -m bot run``) against the fake Bot API server of
this test process. Synchronisation is on what the fake server sees: calls, messages, offsets.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import Knowledge
from bot.core.interactions import EventKind
from bot.storage.models import InboxRow, InteractionRow, OutboxRow, ResidentRow
from bot.storage.uow import create_engine, create_sessionmaker
from tests.conftest import STAFF_YAML
from tests.e2e.conftest import faq_questions
from tests.e2e.process import legaldesk_run, stop
from tests.fakebotapi import BotMessage, FakeBotApi, FakeUser

pytestmark = pytest.mark.e2e

RESIDENTS, QUESTIONS_EACH = 10, 6  # 60 updates; under the flood limit of 20 a minute
CONCURRENCY = 16  # at most this many sends in flight (production's IntakePolicy allows 64)
LEASE_YAML = "cluster: {outbox_lease_seconds: 2}\n"


@pytest.fixture
async def telegram() -> AsyncIterator[FakeBotApi]:
    """The fake Bot API. A killed bot leaves requests cut off mid-body, which the fake records
    as a crash of its own (ConnectionResetError); those, and only those, are expected here."""
    api = FakeBotApi()
    await api.start()
    try:
        yield api
    finally:
        await api.stop()
    crashes = [e for e in api.internal_errors if "ConnectionResetError" not in e]
    assert not crashes, f"fake Bot API crashed: {crashes}"


@asynccontextmanager
async def bot_process(
    api: FakeBotApi, database_url: str, folder: Path, name: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m bot run`` until it is polling; killed on exit if the test left it running."""
    # PostgreSQL: the killed bot's stored but unsent replies wait for their lease (another
    # instance might be sending them); a short one keeps the waits of this test short.
    config = STAFF_YAML + LEASE_YAML
    env = {
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "DATABASE_URL": database_url,
    }
    earlier = {id(params) for params in api.calls_to("getUpdates")}
    async with legaldesk_run(folder, config, env, name=name) as process:
        await api.wait_for_call("getUpdates", lambda p: id(p) not in earlier, timeout=60)
        yield process


SENT: dict[int, str] = {}


async def burst(api: FakeBotApi, knowledge: Knowledge) -> dict[FakeUser, list[str]]:
    """Every resident sends their questions (FAQ questions: one reply each, starting with it).

    The text of each update is kept in ``SENT`` (update id → text): the bot drops the raw JSON of
    an update once it is handled.
    """
    questions = faq_questions(knowledge)
    asked = {
        api.new_user(f"居民{n}"): [
            questions[(n * QUESTIONS_EACH + k) % len(questions)] for k in range(QUESTIONS_EACH)
        ]
        for n in range(RESIDENTS)
    }
    for step in range(QUESTIONS_EACH):
        for resident, texts in asked.items():
            await api.send_text(resident, texts[step])
            SENT[api.last_update_id] = texts[step]
    return asked


async def replies_seen(api: FakeBotApi, asked: dict[FakeUser, list[str]], count: int) -> None:
    """Until ``count`` residents have had their first reply."""
    for resident in list(asked)[:count]:
        await api.wait_for_message(resident)


async def distinct_replies(api: FakeBotApi, resident: FakeUser, count: int) -> None:
    """Until the resident has had ``count`` different replies in all (a repeat is not one)."""
    seen = {m.visible_text for m in api.messages_to(resident)}

    def new(message: BotMessage) -> bool:
        return message.visible_text not in seen

    while len(seen) < count:
        reply = await api.wait_for_message(resident, new)
        seen.update([reply.visible_text, *(m.visible_text for m in api.messages_to(resident))])


async def database(url: str) -> dict[str, Any]:
    """What the bot stored: inbox rows, QUESTION texts per Telegram user, outbox rows."""
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            inbox = list(await session.scalars(select(InboxRow)))
            questions = (
                await session.execute(
                    select(ResidentRow.user_id, InteractionRow.text)
                    .join(ResidentRow, InteractionRow.resident_id == ResidentRow.id)
                    .where(InteractionRow.kind == EventKind.QUESTION)
                )
            ).all()
            outbox = list(await session.scalars(select(OutboxRow)))
    finally:
        await engine.dispose()
    asked: dict[int, Counter[str]] = {}
    for user_id, text in questions:
        asked.setdefault(user_id, Counter())[text] += 1
    return {"inbox": inbox, "questions": asked, "outbox": outbox}


async def test_killed_in_the_middle_of_a_burst_restarted_nothing_lost_nothing_twice(
    telegram: FakeBotApi,
    database_url: str,
    tmp_path: Path,
    knowledge: Knowledge,
) -> None:
    api = telegram
    asked = await burst(api, knowledge)
    last = api.last_update_id
    async with bot_process(api, database_url, tmp_path, "first") as first:
        # The bot has the whole burst in hand. Refusing its next two getUpdates keeps the burst
        # unconfirmed, so the restarted bot fetches every one of these updates again.
        api.fail_next("getUpdates", status=502, count=2)
        await api.wait_for_call("getUpdates", lambda p: int(p.get("offset") or 0) > last)
        await replies_seen(api, asked, 3)
        first.kill()  # SIGKILL in the middle of the burst
        await first.wait()
    at_crash = await database(database_url)
    stored = {r.update_id for r in at_crash["inbox"]}
    assert {u["update_id"] for u in api.pending_updates} == stored  # fetched again on restart
    assert 0 < sum(r.processed_at is None for r in at_crash["inbox"]) < len(stored)

    async with bot_process(api, database_url, tmp_path, "second") as second:
        for resident in asked:  # as many different replies as questions (repeats aside)
            await distinct_replies(api, resident, QUESTIONS_EACH)
        await api.wait_until_confirmed(last)
        assert await stop(second) == 0

    after = await database(database_url)
    assert len(after["inbox"]) == RESIDENTS * QUESTIONS_EACH
    assert all(r.processed_at is not None and r.failed_at is None for r in after["inbox"])
    for resident, questions in asked.items():  # each counted exactly once
        assert after["questions"][resident.id] == Counter(questions)
    for resident in asked:  # no reply lost: one stored reply per question, each delivered
        replies = [r for r in after["outbox"] if r.chat_id == resident.id]
        assert len(replies) == QUESTIONS_EACH and all(r.status == "sent" for r in replies)
        delivered = {m.message_id: m.visible_text for m in api.messages_to(resident)}
        assert {delivered[r.message_id] for r in replies} == set(delivered.values())
    sent_twice = sum(len(api.messages_to(r)) for r in asked) - RESIDENTS * QUESTIONS_EACH
    assert sent_twice <= CONCURRENCY  # only sends in flight at the kill can be repeated


async def test_sigterm_finishes_what_is_in_flight_flushes_and_keeps_the_rest(
    telegram: FakeBotApi,
    tmp_path: Path,
    knowledge: Knowledge,
) -> None:
    api, url = telegram, f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}"
    asked = await burst(api, knowledge)
    async with bot_process(api, url, tmp_path, "bot") as process:
        await replies_seen(api, asked, 3)
        assert await stop(process) == 0
    stopped = await database(url)
    done = [r for r in stopped["inbox"] if r.processed_at is not None]
    assert 0 < len(done) < RESIDENTS * QUESTIONS_EACH  # stopped promptly; the rest waits
    # Every update begun was finished: its question logged once and its reply sent.
    texts = {r.update_id: SENT[r.update_id] for r in stopped["inbox"]}
    assert all(r.payload == {"handled": True} for r in done)  # raw texts are not kept
    logged = sum(stopped["questions"].values(), Counter())
    assert logged == Counter(texts[r.update_id] for r in done)
    assert all(row.status == "sent" for row in stopped["outbox"])
    assert len(stopped["outbox"]) == len(done)
    # Telegram was told what is stored, so the next start takes it from the inbox, not again.
    assert api.confirmed_offset > max(texts)
