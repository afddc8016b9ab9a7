"""The seat rules: who takes a seat, who waits over the limit, and who is promoted when a seat
frees up. Called by the member service inside its transaction, under the org lock."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.clock import utcnow
from seats.errors import CannotReduceBelowUsage
from seats.model import Member, MemberDraft, Org, SeatStatus
from seats.orgs import lock_org, update_org
from seats.storage.tables import invites, members, seat_ledger


@dataclass(frozen=True)
class SeatDecision:
    status: SeatStatus
    exempt: bool


async def lock_for_seats(conn: AsyncConnection, org_id: str) -> Org:
    return await lock_org(conn, org_id)


def is_exempt(org: Org, user_type: str | None) -> bool:
    return user_type is not None and user_type in org.exempt_user_types


async def count_used(conn: AsyncConnection, org_id: str) -> int:
    """Counted seats: non-exempt active members plus unexpired pending invites."""
    active = (
        await conn.execute(
            sa.select(sa.func.count())
            .select_from(members)
            .where(
                members.c.org_id == org_id,
                members.c.seat_status == SeatStatus.ACTIVE.value,
                members.c.exempt.is_(False),
            )
        )
    ).scalar_one()
    pending = (
        await conn.execute(
            sa.select(sa.func.count())
            .select_from(invites)
            .where(
                invites.c.org_id == org_id,
                invites.c.status == "pending",
                invites.c.expires_at > utcnow(),
            )
        )
    ).scalar_one()
    return active + pending


async def _decide(conn: AsyncConnection, org: Org, draft: MemberDraft) -> SeatDecision:
    if not draft.active:
        return SeatDecision(SeatStatus.DEACTIVATED, is_exempt(org, draft.user_type))
    if is_exempt(org, draft.user_type):
        return SeatDecision(SeatStatus.ACTIVE, exempt=True)
    if org.seat_limit is None or await count_used(conn, org.id) < org.seat_limit:
        return SeatDecision(SeatStatus.ACTIVE, exempt=False)
    return SeatDecision(SeatStatus.OVER_LIMIT, exempt=False)


async def seat_for_new_member(
    conn: AsyncConnection, org: Org, draft: MemberDraft, *, member_id: str, actor: str
) -> SeatDecision:
    return await _decide(conn, org, draft)


async def seat_for_changed_member(
    conn: AsyncConnection, org: Org, before: Member, draft: MemberDraft, *, actor: str
) -> SeatDecision:
    exempt = is_exempt(org, draft.user_type)
    # A member that keeps counting, or keeps waiting, keeps its place.
    still_counted = draft.active and not exempt and not before.exempt
    if still_counted and before.seat_status in (SeatStatus.ACTIVE, SeatStatus.OVER_LIMIT):
        return SeatDecision(before.seat_status, exempt=False)
    return await _decide(conn, org, draft)


async def after_member_written(
    conn: AsyncConnection,
    org: Org,
    before: Member | None,
    after: Member | None,
    *,
    actor: str,
) -> None:
    """Record the change in the ledger, and promote waiting members if a seat was freed."""
    before_status = before.seat_status if before else None
    after_status = after.seat_status if after else None
    if before_status is not after_status:
        member = after or before
        assert member is not None
        await record(
            conn,
            org.id,
            member.id,
            before_status,
            after_status,
            reason=_reason(before, after),
            actor=actor,
        )
    if before is not None and _counted(before) and (after is None or not _counted(after)):
        await promote_waiting(conn, org, actor=actor)


def _counted(member: Member) -> bool:
    return member.seat_status is SeatStatus.ACTIVE and not member.exempt


def _reason(before: Member | None, after: Member | None) -> str:
    if before is None:
        return "created"
    if after is None:
        return "deleted"
    if not after.active:
        return "deactivated"
    if not before.active:
        return "reactivated"
    return "changed"


async def promote_waiting(conn: AsyncConnection, org: Org, *, actor: str) -> int:
    """Promote over_limit members oldest-first into the seats that are free now."""
    if org.seat_limit is None:
        free = None
    else:
        free = org.seat_limit - await count_used(conn, org.id)
        if free <= 0:
            return 0
    query = (
        sa.select(members.c.id)
        .where(members.c.org_id == org.id, members.c.seat_status == SeatStatus.OVER_LIMIT.value)
        .order_by(members.c.seat_since, members.c.created_at, members.c.id)
    )
    if free is not None:
        query = query.limit(free)
    ids = list((await conn.execute(query)).scalars())
    if not ids:
        return 0
    now = utcnow()
    await conn.execute(
        members.update()
        .where(members.c.id.in_(ids))
        .values(
            seat_status=SeatStatus.ACTIVE.value,
            over_limit_since=None,
            version=members.c.version + 1,
            updated_at=now,
        )
    )
    for member_id in ids:
        await record(
            conn,
            org.id,
            member_id,
            SeatStatus.OVER_LIMIT,
            SeatStatus.ACTIVE,
            reason="promoted",
            actor=actor,
        )
    return len(ids)


async def record(
    conn: AsyncConnection,
    org_id: str,
    member_id: str,
    from_status: SeatStatus | None,
    to_status: SeatStatus | None,
    *,
    reason: str,
    actor: str,
) -> None:
    """Append a status change to the seat ledger."""
    await conn.execute(
        seat_ledger.insert().values(
            org_id=org_id,
            member_id=member_id,
            from_status=from_status.value if from_status else None,
            to_status=to_status.value if to_status else None,
            reason=reason,
            actor=actor,
            at=utcnow(),
        )
    )


async def change_capacity(
    conn: AsyncConnection, org_id: str, seat_limit: int | None, *, actor: str
) -> Org:
    """Set an org's capacity now: a raise promotes waiting members, a cut below usage is refused."""
    org = await lock_for_seats(conn, org_id)
    if seat_limit is not None:
        used = await count_used(conn, org_id)
        if seat_limit < used:
            raise CannotReduceBelowUsage(
                f"cannot set the seat limit to {seat_limit}: {used} seats are in use; "
                "deactivate members or revoke invites first, or schedule the change",
                requested=seat_limit,
                used=used,
            )
    org = await update_org(conn, org_id, {"seat_limit": seat_limit})
    await promote_waiting(conn, org, actor=actor)
    return org
