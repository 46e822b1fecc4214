"""A consistent copy of the embedded SQLite database while the bot keeps running.

SQLite's ``VACUUM INTO`` copies the database as of one moment, in one read transaction (the bot's
writes go on; in WAL mode they do not even wait). The copy is written next to the target and
renamed into place only when complete and checked, so a failed backup never leaves a half-written
file under the name. PostgreSQL is backed up with ``pg_dump`` instead.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

BUSY_TIMEOUT_SECONDS = 15


class BackupError(Exception):
    """The backup could not be made; the message says why, in one line."""


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a SQLite URL; None for other engines (and in-memory databases)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:" or url.database.startswith("file::memory:"):
        return None
    return Path(url.database)


def backup_sqlite(source: Path, target: Path, *, overwrite: bool = False) -> int:
    """Copy ``source`` to ``target`` consistently; returns the copy's size in bytes."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    if target.resolve() == source.resolve():
        raise BackupError("the backup must not overwrite the database itself")
    if target.is_dir():
        raise BackupError(f"{target} is a folder; give a file name")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} already exists (use --force to replace it)")
    if not target.parent.is_dir():
        raise BackupError(f"folder {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    try:
        _copy(source, partial)
        os.replace(partial, target)
    except (SQLAlchemyError, OSError, BackupError) as exc:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise BackupError(f"backup failed: {exc}") from exc
    return target.stat().st_size


def _copy(source: Path, target: Path) -> None:
    reader = create_engine(
        f"sqlite:///{source}",
        connect_args={"timeout": BUSY_TIMEOUT_SECONDS},
        isolation_level="AUTOCOMMIT",  # VACUUM runs outside a transaction
        poolclass=NullPool,
    )
    copy = create_engine(f"sqlite:///{target}", isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with reader.connect() as connection:
            connection.execute(text("VACUUM INTO :target"), {"target": str(target)})
        with copy.connect() as connection:
            # A self-contained file: no -wal/-shm companions needed to open the copy.
            connection.exec_driver_sql("PRAGMA journal_mode=DELETE")
            check = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
        if check != "ok":
            raise BackupError(f"the copy failed its integrity check: {check}")
    finally:
        reader.dispose()
        copy.dispose()
