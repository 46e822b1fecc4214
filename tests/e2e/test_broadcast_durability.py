"""SIGKILL of the real bot process in the middle of a broadcast: after the restart every subscriber
has the theme exactly once (none lost, none twice)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Knowledge
from bot.core.clock import SystemClock
from bot.core.outreach.broadcasts import BroadcastDesk
from bot.storage.models import OutboxRow, ResidentRow, SubscriptionRow
from bot.storage.uow import SqlUnitOfWorkFactory, create_engine, create_sessionmaker
from tests.e2e.process import stop
from tests.e2e.test_durability import bot_process, telegram  # noqa: F401 - the fixture
from tests.fakebotapi import FakeBotApi, FakeUser

pytestmark = pytest.mark.e2e

SUBSCRIBERS = 150  # six seconds of broadcast at 25 a second
KILL_AFTER = 40  # theme messages the fake server has received when the bot is killed
LATENCY = 0.05  # each sendMessage takes this long, as a real round trip does
THEME = "2026年12月普法"


async def subscribers(api: FakeBotApi, url: str, knowledge: Knowledge) -> list[FakeUser]:
    """SUBSCRIBERS residents who subscribed, and the December theme queued for them."""
    people = [api.new_user(f"居民{n}") for n in range(SUBSCRIBERS)]
    engine = create_engine(url)
    try:
        now = datetime.now(UTC)
        async with create_sessionmaker(engine)() as session:
            rows = [
                ResidentRow(user_id=p.id, chat_id=p.id, display_name=p.first_name, created_at=now)
                for p in people
            ]
            session.add_all(rows)
            await session.flush()
            session.add_all(SubscriptionRow(resident_id=r.id, started_at=now) for r in rows)
            await session.commit()
        desk = BroadcastDesk(SqlUnitOfWorkFactory(engine), SystemClock(), knowledge.themes)  # type: ignore[arg-type]
        queued = await desk.queue("2026-12")
        assert queued.broadcast.recipients == SUBSCRIBERS
    finally:
        await engine.dispose()
    return people


def theme_messages(api: FakeBotApi, people: list[FakeUser]) -> Counter[int]:
    return Counter({p.id: sum(THEME in m.visible_text for m in api.messages_to(p)) for p in people})


def theme_calls(api: FakeBotApi) -> int:
    return sum(THEME in str(c.get("text", "")) for c in api.calls_to("sendMessage"))


async def test_killed_mid_broadcast_each_subscriber_gets_it_exactly_once(
    telegram: FakeBotApi,  # noqa: F811 - the fixture imported above
    database_url: str,
    tmp_path: Path,
    knowledge: Knowledge,
) -> None:
    api = telegram
    people = await subscribers(api, database_url, knowledge)
    api.delay_next("sendMessage", LATENCY, count=1_000_000)
    async with bot_process(api, database_url, tmp_path, "first") as first:
        await api.wait_for_call("sendMessage", lambda _: theme_calls(api) >= KILL_AFTER, timeout=60)
        first.kill()  # SIGKILL with theme messages in flight
        await first.wait()
    at_kill = theme_messages(api, people)
    assert 0 < sum(at_kill.values()) < SUBSCRIBERS  # really in the middle

    async with bot_process(api, database_url, tmp_path, "second") as second:
        for person in people:
            await api.wait_for_message(person, lambda m: THEME in m.visible_text, timeout=60)
        assert await stop(second) == 0

    assert theme_messages(api, people) == Counter({p.id: 1 for p in people})
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            statuses = Counter(
                await session.scalars(
                    select(OutboxRow.status).where(OutboxRow.broadcast_id.is_not(None))
                )
            )
    finally:
        await engine.dispose()
    # Every message is accounted for: sent, or (the few in flight at the kill, which Telegram
    # executed) left claimed and never sent again.
    assert sum(statuses.values()) == SUBSCRIBERS
    assert set(statuses) <= {"sent", "sending"}
    assert statuses["sending"] <= 4  # at most the pump's sends in flight
