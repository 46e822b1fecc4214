"""The statements every resident message runs, executed on the database driver's own connection.

Each is a Core statement, compiled by SQLAlchemy once per dialect: the SQL text, the order of its
parameters and each parameter's and result column's type processing (``UtcDateTime``, ``JSON``,
SQLite's date strings) come from SQLAlchemy as for any statement. What is skipped is SQLAlchemy's
work per execution: the compiled-cache lookup, the execution context, the DBAPI adapter's cursor
and its greenlet switches. Measured on the embedded database, an FAQ answer's transaction took
about 800 µs with every statement through ``AsyncConnection`` and takes about 450 µs this way; the
same SQL on a bare ``sqlite3`` connection takes about 130 µs.

A :class:`Runner` executes them inside the unit of work's transaction:

- SQLite on the event loop's thread (``bot.storage.sqlite``): the ``sqlite3`` connection itself;
- PostgreSQL through asyncpg: the asyncpg connection, in the transaction that SQLAlchemy's asyncpg
  adapter manages (started here if no statement through SQLAlchemy started it yet);
- anything else (the threaded reader engine): ``AsyncConnection.execute``, as before.

Statements that run once per batch or on rare paths stay with ``AsyncConnection``.

On PostgreSQL every statement is a network round trip, and a round trip costs the bot more CPU
than the statement costs the server. So the asyncpg runner defers the writes whose results nobody
waits for (:meth:`Runner.defer`, and :meth:`Runner.insert` with ids taken ahead from the table's
sequence, :class:`IdBlocks`) and sends them together, as one statement of data-modifying WITH
queries, when the unit of work commits or before any statement that must see them. A resident's
message that reads its resident and then writes its interactions, replies and inbox mark thus
takes two round trips instead of six (BEGIN, SELECT, INSERT, INSERT, UPDATE, COMMIT): reads run
on their own until the first write (each statement sees what is committed when it starts, as
every statement of a READ COMMITTED transaction does), and a unit of work whose writes are all
deferred commits them in that one statement, which PostgreSQL applies entirely or not at all.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections import deque, namedtuple
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.expression import Executable, Select

from bot.storage.sqlite import InlineConnection

Params = Mapping[str, Any]
_REQUIRED = object()
_COUNT = re.compile(r"(?:UPDATE|DELETE|INSERT \d+) (\d+)")
_PLACEHOLDER = re.compile(r"\$(\d+)")
# Raised (SQLSTATE) by legaldesk_claimed(), a function of migration 0005, when a claim was lost.
CLAIM_LOST_SQLSTATE = "LD409"


class _Plan:
    """A statement compiled for one dialect: SQL, positional parameters, result processing."""

    __slots__ = ("binds", "results", "sql")

    def __init__(self, statement: Executable, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if not compiled.positional or compiled.positiontup is None:  # pragma: no cover
            raise TypeError(f"{dialect.name}: direct statements need a positional paramstyle")
        if "POSTCOMPILE" in compiled.string:  # expanding IN: give each value its own bindparam
            raise TypeError(f"a direct statement cannot expand parameters: {compiled.string}")
        self.sql = compiled.string
        binds = []
        for name in compiled.positiontup:
            bind = compiled.binds[name]
            default = _REQUIRED if bind.required else bind.value
            binds.append((name, default, bind.type.dialect_impl(dialect).bind_processor(dialect)))
        self.binds = tuple(binds)
        columns = statement.exported_columns if isinstance(statement, Select | UpdateBase) else ()
        self.results = tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        )

    def args(self, params: Params) -> tuple[Any, ...]:
        values = []
        for name, default, process in self.binds:
            value = params.get(name, default)
            if value is _REQUIRED:
                raise KeyError(f"no value for the bound parameter {name!r}")
            values.append(process(value) if process is not None else value)
        return tuple(values)

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            v if p is None or v is None else p(v) for v, p in zip(raw, self.results, strict=True)
        )


class Direct:
    """A Core statement for :class:`Runner`; rows come back as named tuples of its columns."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self.reads = isinstance(statement, Select)
        columns = statement.exported_columns if isinstance(statement, Select | UpdateBase) else ()
        self.row_type = namedtuple("Row", [c.key for c in columns], rename=True)  # type: ignore[misc]
        self._plans: dict[str, _Plan] = {}

    def plan(self, dialect: Dialect) -> _Plan:
        key = f"{dialect.name}+{dialect.driver}"
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _Plan(self.statement, dialect)
        return plan


class ClaimLost(Exception):
    """The row a :class:`Claim` was to change had been changed by another transaction."""


@dataclass(frozen=True, slots=True)
class Claim:
    """A row that a unit of work must change as it commits, or store nothing: ``update``
    (UPDATE ... RETURNING) changes it unless another transaction did first; ``present`` (a
    SELECT) finds it either way. Changed: the claim holds. Not changed but present: it was lost,
    and the commit raises :class:`ClaimLost`. Neither: there is no such row to claim."""

    update: Direct
    present: Direct
    params: Params


@cache
def _insert_returning(table: Table, columns: tuple[str, ...], count: int) -> Direct:
    """``count`` rows in one INSERT ... VALUES (...), (...) RETURNING id."""
    return Direct(insert(table).values(_values(table, columns, count)).returning(table.c.id))


@cache
def _insert(table: Table, columns: tuple[str, ...], count: int) -> Direct:
    """``count`` rows, ids included, in one INSERT ... VALUES (...), (...)."""
    return Direct(insert(table).values(_values(table, columns, count)))


def _values(table: Table, columns: tuple[str, ...], count: int) -> list[dict[str, Any]]:
    return [
        {c: bindparam(f"{c}_{n}", type_=table.c[c].type) for c in columns} for n in range(count)
    ]


def _row_params(rows: Sequence[Params]) -> dict[str, Any]:
    return {f"{c}_{n}": v for n, row in enumerate(rows) for c, v in row.items()}


class Runner:
    """Runs :class:`Direct` statements in the transaction of one unit of work's connection."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    @staticmethod
    async def open(connection: AsyncConnection) -> Runner:
        """The fastest runner the connection's driver allows."""
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        if isinstance(driver, InlineConnection) and driver.sqlite is not None:
            return _SqliteRunner(connection, driver.sqlite)
        if connection.dialect.driver == "asyncpg":
            blocks = _ID_BLOCKS.get(connection.sync_engine)
            if blocks is None:
                blocks = _ID_BLOCKS[connection.sync_engine] = IdBlocks()
            return _AsyncpgRunner(connection, raw.dbapi_connection, blocks)
        return Runner(connection)

    async def insert(self, table: Table, rows: Sequence[Params]) -> list[int]:
        """Insert ``rows`` (the same columns each) into ``table``; their new ids, in order."""
        if not rows:
            return []
        statement = _insert_returning(table, tuple(rows[0]), len(rows))
        records = await self.rows(statement, _row_params(rows))
        # Rows of one INSERT get ascending ids in the order of its VALUES (SQLite's rowids and
        # PostgreSQL's sequences alike); RETURNING itself promises no order.
        return sorted(int(r.id) for r in records)

    async def defer(self, statement: Direct, params: Params) -> None:
        """A write whose result nobody waits for: run now here, sent with others on PostgreSQL.
        Two deferred writes of one unit of work must not change the same row."""
        await self.run(statement, params)

    async def defer_many(self, statement: Direct, params: Sequence[Params]) -> None:
        """:meth:`defer` once per parameter set."""
        await self.run_many(statement, params)

    async def flush(self) -> None:
        """Run the deferred writes now (before a statement that must see them)."""

    async def commit(self, claim: Claim | None = None) -> None:
        """Make ``claim`` (raising :class:`ClaimLost` if lost) and commit the transaction."""
        if claim is not None:
            changed = await self.rows(claim.update, claim.params)
            if not changed and await self.rows(claim.present, claim.params):
                raise ClaimLost
        await self._connection.commit()

    async def rows(self, statement: Direct, params: Params) -> list[Any]:
        """The rows the statement returns (a SELECT, or DML with RETURNING)."""
        result = await self._connection.execute(statement.statement, dict(params))
        return [statement.row_type._make(r) for r in result]

    async def scalar(self, statement: Direct, params: Params) -> Any:
        rows = await self.rows(statement, params)
        return rows[0][0] if rows else None

    async def run(self, statement: Direct, params: Params) -> int:
        """Execute DML without RETURNING; how many rows it changed."""
        result = await self._connection.execute(statement.statement, dict(params))
        return int(result.rowcount or 0)

    async def run_many(self, statement: Direct, params: Sequence[Params]) -> None:
        """Execute DML without RETURNING once per parameter set."""
        if params:
            await self._connection.execute(statement.statement, [dict(p) for p in params])

    async def _begin(self) -> None:
        """SQLAlchemy's transaction (on SQLite: BEGIN IMMEDIATE, waiting its turn) if none is
        open: the driver would otherwise run each statement in a transaction of its own."""
        if not self._connection.in_transaction():
            await self._connection.begin()


class _SqliteRunner(Runner):
    """sqlite3; its errors are raised as SQLAlchemy's (IntegrityError, DataError ...), as they
    would be through ``AsyncConnection``."""

    def __init__(self, connection: AsyncConnection, sqlite: sqlite3.Connection) -> None:
        super().__init__(connection)
        self._sqlite = sqlite
        self._dialect = connection.dialect

    async def rows(self, statement: Direct, params: Params) -> list[Any]:
        await self._begin()
        plan = statement.plan(self._dialect)
        try:
            cursor = self._sqlite.execute(plan.sql, plan.args(params))
            try:
                return [statement.row_type._make(plan.row(r)) for r in cursor.fetchall()]
            finally:
                cursor.close()
        except sqlite3.Error as error:
            raise DBAPIError.instance(plan.sql, None, error, sqlite3.Error) from error

    async def run(self, statement: Direct, params: Params) -> int:
        await self._begin()
        plan = statement.plan(self._dialect)
        try:
            cursor = self._sqlite.execute(plan.sql, plan.args(params))
        except sqlite3.Error as error:
            raise DBAPIError.instance(plan.sql, None, error, sqlite3.Error) from error
        try:
            return cursor.rowcount
        finally:
            cursor.close()

    async def run_many(self, statement: Direct, params: Sequence[Params]) -> None:
        if params:
            await self._begin()
            plan = statement.plan(self._dialect)
            try:
                self._sqlite.executemany(plan.sql, [plan.args(p) for p in params]).close()
            except sqlite3.Error as error:
                raise DBAPIError.instance(plan.sql, None, error, sqlite3.Error) from error


class IdBlocks:
    """Ids for new rows, taken from each table's PostgreSQL sequence ``block`` at a time.

    Knowing a row's id before it is inserted lets the insert wait for the commit
    (:meth:`Runner.defer`). Every id comes from ``nextval``, so none is handed out twice, by this
    process or any other; ids a process took and did not use are skipped, as PostgreSQL skips
    the ids of rolled-back inserts. In one process they are handed out in ascending order.
    """

    def __init__(self, block: int = 64) -> None:
        self.block = block
        self._free: dict[str, deque[int]] = {}
        self._lock = asyncio.Lock()

    async def take(
        self, table: Table, count: int, fetch: Callable[[Table, int], Awaitable[list[int]]]
    ) -> list[int]:
        free = self._free.setdefault(table.name, deque())
        if len(free) < count:
            async with self._lock:  # one task fetches, the others wait for its block
                if len(free) < count:
                    free.extend(sorted(await fetch(table, max(count, self.block))))
        return [free.popleft() for _ in range(count)]


_ID_BLOCKS: WeakKeyDictionary[Engine, IdBlocks] = WeakKeyDictionary()


@cache
def _next_ids(table: Table) -> Direct:
    sequence = func.pg_get_serial_sequence(table.name, "id")
    return Direct(
        select(func.nextval(sequence).label("id")).select_from(
            func.generate_series(1, bindparam("count"))
        )
    )


@lru_cache(maxsize=256)  # a handful of shapes: which writes, how many rows each
def _batch_sql(
    writes: tuple[tuple[str, int], ...], claim: tuple[tuple[str, int], ...], alone: bool
) -> str:
    """One statement of several: ``writes`` (each SQL with its number of parameters) as WITH
    queries, after the ``claim`` (its UPDATE ... RETURNING, then its SELECT), whose parameters
    come first. ``alone``: the statement is a transaction of its own, and fails (SQLSTATE
    :data:`CLAIM_LOST_SQLSTATE`) if the claim is lost; else it returns the claimed rows' count
    (and the SELECT, and its parameters, are left out)."""
    if not claim and len(writes) == 1:
        return writes[0][0]
    offset = 0
    parts: list[str] = []

    def numbered(sql: str, count: int) -> str:
        nonlocal offset
        shifted = _PLACEHOLDER.sub(lambda m: f"${int(m.group(1)) + offset}", sql)
        offset += count
        return shifted

    if claim:
        (update, update_count), (present, present_count) = claim
        parts.append(f"claim AS ({numbered(update, update_count)})")
        if alone:
            present = numbered(present, present_count)
    parts.extend(f"w{n} AS ({numbered(sql, count)})" for n, (sql, count) in enumerate(writes))
    if not claim:
        final = "SELECT 1"
    elif alone:
        final = f"SELECT legaldesk_claimed(EXISTS (SELECT 1 FROM claim) OR NOT EXISTS ({present}))"
    else:
        final = "SELECT count(*) FROM claim"
    return f"WITH {', '.join(parts)} {final}"


class _AsyncpgRunner(Runner):
    """asyncpg, in the transaction of SQLAlchemy's asyncpg adapter. The adapter begins that
    transaction lazily, on its first statement, and commits or rolls back what it began; a direct
    statement that comes first begins it the same way (``_start_transaction``, the adapter's own
    step, with the connection's isolation settings), so the two never run in different
    transactions. asyncpg's errors go through the adapter's own translation
    (``_handle_exception``) and come out as SQLAlchemy's, as through ``AsyncConnection``.

    Reads run outside a transaction until the unit of work writes; writes whose results nobody
    waits for are deferred (see the module's docstring) and sent before the next statement that
    is not a read on its own, or at the commit."""

    def __init__(self, connection: AsyncConnection, adapter: Any, ids: IdBlocks) -> None:
        super().__init__(connection)
        self._adapter = adapter
        self._asyncpg = adapter.driver_connection
        self._dialect = connection.dialect
        self._ids = ids
        self._pending: list[tuple[_Plan, tuple[Any, ...]]] = []

    async def _in_transaction(self) -> None:
        await self._begin()
        if self._adapter._transaction is None:  # none begun (SQLAlchemy 2.1's adapter)
            await self._adapter._start_transaction()

    async def _ready(self, statement: Direct) -> None:
        """A read with nothing deferred and no transaction open runs on its own; anything else
        runs in the transaction, after the deferred writes."""
        if statement.reads and not self._pending and not self._connection.in_transaction():
            return
        await self.flush()
        await self._in_transaction()

    def _translated(self, error: Exception, sql: str) -> Exception:
        base = self._adapter.dbapi.Error
        try:
            self._adapter._handle_exception(error)  # raises the DBAPI-level error
        except base as dbapi_error:
            return DBAPIError.instance(sql, None, dbapi_error, base)
        except Exception as other:  # not a database error: as it is
            return other
        return error  # pragma: no cover - _handle_exception always raises

    async def rows(self, statement: Direct, params: Params) -> list[Any]:
        await self._ready(statement)
        plan = statement.plan(self._dialect)
        try:
            records = await self._asyncpg.fetch(plan.sql, *plan.args(params))
        except Exception as error:
            raise self._translated(error, plan.sql) from error
        return [statement.row_type._make(plan.row(r)) for r in records]

    async def run(self, statement: Direct, params: Params) -> int:
        await self._ready(statement)
        plan = statement.plan(self._dialect)
        try:
            status = await self._asyncpg.execute(plan.sql, *plan.args(params))
        except Exception as error:
            raise self._translated(error, plan.sql) from error
        found = _COUNT.match(status or "")
        return int(found.group(1)) if found else 0

    async def run_many(self, statement: Direct, params: Sequence[Params]) -> None:
        if params:
            await self._ready(statement)
            plan = statement.plan(self._dialect)
            try:
                await self._asyncpg.executemany(plan.sql, [plan.args(p) for p in params])
            except Exception as error:
                raise self._translated(error, plan.sql) from error

    async def insert(self, table: Table, rows: Sequence[Params]) -> list[int]:
        if not rows:
            return []
        ids = await self._ids.take(table, len(rows), self._next_ids)
        with_ids = [{"id": i, **row} for i, row in zip(ids, rows, strict=True)]
        await self.defer(_insert(table, tuple(with_ids[0]), len(rows)), _row_params(with_ids))
        return ids

    async def _next_ids(self, table: Table, count: int) -> list[int]:
        plan = _next_ids(table).plan(self._dialect)  # a sequence: in or out of a transaction
        try:
            records = await self._asyncpg.fetch(plan.sql, *plan.args({"count": count}))
        except Exception as error:
            raise self._translated(error, plan.sql) from error
        return [int(r[0]) for r in records]

    async def defer(self, statement: Direct, params: Params) -> None:
        plan = statement.plan(self._dialect)
        self._pending.append((plan, plan.args(params)))

    async def defer_many(self, statement: Direct, params: Sequence[Params]) -> None:
        plan = statement.plan(self._dialect)
        self._pending.extend((plan, plan.args(p)) for p in params)

    async def flush(self) -> None:
        if self._pending:
            await self._in_transaction()
            await self._send(None, alone=False)

    async def commit(self, claim: Claim | None = None) -> None:
        if self._connection.in_transaction():
            if claim is not None or self._pending:
                claimed = await self._send(claim, alone=False)
                if claim is not None and not claimed:
                    await self._lost_unless_absent(claim)
            await self._connection.commit()
        elif claim is not None or self._pending:
            await self._send(claim, alone=True)  # one statement: stored entirely or not at all

    async def _lost_unless_absent(self, claim: Claim) -> None:
        if await self.rows(claim.present, claim.params):
            raise ClaimLost

    async def _send(self, claim: Claim | None, *, alone: bool) -> int | None:
        """Send the deferred writes (and ``claim``) as one statement; the claimed rows' count."""
        pending, self._pending = self._pending, []
        args: list[Any] = []
        claimed: tuple[tuple[str, int], ...] = ()
        if claim is not None:
            update = claim.update.plan(self._dialect)
            present = claim.present.plan(self._dialect)
            claimed = ((update.sql, len(update.binds)), (present.sql, len(present.binds)))
            args.extend(update.args(claim.params))
            if alone:  # the statement itself checks the claim
                args.extend(present.args(claim.params))
        first = pending[0][0] if pending else None
        if claim is None and first is not None and all(plan is first for plan, _ in pending):
            # one statement, several parameter sets (the courier's "sent" marks): asyncpg's
            # executemany, one round trip, atomic also outside a transaction (asyncpg >= 0.22)
            try:
                await self._asyncpg.executemany(first.sql, [values for _, values in pending])
            except Exception as error:
                raise self._translated(error, first.sql) from error
            return None
        for _, values in pending:
            args.extend(values)
        writes = tuple((plan.sql, len(plan.binds)) for plan, _ in pending)
        sql = _batch_sql(writes, claimed, alone)
        try:
            if claim is None:
                await self._asyncpg.execute(sql, *args)
                return None
            return int(await self._asyncpg.fetchval(sql, *args))
        except Exception as error:
            if getattr(error, "sqlstate", None) == CLAIM_LOST_SQLSTATE:
                raise ClaimLost from error
            raise self._translated(error, sql) from error
