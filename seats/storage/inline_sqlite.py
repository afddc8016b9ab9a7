"""aiosqlite's connection, run on the event loop's own thread instead of a thread of its own.

aiosqlite hands every call to a per-connection thread and waits for the answer: two thread
switches per statement, measured at about 140 us each on a 2-core machine (`SELECT 1` costs
630 us through SQLAlchemy over aiosqlite, 76 us with this connection). SQLite itself answers
seatgate's statements in microseconds, from the page cache, so the hop costs far more than the
work. This connection keeps aiosqlite's interface (the one SQLAlchemy's aiosqlite dialect
drives) and calls sqlite3 directly.

What makes blocking the loop acceptable: within a process, writers queue on an asyncio lock
before BEGIN IMMEDIATE (seats/storage/database.py), and WAL readers never wait for writers, so
a statement does not sit in SQLite's busy handler. Waits for another process's write lock are
retried with asyncio sleeps by `Database`, not in the busy handler. The costs that remain on
the loop are the fsync of a commit made while nothing else is under way (about 0.5 ms here;
busy commits share one on a worker thread, seats/storage/group_commit.py) and reading big
results, which the loop pays in Python anyway.

`DirectStatement` goes one step further for the statements nearly every write runs (the org
lock, a create's INSERT, the event log's and the seat ledger's rows through `DirectInsert`):
SQLAlchemy compiles the Core statement once, and each run hands it to sqlite3 itself, inside
the transaction SQLAlchemy began, with the types' own bind and result processing. A one-row
INSERT costs about 100 us through SQLAlchemy's execution path and 5 us this way.
"""

import asyncio
import sqlite3
import warnings
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from functools import partial
from typing import Any

import aiosqlite
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection


class _RunNow:
    """Stands in for the queue of aiosqlite's worker thread: runs each call as it is queued
    and settles its future at once (awaiting a settled future does not suspend)."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting caller, as aiosqlite's thread does
            if future is None:
                raise
            future.set_exception(exc)
        else:
            if future is not None:
                future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite.Connection whose calls run in the calling thread; its thread never starts.

    Every path of aiosqlite and of SQLAlchemy's adapter goes through the connection's queue
    (`_tx`), so replacing the queue is the whole change; `_execute`, through which all calls
    but connecting reach the queue, skips it as well.
    """

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, "InlineConnection"]:
        return self._connect().__await__()

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Every call of the connection and its cursors (execute, fetch, close, commit) comes
        here once connected: called at once, without the queued partial and future the
        queue would cost (four of each per statement)."""
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    def run_now(self, sql: str) -> None:
        """Execute a statement that returns nothing (BEGIN, PRAGMA), synchronously: for hooks
        that SQLAlchemy calls outside any await, at a fraction of a Core statement's cost."""
        self._conn.execute(sql)

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Execute a statement once for each row of parameters, synchronously."""
        self._conn.executemany(sql, rows)

    def run_query(self, sql: str, parameters: Sequence[Any]) -> tuple[Any, ...] | None:
        """Execute a statement to its end and return its first row, synchronously (a write's
        RETURNING left unfinished would keep the statement pending at COMMIT)."""
        rows = self._conn.execute(sql, parameters).fetchall()
        return rows[0] if rows else None


_NO_PRIMARY_KEY_VALUE = r"Column '\w+\.id' is marked as a member of the primary key"


class DirectStatement:
    """A Core statement compiled once for SQLite and run by sqlite3 directly (see the module
    docstring), inside the transaction SQLAlchemy began on `conn`.

    Parameters go through their types' bind processors and result columns through their
    result processors, so what is stored and what is read equal what SQLAlchemy would store
    and return (JSON, booleans, datetimes in SQLite's format, UTCDateTime's refusal of naive
    ones). A parameter of the statement that no call supplies keeps the value it was built
    with (a literal in a WHERE clause). Errors are sqlite3's own, unwrapped
    (seats/storage/failures.py classifies them).
    """

    def __init__(self, statement: sa.Executable, *, column_keys: Sequence[str] = ()) -> None:
        """`column_keys`: for an INSERT, the columns each row sets (as in an executemany)."""
        self._statement = statement
        self._column_keys = list(column_keys)
        self._sql = ""
        self._binds: list[tuple[str, bool, Any, Callable[[Any], Any] | None]] = []
        self._results: list[tuple[str, Callable[[Any], Any] | None]] = []

    def first(self, conn: AsyncConnection, parameters: Mapping[str, Any]) -> dict[str, Any] | None:
        """The statement's first row by column name (None when there is none)."""
        row = _driver(conn).run_query(self._prepared(conn.dialect), self._values(parameters))
        if row is None:
            return None
        return {
            key: value if p is None else p(value)
            for (key, p), value in zip(self._results, row, strict=True)
        }

    def run_many(self, conn: AsyncConnection, rows: Iterable[Mapping[str, Any]]) -> None:
        """Execute the statement once for each mapping of parameters."""
        sql = self._prepared(conn.dialect)
        _driver(conn).run_many(sql, [self._values(row) for row in rows])

    async def first_on(
        self, conn: AsyncConnection, parameters: Mapping[str, Any]
    ) -> Mapping[str, Any] | None:
        """`first` on SQLite; on another engine the same statement through SQLAlchemy."""
        if conn.dialect.name == "sqlite":
            return self.first(conn, parameters)
        return (await conn.execute(self._statement, parameters)).mappings().first()

    async def run_on(self, conn: AsyncConnection, parameters: Mapping[str, Any]) -> None:
        """The statement once, by sqlite3 on SQLite, through SQLAlchemy elsewhere."""
        if conn.dialect.name == "sqlite":
            self.run_many(conn, [parameters])
        else:
            await conn.execute(self._statement, parameters)

    def _values(self, parameters: Mapping[str, Any]) -> list[Any]:
        values = [
            parameters[name] if required else parameters.get(name, default)
            for name, required, default, _ in self._binds
        ]
        return [v if p is None else p(v) for (*_, p), v in zip(self._binds, values, strict=True)]

    def _prepared(self, dialect: sa.Dialect) -> str:
        if not self._sql:
            with warnings.catch_warnings():
                # SQLite numbers the events' rows itself (AUTOINCREMENT), which the column's
                # `autoincrement=False` (PostgreSQL's positions come from elsewhere) hides.
                warnings.filterwarnings("ignore", _NO_PRIMARY_KEY_VALUE, sa.exc.SAWarning)
                compiled = self._statement.compile(dialect=dialect, column_keys=self._column_keys)
            assert compiled.positiontup is not None, "SQLite's paramstyle is positional"
            binds = [compiled.binds[name] for name in compiled.positiontup]
            self._binds = [
                (
                    bind.key,
                    bind.required,
                    bind.effective_value,
                    _processor(bind.type, dialect, bind=True),
                )
                for bind in binds
            ]
            if isinstance(self._statement, sa.Select) or compiled.effective_returning:
                # A SELECT's columns, or a write's RETURNING.
                self._results = [
                    (column.key, _processor(column.type, dialect, bind=False))
                    for column in self._statement.exported_columns  # type: ignore[attr-defined]
                ]
            self._sql = compiled.string
        return self._sql


class DirectInsert:
    """An INSERT of some columns of a table, by `DirectStatement`: a row is a sequence of
    Python values in the order of `columns`."""

    def __init__(self, table: sa.Table, columns: Sequence[str]) -> None:
        self._columns = tuple(columns)
        self._statement = DirectStatement(table.insert(), column_keys=self._columns)

    def run(self, conn: AsyncConnection, rows: Iterable[Sequence[Any]]) -> None:
        """Insert `rows` in the transaction `conn` is in (a write transaction of a `Database`
        on SQLite: BEGIN has been sent)."""
        columns = self._columns
        self._statement.run_many(conn, (dict(zip(columns, row, strict=True)) for row in rows))


def _processor(
    type_: sa.types.TypeEngine[Any], dialect: sa.Dialect, *, bind: bool
) -> Callable[[Any], Any] | None:
    implementation = type_.dialect_impl(dialect)
    if bind:
        return implementation.bind_processor(dialect)
    return implementation.result_processor(dialect, None)


def _driver(conn: AsyncConnection) -> InlineConnection:
    driver = conn.sync_connection.connection.driver_connection  # type: ignore[union-attr]
    assert isinstance(driver, InlineConnection)
    return driver


def connect(database: str, **kwargs: Any) -> InlineConnection:
    """What SQLAlchemy's aiosqlite dialect calls as `async_creator_fn` (aiosqlite.connect's
    signature)."""
    return InlineConnection(partial(sqlite3.connect, database, **kwargs))
