"""SQL of groups (SCIM Groups): their rows, read with or without the row lock, written under the
per-organization unique index on the folded displayName, and how a row becomes a `Group`."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.identifiers import fold, identifier_key
from seats.model import Group, GroupDraft
from seats.storage.tables import UTCDateTime, groups, orgs


class DisplayNameTaken(Exception):
    """Another group of the organization has this displayName (the unique index said so)."""


# Built once (a statement object caches its compiled form): every group request reads one.
_GROUP_BY_ID = sa.select(groups).where(
    groups.c.org_id == sa.bindparam("org_id"), groups.c.id == sa.bindparam("group_id")
)
# A group change on PostgreSQL takes its locks in the order a seat-moving change takes its own:
# the org row first (FOR KEY SHARE, which only the org lock's FOR UPDATE waits for), then rows
# under it. Otherwise it locked its group and a user it adds (membership_store.kinds_of) before
# the org row, which its version bump then locked (the groups -> orgs foreign key is checked
# again on an UPDATE of a row this transaction already changed: the member-count trigger had),
# and deadlocked with that user's DELETE, which held the org lock and waited for the user's row.
# The org's KEY SHARE is the subquery's, evaluated before the groups row is read and locked.
_ORG_KEY_SHARE = (
    sa.select(orgs.c.id)
    .where(orgs.c.id == sa.bindparam("org_id"))
    .with_for_update(read=True, key_share=True)
    .scalar_subquery()
)
_GROUP_BY_ID_FOR_UPDATE = (
    sa.select(groups)
    .where(groups.c.org_id == _ORG_KEY_SHARE, groups.c.id == sa.bindparam("group_id"))
    .with_for_update(of=groups)
)
_BUMP_VERSIONS = (
    groups.update()
    .where(groups.c.id.in_(sa.bindparam("group_ids", expanding=True)))
    .values(version=groups.c.version + 1, updated_at=sa.bindparam("now", type_=UTCDateTime()))
)
_BUMP_VERSION = (
    groups.update()
    .where(groups.c.id == sa.bindparam("group_id"))
    .values(version=groups.c.version + 1, updated_at=sa.bindparam("now", type_=UTCDateTime()))
    .returning(groups.c.member_count)
)


async def group_by_id(
    conn: AsyncConnection, org_id: str, group_id: str, *, lock: bool
) -> Group | None:
    """The org's group with this id; `lock` holds its row until the transaction ends
    (SELECT ... FOR UPDATE on PostgreSQL; SQLite's single writer needs none)."""
    query = _GROUP_BY_ID_FOR_UPDATE if lock and conn.dialect.name == "postgresql" else _GROUP_BY_ID
    row = (await conn.execute(query, {"org_id": org_id, "group_id": group_id})).mappings().first()
    return None if row is None else to_group(row)


async def display_name_taken(conn: AsyncConnection, org_id: str, display_name: str) -> bool:
    query = sa.select(groups.c.id).where(
        groups.c.org_id == org_id, groups.c.display_name_key == fold(display_name)
    )
    return (await conn.execute(query)).first() is not None


async def insert_group(
    conn: AsyncConnection, org_id: str, group_id: str, draft: GroupDraft, *, now: datetime
) -> Group:
    """Insert a group at version 1 and return it; raise DisplayNameTaken if the name is."""
    values = {
        "id": group_id,
        "org_id": org_id,
        **_draft_columns(draft),
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "member_count": 0,
    }
    await _write(conn, groups.insert().values(values))
    return to_group(values)


async def update_attributes(
    conn: AsyncConnection, group_id: str, draft: GroupDraft, *, rekey: bool
) -> None:
    """Write a group's attributes (its version moves with bump_versions); raise
    DisplayNameTaken if another group has the name. The key is written only with `rekey` (the
    displayName folds differently): a group the 0005 migration set aside keeps its own."""
    columns = _draft_columns(draft, keyed=rekey)
    statement = groups.update().where(groups.c.id == group_id).values(columns)
    await _write(conn, statement)


async def delete_group(conn: AsyncConnection, group_id: str) -> None:
    await conn.execute(groups.delete().where(groups.c.id == group_id))


async def bump_versions(conn: AsyncConnection, group_ids: Sequence[str], *, now: datetime) -> None:
    """Move the version (the SCIM ETag) of these groups by one."""
    if group_ids:
        await conn.execute(_BUMP_VERSIONS, {"group_ids": list(group_ids), "now": now})


async def bump_version(conn: AsyncConnection, group_id: str, *, now: datetime) -> int:
    """Move the group's version by one; its member count as the triggers left it (this
    transaction's membership writes included), read by the same statement."""
    result = await conn.execute(_BUMP_VERSION, {"group_id": group_id, "now": now})
    return result.scalar_one()


async def _write(conn: AsyncConnection, statement: sa.Executable) -> None:
    try:
        # A savepoint: the transaction stays usable after the unique index refuses the row.
        async with conn.begin_nested():
            await conn.execute(statement)
    except IntegrityError:
        # Lost the race between the caller's check and the unique index.
        raise DisplayNameTaken from None


def _draft_columns(draft: GroupDraft, *, keyed: bool = True) -> dict[str, Any]:
    columns = {
        "display_name": draft.display_name,
        "external_id": draft.external_id,
        "resource": draft.resource,
    }
    if keyed:
        columns["display_name_key"] = identifier_key(draft.display_name, "displayName")
    return columns


def to_group(row: Mapping[str, Any]) -> Group:
    return Group(
        id=row["id"],
        org_id=row["org_id"],
        display_name=row["display_name"],
        external_id=row["external_id"],
        resource=row["resource"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        member_count=row["member_count"],
    )
