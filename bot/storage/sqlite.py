"""SQLite on the event loop's own thread: the embedded engine without a thread hop per call.

aiosqlite runs every call on a worker thread and wakes the event loop for each result; SQLAlchemy
makes three or four such calls per statement (cursor, execute, fetch, close). For the embedded
database those hops cost far more than the work: measured here, a one-row SELECT through
SQLAlchemy took about 320 µs with the worker thread and about 60 µs on the loop's thread, and a
resident's message runs six statements. The statements of this desk touch a few rows through
indexes, in WAL mode with ``synchronous=NORMAL`` (no fsync per commit), so running them in place
blocks the loop for microseconds.

What could block longer is waiting for the write lock that another *process* holds (the
``legaldesk purge`` CLI, say): SQLite's busy handler would sleep on the loop's thread. So the busy
timeout of these connections is short (``INLINE_BUSY_TIMEOUT_MS``) and ``BEGIN IMMEDIATE`` — the
one statement that waits for the lock — is retried with ``asyncio.sleep`` between tries, for up to
``LOCK_WAIT_SECONDS`` in all. Long read-only work (reports) runs on a stock, threaded engine in
WAL mode instead (``create_engine(url, background=True)``), which never blocks writers.

The connection is aiosqlite's own class with its call queue replaced by one that runs each call at
once; SQLAlchemy's aiosqlite dialect (which also uses that queue) works unchanged.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from typing import Any

import aiosqlite
from sqlalchemy import exc, util
from sqlalchemy.engine import Connection, make_url

INLINE_BUSY_TIMEOUT_MS = 20  # the longest the loop's thread may wait on SQLite's busy handler
LOCK_WAIT_SECONDS = 15.0  # how long a unit of work waits for another process's write lock
_await = getattr(util, "await_", None) or util.await_only  # SQLAlchemy 2.1 / 2.0


class _RunAtOnce:
    """Stands in for the queue to aiosqlite's worker thread: runs each call on the spot."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:  # handed to the awaiting caller, as the thread would
            if future is not None and not future.done():
                future.set_exception(error)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run on the calling thread (the event loop's)."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        self.sqlite: sqlite3.Connection | None = None  # for statements run on it directly

        def connect() -> sqlite3.Connection:
            self.sqlite = connector()
            return self.sqlite

        super().__init__(connect, iter_chunk_size=64)
        self._tx = _RunAtOnce()  # type: ignore[assignment]

    def __await__(self) -> Any:
        return self._connect().__await__()  # no worker thread to start


def inline_creator(url: str) -> Callable[[], Any]:
    """``async_creator`` for ``create_async_engine``: connections to the URL's database file."""
    database = make_url(url).database or ":memory:"

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(
            database,
            timeout=INLINE_BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,  # opened and used on the loop's thread; closed maybe by GC
            uri=database.startswith("file:"),
        )

    async def create() -> InlineConnection:
        return await InlineConnection(connector)

    return create


def begin_immediate(connection: Connection) -> None:
    """``BEGIN IMMEDIATE``, waiting for another process's write lock without blocking the loop
    (inline engines) — called from SQLAlchemy's ``begin`` event, inside its greenlet."""
    # On the inline engine the statement goes to sqlite3 directly (it is issued for every unit of
    # work, and SQLAlchemy's execution costs several times SQLite's); errors are SQLAlchemy's.
    sqlite = getattr(connection.connection.driver_connection, "sqlite", None)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    pause = 0.002
    while True:
        try:
            if sqlite is None:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                try:
                    sqlite.execute("BEGIN IMMEDIATE").close()
                except sqlite3.OperationalError as error:
                    raise exc.OperationalError("BEGIN IMMEDIATE", (), error) from error
            return
        except exc.OperationalError as error:
            if not is_busy(error) or time.monotonic() + pause > deadline:
                raise
        _await(asyncio.sleep(pause))
        pause = min(pause * 2, 0.1)


def is_busy(error: BaseException) -> bool:
    """SQLITE_BUSY / SQLITE_LOCKED: another connection holds the lock."""
    text = str(getattr(error, "orig", error)).lower()
    return "database is locked" in text or "database table is locked" in text
