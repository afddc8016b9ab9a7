"""Invites made by an admin: an invite holds a seat from the moment it is made until it is
accepted (the seat passes to the new member), revoked, or expires after the org's
`invite_expiry_days`; the last two free the seat for members waiting over the limit.

An invite is refused with `SeatLimitReached` when no seat is free (auto_expand grows capacity
first, up to max_seats): unlike an IdP's provisioning, an admin can act on the refusal.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats import capacity, event_log, members, occupancy, seating
from seats.clock import new_id, utcnow
from seats.errors import DuplicateInvite, InvalidValue, InviteNotPending, NotFound, SeatLimitReached
from seats.events import InviteCreated
from seats.identifiers import fold
from seats.ledger import Reason
from seats.model import Member, MemberDraft, SeatStatus
from seats.storage.tables import invites
from seats.storage.tables import members as members_table

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL_LENGTH = 320


@dataclass(frozen=True)
class Invite:
    id: str
    org_id: str
    email: str
    role: str | None
    status: str  # pending, accepted, revoked, expired
    expires_at: datetime
    member_id: str | None
    created_at: datetime
    updated_at: datetime


def validate_invite(email: Any, role: Any) -> None:
    if not isinstance(email, str) or not _EMAIL.match(email) or len(email) > MAX_EMAIL_LENGTH:
        raise InvalidValue(
            f"email must be an email address (name@domain) of at most {MAX_EMAIL_LENGTH} "
            f"characters; got {email!r}"
        )
    if role is not None and (not isinstance(role, str) or not 0 < len(role) <= 100):
        raise InvalidValue("role must be a non-empty string of at most 100 characters, or null")


async def create_invite(
    conn: AsyncConnection,
    org_id: str,
    email: str,
    *,
    role: str | None = None,
    actor: str,
    now: datetime | None = None,
) -> Invite:
    validate_invite(email, role)
    now = now or utcnow()
    org = await capacity.lock_for_seats(conn, org_id, now=now)
    key = fold(email)
    await _refuse_duplicates(conn, org_id, email, key, now=now)
    counts = await occupancy.usage(conn, org_id, now=now)
    status, grow_to = seating.decide(
        used=counts.used, capacity=org.seat_limit, policy=org.seat_policy, max_seats=org.max_seats
    )
    if status is not SeatStatus.ACTIVE:
        raise SeatLimitReached(
            f"no seat is free for an invite: {counts.used} of {org.seat_limit} seats are in use"
            + (f" and max_seats ({org.max_seats}) is reached" if org.max_seats is not None else "")
            + "; raise the seat limit, or free a seat first",
            capacity=org.seat_limit,
            used=counts.used,
            max_seats=org.max_seats,
        )
    if grow_to is not None:
        await capacity.expand(conn, org_id, grow_to, previous=org.seat_limit, actor=actor)
    values = {
        "id": new_id(),
        "org_id": org_id,
        "email": email,
        "email_key": key,
        "role": role,
        "status": occupancy.PENDING,
        "expires_at": now + timedelta(days=org.invite_expiry_days),
        "member_id": None,
        "created_at": now,
        "updated_at": now,
    }
    await conn.execute(invites.insert().values(values))
    reason = Reason.AUTO_EXPANDED if grow_to is not None else Reason.INVITED
    event_log.record(conn, InviteCreated(org_id, values["id"], email, reason, actor))
    return _to_invite(values)


async def revoke_invite(conn: AsyncConnection, org_id: str, invite_id: str, *, actor: str) -> None:
    await capacity.lock_for_seats(conn, org_id)
    invite = await get_invite(conn, org_id, invite_id)
    _check_pending(invite)
    await occupancy.end_invite(
        conn, org_id, invite_id, "revoked", reason=Reason.INVITE_REVOKED, actor=actor
    )
    if await occupancy.promote_waiting(conn, org_id, actor=actor):
        await occupancy.sync_episode(conn, org_id)


async def accept_invite(
    conn: AsyncConnection,
    org_id: str,
    invite_id: str,
    *,
    user_name: str | None = None,
    display_name: str | None = None,
    actor: str,
) -> Member:
    """Turn the invite into a member holding its seat (userName defaults to the address)."""
    await capacity.lock_for_seats(conn, org_id)
    invite = await get_invite(conn, org_id, invite_id)
    _check_pending(invite)
    draft = MemberDraft(
        user_name=user_name or invite.email, email=invite.email, display_name=display_name
    )
    # The member service finds the invite by its address and hands its seat over.
    return await members.create_member(conn, org_id, draft, actor=actor)


async def get_invite(conn: AsyncConnection, org_id: str, invite_id: str) -> Invite:
    row = (
        (
            await conn.execute(
                sa.select(invites).where(invites.c.org_id == org_id, invites.c.id == invite_id)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"invite {invite_id} not found")
    return _to_invite(row, now=utcnow())


async def list_invites(
    conn: AsyncConnection,
    org_id: str,
    *,
    status: str | None = None,
    now: datetime | None = None,
) -> list[Invite]:
    """Oldest first; an invite past its expiry reads as expired even before the worker ran."""
    query = sa.select(invites).where(invites.c.org_id == org_id)
    now = now or utcnow()
    if status == occupancy.PENDING:
        query = query.where(invites.c.status == status, invites.c.expires_at > now)
    elif status == "expired":
        query = query.where(
            sa.or_(
                invites.c.status == status,
                sa.and_(invites.c.status == occupancy.PENDING, invites.c.expires_at <= now),
            )
        )
    elif status is not None:
        query = query.where(invites.c.status == status)
    rows = (await conn.execute(query.order_by(invites.c.created_at, invites.c.id))).mappings()
    return [_to_invite(row, now=now) for row in rows.all()]


async def _refuse_duplicates(
    conn: AsyncConnection, org_id: str, email: str, key: str, *, now: datetime
) -> None:
    pending = (
        await conn.execute(
            sa.select(invites.c.id, invites.c.expires_at)
            .where(invites.c.org_id == org_id, invites.c.email_key == key)
            .where(invites.c.status == occupancy.PENDING, invites.c.expires_at > now)
        )
    ).first()
    if pending is not None:
        raise DuplicateInvite(
            f"{email} already has a pending invite ({pending.id}, expires "
            f"{pending.expires_at.isoformat()}); revoke it before inviting again",
            invite_id=pending.id,
        )
    member_id = (
        await conn.execute(
            sa.select(members_table.c.id).where(
                members_table.c.org_id == org_id,
                sa.or_(members_table.c.email_key == key, members_table.c.user_name_key == key),
            )
        )
    ).scalar()
    if member_id is not None:
        raise DuplicateInvite(
            f"{email} is already a member of this organization (user {member_id})",
            member_id=member_id,
        )


def _check_pending(invite: Invite) -> None:
    if invite.status != occupancy.PENDING:
        raise InviteNotPending(
            f"invite {invite.id} for {invite.email} is {invite.status}, not pending",
            invite_status=invite.status,
        )


def _to_invite(row: Mapping[str, Any], *, now: datetime | None = None) -> Invite:
    status = row["status"]
    if status == occupancy.PENDING and now is not None and row["expires_at"] <= now:
        status = "expired"
    return Invite(
        id=row["id"],
        org_id=row["org_id"],
        email=row["email"],
        role=row["role"],
        status=status,
        expires_at=row["expires_at"],
        member_id=row["member_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
