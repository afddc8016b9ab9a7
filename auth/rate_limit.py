"""Throttling of failed authentication: growing backoff per key, never a lockout switch.

The callers key failures by the remote address and by (credential, address), never by a
credential alone: a credential's name is often public (a product client id is the `azp` claim of
every token), so a count kept per client id would let anyone lock the real owner out from
anywhere. Keyed by address, an attacker's failures slow down only the attacker's address, and a
request from another address is never refused because of them.

Once a key has failed `Limit.failures` times within `Limit.window_seconds`, it waits
`first_backoff_seconds` after that failure, and twice as long after each further one, at most
`max_backoff_seconds`. Refused attempts are not counted
(they do not reach the credential check), so hammering does not prolong the wait, and failures
older than the window stop counting: the backoff expires on its own.

IPv6 addresses are keyed by their /64 network (one host usually holds a whole /64). The counts
live in the process: with several gateway processes each enforces its own limit.

This stays hand-written (issue 14 weighed `limits` and aiolimiter): neither expresses a wait
that doubles with each failure, aiolimiter has no window of counted events at all, and `limits`'
moving window could hold the counts but not the latest failure the wait runs from, reads the
wall clock with no way to pass another (the backoff tests move a clock through 900 s windows),
and bounds neither its keys (a spray from many addresses would grow it without limit) nor its
timer thread. What would remain hand-written is most of this module.
"""

import ipaddress
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

# Doubling past this many extra failures would only overflow; the cap applies long before.
_MAX_DOUBLINGS = 30


@dataclass(frozen=True)
class Limit:
    """`failures` within `window_seconds` start a wait that doubles with each further one."""

    failures: int
    window_seconds: float
    first_backoff_seconds: float = 1.0
    # None: the window itself, the longest wait that can still expire with the failures.
    max_backoff_seconds: float | None = None

    def __post_init__(self) -> None:
        if self.failures < 1 or self.window_seconds <= 0 or self.first_backoff_seconds <= 0:
            raise ValueError("a limit needs a free failure, a window and a first backoff")
        if self.max_backoff_seconds is not None and not (
            self.first_backoff_seconds <= self.max_backoff_seconds <= self.window_seconds
        ):
            raise ValueError("the longest backoff lies between the first one and the window")

    def wait_after(self, failures: int) -> float:
        """Seconds to wait after the latest of `failures` failures in the window (0: none)."""
        if failures < self.failures:
            return 0.0
        doublings = min(failures - self.failures, _MAX_DOUBLINGS)
        cap = self.window_seconds if self.max_backoff_seconds is None else self.max_backoff_seconds
        return min(self.first_backoff_seconds * 2**doublings, cap)


class TooManyFailures(Exception):
    """A caller is backing off: it may authenticate again in `retry_after` whole seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed authentications; retry in {retry_after} s")
        self.retry_after = retry_after


class FailureLimiter:
    """Recent failures per key; a key is a kind (a name in `limits`) and a value.

    Callers ask `retry_after` before checking a credential (a refused attempt costs nothing),
    then call `record_failure` or `record_success` with the same keys.
    """

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
        """Whole seconds until every key in `keys` (kind -> value) may try again; None: now."""
        now = self._clock()
        wait = 0.0
        for kind, value in keys.items():
            limit = self._limits[kind]
            stamps = self._recent((kind, value), now, limit)
            if stamps:
                wait = max(wait, stamps[-1] + limit.wait_after(len(stamps)) - now)
        return max(1, math.ceil(wait)) if wait > 0 else None

    def record_failure(self, keys: dict[str, str]) -> None:
        now = self._clock()
        if len(self._failures) >= self._max_keys:
            self._prune(now)
        for kind, value in keys.items():
            limit = self._limits[kind]
            stamps = self._recent((kind, value), now, limit)
            stamps.append(now)
            # Beyond this many the wait is at its cap anyway; older stamps cannot matter.
            while len(stamps) > limit.failures + _MAX_DOUBLINGS:
                stamps.popleft()
            self._failures[(kind, value)] = stamps

    def record_success(self, keys: dict[str, str]) -> None:
        """Forget the failures of `keys`: pass only keys the caller alone controls (the
        credential at this address), never a bare address another caller could share."""
        for kind, value in keys.items():
            self._failures.pop((kind, value), None)

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
        # Still full (an attack from many addresses): forget the oldest entries first.
        while len(self._failures) >= self._max_keys:
            self._failures.pop(next(iter(self._failures)))


def address_key(remote: str | None) -> str:
    """The throttling key of a peer address: IPv4 as is, IPv6 by its /64 network."""
    if not remote:
        return "unknown"
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return remote
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
