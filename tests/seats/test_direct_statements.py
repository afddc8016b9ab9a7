"""Statements run by the driver directly (seats/storage/direct_statements.py `DirectStatement`:
sqlite3 on SQLite, asyncpg on PostgreSQL once the transaction has begun) read and write exactly
what SQLAlchemy's execution path would: the same values, JSON decoded, booleans as bools,
datetimes as aware UTC datetimes; and a constraint's refusal is still an IntegrityError."""

import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from seats import orgs as org_service
from seats.storage.database import Database
from seats.storage.direct_statements import DirectStatement
from seats.storage.tables import members, orgs

NOW = datetime(2026, 12, 6, 22, 0, tzinfo=UTC)
COLUMNS = ("id", "org_id", "user_name", "user_name_key", "active", "resource")
INSERT = DirectStatement(
    members.insert(),
    column_keys=(*COLUMNS, "seat_status", "seat_since", "version", "created_at", "updated_at"),
)
BY_ID = sa.select(members).where(members.c.id == sa.bindparam("id"))
MEMBER_BY_ID = DirectStatement(BY_ID)


def member_row(org_id: str, member_id: str, user_name: str) -> dict[str, Any]:
    return {
        "id": member_id,
        "org_id": org_id,
        "user_name": user_name,
        "user_name_key": user_name,
        "active": True,
        "resource": {"a": [1], "b": None},
        "seat_status": "active",
        "seat_since": NOW,
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }


async def begun(conn: AsyncConnection) -> None:
    """Send the transaction's BEGIN, as the org lock does before any direct statement; on
    PostgreSQL the statements below then go to asyncpg itself."""
    await conn.execute(sa.select(1))
    if conn.dialect.name == "postgresql":
        driver = conn.sync_connection.connection.driver_connection  # type: ignore[union-attr]
        assert driver.is_in_transaction()


async def new_org(database: Database) -> str:
    async with database.transaction() as conn:
        org = await org_service.create_org(
            conn, name="Acme", seat_limit=5, admin_emails=("ops@acme.test",)
        )
    return org.id


async def test_a_row_read_directly_equals_the_row_sqlalchemy_returns(database: Database) -> None:
    org_id = await new_org(database)
    async with database.transaction() as conn:
        await begun(conn)
        await conn.execute(members.insert(), member_row(org_id, "m1", "ann"))
        direct = await MEMBER_BY_ID.first_on(conn, {"id": "m1"})
        core = (await conn.execute(BY_ID, {"id": "m1"})).mappings().one()
        missing = await MEMBER_BY_ID.first_on(conn, {"id": "no-such-member"})
    assert direct == dict(core)
    assert direct is not None
    assert direct["active"] is True
    assert direct["resource"] == {"a": [1], "b": None}
    assert direct["seat_since"] == NOW and direct["seat_since"].tzinfo is not None
    assert missing is None


async def test_every_row_read_directly_equals_the_rows_sqlalchemy_returns(
    database: Database,
) -> None:
    org_id = await new_org(database)
    by_org = sa.select(members).where(members.c.org_id == sa.bindparam("org_id"))
    async with database.transaction() as conn:
        await begun(conn)
        for member_id, user_name in [("m1", "ann"), ("m2", "bo")]:
            await INSERT.run_on(conn, member_row(org_id, member_id, user_name))
        direct = await DirectStatement(by_org.order_by(members.c.id)).all_on(
            conn, {"org_id": org_id}
        )
        core = (await conn.execute(by_org.order_by(members.c.id), {"org_id": org_id})).all()
        none = await DirectStatement(by_org).all_on(conn, {"org_id": "no-such-org"})
    assert [dict(row) for row in direct] == [dict(row._mapping) for row in core]
    assert [row["user_name"] for row in direct] == ["ann", "bo"]
    assert none == []


async def test_an_org_read_with_a_subquery_equals_what_sqlalchemy_returns(
    database: Database,
) -> None:
    # On PostgreSQL its float column (the guard's share) is read through SQLAlchemy.
    org_id = await new_org(database)
    found = sa.exists().where(
        orgs.c.id == sa.bindparam("org_id"), orgs.c.seat_policy == "over_limit"
    )
    statement = sa.select(orgs, found.label("found")).where(orgs.c.id == sa.bindparam("org_id"))
    async with database.transaction() as conn:
        await begun(conn)
        direct = await DirectStatement(statement).first_on(conn, {"org_id": org_id})
        core = (await conn.execute(statement, {"org_id": org_id})).mappings().one()
    assert direct == dict(core)
    assert direct is not None
    assert direct["found"] is True
    assert direct["admin_emails"] == ["ops@acme.test"]


async def test_a_row_written_directly_reads_back_as_one_sqlalchemy_wrote(
    database: Database,
) -> None:
    org_id = await new_org(database)
    async with database.transaction() as conn:
        await begun(conn)
        await INSERT.run_on(conn, member_row(org_id, "m1", "ann"))
        await conn.execute(members.insert(), member_row(org_id, "m2", "bo"))
    async with database.read() as conn:
        rows = (await conn.execute(sa.select(members).order_by(members.c.id))).mappings().all()
    first, second = (dict(row) for row in rows)
    differing = {key for key in first if first[key] != second[key]}
    assert differing == {"id", "user_name", "user_name_key"}
    assert first["resource"] == {"a": [1], "b": None} and first["seat_since"] == NOW


async def test_a_constraint_refusal_is_an_integrity_error_and_nothing_is_written(
    database: Database,
) -> None:
    org_id = await new_org(database)
    with pytest.raises((IntegrityError, sqlite3.IntegrityError)):
        async with database.transaction() as conn:
            await begun(conn)
            await INSERT.run_on(conn, member_row(org_id, "m1", "ann"))
            await INSERT.run_on(conn, member_row(org_id, "m2", "ann"))  # the same userName
    async with database.read() as conn:
        assert await MEMBER_BY_ID.first_on(conn, {"id": "m1"}) is None


async def test_a_parameter_left_out_is_refused_instead_of_written_as_null(
    database: Database,
) -> None:
    insert = DirectStatement(members.insert(), column_keys=("id", "org_id"))
    with pytest.raises(KeyError, match="org_id"):
        async with database.transaction() as conn:
            await begun(conn)
            await insert.run_on(conn, {"id": "m1"})
