"""Per-token request rate limiting: a leaky bucket per SCIM bearer token, on aiolimiter.

RFC 7644 §3.12 lists 429 among the statuses a service provider may answer ("Too Many
Requests", RFC 6585 §4); the answer carries `Retry-After` so well-behaved clients (Okta and
Entra both honour it) back off. Buckets live in process memory: with several gateway processes
each enforces its own share, which is the usual trade-off for a limiter that costs nothing.

aiolimiter's `AsyncLimiter(burst, burst / rate)` is the token bucket this module used to compute
by hand: up to `burst` requests at once, refilled at `rate` per second. It was chosen over
`limits`, which has no token bucket (only fixed, moving and sliding windows of whole seconds, on
the wall clock, with a timer thread restarted every 10 ms while in use) and costs more: per
admitted check 2.0-2.3 µs of CPU with aiolimiter, 3.0 µs with limits' moving window, 1.2 µs
for the hand-written bucket (`python -m tests.bench.rate_limiter`; docs/benchmarks.md). The
0.9 µs it adds is 0.03% of a POST /Users (about 3.2 ms of server CPU). What stays here: the
digest keys, the bound on the number of buckets and the Retry-After, which aiolimiter does not
compute (it waits instead of refusing).
"""

import hashlib
import math

from aiolimiter import AsyncLimiter


class RateLimiter:
    """`rate` requests per second per token, and up to `burst` at once."""

    def __init__(self, rate: float, burst: int, *, max_buckets: int = 10_000) -> None:
        if rate <= 0:
            raise ValueError("a rate limit needs a positive rate")
        self.rate = rate
        self.burst = max(1, burst)
        # Once refused, a request fits again when one request's share has drained, at most
        # 1 / rate seconds later; whole seconds, at least 1 (RFC 9110 §10.2.3).
        self.retry_after = str(max(1, math.ceil(1 / rate)))
        self._max_buckets = max_buckets
        self._buckets: dict[str, AsyncLimiter] = {}

    async def admit(self, token: str) -> bool:
        """Take one request's capacity for `token`; False: refused, answer 429."""
        # Keyed by a digest so the process does not hold bearer tokens it no longer needs.
        key = hashlib.sha256(token.encode()).hexdigest()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_buckets:
                # Forget idle callers rather than grow without bound.
                self._buckets.clear()
            bucket = self._buckets[key] = AsyncLimiter(self.burst, self.burst / self.rate)
        if not bucket.has_capacity():
            return False
        # Never waits: the capacity is there, and nothing can take it before this returns.
        await bucket.acquire()
        return True
