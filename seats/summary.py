"""The seat summary of an organization: capacity, what is used and by whom, what is waiting,
and the capacity change scheduled next (read-only)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import capacity, occupancy
from seats.clock import utcnow
from seats.model import SeatPolicy
from seats.orgs import get_org
from seats.storage.summary_store import uncounted_members


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
    uncounted = await uncounted_members(conn, org_id)
    return SeatSummary(
        capacity=org.seat_limit,
        used=counts.used,
        available=None if org.seat_limit is None else max(org.seat_limit - counts.used, 0),
        over_limit=counts.over_limit,
        pending_invites=counts.pending_invites,
        exempt=uncounted.exempt,
        active=counts.active,
        deactivated=uncounted.deactivated,
        seat_policy=org.seat_policy,
        max_seats=org.max_seats,
        scheduled_changes=await capacity.list_scheduled(conn, org_id),
    )
