"""Seat capacity: the per-org seat lock (which first settles whatever fell due), immediate and
scheduled capacity changes, and auto_expand growth.

- An admin raise applies at once and promotes waiting members; an admin cut below usage is
  refused (`CannotReduceBelowUsage`) - such a cut can only be scheduled.
- A scheduled cut warns the admins at once (`downgrade_pending`, with the numbers) and, at its
  time, demotes the newest seat holders beyond capacity (`downgrade_enforced`). One change is
  scheduled per org at a time: a new schedule supersedes the previous one.
- Billing sets capacity with `apply_capacity` (now, enforcing a cut) and
  `schedule_capacity_change(..., source="billing")` (at the period end).
- Under auto_expand, `expand` grows the seat limit; its `CapacityChanged` event queues the
  `billing_push` outbox message (seats/event_log.py).
"""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import alerts, event_log, occupancy, rules
from seats.alerts import AlertKind
from seats.clock import new_id, utcnow
from seats.errors import CannotReduceBelowUsage, InvalidValue, NotFound
from seats.event_log import BILLING_PUSH
from seats.events import CapacityChanged
from seats.model import Org, SeatPolicy
from seats.orgs import lock_org, validate_seat_number
from seats.storage import capacity_store
from seats.storage.capacity_store import APPLIED, CANCELED, SCHEDULED, CapacityChange

__all__ = ["BILLING_PUSH", "SCHEDULED", "CapacityChange"]


async def lock_for_seats(conn: AsyncConnection, org_id: str, *, now: datetime | None = None) -> Org:
    """Take the org lock, then settle what fell due (invite expiry, scheduled changes), so
    that every seat decision sees the capacity and usage of this moment."""
    org, _ = await lock_for_new_member(conn, org_id, now=now)
    return org


async def lock_for_new_member(
    conn: AsyncConnection, org_id: str, *, now: datetime | None = None
) -> tuple[Org, rules.Usage | None]:
    """`lock_for_seats`, and the seat usage when the locking statement could tell, saving a
    create its count of seats (or, without a limit, its probe for an invite to take over);
    None means ask (`occupancy.usage`)."""
    now = now or utcnow()
    locked = await capacity_store.lock_and_find_due(conn, org_id, now=now)
    org = locked.org
    if not locked.anything_due:
        return org, locked.usage
    expired = await occupancy.expire_due_invites(conn, org_id, now=now)
    due = [c for c in await list_scheduled(conn, org_id) if c.effective_at <= now]
    for change in due:
        org = await _apply(
            conn,
            org,
            change.new_capacity,
            source="schedule",
            actor="schedule",
            now=now,
            change=change,
        )
    if expired and not due and await occupancy.promote_waiting(conn, org_id, actor="system"):
        await occupancy.sync_episode(conn, org_id)
    # What was settled may have ended invites: the lock's answer no longer stands.
    return org, None


async def change_capacity(
    conn: AsyncConnection,
    org_id: str,
    seat_limit: int | None,
    *,
    actor: str,
    now: datetime | None = None,
) -> Org:
    """An admin sets capacity now: a raise promotes waiting members, a cut below usage is
    refused with the counts."""
    validate_seat_number("seat_limit", seat_limit, allow_null=True)
    org = await lock_for_seats(conn, org_id, now=now)
    if seat_limit is not None:
        counts = await occupancy.usage(conn, org_id, now=now)
        if seat_limit < counts.used:
            raise CannotReduceBelowUsage(
                f"cannot set the seat limit to {seat_limit}: {counts.used} seats are in use "
                f"({counts.active} active members, {counts.pending_invites} pending invites); "
                "deactivate members or revoke invites first, or schedule the cut for a later "
                "time (POST /orgs/{id}/capacity-changes)",
                requested=seat_limit,
                capacity=org.seat_limit,
                used=counts.used,
                active=counts.active,
                pending_invites=counts.pending_invites,
                over_limit=counts.over_limit,
            )
    return await _apply(conn, org, seat_limit, source="admin", actor=actor, now=now or utcnow())


async def apply_capacity(
    conn: AsyncConnection,
    org_id: str,
    capacity: int | None,
    *,
    actor: str = "billing",
    now: datetime | None = None,
) -> Org:
    """Set capacity now, enforcing a cut: the newest seat holders beyond it become over_limit
    (for billing, whose word on capacity is final)."""
    validate_seat_number("capacity", capacity, allow_null=True)
    org = await lock_for_seats(conn, org_id, now=now)
    return await _apply(conn, org, capacity, source="billing", actor=actor, now=now or utcnow())


async def schedule_capacity_change(
    conn: AsyncConnection,
    org_id: str,
    capacity: int | None,
    *,
    effective_at: datetime,
    actor: str,
    source: str = "admin",
    now: datetime | None = None,
) -> CapacityChange | None:
    """Schedule capacity for `effective_at`, replacing any change already scheduled.

    A cut warns the admins at once. Scheduling the same change again is a no-op (billing
    webhooks repeat themselves). A time already past applies at once for billing (returns
    None) and is refused for admins, who change capacity now through `change_capacity`.
    """
    validate_seat_number("seat_limit", capacity, allow_null=True)
    if effective_at.tzinfo is None:
        raise InvalidValue("effective_at must carry a timezone, e.g. 2030-01-31T00:00:00Z")
    now = now or utcnow()
    org = await lock_for_seats(conn, org_id, now=now)
    if effective_at <= now:
        if source == "admin":
            raise InvalidValue(
                "effective_at must be in the future; to change the seat limit now, "
                "PATCH the org's seat_limit"
            )
        await _apply(conn, org, capacity, source=source, actor=actor, now=now)
        return None
    scheduled = await list_scheduled(conn, org_id)
    for change in scheduled:
        if change.new_capacity == capacity and change.effective_at == effective_at:
            return change
    await _cancel(conn, org_id, scheduled, reason="superseded")
    scheduled_change = CapacityChange(
        id=new_id(),
        org_id=org_id,
        new_capacity=capacity,
        effective_at=effective_at,
        status=SCHEDULED,
        source=source,
        created_at=now,
    )
    await capacity_store.insert_change(conn, scheduled_change)
    if rules.is_cut(org.seat_limit, capacity):
        assert capacity is not None
        counts = await occupancy.usage(conn, org_id, now=now)
        await alerts.raise_alert(
            conn,
            org_id,
            AlertKind.DOWNGRADE_PENDING,
            {
                "change_id": scheduled_change.id,
                "current_capacity": org.seat_limit,
                "new_capacity": capacity,
                "effective_at": effective_at.isoformat(),
                "used": counts.used,
                "over_limit_after": max(counts.used - capacity, 0) + counts.over_limit,
                "to_be_demoted": max(counts.used - capacity, 0),
                "source": source,
            },
            open_=True,
            now=now,
        )
    return scheduled_change


async def cancel_scheduled_change(
    conn: AsyncConnection, org_id: str, change_id: str, *, actor: str
) -> None:
    await lock_for_seats(conn, org_id)
    scheduled = [c for c in await list_scheduled(conn, org_id) if c.id == change_id]
    if not scheduled:
        raise NotFound(f"no scheduled capacity change {change_id} in this organization")
    await _cancel(conn, org_id, scheduled, reason=f"canceled by {actor}")


async def list_scheduled(conn: AsyncConnection, org_id: str) -> list[CapacityChange]:
    return await capacity_store.list_scheduled(conn, org_id)


async def orgs_with_due_work(conn: AsyncConnection, *, now: datetime) -> list[str]:
    """Orgs with a scheduled change or an invite expiry that fell due (for the worker)."""
    return await capacity_store.orgs_with_due_work(conn, now=now)


async def expand(
    conn: AsyncConnection, org_id: str, new_limit: int, *, previous: int | None, actor: str
) -> None:
    """Grow the seat limit (auto_expand); the event log queues the push of the new count to
    billing, and a burst of expansions leaves one message carrying the latest count."""
    await capacity_store.set_seat_limit(conn, org_id, new_limit, now=utcnow())
    event_log.record(conn, CapacityChanged(org_id, new_limit, previous, "auto_expand", actor))


async def expand_for_waiting(conn: AsyncConnection, org_id: str, *, actor: str) -> Org:
    """Under auto_expand, grow capacity (up to max_seats) to seat members waiting over the limit
    (after the policy or max_seats changed)."""
    org = await lock_for_seats(conn, org_id)
    if org.seat_policy is not SeatPolicy.AUTO_EXPAND or org.seat_limit is None:
        return org
    counts = await occupancy.usage(conn, org_id)
    target = counts.used + counts.over_limit
    if org.max_seats is not None:
        target = min(target, org.max_seats)
    if counts.over_limit == 0 or target <= org.seat_limit:
        return org
    await expand(conn, org_id, target, previous=org.seat_limit, actor=actor)
    await occupancy.promote_waiting(conn, org_id, actor=actor)
    await occupancy.sync_episode(conn, org_id)
    return await lock_org(conn, org_id)


async def _apply(
    conn: AsyncConnection,
    org: Org,
    capacity: int | None,
    *,
    source: str,
    actor: str,
    now: datetime,
    change: CapacityChange | None = None,
) -> Org:
    if capacity != org.seat_limit:
        await capacity_store.set_seat_limit(conn, org.id, capacity, now=now)
        event_log.record(conn, CapacityChanged(org.id, capacity, org.seat_limit, source, actor))
    if change is not None:
        await capacity_store.set_status(conn, [change.id], APPLIED)
        pending = await alerts.find_open(conn, org.id, AlertKind.DOWNGRADE_PENDING)
        if pending is not None:
            await alerts.close(conn, pending, applied_at=now.isoformat())
    counts = await occupancy.usage(conn, org.id, now=now)
    if capacity is not None and counts.used > capacity:
        demoted, revoked = await occupancy.demote_newest(
            conn, org.id, counts.used - capacity, actor=actor, now=now
        )
        await alerts.raise_alert(
            conn,
            org.id,
            AlertKind.DOWNGRADE_ENFORCED,
            {
                "change_id": change.id if change else None,
                "previous_capacity": org.seat_limit,
                "new_capacity": capacity,
                "demoted": len(demoted),
                "demoted_member_ids": demoted[:100],
                "revoked_invites": len(revoked),
                "over_limit": counts.over_limit + len(demoted),
            },
            now=now,
        )
    else:
        await occupancy.promote_waiting(conn, org.id, actor=actor)
    await occupancy.sync_episode(conn, org.id)
    return await lock_org(conn, org.id)


async def _cancel(
    conn: AsyncConnection, org_id: str, changes: list[CapacityChange], *, reason: str
) -> None:
    if not changes:
        return
    await capacity_store.set_status(conn, [c.id for c in changes], CANCELED)
    pending = await alerts.find_open(conn, org_id, AlertKind.DOWNGRADE_PENDING)
    if pending is not None:
        await alerts.close(conn, pending, canceled=reason)
