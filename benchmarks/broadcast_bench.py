"""Broadcast benchmark: a resident's answer latency while a 2,000-subscriber theme goes out.

Run by hand (not part of ``make test``)::

    .venv/bin/python benchmarks/broadcast_bench.py [--postgres-url URL] [--subscribers 2000]

legaldesk runs as ``legaldesk run`` runs it (durable intake, outbox, courier, broadcast pump)
against the fake Bot API server, where every ``sendMessage`` takes ``--latency`` seconds (50 ms
by default, a real Telegram round trip). It measures, on a fresh SQLite file and, given
``--postgres-url`` (default: $LEGALDESK_TEST_POSTGRES_URL; its tables are emptied), PostgreSQL:

1. **Baseline**: residents (not subscribers) ask FAQ questions, one every ``--every`` seconds;
   the time from a question's injection into the fake server until the fake server receives
   the bot's reply (the added latency included). p50 and p99.
2. **During a broadcast**: the same, while the December theme is delivered to
   ``--subscribers`` subscribers. p50 and p99 again, and the broadcast's duration (from queuing
   until the last subscriber's message reached the fake server) with its rate.

Targets: the broadcast paced at 25 messages a second or less (Telegram's limit is about 30),
and residents' answers not slower during it: p99 at most 300 ms, as without the broadcast.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.adapters.tg.application import build_application
from bot.adapters.tg.intake import IntakePolicy
from bot.adapters.tg.serving import running
from bot.app import Knowledge, Services, build_services, load_knowledge
from bot.config import load_settings
from bot.core.matching.matcher import Action
from bot.core.outreach.pump import PumpPolicy
from bot.storage.migrate import upgrade
from bot.storage.models import Base, ResidentRow, SubscriptionRow
from bot.storage.uow import create_engine
from tests.fakebotapi import FakeBotApi, FakeUser

os.environ.setdefault("PTB_TIMEDELTA", "1")
THEME = "2026年12月普法"
P99_TARGET = 0.300
RATE_LIMIT = 25.0


class TimedBotApi(FakeBotApi):
    """The fake Bot API, noting when each ``sendMessage`` reaches it (after its latency)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: dict[int, list[float]] = defaultdict(list)
        self.theme_arrivals: list[float] = []
        self.questions: dict[int, int] = defaultdict(int)  # questions sent, per resident

    async def m_sendMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        message = await super().m_sendMessage(p)
        now = time.perf_counter()
        if THEME in str(p.get("text", "")):
            self.theme_arrivals.append(now)
        else:
            self.arrivals[int(message["chat"]["id"])].append(now)
        return message


async def fresh_database(url: str, folder: Path) -> str:
    if url == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    engine = create_engine(url)
    try:
        await upgrade(engine)
        if engine.dialect.name == "postgresql":
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            async with engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()
    return url


async def add_subscribers(services: Services, people: list[FakeUser]) -> None:
    now = datetime.now(UTC)
    async with services.sessions() as session:
        rows = [
            ResidentRow(user_id=p.id, chat_id=p.id, display_name="", created_at=now) for p in people
        ]
        session.add_all(rows)
        await session.flush()
        session.add_all(SubscriptionRow(resident_id=r.id, started_at=now) for r in rows)
        await session.commit()


async def ask_until(
    api: TimedBotApi,
    askers: list[FakeUser],
    questions: list[str],
    every: float,
    done: asyncio.Event | int,
) -> list[float]:
    """Residents ask in turn, one question every ``every`` seconds, until ``done`` is set (or
    that many questions); the reply latency of each. Every question gets exactly one reply, so
    a resident's k-th reply answers their k-th question: nothing waits on the fake server
    (whose waiters would cost this event loop more than the bot does)."""
    asked: list[tuple[int, float, int]] = []  # (user, injected at, replies before)
    n = 0
    while (n < done) if isinstance(done, int) else not done.is_set():
        user = askers[n % len(askers)]
        asked.append((user.id, time.perf_counter(), api.questions[user.id]))
        api.questions[user.id] += 1
        await api.send_text(user, questions[n % len(questions)])
        n += 1
        await asyncio.sleep(every)
    deadline = time.perf_counter() + 120
    while any(len(api.arrivals[u]) <= k for u, _, k in asked):
        if time.perf_counter() > deadline:
            raise TimeoutError("replies missing")
        await asyncio.sleep(0.05)
    return [api.arrivals[u][k] - at for u, at, k in asked]


def quantiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return (
        f"p50 {statistics.median(ordered) * 1000:6.1f} ms  p99 {p99 * 1000:6.1f} ms  "
        f"({len(ordered)} answers)"
    )


async def measure(args: argparse.Namespace, url: str, knowledge: Knowledge, tmp: Path) -> None:
    name = "sqlite" if url == "sqlite" else "postgresql"
    questions = [
        e.question
        for e in knowledge.kb
        if knowledge.matcher.match(e.question).action is Action.ANSWER
    ]
    api = TimedBotApi()
    await api.start()
    api.delay_next("sendMessage", args.latency, count=10_000_000)
    folder = Path(tempfile.mkdtemp(dir=tmp))
    config = folder / "legaldesk.yaml"
    config.write_text("timezone: Asia/Shanghai\n", encoding="utf-8")
    env = {
        "DATABASE_URL": await fresh_database(url, folder),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
    }
    services = build_services(load_settings(config, env, cwd=folder), knowledge)
    policy = IntakePolicy()
    subscribers = [api.new_user(f"订阅{n}") for n in range(args.subscribers)]
    askers = [api.new_user(f"提问{n}") for n in range(args.askers)]
    try:
        await add_subscribers(services, subscribers)
        async with running(build_application(services, policy), services, policy):
            services.pump.policy = PumpPolicy(give_way=args.give_way)
            await ask_until(api, askers[:5], questions, args.every, 10)  # warm-up
            baseline = await ask_until(api, askers, questions, args.every, args.baseline)
            done = asyncio.Event()
            start = time.perf_counter()
            queued = await services.broadcasts.queue("2026-12")
            services.pump.kick()

            async def finished() -> None:
                while len(api.theme_arrivals) < queued.broadcast.recipients:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
                done.set()

            watcher = asyncio.create_task(finished())
            during = await ask_until(api, askers, questions, args.every, done)
            await watcher
            seconds = max(api.theme_arrivals) - start
    finally:
        await services.close()
        await api.stop()
    rate = queued.broadcast.recipients / seconds
    print(
        f"[{name}] latency {args.latency * 1000:.0f} ms per sendMessage; broadcast gives way to "
        f"answers for up to {args.give_way * 1000:.0f} ms a message"
    )
    print(f"  answers, no broadcast:      {quantiles(baseline)}")
    print(f"  answers, during broadcast:  {quantiles(during)}")
    print(
        f"  broadcast: {queued.broadcast.recipients} subscribers in {seconds:.1f} s "
        f"({rate:.1f} messages/s; limit {RATE_LIMIT:.0f})"
    )
    p99 = sorted(during)[min(len(during) - 1, round(0.99 * (len(during) - 1)))]
    print(
        f"  targets: rate <= {RATE_LIMIT:.0f}/s {'ok' if rate <= RATE_LIMIT * 1.02 else 'MISSED'};"
        f" p99 during <= {P99_TARGET * 1000:.0f} ms {'ok' if p99 <= P99_TARGET else 'MISSED'}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", default=os.environ.get("LEGALDESK_TEST_POSTGRES_URL"))
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--askers", type=int, default=60, help="residents asking questions")
    parser.add_argument("--every", type=float, default=0.1, help="seconds between questions")
    parser.add_argument("--baseline", type=int, default=200, help="questions without broadcast")
    parser.add_argument(
        "--give-way",
        type=float,
        default=PumpPolicy().give_way,
        help="seconds a broadcast send waits for residents' answers (0: it does not wait)",
    )
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    knowledge = load_knowledge(load_settings(None, {}, cwd=Path(__file__).parent))
    with tempfile.TemporaryDirectory() as tmp:
        await measure(args, "sqlite", knowledge, Path(tmp))
        if args.postgres_url and not args.sqlite_only:
            await measure(args, args.postgres_url, knowledge, Path(tmp))


if __name__ == "__main__":
    asyncio.run(main())
