"""The statements nearly every write runs (the org lock, a member's read, INSERT, UPDATE and
DELETE, the deprovisioning guard's counts, the event log's and the seat ledger's rows), each
compiled by SQLAlchemy once per engine and handed to the driver itself, inside the transaction
SQLAlchemy began:
- on SQLite, sqlite3, through the inline connection (seats/storage/inline_sqlite.py): a
  one-row INSERT costs about 100 us through SQLAlchemy's execution path and 5 us this way;
- on PostgreSQL, asyncpg, once SQLAlchemy has sent BEGIN: its execution path (compiled-cache
  lookup, parameter processing, its cursor and result, the greenlet hop) costs about 100 us of
  CPU a statement, more than asyncpg's own. A statement that opens the transaction goes through
  SQLAlchemy, which sends the BEGIN, and so does one whose result needs the column types
  asyncpg reports (a float's, in SQLAlchemy's asyncpg dialect).

Parameters go through their types' bind processors and result columns through their result
processors, so what is stored and read equals what SQLAlchemy's execution path stores and
returns (JSON, booleans, datetimes, UTCDateTime's refusal of naive ones); asyncpg decodes JSON
with the codecs SQLAlchemy's dialect gave its connections. A parameter that no call supplies
keeps the value it was built with (a literal in a WHERE clause). A constraint's refusal is
SQLAlchemy's `IntegrityError` on PostgreSQL, sqlite3's on SQLite; other errors are the driver's
own (seats/storage/failures.py classifies both).
"""

import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.storage.inline_sqlite import InlineConnection

_NO_PRIMARY_KEY_VALUE = r"Column '\w+\.id' is marked as a member of the primary key"


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement as one dialect compiled it: positional SQL, what each position takes, and
    each result column's key and processor."""

    sql: str
    binds: list[tuple[str, bool, Any, Callable[[Any], Any] | None]]
    results: list[tuple[str, Callable[[Any], Any] | None]]
    # False when a result column's processing needs the column type the driver reports.
    direct_results: bool

    def values(self, parameters: Mapping[str, Any]) -> list[Any]:
        values = [
            parameters[name] if required else parameters.get(name, default)
            for name, required, default, _ in self.binds
        ]
        return [v if p is None else p(v) for (*_, p), v in zip(self.binds, values, strict=True)]

    def row(self, row: Sequence[Any]) -> dict[str, Any]:
        return {
            key: value if p is None else p(value)
            for (key, p), value in zip(self.results, row, strict=True)
        }


class DirectStatement:
    """A Core statement run by the engine's driver directly (see the module docstring)."""

    def __init__(self, statement: sa.Executable, *, column_keys: Sequence[str] = ()) -> None:
        """`column_keys`: for an INSERT, the columns each row sets (as in an executemany)."""
        self._statement = statement
        self._column_keys = list(column_keys)
        self._compiled: dict[str, _Compiled] = {}

    def first(self, conn: AsyncConnection, parameters: Mapping[str, Any]) -> dict[str, Any] | None:
        """On SQLite: the statement's first row by column name (None when there is none)."""
        rows = self._sqlite_rows(conn, parameters)
        return rows[0] if rows else None

    def run_many(self, conn: AsyncConnection, rows: Iterable[Mapping[str, Any]]) -> None:
        """On SQLite: execute the statement once for each mapping of parameters."""
        compiled = self._compiled_for(conn.dialect)
        _sqlite_driver(conn).run_many(compiled.sql, [compiled.values(row) for row in rows])

    async def first_on(
        self, conn: AsyncConnection, parameters: Mapping[str, Any]
    ) -> Mapping[str, Any] | None:
        """The statement's first row by column name (None when there is none), on any engine."""
        rows = await self.all_on(conn, parameters)
        return rows[0] if rows else None

    async def all_on(
        self, conn: AsyncConnection, parameters: Mapping[str, Any]
    ) -> Sequence[Mapping[str, Any]]:
        """Every row of the statement by column name, on any engine."""
        if conn.dialect.name == "sqlite":
            return self._sqlite_rows(conn, parameters)
        compiled = self._compiled_for(conn.dialect)
        driver = _asyncpg_in_transaction(conn)
        if driver is None or not compiled.direct_results:
            return (await conn.execute(self._statement, parameters)).mappings().all()
        values = compiled.values(parameters)
        rows = await _refusals_as_integrity_errors(driver.fetch(compiled.sql, *values), compiled)
        return [compiled.row(row) for row in rows]

    async def run_on(self, conn: AsyncConnection, parameters: Mapping[str, Any]) -> None:
        """The statement once, on any engine."""
        if conn.dialect.name == "sqlite":
            self.run_many(conn, [parameters])
            return
        driver = _asyncpg_in_transaction(conn)
        if driver is None:
            await conn.execute(self._statement, parameters)
            return
        compiled = self._compiled_for(conn.dialect)
        values = compiled.values(parameters)
        await _refusals_as_integrity_errors(driver.execute(compiled.sql, *values), compiled)

    def _sqlite_rows(
        self, conn: AsyncConnection, parameters: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        compiled = self._compiled_for(conn.dialect)
        rows = _sqlite_driver(conn).run_query(compiled.sql, compiled.values(parameters))
        return [compiled.row(row) for row in rows]

    def _compiled_for(self, dialect: sa.Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = self._compile(dialect)
        return compiled

    def _compile(self, dialect: sa.Dialect) -> _Compiled:
        with warnings.catch_warnings():
            # SQLite numbers the events' rows itself (AUTOINCREMENT), which the column's
            # `autoincrement=False` (PostgreSQL's positions come from elsewhere) hides.
            warnings.filterwarnings("ignore", _NO_PRIMARY_KEY_VALUE, sa.exc.SAWarning)
            compiled = self._statement.compile(dialect=dialect, column_keys=self._column_keys)
        assert compiled.positiontup is not None, "both drivers' paramstyles are positional"
        binds = [
            (bind.key, bind.required, bind.effective_value, _bind_processor(bind.type, dialect))
            for bind in (compiled.binds[name] for name in compiled.positiontup)
        ]
        results = []
        direct_results = True
        if isinstance(self._statement, sa.Select) or compiled.effective_returning:
            # A SELECT's columns, or a write's RETURNING.
            for column in self._statement.exported_columns:  # type: ignore[attr-defined]
                processor, known = _result_processor(column.type, dialect)
                results.append((column.key, processor))
                direct_results = direct_results and known
        return _Compiled(compiled.string, binds, results, direct_results)


class DirectInsert:
    """An INSERT of some columns of a table, by `DirectStatement` on SQLite: a row is a
    sequence of Python values in the order of `columns`."""

    def __init__(self, table: sa.Table, columns: Sequence[str]) -> None:
        self._columns = tuple(columns)
        self._statement = DirectStatement(table.insert(), column_keys=self._columns)

    def run(self, conn: AsyncConnection, rows: Iterable[Sequence[Any]]) -> None:
        """Insert `rows` in the transaction `conn` is in (a write transaction of a `Database`
        on SQLite: BEGIN has been sent)."""
        columns = self._columns
        self._statement.run_many(conn, (dict(zip(columns, row, strict=True)) for row in rows))


def _bind_processor(
    type_: sa.types.TypeEngine[Any], dialect: sa.Dialect
) -> Callable[[Any], Any] | None:
    return type_.dialect_impl(dialect).bind_processor(dialect)


def _result_processor(
    type_: sa.types.TypeEngine[Any], dialect: sa.Dialect
) -> tuple[Callable[[Any], Any] | None, bool]:
    """The column's result processor, and whether it can be made without the column type the
    driver reports (SQLite's always can; asyncpg's numerics cannot)."""
    implementation = type_.dialect_impl(dialect)
    if dialect.name != "sqlite" and isinstance(implementation, sa.Numeric | sa.Float):
        return None, False
    return implementation.result_processor(dialect, None), True


def _sqlite_driver(conn: AsyncConnection) -> InlineConnection:
    driver = conn.sync_connection.connection.driver_connection  # type: ignore[union-attr]
    assert isinstance(driver, InlineConnection)
    return driver


async def execute_sql_on_postgresql(
    conn: AsyncConnection, sql: str, parameters: Sequence[Any]
) -> None:
    """Execute hand-written SQL with positional parameters (`$1`...) on PostgreSQL: by asyncpg
    once the transaction has begun, else through SQLAlchemy, which sends the BEGIN."""
    driver = _asyncpg_in_transaction(conn)
    if driver is None:
        await conn.exec_driver_sql(sql, tuple(parameters))
    else:
        await driver.execute(sql, *parameters)


def _asyncpg_in_transaction(conn: AsyncConnection) -> Any:
    """asyncpg's connection under `conn`, once SQLAlchemy has sent BEGIN on it (else None)."""
    driver = conn.sync_connection.connection.driver_connection  # type: ignore[union-attr]
    return driver if driver.is_in_transaction() else None


async def _refusals_as_integrity_errors(call: Any, compiled: _Compiled) -> Any:
    try:
        return await call
    except Exception as exc:
        # asyncpg's IntegrityConstraintViolationError and its subclasses: SQLSTATE class 23.
        if str(getattr(exc, "sqlstate", "")).startswith("23"):
            raise IntegrityError(compiled.sql, None, exc) from exc
        raise
