"""Engines, and the unit of work: one connection, one transaction, per use case.

SQLite runs through aiosqlite, PostgreSQL through asyncpg, both behind SQLAlchemy's
``AsyncConnection``; repositories run Core statements on the unit of work's connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from contextvars import ContextVar
from typing import Any, Self

from sqlalchemy import Connection, PoolResetState, event, exc
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.storage.repositories import (
    SqlCaseRepository,
    SqlDutyRepository,
    SqlInteractionRepository,
    SqlOutbox,
    SqlResidentRepository,
)
from bot.storage.repositories.outreach import SqlBroadcasts, SqlSubscriptions
from bot.storage.tickets import claim_update, current_update

# How long a SQLite transaction waits for another connection's write lock before it fails.
SQLITE_BUSY_TIMEOUT_MS = 15_000
# Units of work last milliseconds, while a chat being processed mostly waits for Telegram, so
# 20 connections serve the intake's 64 concurrent chats. No overflow: a connection beyond the
# pool size is closed when returned, so a burst would open and close connections all along; a
# unit of work waits for a pooled one instead (no code path holds two at once).
POSTGRES_POOL_SIZE = 20
POSTGRES_MAX_OVERFLOW = 0
# Connections older than this are replaced (firewalls and poolers drop long-idle ones).
POSTGRES_POOL_RECYCLE_SECONDS = 1800
# An execution option of a unit of work's connection: it only reads (a report).
READ_ONLY = "legaldesk_read_only"
# An execution option: its commit must survive a power cut, not only a crash of the process.
DURABLE = "legaldesk_durable"
# A SQLite connection's current PRAGMA synchronous, in its ``info``.
_SYNCHRONOUS = "legaldesk_synchronous"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine for SQLite (WAL, foreign keys, writers take turns) or PostgreSQL (a pool whose
    connections are checked before use, so that ones the server closed are replaced)."""
    if not url.startswith("sqlite"):
        return _postgres_engine(url, **kwargs)
    # aiosqlite's ``timeout`` is SQLite's busy timeout: the wait happens on aiosqlite's thread,
    # so the event loop keeps running meanwhile.
    # The pool's reset-on-return is the "reset" listener below instead of an unconditional
    # rollback (SQLAlchemy's documented custom reset scheme).
    engine = create_async_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        pool_reset_on_return=None,
        **kwargs,
    )
    memory = ":memory:" in url

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
        # Let SQLAlchemy, not the driver, issue BEGIN (SQLAlchemy's documented aiosqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL with synchronous=NORMAL: a commit survives the process crashing at any point, but
        # is synced to disk only at checkpoints, so a power cut can undo the latest ones. The
        # stores that acknowledge what they received sync their commit (DURABLE, see _begin).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        record.info[_SYNCHRONOUS] = "NORMAL"

    @event.listens_for(engine.sync_engine, "reset")
    def _rollback_if_open(dbapi_connection: Any, record: Any, state: PoolResetState) -> None:
        # A connection goes back to the pool with no transaction open: roll back one that is
        # still open. Most units of work have committed, and then the rollback would only cost
        # a round trip to aiosqlite's thread.
        driver = record.driver_connection  # aiosqlite's connection
        if state.asyncio_safe and not state.terminate_only and driver and driver.in_transaction:
            dbapi_connection.rollback()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get(READ_ONLY):
            # In WAL mode a deferred transaction that only reads is one consistent snapshot and
            # neither waits for writers nor holds them up.
            connection.exec_driver_sql("BEGIN")
            return
        # A synced commit (FULL) also syncs every commit before it. The level cannot change
        # inside a transaction, so it is set before BEGIN, when it differs.
        level = "FULL" if options.get(DURABLE) else "NORMAL"
        if connection.info.get(_SYNCHRONOUS) != level:
            connection.exec_driver_sql(f"PRAGMA synchronous={level}")
            connection.info[_SYNCHRONOUS] = level
        # Take the write lock at the start: a deferred transaction that read first and writes
        # later fails at once with SQLITE_BUSY when another writer got in between, whatever the
        # busy timeout; IMMEDIATE waits its turn instead (no deadlock).
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _postgres_engine(url: str, **kwargs: Any) -> AsyncEngine:
    engine = create_async_engine(
        url,
        pool_size=POSTGRES_POOL_SIZE,
        max_overflow=POSTGRES_MAX_OVERFLOW,
        pool_recycle=POSTGRES_POOL_RECYCLE_SECONDS,
        **kwargs,
    )

    @event.listens_for(engine.sync_engine, "checkout")
    def _replace_if_closed(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # A pooled connection that the server closed (a restart, pg_terminate_backend) is
        # replaced before a unit of work uses it: raising DisconnectionError here makes the pool
        # open a new one (SQLAlchemy's checkout event). asyncpg marks a connection closed as soon
        # as the event loop reads the server's goodbye, so this costs no round trip, whereas
        # pool_pre_ping sends three (BEGIN, an empty query, ROLLBACK) on every checkout.
        if record.driver_connection.is_closed():
            raise exc.DisconnectionError("the server closed this pooled connection")

    return engine


async def warm_pool(engine: AsyncEngine, connections: int) -> None:
    """Open up to ``connections`` pooled PostgreSQL connections at once, so that the first
    residents after a start do not wait for connection set-up. SQLite's units of work take turns
    and need no warm-up."""
    if engine.dialect.name == "sqlite":
        return
    opened = await asyncio.gather(
        *(engine.connect() for _ in range(min(connections, POSTGRES_POOL_SIZE))),
        return_exceptions=True,
    )
    for connection in opened:
        if isinstance(connection, AsyncConnection):
            await connection.close()  # back to the pool, open
    errors = [e for e in opened if isinstance(e, BaseException)]
    if errors:
        raise errors[0]


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """ORM sessions, for tests and tools that inspect the tables (units of work use Core)."""
    return async_sessionmaker(engine, expire_on_commit=False)


# SQLite admits one writer at a time and every writing transaction here begins IMMEDIATE. When
# tasks of one process contend, SQLite's busy handler makes the losers sleep 1, 2, 5 ... 100 ms
# between tries while the lock idles. So the units of work of a process take turns on an asyncio
# lock first (first come, first served); a nested one passes.
_sqlite_turns: dict[str, asyncio.Lock] = {}
_has_turn: ContextVar[bool] = ContextVar("legaldesk_sqlite_turn", default=False)


@asynccontextmanager
async def sqlite_turn(engine: AsyncEngine) -> AsyncIterator[None]:
    """This task's turn to write to the SQLite database; nothing to wait for on PostgreSQL."""
    if engine.dialect.name != "sqlite" or _has_turn.get():
        yield
        return
    key = engine.url.render_as_string(hide_password=True)  # one lock per database file
    lock = _sqlite_turns.setdefault(key, asyncio.Lock())
    async with lock:
        token = _has_turn.set(True)
        try:
            yield
        finally:
            _has_turn.reset(token)


class SqlUnitOfWork:
    """One connection, one transaction (begun by the first statement); rolled back unless
    ``commit()`` was called. ``write=False``: a unit of work that only reads (reports); on SQLite
    it neither waits for nor holds up the writers. ``transaction=False`` (with ``write=False``):
    it reads with a single statement, which needs no transaction around it; on PostgreSQL it
    runs in autocommit mode, without the BEGIN and ROLLBACK round trips."""

    def __init__(
        self, engine: AsyncEngine, *, write: bool = True, transaction: bool = True
    ) -> None:
        if write and not transaction:
            raise ValueError("a unit of work that writes runs in a transaction")
        self._engine = engine
        self._write = write
        self._transaction = transaction
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        self._turn = AsyncExitStack()
        if self._write:
            await self._turn.enter_async_context(sqlite_turn(self._engine))
        try:
            connection = await self._engine.connect()
            if not self._write:
                await connection.execution_options(**{READ_ONLY: True})
            if not self._transaction and connection.dialect.name == "postgresql":
                await connection.execution_options(isolation_level="AUTOCOMMIT")
        except BaseException:
            await self._turn.aclose()
            raise
        self._connection = connection
        self.residents = SqlResidentRepository(connection)
        self.interactions = SqlInteractionRepository(connection)
        self.cases = SqlCaseRepository(connection)
        self.outbox = SqlOutbox(connection)
        self.duty = SqlDutyRepository(connection)
        self.subscriptions = SqlSubscriptions(connection)
        self.broadcasts = SqlBroadcasts(connection)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._connection is not None
        try:
            await self._connection.close()  # rolls back what was not committed
        finally:
            self._connection = None
            await self._turn.aclose()

    async def commit(self) -> None:
        """Commit; the Telegram update being processed (if any) is marked done in this same
        transaction, or :class:`bot.storage.tickets.AlreadyProcessed` is raised."""
        connection = self.connection
        ticket = current_update.get()
        if ticket is not None and not ticket.committed:
            await claim_update(connection, ticket)
        await connection.commit()
        if ticket is not None:
            ticket.committed = True

    async def sync_on_commit(self) -> None:
        """Make the commit survive a power cut, not only a crash of the process: for stores
        that acknowledge what they received (Telegram's offset moves past a stored batch, WeChat
        hears that a callback arrived). SQLite syncs it to disk (a few ms); PostgreSQL syncs
        every commit anyway. Call it before the first statement."""
        await self.connection.execution_options(**{DURABLE: True})

    @property
    def connection(self) -> AsyncConnection:
        """The connection, for report queries and bookkeeping that run inside this unit of work."""
        assert self._connection is not None
        return self._connection


class SqlUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine, *, write: bool = True) -> None:
        self.engine = engine
        self.write = write

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, write=self.write)

    def single_read(self) -> SqlUnitOfWork:
        """A unit of work for one reading statement (see ``SqlUnitOfWork``)."""
        return SqlUnitOfWork(self.engine, write=False, transaction=False)
