"""The directory read model: what the product behind the gateway reads about an organization's
users, groups and group members, one keyset page at a time.

Pages resume after the sort key of the last item they held, never at an offset, so a page
costs the same at the end of a large directory as at its start and a row created meanwhile
shifts nothing. Users and groups are ordered by (created_at, id); a group's members by member
id. The SQL is in seats/storage/directory_queries.py; this module turns its values into the
read model and decides what "not found" means (an org, user or group this org does not have).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from seats.errors import NotFound
from seats.model import SeatStatus
from seats.profile import Email, emails_of, formatted_name
from seats.storage import directory_queries as queries
from seats.storage.member_store import groups_of_members

MAX_PAGE_SIZE = 1000
# Ids are UUIDs: anything longer, or holding NUL (which PostgreSQL text refuses), names nothing.
_MAX_ID_LENGTH = 64

T = TypeVar("T")
K = TypeVar("K")


@dataclass(frozen=True)
class CreatedKey:
    """Where a page of users or groups ends: the (created_at, id) of its last item."""

    created_at: datetime
    id: str


@dataclass(frozen=True)
class Page(Generic[T, K]):
    """One page of items, and the key to resume after (None: this was the last page)."""

    items: tuple[T, ...]
    next_after: K | None


@dataclass(frozen=True)
class GroupRef:
    id: str
    display_name: str


@dataclass(frozen=True)
class DirectoryUser:
    id: str
    user_name: str
    external_id: str | None
    active: bool
    emails: tuple[Email, ...]
    given_name: str | None
    family_name: str | None
    formatted_name: str | None
    display_name: str | None
    seat_status: SeatStatus
    # Why the seat status is what it is: the reason of the member's latest ledger entry.
    seat_reason: str | None
    groups: tuple[GroupRef, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class DirectoryGroup:
    id: str
    display_name: str
    external_id: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class GroupMemberEntry:
    """A member of a group: a user (with its user_name and seat status) or a nested group
    (with its display name)."""

    type: str  # "user" or "group"
    id: str
    user_name: str | None = None
    seat_status: SeatStatus | None = None
    display_name: str | None = None


@dataclass(frozen=True)
class UserFilter:
    seat_status: SeatStatus | None = None
    # Users changed at or after this instant (an aware datetime).
    updated_since: datetime | None = None


def org_not_found(org_id: str) -> NotFound:
    """The one answer for an org that does not exist and for one the caller may not see, so
    that the two cannot be told apart."""
    return NotFound(f"organization {org_id} not found")


async def list_users(
    conn: AsyncConnection,
    org_id: str,
    *,
    limit: int,
    after: CreatedKey | None = None,
    where: UserFilter = UserFilter(),
) -> Page[DirectoryUser, CreatedKey]:
    _check_id(org_id, org_not_found)
    rows = await queries.user_page(
        conn,
        org_id,
        limit=limit + 1,
        after=(after.created_at, after.id) if after else None,
        seat_status=where.seat_status.value if where.seat_status else None,
        updated_since=where.updated_since,
    )
    if not rows:
        await _check_org(conn, org_id)
    users = await _users(conn, org_id, rows[:limit])
    return Page(tuple(users), _created_key(rows, limit))


async def get_user(conn: AsyncConnection, org_id: str, user_id: str) -> DirectoryUser:
    _check_id(org_id, org_not_found)
    _check_id(user_id, _user_not_found)
    row = await queries.user_by_id(conn, org_id, user_id)
    if row is None:
        raise _user_not_found(user_id)
    return (await _users(conn, org_id, [row]))[0]


async def list_groups(
    conn: AsyncConnection, org_id: str, *, limit: int, after: CreatedKey | None = None
) -> Page[DirectoryGroup, CreatedKey]:
    _check_id(org_id, org_not_found)
    rows = await queries.group_page(
        conn, org_id, limit=limit + 1, after=(after.created_at, after.id) if after else None
    )
    if not rows:
        await _check_org(conn, org_id)
    return Page(tuple(_group(row) for row in rows[:limit]), _created_key(rows, limit))


async def get_group(conn: AsyncConnection, org_id: str, group_id: str) -> DirectoryGroup:
    _check_id(org_id, org_not_found)
    _check_id(group_id, _group_not_found)
    row = await queries.group_by_id(conn, org_id, group_id)
    if row is None:
        raise _group_not_found(group_id)
    return _group(row)


async def list_group_members(
    conn: AsyncConnection, org_id: str, group_id: str, *, limit: int, after: str | None = None
) -> Page[GroupMemberEntry, str]:
    """A page of a group's direct members in member-id order; only this page is read."""
    _check_id(org_id, org_not_found)
    _check_id(group_id, _group_not_found)
    rows = await queries.group_member_page(conn, org_id, group_id, limit=limit + 1, after=after)
    # A membership row names its group and org: rows found mean the group is this org's.
    if not rows and await queries.group_by_id(conn, org_id, group_id) is None:
        raise _group_not_found(group_id)
    entries = tuple(entry for row in rows[:limit] if (entry := _member_entry(row)) is not None)
    return Page(entries, rows[limit - 1]["member_id"] if len(rows) > limit else None)


async def _users(
    conn: AsyncConnection, org_id: str, rows: Sequence[Mapping[str, Any]]
) -> list[DirectoryUser]:
    """The read model of a page of member rows: their seat reasons and groups in one query
    each, however many members the page holds."""
    ids = [row["id"] for row in rows]
    reasons = await queries.latest_seat_reasons(conn, ids)
    groups = await groups_of_members(conn, org_id, ids)
    return [
        DirectoryUser(
            id=row["id"],
            user_name=row["user_name"],
            external_id=row["external_id"],
            active=row["active"],
            emails=emails_of(row["emails"], row["email"]),
            given_name=row["given_name"],
            family_name=row["family_name"],
            formatted_name=formatted_name(
                row["formatted_name"], row["given_name"], row["family_name"]
            ),
            display_name=row["display_name"],
            seat_status=SeatStatus(row["seat_status"]),
            seat_reason=reasons.get(row["id"]),
            groups=tuple(GroupRef(id=gid, display_name=name) for gid, name in groups[row["id"]]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )
        for row in rows
    ]


def _group(row: Mapping[str, Any]) -> DirectoryGroup:
    return DirectoryGroup(
        id=row["id"],
        display_name=row["display_name"],
        external_id=row["external_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _member_entry(row: Mapping[str, Any]) -> GroupMemberEntry | None:
    if row["member_type"] == "Group":
        if row["group_display_name"] is None:
            return None
        return GroupMemberEntry("group", row["member_id"], display_name=row["group_display_name"])
    if row["user_name"] is None:
        # A membership whose user is gone (none outlives its member for long): not shown.
        return None
    return GroupMemberEntry(
        "user",
        row["member_id"],
        user_name=row["user_name"],
        seat_status=SeatStatus(row["seat_status"]),
    )


def _created_key(rows: Sequence[Mapping[str, Any]], limit: int) -> CreatedKey | None:
    # One row more than the page was asked for: there is a next page, after the page's last.
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return CreatedKey(created_at=last["created_at"], id=last["id"])


async def _check_org(conn: AsyncConnection, org_id: str) -> None:
    if not await queries.org_exists(conn, org_id):
        raise org_not_found(org_id)


def _check_id(value: str, not_found: Callable[[str], NotFound]) -> None:
    if not 0 < len(value) <= _MAX_ID_LENGTH or "\x00" in value:
        raise not_found(value)


def _user_not_found(user_id: str) -> NotFound:
    return NotFound(f"user {user_id} not found")


def _group_not_found(group_id: str) -> NotFound:
    return NotFound(f"group {group_id} not found")
