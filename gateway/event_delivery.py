"""Sending the event feed to the product's webhook endpoints, signed per Standard Webhooks.

Each event is POSTed as `json.dumps(feed_event(event))` with `webhook-id` (the event id, the
same on every retry, so a receiver drops duplicates by it), `webhook-timestamp` and
`webhook-signature` (`standard_headers` of gateway/integrations/webhooks.py, which signs the
alert webhooks too). A pass (`deliver_events`) leases the due endpoints
(seats/event_endpoints.py: two processes never deliver one endpoint at once), sends each one's
next events in order, and stops an endpoint at its first failure, which backs off; it commits
after every event, so a process killed at any point redelivers at most the event it was
sending (at least once, never a gap). `EventDeliveryLoop` runs passes in the gateway's worker,
by poll (`worker_poll_seconds`): events have no wake-up of their own.
"""

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
import structlog
from aiohttp import web

from gateway.config import Settings
from gateway.integrations.webhooks import standard_headers
from gateway.keys import DATABASE, SETTINGS
from gateway.metrics import METRICS, GatewayMetrics
from seats import event_endpoints
from seats.clock import utcnow
from seats.event_endpoints import DeliveryPolicy, Endpoint
from seats.feed import event_id, feed_event
from seats.storage.database import Database
from seats.storage.event_store import StoredEvent

log = logging.getLogger("seatgate.event_delivery")

# How many endpoints one pass leases, and how many it sends to at the same time.
_CLAIM_LIMIT = 50
_CONCURRENCY = 10
_ERROR_BODY_BYTES = 200


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    latency_ms: float

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class PassReport:
    endpoints: int = 0
    delivered: int = 0
    failed: int = 0


def signed_request(secret: str, event: StoredEvent, *, at: datetime) -> tuple[str, dict[str, str]]:
    """The body and headers of one delivery, signed at `at` (wall-clock time)."""
    body = json.dumps(feed_event(event))
    headers = standard_headers(secret, event_id(event.position), body, at=at)
    return body, {"content-type": "application/json", **headers}


class EventPoster:
    """POSTs one signed event with a shared aiohttp session (owned by the caller); failures
    are counted in `metrics` when given."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        timeout_seconds: float,
        metrics: GatewayMetrics | None = None,
    ) -> None:
        self.session = session
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self.metrics = metrics

    async def post(self, endpoint: Endpoint, event: StoredEvent) -> Outcome:
        body, headers = signed_request(endpoint.secret, event, at=utcnow())
        started = time.perf_counter()
        try:
            # A redirect is a failure: following it would turn the POST into a GET elsewhere.
            async with self.session.post(
                endpoint.url,
                data=body.encode(),
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            ) as response:
                status = response.status
                text = (await response.content.read(_ERROR_BODY_BYTES)).decode(errors="replace")
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            self._count_failure("unreachable")
            return Outcome(None, f"unreachable: {exc!r}", _since(started))
        if 200 <= status < 300:
            return Outcome(status, None, _since(started))
        self._count_failure("http_status")
        return Outcome(status, f"HTTP {status}: {text}", _since(started))

    def _count_failure(self, reason: str) -> None:
        if self.metrics is not None:
            self.metrics.event_delivery_failed(reason)


async def deliver_events(
    database: Database,
    poster: EventPoster,
    *,
    policy: DeliveryPolicy,
    now: datetime | None = None,
) -> PassReport:
    """One pass: lease the due endpoints, send each its next events in order. `now` fixes the
    pass's clock for scheduling (tests); signatures always carry the wall-clock time."""
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    worker_id = str(uuid.uuid4())
    async with database.transaction() as conn:
        claimed = await event_endpoints.claim_due(
            conn, worker_id=worker_id, now=clock(), policy=policy, limit=_CLAIM_LIMIT
        )
    if not claimed:
        return PassReport()
    gate = asyncio.Semaphore(_CONCURRENCY)

    async def deliver(endpoint: Endpoint) -> tuple[int, int]:
        # A task of its own (gather): what is logged while delivering names the endpoint.
        structlog.contextvars.bind_contextvars(endpoint_id=endpoint.id, org_id=endpoint.org_id)
        async with gate:
            return await _deliver_endpoint(
                database, poster, endpoint, worker_id=worker_id, clock=clock, policy=policy
            )

    results = await asyncio.gather(*(deliver(e) for e in claimed), return_exceptions=True)
    delivered = failed = 0
    for endpoint, result in zip(claimed, results, strict=True):
        if isinstance(result, BaseException):
            # Its lease runs out and a later pass takes it up again.
            log.error("delivering to event endpoint %s failed", endpoint.id, exc_info=result)
            continue
        delivered += result[0]
        failed += result[1]
    return PassReport(len(claimed), delivered, failed)


async def _deliver_endpoint(
    database: Database,
    poster: EventPoster,
    endpoint: Endpoint,
    *,
    worker_id: str,
    clock: Callable[[], datetime],
    policy: DeliveryPolicy,
) -> tuple[int, int]:
    """Send the endpoint's next events until one fails; (delivered, failed)."""
    async with database.read() as conn:
        batch = await event_endpoints.next_events(conn, endpoint, limit=policy.batch_size)
    # The failure streak belongs to the first event: the one that failed before.
    attempt = endpoint.failures + 1
    sent = 0
    for event in batch.events:
        outcome = await poster.post(endpoint, event)
        async with database.transaction() as conn:
            if not outcome.ok:
                disabled = await event_endpoints.failed(
                    conn,
                    endpoint,
                    event,
                    attempt=attempt,
                    status_code=outcome.status_code,
                    error=outcome.error or "",
                    latency_ms=outcome.latency_ms,
                    worker_id=worker_id,
                    now=clock(),
                    policy=policy,
                )
                log.log(
                    logging.WARNING if disabled else logging.INFO,
                    "event endpoint %s: %s failed (attempt %d)%s: %s",
                    endpoint.id,
                    event_id(event.position),
                    attempt,
                    ", endpoint disabled" if disabled else "",
                    outcome.error,
                )
                return sent, 1
            held = await event_endpoints.delivered(
                conn,
                endpoint,
                event,
                attempt=attempt,
                status_code=outcome.status_code,
                latency_ms=outcome.latency_ms,
                worker_id=worker_id,
                now=clock(),
                policy=policy,
            )
        sent += 1
        if not held:
            # Replayed or deleted meanwhile: whoever holds it now goes on from its cursor.
            return sent, 0
        attempt = 1
    async with database.transaction() as conn:
        await event_endpoints.caught_up(
            conn, endpoint, through=batch.through, worker_id=worker_id, now=clock()
        )
    return sent, 0


class EventDeliveryLoop:
    """Passes one after another while there is work; otherwise one per poll interval."""

    def __init__(
        self,
        database: Database,
        poster: EventPoster,
        *,
        policy: DeliveryPolicy,
        poll_seconds: float,
    ) -> None:
        self.database = database
        self.poster = poster
        self.policy = policy
        self.poll_seconds = poll_seconds

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            report = PassReport()
            try:
                report = await deliver_events(self.database, self.poster, policy=self.policy)
            except Exception:
                # The database may be restarting: keep the loop alive and try again.
                log.exception("event delivery pass failed")
            if report.delivered:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.poll_seconds)


def delivery_policy(settings: Settings) -> DeliveryPolicy:
    return DeliveryPolicy(
        lease=timedelta(seconds=settings.event_delivery_lease_seconds),
        first_retry=timedelta(seconds=settings.event_delivery_retry_seconds),
        max_retry=timedelta(seconds=settings.event_delivery_max_retry_seconds),
        disable_after=timedelta(seconds=settings.event_endpoint_disable_after_seconds),
    )


def install_event_delivery(app: web.Application) -> None:
    """Run event delivery in `app` when `settings.run_worker` (serve and `seatgate worker`)."""
    app.cleanup_ctx.append(_delivery_lifecycle)


async def _delivery_lifecycle(app: web.Application) -> AsyncIterator[None]:
    settings, database = app[SETTINGS], app[DATABASE]
    if not settings.run_worker:
        yield
        return
    session = aiohttp.ClientSession()
    poster = EventPoster(
        session, timeout_seconds=settings.event_delivery_timeout_seconds, metrics=app.get(METRICS)
    )
    loop = EventDeliveryLoop(
        database,
        poster,
        policy=delivery_policy(settings),
        poll_seconds=settings.worker_poll_seconds,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop), name="seatgate-event-delivery")
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, timeout=30)
        await session.close()


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
