"""Throttling of failed client authentication, per client id and per remote address.

Client secrets are 256-bit random values, so guessing is hopeless anyway; the limit keeps a
misconfigured product or a scanner from hammering the database and the logs. The counts live in
the process: with several gateway processes each enforces its own limit (documented).
"""

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    failures: int
    window_seconds: float


class FailureLimiter:
    """Sliding-window count of recent failures per key (e.g. "client:<id>", "addr:<ip>")."""

    def __init__(
        self,
        limits: dict[str, Limit],
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = limits
        self._max_keys = max_keys
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}

    def retry_after(self, keys: dict[str, str]) -> int | None:
        """Seconds until every key in `keys` (kind -> value) may try again; None: allowed now."""
        now = self._clock()
        wait = 0.0
        for kind, value in keys.items():
            limit = self._limits[kind]
            stamps = self._recent((kind, value), now, limit)
            if len(stamps) >= limit.failures:
                # Allowed again when the oldest failure that still counts leaves the window.
                wait = max(wait, stamps[-limit.failures] + limit.window_seconds - now)
        return max(1, math.ceil(wait)) if wait > 0 else None

    def record_failure(self, keys: dict[str, str]) -> None:
        now = self._clock()
        if len(self._failures) >= self._max_keys:
            self._prune(now)
        for kind, value in keys.items():
            limit = self._limits[kind]
            stamps = self._recent((kind, value), now, limit)
            stamps.append(now)
            # Older failures cannot matter once `failures` newer ones exist.
            while len(stamps) > limit.failures:
                stamps.popleft()
            self._failures[(kind, value)] = stamps

    def _recent(self, key: tuple[str, str], now: float, limit: Limit) -> deque[float]:
        stamps = self._failures.get(key, deque())
        while stamps and stamps[0] <= now - limit.window_seconds:
            stamps.popleft()
        if not stamps:
            self._failures.pop(key, None)
        return stamps

    def _prune(self, now: float) -> None:
        for key in list(self._failures):
            self._recent(key, now, self._limits[key[0]])
        # Still full (an attack from many keys): forget the oldest entries first.
        while len(self._failures) >= self._max_keys:
            self._failures.pop(next(iter(self._failures)))
