"""Three real ``legaldesk run`` instances on one PostgreSQL database behind a round-robin load
balancer (tests/lbproxy.py); the fake Bot API delivers webhook updates through it.

100 residents × 5 questions: every question is answered, once, and each chat's replies come in
the order of its questions, although one instance is SIGKILLed in the middle of the burst (the
other two finish its chats). The monthly report counts each question once, and the reminder of
an unclaimed case reaches each adviser once, not once per instance.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import Knowledge
from tests.conftest import REPO
from tests.e2e.conftest import faq_questions
from tests.e2e.instances import WEBHOOK_PATH, instance
from tests.e2e.process import free_port
from tests.e2e.test_durability import database
from tests.fakebotapi import FakeBotApi, FakeUser
from tests.lbproxy import RoundRobinProxy

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

INSTANCES, RESIDENTS, QUESTIONS_EACH = 3, 100, 5
SENDS_IN_FLIGHT = 64  # IntakePolicy.concurrency: at most this many replies repeated after a kill
HANDED_OFF = "俺家娃当兵退伍回来了，退役安置的钱一直没发下来，咋办"
# Advisers always on duty, reminded of a case nobody claimed for 15 s; each instance looks for
# such cases every CHECK seconds (its first look CHECK seconds after its start).
CHECK, REMIND_AFTER = 3, 15
ALWAYS_ON_DUTY = f"""
timezone: Asia/Shanghai
advisers:
  - {{telegram_id: 9001, name: 李律师, role: adviser, shifts: ["mon-sun 00:00-24:00"]}}
  - {{telegram_id: 9002, name: 张律师, role: adviser, shifts: ["mon-sun 00:00-24:00"]}}
desk: {{unclaimed_reminder_minutes: {REMIND_AFTER / 60}, reminder_check_seconds: {CHECK}}}
cluster: {{outbox_lease_seconds: 3, sweep_seconds: 0.5}}
"""
REMINDER = "还没有人认领"


@pytest.fixture
async def telegram() -> AsyncIterator[FakeBotApi]:
    """The fake Bot API; a killed instance cuts requests off mid-body (ConnectionResetError in
    the fake), which is expected here and nothing else is."""
    api = FakeBotApi()
    await api.start()
    try:
        yield api
    finally:
        await api.stop()
    crashes = [e for e in api.internal_errors if "ConnectionResetError" not in e]
    assert not crashes, f"fake Bot API crashed: {crashes}"


async def until(condition: Callable[[], bool], timeout: float, what: str) -> None:  # noqa: ASYNC109
    """Poll a condition with a deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.05)


def first_replies(api: FakeBotApi, resident: FakeUser) -> list[str]:
    """The resident's different replies, in the order each first arrived."""
    return list(dict.fromkeys(m.visible_text for m in api.messages_to(resident)))


async def monthly_report(database_url: str, config: Path) -> dict[str, object]:
    month = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot", "--config", str(config), "report", "--month", month),
        *("--format", "json"),
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    report: dict[str, object] = json.loads(out)
    return report


async def test_three_instances_behind_a_balancer_one_killed_mid_burst(
    telegram: FakeBotApi, database_url: str, tmp_path: Path, knowledge: Knowledge
) -> None:
    api = telegram
    ports = [free_port() for _ in range(INSTANCES)]
    proxy = RoundRobinProxy(ports)
    await proxy.start()
    webhook_url = proxy.url + WEBHOOK_PATH
    async with AsyncExitStack() as stack:
        stack.push_async_callback(proxy.stop)
        started = time.monotonic()
        processes = await asyncio.gather(
            *(
                stack.enter_async_context(
                    instance(
                        api,
                        database_url,
                        tmp_path,
                        f"desk-{n}",
                        port=port,
                        webhook_url=webhook_url,
                        staff_yaml=ALWAYS_ON_DUTY,
                    )
                )
                for n, port in enumerate(ports)
            )
        )
        ready = time.monotonic()
        advisers = [api.new_user("李律师", user_id=9001), api.new_user("张律师", user_id=9002)]
        waiting = api.new_user("退伍军人家属")
        await api.send_text(waiting, HANDED_OFF)  # a case nobody claims: reminders follow

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

        def replies() -> int:
            return sum(len(api.messages_to(r)) for r in asked)

        await until(lambda: replies() >= RESIDENTS, 120, "a fifth of the replies")
        victim = processes[1]
        victim.kill()  # SIGKILL in the middle of the burst
        await victim.wait()
        at_kill = replies()
        assert at_kill < RESIDENTS * QUESTIONS_EACH  # the burst was still going on

        await until(
            lambda: all(len(first_replies(api, r)) >= QUESTIONS_EACH for r in asked),
            240,
            "every question answered",
        )
        for resident, texts in asked.items():  # in order, each question once
            got = first_replies(api, resident)
            assert len(got) == QUESTIONS_EACH
            order = [next((i for i, q in enumerate(texts) if r.startswith(q)), -1) for r in got]
            assert order == list(range(QUESTIONS_EACH)), (order, resident.id)
        repeated = replies() - RESIDENTS * QUESTIONS_EACH
        assert 0 <= repeated <= SENDS_IN_FLIGHT  # only sends in flight at the kill can repeat
        assert proxy.refused[1] > 0 or proxy.served[1] > 0
        assert sum(proxy.served.values()) >= RESIDENTS * QUESTIONS_EACH

        stored = await database(database_url)
        assert len(stored["inbox"]) >= RESIDENTS * QUESTIONS_EACH + 1
        assert all(r.processed_at is not None for r in stored["inbox"])
        for resident, texts in asked.items():  # each question logged exactly once
            assert stored["questions"][resident.id] == Counter(texts)

        # Reminders: every instance looks every CHECK seconds; the leader's alone sends. Once
        # the reminder is out, wait until each instance has looked again (two more rounds), well
        # before the next reminder is due (REMIND_AFTER later), then count.
        def reminders(adviser: FakeUser) -> list[str]:
            return [m.visible_text for m in api.messages_to(adviser) if REMINDER in m.visible_text]

        await until(lambda: all(reminders(a) for a in advisers), 120, "a reminder to each adviser")
        # Not synchronisation: the time in which a follower would have sent a second one.
        await asyncio.sleep(2 * CHECK)
        assert started < ready
        for adviser in advisers:
            assert len(reminders(adviser)) == 1, [text[:40] for text in reminders(adviser)]

    report = await monthly_report(database_url, tmp_path / "desk-0.yaml")
    assert report["questions"] == RESIDENTS * QUESTIONS_EACH + 1
    assert report["residents"] == RESIDENTS + 1
    assert (report["faq_answered"], report["handed_off"]) == (RESIDENTS * QUESTIONS_EACH, 1)
