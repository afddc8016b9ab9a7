"""An admin's side of the mass-deprovisioning guard: the org's holds, and the decision about
one.

- Confirm: the held deactivations and deletions apply as the IdP asked for them, through the
  member service (their member and seat events, ledger entries, promotions of waiting members),
  with the admin as their actor; a new guard window starts.
- Reject: the members are released as they were (they never lost their seat); SCIM shows them
  again. The IdP still believes it deprovisioned them; it re-sends on its next sync what its
  own configuration then says (docs/deprovisioning-guard.md).

Either way the hold's alert closes, a `deprovision_hold.<state>` event is recorded, and the
audit trail names who decided.
"""

from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import alerts, audit, event_log, members
from seats.clock import utcnow
from seats.errors import Conflict, NotFound
from seats.events import DeprovisionHoldResolved
from seats.model import MemberDraft
from seats.orgs import get_org
from seats.seating import lock_for_seats
from seats.storage import deprovision_store
from seats.storage.deprovision_store import HeldAction, HeldDeprovision, Hold, HoldState

__all__ = ["HeldAction", "HeldDeprovision", "Hold", "HoldState"]

# How many of a hold's deprovisions a read shows; the count is always whole.
SHOWN_HELD = 500


@dataclass(frozen=True)
class HoldDetail:
    hold: Hold
    held: list[HeldDeprovision]


async def list_holds(
    conn: AsyncConnection, org_id: str, *, state: HoldState | None = None
) -> list[Hold]:
    """The org's holds, newest first."""
    await get_org(conn, org_id)
    return await deprovision_store.holds(conn, org_id, state=state)


async def open_hold(conn: AsyncConnection, org_id: str) -> HoldDetail | None:
    """The hold waiting for a decision, if any, with its deprovisions (the console's banner)."""
    hold = await deprovision_store.open_hold(conn, org_id)
    if hold is None:
        return None
    return HoldDetail(hold, await deprovision_store.held_in(conn, hold.id, limit=SHOWN_HELD))


async def get_hold(conn: AsyncConnection, org_id: str, hold_id: str) -> HoldDetail:
    hold = await _find(conn, org_id, hold_id)
    return HoldDetail(hold, await deprovision_store.held_in(conn, hold.id, limit=SHOWN_HELD))


async def confirm_hold(conn: AsyncConnection, org_id: str, hold_id: str, *, actor: str) -> Hold:
    """Apply every deprovision of the open hold, in the order the IdP asked for them."""
    hold, held = await _take_open(conn, org_id, hold_id)
    for item in held:
        if item.action is HeldAction.DELETE:
            await members.delete_member(conn, org_id, item.member_id, actor=actor)
        else:
            draft = MemberDraft(**(item.draft or {}))
            await members.replace_member(conn, org_id, item.member_id, draft, actor=actor)
    return await _resolve(conn, hold, held, HoldState.CONFIRMED, actor=actor)


async def reject_hold(conn: AsyncConnection, org_id: str, hold_id: str, *, actor: str) -> Hold:
    """Release the open hold's members as they were."""
    hold, held = await _take_open(conn, org_id, hold_id)
    return await _resolve(conn, hold, held, HoldState.REJECTED, actor=actor)


async def _find(conn: AsyncConnection, org_id: str, hold_id: str) -> Hold:
    hold = await deprovision_store.hold_by_id(conn, org_id, hold_id)
    if hold is None:
        raise NotFound(f"deprovision hold {hold_id} not found")
    return hold


async def _take_open(
    conn: AsyncConnection, org_id: str, hold_id: str
) -> tuple[Hold, list[HeldDeprovision]]:
    # The org lock first: a deprovision joining the hold meanwhile waits, then opens a new one.
    await lock_for_seats(conn, org_id)
    hold = await _find(conn, org_id, hold_id)
    if hold.state is not HoldState.OPEN:
        raise Conflict(
            f"deprovision hold {hold_id} was already {hold.state.value} by {hold.resolved_by}"
        )
    held = await deprovision_store.held_in(conn, hold.id)
    await deprovision_store.release(conn, hold.id)
    return hold, held


async def _resolve(
    conn: AsyncConnection,
    hold: Hold,
    held: list[HeldDeprovision],
    state: HoldState,
    *,
    actor: str,
) -> Hold:
    now = utcnow()
    await deprovision_store.resolve(conn, hold.id, state, held=len(held), actor=actor, now=now)
    alert = await alerts.find_open(conn, hold.org_id, alerts.AlertKind.DEPROVISION_HELD)
    if alert is not None:
        await alerts.close(conn, alert, resolution=state.value, resolved_by=actor)
    member_ids = tuple(item.member_id for item in held)
    event_log.record(
        conn, DeprovisionHoldResolved(hold.org_id, hold.id, state.value, member_ids, actor)
    )
    await audit.record(
        conn,
        hold.org_id,
        actor=actor,
        action=f"deprovision_hold_{state.value}",
        target=hold.id,
        detail={
            "held": len(held),
            "deleted": sum(item.action is HeldAction.DELETE for item in held),
            "deactivated": sum(item.action is HeldAction.DEACTIVATE for item in held),
        },
    )
    return replace(hold, state=state, resolved_at=now, resolved_by=actor, held=len(held))
