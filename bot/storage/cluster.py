"""Coordination of several instances through the database itself.

PostgreSQL: session-level advisory locks (``pg_try_advisory_lock``), all held on one dedicated
connection per instance. PostgreSQL releases a session's locks when the session ends, so the
locks of an instance that dies (SIGKILL, a crashed machine) are free again as soon as the server
sees the connection gone: at once when the kernel closes the socket, within about
:data:`KEEPALIVE_DETECTION_SECONDS` when the machine vanished (TCP keepalives, set on the session).

SQLite: one instance per database file. :func:`hold_database_file` takes an exclusive ``flock``
on ``<database>.lock``; the kernel drops it when the process ends, however it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# Leadership uses the two-integer key space, chats the bigint one: they never collide.
LEADER_KEY = (0x4C44, 1)  # "LD", 1
# Updates without a chat are locked under this offset plus their update id.
LONE_UPDATE_KEY = 1 << 62
KEEPALIVE = {"tcp_keepalives_idle": 10, "tcp_keepalives_interval": 5, "tcp_keepalives_count": 3}
KEEPALIVE_DETECTION_SECONDS = 25

_TRY_LEAD = text("SELECT pg_try_advisory_lock(:a, :b)")
_TRY_CHAT = text("SELECT pg_try_advisory_lock(:k)")
_UNLOCK_CHAT = text("SELECT pg_advisory_unlock(:k)")
_PING = text("SELECT 1")


class PostgresLocks:
    """The instance's advisory locks, on a connection of their own (not the pool's).

    If that connection breaks, every lock is gone: the instance forgets it led and which chats it
    held, and opens a new connection on the next call. (A chat being processed at that moment may
    be taken by another instance meanwhile: the inbox still marks each update processed once.)
    """

    def __init__(self, database_url: str) -> None:
        # No pool: closing the connection ends the session, and its locks with it.
        self._engine = create_async_engine(database_url, poolclass=NullPool)
        self._connection: AsyncConnection | None = None
        self._turn = asyncio.Lock()  # one statement at a time on the connection
        self._leading = False

    async def lead(self) -> bool:
        async with self._turn:
            try:
                if self._leading:
                    await (await self._connect()).execute(_PING)
                else:
                    params = {"a": LEADER_KEY[0], "b": LEADER_KEY[1]}
                    self._leading = bool(await (await self._connect()).scalar(_TRY_LEAD, params))
                    if self._leading:
                        log.info("this instance now leads (polling, reminders, digests, purge)")
            except (SQLAlchemyError, OSError) as exc:
                await self._lost(exc)
            return self._leading

    async def claim_chat(self, key: int) -> bool:
        async with self._turn:
            try:
                return bool(await (await self._connect()).scalar(_TRY_CHAT, {"k": key}))
            except (SQLAlchemyError, OSError) as exc:
                await self._lost(exc)
                return False

    async def release_chat(self, key: int) -> None:
        async with self._turn:
            if self._connection is None:
                return  # the connection, and its locks, are gone already
            try:
                await self._connection.scalar(_UNLOCK_CHAT, {"k": key})
            except (SQLAlchemyError, OSError) as exc:
                await self._lost(exc)

    async def close(self) -> None:
        async with self._turn:
            connection, self._connection, self._leading = self._connection, None, False
            if connection is not None:
                try:
                    await connection.close()
                except (SQLAlchemyError, OSError):
                    log.warning("closing the lock connection failed; the server drops it")
            await self._engine.dispose()

    async def _connect(self) -> AsyncConnection:
        if self._connection is None:
            connection = await self._engine.connect()
            try:
                connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
                for name, value in KEEPALIVE.items():  # our own settings, not user input
                    await connection.execute(text(f"SET {name} = {value}"))
            except BaseException:
                await connection.close()
                raise
            self._connection = connection
        return self._connection

    async def _lost(self, error: BaseException) -> None:
        log.error("lost the lock connection (%r); leadership and chat locks are released", error)
        connection, self._connection, self._leading = self._connection, None, False
        if connection is not None:
            with contextlib.suppress(SQLAlchemyError, OSError):
                await connection.invalidate()


class DatabaseInUse(Exception):
    """Another instance already runs on this SQLite database file."""


def hold_database_file(database_url: str) -> IO[str] | None:
    """Take the SQLite database's instance lock (``<file>.lock``) for the life of the process;
    returns the open lock file (keep it), or None for PostgreSQL and in-memory databases.
    Raises :class:`DatabaseInUse` if another process holds it."""
    if not database_url.startswith("sqlite"):
        return None
    path = database_url.split("///", 1)[-1]
    if not path or ":memory:" in path:
        return None
    lock_path = Path(path).with_name(Path(path).name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = lock_path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise DatabaseInUse(
            f"legaldesk: {path} is already in use by {holder}; SQLite serves one instance — "
            "stop it first, or use PostgreSQL for several instances"
        ) from None
    return handle


def note_holder(handle: IO[str], instance_id: str) -> None:
    """Write who holds the lock into the lock file (shown to a refused second instance)."""
    handle.seek(0)
    handle.truncate()
    handle.write(f"legaldesk instance {instance_id}\n")
    handle.flush()
