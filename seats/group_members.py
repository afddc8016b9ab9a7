"""Group membership as set operations in SQL: what is added or removed costs in proportion to
the ids named, never to the size of the group.

A member of a group is a User (members.id) or a nested Group (groups.id) of the same org
(RFC 7643 §4.2). These functions neither lock the group nor bump its version: the group
service (seats/groups.py) does both once per change, however many steps the change has.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.clock import utcnow
from seats.errors import InvalidValue
from seats.storage.tables import UTCDateTime, group_members, groups, members


@dataclass(frozen=True)
class MemberRef:
    """One entry of a group's `members`: the member's id, its type, and a name to show."""

    value: str
    type: str
    display: str | None


def unique(ids: Iterable[str]) -> list[str]:
    """The ids in their first order, each once."""
    return list(dict.fromkeys(ids))


def among(conn: AsyncConnection, column: sa.ColumnElement[Any], ids: Sequence[str]) -> Any:
    """`column IN ids`, with the ids bound as ONE parameter: a PostgreSQL array, or a JSON
    array that SQLite reads with json_each. An IN list binds one parameter per id, which
    breaks past the engines' parameter limits (32,766 / 32,767) and costs a compile per size.
    """
    if conn.dialect.name == "postgresql":
        # IN (SELECT unnest(...)) rather than = ANY(...): once asyncpg's prepared statement
        # gets a generic plan, = ANY over a large array becomes a sequential scan testing each
        # row against every id (seconds for 10,000 ids), while unnest stays an index lookup.
        array = sa.literal(list(ids), type_=postgresql.ARRAY(sa.String))
        return column.in_(sa.select(sa.func.unnest(array)))
    values = sa.func.json_each(sa.literal(json.dumps(list(ids)))).table_valued("value")
    return column.in_(sa.select(values.c.value))


async def resolve_types(
    conn: AsyncConnection, org_id: str, group_id: str, ids: Sequence[str]
) -> dict[str, str]:
    """Map each id to "User" or "Group", reading only those ids, or raise InvalidValue.

    An id that is neither a user nor a group of this org is refused by name: an identity
    provider that pushes a membership for a user it never provisioned must hear it (RFC 7644
    §3.12 invalidValue), not see the member silently dropped. Ids of other orgs are unknown.
    """
    if group_id in ids:
        raise InvalidValue(f"group {group_id} cannot be a member of itself")
    found: dict[str, str] = {}
    for table, kind in ((members, "User"), (groups, "Group")):
        query = sa.select(table.c.id).where(table.c.org_id == org_id, among(conn, table.c.id, ids))
        if conn.dialect.name == "postgresql":
            # FOR KEY SHARE holds the rows until commit against a concurrent DELETE of the
            # user or group, so no membership can outlive its member (SQLite: single writer).
            query = query.with_for_update(read=True, key_share=True)
        found.update(dict.fromkeys((await conn.execute(query)).scalars(), kind))
    unknown = [member_id for member_id in ids if member_id not in found]
    if unknown:
        shown = ", ".join(unknown[:20]) + (
            f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""
        )
        raise InvalidValue(
            f"no user or group with id {shown} exists in this organization", unknown=unknown
        )
    return found


async def add(conn: AsyncConnection, org_id: str, group_id: str, ids: Sequence[str]) -> int:
    """Add the members that are not members yet; return how many were added."""
    ids = unique(ids)
    if not ids:
        return 0
    await resolve_types(conn, org_id, group_id, ids)
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(
        group_members
    )
    now = sa.literal(utcnow(), UTCDateTime())
    # The rows are selected in SQL from the ids bound as one parameter, rather than sent one
    # by one; the member's type comes from the table it is found in.
    rows = sa.union_all(
        *(
            sa.select(
                sa.literal(group_id), table.c.id, sa.literal(kind), table.c.org_id, now
            ).where(table.c.org_id == org_id, among(conn, table.c.id, ids))
            for table, kind in ((members, "User"), (groups, "Group"))
        )
    )
    statement = (
        insert.from_select(["group_id", "member_id", "member_type", "org_id", "created_at"], rows)
        # An id already in the group is skipped without reading the group first (RFC 7644
        # §3.5.2.1: adding a value already present changes nothing). RETURNING counts the
        # rows really inserted, on both engines.
        .on_conflict_do_nothing(index_elements=["group_id", "member_id"])
        .returning(group_members.c.member_id)
    )
    return len((await conn.execute(statement)).all())


async def remove(conn: AsyncConnection, org_id: str, group_id: str, ids: Sequence[str]) -> int:
    """Remove the named members; ids that are not members are ignored. Return how many left."""
    if not ids:
        return 0
    result = await conn.execute(
        group_members.delete().where(
            group_members.c.group_id == group_id,
            group_members.c.org_id == org_id,
            among(conn, group_members.c.member_id, unique(ids)),
        )
    )
    return result.rowcount


async def remove_all(conn: AsyncConnection, org_id: str, group_id: str) -> int:
    result = await conn.execute(
        group_members.delete().where(
            group_members.c.group_id == group_id, group_members.c.org_id == org_id
        )
    )
    return result.rowcount


async def replace(conn: AsyncConnection, org_id: str, group_id: str, ids: Sequence[str]) -> int:
    """Make the membership exactly `ids` (a PUT, or a PATCH replace on members).

    The group's member ids are read once to compute the difference; only the difference is
    validated and written, so re-sending an unchanged list of 100,000 members writes nothing.
    """
    wanted = unique(ids)
    current = await member_ids(conn, org_id, group_id)
    wanted_set = set(wanted)
    leaving = [member_id for member_id in current if member_id not in wanted_set]
    joining = [member_id for member_id in wanted if member_id not in current]
    return await remove(conn, org_id, group_id, leaving) + await add(
        conn, org_id, group_id, joining
    )


async def member_ids(conn: AsyncConnection, org_id: str, group_id: str) -> set[str]:
    result = await conn.execute(
        sa.select(group_members.c.member_id).where(
            group_members.c.group_id == group_id, group_members.c.org_id == org_id
        )
    )
    return set(result.scalars())


async def count_members(conn: AsyncConnection, org_id: str, group_id: str) -> int:
    return (
        await conn.execute(
            sa.select(sa.func.count())
            .select_from(group_members)
            .where(group_members.c.group_id == group_id, group_members.c.org_id == org_id)
        )
    ).scalar_one()


async def members_of(
    conn: AsyncConnection,
    org_id: str,
    group_ids: Sequence[str],
    *,
    offset: int = 0,
    limit: int | None = None,
) -> dict[str, list[MemberRef]]:
    """The members of each group, ordered by id (the primary key's order: no sort needed).

    `offset`/`limit` page through the members of a single group.
    """
    found: dict[str, list[MemberRef]] = {group_id: [] for group_id in group_ids}
    if not group_ids:
        return found
    nested = groups.alias("nested")
    query = (
        sa.select(
            group_members.c.group_id,
            group_members.c.member_id,
            group_members.c.member_type,
            sa.func.coalesce(
                members.c.display_name, members.c.user_name, nested.c.display_name
            ).label("display"),
        )
        .select_from(
            group_members.outerjoin(members, members.c.id == group_members.c.member_id).outerjoin(
                nested, nested.c.id == group_members.c.member_id
            )
        )
        .where(group_members.c.org_id == org_id, group_members.c.group_id.in_(group_ids))
        .order_by(group_members.c.group_id, group_members.c.member_id)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    for row in await conn.execute(query):
        found[row.group_id].append(MemberRef(row.member_id, row.member_type, row.display))
    return found


async def remove_from_all_groups(conn: AsyncConnection, org_id: str, member_id: str) -> list[str]:
    """Take a member (a nested group being deleted) out of every group; return those groups."""
    parents = list(
        (
            await conn.execute(
                sa.select(group_members.c.group_id).where(
                    group_members.c.member_id == member_id, group_members.c.org_id == org_id
                )
            )
        ).scalars()
    )
    if parents:
        await conn.execute(
            group_members.delete().where(
                group_members.c.member_id == member_id, group_members.c.org_id == org_id
            )
        )
    return parents
