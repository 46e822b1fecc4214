"""End-to-end benchmark: legaldesk and a bare PTB echo bot on the same fake Bot API server.

Run by hand (not part of ``make test``): ``.venv/bin/python benchmarks/e2e_bench.py
[--postgres-url URL] [--latency 0.05] [--parts rate,crowd,ratio]``. It prints three measurements,
on a fresh SQLite file and, given ``--postgres-url`` (default: $LEGALDESK_TEST_POSTGRES_URL), on
PostgreSQL (its tables are emptied first):

1. **Updates per second at Bot API latency** (``rate``). Every Bot API call but getUpdates takes
   ``--latency`` seconds longer, as a real Telegram round trip does (50-200 ms). The same burst
   (``--residents`` residents each send ``--messages`` FAQ questions at once) is handled by a
   bare PTB echo bot (stock Updater and settings, ``reply_text`` of the text) and by legaldesk as
   ``legaldesk run`` runs it (durable intake, matcher, database, outbox). Target: legaldesk
   serves at least 3 times the echo bot's updates per second (it serves chats concurrently).
2. **Reply latency at Bot API latency** (``crowd``). ``--crowd`` residents each send one question
   at the same moment, ``--waves`` times (after one warm-up wave that is not counted). For each
   message: the time from its injection into the fake server to the fake server receiving the
   bot's ``sendMessage`` to that resident (the added latency included). Target: p99 <= 300 ms.
   Also printed: the process's CPU time per message, steadier than wall time on a busy machine.
3. **Reply latency of residents in conversation** (``talk``). ``--crowd`` residents write at once
   the way people chat: each sends a question, waits for the reply, reads it and types the next
   one (a pause drawn from ``--pause``, seconds), ``--turns`` times; their first messages are
   spread over one pause. Same clock and target as ``crowd``. ``crowd`` is the worst case (every
   message in the same few milliseconds, so its p99 is the time to work through all of them);
   this is the load a desk with 100 residents writing at once sees.
4. **Updates per second without latency** (``ratio``, localhost): both bots are CPU-bound, so
   the ratio compares the work per update. No target; it must not fall below 0.3. This machine's
   speed drifts, so each round runs the echo bot and then legaldesk, and the ratio is the median
   of ``--repeat`` rounds' ratios.

5. **Updates per second of N instances** (``--instances 1 2 3``, PostgreSQL only): real
   ``legaldesk run`` processes in webhook mode behind a round-robin proxy, the same burst at
   ``--latency`` (benchmarks/instances_bench.py). Only this part runs when ``--instances`` is given.

Parts 1-4 run in one process and event loop on asyncio's own loop, so the fake server's work
weighs on both bots alike, and on the latency. Notes on the numbers: benchmarks/e2e_bench.md.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.adapters.tg.application import build_application
from bot.adapters.tg.intake import Intake, IntakePolicy
from bot.adapters.tg.serving import running
from bot.app import Knowledge, build_services, load_knowledge
from bot.config import load_settings
from bot.core.matching.matcher import Action
from bot.storage.migrate import upgrade
from bot.storage.models import Base
from bot.storage.uow import create_engine
from tests.fakebotapi import FakeBotApi, FakeUser

os.environ.setdefault("PTB_TIMEDELTA", "1")
Plan = list[tuple[FakeUser, list[str]]]
THROUGHPUT_TARGET = 3.0
P99_TARGET = 0.300
ZERO_LATENCY_FLOOR = 0.3


class TimedBotApi(FakeBotApi):
    """The fake Bot API server, noting when each ``sendMessage`` reaches it, per chat."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: dict[int, list[float]] = defaultdict(list)

    async def m_sendMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        message = await super().m_sendMessage(p)
        self.arrivals[int(message["chat"]["id"])].append(time.perf_counter())
        return message


def faq_questions(knowledge: Knowledge) -> list[str]:
    """Canonical FAQ questions that the matcher answers outright (one reply each)."""
    return [
        e.question
        for e in knowledge.kb
        if knowledge.matcher.match(e.question).action is Action.ANSWER
    ]


def add_latency(api: FakeBotApi, seconds: float) -> None:
    """Every Bot API call the bots make (getUpdates aside) takes ``seconds`` longer."""
    if seconds > 0:
        for method in ("sendMessage", "setMyCommands", "getMe"):
            api.delay_next(method, seconds, count=1_000_000)


def plan(api: FakeBotApi, tag: str, count: int, per: int, questions: list[str]) -> Plan:
    return [
        (api.new_user(f"{tag}{n}"), [questions[(n * per + k) % len(questions)] for k in range(per)])
        for n in range(count)
    ]


async def burst(api: FakeBotApi, residents: Plan) -> float:
    """Send every message, wait for every reply; seconds from the first send to the last reply."""
    start = time.perf_counter()
    for step in range(max(len(texts) for _, texts in residents)):
        for user, texts in residents:
            if step < len(texts):
                await api.send_text(user, texts[step])
    for user, texts in residents:
        for _ in texts:
            await api.wait_for_message(user, timeout=120)
    return time.perf_counter() - start


async def echo_rate(api: FakeBotApi, residents: Plan) -> float:
    """Updates per second of a bare PTB echo bot."""

    async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    app = Application.builder().token(api.token).base_url(api.base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=10)
        await app.start()
        seconds = await burst(api, residents)
        await app.updater.stop()
        await app.stop()
    return sum(len(texts) for _, texts in residents) / seconds


async def crowd(
    api: TimedBotApi, intake: Intake, users: list[FakeUser], waves: int, questions: list[str]
) -> tuple[list[float], float]:
    """Reply latencies (seconds) of ``waves`` waves in which every user sends one question at
    once (a warm-up wave comes first and is not counted), and the process's CPU seconds per
    counted message (the fake server's included; unlike wall time, other load barely moves it)."""
    samples: list[float] = []
    cpu = 0.0
    for wave in range(waves + 1):
        if wave == 1:
            cpu = time.process_time()
        sent: dict[int, tuple[float, int]] = {}
        for n, user in enumerate(users):
            sent[user.id] = (time.perf_counter(), len(api.arrivals[user.id]))
            await api.send_text(user, questions[(wave * len(users) + n) % len(questions)])
        for user in users:
            await api.wait_for_message(user, timeout=120)
        await intake.idle()
        if wave > 0:
            samples += [api.arrivals[uid][seen] - at for uid, (at, seen) in sent.items()]
    return samples, (time.process_time() - cpu) / max(len(samples), 1)


async def talk(
    api: TimedBotApi,
    intake: Intake,
    users: list[FakeUser],
    turns: int,
    pause: tuple[float, float],
    questions: list[str],
) -> tuple[list[float], float]:
    """Reply latencies (seconds) of ``users`` in conversation at once: each asks ``turns``
    questions, waiting for the reply and then a pause drawn from ``pause`` before the next (their
    first questions are spread over one pause); and the messages per second they sent."""
    draw = random.Random(7)  # seeded: the same pauses every run (in the order drawn)
    samples: list[float] = []

    async def converse(n: int, user: FakeUser) -> None:
        await asyncio.sleep(draw.uniform(0, pause[1]))  # residents do not start together
        for turn in range(turns):
            seen = len(api.arrivals[user.id])
            at = time.perf_counter()
            await api.send_text(user, questions[(n * turns + turn) % len(questions)])
            await api.wait_for_message(user, timeout=120)
            samples.append(api.arrivals[user.id][seen] - at)
            await asyncio.sleep(draw.uniform(*pause))  # reading the reply, typing the next

    start = time.perf_counter()
    await asyncio.gather(*(converse(n, user) for n, user in enumerate(users)))
    await intake.idle()
    return samples, len(samples) / (time.perf_counter() - start)


@asynccontextmanager
async def legaldesk(
    api: FakeBotApi, url: str, knowledge: Knowledge, folder: Path, policy: IntakePolicy
) -> AsyncIterator[Intake]:
    """legaldesk as ``legaldesk run`` runs it, on a fresh database (a new SQLite file in
    ``folder``, or the PostgreSQL database emptied)."""
    folder = Path(tempfile.mkdtemp(dir=folder))
    config = folder / "legaldesk.yaml"
    config.write_text("timezone: Asia/Shanghai\n", encoding="utf-8")
    env = {
        "DATABASE_URL": await fresh_database(url, folder),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
    }
    services = build_services(load_settings(config, env, cwd=folder), knowledge)
    try:
        async with running(build_application(services, policy), services, policy) as intake:
            yield intake
    finally:
        await services.close()


async def desk_rate(
    api: FakeBotApi,
    residents: Plan,
    url: str,
    knowledge: Knowledge,
    folder: Path,
    policy: IntakePolicy,
) -> float:
    """Updates per second of legaldesk for the burst."""
    async with legaldesk(api, url, knowledge, folder, policy):
        seconds = await burst(api, residents)
    return sum(len(texts) for _, texts in residents) / seconds


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


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


async def measure(
    args: argparse.Namespace, url: str, knowledge: Knowledge, questions: list[str], tmp: Path
) -> None:
    name = "sqlite" if url == "sqlite" else "postgresql"
    policy = IntakePolicy(concurrency=args.concurrency) if args.concurrency else IntakePolicy()
    total = args.residents * args.messages
    folder = tmp / name
    folder.mkdir()

    where = (url, knowledge, folder, policy)
    async with TimedBotApi() as api:
        add_latency(api, args.latency)
        if "rate" in args.parts:
            echo = await echo_rate(api, plan(api, "e", args.residents, args.messages, questions))
            served = await desk_rate(
                api, plan(api, "d", args.residents, args.messages, questions), *where
            )
            ratio = served / echo
            print(
                f"{name:<10} latency {args.latency * 1000:3.0f} ms  {total} updates: "
                f"echo bot {echo:6.1f}/s  legaldesk {served:6.1f}/s  ratio {ratio:5.2f} "
                f"(target >= {THROUGHPUT_TARGET:.0f}: {verdict(ratio >= THROUGHPUT_TARGET)})",
                flush=True,
            )
        if "crowd" in args.parts:
            users = [api.new_user(f"c{n}") for n in range(args.crowd)]
            async with legaldesk(api, *where) as intake:
                samples, cpu = await crowd(api, intake, users, args.waves, questions)
            p50, p99 = percentile(samples, 0.50), percentile(samples, 0.99)
            print(
                f"{name:<10} latency {args.latency * 1000:3.0f} ms  reply latency, {args.crowd} "
                f"residents at once x {args.waves} waves: p50 {p50 * 1000:4.0f} ms  "
                f"p99 {p99 * 1000:4.0f} ms  max {max(samples) * 1000:4.0f} ms "
                f"(target p99 <= {P99_TARGET * 1000:.0f} ms: {verdict(p99 <= P99_TARGET)}); "
                f"CPU {cpu * 1000:.2f} ms per message",
                flush=True,
            )
        if "talk" in args.parts:
            users = [api.new_user(f"t{n}") for n in range(args.crowd)]
            async with legaldesk(api, *where) as intake:
                samples, rate = await talk(api, intake, users, args.turns, args.pause, questions)
            p50, p99 = percentile(samples, 0.50), percentile(samples, 0.99)
            print(
                f"{name:<10} latency {args.latency * 1000:3.0f} ms  reply latency, {args.crowd} "
                f"residents in conversation x {args.turns} turns (pauses {args.pause[0]:g}-"
                f"{args.pause[1]:g} s): p50 {p50 * 1000:4.0f} ms  p99 {p99 * 1000:4.0f} ms  "
                f"max {max(samples) * 1000:4.0f} ms "
                f"(target p99 <= {P99_TARGET * 1000:.0f} ms: {verdict(p99 <= P99_TARGET)}); "
                f"{rate:.1f} messages/s",
                flush=True,
            )
    if "ratio" not in args.parts:
        return
    ratios: list[float] = []
    for r in range(args.repeat):
        async with TimedBotApi() as api:
            echo = await echo_rate(
                api, plan(api, f"e{r}-", args.residents, args.messages, questions)
            )
            residents = plan(api, f"d{r}-", args.residents, args.messages, questions)
            served = await desk_rate(api, residents, url, knowledge, folder, policy)
            ratios.append(served / echo)
    ratio = statistics.median(ratios)
    print(
        f"{name:<10} latency   0 ms  {total} updates: legaldesk/echo bot ratio {ratio:5.2f} "
        f"(median of {args.repeat}, rounds {min(ratios):.2f}-{max(ratios):.2f}; "
        f"must not fall below {ZERO_LATENCY_FLOOR}: {verdict(ratio >= ZERO_LATENCY_FLOOR)})",
        flush=True,
    )


async def main(args: argparse.Namespace) -> None:
    knowledge = load_knowledge(load_settings(None, {}))
    questions = faq_questions(knowledge)
    if args.instances:
        from benchmarks.instances_bench import scaling

        await scaling(args, questions)
        return
    concurrency = args.concurrency or IntakePolicy().concurrency
    print(
        f"legaldesk serves {concurrency} chats at once; burst: {args.residents} residents x "
        f"{args.messages} messages",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        for url in ["sqlite"] + ([args.postgres_url] if args.postgres_url else []):
            await measure(args, url, knowledge, questions, Path(tmp))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--residents", type=int, default=40, help="residents in the burst")
    parser.add_argument("--messages", type=int, default=10, help="per resident (flood limit 20)")
    parser.add_argument(
        "--latency", type=float, default=0.05, help="seconds added to each Bot API call"
    )
    parser.add_argument("--crowd", type=int, default=100, help="residents writing at once")
    parser.add_argument("--waves", type=int, default=5, help="counted waves of the crowd")
    parser.add_argument("--turns", type=int, default=5, help="questions per conversation")
    parser.add_argument(
        "--pause",
        type=lambda v: tuple(float(x) for x in v.split(",")),
        default=(1.0, 3.0),
        help="a conversation's pause between a reply and the next question, min,max seconds",
    )
    parser.add_argument("--repeat", type=int, default=5, help="rounds without latency")
    parser.add_argument(
        "--concurrency", type=int, default=0, help="chats served at once (default: the bot's)"
    )
    parser.add_argument(
        "--parts",
        default="rate,crowd,talk,ratio",
        help="which measurements (1 rate, 2 crowd, 3 talk, 4 ratio), comma-separated",
    )
    parser.add_argument("--postgres-url", default=os.environ.get("LEGALDESK_TEST_POSTGRES_URL"))
    parser.add_argument(
        "--instances", type=int, nargs="+", help="measure N instances behind a proxy (PostgreSQL)"
    )
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parser.parse_args()))
