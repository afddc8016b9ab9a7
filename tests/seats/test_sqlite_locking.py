"""SQLite runs on the event loop (seats/storage/inline_sqlite.py): a write transaction that
meets another process's write lock waits without stalling the loop, then goes through."""

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from seats.storage.database import Database
from seats.storage.tables import orgs


@pytest.fixture
def database_path(tmp_path: Path, sqlite_template: Path) -> Path:
    path = tmp_path / "locked.db"
    path.write_bytes(sqlite_template.read_bytes())
    return path


async def test_a_writer_waits_for_another_connections_lock_while_the_loop_keeps_serving(
    database_path: Path,
) -> None:
    path = database_path
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN IMMEDIATE")  # as another process's write transaction would
    threading.Timer(0.5, lambda: holder.execute("COMMIT")).start()

    database = Database(f"sqlite+aiosqlite:///{path}")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    try:
        async with database.transaction() as conn:
            count = (await conn.execute(sa.select(sa.func.count()).select_from(orgs))).scalar()
    finally:
        ticker.cancel()
        await database.dispose()
        holder.close()
    assert count == 0
    # The half second of waiting left the loop free: the ticker ran throughout.
    assert ticks >= 20
