"""When each SCIM token was last used (scim_tokens.last_used_at), so that an org's admins can
tell a connected IdP from a forgotten token.

A request only notes its token: the write happens in a background task, at most once a
minute per token in each gateway process, so authenticating stays a dictionary lookup and the
database sees one small update per token per minute however busy the IdP is. The time shown is
therefore up to a minute old; a failed write is logged and tried again a minute later.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable

from auth.secrets import digest
from auth.storage import scim_token_store
from seats.clock import utcnow
from seats.storage.database import Database

log = logging.getLogger("seatgate.auth")


class TokenUsage:
    def __init__(
        self,
        database: Database,
        *,
        every_seconds: float = 60.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._database = database
        self._every = every_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._written: dict[str, float] = {}  # token digest -> when its use was last written
        self._writes: set[asyncio.Task[None]] = set()

    def seen(self, token: str) -> None:
        """Note that `token` authenticated a request now (call it on the event loop)."""
        key = digest(token)
        now = self._clock()
        last = self._written.get(key)
        if last is not None and now - last < self._every:
            return
        if len(self._written) >= self._max_entries:
            self._written.clear()
        self._written[key] = now
        write = asyncio.get_running_loop().create_task(self._write(key))
        self._writes.add(write)
        write.add_done_callback(self._writes.discard)

    async def settle(self) -> None:
        """Wait for the writes under way (tests, and shutdown)."""
        while self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)

    async def lifecycle(self, _app: object) -> AsyncIterator[None]:
        """A cleanup context: writes under way finish before the database closes."""
        yield
        await self.settle()

    async def _write(self, key: str) -> None:
        try:
            async with self._database.transaction() as conn:
                await scim_token_store.mark_used(conn, key, at=utcnow())
        except Exception:
            # Losing one "last used" time is harmless; a request a minute on tries again.
            log.warning("could not record a SCIM token's last use", exc_info=True)
