"""The mass-deprovisioning guard at the moment an IdP deactivates or deletes a member: let it
through, or hold it for an admin; and what the IdP sees of a held member.

seats/members.py asks `hold_if_mass_deprovisioning` under the org lock, before it writes a
deactivation or deletion that came with guard limits (the SCIM door passes them). A held
member's row is left as it was, so it keeps its seat and its product tokens; it is marked
with the hold (`deprovision_hold_id`) and what the IdP asked for is kept for the admin's
decision (seats/deprovision_holds.py). The first held deprovision opens the hold and raises an
urgent `deprovision_held` alert; later ones join it.

The IdP sees what it asked for: a held deletion is gone (404, in no list or filter); a held
deactivation reads back `active: false` as sent, and the IdP may go on changing it. Its DELETE
turns the held deactivation into a held deletion; its reactivation takes the member out of the
hold (the IdP undid its own mistake), and a hold left empty so closes as rejected.
"""

from dataclasses import asdict, dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import alerts, event_log
from seats.alerts import AlertKind
from seats.clock import new_id, utcnow
from seats.deprovision_rules import (
    GuardLimits,
    allowed_deprovisions,
    counting_caps,
    must_hold,
    never_held_below,
)
from seats.errors import NotFound
from seats.events import DeprovisionHeld, DeprovisionHoldResolved
from seats.model import Member, MemberDraft, Org, SeatStatus
from seats.storage import deprovision_store
from seats.storage.deprovision_store import (
    HeldAction,
    HeldDeprovision,
    Hold,
    HoldState,
    WindowCounts,
)


@dataclass(frozen=True, slots=True)
class GuardReading:
    """What the guard decides with, read with the member under the org lock: the org's limits
    and the window's counts (`member_under_guard`)."""

    limits: GuardLimits
    counts: WindowCounts


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
    reading: GuardReading,
    actor: str,
) -> bool:
    """Whether the deprovision of `before` (deletion when `draft` is None) is held; if so it
    is recorded in the org's open hold. The caller holds the org lock. `reading`: as
    `member_under_guard` read it with `before`, nothing written since."""
    if before.deprovision_hold_id is not None:
        return await _already_held(conn, before, draft, actor=actor)
    if not is_deprovision(before, draft):
        return False
    now = utcnow()
    limits, counts = reading.limits, reading.counts
    hold_id, held = counts.open_hold_id, counts.open_hold_held
    if hold_id is None:
        deprovisioned, remaining = counts.deprovisioned, counts.remaining
        if deprovisioned is None:
            # Fewer deprovisions than any that is held: the store did not count them.
            return False
        if not must_hold(limits, deprovisioned=deprovisioned, remaining=remaining, hold_open=False):
            return False
        hold_id = (await _open(conn, org.id, limits, deprovisioned, remaining, now)).id
    action = HeldAction.DELETE if draft is None else HeldAction.DEACTIVATE
    await deprovision_store.hold_member(
        conn,
        HeldDeprovision(
            member_id=before.id,
            hold_id=hold_id,
            org_id=org.id,
            action=action,
            draft=None if draft is None else asdict(draft),
            actor=actor,
            requested_at=now,
        ),
    )
    event_log.record(conn, DeprovisionHeld(org.id, before.id, hold_id, action.value, actor))
    await _count_in_alert(conn, org.id, held + 1)
    return True


async def as_seen_by_idp(conn: AsyncConnection, member: Member) -> Member | None:
    """The member as its IdP sees it: None while its deletion is held, as the IdP sent it
    while its deactivation is."""
    return (await members_as_seen_by_idp(conn, [member]))[0]


async def members_as_seen_by_idp(
    conn: AsyncConnection, members: list[Member]
) -> list[Member | None]:
    held_ids = [m.id for m in members if m.deprovision_hold_id is not None]
    if not held_ids:
        return list(members)
    held = await deprovision_store.held_for(conn, held_ids)
    return [_as_sent(member, held.get(member.id)) for member in members]


def _as_sent(member: Member, held: HeldDeprovision | None) -> Member | None:
    if held is None:
        return member
    if held.action is HeldAction.DELETE:
        return None
    return replace(member, **(held.draft or {}))


async def _already_held(
    conn: AsyncConnection, before: Member, draft: MemberDraft | None, *, actor: str
) -> bool:
    """A request about a member already held: whether it stays held."""
    held = (await deprovision_store.held_for(conn, [before.id]))[before.id]
    if draft is None:
        # The IdP's DELETE after its deactivation: the hold now deletes the member.
        await deprovision_store.change_action(conn, before.id, HeldAction.DELETE)
        return True
    if held.action is HeldAction.DELETE:
        raise NotFound(f"user {before.id} not found")
    if not draft.active:
        # A change to a user the IdP keeps deactivated: applied on confirm, as sent last.
        await deprovision_store.update_draft(conn, before.id, asdict(draft))
        return True
    # The IdP reactivates the user: it undid its deactivation, which never happened here.
    await deprovision_store.release_member(conn, before.id)
    hold = await deprovision_store.hold_by_id(conn, before.org_id, held.hold_id)
    if hold is not None and hold.held == 0:
        await _close_emptied(conn, hold, actor=actor)
    return False


async def _close_emptied(conn: AsyncConnection, hold: Hold, *, actor: str) -> None:
    now = utcnow()
    await deprovision_store.resolve(conn, hold.id, HoldState.REJECTED, held=0, actor=actor, now=now)
    alert = await alerts.find_open(conn, hold.org_id, AlertKind.DEPROVISION_HELD)
    if alert is not None:
        await alerts.close(conn, alert, resolution="withdrawn", resolved_by=actor)
    event_log.record(
        conn, DeprovisionHoldResolved(hold.org_id, hold.id, HoldState.REJECTED.value, (), actor)
    )


async def open_hold(conn: AsyncConnection, org_id: str) -> Hold | None:
    return await deprovision_store.open_hold(conn, org_id)


async def member_under_guard(
    conn: AsyncConnection,
    org: Org,
    member_id: str,
    *,
    limits: GuardLimits,
    may_deprovision: bool,
) -> tuple[Member | None, GuardReading]:
    """The member by id, with what `hold_if_mass_deprovisioning` decides with: the org's
    limits, and the counts if it is one that can be deprovisioned and the change
    (`may_deprovision`) may do so. One round trip under the org lock instead of two."""
    # The open hold comes with the counts (one statement; none is counted while it is open).
    # A confirmed hold starts a new window (the store's query says so): the admin said those
    # deprovisions were meant.
    limits = limits.for_org(org)
    deprovisioned_cap, remaining_cap = counting_caps(limits)
    member, counts = await deprovision_store.member_and_window_counts(
        conn,
        org.id,
        member_id,
        window_start=utcnow() - limits.window,
        deprovisioned_cap=deprovisioned_cap,
        remaining_cap=remaining_cap,
        uncounted_below=never_held_below(limits),
        may_deprovision=may_deprovision,
    )
    return member, GuardReading(limits, counts)


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
