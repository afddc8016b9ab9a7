"""The readiness probe: can this process commit a write to its database right now?

`/readyz` (gateway/app.py) answers 503 while this raises. The probe commits a real write through
`Database.transaction()`, so it meets every obstacle a request's write meets: the connection
(PostgreSQL down or restarting, pool exhausted), the write lock, a read-only database, the
commit and its fsync. What it writes is the one row every migrated database has, the Alembic
version, rewritten with its own value: no table of its own, no data changed.

One write of one page does not prove a full disk healthy on SQLite: the write-ahead log reuses
space already allocated, so a tiny commit may fit where a user's insert no longer does. On
SQLite the probe also asks for room to grow, the smaller of the free space on the database's
file system and what `PRAGMA max_page_count` still allows.
"""

import asyncio
import os

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.storage.database import Database
from seats.storage.failures import StorageUnavailable

PROBE_TIMEOUT_SECONDS = 5.0
# Room for a burst of writes before the next checkpoint (SQLite's is at 1000 pages of WAL).
SQLITE_MIN_ROOM_BYTES = 1024 * 1024

_ALEMBIC_VERSION = sa.table("alembic_version", sa.column("version_num"))
_REWRITE_VERSION = sa.update(_ALEMBIC_VERSION).values(version_num=_ALEMBIC_VERSION.c.version_num)


async def check_writable(database: Database) -> None:
    """Return once a write has committed; raise a storage failure (`is_storage_failure`) if
    none can: the driver's own error, or `StorageUnavailable` saying why."""
    room: int | None = None
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
            async with database.transaction() as conn:
                await conn.execute(_REWRITE_VERSION)
                if database.is_sqlite:
                    room = await _sqlite_room_bytes(conn)
    except TimeoutError:
        detail = f"a write did not commit within {PROBE_TIMEOUT_SECONDS:g} s"
        raise StorageUnavailable(detail) from None
    if room is not None and room < SQLITE_MIN_ROOM_BYTES:
        raise StorageUnavailable(
            f"the database has {room} bytes left to grow (at least {SQLITE_MIN_ROOM_BYTES} needed)"
        )


async def _sqlite_room_bytes(conn: AsyncConnection) -> int:
    page_size = await _pragma(conn, "page_size")
    pages_left = await _pragma(conn, "max_page_count") - await _pragma(conn, "page_count")
    room = pages_left * page_size
    path = conn.engine.url.database
    if path and path != ":memory:":
        # The directory: SQLite creates the -wal and -shm files next to the database.
        disk = os.statvfs(os.path.dirname(path) or ".")
        room = min(room, disk.f_bavail * disk.f_frsize)
    return room


async def _pragma(conn: AsyncConnection, name: str) -> int:
    return int((await conn.exec_driver_sql(f"PRAGMA {name}")).scalar_one())
