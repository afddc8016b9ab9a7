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

seats/storage/direct_statements.py goes one step further for the statements nearly every write
runs: SQLAlchemy compiles them once, and each run hands them to sqlite3 through this connection
(`run_query`, `run_many`).
"""

import asyncio
import sqlite3
from collections.abc import Callable, Generator, Iterable, Sequence
from functools import partial
from typing import Any

import aiosqlite


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

    def run_query(self, sql: str, parameters: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Execute a statement to its end and return its rows, synchronously (a write's
        RETURNING left unfinished would keep the statement pending at COMMIT)."""
        return self._conn.execute(sql, parameters).fetchall()


def connect(database: str, **kwargs: Any) -> InlineConnection:
    """What SQLAlchemy's aiosqlite dialect calls as `async_creator_fn` (aiosqlite.connect's
    signature)."""
    return InlineConnection(partial(sqlite3.connect, database, **kwargs))
