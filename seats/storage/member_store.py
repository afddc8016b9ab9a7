"""SQL of members (SCIM Users): their rows, read by id, userName, or externalId, written under the
per-organization unique index on the folded userName, and how a row becomes a `Member`; and the
direct groups of members, from which SCIM's read-only User.groups is derived."""

import dataclasses
import functools
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.identifiers import fold, identifier_key
from seats.model import Member, MemberDraft, SeatStatus
from seats.storage.direct_statements import DirectStatement
from seats.storage.tables import group_members, groups, members


class UserNameTaken(Exception):
    """Another member of the organization has this userName (the unique index said so). The
    statement failed inside the transaction: the caller must let the transaction roll back."""


# Built once (a statement object caches its compiled form): the hottest statements.
# Every PATCH, PUT, DELETE and GET of a user reads the member, and a DELETE deletes it: by the
# driver directly (seats/storage/direct_statements.py; on SQLite about 55 us less per statement
# than SQLAlchemy's execution path).
_MEMBER_BY_ID = DirectStatement(
    sa.select(members).where(
        members.c.org_id == sa.bindparam("org_id"), members.c.id == sa.bindparam("member_id")
    )
)
_MEMBER_BY_USER_NAME = sa.select(members.c.id).where(
    members.c.org_id == sa.bindparam("org_id"),
    members.c.user_name_key == sa.bindparam("user_name_key"),
)
# What a create writes, run by the driver directly (seats/storage/direct_statements.py).
_CREATED_COLUMNS = (
    "id org_id user_name external_id display_name given_name family_name email email_key"
    " user_type active resource user_name_key seat_status exempt over_limit_since seat_since"
    " seat_held version created_at updated_at"
).split()
_INSERT_MEMBER = DirectStatement(members.insert(), column_keys=_CREATED_COLUMNS)
# The member row of a write, checked against the version that was read under the lock.
_WRITTEN = sa.and_(
    members.c.id == sa.bindparam("written_id"),
    members.c.version == sa.bindparam("written_version"),
)
_DELETE_MEMBER = DirectStatement(members.delete().where(members.c.id == sa.bindparam("member_id")))


async def member_by_id(conn: AsyncConnection, org_id: str, member_id: str) -> Member | None:
    parameters = {"org_id": org_id, "member_id": member_id}
    row = await _MEMBER_BY_ID.first_on(conn, parameters)
    return None if row is None else to_member(row)


async def members_named(
    conn: AsyncConnection,
    org_id: str,
    *,
    user_name: str | None = None,
    user_id: str | None = None,
    external_id: str | None = None,
) -> list[Member]:
    """At most two members with this userName (case-insensitive), id or externalId (the first
    one given): two tell the caller the name is ambiguous."""
    if user_name is not None:
        condition = members.c.user_name_key == fold(user_name)
    elif user_id is not None:
        condition = members.c.id == user_id
    else:
        condition = members.c.external_id == external_id
    query = sa.select(members).where(members.c.org_id == org_id, condition).limit(2)
    return [to_member(row) for row in (await conn.execute(query)).mappings()]


async def user_name_taken(conn: AsyncConnection, org_id: str, user_name: str) -> bool:
    parameters = {"org_id": org_id, "user_name_key": fold(user_name)}
    return (await conn.execute(_MEMBER_BY_USER_NAME, parameters)).first() is not None


async def insert_member(
    conn: AsyncConnection,
    org_id: str,
    member_id: str,
    draft: MemberDraft,
    *,
    seat_status: SeatStatus,
    exempt: bool,
    now: datetime,
) -> Member:
    """Insert a member at version 1, queued for seats from `now`, and return it; raise
    UserNameTaken if the userName is (the index is the check: no read before the insert), and
    InvalidValue if its key (seats/identifiers.py) is empty or too long."""
    values = {
        "id": member_id,
        "org_id": org_id,
        **_draft_columns(draft),
        "seat_status": seat_status.value,
        "exempt": exempt,
        "over_limit_since": now if seat_status is SeatStatus.OVER_LIMIT else None,
        "seat_since": now,
        "seat_held": False,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    try:
        await _INSERT_MEMBER.run_on(conn, values)
    except (IntegrityError, sqlite3.IntegrityError):
        raise UserNameTaken from None
    return to_member(values)


async def update_member(
    conn: AsyncConnection,
    before: Member,
    draft: MemberDraft,
    *,
    seat_status: SeatStatus,
    exempt: bool,
    queues_again: bool,
    now: datetime,
) -> Member:
    """Write what the draft says and the seat decided over `before`, at the next version, and
    return the member as written; `queues_again` puts the member at the back of the seat
    queue. Raise UserNameTaken if another member has the userName."""
    values: dict[str, Any] = {
        **_changed_columns(before, draft),
        "seat_status": seat_status.value,
        "exempt": exempt,
        "version": before.version + 1,
        "updated_at": now,
    }
    if seat_status is not before.seat_status or exempt != before.exempt:
        values["over_limit_since"] = now if seat_status is SeatStatus.OVER_LIMIT else None
        # A released seat stays released only while the member keeps waiting.
        values["seat_held"] = False
    if queues_again:
        values["seat_since"] = now
    parameters = {**values, "written_id": before.id, "written_version": before.version}
    try:
        written = await _update_statement(tuple(values)).first_on(conn, parameters)
    except (IntegrityError, sqlite3.IntegrityError):
        raise UserNameTaken from None
    if written is None:  # the caller holds the org lock since it read `before`
        raise RuntimeError(f"member {before.id} changed under the organization's lock")
    return to_member(written)


_DRAFT_FIELDS = tuple(field.name for field in dataclasses.fields(MemberDraft))


def _changed_columns(before: Member, draft: MemberDraft) -> dict[str, Any]:
    """The draft's columns that differ from `before`: SQLite rewrites the entries of every
    index on a column an UPDATE sets, changed or not, so a deactivation that set them all
    would rewrite the externalId, email and displayName entries too (3 of its 15 pages)."""
    # A userName that folds as before keeps its stored key: a row the 0005 migration set
    # aside (a second row with one key) must stay updatable, deactivation above all.
    columns = _draft_columns(draft, keyed=fold(before.user_name) != fold(draft.user_name))
    for name in _DRAFT_FIELDS:
        if getattr(before, name) == getattr(draft, name):
            del columns[name]
    if before.email == draft.email:
        del columns["email_key"]
    return columns


@functools.lru_cache(maxsize=64)
def _update_statement(columns: tuple[str, ...]) -> DirectStatement:
    """The UPDATE ... RETURNING of a member setting `columns`: one per set of columns written
    (a handful: a deactivation, a rename, a seat change), run by the driver directly: on SQLite
    about 20 us against about 110 us through SQLAlchemy's execution path."""
    return DirectStatement(
        members.update().where(_WRITTEN).returning(*members.c), column_keys=columns
    )


async def delete_member(conn: AsyncConnection, member_id: str) -> None:
    await _DELETE_MEMBER.run_on(conn, {"member_id": member_id})


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


def _draft_columns(draft: MemberDraft, *, keyed: bool = True) -> dict[str, Any]:
    """The draft as columns; `keyed` False leaves the stored user_name_key as it is."""
    columns = {
        "user_name": draft.user_name,
        "external_id": draft.external_id,
        "display_name": draft.display_name,
        "given_name": draft.given_name,
        "family_name": draft.family_name,
        "email": draft.email,
        "email_key": identifier_key(draft.email, "emails.value") if draft.email else None,
        "user_type": draft.user_type,
        "active": draft.active,
        "resource": draft.resource,
    }
    if keyed:
        columns["user_name_key"] = identifier_key(draft.user_name, "userName")
    return columns


def to_member(row: Mapping[str, Any]) -> Member:
    return Member(
        id=row["id"],
        org_id=row["org_id"],
        user_name=row["user_name"],
        active=row["active"],
        seat_status=SeatStatus(row["seat_status"]),
        exempt=row["exempt"],
        external_id=row["external_id"],
        display_name=row["display_name"],
        given_name=row["given_name"],
        family_name=row["family_name"],
        email=row["email"],
        user_type=row["user_type"],
        over_limit_since=row["over_limit_since"],
        seat_held=row["seat_held"],
        deprovision_hold_id=row.get("deprovision_hold_id"),
        resource=row["resource"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
