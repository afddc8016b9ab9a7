"""The SQL behind the directory read model (seats/directory.py): keyset pages of an org's users,
groups and group members, single reads by id, and the per-page lookups (latest seat reasons).

Every statement is built once, here at import, with bound parameters: a statement object
caches its compiled form. Pages walk an index in order and stop after `limit` rows:
ix_members_org_created and ix_groups_org_created for (org_id, created_at, id), the primary key
(group_id, member_id) for a group's members. Values come back as plain dicts by column name.
"""

from collections.abc import Sequence
from datetime import datetime
from itertools import product
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.storage.tables import UTCDateTime, group_members, groups, members, orgs, seat_ledger

_ORG = sa.bindparam("org_id")
_LIMIT = sa.bindparam("limit", type_=sa.Integer)


def _after(table: sa.Table) -> sa.ColumnElement[bool]:
    """Rows strictly after the key (created_at, id) of the last row of the previous page."""
    return sa.tuple_(table.c.created_at, table.c.id) > sa.tuple_(
        sa.bindparam("after_created_at", type_=UTCDateTime()),
        sa.bindparam("after_id", type_=sa.String()),
    )


_USER_COLUMNS = (
    members.c.id,
    members.c.user_name,
    members.c.external_id,
    members.c.active,
    members.c.display_name,
    members.c.given_name,
    members.c.family_name,
    members.c.email,
    members.c.seat_status,
    # Only the parts of the stored SCIM resource the directory shows, not the whole document.
    members.c.resource["emails"].label("emails"),
    members.c.resource[("name", "formatted")].as_string().label("formatted_name"),
    members.c.created_at,
    members.c.updated_at,
)


def _user_page(by_status: bool, by_update: bool, after: bool) -> sa.Select[Any]:
    condition = members.c.org_id == _ORG
    if by_status:
        condition &= members.c.seat_status == sa.bindparam("seat_status")
    if by_update:
        condition &= members.c.updated_at >= sa.bindparam("updated_since", type_=UTCDateTime())
    if after:
        condition &= _after(members)
    return (
        sa.select(*_USER_COLUMNS)
        .where(condition)
        .order_by(members.c.created_at, members.c.id)
        .limit(_LIMIT)
    )


# One statement per combination of filters, so each keeps a plan that fits it.
_USER_PAGES = {key: _user_page(*key) for key in product((False, True), repeat=3)}
_USER_BY_ID = sa.select(*_USER_COLUMNS).where(
    members.c.org_id == _ORG, members.c.id == sa.bindparam("user_id")
)

_GROUP_COLUMNS = (
    groups.c.id,
    groups.c.display_name,
    groups.c.external_id,
    groups.c.created_at,
    groups.c.updated_at,
)
_GROUP_PAGES = {
    after: sa.select(*_GROUP_COLUMNS)
    .where(groups.c.org_id == _ORG, *((_after(groups),) if after else ()))
    .order_by(groups.c.created_at, groups.c.id)
    .limit(_LIMIT)
    for after in (False, True)
}
_GROUP_BY_ID = sa.select(*_GROUP_COLUMNS).where(
    groups.c.org_id == _ORG, groups.c.id == sa.bindparam("group_id")
)

_nested = groups.alias("nested")
_MEMBER_PAGES = {
    after: sa.select(
        group_members.c.member_id,
        group_members.c.member_type,
        members.c.user_name,
        members.c.seat_status,
        _nested.c.display_name.label("group_display_name"),
    )
    .select_from(
        group_members.outerjoin(
            members,
            sa.and_(members.c.id == group_members.c.member_id, members.c.org_id == _ORG),
        ).outerjoin(
            _nested,
            sa.and_(_nested.c.id == group_members.c.member_id, _nested.c.org_id == _ORG),
        )
    )
    .where(
        group_members.c.group_id == sa.bindparam("group_id"),
        group_members.c.org_id == _ORG,
        *((group_members.c.member_id > sa.bindparam("after_member_id"),) if after else ()),
    )
    .order_by(group_members.c.member_id)
    .limit(_LIMIT)
    for after in (False, True)
}

# The latest entry of each member on the page: the largest ledger id per member id. The ids
# are of members just read from one org, so no org condition: that could steer the planner to
# the org's whole ledger (ix_seat_ledger_org_id) instead of ix_seat_ledger_member_id.
_latest = (
    sa.select(sa.func.max(seat_ledger.c.id))
    .where(seat_ledger.c.member_id.in_(sa.bindparam("member_ids", expanding=True)))
    .group_by(seat_ledger.c.member_id)
)
_LATEST_REASONS = sa.select(seat_ledger.c.member_id, seat_ledger.c.reason).where(
    seat_ledger.c.id.in_(_latest.scalar_subquery())
)

_ORG_EXISTS = sa.select(orgs.c.id).where(orgs.c.id == _ORG)


async def user_page(
    conn: AsyncConnection,
    org_id: str,
    *,
    limit: int,
    after: tuple[datetime, str] | None,
    seat_status: str | None,
    updated_since: datetime | None,
) -> list[dict[str, Any]]:
    """Up to `limit` of the org's members after `after`, by (created_at, id), filtered."""
    parameters: dict[str, Any] = {"org_id": org_id, "limit": limit}
    if seat_status is not None:
        parameters["seat_status"] = seat_status
    if updated_since is not None:
        parameters["updated_since"] = updated_since
    if after is not None:
        parameters["after_created_at"], parameters["after_id"] = after
    key = (seat_status is not None, updated_since is not None, after is not None)
    return await _all(conn, _USER_PAGES[key], parameters)


async def user_by_id(conn: AsyncConnection, org_id: str, user_id: str) -> dict[str, Any] | None:
    return await _first(conn, _USER_BY_ID, {"org_id": org_id, "user_id": user_id})


async def group_page(
    conn: AsyncConnection, org_id: str, *, limit: int, after: tuple[datetime, str] | None
) -> list[dict[str, Any]]:
    """Up to `limit` of the org's groups after `after`, by (created_at, id)."""
    parameters: dict[str, Any] = {"org_id": org_id, "limit": limit}
    if after is not None:
        parameters["after_created_at"], parameters["after_id"] = after
    return await _all(conn, _GROUP_PAGES[after is not None], parameters)


async def group_by_id(conn: AsyncConnection, org_id: str, group_id: str) -> dict[str, Any] | None:
    return await _first(conn, _GROUP_BY_ID, {"org_id": org_id, "group_id": group_id})


async def group_member_page(
    conn: AsyncConnection, org_id: str, group_id: str, *, limit: int, after: str | None
) -> list[dict[str, Any]]:
    """Up to `limit` direct members of the group after member id `after`, by member id, each
    with its user's user_name and seat_status or its nested group's display name."""
    parameters: dict[str, Any] = {"org_id": org_id, "group_id": group_id, "limit": limit}
    if after is not None:
        parameters["after_member_id"] = after
    return await _all(conn, _MEMBER_PAGES[after is not None], parameters)


async def latest_seat_reasons(conn: AsyncConnection, member_ids: Sequence[str]) -> dict[str, str]:
    """The reason of each member's latest seat ledger entry, by member id, in one query."""
    if not member_ids:
        return {}
    result = await conn.execute(_LATEST_REASONS, {"member_ids": list(member_ids)})
    return {row.member_id: row.reason for row in result}


async def org_exists(conn: AsyncConnection, org_id: str) -> bool:
    return (await conn.execute(_ORG_EXISTS, {"org_id": org_id})).first() is not None


async def _all(
    conn: AsyncConnection, statement: sa.Select[Any], parameters: dict[str, Any]
) -> list[dict[str, Any]]:
    return [dict(row) for row in (await conn.execute(statement, parameters)).mappings()]


async def _first(
    conn: AsyncConnection, statement: sa.Select[Any], parameters: dict[str, Any]
) -> dict[str, Any] | None:
    row = (await conn.execute(statement, parameters)).mappings().first()
    return None if row is None else dict(row)
