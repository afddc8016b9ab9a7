"""Migration 0014 keeps each group's count of direct members on its row: it counts the members
already there, and from then on the triggers keep it as members join and leave."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.migrate import alembic_config, upgrade_async
from seats.storage.tables import group_members, groups, orgs
from tests.gateway.migration_support import column_names

T0 = datetime(2026, 1, 1, tzinfo=UTC)
# Each group's members before the upgrade (users by made-up id; a group may be one).
MEMBERS = {"g-eng": ["u1", "u2", "g-ops"], "g-ops": ["u2"], "g-empty": []}


def _group(group_id: str) -> dict[str, Any]:
    return {
        "id": group_id,
        "org_id": "org-a",
        "display_name": group_id,
        "display_name_key": group_id,
        "resource": {},
        "version": 1,
        "created_at": T0,
        "updated_at": T0,
    }


def _member(group_id: str, member_id: str) -> dict[str, Any]:
    kind = "Group" if member_id.startswith("g-") else "User"
    return {
        "group_id": group_id,
        "member_id": member_id,
        "member_type": kind,
        "org_id": "org-a",
        "created_at": T0,
    }


async def _at_0013_with_groups(url: str) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(url), "0013")
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            org = {"id": "org-a", "name": "Acme", "exempt_user_types": [], "admin_emails": []}
            await conn.execute(orgs.insert(), [{**org, "created_at": T0, "updated_at": T0}])
            # An insert names only the columns it is given: not the member_count of 0014.
            await conn.execute(groups.insert(), [_group(group_id) for group_id in MEMBERS])
            rows = [_member(g, m) for g, ids in MEMBERS.items() for m in ids]
            await conn.execute(group_members.insert(), rows)
    finally:
        await engine.dispose()


async def _counts(url: str) -> dict[str, int]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.select(groups.c.id, groups.c.member_count))
            return {group_id: count for group_id, count in rows}
    finally:
        await engine.dispose()


async def test_the_count_starts_from_the_members_already_there_and_moves_with_them(
    empty_database_url: str,
) -> None:
    await _at_0013_with_groups(empty_database_url)
    await upgrade_async(empty_database_url)
    assert await _counts(empty_database_url) == {"g-eng": 3, "g-ops": 1, "g-empty": 0}
    engine = create_async_engine(empty_database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                group_members.insert(),
                [_member("g-empty", "u1"), _member("g-empty", "u2"), _member("g-ops", "u1")],
            )
            await conn.execute(group_members.delete().where(group_members.c.member_id == "u2"))
    finally:
        await engine.dispose()
    assert await _counts(empty_database_url) == {"g-eng": 2, "g-ops": 1, "g-empty": 1}


async def test_the_downgrade_takes_the_count_and_its_triggers_away_and_members_still_write(
    empty_database_url: str,
) -> None:
    await _at_0013_with_groups(empty_database_url)
    await upgrade_async(empty_database_url)
    await asyncio.to_thread(command.downgrade, alembic_config(empty_database_url), "0013")
    engine = create_async_engine(empty_database_url)
    try:
        async with engine.begin() as conn:
            assert "member_count" not in await column_names(conn, "groups")
            # No trigger is left to write the count that is gone.
            await conn.execute(group_members.insert(), [_member("g-empty", "u1")])
            await conn.execute(group_members.delete().where(group_members.c.member_id == "u2"))
    finally:
        await engine.dispose()
