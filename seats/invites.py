"""Invites made by an admin: an invite holds a seat from the moment it is made until it is
accepted (the seat passes to the new member), revoked, or expires after the org's
`invite_expiry_days`; the last two free the seat for members waiting over the limit.

An invite is refused with `SeatLimitReached` when no seat is free (auto_expand grows capacity
first, up to max_seats): unlike an IdP's provisioning, an admin can act on the refusal.
"""

from datetime import datetime, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncConnection

from seats import capacity, event_log, members, occupancy, seating
from seats.clock import new_id, utcnow
from seats.errors import DuplicateInvite, InvalidValue, InviteNotPending, NotFound, SeatLimitReached
from seats.events import InviteCreated, InviteResent
from seats.identifiers import identifier_key
from seats.ledger import Reason
from seats.model import Member, MemberDraft, SeatStatus
from seats.storage import invite_store
from seats.storage.invite_store import PENDING, Invite

__all__ = ["Invite"]

MAX_EMAIL_LENGTH = 320


def validate_invite(email: Any, role: Any) -> None:
    """Refuse an address email-validator finds malformed (syntax only, no DNS lookup). Names
    under .test (RFC 6761, reserved for testing: staging and the docs' examples) are accepted;
    the other special-use names (.local, .invalid, .localhost ...) cannot receive an invite."""
    problem = None
    if not isinstance(email, str) or len(email) > MAX_EMAIL_LENGTH:
        problem = "not a string of that length"
    else:
        try:
            validate_email(email, check_deliverability=False, test_environment=True)
        except EmailNotValidError as exc:
            problem = str(exc)
    if problem is not None:
        raise InvalidValue(
            f"email must be an email address (name@domain) of at most {MAX_EMAIL_LENGTH} "
            f"characters; got {email!r} ({problem})"
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
    key = identifier_key(email, "email")
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
    invite = Invite(
        id=new_id(),
        org_id=org_id,
        email=email,
        role=role,
        status=PENDING,
        expires_at=now + timedelta(days=org.invite_expiry_days),
        member_id=None,
        created_at=now,
        updated_at=now,
    )
    await invite_store.insert(conn, invite, email_key=key)
    reason = Reason.AUTO_EXPANDED if grow_to is not None else Reason.INVITED
    event_log.record(conn, InviteCreated(org_id, invite.id, email, reason, actor))
    return invite


async def revoke_invite(conn: AsyncConnection, org_id: str, invite_id: str, *, actor: str) -> None:
    await capacity.lock_for_seats(conn, org_id)
    invite = await get_invite(conn, org_id, invite_id)
    _check_pending(invite)
    await occupancy.end_invite(
        conn, org_id, invite_id, "revoked", reason=Reason.INVITE_REVOKED, actor=actor
    )
    if await occupancy.promote_waiting(conn, org_id, actor=actor):
        await occupancy.sync_episode(conn, org_id)


async def resend_invite(
    conn: AsyncConnection,
    org_id: str,
    invite_id: str,
    *,
    actor: str,
    now: datetime | None = None,
) -> Invite:
    """Give a pending invite a new expiry, the org's `invite_expiry_days` from now; it keeps
    the seat it holds. An invite that expired, was accepted or revoked is not revived: invite
    the address again (that asks for a seat anew)."""
    now = now or utcnow()
    org = await capacity.lock_for_seats(conn, org_id, now=now)
    invite = await get_invite(conn, org_id, invite_id)
    _check_pending(invite)
    expires_at = now + timedelta(days=org.invite_expiry_days)
    await invite_store.set_expiry(conn, org_id, invite_id, expires_at, now=now)
    event_log.record(conn, InviteResent(org_id, invite_id, expires_at, actor))
    return await get_invite(conn, org_id, invite_id)


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
    invite = await invite_store.find(conn, org_id, invite_id, now=utcnow())
    if invite is None:
        raise NotFound(f"invite {invite_id} not found")
    return invite


async def list_invites(
    conn: AsyncConnection,
    org_id: str,
    *,
    status: str | None = None,
    now: datetime | None = None,
) -> list[Invite]:
    """Oldest first; an invite past its expiry reads as expired even before the worker ran."""
    return await invite_store.list_invites(conn, org_id, status=status, now=now or utcnow())


async def _refuse_duplicates(
    conn: AsyncConnection, org_id: str, email: str, key: str, *, now: datetime
) -> None:
    pending = await invite_store.find_pending_for_address(conn, org_id, key, now=now)
    if pending is not None:
        raise DuplicateInvite(
            f"{email} already has a pending invite ({pending.id}, expires "
            f"{pending.expires_at.isoformat()}); revoke it before inviting again",
            invite_id=pending.id,
        )
    member_id = await invite_store.find_member_with_address(conn, org_id, key)
    if member_id is not None:
        raise DuplicateInvite(
            f"{email} is already a member of this organization (user {member_id})",
            member_id=member_id,
        )


def _check_pending(invite: Invite) -> None:
    if invite.status != PENDING:
        raise InviteNotPending(
            f"invite {invite.id} for {invite.email} is {invite.status}, not pending",
            invite_status=invite.status,
        )
