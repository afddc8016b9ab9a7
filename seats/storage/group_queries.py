"""Reading an organization's groups by a seats.query `ListQuery`: the page, the count and the
keyset sort value, and which column answers each `GroupField`.

`display_name` is the folded, uniquely indexed `display_name_key`. A group's `Memberships`
are its members: `member_id` (through the `group_members` member index) and `member_type`.
"""

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.model import Group
from seats.query import Condition, GroupField, ListQuery, MembershipField, Sort
from seats.storage.filter_sql import Promoted, Target, condition_sql, sort_sql
from seats.storage.group_store import to_group
from seats.storage.listing import count_rows, list_rows, sort_value
from seats.storage.tables import groups


def _members_of_group(rows: sa.FromClause) -> Mapping[MembershipField, Promoted]:
    # Every membership row names an existing member or group (foreign keys, cascades).
    return {
        MembershipField.MEMBER_ID: Promoted(rows.c.member_id, nullable=False),
        MembershipField.MEMBER_TYPE: Promoted(rows.c.member_type, nullable=False),
    }


GROUPS = Target(
    table=groups,
    fields={
        GroupField.ID: Promoted(groups.c.id),
        GroupField.EXTERNAL_ID: Promoted(groups.c.external_id),
        GroupField.CREATED_AT: Promoted(groups.c.created_at),
        GroupField.UPDATED_AT: Promoted(groups.c.updated_at),
        GroupField.VERSION: Promoted(groups.c.version),
        GroupField.DISPLAY_NAME: Promoted(groups.c.display_name_key, folded=True),
    },
    membership_owner="group_id",
    membership_columns=_members_of_group,
)


def group_condition(condition: Condition) -> sa.ColumnElement[bool]:
    """`condition` as SQL over `groups` (for storage code and its tests)."""
    return condition_sql(GROUPS, condition)


def group_sort_key(sort: Sort) -> sa.ColumnElement[Any]:
    """What `sort` orders groups by, as SQL (for storage code and its tests)."""
    return sort_sql(GROUPS, sort)


async def list_groups(
    conn: AsyncConnection, org_id: str, query: ListQuery
) -> tuple[int | None, list[Group]]:
    """The page of the organization's groups `query` asks for, and their number when
    `query.with_total`."""
    return await list_rows(conn, GROUPS, org_id, query, to_group)


async def count_groups(conn: AsyncConnection, org_id: str, condition: Condition | None) -> int:
    return await count_rows(conn, GROUPS, org_id, condition)


async def group_sort_value(conn: AsyncConnection, org_id: str, group_id: str, sort: Sort) -> Any:
    """The value one group sorts by under `sort` (a keyset position resumes after it)."""
    return await sort_value(conn, GROUPS, org_id, group_id, sort)
