"""Group membership as set operations: what is added or removed costs in proportion to the ids
named, never to the size of the group (seats/storage/membership_store.py holds the statements
that make sure of it on both engines, and the reads of a group's members).

A member of a group is a User (members.id) or a nested Group (groups.id) of the same org
(RFC 7643 §4.2). These functions neither lock the group nor bump its version: the group
service (seats/groups.py) does both once per change, however many steps the change has.
"""

import logging
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import event_log
from seats.clock import utcnow
from seats.errors import InvalidValue
from seats.events import GroupMembersRemoved
from seats.storage import group_store, membership_store

log = logging.getLogger("seatgate.groups")

NO_DISPLAYS: Mapping[str, str] = MappingProxyType({})


def unique(ids: Iterable[str]) -> list[str]:
    """The ids in their first order, each once."""
    return list(dict.fromkeys(ids))


async def resolve_types(
    conn: AsyncConnection,
    org_id: str,
    group_id: str,
    ids: Sequence[str],
    *,
    skip_unknown: bool = False,
) -> dict[str, str]:
    """Map each id to "User" or "Group", reading only those ids.

    An id that is neither a user nor a group of this org (ids of other orgs are unknown too)
    is refused by name (RFC 7644 §3.12 invalidValue), so an identity provider that pushes a
    membership for a user it never provisioned hears it; with `skip_unknown` it is left out
    instead (skip_unknown_members).
    """
    if group_id in ids:
        raise InvalidValue(f"group {group_id} cannot be a member of itself")
    found = await membership_store.kinds_of(conn, org_id, ids)
    unknown = [member_id for member_id in ids if member_id not in found]
    if not unknown:
        return found
    if skip_unknown:
        skip_unknown_members(org_id, group_id, unknown)
        return found
    more = f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""
    raise InvalidValue(
        f"no user or group with id {', '.join(unknown[:20])}{more} exists in this organization",
        unknown=unknown,
    )


def skip_unknown_members(org_id: str, group_id: str, unknown: Sequence[str]) -> None:
    """The one place unknown member ids are dropped from a change, the rest applying.

    A PATCH that adds members tolerates them (scim-sanity's PATCH /Groups check; an IdP whose
    user is deleted here but not yet on its side keeps pushing the group): refusing the whole
    operation would keep every other member out too. Nothing is written for these ids.
    """
    log.info("group %s of org %s: %d unknown member id(s) skipped", group_id, org_id, len(unknown))


async def add(
    conn: AsyncConnection,
    org_id: str,
    group_id: str,
    ids: Sequence[str],
    displays: Mapping[str, str] = NO_DISPLAYS,
    *,
    skip_unknown: bool = False,
) -> tuple[list[str], list[str]]:
    """Add the members that are not members yet; return the ids added and the unknown ids
    skipped.

    `displays` are the names the client sent with some of them, shown back instead of the
    member's own name. A member already in keeps the display it joined with. Unknown ids are
    refused, or with `skip_unknown` left out (resolve_types).
    """
    ids = unique(ids)
    if not ids:
        return [], []
    kinds = await resolve_types(conn, org_id, group_id, ids, skip_unknown=skip_unknown)
    skipped = [member_id for member_id in ids if member_id not in kinds] if skip_unknown else []
    added = await membership_store.insert_members(conn, org_id, group_id, kinds, displays)
    return added, skipped


async def remove(
    conn: AsyncConnection, org_id: str, group_id: str, ids: Sequence[str]
) -> list[str]:
    """Remove the named members; ids that are not members are ignored. Return the ids removed.

    The caller has checked that the group is this org's (its members are too).
    """
    ids = unique(ids)
    if not ids:
        return []
    return await membership_store.delete_members(conn, group_id, ids)


async def remove_all(conn: AsyncConnection, org_id: str, group_id: str) -> list[str]:
    """Empty the group; return the ids removed."""
    return await membership_store.delete_all(conn, org_id, group_id)


async def replace(
    conn: AsyncConnection,
    org_id: str,
    group_id: str,
    ids: Sequence[str],
    displays: Mapping[str, str] = NO_DISPLAYS,
    *,
    skip_unknown: bool = False,
) -> tuple[list[str], list[str], list[str]]:
    """Make the membership exactly `ids` (a PUT, or a PATCH replace on members); return the
    ids added, the ids removed and the unknown ids skipped.

    The group's member ids are read once to compute the difference; only the difference is
    validated and written, so re-sending an unchanged list of 100,000 members writes nothing.
    """
    wanted = unique(ids)
    current = await membership_store.member_ids(conn, org_id, group_id)
    wanted_set = set(wanted)
    leaving = [member_id for member_id in current if member_id not in wanted_set]
    joining = [member_id for member_id in wanted if member_id not in current]
    removed = await remove(conn, org_id, group_id, leaving)
    added, skipped = await add(conn, org_id, group_id, joining, displays, skip_unknown=skip_unknown)
    return added, removed, skipped


async def remove_from_all_groups(conn: AsyncConnection, org_id: str, member_id: str) -> None:
    """Take a member (a user or a nested group being deleted) out of every group; the groups
    it leaves change, so their versions (ETags) move and each records the removal."""
    parents = await membership_store.leave_all_groups(conn, org_id, member_id)
    if parents:
        await group_store.bump_versions(conn, parents, now=utcnow())
        event_log.record(
            conn, *(GroupMembersRemoved(org_id, parent, (member_id,)) for parent in parents)
        )
