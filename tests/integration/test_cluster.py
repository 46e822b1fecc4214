"""Coordination of instances on one PostgreSQL database: advisory locks that die with their
session, outbox rows claimed by one instance at a time; and the SQLite instance lock."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import Services
from bot.core.courier import Courier
from bot.core.ports import Person
from bot.storage.cluster import DatabaseInUse, PostgresLocks, hold_database_file, note_holder
from bot.storage.uow import create_engine
from tests.fakes import RecordingTransport

GRANNY = Person(user_id=501, chat_id=501, display_name="王大妈")
UNKNOWN = "俺家娃当兵退伍回来了，退役安置的钱一直没发下来"  # handed off: several messages


@pytest.mark.postgres
async def test_one_leader_and_one_holder_per_chat_until_its_session_ends(
    database_url: str,
) -> None:
    first, second = PostgresLocks(database_url), PostgresLocks(database_url)
    try:
        assert await first.lead() and await first.lead()  # kept
        assert not await second.lead()
        assert await first.claim_chat(501)
        assert not await second.claim_chat(501)
        assert await second.claim_chat(502)  # other chats are free
        await first.release_chat(501)
        assert await second.claim_chat(501)
        await second.close()  # the instance ends (a crash ends its session alike)
        assert await first.claim_chat(502) and await first.claim_chat(501)
    finally:
        await first.close()
        await second.close()


@pytest.mark.postgres
async def test_a_killed_session_frees_the_lead_for_another_instance(database_url: str) -> None:
    first, second = PostgresLocks(database_url), PostgresLocks(database_url)
    admin = create_engine(database_url)
    try:
        assert await first.lead()
        assert not await second.lead()
        async with admin.begin() as connection:  # the first instance's session is killed
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND classid = 19524 AND objid = 1"
                )
            )
        async with asyncio.timeout(10):  # the server removes the dead session's locks
            while True:
                if await second.lead():
                    break
                await asyncio.sleep(0.05)
        assert not await first.lead()  # the first instance notices it lost its session
    finally:
        await first.close()
        await second.close()
        await admin.dispose()


@pytest.mark.postgres
async def test_two_instances_flushing_at_once_send_each_message_once(services: Services) -> None:
    lease = services.settings.cluster.outbox_lease_seconds
    batch = await services.desk.ask(GRANNY, UNKNOWN)
    assert len(batch.messages) >= 2
    async with services.uow() as uow:  # not due: the instance that stored them sends them
        assert await uow.outbox.claim_due(services.clock.now()) == []
    services.clock.advance(seconds=lease + 1)  # that instance died: they fall due
    first, second = RecordingTransport(), RecordingTransport()
    one = Courier(services.uow, services.clock, first)  # each instance has its own courier
    other = Courier(services.uow, services.clock, second)
    await asyncio.gather(one.flush(), other.flush())
    sent = [m.text for m in first.sent + second.sent]
    assert sorted(sent) == sorted(m.text for m in batch.messages)


@pytest.mark.postgres
async def test_a_chat_taken_over_gets_its_unsent_replies_first(services: Services) -> None:
    batch = await services.desk.ask(GRANNY, UNKNOWN)
    now = services.clock.now()
    async with services.uow() as uow:
        due, leased_until = await uow.outbox.claim_chat_backlog(GRANNY.chat_id, now)
    assert due == [] and leased_until is not None and leased_until > now  # still its holder's
    services.clock.advance(seconds=services.settings.cluster.outbox_lease_seconds)
    now = services.clock.now()
    async with services.uow() as uow:
        due, leased_until = await uow.outbox.claim_chat_backlog(
            GRANNY.chat_id, services.clock.now()
        )
        await uow.commit()
    to_granny = [m.id for m in batch.messages if m.chat_id == GRANNY.chat_id]
    assert due == to_granny and leased_until is None


def test_a_second_instance_on_one_sqlite_file_is_refused_until_the_first_ends(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}"
    held = hold_database_file(url)
    assert held is not None
    note_holder(held, "desk-a")
    with pytest.raises(DatabaseInUse, match="already in use by legaldesk instance desk-a"):
        hold_database_file(url)
    held.close()  # the process ended
    again = hold_database_file(url)
    assert again is not None
    again.close()
    assert hold_database_file("postgresql+asyncpg://x@localhost/db") is None
