"""Migration 0009 puts the seat counters on the org row: it counts the members already there,
and from then on the triggers keep the counters as members come, change and go."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.migrate import alembic_config, upgrade_async
from seats import members
from seats.model import MemberDraft
from seats.storage.database import Database
from seats.storage.tables import members as member_rows
from seats.storage.tables import orgs
from tests.gateway.migration_support import column_names

T0 = datetime(2026, 1, 1, tzinfo=UTC)
# (seat_status, exempt) of each member, by org: what the counters must say after the backfill.
ROWS = {
    "org-a": [("active", False)] * 5
    + [("over_limit", False)] * 3
    + [("deactivated", False)] * 2
    + [("active", True)] * 4,
    "org-b": [("active", False)] * 2 + [("deactivated", True)],
    "org-c": [],
}


def _org(org_id: str) -> dict[str, Any]:
    return {
        "id": org_id,
        "name": org_id,
        "seat_limit": 5,
        "exempt_user_types": ["Guest"],
        "admin_emails": [],
        "created_at": T0,
        "updated_at": T0,
    }


def _member(org_id: str, n: int, seat_status: str, exempt: bool) -> dict[str, Any]:
    at = T0 + timedelta(minutes=n)
    return {
        "id": f"{org_id}-m{n}",
        "org_id": org_id,
        "user_name": f"user{n}",
        "user_name_key": f"user{n}",
        "user_type": "Guest" if exempt else None,
        "active": seat_status != "deactivated",
        "seat_status": seat_status,
        "exempt": exempt,
        "seat_since": at,
        "resource": {"userName": f"user{n}"},
        "version": 1,
        "created_at": at,
        "updated_at": at,
    }


async def _at_0008_with_members(url: str) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(url), "0008")
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(orgs.insert(), [_org(org_id) for org_id in ROWS])
            rows = [
                _member(org_id, n, status, exempt)
                for org_id, statuses in ROWS.items()
                for n, (status, exempt) in enumerate(statuses)
            ]
            await conn.execute(member_rows.insert(), rows)
    finally:
        await engine.dispose()


async def _counters(database: Database) -> dict[str, tuple[int, int]]:
    query = sa.select(orgs.c.id, orgs.c.seats_active, orgs.c.seats_over_limit)
    async with database.read() as conn:
        return {row[0]: (row[1], row[2]) for row in await conn.execute(query)}


async def test_the_counters_start_from_the_members_already_there_and_move_with_new_ones(
    empty_database_url: str,
) -> None:
    await _at_0008_with_members(empty_database_url)
    await upgrade_async(empty_database_url)
    database = Database(empty_database_url)
    try:
        # Exempt and deactivated members count towards neither.
        assert await _counters(database) == {"org-a": (5, 3), "org-b": (2, 0), "org-c": (0, 0)}
        async with database.transaction() as conn:
            draft = MemberDraft(user_name="late@acme.test")
            late = await members.create_member(conn, "org-a", draft, actor="idp")
            await members.delete_member(conn, "org-b", "org-b-m0", actor="idp")
        # org-a is full (5 of 5): the newcomer waits.
        assert (await _counters(database))["org-a"] == (5, 4)
        assert (await _counters(database))["org-b"] == (1, 0)
        async with database.transaction() as conn:
            await members.delete_member(conn, "org-a", "org-a-m0", actor="idp")
        # A freed seat goes to the oldest waiting member: one fewer waits, still five seated.
        assert (await _counters(database))["org-a"] == (5, 3)
        assert late.seat_status.value == "over_limit"
    finally:
        await database.dispose()


async def test_the_downgrade_takes_counters_and_triggers_away_and_members_still_write(
    empty_database_url: str,
) -> None:
    await _at_0008_with_members(empty_database_url)
    await upgrade_async(empty_database_url)
    await asyncio.to_thread(command.downgrade, alembic_config(empty_database_url), "0008")
    engine = create_async_engine(empty_database_url)
    try:
        async with engine.begin() as conn:
            columns = await column_names(conn, "orgs")
            assert not {"seats_active", "seats_over_limit"} & columns
            # No trigger is left to write the counters that are gone.
            await conn.execute(
                member_rows.update()
                .where(member_rows.c.id == "org-a-m0")
                .values(seat_status="deactivated")
            )
            await conn.execute(member_rows.delete().where(member_rows.c.id == "org-a-m1"))
    finally:
        await engine.dispose()
