"""Report speed: `report --month` over 100k and 1M synthetic interaction events in one month.

Run: ``.venv/bin/python benchmarks/report_bench.py [--sizes 100000 1000000] [--engines sqlite
postgres] [--postgres-server postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]``.

Each run builds a fresh database with the Alembic migrations (SQLite in a temporary folder;
on PostgreSQL a scratch database ``legaldesk_report_bench`` that is dropped and created again),
bulk-loads a seeded synthetic history (N events in March 2024 in Asia/Shanghai, plus 10% in
February; residents asking, FAQ answers, choices, hand-offs, answers, deliveries, feedback,
small talk and commands in realistic proportions; real FAQ ids) with the driver's bulk path,
and times the report: the use case (all queries plus shaping) cold and warm (fastest and median
of five), each query, the XLSX rendering, and the whole ``legaldesk report --month`` command as a
new process. PostgreSQL gets VACUUM ANALYZE after the load, as autovacuum would. Both engines
load the same data, and the script checks that their reports agree. Target: 1M events < 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.adapters.exports import to_xlsx
from bot.core.clock import SystemClock
from bot.core.faq import KnowledgeBase
from bot.core.periods import Period
from bot.core.ports import UnitOfWork
from bot.core.reports import ReportService, to_json
from bot.storage.faq_yaml import load_knowledge_base
from bot.storage.migrate import upgrade
from bot.storage.queries import report_queries
from bot.storage.uow import SqlUnitOfWorkFactory, create_engine

REPO = Path(__file__).resolve().parent.parent
ZONE = ZoneInfo("Asia/Shanghai")
MONTH = Period(2024, 3, ZONE)
BENCH_DB = "legaldesk_report_bench"
COLUMNS = (
    "at",
    "kind",
    "resident_id",
    "case_id",
    "faq_id",
    "category",
    "actor_id",
    "actor_name",
    "detail",
    "text",
)
# What a resident does, with weights: matched questions dominate, as in the real log.
ACTIONS = (
    ("answer", 36),
    ("clarify", 9),
    ("handoff", 7),
    ("media", 3),
    ("smalltalk", 10),
    ("command", 10),
    ("browse", 10),
    ("law_lookup", 4),
    ("follow_up", 6),
    ("flood", 1),
)
ADVISERS = ((9001, "李律师"), (9002, "张律师"), (9003, "王律师"))
Event = tuple[Any, ...]


@dataclass
class History:
    events: list[Event] = field(default_factory=list)
    cases: list[tuple[Any, ...]] = field(default_factory=list)
    residents: int = 0


def synthesize(kb: KnowledgeBase, size: int, seed: int = 2024) -> History:
    """``size`` events inside March 2024 (Shanghai), and about a tenth as many in February."""
    rng = random.Random(seed)
    history = History(residents=max(50, size // 50))
    entries = [(e.id, e.category) for e in kb]
    kinds, weights = zip(*ACTIONS, strict=True)
    february = Period(2024, 2, ZONE)
    for start, end, target in (
        (february.start, MONTH.start, size // 10),
        (MONTH.start, MONTH.end, size),
    ):
        span, inside = (end - start).total_seconds(), 0
        while inside < target:
            at = start + timedelta(seconds=rng.random() * span)
            before = len(history.events)
            _act(history, rng, at, rng.choices(kinds, weights)[0], rng.choice(entries))
            inside += sum(1 for e in history.events[before:] if start <= e[0] < end)
    history.events.sort(key=lambda e: e[0])
    return history


def _act(h: History, rng: random.Random, at: datetime, action: str, entry: tuple[str, str]) -> None:
    resident = rng.randint(1, h.residents)
    faq_id, category = entry

    def log(
        kind: str,
        *,
        faq: bool = True,
        detail: str | None = None,
        text: str | None = None,
        case: int | None = None,
        actor: tuple[int, str] | None = None,
        when: Any = at,
    ) -> None:
        h.events.append(
            (
                when,
                kind,
                resident,
                case,
                faq_id if faq else None,
                category if faq else None,
                actor[0] if actor else None,
                actor[1] if actor else None,
                detail,
                text,
            )
        )

    if action in ("answer", "clarify", "handoff"):
        log(
            "question",
            faq=action != "handoff" or rng.random() < 0.5,
            detail=action,
            text="（合成的居民问题）",
        )
    if action == "answer":
        log("faq_answer")
        roll = rng.random()
        if roll < 0.12:
            log("feedback_helpful")
        elif roll < 0.17:
            log("feedback_not_helpful")
            _case(h, rng, log, at, "not_solved", resident)
    elif action == "clarify":
        log("clarify")
        if rng.random() < 0.6:
            log("faq_answer", detail="clarify")
    elif action == "handoff":
        _case(h, rng, log, at, "no_match", resident)
    elif action == "media":
        log("media", faq=False, detail="voice")
        _case(h, rng, log, at, "media", resident)
    else:
        log(action, faq=action == "browse", text="你好" if action != "browse" else None)


def _case(
    h: History,
    rng: random.Random,
    log: Callable[..., None],
    opened: datetime,
    reason: str,
    resident: int,
) -> None:
    case_id = len(h.cases) + 1
    log("handoff", faq=False, detail=reason, case=case_id)
    answered = closed = None
    if rng.random() < 0.85:
        adviser = rng.choice(ADVISERS)
        answered = opened + timedelta(minutes=rng.expovariate(1 / 300))
        log("case_claimed", faq=False, case=case_id, actor=adviser, when=answered)
        log("case_answered", faq=False, case=case_id, actor=adviser, when=answered)
        delivered = "answer_delivered" if rng.random() < 0.96 else "answer_undeliverable"
        log(delivered, faq=False, case=case_id, actor=adviser, when=answered)
        if rng.random() < 0.6:
            closed = answered + timedelta(hours=rng.expovariate(1 / 30))
            log("case_closed", faq=False, case=case_id, actor=adviser, when=closed)
    status = "closed" if closed else "answered" if answered else "open"
    h.cases.append((case_id, resident, status, "（合成的问题）", opened, answered, closed, False))


# ---------------------------------------------------------------- loading


def _sqlite_text(value: Any) -> Any:
    """SQLAlchemy's storage format for UtcDateTime on SQLite: naive UTC with microseconds."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def load_sqlite(path: Path, h: History) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    with db:
        db.executemany(
            "INSERT INTO residents (id, display_name, created_at) VALUES (?, ?, ?)",
            [(i, "居民", "2024-01-01 00:00:00.000000") for i in range(1, h.residents + 1)],
        )
        db.executemany(
            "INSERT INTO cases (id, resident_id, status, question, opened_at, answered_at, "
            "closed_at, undeliverable) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [tuple(_sqlite_text(v) for v in row) for row in h.cases],
        )
        db.executemany(
            f"INSERT INTO interactions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * 10)})",
            [(_sqlite_text(e[0]), *e[1:]) for e in h.events],
        )
    db.close()


async def load_postgres(url: str, h: History) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await connection.copy_records_to_table(
            "residents",
            columns=["id", "display_name", "created_at"],
            records=[
                (i, "居民", datetime(2024, 1, 1, tzinfo=UTC)) for i in range(1, h.residents + 1)
            ],
        )
        await connection.copy_records_to_table(
            "cases",
            records=h.cases,
            columns=[
                "id",
                "resident_id",
                "status",
                "question",
                "opened_at",
                "answered_at",
                "closed_at",
                "undeliverable",
            ],
        )
        await connection.copy_records_to_table(
            "interactions", records=h.events, columns=list(COLUMNS)
        )
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


async def fresh_postgres(server: str) -> str:
    import asyncpg

    admin = await asyncpg.connect(server.replace("postgresql+asyncpg", "postgresql"))
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        await admin.execute(f"CREATE DATABASE {BENCH_DB}")
    finally:
        await admin.close()
    return server.rsplit("/", 1)[0] + f"/{BENCH_DB}"


async def drop_postgres(server: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(server.replace("postgresql+asyncpg", "postgresql"))
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
    finally:
        await admin.close()


# ---------------------------------------------------------------- timing


class TimedQueries:
    """Wraps the SQL queries of one report and records how long each took."""

    def __init__(self, inner: Any, times: dict[str, float]) -> None:
        self._inner, self._times = inner, times

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._inner, name)

        async def timed(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return await method(*args)
            finally:
                self._times[name] = self._times.get(name, 0.0) + time.perf_counter() - started

        return timed


async def time_report(
    url: str, kb: KnowledgeBase
) -> tuple[float, tuple[float, float], dict[str, float], dict[str, Any], float]:
    engine = create_engine(url)
    times: dict[str, float] = {}

    def queries(uow: UnitOfWork) -> Any:
        return TimedQueries(report_queries(uow), times)

    service = ReportService(
        SqlUnitOfWorkFactory(engine, write=False), queries, SystemClock(), kb, ZONE
    )
    try:
        started = time.perf_counter()
        report = await service.build(MONTH)
        cold = time.perf_counter() - started
        warm, best, fastest = [], float("inf"), {}
        for _ in range(5):
            started = time.perf_counter()
            times.clear()
            report = await service.build(MONTH)
            warm.append(time.perf_counter() - started)
            run = dict(times)
            if warm[-1] < best:
                best, fastest = warm[-1], run
        started = time.perf_counter()
        to_xlsx(report)
        xlsx = time.perf_counter() - started
    finally:
        await engine.dispose()
    return cold, (min(warm), statistics.median(warm)), fastest, to_json(report), xlsx


def time_cli(url: str, folder: Path, month: str) -> float:
    config = folder / "legaldesk.yaml"
    config.write_text(f"database_url: {url}\ntimezone: Asia/Shanghai\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LEGALDESK_TIMEZONE")}
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "--config",
            str(config),
            "report",
            "--month",
            month,
            "--format",
            "json",
            "--output",
            str(folder / "report.json"),
        ],
        check=True,
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


async def bench(
    engine: str, size: int, history: History, kb: KnowledgeBase, server: str, folder: Path
) -> tuple[str, dict[str, Any]]:
    if engine == "sqlite":
        path = folder / f"bench-{size}.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = await fresh_postgres(server)
    migrate = create_engine(url)
    await upgrade(migrate)
    await migrate.dispose()
    started = time.perf_counter()
    if engine == "sqlite":
        load_sqlite(path, history)
    else:
        await load_postgres(url, history)
    load = time.perf_counter() - started
    cold, warm, per_query, data, xlsx = await time_report(url, kb)
    cli = time_cli(url, folder, "2024-03")
    cli_empty = time_cli(url, folder, "2023-07")
    queries = "  ".join(f"{name}={seconds * 1000:.0f}" for name, seconds in per_query.items())
    line = (
        f"{engine:<9}{size:>10,}{len(history.events):>11,}{load:>8.1f}{cold:>8.2f}"
        f"{warm[0]:>7.2f}/{warm[1]:<5.2f}{xlsx:>7.2f}{cli:>8.2f}{cli_empty:>8.2f}\n"
        f"          ms (fastest run): {queries}"
    )
    return line, data


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument(
        "--engines", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"]
    )
    parser.add_argument(
        "--postgres-server",
        default=os.environ.get(
            "LEGALDESK_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
        ),
        help="a server URL whose user may create the scratch database",
    )
    args = parser.parse_args()
    kb = load_knowledge_base(REPO / "faq")
    print(
        f"{'engine':<9}{'in month':>10}{'all rows':>11}{'load s':>8}{'cold s':>8}"
        f"{'warm min/med':>13}{'xlsx s':>7}{'cli s':>8}{'cli∅ s':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            history = synthesize(kb, size)
            results = {}
            for engine in args.engines:
                line, results[engine] = await bench(
                    engine, size, history, kb, args.postgres_server, Path(tmp)
                )
                print(line, flush=True)
            if "postgres" in args.engines:
                await drop_postgres(args.postgres_server)
            if len(results) == 2:
                same = results["sqlite"] == results["postgres"]
                print(
                    f"          the engines' reports {'agree' if same else 'DIFFER'}; "
                    f"questions={results['sqlite']['questions']:,}"
                )
    print(
        "\nwarm: fastest and median of 5 report builds (queries + shaping); cli: `legaldesk "
        "report --month 2024-03 --format json` as a new process; cli∅: an empty month "
        "(start-up)."
    )


if __name__ == "__main__":
    asyncio.run(main())
