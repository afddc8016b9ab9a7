"""SQL of group membership (the group_members rows): the set operations that add and remove
members, and the reads of a group's members and of the groups a member is in.

The statements that take a list of ids are shaped so that their cost is proportional to the
ids on either engine, whatever the planner believes about the tables. Two hazards shape them:
- bound parameters: an `IN (:id1, :id2, ...)` list breaks past 32,766 (SQLite) / 32,767
  (PostgreSQL) parameters, so the ids travel as ONE parameter: a PostgreSQL array, or a JSON
  array that SQLite reads with json_each;
- PostgreSQL plans: right after a group is filled (before autovacuum has analyzed the table)
  the planner may believe a 100,000-member group holds one row and join it to the ids with a
  nested loop testing every pair (minutes for 30,000 ids; seen in the tests). So each id is
  looked up by its own index probe, in a form the planner cannot turn into a join: a scalar
  subquery per id. SQLite's planner always probes the primary key for these shapes.
"""

import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.clock import utcnow
from seats.model import MemberRef
from seats.storage.direct_statements import DirectStatement
from seats.storage.tables import UTCDateTime, group_members, groups, members

_KINDS = ((members, "User"), (groups, "Group"))


def _is_postgresql(conn: AsyncConnection) -> bool:
    return conn.dialect.name == "postgresql"


def _array(values: Sequence[str | None]) -> Any:
    return sa.literal(list(values), type_=postgresql.ARRAY(sa.String))


def _json_values(values: Sequence[Any]) -> Any:
    return sa.func.json_each(sa.literal(json.dumps(list(values)))).table_valued("value")


async def kinds_of(conn: AsyncConnection, org_id: str, ids: Sequence[str]) -> dict[str, str]:
    """ "User" or "Group" for each id that is a user or group of the org (others left out).

    On PostgreSQL the rows found are held FOR KEY SHARE until commit, so a concurrent DELETE
    of that user or group waits, and no membership outlives its member (SQLite has a single
    writer).
    """
    if not _is_postgresql(conn):
        found: dict[str, str] = {}
        for table, kind in _KINDS:
            ids_in = table.c.id.in_(sa.select(_json_values(ids).c.value))
            query = sa.select(table.c.id).where(table.c.org_id == org_id, ids_in)
            found.update(dict.fromkeys((await conn.execute(query)).scalars(), kind))
        return found
    wanted = sa.func.unnest(_array(ids)).table_valued("id").render_derived()
    probes = [
        sa.select(sa.literal(kind))
        .where(table.c.id == wanted.c.id, table.c.org_id == org_id)
        .with_for_update(read=True, key_share=True)
        .scalar_subquery()
        for table, kind in _KINDS
    ]
    query = sa.select(wanted.c.id, sa.func.coalesce(*probes).label("kind"))
    return {row.id: row.kind for row in await conn.execute(query) if row.kind is not None}


async def insert_members(
    conn: AsyncConnection,
    org_id: str,
    group_id: str,
    kinds: Mapping[str, str],
    displays: Mapping[str, str],
) -> list[str]:
    """Insert (group, member, kind, display) rows, skipping members already in; return the
    ids really inserted. `displays` holds the names the client sent, by member id."""
    now = sa.literal(utcnow(), UTCDateTime())
    names = [displays.get(member_id) for member_id in kinds]
    if _is_postgresql(conn):
        rows_in = sa.func.unnest(_array(list(kinds)), _array(list(kinds.values())), _array(names))
        entries = rows_in.table_valued("id", "kind", "display").render_derived()
        rows = sa.select(
            sa.literal(group_id),
            entries.c.id,
            entries.c.kind,
            entries.c.display,
            sa.literal(org_id),
            now,
        )
        insert: Any = postgresql.insert(group_members)
    else:
        entries = _json_values(
            [list(entry) for entry in zip(kinds, kinds.values(), names, strict=True)]
        )
        rows = sa.select(
            sa.literal(group_id),
            sa.func.json_extract(entries.c.value, "$[0]"),
            sa.func.json_extract(entries.c.value, "$[1]"),
            sa.func.json_extract(entries.c.value, "$[2]"),
            sa.literal(org_id),
            now,
            # SQLite reads "SELECT ... ON CONFLICT" as a join constraint without a WHERE.
        ).where(sa.true())
        insert = sqlite.insert(group_members)
    columns = ["group_id", "member_id", "member_type", "display", "org_id", "created_at"]
    statement = (
        insert.from_select(columns, rows)
        # Adding a member already present changes nothing (RFC 7644 §3.5.2.1), and the group
        # is not read to know it. RETURNING names the rows really inserted.
        .on_conflict_do_nothing(index_elements=["group_id", "member_id"])
        .returning(group_members.c.member_id)
    )
    return list((await conn.execute(statement)).scalars())


_POSTGRESQL_DELETE = sa.text(
    """
    DELETE FROM group_members WHERE ctid = ANY(ARRAY(
        SELECT (SELECT ctid FROM group_members WHERE group_id = :group_id AND member_id = u.id)
        FROM unnest(:ids) AS u(id)
    ))
    RETURNING member_id
    """
).bindparams(sa.bindparam("ids", type_=postgresql.ARRAY(sa.String)))


_SQLITE_DELETE = (
    group_members.delete()
    .where(
        group_members.c.group_id == sa.bindparam("group_id"),
        group_members.c.member_id.in_(
            sa.select(sa.func.json_each(sa.bindparam("ids")).table_valued("value").c.value)
        ),
    )
    .returning(group_members.c.member_id)
)


async def delete_members(conn: AsyncConnection, group_id: str, ids: Sequence[str]) -> list[str]:
    """Delete these members from the group (ids that are not members are ignored); return the
    ids really removed."""
    if _is_postgresql(conn):
        # One primary-key probe per id collects the rows' ctids; the DELETE is a TID scan.
        result = await conn.execute(_POSTGRESQL_DELETE, {"group_id": group_id, "ids": list(ids)})
        return list(result.scalars())
    parameters = {"group_id": group_id, "ids": json.dumps(list(ids))}
    return list((await conn.execute(_SQLITE_DELETE, parameters)).scalars())


async def delete_all(conn: AsyncConnection, org_id: str, group_id: str) -> list[str]:
    """Empty the group; return the ids removed."""
    result = await conn.execute(
        group_members.delete()
        .where(group_members.c.group_id == group_id, group_members.c.org_id == org_id)
        .returning(group_members.c.member_id)
    )
    return list(result.scalars())


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
                group_members.c.display,
                members.c.display_name,
                members.c.user_name,
                nested.c.display_name,
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


# Every DELETE of a user runs it: by the driver directly (seats/storage/direct_statements.py).
_LEAVE_ALL_GROUPS = DirectStatement(
    group_members.delete()
    .where(
        group_members.c.member_id == sa.bindparam("member_id"),
        group_members.c.org_id == sa.bindparam("org_id"),
    )
    .returning(group_members.c.group_id)
)


async def leave_all_groups(conn: AsyncConnection, org_id: str, member_id: str) -> list[str]:
    """Delete every membership of the member (a user or a nested group); return the ids of
    the groups it was directly in (one statement: DELETE ... RETURNING, on both engines)."""
    rows = await _LEAVE_ALL_GROUPS.all_on(conn, {"member_id": member_id, "org_id": org_id})
    return sorted(row["group_id"] for row in rows)
