"""What an org's admins see first (the console's overview): the seat summary, the capacity cut
scheduled next, a mass-deprovisioning hold waiting for a decision, the newest alerts, and the
seats used per day over the last 90 days."""

from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import alerts, deprovision_guard, summary
from seats.alerts import Alert
from seats.capacity import CapacityChange
from seats.clock import utcnow
from seats.model import Org
from seats.orgs import get_org
from seats.storage import ledger_store
from seats.storage.deprovision_store import Hold
from seats.usage_history import DayUsage, first_day, usage_by_day

RECENT_ALERTS = 5


@dataclass(frozen=True)
class Overview:
    org: Org
    seats: summary.SeatSummary
    recent_alerts: list[Alert]
    usage: list[DayUsage]  # oldest first, the last one today
    deprovision_hold: Hold | None = None

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


async def org_overview(
    conn: AsyncConnection, org_id: str, *, now: datetime | None = None
) -> Overview:
    now = now or utcnow()
    org = await get_org(conn, org_id)
    seats = await summary.seat_summary(conn, org_id, now=now)
    return Overview(
        org=org,
        seats=seats,
        recent_alerts=await alerts.list_alerts(conn, org_id, limit=RECENT_ALERTS),
        usage=await usage_history(conn, org_id, used_now=seats.used, now=now),
        deprovision_hold=await deprovision_guard.open_hold(conn, org_id),
    )


async def usage_history(
    conn: AsyncConnection, org_id: str, *, used_now: int, now: datetime
) -> list[DayUsage]:
    """Seats used at the end of each of the last 90 days (UTC), walked back from `used_now`."""
    today = now.astimezone(UTC).date()
    since = datetime.combine(first_day(today), time(), tzinfo=UTC)
    transitions = await ledger_store.transitions_by_day(conn, org_id, since=since)
    return usage_by_day(transitions, used_today=used_now, today=today)
