"""Migration 0005 re-keys userName, displayName and email keys with the PRECIS-style fold, and
sets aside (never fails on) the later of two rows that now compare equal."""

import asyncio
import logging
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.cli import main
from gateway.migrate import alembic_config, upgrade_async
from seats.errors import Conflict
from seats.identifiers import SET_ASIDE_MARK
from seats.members import create_member, find_member, replace_member
from seats.model import MemberDraft, SeatStatus
from seats.storage.database import Database
from seats.storage.identifier_store import set_aside
from seats.storage.tables import groups, invites, members, orgs, owner_subscriptions

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _old_key(value: str) -> str:
    """The key as revision 0004's code wrote it: NFC, lowercased."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", value).lower())


def _wide(text: str) -> str:
    """The full-width forms of ASCII letters (U+FF21...), as East Asian keyboards type them."""
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


def _org(org_id: str) -> dict[str, Any]:
    return {
        "id": org_id,
        "name": org_id,
        "exempt_user_types": [],
        "admin_emails": [],
        "created_at": T0,
        "updated_at": T0,
    }


def _member(
    row_id: str, org_id: str, user_name: str, minute: int, email: str | None = None
) -> dict[str, Any]:
    at = T0 + timedelta(minutes=minute)
    return {
        "id": row_id,
        "org_id": org_id,
        "user_name": user_name,
        "user_name_key": _old_key(user_name),
        "email": email,
        "email_key": _old_key(email) if email else None,
        "active": True,
        "seat_status": "active",
        "seat_since": at,
        "resource": {"userName": user_name},
        "version": 1,
        "created_at": at,
        "updated_at": at,
    }


def _group(row_id: str, org_id: str, display_name: str, minute: int) -> dict[str, Any]:
    at = T0 + timedelta(minutes=minute)
    return {
        "id": row_id,
        "org_id": org_id,
        "display_name": display_name,
        "display_name_key": _old_key(display_name),
        "resource": {"displayName": display_name},
        "version": 1,
        "created_at": at,
        "updated_at": at,
    }


async def _at_0004_with_rows(url: str) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(url), "0004")
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(orgs.insert(), [_org("org-a"), _org("org-b")])
            await conn.execute(
                members.insert(),
                [
                    _member("m1", "org-a", "STRASSE", 0),
                    _member("m2", "org-a", "straße", 1),
                    # The older row holds a key the newer one had first: 'ß' becomes 'ss'.
                    _member("m3", "org-a", "ß", 2),
                    _member("m4", "org-a", "ss", 3),
                    _member("m5", "org-a", "a\u200bb", 4),
                    _member("m6", "org-a", "ab", 5),
                    _member("m7", "org-a", _wide("ABC"), 6, email=_wide("BO") + "@Example.com"),
                    _member("m8", "org-b", "straße", 0),
                ],
            )
            await conn.execute(
                groups.insert(),
                [_group("g1", "org-a", "ﬁnance", 0), _group("g2", "org-a", "Finance", 1)],
            )
            await conn.execute(
                invites.insert(),
                {
                    "id": "i1",
                    "org_id": "org-a",
                    "email": _wide("Jo") + "@example.com",
                    "email_key": _old_key(_wide("Jo") + "@example.com"),
                    "status": "pending",
                    "expires_at": T0 + timedelta(days=7),
                    "created_at": T0,
                    "updated_at": T0,
                },
            )
            await conn.execute(
                owner_subscriptions.insert(),
                {
                    "subscription_id": "sub_1",
                    "owner_email_key": _old_key(_wide("OWNER") + "@example.com"),
                    "customer_id": "cus_1",
                    "created_at": T0,
                },
            )
    finally:
        await engine.dispose()


async def _keys(url: str, table: sa.Table, key: str) -> dict[str, str]:
    engine = create_async_engine(url)
    id_column = table.primary_key.columns.values()[0]
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.select(id_column, table.c[key]))
            return {row[0]: row[1] for row in rows}
    finally:
        await engine.dispose()


async def test_rows_are_rekeyed_and_the_later_of_two_that_now_collide_is_set_aside(
    empty_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    await _at_0004_with_rows(empty_database_url)
    with caplog.at_level(logging.WARNING, logger="seatgate.migrations"):
        await upgrade_async(empty_database_url)

    keys = await _keys(empty_database_url, members, "user_name_key")
    assert keys["m1"] == "strasse"
    assert keys["m2"] == f"strasse{SET_ASIDE_MARK}collision:m2"
    assert keys["m3"] == "ss"
    assert keys["m4"] == f"ss{SET_ASIDE_MARK}collision:m4"
    assert keys["m5"] == "ab"
    assert keys["m6"] == f"ab{SET_ASIDE_MARK}collision:m6"
    assert keys["m7"] == "abc"
    assert keys["m8"] == "strasse"  # another organization: no collision
    assert (await _keys(empty_database_url, members, "email_key"))["m7"] == "bo@example.com"
    group_keys = await _keys(empty_database_url, groups, "display_name_key")
    assert group_keys == {"g1": "finance", "g2": f"finance{SET_ASIDE_MARK}collision:g2"}
    assert await _keys(empty_database_url, invites, "email_key") == {"i1": "jo@example.com"}
    owner_keys = await _keys(empty_database_url, owner_subscriptions, "owner_email_key")
    assert owner_keys == {"sub_1": "owner@example.com"}

    reported = " ".join(r.getMessage() for r in caplog.records if r.name == "seatgate.migrations")
    for row_id in ("members m2 ", "members m4 ", "members m6 ", "groups g2 "):
        assert row_id in reported
    assert "members m1 " not in reported


async def test_after_the_migration_the_oldest_row_owns_the_name_and_the_others_stay_usable(
    empty_database_url: str,
) -> None:
    await _at_0004_with_rows(empty_database_url)
    await upgrade_async(empty_database_url)
    database = Database(empty_database_url)
    try:
        async with database.read() as conn:
            # The name (in any spelling) finds the oldest row only.
            found = await find_member(conn, "org-a", user_name="Straße")
            assert found is not None and found.id == "m1"
        with pytest.raises(Conflict):
            async with database.transaction() as conn:
                await create_member(
                    conn, "org-a", MemberDraft(user_name=_wide("STRASSE")), actor="t"
                )
        async with database.transaction() as conn:
            # The set-aside duplicate can still be deactivated by id (it frees its seat).
            after = await replace_member(
                conn, "org-a", "m2", MemberDraft(user_name="straße", active=False), actor="t"
            )
            assert after.seat_status is SeatStatus.DEACTIVATED
        async with database.read() as conn:
            rows = await set_aside(conn)
        listed = {(row.kind, row.id, row.reason, row.holder_id) for row in rows}
        assert listed == {
            ("user", "m2", "collision", "m1"),
            ("user", "m4", "collision", "m3"),
            ("user", "m6", "collision", "m5"),
            ("group", "g2", "collision", "g1"),
        }
        async with database.transaction() as conn:
            # Renamed to a name of its own, the row has an ordinary key again.
            await replace_member(
                conn, "org-a", "m2", MemberDraft(user_name="strasse.2", active=False), actor="t"
            )
        async with database.read() as conn:
            assert "m2" not in {row.id for row in await set_aside(conn)}
    finally:
        await database.dispose()


async def test_the_downgrade_restores_the_old_keys_also_of_the_rows_set_aside(
    empty_database_url: str,
) -> None:
    await _at_0004_with_rows(empty_database_url)
    await upgrade_async(empty_database_url)
    await asyncio.to_thread(command.downgrade, alembic_config(empty_database_url), "0004")
    keys = await _keys(empty_database_url, members, "user_name_key")
    assert keys["m1"] == "strasse" and keys["m3"] == "ß" and keys["m7"] == _wide("abc")
    assert keys["m5"] == "a\u200bb"
    assert keys["m2"] == "straße" and keys["m4"] == "ss" and keys["m6"] == "ab"


def test_seatgate_identifiers_set_aside_lists_each_row_and_the_row_holding_its_key(
    empty_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_at_0004_with_rows(empty_database_url))
    assert main(["identifiers", "set-aside", "--database-url", empty_database_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "org org-a user m2 userName 'straße': compares equal to user m1" in lines
    assert "org org-a group g2 displayName 'Finance': compares equal to group g1" in lines
    assert lines[-1] == "4 set aside"
