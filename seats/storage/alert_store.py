"""SQL of admin alerts: the alert record and its kinds, insert, find the open one of a kind,
refresh or close one, list an org's, read a delivery's alerts by id.

The life of each kind (when it opens, closes, notifies) is seats/alerts.py's business; writes
happen in the caller's transaction and are never committed here.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.storage.tables import alerts

OPEN = "open"
CLOSED = "closed"


class AlertKind(StrEnum):
    SEAT_LIMIT_REACHED = "seat_limit_reached"
    SEATS_AVAILABLE = "seats_available"
    DOWNGRADE_PENDING = "downgrade_pending"
    DOWNGRADE_ENFORCED = "downgrade_enforced"
    BILLING_SYNC_FAILED = "billing_sync_failed"
    EVENT_ENDPOINT_DISABLED = "event_endpoint_disabled"
    DEPROVISION_HELD = "deprovision_held"


@dataclass(frozen=True)
class Alert:
    id: str
    org_id: str
    kind: AlertKind
    state: str
    details: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


# Built once (a statement caches its compiled form): the over-limit episode asks for its open
# alert on every seat change that moves the over-limit count.
_INSERT = alerts.insert()
_OPEN_OF_KIND = (
    sa.select(alerts)
    .where(alerts.c.org_id == sa.bindparam("org_id"), alerts.c.kind == sa.bindparam("kind"))
    .where(alerts.c.state == OPEN)
    .order_by(alerts.c.created_at.desc())
    .limit(1)
)
_UPDATE = alerts.update().where(alerts.c.id == sa.bindparam("alert_id"))


async def insert(conn: AsyncConnection, alert: Alert) -> None:
    await conn.execute(
        _INSERT,
        {
            "id": alert.id,
            "org_id": alert.org_id,
            "kind": alert.kind.value,
            "state": alert.state,
            "details": alert.details,
            "created_at": alert.created_at,
            "updated_at": alert.updated_at,
            "closed_at": alert.closed_at,
        },
    )


async def find_open(conn: AsyncConnection, org_id: str, kind: AlertKind) -> Alert | None:
    """The newest open alert of `kind`."""
    found = await conn.execute(_OPEN_OF_KIND, {"org_id": org_id, "kind": kind.value})
    row = found.mappings().first()
    return None if row is None else _to_alert(row)


async def update_details(
    conn: AsyncConnection, alert_id: str, details: Mapping[str, Any], *, now: datetime
) -> None:
    await conn.execute(_UPDATE, {"alert_id": alert_id, "details": dict(details), "updated_at": now})


async def close(
    conn: AsyncConnection, alert_id: str, details: Mapping[str, Any], *, now: datetime
) -> None:
    await conn.execute(
        _UPDATE,
        {
            "alert_id": alert_id,
            "state": CLOSED,
            "closed_at": now,
            "updated_at": now,
            "details": dict(details),
        },
    )


async def list_alerts(
    conn: AsyncConnection,
    org_id: str,
    *,
    state: str | None,
    kind: AlertKind | None,
    limit: int,
    offset: int,
) -> list[Alert]:
    """Newest first."""
    query = sa.select(alerts).where(alerts.c.org_id == org_id)
    if state is not None:
        query = query.where(alerts.c.state == state)
    if kind is not None:
        query = query.where(alerts.c.kind == kind.value)
    query = query.order_by(alerts.c.created_at.desc(), alerts.c.id).limit(limit).offset(offset)
    return [_to_alert(row) for row in (await conn.execute(query)).mappings().all()]


async def find_by_ids(conn: AsyncConnection, org_id: str, alert_ids: Sequence[str]) -> list[Alert]:
    """The org's alerts among `alert_ids`, oldest first (ids of other orgs are ignored)."""
    query = (
        sa.select(alerts)
        .where(alerts.c.org_id == org_id, alerts.c.id.in_(list(alert_ids)))
        .order_by(alerts.c.created_at, alerts.c.id)
    )
    return [_to_alert(row) for row in (await conn.execute(query)).mappings().all()]


def _to_alert(row: Mapping[str, Any]) -> Alert:
    return Alert(
        id=row["id"],
        org_id=row["org_id"],
        kind=AlertKind(row["kind"]),
        state=row["state"],
        details=dict(row["details"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        closed_at=row["closed_at"],
    )
