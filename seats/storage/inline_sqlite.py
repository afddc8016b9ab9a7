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

`DirectInsert` goes one step further for the rows nearly every write appends (the event log's
and the seat ledger's): it hands them to sqlite3 itself, inside the transaction SQLAlchemy
began, after the columns' own bind processing. A one-row INSERT costs about 100 us through
SQLAlchemy's execution path and 5 us this way.
"""

import asyncio
import sqlite3
from collections.abc import Callable, Generator, Iterable, Sequence
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


class DirectInsert:
    """An INSERT of some columns of a table, run by sqlite3 directly (see the module docstring).

    A row is a sequence of Python values in the order of `columns`; each goes through its
    column type's bind processor, so the stored text is what SQLAlchemy would store (JSON
    serialized, datetimes in SQLite's format, UTCDateTime's refusal of naive ones). Errors are
    sqlite3's own, unwrapped (seats/storage/failures.py classifies them).
    """

    def __init__(self, table: sa.Table, columns: Sequence[str]) -> None:
        self._table = table
        self._columns = tuple(columns)
        self._sql = ""
        self._processors: list[Callable[[Any], Any] | None] = []

    def run(self, conn: AsyncConnection, rows: Iterable[Sequence[Any]]) -> None:
        """Insert `rows` in the transaction `conn` is in (it must be a write transaction of a
        `Database` on SQLite: BEGIN has been sent)."""
        if not self._sql:
            self._prepare(conn.dialect)
        processors = self._processors
        values = [
            [value if p is None else p(value) for p, value in zip(processors, row, strict=True)]
            for row in rows
        ]
        driver = conn.sync_connection.connection.driver_connection  # type: ignore[union-attr]
        assert isinstance(driver, InlineConnection)
        driver.run_many(self._sql, values)

    def _prepare(self, dialect: sa.Dialect) -> None:
        quote = dialect.identifier_preparer.quote
        names = ", ".join(quote(name) for name in self._columns)
        marks = ", ".join("?" for _ in self._columns)
        self._processors = [
            self._table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in self._columns
        ]
        self._sql = f"INSERT INTO {quote(self._table.name)} ({names}) VALUES ({marks})"


def connect(database: str, **kwargs: Any) -> InlineConnection:
    """What SQLAlchemy's aiosqlite dialect calls as `async_creator_fn` (aiosqlite.connect's
    signature)."""
    return InlineConnection(partial(sqlite3.connect, database, **kwargs))
