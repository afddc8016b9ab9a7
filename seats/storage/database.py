"""The database handle and the one place that commits.

Services take an `AsyncConnection` and never commit; request handlers and jobs open
`Database.transaction()` (or `Database.read()`) and the context manager commits or rolls back.
Callbacks registered with `after_commit` run only once the transaction is durable, which is how
side effects (outbox wake-ups) stay out of rolled-back work; those registered with
`before_commit` run as the transaction's last statements (the event log appends there). On
SQLite, durable means the group commit's fsync (seats/storage/group_commit.py) has covered
the COMMIT.
"""

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncTransaction,
    create_async_engine,
)

from seats.storage import inline_sqlite
from seats.storage.failures import is_storage_failure
from seats.storage.group_commit import WalSync

_AFTER_COMMIT = "seatgate_after_commit"
_BEFORE_COMMIT = "seatgate_before_commit"
_STATE = "seatgate_transaction_state"
_LOCK_WAIT = "seatgate_lock_wait"
_LOCK_HELD_SINCE = "seatgate_lock_held_since"
BeforeCommit = Callable[[AsyncConnection], Awaitable[None]]
# How long a write transaction waits for another process's SQLite write lock; the wait is a
# series of asyncio sleeps, so the event loop serves other requests meanwhile.
SQLITE_WRITE_LOCK_WAIT_SECONDS = 30.0
# SQLite's own busy handler blocks the calling thread (here, the event loop): kept short, for
# the rare read that meets a lock (another connection recovering the WAL index). The writer
# connection has none (`Database._writer_connection` says why).
SQLITE_BUSY_WAIT_MS = 100
SQLITE_CACHE_KIB = 16 * 1024
# A PostgreSQL server that does not answer (host down, packets dropped) fails a request after
# this long instead of asyncpg's 60 s, so the client gets its 503 while it still waits.
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10


class Database:
    """An async engine plus the transaction discipline of seatgate.

    SQLite allows one writer: write transactions start with `BEGIN IMMEDIATE` so the write lock is
    taken up front (no lock upgrade deadlocks), and within one process they queue on an asyncio
    lock instead of spinning on SQLite's busy handler. PostgreSQL runs writers concurrently; the
    seat rules serialize per organization with `SELECT ... FOR UPDATE` on the org row.
    """

    def __init__(
        self, url: str, *, pool_size: int = 10, busy: Callable[[], bool] = lambda: False
    ) -> None:
        """`busy` says whether other work (other requests) is under way in this process: on
        SQLite, a commit made while busy waits for a shared fsync on a worker thread, and one
        made alone fsyncs at once (seats/storage/group_commit.py)."""
        self.url = url
        self._busy = busy
        self.engine: AsyncEngine = _create_engine(url, pool_size=pool_size)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # PostgreSQL runs at READ COMMITTED, where every statement takes a snapshot of its own
        # inside a transaction or not: reads run in autocommit and skip the BEGIN and ROLLBACK
        # round trips (same pool; the isolation level is reset when a connection returns).
        self._reader = (
            self.engine
            if self.is_sqlite
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self._sqlite_writer = asyncio.Lock()
        # SQLite's writers take turns on `_sqlite_writer`, so one connection serves them all:
        # checked out at the first write transaction and kept, which spares each transaction
        # the pool's checkout and return (see `_writer_connection`).
        self._writer: AsyncConnection | None = None
        # Told how long each wait for the lock that serializes seat decisions took (the
        # gateway's metrics): on SQLite the database's write lock, which every write
        # transaction takes before it begins; on PostgreSQL the org row's lock (OrgLock).
        self.observe_lock_wait: Callable[[float], None] = _ignore_seconds
        # Told how long that lock was then held: from its acquisition to the end (commit or
        # rollback) of the transaction that took it. Within one org this is what serializes
        # creates, so its inverse is the org's ceiling (docs/benchmarks.md).
        self.observe_lock_held: Callable[[float], None] = _ignore_seconds
        path = self.engine.url.database if self.is_sqlite else None
        self._wal_sync = WalSync(path) if path and path != ":memory:" else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A read-write transaction, committed on normal exit and rolled back on error; it
        returns once the commit is durable."""
        callbacks: list[Callable[[], Any]] = []
        if self.is_sqlite:
            asked = time.perf_counter()
            async with self._sqlite_writer:
                async with self._begin(callbacks, immediate=True, lock_asked=asked) as conn:
                    yield conn
            # The next writer starts while this commit waits for its (shared) fsync.
            if self._wal_sync is not None:
                # Statements run inline, so this transaction ran without yielding: requests
                # that arrived meanwhile start now, and `busy` counts them. Without this
                # yield every commit under load looked alone and fsynced on the loop.
                await asyncio.sleep(0)
                await self._wal_sync.durable(alone=not self._busy())
        else:
            async with self._begin(callbacks, immediate=False) as conn:
                yield conn
        for callback in callbacks:
            callback()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only transaction: one snapshot for all its statements on SQLite; on
        PostgreSQL (READ COMMITTED) each statement sees what was committed when it began."""
        async with self._reader.connect() as conn:
            await conn.begin()
            try:
                yield conn
            finally:
                await conn.rollback()

    @asynccontextmanager
    async def _begin(
        self, callbacks: list[Callable[[], Any]], *, immediate: bool, lock_asked: float = 0.0
    ) -> AsyncIterator[AsyncConnection]:
        """A transaction that commits when the block ends; `after_commit` adds to `callbacks`.
        With `immediate` (SQLite), the transaction runs on the kept writer connection, and the
        write lock asked for at `lock_asked` is held once it began."""
        conn, transaction = await self._connect_and_begin(immediate=immediate)
        # `info` outlives the transaction (it belongs to the DBAPI connection): every key set
        # here is removed in the `finally`, so nothing leaks into the next one.
        conn.info[_AFTER_COMMIT] = callbacks
        hooks: list[BeforeCommit] = []
        conn.info[_BEFORE_COMMIT] = hooks
        conn.info[_STATE] = {}
        conn.info[_LOCK_WAIT] = self.observe_lock_wait
        if immediate:
            held_since = conn.info[_LOCK_HELD_SINCE] = time.perf_counter()
            self.observe_lock_wait(held_since - lock_asked)
        healthy = False
        try:
            try:
                yield conn
                for hook in hooks:
                    await hook(conn)
            except BaseException as exc:
                await transaction.rollback()
                healthy = not is_storage_failure(exc)
                raise
            await transaction.commit()
            healthy = True
        finally:
            # A connection lost mid-transaction (PostgreSQL restarted) is invalidated: its
            # `info` went with it, and reading `info` would reconnect synchronously, outside
            # any await, and skip the close below.
            if not conn.invalidated:
                held_since = conn.info.pop(_LOCK_HELD_SINCE, None)
                if held_since is not None:
                    self.observe_lock_held(time.perf_counter() - held_since)
                for key in (_AFTER_COMMIT, _BEFORE_COMMIT, _STATE, _LOCK_WAIT):
                    conn.info.pop(key, None)
            if not immediate:
                await conn.close()
            elif not healthy or conn.invalidated:
                await self._discard_writer()

    async def _connect_and_begin(
        self, *, immediate: bool
    ) -> tuple[AsyncConnection, AsyncTransaction]:
        """A connection in a new transaction. On SQLite, a write transaction waits for another
        process's write lock with asyncio sleeps, so the event loop serves other requests."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SQLITE_WRITE_LOCK_WAIT_SECONDS
        pause = 0.002
        while True:
            conn = await (self._writer_connection() if immediate else self.engine.connect())
            try:
                return conn, await conn.begin()
            except (OperationalError, sqlite3.OperationalError) as exc:
                # A failed BEGIN leaves the Connection unusable: it is closed, a new one tried.
                await (self._discard_writer() if immediate else conn.close())
                locked = "locked" in str(getattr(exc, "orig", exc))
                if not immediate or not locked or loop.time() > deadline:
                    raise
            except BaseException:
                await (self._discard_writer() if immediate else conn.close())
                raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.1)

    async def _writer_connection(self) -> AsyncConnection:
        """The SQLite writer connection (the caller holds `_sqlite_writer`), opened when there
        is none. One that met a storage failure was discarded (`_discard_writer`), so a disk
        that failed and recovered, or a database file replaced underneath, gets a fresh one."""
        if self._writer is None:
            conn = await self.engine.connect()
            # No busy wait on this connection, ever. BEGIN IMMEDIATE takes the write lock and
            # a read snapshot up front, so it is the one statement that can meet another
            # connection's lock (another process's writer, or one recovering the WAL index),
            # and `_connect_and_begin` retries it with asyncio sleeps. Once it succeeded,
            # nothing can hold this transaction up: in WAL mode readers never block the
            # writer, COMMIT needs no further lock, and the checkpoint after a COMMIT is
            # passive (it skips pages that readers still use instead of waiting for them).
            raw = await conn.get_raw_connection()
            raw.driver_connection.run_now("PRAGMA busy_timeout=0")
            self._writer = await conn.execution_options(sqlite_begin="IMMEDIATE")
        return self._writer

    async def _discard_writer(self) -> None:
        """Close the writer's DBAPI connection for good (not back into the pool, where the next
        checkout would find the same broken handle); the next write transaction opens another."""
        conn, self._writer = self._writer, None
        if conn is not None:
            await conn.invalidate()
            await conn.close()

    async def dispose(self) -> None:
        async with self._sqlite_writer:
            if self._writer is not None:
                writer, self._writer = self._writer, None
                await writer.close()
        await self.engine.dispose()


def after_commit(conn: AsyncConnection, callback: Callable[[], Any]) -> None:
    """Run `callback` once the transaction `conn` belongs to has committed (never on rollback)."""
    conn.info[_AFTER_COMMIT].append(callback)


def before_commit(conn: AsyncConnection, hook: BeforeCommit) -> None:
    """Run `hook(conn)` at the end of the transaction `conn` belongs to, just before COMMIT
    (not at all if the transaction fails first)."""
    conn.info[_BEFORE_COMMIT].append(hook)


def lock_waited(conn: AsyncConnection, asked: float) -> None:
    """Report that the write transaction `conn` belongs to holds the org lock it asked for at
    `asked` (a `time.perf_counter()` reading): the wait is observed now, the hold when the
    transaction ends (from the first lock it took, if it takes several)."""
    observe = conn.info.get(_LOCK_WAIT)
    if observe is not None:
        held_since = time.perf_counter()
        observe(held_since - asked)
        conn.info.setdefault(_LOCK_HELD_SINCE, held_since)


def _ignore_seconds(seconds: float) -> None:
    return None


def transaction_state(conn: AsyncConnection) -> dict[str, Any]:
    """A dict that lives as long as the write transaction `conn` belongs to (KeyError outside
    one: a read-only transaction records nothing)."""
    return conn.info[_STATE]


def _create_engine(url: str, *, pool_size: int) -> AsyncEngine:
    if url.startswith("sqlite"):
        connect_args = {
            "timeout": SQLITE_BUSY_WAIT_MS / 1000,
            "async_creator_fn": inline_sqlite.connect,
        }
        engine = create_async_engine(url, connect_args=connect_args)
        _configure_sqlite(engine)
        return engine
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        connect_args={"timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS},
    )
    _replace_closed_connections(engine)
    return engine


def _replace_closed_connections(engine: AsyncEngine) -> None:
    """After a PostgreSQL restart the pooled connections are dead: one that asyncpg saw closed
    is replaced at checkout, and one lost mid-transaction is invalidated together with every
    pooled connection older than it (SQLAlchemy's disconnect handling), so the gateway recovers
    without a restart (tests/gateway/test_storage_failures_postgres.py).

    Not `pool_pre_ping`: on asyncpg its ping is BEGIN, an empty query and ROLLBACK, three round
    trips before every transaction, where a closed socket is seen without any."""

    @sa.event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            # The pool discards this connection and checks out (or opens) another.
            raise DisconnectionError("the pooled connection was closed")


def _configure_sqlite(engine: AsyncEngine) -> None:
    # The pysqlite driver's own transaction handling is switched off so that the BEGIN emitted
    # below is the only one: SQLAlchemy's documented recipe for SQLite transaction control.
    @sa.event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # A COMMIT does not wait for the disk; Database.transaction() waits for the group
        # commit's fsync before it returns (seats/storage/group_commit.py).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # More pages per connection than SQLite's 2 MB default, for the indexes of a big
        # database (in practice one or two connections are in use: statements run inline).
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_WAIT_MS}")
        cursor.close()

    @sa.event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        # The writer connection (the only one that begins IMMEDIATE) has no busy wait at all
        # (`Database._writer_connection`): waiting for the write lock here would block the
        # event loop, so BEGIN IMMEDIATE fails at once and Database._connect_and_begin
        # retries with asyncio sleeps.
        driver: inline_sqlite.InlineConnection = conn.connection.driver_connection
        driver.run_now(f"BEGIN {mode}")
