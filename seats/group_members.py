"""Group membership as set operations in SQL: what is added or removed costs in proportion to
the ids named, never to the size of the group (seats/membership_sql.py holds the statements
that make sure of it on both engines).

A member of a group is a User (members.id) or a nested Group (groups.id) of the same org
(RFC 7643 §4.2). These functions neither lock the group nor bump its version: the group
service (seats/groups.py) does both once per change, however many steps the change has.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats import event_log, membership_sql
from seats.clock import utcnow
from seats.errors import InvalidValue
from seats.events import GroupMembersRemoved
from seats.storage.tables import UTCDateTime, group_members, groups, members

NO_DISPLAYS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class MemberRef:
    """One entry of a group's `members`: the member's id, its type, and a name to show."""

    value: str
    type: str
    display: str | None


def unique(ids: Iterable[str]) -> list[str]:
    """The ids in their first order, each once."""
    return list(dict.fromkeys(ids))


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
    found = await membership_sql.kinds_of(conn, org_id, ids)
    unknown = [member_id for member_id in ids if member_id not in found]
    if unknown:
        more = f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""
        raise InvalidValue(
            f"no user or group with id {', '.join(unknown[:20])}{more} exists in this organization",
            unknown=unknown,
        )
    return found


async def add(
    conn: AsyncConnection,
    org_id: str,
    group_id: str,
    ids: Sequence[str],
    displays: Mapping[str, str] = NO_DISPLAYS,
) -> list[str]:
    """Add the members that are not members yet; return the ids added.

    `displays` are the names the client sent with some of them, shown back instead of the
    member's own name. A member already in keeps the display it joined with.
    """
    ids = unique(ids)
    if not ids:
        return []
    kinds = await resolve_types(conn, org_id, group_id, ids)
    return await membership_sql.insert_members(conn, org_id, group_id, kinds, displays)


async def remove(
    conn: AsyncConnection, org_id: str, group_id: str, ids: Sequence[str]
) -> list[str]:
    """Remove the named members; ids that are not members are ignored. Return the ids removed.

    The caller has checked that the group is this org's (its members are too).
    """
    ids = unique(ids)
    if not ids:
        return []
    return await membership_sql.delete_members(conn, group_id, ids)


async def remove_all(conn: AsyncConnection, org_id: str, group_id: str) -> list[str]:
    """Empty the group; return the ids removed."""
    result = await conn.execute(
        group_members.delete()
        .where(group_members.c.group_id == group_id, group_members.c.org_id == org_id)
        .returning(group_members.c.member_id)
    )
    return list(result.scalars())


async def replace(
    conn: AsyncConnection,
    org_id: str,
    group_id: str,
    ids: Sequence[str],
    displays: Mapping[str, str] = NO_DISPLAYS,
) -> tuple[list[str], list[str]]:
    """Make the membership exactly `ids` (a PUT, or a PATCH replace on members); return the
    ids added and the ids removed.

    The group's member ids are read once to compute the difference; only the difference is
    validated and written, so re-sending an unchanged list of 100,000 members writes nothing.
    """
    wanted = unique(ids)
    current = await member_ids(conn, org_id, group_id)
    wanted_set = set(wanted)
    leaving = [member_id for member_id in current if member_id not in wanted_set]
    joining = [member_id for member_id in wanted if member_id not in current]
    removed = await remove(conn, org_id, group_id, leaving)
    return await add(conn, org_id, group_id, joining, displays), removed


async def member_ids(conn: AsyncConnection, org_id: str, group_id: str) -> set[str]:
    result = await conn.execute(
        sa.select(group_members.c.member_id).where(
            group_members.c.group_id == group_id, group_members.c.org_id == org_id
        )
    )
    return set(result.scalars())


async def has_more_than(conn: AsyncConnection, group_id: str, count: int) -> bool:
    """Whether the group has more than `count` members: walks at most `count` entries of the
    primary key, without reading the rows (the caller has checked the group is its org's)."""
    query = (
        sa.select(group_members.c.member_id)
        .where(group_members.c.group_id == group_id)
        .order_by(group_members.c.member_id)
        .offset(count)
        .limit(1)
    )
    return (await conn.execute(query)).first() is not None


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


_BUMP_VERSIONS = (
    groups.update()
    .where(groups.c.id.in_(sa.bindparam("group_ids", expanding=True)))
    .values(version=groups.c.version + 1, updated_at=sa.bindparam("now", type_=UTCDateTime()))
)


async def bump_versions(
    conn: AsyncConnection, group_ids: Sequence[str], *, now: datetime | None = None
) -> None:
    """Move the version (the SCIM ETag) of groups whose membership changed."""
    if group_ids:
        parameters = {"group_ids": list(group_ids), "now": now or utcnow()}
        await conn.execute(_BUMP_VERSIONS, parameters)


async def remove_from_all_groups(conn: AsyncConnection, org_id: str, member_id: str) -> None:
    """Take a member (a user or a nested group being deleted) out of every group; the groups
    it leaves change, so their versions (ETags) move and each records the removal."""
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
        await bump_versions(conn, parents)
        event_log.record(
            conn, *(GroupMembersRemoved(org_id, parent, (member_id,)) for parent in parents)
        )
