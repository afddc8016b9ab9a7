"""The seat summary of an organization: capacity, what is used and by whom, what is waiting,
and the capacity change scheduled next (read-only)."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats import capacity, occupancy
from seats.clock import utcnow
from seats.model import SeatPolicy, SeatStatus
from seats.orgs import get_org
from seats.storage.tables import members


@dataclass(frozen=True)
class SeatSummary:
    capacity: int | None
    used: int
    available: int | None  # None: unlimited
    over_limit: int
    pending_invites: int
    exempt: int  # exempt members that are not deactivated
    active: int  # counted (non-exempt) active members
    deactivated: int
    seat_policy: SeatPolicy
    max_seats: int | None
    scheduled_changes: list[capacity.CapacityChange]


async def seat_summary(
    conn: AsyncConnection, org_id: str, *, now: datetime | None = None
) -> SeatSummary:
    org = await get_org(conn, org_id)
    counts = await occupancy.usage(conn, org_id, now=now or utcnow())
    exempt = (
        await conn.execute(
            sa.select(sa.func.count())
            .select_from(members)
            .where(members.c.org_id == org_id, members.c.exempt.is_(True))
            .where(members.c.seat_status != SeatStatus.DEACTIVATED.value)
        )
    ).scalar_one()
    deactivated = (
        await conn.execute(
            sa.select(sa.func.count())
            .select_from(members)
            .where(members.c.org_id == org_id)
            .where(members.c.seat_status == SeatStatus.DEACTIVATED.value)
        )
    ).scalar_one()
    return SeatSummary(
        capacity=org.seat_limit,
        used=counts.used,
        available=None if org.seat_limit is None else max(org.seat_limit - counts.used, 0),
        over_limit=counts.over_limit,
        pending_invites=counts.pending_invites,
        exempt=exempt,
        active=counts.active,
        deactivated=deactivated,
        seat_policy=org.seat_policy,
        max_seats=org.max_seats,
        scheduled_changes=await capacity.list_scheduled(conn, org_id),
    )
