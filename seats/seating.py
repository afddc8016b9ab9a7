"""The seat rules for members: who takes a seat, who waits over the limit, what happens when a
member stops counting. Called by the member service inside its transaction, under the org lock
(`lock_for_seats`), at the three decision points: creation, reactivation and loss of exemption.

The rules themselves are pure functions in seats/rules.py (`decide`, `is_exempt`, `counted`);
this module reads the counts they need and records what they decided (seat events, from which
the ledger derives; promotions; expansion; the over-limit episode alert).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import capacity, event_log, occupancy
from seats.clock import utcnow
from seats.events import SeatChanged
from seats.identifiers import fold
from seats.ledger import Reason
from seats.model import Member, MemberDraft, Org, SeatStatus
from seats.rules import Usage, counted, decide, is_exempt
from seats.storage import seat_store

# Re-exported: the lock every seat-moving change takes first (a creation, with its answer on
# pending invites).
lock_for_seats = capacity.lock_for_seats
lock_for_new_member = capacity.lock_for_new_member


@dataclass(frozen=True)
class SeatDecision:
    status: SeatStatus
    exempt: bool
    reason: str = Reason.CHANGED
    # The pending invite whose seat the new member takes over.
    invite_id: str | None = None


async def seat_for_new_member(
    conn: AsyncConnection,
    org: Org,
    draft: MemberDraft,
    *,
    member_id: str,
    actor: str,
    seen: Usage | None,
) -> SeatDecision:
    """`seen`: the seat usage as `lock_for_new_member` answered it (None: ask)."""
    exempt = is_exempt(org, draft.user_type)
    if not draft.active:
        return SeatDecision(SeatStatus.DEACTIVATED, exempt, Reason.CREATED)
    if exempt:
        return SeatDecision(SeatStatus.ACTIVE, True, Reason.CREATED)
    if org.seat_limit is None and not await _invites_pending(conn, org, seen):
        # No limit and no invite to hand over: the seat is there, nothing needs counting.
        return SeatDecision(SeatStatus.ACTIVE, False, Reason.CREATED)
    counts = seen or await occupancy.usage(conn, org.id)
    if counts.pending_invites:
        # An invited address provisioned by the IdP takes the seat its invite held.
        keys = sorted({fold(v) for v in (draft.email, draft.user_name) if v and "@" in v})
        invite_id = await occupancy.claim_invite(conn, org.id, keys, member_id=member_id)
        if invite_id is not None:
            return SeatDecision(SeatStatus.ACTIVE, False, Reason.INVITE_ACCEPTED, invite_id)
    return await _ask_for_seat(conn, org, reason=Reason.CREATED, actor=actor, counts=counts)


async def seat_for_changed_member(
    conn: AsyncConnection, org: Org, before: Member, draft: MemberDraft, *, actor: str
) -> SeatDecision:
    exempt = is_exempt(org, draft.user_type)
    if not draft.active:
        reason = Reason.DEACTIVATED
        if before.seat_status is SeatStatus.DEACTIVATED and exempt != before.exempt:
            # Already inactive: what changed is the exemption (as reclassify_exemptions says).
            reason = Reason.EXEMPTION_GAINED if exempt else Reason.EXEMPTION_LOST
        return SeatDecision(SeatStatus.DEACTIVATED, exempt, reason)
    reactivated = before.seat_status is SeatStatus.DEACTIVATED
    if exempt:
        if reactivated:
            return SeatDecision(SeatStatus.ACTIVE, True, Reason.REACTIVATED)
        reason = Reason.CHANGED if before.exempt else Reason.EXEMPTION_GAINED
        return SeatDecision(SeatStatus.ACTIVE, True, reason)
    if not reactivated and not before.exempt:
        # A member that keeps counting, or keeps waiting, keeps its place.
        return SeatDecision(before.seat_status, False, Reason.CHANGED)
    reason = Reason.REACTIVATED if reactivated else Reason.EXEMPTION_LOST
    return await _ask_for_seat(conn, org, reason=reason, actor=actor)


async def after_member_written(
    conn: AsyncConnection,
    org: Org,
    before: Member | None,
    after: Member | None,
    *,
    actor: str,
    decision: SeatDecision | None = None,
) -> None:
    """Record the change in the ledger, promote waiting members if a seat was freed, and keep
    the over-limit episode alert in step."""
    member = after or before
    assert member is not None
    from_status = before.seat_status if before else None
    if decision is not None and decision.invite_id is not None:
        from_status = SeatStatus.PENDING_INVITE
    to_status = after.seat_status if after else None
    exempt_changed = before is not None and after is not None and before.exempt != after.exempt
    if from_status is not to_status or exempt_changed:
        event_log.record(
            conn,
            SeatChanged(
                org.id,
                member.id,
                seat_status=to_status,
                previous_seat_status=from_status,
                reason=decision.reason if decision else _reason(before, after),
                actor=actor,
                invite_id=decision.invite_id if decision else None,
            ),
        )
    promoted: list[str] = []
    if before is not None and counted(before) and (after is None or not counted(after)):
        promoted = await occupancy.promote_into_freed_seat(conn, org, actor=actor)
    if promoted or SeatStatus.OVER_LIMIT in (from_status, to_status):
        await occupancy.sync_episode(conn, org.id)


async def reclassify_exemptions(
    conn: AsyncConnection, org_id: str, *, actor: str, now: datetime | None = None
) -> None:
    """Apply a changed exempt list to every member: those gaining exemption free their seat,
    those losing it ask for one, oldest first."""
    org = await lock_for_seats(conn, org_id, now=now)
    now = now or utcnow()
    for member in await seat_store.members_in_seat_order(conn, org_id):
        exempt = is_exempt(org, member.user_type)
        if exempt == member.exempt:
            continue
        before = member.seat_status
        status = before
        if before is not SeatStatus.DEACTIVATED:
            if exempt:
                status = SeatStatus.ACTIVE
            else:
                reason = Reason.EXEMPTION_LOST
                status = (await _ask_for_seat(conn, org, reason=reason, actor=actor)).status
        await seat_store.set_exemption(conn, member.id, exempt, status, now=now)
        event_log.record(
            conn,
            SeatChanged(
                org_id,
                member.id,
                seat_status=status,
                previous_seat_status=before,
                reason=Reason.EXEMPTION_GAINED if exempt else Reason.EXEMPTION_LOST,
                actor=actor,
            ),
        )
    await occupancy.promote_waiting(conn, org_id, actor=actor)
    await occupancy.sync_episode(conn, org_id)


async def _ask_for_seat(
    conn: AsyncConnection,
    org: Org,
    *,
    reason: str,
    actor: str,
    counts: occupancy.Usage | None = None,
) -> SeatDecision:
    # The capacity is the stored one: an expansion earlier in this transaction is not in `org`.
    counts = counts or await occupancy.usage(conn, org.id)
    status, grow_to = decide(
        used=counts.used, capacity=counts.capacity, policy=org.seat_policy, max_seats=org.max_seats
    )
    if grow_to is not None:
        await capacity.expand(conn, org.id, grow_to, previous=counts.capacity, actor=actor)
        reason = Reason.AUTO_EXPANDED
    return SeatDecision(status, False, reason)


async def _invites_pending(conn: AsyncConnection, org: Org, seen: Usage | None) -> bool:
    if seen is not None:
        return seen.pending_invites > 0
    return await occupancy.has_pending_invites(conn, org.id)


def _reason(before: Member | None, after: Member | None) -> str:
    if before is None:
        return Reason.CREATED
    if after is None:
        return Reason.DELETED
    if not after.active:
        return Reason.DEACTIVATED
    if not before.active:
        return Reason.REACTIVATED
    return Reason.CHANGED
