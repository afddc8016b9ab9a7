"""The event feed, followed by one product consumer while POST /Users runs on seatgate.

The consumer polls `GET /directory/v1/events?after=<cursor>&limit=1000` with the product
client's HTTP Basic credentials, the way a product would: a full page is followed at once by the
next; a short page means it has caught up, and it waits `IDLE_POLL_SECONDS` before asking again.
It starts from the end of the feed as it stands before the creates (set-up events are skipped),
runs alongside each leg of creates, and after each leg reads on until it holds every event the
leg's creates made (2 per create: `member.created` and `member.seat_changed`), so the steps after
the creates are not measured with a consumer still draining.

What it reports: events read per second while the creates ran; its lag when the creates stopped
(events committed and not yet read, and that many seconds of writes at the leg's rate); how long
it took to catch up; and whether it saw every event exactly once, in feed order (positions
strictly increasing, one `member.created` and one `member.seat_changed` for each created user,
nothing else).
"""

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.bench.load import Result

EVENTS = "/directory/v1/events"
PAGE_LIMIT = 1000  # the feed's largest page
IDLE_POLL_SECONDS = 0.2
CATCH_UP_SECONDS = 60.0  # after a leg, the longest the consumer may take to read what is left
PER_CREATE = ("member.created", "member.seat_changed")


@dataclass
class FeedReading:
    """What following the feed showed on one server."""

    read_during_creates: int = 0
    create_seconds: float = 0.0  # wall time of the creates the consumer ran alongside
    page_latencies: list[float] = field(default_factory=list)
    lag_events: int | None = None  # behind the newest when the last leg of creates stopped
    lag_seconds: float | None = None  # that lag in seconds of the last leg's writes
    catch_up_seconds: float | None = None  # from the last leg's end to holding every event
    expected: int = 0  # events the creates made
    seen: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def events_per_second(self) -> float | None:
        if self.create_seconds <= 0:
            return None
        return self.read_during_creates / self.create_seconds

    @property
    def exactly_once(self) -> bool:
        return not self.problems and self.seen == self.expected

    def as_result(self) -> Result:
        """The steps table's row: each page is a request."""
        result = Result(planned=len(self.page_latencies), concurrency=1)
        result.latencies = list(self.page_latencies)
        result.seconds = self.create_seconds
        for problem in self.problems:
            result.fail(problem)
        parts = [f"{self.events_per_second or 0:,.0f} events/s read"]
        if self.lag_events is not None and self.lag_seconds is not None:
            parts.append(f"lag at end {self.lag_events:,} events ({self.lag_seconds:.2f} s)")
        if self.catch_up_seconds is not None:
            parts.append(f"caught up {self.catch_up_seconds:.2f} s later")
        once = "yes" if self.exactly_once else "NO"
        parts.append(f"every event once: {once} ({self.seen:,} of {self.expected:,})")
        result.note = "; ".join(parts)
        return result


class FeedFollower:
    """One consumer of one server's feed, kept across the legs of creates."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self._base_url = base_url
        self._headers = headers
        self._http: aiohttp.ClientSession | None = None
        self._cursor: str | None = None
        self._last_position = 0
        self._types: Counter[str] = Counter()
        self._member_ids: dict[str, Counter[str]] = {kind: Counter() for kind in PER_CREATE}
        self.reading = FeedReading()

    @asynccontextmanager
    async def connected(self) -> AsyncIterator["FeedFollower"]:
        """Its own connection, so it never waits for the load generator's pool."""
        connector = aiohttp.TCPConnector(limit=1)
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(
            self._base_url, connector=connector, timeout=timeout
        ) as http:
            self._http = http
            try:
                while len(await self._poll(count=False)) == PAGE_LIMIT:
                    pass
                yield self
            finally:
                self._http = None

    @asynccontextmanager
    async def alongside(self, created: Callable[[], int]) -> AsyncIterator[None]:
        """Follow the feed while the body (one leg of creates) runs; then read what is left.

        `created()` is the number of users created so far, asked once the body is done.
        """
        stop = asyncio.Event()
        before = self.reading.seen
        started = time.perf_counter()
        poller = asyncio.create_task(self._follow(stop))
        try:
            yield
        finally:
            ended = time.perf_counter()
            seen_at_end = self.reading.seen
            stop.set()
            await poller
        leg_seconds = ended - started
        self.reading.create_seconds += leg_seconds
        self.reading.read_during_creates += seen_at_end - before
        self.reading.expected = len(PER_CREATE) * created()
        leg_events = self.reading.expected - before
        lag = self.reading.expected - seen_at_end
        self.reading.lag_events = lag
        self.reading.lag_seconds = lag / (leg_events / leg_seconds) if leg_events > 0 else 0.0
        await self._catch_up()
        self.reading.catch_up_seconds = time.perf_counter() - ended

    def check(self, created_ids: list[str]) -> None:
        """Every created user's two events once each, and nothing else."""
        reading = self.reading
        wanted = set(created_ids)
        for kind, ids in self._member_ids.items():
            repeated = sum(1 for n in ids.values() if n > 1)
            missing = len(wanted - set(ids))
            stray = len(set(ids) - wanted)
            if repeated or missing or stray:
                reading.problems.append(
                    f"{kind}: {missing:,} users missing, {repeated:,} repeated, {stray:,} unknown"
                )
        others = {kind: n for kind, n in self._types.items() if kind not in PER_CREATE}
        if others:
            reading.problems.append(f"events no create makes: {json.dumps(others)}")

    async def _follow(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            page = await self._poll()
            if len(page) < PAGE_LIMIT:
                try:
                    await asyncio.wait_for(stop.wait(), IDLE_POLL_SECONDS)
                except TimeoutError:
                    pass

    async def _catch_up(self) -> None:
        deadline = time.perf_counter() + CATCH_UP_SECONDS
        while self.reading.seen < self.reading.expected and time.perf_counter() < deadline:
            if len(await self._poll()) < PAGE_LIMIT:
                await asyncio.sleep(IDLE_POLL_SECONDS)
        if self.reading.seen < self.reading.expected:
            self.reading.problems.append(
                f"{self.reading.expected - self.reading.seen:,} events still unread "
                f"{CATCH_UP_SECONDS:.0f} s after the creates"
            )

    async def _poll(self, *, count: bool = True) -> list[dict[str, Any]]:
        """One page after the cursor; the cursor moves to its next_cursor.

        A failed request is a problem noted once per kind, and the poll is retried later from
        the same cursor (nothing is lost by it)."""
        assert self._http is not None, "use `connected()` first"
        params = {"limit": str(PAGE_LIMIT), **({"after": self._cursor} if self._cursor else {})}
        started = time.perf_counter()
        try:
            async with self._http.get(EVENTS, params=params, headers=self._headers) as response:
                body = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._problem(f"GET {EVENTS}: {type(exc).__name__}: {exc}")
            return []
        elapsed = time.perf_counter() - started
        if status != 200:
            self._problem(f"GET {EVENTS}: HTTP {status} {body[:160]!r}")
            return []
        try:
            page = json.loads(body)
            events: list[dict[str, Any]] = page["data"]
            next_cursor = str(page["next_cursor"])
            if count:
                for event in events:
                    self._take(event)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self._problem(f"GET {EVENTS}: not a feed page ({exc!r}): {body[:160]!r}")
            return []
        self._cursor = next_cursor
        if count:
            self.reading.page_latencies.append(elapsed)
        return events

    def _take(self, event: dict[str, Any]) -> None:
        position = int(str(event["id"]).removeprefix("evt_"))
        if position <= self._last_position:
            self._problem(f"event {event['id']} came after evt_{self._last_position}")
        self._last_position = max(self._last_position, position)
        self.reading.seen += 1
        kind = event["type"]
        self._types[kind] += 1
        data = event.get("data") or {}
        if kind == "member.created":
            self._member_ids[kind][str(data.get("id"))] += 1
        elif kind == "member.seat_changed":
            self._member_ids[kind][str(data.get("member_id"))] += 1

    def _problem(self, text: str) -> None:
        if text not in self.reading.problems and len(self.reading.problems) < 5:
            self.reading.problems.append(text[:200])
