"""Group commit on SQLite (seats/storage/group_commit.py): a write transaction returns only
after an fsync of the WAL that began after its COMMIT, and concurrent commits share fsyncs."""

import asyncio
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from seats.orgs import create_org
from seats.storage.database import Database, after_commit
from seats.storage.group_commit import WalSync
from seats.storage.tables import orgs


@pytest.fixture
def database_path(tmp_path: Path, sqlite_template: Path) -> Path:
    path = tmp_path / "group.db"
    path.write_bytes(sqlite_template.read_bytes())
    return path


@dataclass
class Fsyncs:
    """The files fsynced from Python, in order, and the threads that did it (SQLite's own
    syncs happen in C and are not seen)."""

    files: list[str] = field(default_factory=list)
    threads: set[int] = field(default_factory=set)


@pytest.fixture
def wal_fsyncs(monkeypatch: pytest.MonkeyPatch) -> Fsyncs:
    seen = Fsyncs()
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        seen.files.append(os.readlink(f"/proc/self/fd/{fd}"))
        seen.threads.add(threading.get_ident())
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return seen


@pytest.mark.parametrize("busy", [False, True], ids=["alone", "busy"])
async def test_a_lone_commit_fsyncs_on_the_loop_and_a_busy_one_on_a_worker_thread(
    database_path: Path, wal_fsyncs: Fsyncs, busy: bool
) -> None:
    database = Database(f"sqlite+aiosqlite:///{database_path}", busy=lambda: busy)
    try:
        async with database.transaction() as conn:
            await create_org(conn, name="one")
    finally:
        await database.dispose()
    assert len(wal_fsyncs.files) == 1
    on_the_loop = wal_fsyncs.threads == {threading.get_ident()}
    assert on_the_loop is not busy


async def test_concurrent_commits_are_all_kept_and_share_fsyncs(
    database_path: Path, wal_fsyncs: Fsyncs
) -> None:
    # busy: as when the gateway serves other requests meanwhile.
    database = Database(f"sqlite+aiosqlite:///{database_path}", busy=lambda: True)

    async def create(n: int) -> None:
        async with database.transaction() as conn:
            await create_org(conn, name=f"org {n}")

    try:
        await asyncio.gather(*(create(n) for n in range(40)))
        async with database.read() as conn:
            count = (await conn.execute(sa.select(sa.func.count()).select_from(orgs))).scalar()
    finally:
        await database.dispose()
    assert count == 40
    assert set(wal_fsyncs.files) == {f"{database_path}-wal"}
    # Each commit was covered by an fsync; 40 commits needed far fewer than 40.
    assert 1 <= len(wal_fsyncs.files) < 40


async def test_a_commit_waits_for_an_fsync_that_began_after_it(
    database_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (database_path.parent / f"{database_path.name}-wal").write_bytes(b"")
    first_fsync_began = threading.Event()
    first_fsync_may_end = threading.Event()
    fsyncs_begun = 0
    real_fsync = os.fsync

    def slow_first_fsync(fd: int) -> None:
        nonlocal fsyncs_begun
        fsyncs_begun += 1
        if fsyncs_begun == 1:
            first_fsync_began.set()
            first_fsync_may_end.wait(5)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_first_fsync)
    wal = WalSync(str(database_path))
    early = asyncio.create_task(wal.durable())
    assert await asyncio.to_thread(first_fsync_began.wait, 5)
    # This commit came after the running fsync began: that fsync may have missed it.
    late = asyncio.create_task(wal.durable())
    await asyncio.sleep(0.05)
    assert not early.done() and not late.done()
    first_fsync_may_end.set()
    await early
    await late
    assert fsyncs_begun == 2


async def test_after_commit_callbacks_run_once_the_commit_is_durable(
    database_path: Path, wal_fsyncs: Fsyncs
) -> None:
    database = Database(f"sqlite+aiosqlite:///{database_path}")
    fsyncs_seen_by_callback: list[int] = []
    try:
        async with database.transaction() as conn:
            await create_org(conn, name="durable")
            after_commit(conn, lambda: fsyncs_seen_by_callback.append(len(wal_fsyncs.files)))
    finally:
        await database.dispose()
    assert fsyncs_seen_by_callback == [1]


async def test_a_failed_fsync_reaches_the_caller(
    database_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    database = Database(f"sqlite+aiosqlite:///{database_path}")
    try:
        with pytest.raises(OSError, match="Input/output error"):
            async with database.transaction() as conn:
                await create_org(conn, name="unsure")
    finally:
        await database.dispose()
