"""Per-token request rate limiting: a token bucket per SCIM bearer token.

RFC 7644 §3.12 lists 429 among the statuses a service provider may answer ("Too Many
Requests", RFC 6585 §4); the answer carries `Retry-After` so well-behaved clients (Okta and
Entra both honour it) back off. Buckets live in process memory: with several gateway processes
each enforces its own share, which is the usual trade-off for a limiter that costs nothing.
"""

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`rate` tokens per second refill a bucket holding at most `burst` tokens."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_buckets: int = 10_000,
    ) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._clock = clock
        self._max_buckets = max_buckets
        self._buckets: dict[str, _Bucket] = {}

    def acquire(self, token: str) -> float:
        """Take one token for `token`; 0.0 when allowed, else the seconds to wait."""
        key = hashlib.sha256(token.encode()).hexdigest()
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_buckets:
                # Forget idle callers rather than grow without bound.
                self._buckets.clear()
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        if self.rate <= 0:
            return 60.0
        return (1 - bucket.tokens) / self.rate

    @staticmethod
    def retry_after(wait: float) -> str:
        """The `Retry-After` header value (whole seconds, at least 1; RFC 9110 §10.2.3)."""
        return str(max(1, math.ceil(wait)))
