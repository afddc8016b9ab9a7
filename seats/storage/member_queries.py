"""Reading an organization's members by a seats.query `ListQuery`: the page, the count and
the keyset sort value, and which column answers each `MemberField`.

The columns promoted from the SCIM resource (seats/storage/tables.py) answer the fields
identity providers filter on: `user_name` is the folded, uniquely indexed `user_name_key`,
`email` the folded primary email, `seat_status` its own lowercase key. A member's
`Memberships` are its direct groups: `group_id`, and the group's folded display name.
"""

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.model import Member
from seats.query import Condition, ListQuery, MemberField, MembershipField, Sort
from seats.storage.deprovision_store import VISIBLE_TO_IDP
from seats.storage.filter_sql import Promoted, Target, condition_sql
from seats.storage.listing import count_rows, list_rows, sort_value
from seats.storage.member_store import to_member
from seats.storage.tables import groups, members


def _groups_of_member(rows: sa.FromClause) -> Mapping[MembershipField, Promoted]:
    group = groups.alias()
    display = (
        sa.select(group.c.display_name_key).where(group.c.id == rows.c.group_id).scalar_subquery()
    )
    # Every membership row names an existing group (foreign keys, cascades).
    return {
        MembershipField.GROUP_ID: Promoted(rows.c.group_id, nullable=False),
        MembershipField.GROUP_DISPLAY_NAME: Promoted(display, folded=True, nullable=False),
    }


MEMBERS = Target(
    table=members,
    fields={
        MemberField.ID: Promoted(members.c.id),
        MemberField.EXTERNAL_ID: Promoted(members.c.external_id),
        MemberField.CREATED_AT: Promoted(members.c.created_at),
        MemberField.UPDATED_AT: Promoted(members.c.updated_at),
        MemberField.VERSION: Promoted(members.c.version),
        MemberField.USER_NAME: Promoted(members.c.user_name_key, folded=True),
        MemberField.DISPLAY_NAME: Promoted(members.c.display_name),
        MemberField.GIVEN_NAME: Promoted(members.c.given_name),
        MemberField.FAMILY_NAME: Promoted(members.c.family_name),
        MemberField.USER_TYPE: Promoted(members.c.user_type),
        MemberField.ACTIVE: Promoted(members.c.active),
        # The seat statuses are lowercase ASCII words: the column is its own folded key.
        MemberField.SEAT_STATUS: Promoted(members.c.seat_status, folded=True),
        MemberField.OVER_LIMIT_SINCE: Promoted(members.c.over_limit_since),
        MemberField.EMAIL: Promoted(members.c.email_key, folded=True),
    },
    membership_owner="member_id",
    membership_columns=_groups_of_member,
)


# What the IdP sees: members whose deletion the guard holds are gone (seats/deprovision_guard.py).
SCIM_MEMBERS = replace(MEMBERS, scope=VISIBLE_TO_IDP)


def member_condition(condition: Condition) -> sa.ColumnElement[bool]:
    """`condition` as SQL over `members` (for storage code and its tests)."""
    return condition_sql(MEMBERS, condition)


async def list_members(
    conn: AsyncConnection, org_id: str, query: ListQuery, *, include_held: bool = True
) -> tuple[int | None, list[Member]]:
    """The page of the organization's members `query` asks for, and their number when
    `query.with_total`; without `include_held`, as the IdP sees them."""
    target = MEMBERS if include_held else SCIM_MEMBERS
    return await list_rows(conn, target, org_id, query, to_member)


async def count_members(
    conn: AsyncConnection, org_id: str, condition: Condition | None, *, include_held: bool = True
) -> int:
    return await count_rows(conn, MEMBERS if include_held else SCIM_MEMBERS, org_id, condition)


async def member_sort_value(conn: AsyncConnection, org_id: str, member_id: str, sort: Sort) -> Any:
    """The value one member sorts by under `sort` (a keyset position resumes after it)."""
    return await sort_value(conn, MEMBERS, org_id, member_id, sort)
