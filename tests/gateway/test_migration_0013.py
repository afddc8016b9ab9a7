"""Migration 0013 puts the count of pending invites on the org row: it counts the invites already
there, and from then on the triggers keep it as invites are made, accepted, revoked and expire."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.migrate import alembic_config, upgrade_async
from seats import invites
from seats.storage.database import Database
from seats.storage.tables import invites as invite_rows
from seats.storage.tables import orgs
from tests.gateway.migration_support import column_names

T0 = datetime(2026, 1, 1, tzinfo=UTC)
# The statuses of each org's invites before the upgrade.
INVITES = {
    "org-a": ["pending", "pending", "accepted", "revoked", "expired"],
    "org-b": ["revoked"],
    "org-c": [],
}


def _org(org_id: str) -> dict[str, Any]:
    return {
        "id": org_id,
        "name": org_id,
        "exempt_user_types": [],
        "admin_emails": [],
        "created_at": T0,
        "updated_at": T0,
    }


def _invite(org_id: str, n: int, status: str) -> dict[str, Any]:
    return {
        "id": f"{org_id}-i{n}",
        "org_id": org_id,
        "email": f"invitee{n}@acme.test",
        "email_key": f"invitee{n}@acme.test",
        "status": status,
        "created_at": T0,
        "updated_at": T0,
        # Pending ones far in the future: the seat decisions below settle nothing.
        "expires_at": T0 + timedelta(days=36500),
    }


async def _at_0012_with_invites(url: str) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(url), "0012")
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(orgs.insert(), [_org(org_id) for org_id in INVITES])
            rows = [
                _invite(org_id, n, status)
                for org_id, statuses in INVITES.items()
                for n, status in enumerate(statuses)
            ]
            await conn.execute(invite_rows.insert(), rows)
    finally:
        await engine.dispose()


async def _counts(database: Database) -> dict[str, int]:
    async with database.read() as conn:
        rows = await conn.execute(sa.select(orgs.c.id, orgs.c.invites_pending))
        return {org_id: count for org_id, count in rows}


async def test_the_count_starts_from_the_pending_invites_already_there_and_moves_with_them(
    empty_database_url: str,
) -> None:
    await _at_0012_with_invites(empty_database_url)
    await upgrade_async(empty_database_url)
    database = Database(empty_database_url)
    try:
        assert await _counts(database) == {"org-a": 2, "org-b": 0, "org-c": 0}
        async with database.transaction() as conn:
            await invites.revoke_invite(conn, "org-a", "org-a-i0", actor="admin")
            await invites.create_invite(conn, "org-c", "new@acme.test", actor="admin")
        assert await _counts(database) == {"org-a": 1, "org-b": 0, "org-c": 1}
        async with database.transaction() as conn:
            await conn.execute(invite_rows.delete().where(invite_rows.c.id == "org-a-i1"))
        assert (await _counts(database))["org-a"] == 0
    finally:
        await database.dispose()


async def test_the_downgrade_takes_the_count_and_its_triggers_away_and_invites_still_write(
    empty_database_url: str,
) -> None:
    await _at_0012_with_invites(empty_database_url)
    await upgrade_async(empty_database_url)
    await asyncio.to_thread(command.downgrade, alembic_config(empty_database_url), "0012")
    engine = create_async_engine(empty_database_url)
    try:
        async with engine.begin() as conn:
            assert "invites_pending" not in await column_names(conn, "orgs")
            # No trigger is left to write the count that is gone.
            await conn.execute(
                invite_rows.update().where(invite_rows.c.id == "org-a-i0").values(status="revoked")
            )
            await conn.execute(invite_rows.delete().where(invite_rows.c.id == "org-a-i1"))
            await conn.execute(invite_rows.insert(), [_invite("org-b", 9, "pending")])
    finally:
        await engine.dispose()
