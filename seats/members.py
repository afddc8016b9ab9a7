"""Members (SCIM Users): the one service through which every member is created, changed,
deactivated, reactivated and deleted, so that the seat rules apply on every path."""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from seats import event_log, seating
from seats.clock import new_id, utcnow
from seats.errors import Conflict, InvalidValue, NotFound, VersionMismatch
from seats.events import MemberCreated, MemberDeleted, MemberUpdated
from seats.group_members import remove_from_all_groups
from seats.identifiers import fold
from seats.model import Member, MemberDraft, SeatStatus
from seats.storage.member_store import to_member
from seats.storage.tables import group_members, groups, members

# Built once (a statement object caches its compiled form): the hottest statements.
_MEMBER_BY_ID = sa.select(members).where(
    members.c.org_id == sa.bindparam("org_id"), members.c.id == sa.bindparam("member_id")
)
_MEMBER_BY_USER_NAME = sa.select(members.c.id).where(
    members.c.org_id == sa.bindparam("org_id"),
    members.c.user_name_key == sa.bindparam("user_name_key"),
)
_INSERT_MEMBER = members.insert()


async def get_member(conn: AsyncConnection, org_id: str, member_id: str) -> Member:
    parameters = {"org_id": org_id, "member_id": member_id}
    row = (await conn.execute(_MEMBER_BY_ID, parameters)).mappings().first()
    if row is None:
        raise NotFound(f"user {member_id} not found")
    return to_member(row)


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
    if user_name is not None:
        condition = members.c.user_name_key == fold(user_name)
    elif user_id is not None:
        condition = members.c.id == user_id
    else:
        condition = members.c.external_id == external_id
    query = sa.select(members).where(members.c.org_id == org_id, condition).limit(2)
    rows = (await conn.execute(query)).mappings().all()
    if len(rows) > 1:
        raise Conflict(f"more than one user has externalId {external_id!r} in this organization")
    return to_member(rows[0]) if rows else None


async def groups_of_members(
    conn: AsyncConnection, org_id: str, member_ids: Sequence[str]
) -> dict[str, list[tuple[str, str]]]:
    """The direct groups of each member, as (group id, group displayName), by member id.

    SCIM's read-only User.groups (RFC 7643 §4.1.2) is derived from this, never stored.
    """
    found: dict[str, list[tuple[str, str]]] = {member_id: [] for member_id in member_ids}
    if not member_ids:
        return found
    query = (
        sa.select(group_members.c.member_id, groups.c.id, groups.c.display_name)
        .join(groups, groups.c.id == group_members.c.group_id)
        .where(group_members.c.org_id == org_id, group_members.c.member_id.in_(member_ids))
        .order_by(groups.c.display_name_key, groups.c.id)
    )
    for row in await conn.execute(query):
        found[row.member_id].append((row.id, row.display_name))
    return found


async def create_member(
    conn: AsyncConnection, org_id: str, draft: MemberDraft, *, actor: str
) -> Member:
    org = await seating.lock_for_seats(conn, org_id)
    now = utcnow()
    member_id = new_id()
    seat = await seating.seat_for_new_member(conn, org, draft, member_id=member_id, actor=actor)
    values = {
        "id": member_id,
        "org_id": org_id,
        **_draft_columns(draft),
        "seat_status": seat.status.value,
        "exempt": seat.exempt,
        "over_limit_since": now if seat.status is SeatStatus.OVER_LIMIT else None,
        "seat_since": now,
        "seat_held": False,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    try:
        await conn.execute(_INSERT_MEMBER, values)
    except IntegrityError:
        # The unique index on (org_id, user_name_key) is the check: no read before the insert.
        # The error leaves the transaction, which rolls back whatever the seat decision wrote.
        raise _user_name_taken(draft.user_name) from None
    member = to_member(values)
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
) -> Member:
    org = await seating.lock_for_seats(conn, org_id)
    before = await get_member(conn, org_id, member_id)
    _check_version(before, if_version)
    if _draft_columns(draft) == _draft_columns(_draft_of(before)):
        # IdPs re-send whole users that did not change (Okta's PUT after every read): writing
        # would move the ETag and tell the product of an update that did not happen.
        return before
    if fold(before.user_name) != fold(draft.user_name):
        await _check_user_name_free(conn, org_id, draft.user_name)
    seat = await seating.seat_for_changed_member(conn, org, before, draft, actor=actor)
    now = utcnow()
    values: dict[str, Any] = {
        **_draft_columns(draft),
        "seat_status": seat.status.value,
        "exempt": seat.exempt,
        "version": before.version + 1,
        "updated_at": now,
    }
    if seat.status is not before.seat_status or seat.exempt != before.exempt:
        values["over_limit_since"] = now if seat.status is SeatStatus.OVER_LIMIT else None
        # A released seat stays released only while the member keeps waiting.
        values["seat_held"] = False
        # Who starts counting (reactivated, or no longer exempt) queues as the newest.
        if seat.status in (SeatStatus.ACTIVE, SeatStatus.OVER_LIMIT) and (
            before.seat_status is SeatStatus.DEACTIVATED or before.exempt
        ):
            values["seat_since"] = now
    try:
        await conn.execute(
            members.update()
            .where(members.c.id == member_id, members.c.version == before.version)
            .values(values)
        )
    except IntegrityError:
        raise _user_name_taken(draft.user_name) from None
    after = await get_member(conn, org_id, member_id)
    event_log.record(conn, MemberUpdated(org_id, after))
    await seating.after_member_written(conn, org, before, after, actor=actor, decision=seat)
    return after


async def delete_member(
    conn: AsyncConnection,
    org_id: str,
    member_id: str,
    *,
    actor: str,
    if_version: int | None = None,
) -> None:
    org = await seating.lock_for_seats(conn, org_id)
    before = await get_member(conn, org_id, member_id)
    _check_version(before, if_version)
    # The member row goes first: on PostgreSQL a concurrent group add holds it FOR KEY SHARE
    # (seats/membership_sql.py), so this waits for that add to commit, and the memberships
    # deleted next include the one it made. No membership outlives its member.
    await conn.execute(members.delete().where(members.c.id == member_id))
    await remove_from_all_groups(conn, org_id, member_id)
    event_log.record(conn, MemberDeleted(org_id, before))
    await seating.after_member_written(conn, org, before, None, actor=actor)


def _check_version(member: Member, if_version: int | None) -> None:
    if if_version is not None and if_version != member.version:
        raise VersionMismatch(
            f"user {member.id} is at version {member.version}, not {if_version}",
            current=member.version,
        )


async def _check_user_name_free(conn: AsyncConnection, org_id: str, user_name: str) -> None:
    parameters = {"org_id": org_id, "user_name_key": fold(user_name)}
    taken = (await conn.execute(_MEMBER_BY_USER_NAME, parameters)).first()
    if taken is not None:
        raise _user_name_taken(user_name)


def _user_name_taken(user_name: str) -> Conflict:
    return Conflict(f"userName {user_name!r} is already taken in this organization")


def _draft_columns(draft: MemberDraft) -> dict[str, Any]:
    return {
        "user_name": draft.user_name,
        "user_name_key": fold(draft.user_name),
        "external_id": draft.external_id,
        "display_name": draft.display_name,
        "given_name": draft.given_name,
        "family_name": draft.family_name,
        "email": draft.email,
        "email_key": fold(draft.email) if draft.email else None,
        "user_type": draft.user_type,
        "active": draft.active,
        "resource": draft.resource,
    }


def _draft_of(member: Member) -> MemberDraft:
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
