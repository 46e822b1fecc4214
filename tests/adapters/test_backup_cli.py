"""``legaldesk backup``: a consistent SQLite copy while another connection keeps writing."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage.migrate import head_revision, upgrade
from bot.storage.uow import create_engine

ROW = "INSERT INTO interactions (at, kind, text) VALUES (?, 'question', ?)"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A migrated SQLite database in WAL mode with 500 logged questions; the CLI points at it."""
    path = tmp_path / "data" / "legaldesk.sqlite3"
    path.parent.mkdir()
    url = f"sqlite+aiosqlite:///{path}"

    async def migrate() -> None:
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    with sqlite3.connect(path) as db:
        db.executemany(ROW, [(datetime.now(UTC).isoformat(), f"问题{i}") for i in range(500)])
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return path


def count(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM interactions").fetchone()[0])


def test_backup_while_another_connection_writes(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stop, written = threading.Event(), threading.Event()

    def writer() -> None:  # the running bot, as far as the database can tell
        with sqlite3.connect(database, timeout=15, isolation_level=None) as db:
            db.execute("PRAGMA journal_mode=WAL")
            n = 0
            while not stop.is_set() or n < 50:
                db.execute(ROW, (datetime.now(UTC).isoformat(), f"写入中{n}"))
                n += 1
                if n == 20:
                    written.set()  # the backup starts only once writing is under way

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert written.wait(10)
        target = tmp_path / "copy.sqlite3"
        code = main(["backup", str(target)])
    finally:
        stop.set()
        thread.join()
    assert code == 0, capsys.readouterr().err
    assert f"to {target}" in capsys.readouterr().out
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == (
            head_revision(),
        )
    copied = count(target)
    assert 520 <= copied <= count(database)  # everything before the snapshot, nothing torn
    assert not list(tmp_path.glob(".copy.sqlite3.partial*"))


def test_backup_never_overwrites_by_accident(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "copy.sqlite3"
    target.write_bytes(b"an older backup")
    assert main(["backup", str(target)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert target.read_bytes() == b"an older backup"
    assert main(["backup", str(target), "--force"]) == 0
    assert count(target) == 500
    assert main(["backup", str(database)]) == 1  # not onto the database itself
    assert main(["backup", str(tmp_path / "missing" / "copy.sqlite3")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_postgresql_is_pointed_to_pg_dump(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://desk:s3cret@db.example/legaldesk")
    monkeypatch.chdir(tmp_path)
    assert main(["backup", str(tmp_path / "copy.dump")]) == 2
    err = capsys.readouterr().err
    assert "pg_dump" in err and "legaldesk" in err and "s3cret" not in err
    assert not (tmp_path / "copy.dump").exists()
