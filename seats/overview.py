"""What an org's admins see first (the console's overview): the seat summary, the capacity cut
scheduled next, and the newest alerts."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import alerts, summary
from seats.alerts import Alert
from seats.capacity import CapacityChange
from seats.model import Org
from seats.orgs import get_org

RECENT_ALERTS = 5


@dataclass(frozen=True)
class Overview:
    org: Org
    seats: summary.SeatSummary
    recent_alerts: list[Alert]

    @property
    def pending_downgrade(self) -> CapacityChange | None:
        """The first scheduled change that lowers the seat limit, if any."""
        current = self.seats.capacity
        for change in self.seats.scheduled_changes:
            lowers = change.new_capacity is not None and (
                current is None or change.new_capacity < current
            )
            if lowers:
                return change
        return None


async def org_overview(conn: AsyncConnection, org_id: str) -> Overview:
    org = await get_org(conn, org_id)
    return Overview(
        org=org,
        seats=await summary.seat_summary(conn, org_id),
        recent_alerts=await alerts.list_alerts(conn, org_id, limit=RECENT_ALERTS),
    )
