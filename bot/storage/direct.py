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
"""

from __future__ import annotations

import re
import sqlite3
from collections import namedtuple
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.expression import Executable, Select

from bot.storage.sqlite import InlineConnection

Params = Mapping[str, Any]
_REQUIRED = object()
_COUNT = re.compile(r"(?:UPDATE|DELETE|INSERT \d+) (\d+)")


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
        columns = statement.exported_columns if isinstance(statement, Select | UpdateBase) else ()
        self.row_type = namedtuple("Row", [c.key for c in columns], rename=True)  # type: ignore[misc]
        self._plans: dict[str, _Plan] = {}

    def plan(self, dialect: Dialect) -> _Plan:
        key = f"{dialect.name}+{dialect.driver}"
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _Plan(self.statement, dialect)
        return plan


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
            return _AsyncpgRunner(connection, raw.dbapi_connection)
        return Runner(connection)

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


class _AsyncpgRunner(Runner):
    """asyncpg, in the transaction of SQLAlchemy's asyncpg adapter. The adapter begins that
    transaction lazily, on its first statement, and commits or rolls back what it began; a direct
    statement that comes first begins it the same way (``_start_transaction``, the adapter's own
    step, with the connection's isolation settings), so the two never run in different
    transactions. asyncpg's errors go through the adapter's own translation
    (``_handle_exception``) and come out as SQLAlchemy's, as through ``AsyncConnection``."""

    def __init__(self, connection: AsyncConnection, adapter: Any) -> None:
        super().__init__(connection)
        self._adapter = adapter
        self._asyncpg = adapter.driver_connection
        self._dialect = connection.dialect

    async def _in_transaction(self) -> None:
        await self._begin()
        if self._adapter._transaction is None:  # none begun (SQLAlchemy 2.1's adapter)
            await self._adapter._start_transaction()

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
        await self._in_transaction()
        plan = statement.plan(self._dialect)
        try:
            records = await self._asyncpg.fetch(plan.sql, *plan.args(params))
        except Exception as error:
            raise self._translated(error, plan.sql) from error
        return [statement.row_type._make(plan.row(r)) for r in records]

    async def run(self, statement: Direct, params: Params) -> int:
        await self._in_transaction()
        plan = statement.plan(self._dialect)
        try:
            status = await self._asyncpg.execute(plan.sql, *plan.args(params))
        except Exception as error:
            raise self._translated(error, plan.sql) from error
        found = _COUNT.match(status or "")
        return int(found.group(1)) if found else 0

    async def run_many(self, statement: Direct, params: Sequence[Params]) -> None:
        if params:
            await self._in_transaction()
            plan = statement.plan(self._dialect)
            try:
                await self._asyncpg.executemany(plan.sql, [plan.args(p) for p in params])
            except Exception as error:
                raise self._translated(error, plan.sql) from error
