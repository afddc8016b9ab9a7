"""seats/storage/failures.py: which errors are storage failures (503, retry later) and which
are not (a conflict, a bug). The failures themselves, end to end, are in
tests/gateway/test_storage_failures*.py."""

import errno
import sqlite3
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import exc as sa_exc

from seats.storage.database import Database
from seats.storage.failures import StorageUnavailable, is_storage_failure


def _sqlalchemy_wrapped(orig: Exception) -> sa_exc.DBAPIError:
    """What SQLAlchemy raises for a driver error: the driver's exception as `orig` and cause."""
    wrapped = sa_exc.DBAPIError.instance("INSERT ...", None, orig, sqlite3.Error)
    wrapped.__cause__ = orig
    return wrapped


def _sqlite_error(path: Path, sql: str, uri: str = "") -> sqlite3.Error:
    connection = sqlite3.connect(f"file:{path}{uri}", uri=True)
    try:
        connection.execute(sql)
    except sqlite3.Error as error:
        return error
    finally:
        connection.close()
    raise AssertionError(f"{sql!r} did not fail")


def test_a_write_to_a_read_only_sqlite_database_is_a_storage_failure(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "db").execute("CREATE TABLE t (x)").connection.close()
    error = _sqlite_error(tmp_path / "db", "INSERT INTO t VALUES (1)", uri="?mode=ro")
    assert is_storage_failure(_sqlalchemy_wrapped(error))


def test_a_full_sqlite_database_is_a_storage_failure(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "db")
    connection.execute("CREATE TABLE t (x)")
    connection.execute(
        f"PRAGMA max_page_count = {connection.execute('PRAGMA page_count').fetchone()[0]}"
    )
    with pytest.raises(sqlite3.OperationalError) as raised:
        connection.execute("INSERT INTO t VALUES (?)", (b"x" * 100_000,))
    connection.close()
    assert raised.value.sqlite_errorcode == sqlite3.SQLITE_FULL
    assert is_storage_failure(_sqlalchemy_wrapped(raised.value))


def test_a_constraint_violation_is_not_a_storage_failure(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "db")
    connection.execute("CREATE TABLE t (x UNIQUE)")
    connection.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.IntegrityError) as raised:
        connection.execute("INSERT INTO t VALUES (1)")
    connection.close()
    assert not is_storage_failure(_sqlalchemy_wrapped(raised.value))


def test_a_syntax_error_is_not_a_storage_failure(tmp_path: Path) -> None:
    error = _sqlite_error(tmp_path / "db", "SELEKT 1")
    assert not is_storage_failure(_sqlalchemy_wrapped(error))


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.DiskFullError("could not extend file"),
        asyncpg.exceptions.TooManyConnectionsError("too many clients"),
        asyncpg.exceptions.ReadOnlySQLTransactionError("read-only transaction"),
        asyncpg.exceptions.LockNotAvailableError("lock timeout"),
        asyncpg.exceptions.QueryCanceledError("statement timeout"),
        asyncpg.exceptions.ConnectionFailureError("connection failure"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_postgresql_outages_and_timeouts_are_storage_failures(error: Exception) -> None:
    assert is_storage_failure(error)
    assert is_storage_failure(_sqlalchemy_wrapped(error))


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
        asyncpg.exceptions.UndefinedTableError("relation does not exist"),
        asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_postgresql_errors_of_the_statement_are_not_storage_failures(error: Exception) -> None:
    assert not is_storage_failure(_sqlalchemy_wrapped(error))


def test_a_lost_connection_is_a_storage_failure() -> None:
    orig = Exception("server closed the connection unexpectedly")
    assert not is_storage_failure(sa_exc.DBAPIError("SELECT 1", None, orig))
    assert is_storage_failure(
        sa_exc.DBAPIError("SELECT 1", None, orig, connection_invalidated=True)
    )


def test_an_exhausted_connection_pool_is_a_storage_failure() -> None:
    assert is_storage_failure(sa_exc.TimeoutError("QueuePool limit reached"))


def test_a_failure_the_readiness_probe_found_is_a_storage_failure() -> None:
    assert is_storage_failure(StorageUnavailable("no room"))


async def test_postgresql_refusing_connections_is_a_storage_failure() -> None:
    database = Database("postgresql+asyncpg://postgres@127.0.0.1:1/postgres")
    try:
        with pytest.raises(OSError) as raised:
            async with database.transaction():
                pass
    finally:
        await database.dispose()
    assert is_storage_failure(raised.value)


def _refuse() -> None:
    raise ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed")


def test_an_os_error_raised_outside_storage_is_not_a_storage_failure() -> None:
    """An HTTP client's refused connection (a webhook receiver down) is not the database's."""
    with pytest.raises(OSError) as raised:
        _refuse()
    assert not is_storage_failure(raised.value)


async def test_an_os_error_inside_a_transaction_block_is_not_a_storage_failure(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'db'}")
    try:
        with pytest.raises(OSError) as raised:
            async with database.transaction():
                _refuse()
    finally:
        await database.dispose()
    assert not is_storage_failure(raised.value)
