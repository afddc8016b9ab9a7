"""Group commit for SQLite: one fsync of the write-ahead log makes every commit before it
durable, so commits that finish close together share it.

Connections run with `synchronous=NORMAL`: a COMMIT appends the transaction to the WAL without
waiting for the disk, and checkpoints still sync (the database file can never be corrupted by
a power loss). What NORMAL gives up is the durability of the last commits, and this restores
it: `Database.transaction()` releases the write lock, then waits here until an fsync of the WAL
*that started after its COMMIT* has finished, and only then returns to the caller, who then
answers the client. The fsync runs on a worker thread, so the event loop serves other requests
(and the next writer holds the write lock) meanwhile; all commits made while one fsync runs
wait for the next, which covers them all. A commit with nothing else under way (the caller
says so: `alone`) fsyncs on the event loop instead, as `synchronous=FULL` would: there is
nothing to batch it with or to serve meanwhile, and the thread hop would add about 0.3 ms.

This is what `synchronous=FULL` guarantees (an acknowledged commit survives a power loss), at
one fsync per batch instead of one per commit, off the event loop. What is not waited for:
another request can read a commit before its fsync finishes (it is committed, not yet durable),
as with any group commit.
"""

import asyncio
import os


class WalSync:
    """Batches fsyncs of one SQLite database's write-ahead log."""

    def __init__(self, database_path: str) -> None:
        self._wal_path = database_path + "-wal"
        # The fsync that has not started yet: every commit made now waits for it.
        self._next: asyncio.Future[None] | None = None
        self._syncing: asyncio.Task[None] | None = None

    async def durable(self, *, alone: bool = False) -> None:
        """Return once every commit made before this call is on disk. `alone`: no other work
        is under way that could share the fsync or use the loop meanwhile."""
        if alone and (self._syncing is None or self._syncing.done()):
            self._fsync()
            return
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        waiting = self._next
        if self._syncing is None or self._syncing.done():
            self._syncing = asyncio.create_task(self._sync_until_none_waits())
        # Shielded: a caller that is cancelled does not cancel the fsync others wait for.
        await asyncio.shield(waiting)

    async def _sync_until_none_waits(self) -> None:
        while self._next is not None:
            batch, self._next = self._next, None
            try:
                await asyncio.to_thread(self._fsync)
            except Exception as exc:  # every commit of the batch learns the disk failed
                batch.set_exception(exc)
            else:
                batch.set_result(None)

    def _fsync(self) -> None:
        # Opened for each batch: the WAL file is deleted when the last connection closes and
        # recreated by the next writer, so a descriptor kept open could name a stale file.
        try:
            fd = os.open(self._wal_path, os.O_RDONLY)
        except FileNotFoundError:
            return  # no WAL: the last connection closed and checkpointed it into the database
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
