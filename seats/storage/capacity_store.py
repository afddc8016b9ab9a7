"""SQL of seat capacity: the org's seat limit, scheduled capacity changes, and the org lock
that also asks whether anything fell due."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.model import Org
from seats.rules import Usage
from seats.storage import seat_store
from seats.storage.invite_store import PENDING
from seats.storage.org_store import OrgLock
from seats.storage.tables import UTCDateTime, capacity_changes, invites, orgs

SCHEDULED, APPLIED, CANCELED = "scheduled", "applied", "canceled"


@dataclass(frozen=True)
class CapacityChange:
    id: str
    org_id: str
    new_capacity: int | None
    effective_at: datetime
    status: str
    source: str
    created_at: datetime


# Built once (a statement caches its compiled form): run by every seat-moving change, it
# locks the org and asks whether anything fell due in the same round trip; with nothing due,
# the locked row's counters (members seated and waiting, invites pending) are the usage a
# create decides on.
_LOCK_AND_FIND_DUE = OrgLock(
    sa.exists()
    .where(
        invites.c.org_id == sa.bindparam("org_id"),
        invites.c.status == PENDING,
        invites.c.expires_at <= sa.bindparam("now", type_=UTCDateTime()),
    )
    .label("invites_due"),
    sa.exists()
    .where(
        capacity_changes.c.org_id == sa.bindparam("org_id"),
        capacity_changes.c.status == SCHEDULED,
        capacity_changes.c.effective_at <= sa.bindparam("now", type_=UTCDateTime()),
    )
    .label("changes_due"),
)


@dataclass(frozen=True)
class Locked:
    org: Org
    anything_due: bool  # an invite expiry or a scheduled change
    # The seat usage from the locked org row's counters. On PostgreSQL the row is read after
    # any wait for its lock, so what another transaction committed meanwhile is in it, where a
    # count in the same statement would see the statement's older snapshot. Its invites are
    # those pending, so it stands only while `anything_due` is False (no pending one expired).
    usage: Usage


async def lock_and_find_due(conn: AsyncConnection, org_id: str, *, now: datetime) -> Locked:
    """Lock the org (OrgLock) and say whether an invite expiry or a scheduled change fell due."""
    org, row = await _LOCK_AND_FIND_DUE.take(conn, {"org_id": org_id, "now": now})
    anything_due = bool(row["invites_due"] or row["changes_due"])
    return Locked(org, anything_due, seat_store.usage_of_org_row(row))


async def set_seat_limit(
    conn: AsyncConnection, org_id: str, seat_limit: int | None, *, now: datetime
) -> None:
    await conn.execute(
        orgs.update().where(orgs.c.id == org_id).values(seat_limit=seat_limit, updated_at=now)
    )


async def insert_change(conn: AsyncConnection, change: CapacityChange) -> None:
    await conn.execute(capacity_changes.insert().values(change.__dict__))


async def list_scheduled(conn: AsyncConnection, org_id: str) -> list[CapacityChange]:
    query = (
        sa.select(capacity_changes)
        .where(capacity_changes.c.org_id == org_id, capacity_changes.c.status == SCHEDULED)
        .order_by(capacity_changes.c.effective_at, capacity_changes.c.created_at)
    )
    return [_to_change(row) for row in (await conn.execute(query)).mappings()]


async def set_status(conn: AsyncConnection, change_ids: list[str], status: str) -> None:
    await conn.execute(
        capacity_changes.update().where(capacity_changes.c.id.in_(change_ids)).values(status=status)
    )


async def orgs_with_due_work(conn: AsyncConnection, *, now: datetime) -> list[str]:
    """Orgs with a scheduled change or an invite expiry that fell due."""
    changes = sa.select(capacity_changes.c.org_id).where(
        capacity_changes.c.status == SCHEDULED, capacity_changes.c.effective_at <= now
    )
    expiring = sa.select(invites.c.org_id).where(
        invites.c.status == PENDING, invites.c.expires_at <= now
    )
    result = await conn.execute(sa.union(changes, expiring))
    return sorted({row[0] for row in result})


def _to_change(row: Mapping[str, Any]) -> CapacityChange:
    return CapacityChange(
        id=row["id"],
        org_id=row["org_id"],
        new_capacity=row["new_capacity"],
        effective_at=row["effective_at"],
        status=row["status"],
        source=row["source"],
        created_at=row["created_at"],
    )
