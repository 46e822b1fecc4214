"""A WeChat-only desk SIGKILLed in the middle of a burst of 100 questions, and restarted: every
question answered, none processed or counted twice, though WeChat retries its POSTs.

The desk runs as production runs it (``python -m bot run``) against the fake WeChat server of
this test process; WeChat's side (signed callbacks, retries of the same MsgId) is the fake's
callback helper. Synchronisation is on what the fake server sees.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app import Knowledge
from bot.storage.models import ChannelInboxRow, OutboxRow
from bot.storage.uow import create_engine, create_sessionmaker
from tests.conftest import REPO
from tests.e2e.conftest import faq_questions
from tests.e2e.process import free_port
from tests.e2e.wechat_desk import wechat_desk
from tests.fakewechat import (
    CallbackResult,
    FakeWeChat,
    Inbound,
    SentMessage,
    WeChatCallbacks,
    inbound,
)

pytestmark = pytest.mark.e2e

RESIDENTS, QUESTIONS_EACH = 25, 4  # 100 questions; far under the flood limit of 20 a minute
BEFORE_KILL = 60  # pushed (and retried) while the first process runs
ACKED_AFTER = 5  # of the rest, answered "success" before the SIGKILL
PUSHERS = 4  # POSTs in flight at once, as WeChat's servers push concurrently
ANSWERED_WITHIN = 90.0  # seconds for the restarted desk to answer what is left


@pytest.fixture
async def wechat() -> AsyncIterator[FakeWeChat]:
    """The fake WeChat server. A killed desk may leave a request cut off mid-body, which the
    fake records as a crash of its own (a connection reset); those, and only those, are
    expected here. Its per-message send quota is lifted (the 48-hour window is not): a
    resident's four quick questions get eight messages (answer, feedback choices), and the
    45047 back-off is another test's subject (tests/integration/test_wechat_delivery.py)."""
    fake = FakeWeChat(enforce_quota=False)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    crashes = [e for e in fake.internal_errors if "ConnectionReset" not in e]
    assert not crashes, f"fake WeChat crashed: {crashes}"


def burst(wechat: FakeWeChat, knowledge: Knowledge) -> dict[str, list[Inbound]]:
    """Each resident's questions (FAQ questions: each answered by one message starting with
    it), as the text messages WeChat will push; one round of every resident after another."""
    questions = faq_questions(knowledge)
    asked: dict[str, list[Inbound]] = {}
    for n in range(RESIDENTS):
        openid = wechat.new_openid()
        texts = [
            questions[(n * QUESTIONS_EACH + k) % len(questions)] for k in range(QUESTIONS_EACH)
        ]
        asked[openid] = [
            inbound.message(openid, "text", {"Content": text}, create_time=int(wechat.now()))
            for text in texts
        ]
    return asked


def in_rounds(asked: dict[str, list[Inbound]]) -> list[Inbound]:
    return [messages[k] for k in range(QUESTIONS_EACH) for messages in asked.values()]


def question(message: Inbound) -> str:
    return str(message.fields["Content"])


def shown(message: SentMessage) -> str:
    """What the resident sees, with a menu's item ids (every answer's feedback choices look
    alike: 「有帮助」 names the answer only in its id)."""
    return "\n".join([message.visible_text, *(item.id for item in message.items)])


async def push_all(
    push: WeChatCallbacks,
    messages: Iterable[Inbound],
    *,
    resend: bool | set[int | None] = False,
    acknowledged: Callable[[CallbackResult], bool] | None = None,
) -> list[CallbackResult]:
    """Push each message, ``PUSHERS`` at a time; *resend* (all, or those whose MsgId it holds)
    retries it instead: the same MsgId again, as WeChat does.
    ``acknowledged(result)`` is told of each push answered "success"; once it returns True
    nothing more is pushed (WeChat keeps the rest until the server answers again)."""
    queue: asyncio.Queue[Inbound] = asyncio.Queue()
    for message in messages:
        queue.put_nowait(message)
    results: list[CallbackResult] = []
    done = False

    async def pusher() -> None:
        nonlocal done
        while not done and not queue.empty():
            message = queue.get_nowait()
            again = resend if isinstance(resend, bool) else message.msg_id in resend
            result = await (push.resend(message) if again else push.deliver(message))
            results.append(result)
            if result.ok and acknowledged is not None:
                done = done or acknowledged(result)

    await asyncio.gather(*(pusher() for _ in range(PUSHERS)))
    return results


async def everything_answered(wechat: FakeWeChat, asked: dict[str, list[Inbound]]) -> None:
    """Until every question's answer and its feedback choices (有帮助) have arrived."""

    def answered() -> bool:
        for openid, sent in asked.items():
            texts = [m.visible_text for m in wechat.messages_to(openid)]
            if sum("有帮助" in text for text in texts) < len(sent):
                return False
            if not all(any(t.startswith(question(m)) for t in texts) for m in sent):
                return False
        return True

    deadline = time.monotonic() + ANSWERED_WITHIN
    while not answered():
        assert time.monotonic() < deadline, "not every question answered\n" + wechat.diagnostics()
        await asyncio.sleep(0.1)


async def stored(url: str) -> dict[str, Any]:
    """What the desk stored: WeChat's callbacks and the outbox."""
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            inbox = list(await session.scalars(select(ChannelInboxRow)))
            outbox = list(await session.scalars(select(OutboxRow)))
    finally:
        await engine.dispose()
    return {"inbox": inbox, "outbox": outbox}


async def report_json(database_url: str, folder: Path) -> dict[str, Any]:
    """``legaldesk report --month <this month> --format json``, run as the office runs it."""
    config = folder / "office.yaml"
    config.write_text("timezone: Asia/Shanghai\n", encoding="utf-8")
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    env = {**os.environ, "DATABASE_URL": database_url, "LEGALDESK_CONFIG": str(config)}
    argv = ["-m", "bot", "report", "--month", month, "--format", "json"]
    process = await asyncio.create_subprocess_exec(
        sys.executable, *argv, cwd=REPO, env=env, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    return json.loads(out)  # type: ignore[no-any-return]


async def test_killed_in_the_middle_of_a_burst_of_100_each_question_answered_once(
    wechat: FakeWeChat,
    database_url: str,
    tmp_path: Path,
    knowledge: Knowledge,
) -> None:
    asked = burst(wechat, knowledge)
    messages = in_rounds(asked)
    port = free_port()  # the restarted desk listens where WeChat pushes
    # retries=0: this test plays WeChat's retries itself, before and after the kill.
    # PostgreSQL: the killed desk's stored but unsent replies wait for their lease (another
    # instance might be sending them); a short one keeps this test's waits short.
    lease = "cluster: {outbox_lease_seconds: 2}\n"
    async with wechat_desk(
        wechat, database_url, tmp_path, "first", port=port, retries=0, extra_yaml=lease
    ) as first:
        push = first.push
        for result in await push_all(push, messages[:BEFORE_KILL]):
            result.assert_ok()
        # WeChat retries a push it got no answer to in time: the same MsgId again.
        for result in await push_all(push, messages[:BEFORE_KILL:3], resend=True):
            result.assert_ok()
        await wechat.wait_for_call("message/custom/send", timeout=30)  # answering begun
        acked: list[CallbackResult] = []

        def kill_after_some(result: CallbackResult) -> bool:
            acked.append(result)
            if len(acked) == ACKED_AFTER:
                first.process.kill()  # SIGKILL in the middle of the burst
            return len(acked) >= ACKED_AFTER

        await push_all(push, messages[BEFORE_KILL:], acknowledged=kill_after_some)
        await first.process.wait()
        pushed = {result.message.msg_id for result in push.results}
    at_kill = await stored(database_url)
    delivered_at_kill = {(m.openid, shown(m)) for m in wechat.sent}
    # Residents with an answer stored but not marked sent at the kill: what of it was delivered
    # already goes out again (WeChat's API cannot tell a repeat).
    in_flight = {row.recipient for row in at_kill["outbox"] if row.status != "sent"}
    keys = {row.key for row in at_kill["inbox"]}
    assert BEFORE_KILL + ACKED_AFTER <= len(keys) < len(messages)  # some pushes were refused
    unprocessed = sum(row.processed_at is None for row in at_kill["inbox"])
    assert 0 < unprocessed < len(keys)  # stored, not yet answered: the restart answers them

    async with wechat_desk(
        wechat, database_url, tmp_path, "second", port=port, retries=0, extra_yaml=lease
    ) as second:
        push = second.push
        # WeChat pushes what it held back and retries the rest (all: also those acknowledged).
        for result in await push_all(push, messages, resend=pushed):
            result.assert_ok()
        await everything_answered(wechat, asked)
        second.process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.process.wait(), timeout=30) == 0

    after = await stored(database_url)
    assert len(after["inbox"]) == len(messages)
    assert all(r.processed_at is not None and r.failed_at is None for r in after["inbox"])
    for openid, sent in asked.items():  # one answer stored per question, and delivered
        answers = [r for r in after["outbox"] if r.recipient == openid]
        assert len(answers) == QUESTIONS_EACH and all(r.status == "sent" for r in answers)
        received = Counter(shown(m) for m in wechat.messages_to(openid))
        for message in sent:  # each answer (its first part starts with the question) ...
            assert sum(text.startswith(question(message)) for text in received) == 1
        for text, times in received.items():  # ... and every message received once
            again = openid in in_flight and (openid, text) in delivered_at_kill
            assert times == 1 or (again and times == 2), f"{times} times: {text}"
    report = await report_json(database_url, tmp_path)
    assert report["questions"] == len(messages)  # none counted twice
    assert report["residents"] == RESIDENTS
    assert report["faq_answered"] == len(messages)
