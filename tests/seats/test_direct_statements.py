"""Statements run by sqlite3 directly (seats/storage/inline_sqlite.py `DirectStatement`) read
and write exactly what SQLAlchemy's execution path would: the same values, JSON decoded,
booleans as bools, datetimes as aware UTC datetimes."""

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from seats import orgs as org_service
from seats.storage.database import Database
from seats.storage.inline_sqlite import DirectStatement
from seats.storage.tables import members, orgs


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "direct.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def database(sqlite_url: str) -> AsyncIterator[Database]:
    database = Database(sqlite_url)
    yield database
    await database.dispose()


async def test_a_row_read_by_sqlite3_equals_the_row_sqlalchemy_returns(database: Database) -> None:
    async with database.transaction() as conn:
        org = await org_service.create_org(
            conn, name="Acme", seat_limit=5, admin_emails=("ops@acme.test",)
        )
    found = sa.exists().where(
        orgs.c.id == sa.bindparam("org_id"), orgs.c.seat_policy == "over_limit"
    )
    statement = sa.select(orgs, found.label("found")).where(orgs.c.id == sa.bindparam("org_id"))
    async with database.transaction() as conn:
        direct = DirectStatement(statement).first(conn, {"org_id": org.id})
        core = (await conn.execute(statement, {"org_id": org.id})).mappings().one()
        missing = DirectStatement(statement).first(conn, {"org_id": "no-such-org"})
    assert direct == dict(core)
    assert direct is not None
    assert direct["found"] is True
    assert direct["admin_emails"] == ["ops@acme.test"]
    assert direct["created_at"] == org.created_at and direct["created_at"].tzinfo is not None
    assert missing is None


async def test_a_row_written_by_sqlite3_reads_back_as_one_sqlalchemy_wrote(
    database: Database,
) -> None:
    async with database.transaction() as conn:
        org = await org_service.create_org(conn, name="Acme")
    now = datetime(2026, 12, 6, 22, 0, tzinfo=UTC)
    columns = ("id", "org_id", "user_name", "user_name_key", "active", "resource")
    insert = DirectStatement(
        members.insert(),
        column_keys=(*columns, "seat_status", "seat_since", "version", "created_at", "updated_at"),
    )
    common = {
        "org_id": org.id,
        "active": True,
        "seat_status": "active",
        "seat_since": now,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    direct = {
        **common,
        "id": "m1",
        "user_name": "ann",
        "user_name_key": "ann",
        "resource": {"a": [1]},
    }
    core = {**common, "id": "m2", "user_name": "bo", "user_name_key": "bo", "resource": {"a": [1]}}
    async with database.transaction() as conn:
        insert.run_many(conn, [direct])
        await conn.execute(members.insert(), core)
    async with database.read() as conn:
        rows = (await conn.execute(sa.select(members).order_by(members.c.id))).mappings().all()
    first, second = (dict(row) for row in rows)
    differing = {key for key in first if first[key] != second[key]}
    assert differing == {"id", "user_name", "user_name_key"}
    assert first["resource"] == {"a": [1]} and first["seat_since"] == now


async def test_a_parameter_left_out_is_refused_instead_of_written_as_null(
    database: Database,
) -> None:
    insert = DirectStatement(members.insert(), column_keys=("id", "org_id"))
    with pytest.raises(KeyError, match="org_id"):
        async with database.transaction() as conn:
            insert.run_many(conn, [{"id": "m1"}])
