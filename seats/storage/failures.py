"""Which exceptions mean "the database cannot serve writes right now" (storage failures).

A storage failure is transient from the client's point of view: the disk is full, the database
is read-only, PostgreSQL is down, restarting or out of connections, a lock or the connection
pool did not become free in time. Nothing was written, and the same request may succeed later,
so the edges answer 503 with `Retry-After` instead of a 500 (gateway/errors.py, scim/errors.py).
Everything else (a constraint violation, a bug) is not one.

`is_storage_failure` is the one classifier. It looks at the whole exception chain, because
SQLAlchemy wraps the driver's error (`DBAPIError.orig`, `__cause__`) and asyncpg's connect
errors reach the caller unwrapped (`ConnectionRefusedError`, `CannotConnectNowError`).
"""

import sqlite3
from collections.abc import Iterator
from types import TracebackType

from sqlalchemy import exc as sa_exc

# How long a client should wait before retrying (the Retry-After of a 503): long enough for a
# PostgreSQL restart or a freed disk, short enough that an IdP's retry finds it back.
RETRY_AFTER_SECONDS = 5

# SQLite primary result codes (the low byte of `sqlite_errorcode`, https://sqlite.org/rescode.html).
_SQLITE_TRANSIENT = {
    5,  # SQLITE_BUSY: another process held the write lock past the wait
    6,  # SQLITE_LOCKED
    8,  # SQLITE_READONLY: read-only file or file system
    10,  # SQLITE_IOERR (and its extended codes)
    13,  # SQLITE_FULL: disk full (or max_page_count reached)
    14,  # SQLITE_CANTOPEN
    15,  # SQLITE_PROTOCOL: the WAL lock protocol failed
}

# PostgreSQL SQLSTATEs (Appendix A of its manual): whole classes, then single conditions.
_POSTGRES_TRANSIENT_CLASSES = {
    "08",  # connection exception
    "53",  # insufficient resources: disk full, out of memory, too many connections
    "58",  # system error: I/O error
}
_POSTGRES_TRANSIENT_STATES = {
    "25006",  # read_only_sql_transaction: a standby, or default_transaction_read_only
    "55P03",  # lock_not_available: lock_timeout
    "57014",  # query_canceled: statement_timeout
    "57P01",  # admin_shutdown: the server is stopping
    "57P02",  # crash_shutdown
    "57P03",  # cannot_connect_now: the server is starting up or shutting down
}

# An OSError counts only when one of these raised it: the same error from an HTTP client
# (aiohttp's ClientOSError is an OSError) is not the database's.
_STORAGE_MODULES = ("sqlalchemy", "asyncpg", "aiosqlite", "sqlite3", "seats.storage")


class StorageUnavailable(Exception):
    """Raised by seatgate itself when it finds storage unable to take writes (the readiness
    probe, seats/storage/readiness.py)."""


def is_storage_failure(exc: BaseException) -> bool:
    """Whether `exc` (or any exception it wraps) is a transient storage failure."""
    return any(_is_transient(link) for link in _chain(exc))


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, StorageUnavailable | sa_exc.TimeoutError):  # TimeoutError: the pool's
        return True
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True  # SQLAlchemy recognised a lost connection (and discarded it from the pool)
    if isinstance(exc, sqlite3.Error):
        return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_TRANSIENT
    sqlstate = getattr(exc, "sqlstate", None)  # asyncpg's errors (duck-typed: no import)
    if isinstance(sqlstate, str):
        return sqlstate[:2] in _POSTGRES_TRANSIENT_CLASSES or sqlstate in _POSTGRES_TRANSIENT_STATES
    if isinstance(exc, OSError):
        return _raised_in_storage(exc.__traceback__)
    return False


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        link = pending.pop()
        if not isinstance(link, BaseException) or id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        pending += [link.__cause__, link.__context__, getattr(link, "orig", None)]


def _raised_in_storage(tb: TracebackType | None) -> bool:
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if module.startswith(_STORAGE_MODULES):
            return True
        tb = tb.tb_next
    return False
