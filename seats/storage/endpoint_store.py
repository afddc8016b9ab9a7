"""SQL of the product's webhook endpoints and their delivery log (tables in event_tables.py).

An endpoint row is also its delivery state: `cursor` (the last event position delivered or
passed over by its filter), the failure streak (`failures`, `failing_since`), when to try next
(`next_attempt_at`), and the lease of the worker delivering it (`claimed_by`, `claimed_until`).
Every write a worker makes while delivering is guarded by its lease: a worker whose lease was
taken back (it ran too long, or the endpoint was replayed) changes nothing and stops.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.storage.event_tables import event_deliveries, event_endpoints

ENABLED = "enabled"
DISABLED = "disabled"


@dataclass(frozen=True)
class Endpoint:
    id: str
    url: str
    org_id: str | None
    types: tuple[str, ...] | None
    state: str
    cursor: int
    failures: int
    failing_since: datetime | None
    next_attempt_at: datetime | None
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime
    # Kept out of repr so that logging an endpoint never prints its signing secret.
    secret: str = field(repr=False)


@dataclass(frozen=True)
class Delivery:
    id: int
    endpoint_id: str
    event_position: int
    attempt: int
    ok: bool
    status_code: int | None
    error: str | None
    latency_ms: float
    at: datetime


async def insert(conn: AsyncConnection, endpoint: Endpoint) -> None:
    await conn.execute(
        event_endpoints.insert().values(
            id=endpoint.id,
            url=endpoint.url,
            org_id=endpoint.org_id,
            types=None if endpoint.types is None else list(endpoint.types),
            secret=endpoint.secret,
            state=endpoint.state,
            cursor=endpoint.cursor,
            failures=endpoint.failures,
            next_attempt_at=endpoint.next_attempt_at,
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
        )
    )


async def get(conn: AsyncConnection, endpoint_id: str) -> Endpoint | None:
    row = (
        (await conn.execute(sa.select(event_endpoints).where(event_endpoints.c.id == endpoint_id)))
        .mappings()
        .first()
    )
    return None if row is None else _to_endpoint(row)


async def list_all(conn: AsyncConnection) -> list[Endpoint]:
    query = sa.select(event_endpoints).order_by(event_endpoints.c.created_at, event_endpoints.c.id)
    return [_to_endpoint(row) for row in (await conn.execute(query)).mappings()]


async def delete(conn: AsyncConnection, endpoint_id: str) -> bool:
    result = await conn.execute(event_endpoints.delete().where(event_endpoints.c.id == endpoint_id))
    return result.rowcount == 1


async def restart(conn: AsyncConnection, endpoint_id: str, *, cursor: int, now: datetime) -> None:
    """Deliver from `cursor` on, enabled, due now; any lease is taken back."""
    await conn.execute(
        event_endpoints.update()
        .where(event_endpoints.c.id == endpoint_id)
        .values(
            cursor=cursor,
            state=ENABLED,
            failures=0,
            failing_since=None,
            next_attempt_at=now,
            disabled_reason=None,
            claimed_by=None,
            claimed_until=None,
            updated_at=now,
        )
    )


async def claim_due(
    conn: AsyncConnection,
    *,
    worker_id: str,
    now: datetime,
    lease: timedelta,
    behind: int,
    limit: int,
) -> list[Endpoint]:
    """Lease to `worker_id` the enabled endpoints that are due, not leased to another worker,
    and whose cursor is before position `behind` (an endpoint at the end of the log has
    nothing to do). Commit before delivering."""
    free = sa.or_(event_endpoints.c.claimed_until.is_(None), event_endpoints.c.claimed_until < now)
    query = (
        sa.select(event_endpoints.c.id)
        .where(
            event_endpoints.c.state == ENABLED,
            event_endpoints.c.next_attempt_at <= now,
            event_endpoints.c.cursor < behind,
            free,
        )
        .order_by(event_endpoints.c.next_attempt_at, event_endpoints.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        # Two gateway processes never lease the same endpoint: each skips the other's rows.
        query = query.with_for_update(skip_locked=True)
    ids = list((await conn.execute(query)).scalars())
    if not ids:
        return []
    await conn.execute(
        event_endpoints.update()
        .where(event_endpoints.c.id.in_(ids))
        .values(claimed_by=worker_id, claimed_until=now + lease)
    )
    rows = await conn.execute(sa.select(event_endpoints).where(event_endpoints.c.id.in_(ids)))
    return [_to_endpoint(row) for row in rows.mappings()]


async def advance(
    conn: AsyncConnection,
    endpoint_id: str,
    *,
    worker_id: str,
    cursor: int,
    now: datetime,
    lease: timedelta | None,
) -> bool:
    """Move the cursor forward to `cursor` and end the failure streak; keep the lease for
    `lease` more (None: release it). False when the lease is no longer this worker's."""
    held = await conn.execute(
        event_endpoints.update()
        .where(event_endpoints.c.id == endpoint_id, event_endpoints.c.claimed_by == worker_id)
        .values(
            cursor=sa.case(
                (event_endpoints.c.cursor < cursor, cursor), else_=event_endpoints.c.cursor
            ),
            failures=0,
            failing_since=None,
            next_attempt_at=now,
            claimed_by=worker_id if lease is not None else None,
            claimed_until=now + lease if lease is not None else None,
            updated_at=now,
        )
    )
    return held.rowcount == 1


async def record_failure(
    conn: AsyncConnection,
    endpoint_id: str,
    *,
    worker_id: str,
    failures: int,
    failing_since: datetime,
    next_attempt_at: datetime | None,
    disabled_reason: str | None,
    now: datetime,
) -> bool:
    """Note a failed attempt and release the lease; with `disabled_reason`, disable the
    endpoint. False when the lease is no longer this worker's."""
    values: dict[str, Any] = {
        "failures": failures,
        "failing_since": failing_since,
        "next_attempt_at": next_attempt_at,
        "claimed_by": None,
        "claimed_until": None,
        "updated_at": now,
    }
    if disabled_reason is not None:
        values.update(state=DISABLED, disabled_reason=disabled_reason)
    held = await conn.execute(
        event_endpoints.update()
        .where(event_endpoints.c.id == endpoint_id, event_endpoints.c.claimed_by == worker_id)
        .values(values)
    )
    return held.rowcount == 1


async def log_delivery(
    conn: AsyncConnection,
    endpoint_id: str,
    *,
    event_position: int,
    attempt: int,
    ok: bool,
    status_code: int | None,
    error: str | None,
    latency_ms: float,
    at: datetime,
) -> None:
    """Log an attempt; nothing when the endpoint was deleted while it was under way."""
    values = {
        "endpoint_id": event_endpoints.c.id,
        "event_id": sa.literal(event_position, event_deliveries.c.event_id.type),
        "attempt": sa.literal(attempt, sa.Integer),
        "ok": sa.literal(ok, sa.Boolean),
        "status_code": sa.literal(status_code, sa.Integer),
        "error": sa.literal(None if error is None else error[:2000], sa.Text),
        "latency_ms": sa.literal(latency_ms, sa.Float),
        "at": sa.literal(at, event_deliveries.c.at.type),
    }
    source = sa.select(*values.values()).where(event_endpoints.c.id == endpoint_id)
    await conn.execute(event_deliveries.insert().from_select(list(values), source))


async def list_deliveries(
    conn: AsyncConnection, endpoint_id: str, *, before: int | None, limit: int
) -> list[Delivery]:
    """Newest first; `before` is the id of the last delivery of the previous page."""
    query = sa.select(event_deliveries).where(event_deliveries.c.endpoint_id == endpoint_id)
    if before is not None:
        query = query.where(event_deliveries.c.id < before)
    rows = await conn.execute(query.order_by(event_deliveries.c.id.desc()).limit(limit))
    return [
        Delivery(
            id=row["id"],
            endpoint_id=row["endpoint_id"],
            event_position=row["event_id"],
            attempt=row["attempt"],
            ok=row["ok"],
            status_code=row["status_code"],
            error=row["error"],
            latency_ms=row["latency_ms"],
            at=row["at"],
        )
        for row in rows.mappings()
    ]


def _to_endpoint(row: Any) -> Endpoint:
    return Endpoint(
        id=row["id"],
        url=row["url"],
        org_id=row["org_id"],
        types=None if row["types"] is None else tuple(row["types"]),
        state=row["state"],
        cursor=row["cursor"],
        failures=row["failures"],
        failing_since=row["failing_since"],
        next_attempt_at=row["next_attempt_at"],
        disabled_reason=row["disabled_reason"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        secret=row["secret"],
    )
