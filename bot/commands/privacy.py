"""Privacy and backups: ``legaldesk purge`` and ``legaldesk backup``."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.commands.database import OUTDATED, OutdatedSchema, prepare_database
from bot.config import Settings
from bot.storage.uow import create_engine


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
