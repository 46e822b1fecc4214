"""What each CLI command does, on top of the services. Printing stays in bot.cli and here."""

from __future__ import annotations

import asyncio
import gc
import json
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bot.app import Knowledge, build_services, load_knowledge
from bot.config import Settings
from bot.core.evaluation import evaluate, format_summary
from bot.core.matching.matcher import Action
from bot.resources import shipped_faq_dir
from bot.storage.faq_yaml import LEXICON_FILE, check_knowledge_base, load_labelled_questions
from bot.storage.lexicon_yaml import load_lexicon
from bot.storage.migrate import is_up_to_date, upgrade
from bot.storage.uow import create_engine

if TYPE_CHECKING:
    from bot.adapters.tg.context import DeskApplication
    from bot.app import Services


T = TypeVar("T")


class OutdatedSchema(Exception):
    pass


# Collect the youngest generation every 20,000 new container objects instead of every 700: each
# update makes a few thousand (Telegram objects, HTTP requests, futures) that die young, and the
# default had the collector run a few times per update. Measured with benchmarks/e2e_bench.py's
# burst on PostgreSQL, rounds alternating in one process: 8-11 % more updates per second.
GC_THRESHOLDS = (20_000, 20, 20)


def settle_heap() -> None:
    """Exempt what start-up built (the knowledge base, the matcher's tables, jieba's dictionary:
    some 280,000 objects that live as long as the process) from the garbage collector's scans.
    Otherwise every collection of the oldest generation walks them all: 70–140 ms measured, during
    which no resident is answered (in benchmarks/e2e_bench.py, once every few thousand messages).
    Then collect less often (``GC_THRESHOLDS``)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def run_event_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run the bot's coroutine on uvloop where it is installed (Linux, macOS), else on asyncio's
    own loop. The desk is I/O on every side (the Bot API, PostgreSQL round trips); uvloop runs
    the same code with a cheaper event loop: measured with benchmarks/e2e_bench.py, about a
    fifth more updates per second on PostgreSQL."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows, or uvloop not installed
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


async def prepare_database(settings: Settings, *, upgrade_any: bool = False) -> None:
    """Migrate the embedded SQLite database (any database with ``upgrade_any``); refuse an
    outdated PostgreSQL schema otherwise."""
    engine = create_engine(settings.database_url)
    try:
        if engine.dialect.name == "sqlite":
            _ensure_sqlite_folder(settings.database_url)
        if upgrade_any or engine.dialect.name == "sqlite":
            await upgrade(engine)
        elif not await is_up_to_date(engine):
            raise OutdatedSchema
    finally:
        await engine.dispose()


def _ensure_sqlite_folder(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and ":memory:" not in path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)


async def migrate(settings: Settings) -> int:
    await prepare_database(settings, upgrade_any=True)
    print("database schema is up to date")
    return 0


def run(settings: Settings) -> int:
    from bot.adapters.tg.application import build_application

    knowledge = load_knowledge(settings)  # a broken knowledge base stops start-up here
    try:
        asyncio.run(prepare_database(settings))
    except OutdatedSchema:
        print(
            "legaldesk: the database schema is outdated; run `legaldesk migrate` first",
            file=sys.stderr,
        )
        return 2
    services = build_services(settings, knowledge)
    application = build_application(services)
    settle_heap()
    try:
        return run_event_loop(serve(application, services))
    except asyncio.CancelledError:  # a second SIGINT/SIGTERM during the graceful stop
        return 130


async def serve(application: DeskApplication, services: Services) -> int:
    """Run the bot until SIGTERM or SIGINT, then stop gracefully: stop fetching, finish the
    updates in flight, flush the outbox, close the database. A second signal stops at once.
    Returns 1 if fetching ended by itself (Telegram rejected the token)."""
    import logging
    import signal

    from bot.adapters.tg.intake import running

    log = logging.getLogger("bot.run")
    loop, stop, main = asyncio.get_running_loop(), asyncio.Event(), asyncio.current_task()

    def on_signal(signum: signal.Signals) -> None:
        if stop.is_set():
            log.warning("%s again: stopping at once", signum.name)
            if main is not None:
                main.cancel()
            return
        log.info("%s: stopping after the updates in flight", signum.name)
        stop.set()

    signals = (signal.SIGTERM, signal.SIGINT)
    for signum in signals:
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        async with running(application, services) as intake:
            assert intake.poller is not None
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({stopping, intake.poller}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            failed = not stop.is_set()
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
        await services.close()
    log.info("legaldesk stopped")
    return 1 if failed else 0


async def shell(settings: Settings) -> int:
    from bot.adapters.console import ConsoleShell

    knowledge = load_knowledge(settings)
    await prepare_database(settings)
    services = build_services(settings, knowledge)
    try:
        await ConsoleShell(services).run()
    finally:
        await services.close()
    return 0


def ask(settings: Settings, text: str) -> dict[str, Any]:
    knowledge = load_knowledge(settings)
    return decision_json(knowledge, text)


def decision_json(knowledge: Knowledge, text: str) -> dict[str, Any]:
    result = knowledge.matcher.match(text)
    best = knowledge.kb.get(result.best.faq_id) if result.best else None
    answered = result.action is Action.ANSWER and best is not None
    return {
        "action": result.action.value,
        "faq_id": best.id if answered and best else None,
        "score": round(result.score, 2),
        "candidates": [
            {"faq_id": c.faq_id, "question": c.question, "score": round(c.score, 2)}
            for c in result.candidates
        ],
        "answer": best.answer if answered and best else None,
    }


def format_decision(data: dict[str, Any]) -> str:
    lines = [f"action: {data['action']}  score: {data['score']}"]
    if data["answer"]:
        lines += [f"faq: {data['faq_id']}", "", data["answer"]]
    for c in data["candidates"]:
        lines.append(f"  {c['score']:6.2f}  {c['faq_id']}  {c['question']}")
    return "\n".join(lines)


def faq_check(settings: Settings, directory: Path | None) -> int:
    folder = directory or settings.faq_dir or shipped_faq_dir()
    kb, problems = check_knowledge_base(folder)
    lexicon = folder / LEXICON_FILE
    if lexicon.exists():
        from bot.storage.faq_yaml import FaqError

        try:
            load_lexicon(lexicon)
        except FaqError as exc:
            problems += exc.problems
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {folder}", file=sys.stderr)
        return 1
    print(f"ok: {len(kb)} entries in {len(kb.categories)} categories ({folder})")
    return 0


def faq_list(settings: Settings) -> list[dict[str, Any]]:
    kb = load_knowledge(settings).kb
    return [
        {
            "id": e.id,
            "category": e.category,
            "question": e.question,
            "alternates": list(e.alternates),
            "basis": list(e.basis),
            "updated": e.updated.isoformat(),
        }
        for e in kb
    ]


def format_entries(entries: list[dict[str, Any]]) -> str:
    return "\n".join(f"{e['id']:<32} {e['category']:<8} {e['question']}" for e in entries)


def faq_eval(settings: Settings, file: Path, *, as_json: bool) -> int:
    knowledge = load_knowledge(settings)
    questions = load_labelled_questions(file)
    evaluation = evaluate(knowledge.matcher, questions)
    if as_json:
        print(json.dumps(evaluation.to_json(), ensure_ascii=False, indent=2))
    else:
        print(format_summary(evaluation))
    return 0


async def report(
    settings: Settings, *, month: str | None, year: str | None, fmt: str, output: Path | None
) -> int:
    """Print or write the report of a month (default: the last complete one) or a year."""
    from bot.app import build_reports
    from bot.core.clock import SystemClock
    from bot.core.errors import InvalidRequest
    from bot.core.periods import last_complete_month, parse_month, parse_year
    from bot.core.reports import to_json
    from bot.storage.faq_yaml import load_knowledge_base
    from bot.storage.uow import SqlUnitOfWorkFactory

    clock, zone = SystemClock(), settings.timezone
    try:
        if year is not None:
            period = parse_year(year, zone)
        elif month is not None:
            period = parse_month(month, zone)
        else:
            period = last_complete_month(clock.now(), zone)
    except InvalidRequest as exc:
        print(f"legaldesk report: {exc}", file=sys.stderr)
        return 2
    if fmt == "xlsx" and output is None:
        output = Path(f"legaldesk-report-{period.label}.xlsx")
    problem = _unwritable(output) if output is not None else None
    if problem:
        print(f"legaldesk report: 无法写入 {output}：{problem}", file=sys.stderr)
        return 1
    kb = load_knowledge_base(settings.faq_dir or shipped_faq_dir())
    try:
        await prepare_database(settings)
    except OutdatedSchema:
        print(
            "legaldesk: the database schema is outdated; run `legaldesk migrate` first",
            file=sys.stderr,
        )
        return 2
    engine = create_engine(settings.database_url)
    try:
        reports = build_reports(settings, SqlUnitOfWorkFactory(engine, write=False), kb, clock)
        built = await reports.build(period)
    finally:
        await engine.dispose()
    if fmt == "json":
        data = (json.dumps(to_json(built), ensure_ascii=False, indent=2) + "\n").encode()
    else:
        from bot.adapters import exports  # openpyxl takes a while to import

        renderers = {
            "table": lambda r: (exports.to_table(r) + "\n").encode(),
            "csv": exports.to_csv,
            "xlsx": exports.to_xlsx,
        }
        data = renderers[fmt](built)
    problem = _emit(data, output)
    if problem is not None:
        print(f"legaldesk report: 无法写入 {output}：{problem}", file=sys.stderr)
        return 1
    if output is not None:
        print(f"已写入 {output}（{period.label}，{fmt}）")
    return 0


def _emit(data: bytes, output: Path | None) -> str | None:
    """Write ``data`` to ``output`` (standard output if None); why it failed, if it did."""
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return None
    try:
        output.write_bytes(data)
    except OSError as exc:
        return str(exc.strerror or exc)
    return None


def _unwritable(path: Path) -> str | None:
    """Why ``path`` cannot be written (checked before the work, not instead of handling errors)."""
    import os

    folder = path.parent
    if path.is_dir():
        return "这是一个文件夹，请给出文件名"
    if not folder.is_dir():
        return f"文件夹 {folder} 不存在"
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return "没有写入权限"
    return None


# ---------------------------------------------------------------- privacy, backups, FAQ misses

OUTDATED = "legaldesk: the database schema is outdated; run `legaldesk migrate` first"


async def purge(settings: Settings) -> int:
    """Redact message texts older than the retention period and say how many rows."""
    from bot.core.clock import SystemClock
    from bot.core.privacy import PrivacyDesk
    from bot.storage.privacy import SqlPrivacyUnitOfWorkFactory

    try:
        await prepare_database(settings)
    except OutdatedSchema:
        print(OUTDATED, file=sys.stderr)
        return 2
    months = settings.desk.retention_months
    engine = create_engine(settings.database_url)
    try:
        desk = PrivacyDesk(SqlPrivacyUnitOfWorkFactory(engine), SystemClock(), months)
        cutoff, done = await desk.purge()
    finally:
        await engine.dispose()
    day = cutoff.astimezone(settings.timezone).date().isoformat()
    print(
        f"redacted {done.total} row(s) with texts from before {day} (retention {months} "
        f"months): interactions {done.interactions}, case messages {done.case_messages}, "
        f"cases {done.cases}, sent messages {done.outbox}"
    )
    return 0


async def backup(settings: Settings, target: Path, *, force: bool) -> int:
    """Copy the embedded SQLite database consistently; PostgreSQL is pg_dump's job."""
    from sqlalchemy.engine import make_url

    from bot.storage.backup import BackupError, backup_sqlite, sqlite_file

    source = sqlite_file(settings.database_url)
    if source is None:
        url = make_url(settings.database_url)
        if url.get_backend_name() == "sqlite":
            print("legaldesk backup: an in-memory database has nothing to back up", file=sys.stderr)
        else:
            print(
                "legaldesk backup: the database is PostgreSQL; back it up with pg_dump, e.g.\n"
                f"  pg_dump --format=custom --file legaldesk.dump {url.database or 'DBNAME'}\n"
                "(see Operations in the README)",
                file=sys.stderr,
            )
        return 2
    try:
        size = await asyncio.to_thread(backup_sqlite, source, target, overwrite=force)
    except BackupError as exc:
        print(f"legaldesk backup: {exc}", file=sys.stderr)
        return 1
    print(f"backed up {source} to {target} ({size:,} bytes)")
    return 0


async def faq_misses(
    settings: Settings, *, month: str | None, fmt: str, output: Path | None
) -> int:
    """Print (or write) the month's FAQ misses grouped by nearest entry."""
    from bot.core.clock import SystemClock
    from bot.core.errors import InvalidRequest
    from bot.core.misses import nearest_with, review, to_csv, to_table
    from bot.core.periods import last_complete_month, parse_month
    from bot.storage.misses import miss_events

    try:
        period = (
            parse_month(month, settings.timezone)
            if month is not None
            else last_complete_month(SystemClock().now(), settings.timezone)
        )
    except InvalidRequest as exc:
        print(f"legaldesk faq misses: {exc}", file=sys.stderr)
        return 2
    knowledge = load_knowledge(settings)
    try:
        await prepare_database(settings)
    except OutdatedSchema:
        print(OUTDATED, file=sys.stderr)
        return 2
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            events = await miss_events(connection, period.start, period.end)
    finally:
        await engine.dispose()
    groups = review(events, nearest_with(knowledge.matcher), settings.timezone)
    if fmt == "csv":
        data = to_csv(groups, period.label)
    else:
        data = (to_table(groups, period.label) + "\n").encode()
    problem = _emit(data, output)
    if problem is not None:
        print(f"legaldesk faq misses: cannot write {output}: {problem}", file=sys.stderr)
        return 1
    if output is not None:
        print(f"wrote {output} ({period.label}, {fmt})")
    return 0
