"""Members (SCIM Users): the one service through which every member is created, changed,
deactivated, reactivated and deleted, so that the seat rules apply on every path."""

from collections.abc import Callable
from dataclasses import asdict, replace

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import event_log, seating
from seats.clock import new_id, utcnow
from seats.deprovision_guard import (
    GuardReading,
    as_seen_by_idp,
    hold_if_mass_deprovisioning,
    member_under_guard,
)
from seats.deprovision_rules import GuardLimits
from seats.errors import Conflict, InvalidValue, NotFound, VersionMismatch
from seats.events import MemberCreated, MemberDeleted, MemberUpdated
from seats.group_members import remove_from_all_groups
from seats.identifiers import fold
from seats.model import Member, MemberDraft, Org, SeatStatus
from seats.storage import member_store


async def get_member(
    conn: AsyncConnection, org_id: str, member_id: str, *, guarded: bool = False
) -> Member:
    """The member; `guarded`, as the IdP sees it: one whose deletion is held is gone, one whose
    deactivation is held is as the IdP sent it (seats/deprovision_guard.py)."""
    member = await member_store.member_by_id(conn, org_id, member_id)
    if member is not None and guarded:
        member = await as_seen_by_idp(conn, member)
    if member is None:
        raise _not_found(member_id)
    return member


async def find_member(
    conn: AsyncConnection,
    org_id: str,
    *,
    user_name: str | None = None,
    user_id: str | None = None,
    external_id: str | None = None,
) -> Member | None:
    """The member named by exactly one of userName (case-insensitive), id or externalId.

    externalId is the IdP's identifier and not unique by rule; two members sharing one is a
    Conflict rather than a guess.
    """
    given = [v for v in (user_name, user_id, external_id) if v is not None]
    if len(given) != 1:
        raise InvalidValue("name the member by exactly one of user_name, user_id, external_id")
    found = await member_store.members_named(
        conn, org_id, user_name=user_name, user_id=user_id, external_id=external_id
    )
    if len(found) > 1:
        raise Conflict(f"more than one user has externalId {external_id!r} in this organization")
    return found[0] if found else None


async def create_member(
    conn: AsyncConnection, org_id: str, draft: MemberDraft, *, actor: str
) -> Member:
    org, seen = await seating.lock_for_new_member(conn, org_id)
    now = utcnow()
    member_id = new_id()
    seat = await seating.seat_for_new_member(
        conn, org, draft, member_id=member_id, actor=actor, seen=seen
    )
    try:
        member = await member_store.insert_member(
            conn, org_id, member_id, draft, seat_status=seat.status, exempt=seat.exempt, now=now
        )
    except member_store.UserNameTaken:
        # The error leaves the transaction, which rolls back whatever the seat decision wrote.
        raise _user_name_taken(draft.user_name) from None
    event_log.record(conn, MemberCreated(org_id, member))
    await seating.after_member_written(conn, org, None, member, actor=actor, decision=seat)
    return member


async def replace_member(
    conn: AsyncConnection,
    org_id: str,
    member_id: str,
    draft: MemberDraft,
    *,
    actor: str,
    if_version: int | None = None,
    guard: GuardLimits | None = None,
) -> Member:
    """Write what the draft says. With `guard` (the IdP's requests), a deactivation past the
    mass-deprovisioning threshold is held instead, and the member returned as the IdP asked
    for it (seats/deprovision_guard.py says what becomes of requests about held members)."""
    org = await seating.lock_for_seats(conn, org_id)
    before, reading = await _member_to_write(
        conn, org, member_id, guard, may_deprovision=not draft.active
    )
    _check_version(before, if_version)
    return await _write(conn, org, before, draft, actor=actor, reading=reading)


async def patch_member(
    conn: AsyncConnection,
    org_id: str,
    member_id: str,
    patched: Callable[[Member], MemberDraft | None],
    *,
    actor: str,
    if_version: int | None = None,
    guard: GuardLimits | None = None,
) -> Member:
    """Write what `patched` makes of the member as its IdP sees it (None: nothing changes, and
    the member is returned as it is): a SCIM PATCH, the member read once, under the org lock.
    Otherwise as `replace_member`."""
    org = await seating.lock_for_seats(conn, org_id)
    before, reading = await _member_to_write(conn, org, member_id, guard, may_deprovision=True)
    seen = await as_seen_by_idp(conn, before)
    if seen is None:
        raise _not_found(member_id)
    _check_version(seen, if_version)
    draft = patched(seen)
    if draft is None:
        return seen
    return await _write(conn, org, before, draft, actor=actor, reading=reading)


async def _write(
    conn: AsyncConnection,
    org: Org,
    before: Member,
    draft: MemberDraft,
    *,
    actor: str,
    reading: GuardReading | None,
) -> Member:
    """replace_member's write of `draft` over `before`, the org locked; `reading` is the
    guard's, when the request came with guard limits."""
    if reading is not None and await hold_if_mass_deprovisioning(
        conn, org, before, draft, reading=reading, actor=actor
    ):
        return replace(before, **asdict(draft))
    if draft == draft_of(before):
        # IdPs re-send whole users that did not change (Okta's PUT after every read): writing
        # would move the ETag and tell the product of an update that did not happen.
        return before
    if fold(before.user_name) != fold(draft.user_name):
        await _check_user_name_free(conn, org.id, draft.user_name)
    seat = await seating.seat_for_changed_member(conn, org, before, draft, actor=actor)
    seat_changed = seat.status is not before.seat_status or seat.exempt != before.exempt
    # Who starts counting (reactivated, or no longer exempt) queues as the newest.
    queues_again = (
        seat_changed
        and seat.status in (SeatStatus.ACTIVE, SeatStatus.OVER_LIMIT)
        and (before.seat_status is SeatStatus.DEACTIVATED or before.exempt)
    )
    try:
        after = await member_store.update_member(
            conn,
            before,
            draft,
            seat_status=seat.status,
            exempt=seat.exempt,
            queues_again=queues_again,
            now=utcnow(),
        )
    except member_store.UserNameTaken:
        raise _user_name_taken(draft.user_name) from None
    event_log.record(conn, MemberUpdated(org.id, after))
    await seating.after_member_written(conn, org, before, after, actor=actor, decision=seat)
    return after


async def delete_member(
    conn: AsyncConnection,
    org_id: str,
    member_id: str,
    *,
    actor: str,
    if_version: int | None = None,
    guard: GuardLimits | None = None,
) -> None:
    """Delete the member; with `guard` (the IdP's requests), a deletion past the
    mass-deprovisioning threshold, or of a member already held, is held instead."""
    org = await seating.lock_for_seats(conn, org_id)
    before, reading = await _member_to_write(conn, org, member_id, guard, may_deprovision=True)
    _check_version(before, if_version)
    if reading is not None and await hold_if_mass_deprovisioning(
        conn, org, before, None, reading=reading, actor=actor
    ):
        return
    # The member row goes first: on PostgreSQL a concurrent group add holds it FOR KEY SHARE
    # (seats/storage/membership_store.py), so this waits for that add to commit, and the
    # memberships deleted next include the one it made. No membership outlives its member.
    await member_store.delete_member(conn, member_id)
    await remove_from_all_groups(conn, org_id, member_id)
    event_log.record(conn, MemberDeleted(org_id, before))
    await seating.after_member_written(conn, org, before, None, actor=actor)


async def _member_to_write(
    conn: AsyncConnection,
    org: Org,
    member_id: str,
    guard: GuardLimits | None,
    *,
    may_deprovision: bool,
) -> tuple[Member, GuardReading | None]:
    """The member a change is about, read under the org lock; with `guard`, in the same round
    trip, what the guard decides with should the change deprovision it (no counts are taken
    when it cannot: `may_deprovision` False, a PUT that keeps the member active)."""
    if guard is None:
        return await get_member(conn, org.id, member_id), None
    member, reading = await member_under_guard(
        conn, org, member_id, limits=guard, may_deprovision=may_deprovision
    )
    if member is None:
        raise _not_found(member_id)
    return member, reading


def _check_version(member: Member, if_version: int | None) -> None:
    if if_version is not None and if_version != member.version:
        raise VersionMismatch(
            f"user {member.id} is at version {member.version}, not {if_version}",
            current=member.version,
        )


async def _check_user_name_free(conn: AsyncConnection, org_id: str, user_name: str) -> None:
    if await member_store.user_name_taken(conn, org_id, user_name):
        raise _user_name_taken(user_name)


def _not_found(member_id: str) -> NotFound:
    return NotFound(f"user {member_id} not found")


def _user_name_taken(user_name: str) -> Conflict:
    return Conflict(f"userName {user_name!r} is already taken in this organization")


def draft_of(member: Member) -> MemberDraft:
    """What the member is as a draft: what an unchanged PUT would send."""
    return MemberDraft(
        user_name=member.user_name,
        active=member.active,
        external_id=member.external_id,
        display_name=member.display_name,
        given_name=member.given_name,
        family_name=member.family_name,
        email=member.email,
        user_type=member.user_type,
        resource=member.resource,
    )
