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
"""

import asyncio
import sqlite3
from collections.abc import Callable, Generator
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
    (`_tx`), so replacing the queue is the whole change.
    """

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, "InlineConnection"]:
        return self._connect().__await__()

    def run_now(self, sql: str) -> None:
        """Execute a statement that returns nothing (BEGIN, PRAGMA), synchronously: for hooks
        that SQLAlchemy calls outside any await, at a fraction of a Core statement's cost."""
        self._conn.execute(sql)


def connect(database: str, **kwargs: Any) -> InlineConnection:
    """What SQLAlchemy's aiosqlite dialect calls as `async_creator_fn` (aiosqlite.connect's
    signature)."""
    return InlineConnection(partial(sqlite3.connect, database, **kwargs))
