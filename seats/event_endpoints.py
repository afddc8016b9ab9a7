"""The product's webhook endpoints for the event feed: what an operator does with them (create,
list, get, delete, replay, read the delivery log) and the steps a worker takes to deliver
(claim, read the next events, note a success or a failure).

Delivery is at least once and in order per endpoint: an endpoint's cursor moves past an event
only after the receiver answered 2xx, and a failure stops at that event until it succeeds (with
exponential backoff). An endpoint failing without a break for longer than
`DeliveryPolicy.disable_after` is disabled, and when it belongs to an org its admins are alerted
(`event_endpoint_disabled`); a replay enables it again. A new endpoint starts at the end of the
log: it gets the events committed from then on, not the history (replay reaches back).

Sending is not here (seats speaks no HTTP): gateway/event_delivery.py does it with these steps.
"""

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import alerts, feed
from seats.alerts import AlertKind
from seats.clock import new_id, utcnow
from seats.errors import CursorExpired, InvalidValue, NotFound
from seats.orgs import get_org
from seats.outbox import backoff
from seats.storage import endpoint_store, event_store
from seats.storage.endpoint_store import DISABLED, ENABLED, Delivery, Endpoint
from seats.storage.event_store import StoredEvent
from seats.webhook_urls import refuse_private_host

__all__ = ["DISABLED", "ENABLED", "Delivery", "DeliveryPolicy", "Endpoint"]

MAX_URL_LENGTH = 2000
_SECRET_BYTES = 32


@dataclass(frozen=True)
class DeliveryPolicy:
    # A lease outlives one request by far; it is renewed after each delivered event.
    lease: timedelta = timedelta(minutes=1)
    first_retry: timedelta = timedelta(seconds=1)
    max_retry: timedelta = timedelta(hours=1)
    disable_after: timedelta = timedelta(days=3)
    # Events sent per claim before the endpoint goes back to the queue (others get a turn).
    batch_size: int = 100


@dataclass(frozen=True)
class EventBatch:
    """The next events an endpoint should get, and the position it has read up to: past the
    last event when nothing else matched its filter."""

    events: list[StoredEvent]
    through: int


def validate_url(url: object, *, allow_private: bool = False) -> str:
    """An http(s) URL with a host, under seats.webhook_urls' rule unless `allow_private`."""
    if not isinstance(url, str) or not 0 < len(url) <= MAX_URL_LENGTH:
        raise InvalidValue(f"url must be a string of 1 to {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise InvalidValue(
            "url must be an http(s) URL with a host, such as https://example.com/hook; "
            f"got {url[:100]!r}"
        )
    if not allow_private:
        refuse_private_host(url, field="url")
    return url


async def create_endpoint(
    conn: AsyncConnection,
    *,
    url: object,
    org_id: str | None = None,
    types: Sequence[str] | None = None,
    now: datetime | None = None,
    allow_private_url: bool = False,
) -> Endpoint:
    """A new enabled endpoint with a fresh signing secret, starting at the end of the log."""
    now = now or utcnow()
    checked_url = validate_url(url, allow_private=allow_private_url)
    if types is not None and not types:
        raise InvalidValue("types must name at least one event type; leave it out for all")
    chosen_types = None if types is None else feed.parse_types(types)
    if org_id is not None:
        await get_org(conn, org_id)
    # Events committed after this read get higher positions, so none falls between the cursor
    # and the endpoint's first delivery (seats/storage/event_store.py).
    start = (await event_store.horizon(conn)).last
    endpoint = Endpoint(
        id=new_id(),
        url=checked_url,
        org_id=org_id,
        types=chosen_types,
        state=ENABLED,
        cursor=start,
        failures=0,
        failing_since=None,
        next_attempt_at=now,
        disabled_reason=None,
        created_at=now,
        updated_at=now,
        secret="whsec_" + base64.b64encode(secrets.token_bytes(_SECRET_BYTES)).decode(),
    )
    await endpoint_store.insert(conn, endpoint)
    return endpoint


async def list_endpoints(conn: AsyncConnection) -> list[Endpoint]:
    return await endpoint_store.list_all(conn)


async def get_endpoint(conn: AsyncConnection, endpoint_id: str) -> Endpoint:
    endpoint = await endpoint_store.get(conn, endpoint_id)
    if endpoint is None:
        raise NotFound(f"event endpoint {endpoint_id} does not exist")
    return endpoint


async def delete_endpoint(conn: AsyncConnection, endpoint_id: str) -> None:
    if not await endpoint_store.delete(conn, endpoint_id):
        raise NotFound(f"event endpoint {endpoint_id} does not exist")


async def replay(
    conn: AsyncConnection, endpoint_id: str, *, after: int, now: datetime | None = None
) -> Endpoint:
    """Deliver again every matching event after position `after`, now, and enable the endpoint.

    A worker delivering the endpoint at this moment loses its lease and stops after the
    request under way, so the replay's order is the one the receiver sees from then on."""
    now = now or utcnow()
    await get_endpoint(conn, endpoint_id)
    horizon = await event_store.horizon(conn)
    if after < horizon.pruned_through:
        raise CursorExpired(
            f"events after {feed.event_id(after)} are past the retention window and were pruned",
            oldest=feed.event_id(horizon.pruned_through),
        )
    if after > horizon.last:
        raise InvalidValue(
            f"{feed.event_id(after)} is ahead of the newest event ({feed.event_id(horizon.last)})"
        )
    await endpoint_store.restart(conn, endpoint_id, cursor=after, now=now)
    return await get_endpoint(conn, endpoint_id)


async def list_deliveries(
    conn: AsyncConnection, endpoint_id: str, *, before: int | None = None, limit: int = 100
) -> list[Delivery]:
    """The endpoint's delivery attempts, newest first, older than delivery `before`."""
    await get_endpoint(conn, endpoint_id)
    return await endpoint_store.list_deliveries(conn, endpoint_id, before=before, limit=limit)


async def claim_due(
    conn: AsyncConnection, *, worker_id: str, now: datetime, policy: DeliveryPolicy, limit: int
) -> list[Endpoint]:
    """Lease to `worker_id` the endpoints that are due and have events to read."""
    horizon = await event_store.horizon(conn)
    return await endpoint_store.claim_due(
        conn,
        worker_id=worker_id,
        now=now,
        lease=policy.lease,
        behind=horizon.last,
        limit=limit,
    )


async def next_events(conn: AsyncConnection, endpoint: Endpoint, *, limit: int) -> EventBatch:
    """Up to `limit` events after the endpoint's cursor that match its org and types."""
    horizon = await event_store.horizon(conn)
    found = await event_store.read_after(
        conn,
        endpoint.cursor,
        through=horizon.last,
        limit=limit,
        org_ids=None if endpoint.org_id is None else [endpoint.org_id],
        types=endpoint.types,
    )
    through = found[-1].position if len(found) == limit else horizon.last
    return EventBatch(found, through)


async def delivered(
    conn: AsyncConnection,
    endpoint: Endpoint,
    event: StoredEvent,
    *,
    attempt: int,
    status_code: int | None,
    latency_ms: float,
    worker_id: str,
    now: datetime,
    policy: DeliveryPolicy,
) -> bool:
    """The receiver took `event`: log it and move the cursor past it. False when the lease was
    lost (stop delivering this endpoint)."""
    await endpoint_store.log_delivery(
        conn,
        endpoint.id,
        event_position=event.position,
        attempt=attempt,
        ok=True,
        status_code=status_code,
        error=None,
        latency_ms=latency_ms,
        at=now,
    )
    return await endpoint_store.advance(
        conn, endpoint.id, worker_id=worker_id, cursor=event.position, now=now, lease=policy.lease
    )


async def caught_up(
    conn: AsyncConnection, endpoint: Endpoint, *, through: int, worker_id: str, now: datetime
) -> None:
    """Everything up to `through` was delivered or did not match: release the lease there."""
    await endpoint_store.advance(
        conn, endpoint.id, worker_id=worker_id, cursor=through, now=now, lease=None
    )


async def failed(
    conn: AsyncConnection,
    endpoint: Endpoint,
    event: StoredEvent,
    *,
    attempt: int,
    status_code: int | None,
    error: str,
    latency_ms: float,
    worker_id: str,
    now: datetime,
    policy: DeliveryPolicy,
) -> bool:
    """The receiver did not take `event`: log it, back off, and disable the endpoint once it
    has been failing for longer than the policy allows (then True)."""
    await endpoint_store.log_delivery(
        conn,
        endpoint.id,
        event_position=event.position,
        attempt=attempt,
        ok=False,
        status_code=status_code,
        error=error,
        latency_ms=latency_ms,
        at=now,
    )
    # A first attempt starts a streak; a later one (only ever the claim's first event)
    # continues the streak the endpoint was claimed with.
    since = endpoint.failing_since if attempt > 1 and endpoint.failing_since else now
    reason = None
    if now - since > policy.disable_after:
        reason = (
            f"deliveries failed without a break since {since.isoformat()} ({attempt} attempts "
            f"at {feed.event_id(event.position)}); last error: {error[:500]}"
        )
    held = await endpoint_store.record_failure(
        conn,
        endpoint.id,
        worker_id=worker_id,
        failures=attempt,
        failing_since=since,
        next_attempt_at=None
        if reason
        else now + backoff(attempt, base=policy.first_retry, cap=policy.max_retry),
        disabled_reason=reason,
        now=now,
    )
    if held and reason is not None and endpoint.org_id is not None:
        await alerts.raise_alert(
            conn,
            endpoint.org_id,
            AlertKind.EVENT_ENDPOINT_DISABLED,
            {
                "endpoint_id": endpoint.id,
                "url": endpoint.url,
                "reason": reason,
                "failing_since": since.isoformat(),
                # Replaying from here resumes where delivery stopped.
                "resume_after": feed.event_id(event.position - 1),
            },
            now=now,
        )
    return held and reason is not None
