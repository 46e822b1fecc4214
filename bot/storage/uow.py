"""Engines, the unit of work on one database connection, and SQLite's turns."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from contextvars import ContextVar
from typing import Any, Self, cast

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.storage.direct import ClaimLost, Runner
from bot.storage.inbox import AlreadyProcessed, current_update, processed_claim
from bot.storage.repositories import (
    SqlCaseRepository,
    SqlDutyRepository,
    SqlInteractionRepository,
    SqlOutbox,
    SqlResidentRepository,
)
from bot.storage.sqlite import begin_immediate, inline_creator

SQLITE_BUSY_TIMEOUT_MS = 15_000
# At least the intake's concurrent chats (16) plus jobs: a connection beyond the pool size is
# closed when returned, and a pool smaller than the concurrency reconnects (a new PostgreSQL
# backend each time) all day long under load.
POSTGRES_POOL_SIZE = 20
# A pooled PostgreSQL connection idle longer than this is pinged before use (HikariCP's
# aliveBypassWindowMs, 500 ms by default, is the same rule).
PING_IDLE_AFTER = 0.5
_IDLE_SINCE = "legaldesk_idle_since"


def create_engine(
    url: str, *, background: bool = False, ping_idle_after: float = PING_IDLE_AFTER, **kwargs: Any
) -> AsyncEngine:
    """An engine for SQLite (WAL, foreign keys) or PostgreSQL (pre-ping of idle connections).

    SQLite runs on the event loop's thread (``bot.storage.sqlite``) unless ``background``: then
    on aiosqlite's worker threads, as readers that never take the write lock (for reports, whose
    scans must not hold up the loop or the residents' writes).
    """
    if not url.startswith("sqlite"):
        engine = create_async_engine(url, pool_size=POSTGRES_POOL_SIZE, max_overflow=10, **kwargs)
        _pre_ping_idle(engine, ping_idle_after)
        return engine
    if background:
        engine = create_async_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
    else:
        engine = create_async_engine(url, async_creator=inline_creator(url), **kwargs)
    memory = ":memory:" in url

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, issue BEGIN (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        if background:
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA query_only=ON")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Any) -> None:
        if background:  # a reader: a deferred transaction is one consistent snapshot in WAL
            connection.exec_driver_sql("BEGIN")
        else:
            # Take the write lock at the start of every transaction: a deferred transaction that
            # read first and writes later fails at once with SQLITE_BUSY when another writer got
            # in between, whatever the busy timeout; IMMEDIATE waits its turn instead.
            begin_immediate(connection)

    return engine


def _pre_ping_idle(engine: AsyncEngine, after: float) -> None:
    """SQLAlchemy's pre-ping, for connections that sat in the pool more than ``after`` seconds.

    A pooled connection can die while it waits (the server restarted, a firewall dropped it);
    pinging it before use replaces it instead of failing the unit of work. ``pool_pre_ping`` pings
    at every checkout: with asyncpg that is three round trips (BEGIN, a ping, ROLLBACK) before
    each unit of work, about a tenth of a busy desk's time on PostgreSQL. A connection that was
    in use a moment ago is as alive as the round trips it just made show; if the server dies
    under it, the statement fails, the unit of work rolls back and its update is tried again
    (``bot.adapters.tg.intake``). A connection the driver already knows closed is always replaced.
    """
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(sync_engine, "checkout")
    def _taken(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop(_IDLE_SINCE, None)
        is_closed = getattr(dbapi_connection.driver_connection, "is_closed", None)
        if is_closed is not None and is_closed():
            raise exc.DisconnectionError("the connection was closed")
        if idle_since is None or time.monotonic() - idle_since <= after:
            return
        try:
            sync_engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool replaces the connection and checks out again
            raise exc.DisconnectionError(f"ping failed: {error}") from error


async def warm_pool(engine: AsyncEngine, connections: int) -> None:
    """Open up to ``connections`` pooled PostgreSQL connections at once, so that the first
    residents after a start do not wait for connection set-up (about 1 ms of CPU and several
    round trips each). SQLite needs one connection: its units of work take turns."""
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


# SQLite admits one writer at a time and every transaction here begins IMMEDIATE, as a writer.
# When tasks of one process contend, SQLite's busy handler makes the losers sleep 1, 2, 5 ... 100 ms
# between tries: the lock idles meanwhile and an unlucky task waits seconds. So units of work of a
# process take turns on an asyncio lock first (first come, first served); a nested one passes.
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
    """One connection, one transaction (begun by the first statement; on PostgreSQL by the first
    write, see ``bot.storage.direct``); rolled back unless ``commit()`` was called. Repositories
    use Core statements on the connection: no ORM session, whose bookkeeping cost more than the
    SQL on this desk's short transactions."""

    def __init__(self, engine: AsyncEngine, *, write: bool = True) -> None:
        self._engine = engine
        self._write = write
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        self._turn = AsyncExitStack()
        if self._write:
            await self._turn.enter_async_context(sqlite_turn(self._engine))
        try:
            connection = await self._engine.connect()
        except BaseException:
            await self._turn.aclose()
            raise
        self._connection = connection
        try:
            self._runner = runner = await Runner.open(connection)
        except BaseException:
            await connection.close()
            await self._turn.aclose()
            raise
        # SQLAlchemy's statements go after the runner's deferred writes (bot.storage.direct)
        self._flushing = flushing = cast(AsyncConnection, _FlushFirst(connection, runner))
        self.residents = SqlResidentRepository(flushing, runner)
        self.interactions = SqlInteractionRepository(flushing, runner)
        self.cases = SqlCaseRepository(flushing)
        self.outbox = SqlOutbox(flushing, runner)
        self.duty = SqlDutyRepository(flushing)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._connection is not None
        try:
            await self._connection.close()  # rolls back what was not committed
        finally:
            self._connection = None
            await self._turn.aclose()

    async def commit(self) -> None:
        assert self._connection is not None
        # The Telegram update being processed (if any) is marked done in this same transaction.
        ticket = current_update.get()
        claim = processed_claim(ticket) if ticket is not None and not ticket.committed else None
        try:
            await self._runner.commit(claim)
        except ClaimLost:
            assert ticket is not None
            raise AlreadyProcessed(ticket.update_id) from None
        if ticket is not None:
            ticket.committed = True

    @property
    def connection(self) -> AsyncConnection:
        """The connection, for report queries and bookkeeping that run inside this unit of work."""
        assert self._connection is not None
        return self._flushing


class _FlushFirst:
    """A unit of work's connection whose statements run after the runner's deferred writes
    (``Runner.flush``), so that they see them; anything else is the connection's own."""

    _STATEMENTS = frozenset(
        {"execute", "scalar", "scalars", "stream", "stream_scalars", "exec_driver_sql", "run_sync"}
    )

    def __init__(self, connection: AsyncConnection, runner: Runner) -> None:
        self._connection = connection
        self._runner = runner

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._connection, name)
        if name not in self._STATEMENTS:
            return attribute

        async def after_flush(*args: Any, **kwargs: Any) -> Any:
            await self._runner.flush()
            return await attribute(*args, **kwargs)

        return after_flush

    async def commit(self) -> None:
        await self._runner.commit()


class SqlUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine, *, write: bool = True) -> None:
        self.engine = engine
        self.write = write

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, write=self.write)
