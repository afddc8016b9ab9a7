"""The mass-deprovisioning guard at the moment an IdP deactivates or deletes a member: let it
through, or hold it for an admin.

seats/members.py asks `hold_if_mass_deprovisioning` under the org lock, before it writes a
deactivation or deletion that came with guard limits (the SCIM door passes them). A held
member's row is left as it was, so it keeps its seat and its product tokens; it is marked
with the hold (`deprovision_hold_id`), which hides it from SCIM, and what the IdP asked for is
kept for the admin's decision (seats/deprovision_holds.py). The first held deprovision opens
the hold and raises an urgent `deprovision_held` alert; later ones join it.
"""

from dataclasses import asdict
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import alerts, event_log
from seats.alerts import AlertKind
from seats.clock import new_id, utcnow
from seats.deprovision_rules import GuardLimits, allowed_deprovisions, must_hold
from seats.events import DeprovisionHeld
from seats.model import Member, MemberDraft, Org, SeatStatus
from seats.storage import deprovision_store
from seats.storage.deprovision_store import HeldAction, HeldDeprovision, Hold, HoldState


def is_deprovision(before: Member, draft: MemberDraft | None) -> bool:
    """A deletion (`draft` None) or deactivation of a member that is not deactivated yet."""
    if before.seat_status is SeatStatus.DEACTIVATED:
        return False
    return draft is None or not draft.active


async def hold_if_mass_deprovisioning(
    conn: AsyncConnection,
    org: Org,
    before: Member,
    draft: MemberDraft | None,
    *,
    limits: GuardLimits,
    actor: str,
) -> bool:
    """Whether the deprovision of `before` (deletion when `draft` is None) is held; if so it
    is recorded in the org's open hold. The caller holds the org lock."""
    if before.deprovision_hold_id is not None:
        if draft is None:
            # The IdP's DELETE after its deactivation: the hold now deletes the member.
            await deprovision_store.change_action(conn, before.id, HeldAction.DELETE)
        return True
    if not is_deprovision(before, draft):
        return False
    now = utcnow()
    limits = limits.for_org(org)
    hold = await open_hold(conn, org.id)
    if hold is None:
        deprovisioned, remaining = await _window_counts(conn, org.id, limits, now)
        if not must_hold(limits, deprovisioned=deprovisioned, remaining=remaining, hold_open=False):
            return False
        hold = await _open(conn, org.id, limits, deprovisioned, remaining, now)
    action = HeldAction.DELETE if draft is None else HeldAction.DEACTIVATE
    await deprovision_store.hold_member(
        conn,
        HeldDeprovision(
            member_id=before.id,
            hold_id=hold.id,
            org_id=org.id,
            action=action,
            draft=None if draft is None else asdict(draft),
            actor=actor,
            requested_at=now,
        ),
    )
    event_log.record(conn, DeprovisionHeld(org.id, before.id, hold.id, action.value, actor))
    await _count_in_alert(conn, org.id, hold.held + 1)
    return True


async def open_hold(conn: AsyncConnection, org_id: str) -> Hold | None:
    found = await deprovision_store.holds(conn, org_id, state=HoldState.OPEN, limit=1)
    return found[0] if found else None


async def _window_counts(
    conn: AsyncConnection, org_id: str, limits: GuardLimits, now: datetime
) -> tuple[int, int]:
    # A confirmed hold starts a new window: the admin said those deprovisions were meant.
    since = now - limits.window
    confirmed = await deprovision_store.last_confirmed_at(conn, org_id)
    if confirmed is not None and confirmed > since:
        since = confirmed
    return await deprovision_store.window_counts(conn, org_id, since=since)


async def _open(
    conn: AsyncConnection,
    org_id: str,
    limits: GuardLimits,
    deprovisioned: int,
    remaining: int,
    now: datetime,
) -> Hold:
    hold = Hold(id=new_id(), org_id=org_id, state=HoldState.OPEN, alert_id=None, created_at=now)
    await deprovision_store.insert_hold(conn, hold)
    alert = await alerts.raise_alert(
        conn,
        org_id,
        AlertKind.DEPROVISION_HELD,
        {
            "hold_id": hold.id,
            "held": 0,
            "deprovisioned_in_window": deprovisioned,
            "allowed": allowed_deprovisions(limits, remaining + deprovisioned),
            "window_seconds": int(limits.window.total_seconds()),
        },
        open_=True,
        now=now,
    )
    await deprovision_store.set_alert(conn, hold.id, alert.id)
    return hold


async def _count_in_alert(conn: AsyncConnection, org_id: str, held: int) -> None:
    # The alert's message reads the alert when it is sent: the count it tells is current.
    alert = await alerts.find_open(conn, org_id, AlertKind.DEPROVISION_HELD)
    if alert is not None:
        await alerts.update_details(conn, alert, {**alert.details, "held": held}, notify=False)
