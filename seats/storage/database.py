"""The database handle and the one place that commits.

Services take an `AsyncConnection` and never commit; request handlers and jobs open
`Database.transaction()` (or `Database.read()`) and the context manager commits or rolls back.
Callbacks registered with `after_commit` run only once the transaction is durable, which is how
side effects (outbox wake-ups) stay out of rolled-back work.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

_AFTER_COMMIT = "seatgate_after_commit"
SQLITE_BUSY_TIMEOUT_MS = 30_000


class Database:
    """An async engine plus the transaction discipline of seatgate.

    SQLite allows one writer: write transactions start with `BEGIN IMMEDIATE` so the write lock is
    taken up front (no lock upgrade deadlocks), and within one process they queue on an asyncio
    lock instead of spinning on SQLite's busy handler. PostgreSQL runs writers concurrently; the
    seat rules serialize per organization with `SELECT ... FOR UPDATE` on the org row.
    """

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine: AsyncEngine = _create_engine(url, pool_size=pool_size)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._sqlite_writer = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A read-write transaction, committed on normal exit and rolled back on error."""
        if self.is_sqlite:
            async with self._sqlite_writer:
                async with self._begin(immediate=True) as conn:
                    yield conn
        else:
            async with self._begin(immediate=False) as conn:
                yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only transaction (a consistent snapshot on both engines)."""
        async with self.engine.connect() as conn:
            await conn.begin()
            try:
                yield conn
            finally:
                await conn.rollback()

    @asynccontextmanager
    async def _begin(self, *, immediate: bool) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            if immediate:
                conn = await conn.execution_options(sqlite_begin="IMMEDIATE")
            callbacks: list[Callable[[], Any]] = []
            conn.info[_AFTER_COMMIT] = callbacks
            try:
                async with conn.begin():
                    yield conn
            finally:
                conn.info.pop(_AFTER_COMMIT, None)
        # Reached only when the block committed.
        for callback in callbacks:
            callback()

    async def dispose(self) -> None:
        await self.engine.dispose()


def after_commit(conn: AsyncConnection, callback: Callable[[], Any]) -> None:
    """Run `callback` once the transaction `conn` belongs to has committed (never on rollback)."""
    conn.info[_AFTER_COMMIT].append(callback)


def _create_engine(url: str, *, pool_size: int) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _configure_sqlite(engine: AsyncEngine) -> None:
    # The pysqlite driver's own transaction handling is switched off so that the BEGIN emitted
    # below is the only one: SQLAlchemy's documented recipe for SQLite transaction control.
    @sa.event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @sa.event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")
