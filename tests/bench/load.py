"""The load generator: a bounded number of HTTP requests at a fixed concurrency, timed one by one.

Each request is built before its timer starts and checked after it stops, so a latency covers
sending the request and reading the whole response, and nothing the harness does around it.
Every run is bounded twice: by its request count and by a wall-clock limit. A run whose first
requests all fail (an endpoint that does not exist yet, say) stops early instead of hammering
the server with requests that can only fail.
"""

import asyncio
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

# A run stops when this many requests have failed and none has succeeded.
ABORT_AFTER_FAILURES = 20


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    body: bytes | None = None
    params: dict[str, str] | None = None
    headers: dict[str, str] | None = None


# Given the request's index, its status and its body: None when the answer is right, else why not.
Check = Callable[[int, int, bytes], str | None]


@dataclass
class Result:
    """What one step measured on one server."""

    planned: int
    concurrency: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    first_failure: str | None = None
    stopped_by_time: bool = False
    note: str | None = None
    next_index: int = 0  # one past the highest request index sent
    server_cpu: float | None = None  # CPU seconds the server process spent on this run
    client_busy: float = 0.0  # share of the wall time the load generator spent on the CPU

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float | None:
        return self.ok / self.seconds if self.ok and self.seconds > 0 else None

    def percentile_ms(self, q: float) -> float | None:
        if not self.latencies:
            return None
        if q == 50:
            return statistics.median(self.latencies) * 1000
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))] * 1000

    @property
    def server_cpu_ms(self) -> float | None:
        """Server CPU time per request: unlike latency, barely moved by other load on the CPUs."""
        sent = self.ok + self.failures
        if self.server_cpu is None or not self.ok:
            return None
        return self.server_cpu / sent * 1000

    def fail(self, reason: str) -> None:
        self.failures += 1
        if self.first_failure is None:
            self.first_failure = reason[:200]

    def merge(self, other: "Result") -> None:
        """Fold a later run of the same step into this one (creates run in several legs)."""
        self.planned += other.planned
        self.seconds += other.seconds
        self.latencies.extend(other.latencies)
        self.failures += other.failures
        self.first_failure = self.first_failure or other.first_failure
        self.stopped_by_time = self.stopped_by_time or other.stopped_by_time
        if self.server_cpu is not None and other.server_cpu is not None:
            self.server_cpu += other.server_cpu
        self.client_busy = max(self.client_busy, other.client_busy)


def failed(reason: str, concurrency: int = 1) -> Result:
    """A step that could not run at all (its set-up failed)."""
    result = Result(planned=0, concurrency=concurrency)
    result.fail(reason)
    return result


async def run(
    http: aiohttp.ClientSession,
    *,
    count: int,
    concurrency: int,
    make: Callable[[int], Req],
    check: Check,
    time_limit: float,
    first_index: int = 0,
    cpu_clock: Callable[[], float | None] | None = None,
) -> Result:
    """Send requests `make(first_index) .. make(first_index + count - 1)`.

    `cpu_clock` reads the server's CPU time, so the result can say what each request cost it.
    """
    result = Result(planned=count, concurrency=concurrency, next_index=first_index)
    indexes = iter(range(first_index, first_index + count))
    deadline = time.perf_counter() + time_limit

    async def worker() -> None:
        for i in indexes:
            if time.perf_counter() > deadline:
                result.stopped_by_time = True
                return
            if result.failures >= ABORT_AFTER_FAILURES and not result.latencies:
                return
            req = make(i)
            result.next_index = max(result.next_index, i + 1)
            started = time.perf_counter()
            try:
                status, body = await _send(http, req)
            except (aiohttp.ClientError, TimeoutError) as exc:
                result.fail(f"{req.method} {req.path}: {type(exc).__name__}: {exc}")
                continue
            elapsed = time.perf_counter() - started
            problem = check(i, status, body)
            if problem is None:
                result.latencies.append(elapsed)
            else:
                result.fail(f"{req.method} {req.path}: {problem}")

    server_before = cpu_clock() if cpu_clock else None
    client_before = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    if result.seconds > 0:
        result.client_busy = (time.process_time() - client_before) / result.seconds
    server_after = cpu_clock() if cpu_clock else None
    if server_before is not None and server_after is not None:
        result.server_cpu = server_after - server_before
    return result


async def _send(http: aiohttp.ClientSession, req: Req) -> tuple[int, bytes]:
    async with http.request(
        req.method, req.path, data=req.body, params=req.params, headers=req.headers
    ) as response:
        return response.status, await response.read()


def expect(status: int, *, then: Callable[[int, Any], str | None] | None = None) -> Check:
    """A check for an expected status and, optionally, a look at the decoded JSON body."""

    def check(i: int, got: int, body: bytes) -> str | None:
        if got != status:
            return f"HTTP {got} (expected {status}): {body[:160]!r}"
        if then is None:
            return None
        try:
            return then(i, json.loads(body))
        except ValueError:
            return f"the body is not JSON: {body[:160]!r}"

    return check
