"""The group service: uniqueness, versions, and membership as set operations."""

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats import groups
from seats.clock import new_id, utcnow
from seats.deprovision_rules import GuardLimits
from seats.errors import Conflict, InvalidValue, NotFound, VersionMismatch
from seats.groups import MembershipAction, MembershipChange
from seats.members import create_member, delete_member
from seats.model import GroupDraft, MemberDraft
from seats.orgs import create_org
from seats.query import ListQuery
from seats.storage import membership_store
from seats.storage.database import Database
from seats.storage.group_queries import list_groups
from seats.storage.tables import group_members as group_members_table
from seats.storage.tables import groups as groups_table
from seats.storage.tables import members as members_table


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


async def _org_with_users(database: Database, *names: str) -> tuple[str, list[str]]:
    async with database.transaction() as conn:
        org = await create_org(conn, name="Acme")
        ids = [
            (await create_member(conn, org.id, MemberDraft(user_name=name), actor="test")).id
            for name in names
        ]
    return org.id, ids


async def test_a_group_is_created_with_members_and_read_back(database: Database) -> None:
    org_id, (ann, bob) = await _org_with_users(database, "ann", "bob")
    async with database.transaction() as conn:
        group = await groups.create_group(conn, org_id, GroupDraft("Engineering"), [ann, bob])
    async with database.read() as conn:
        assert (await groups.get_group(conn, org_id, group.id)).display_name == "Engineering"
        found = (await membership_store.members_of(conn, org_id, [group.id]))[group.id]
        assert await membership_store.count_members(conn, org_id, group.id) == 2
    assert {(ref.value, ref.type, ref.display) for ref in found} == {
        (ann, "User", "ann"),
        (bob, "User", "bob"),
    }


async def test_display_names_are_unique_per_org_case_insensitively(database: Database) -> None:
    org_id, _ = await _org_with_users(database)
    async with database.transaction() as conn:
        other_org = await create_org(conn, name="Other")
        await groups.create_group(conn, org_id, GroupDraft("Sales"))
        await groups.create_group(conn, other_org.id, GroupDraft("SALES"))
        second = await groups.create_group(conn, org_id, GroupDraft("Support"))
    with pytest.raises(Conflict):
        async with database.transaction() as conn:
            await groups.create_group(conn, org_id, GroupDraft("sAlEs"))
    with pytest.raises(Conflict):
        async with database.transaction() as conn:
            await groups.rename_group(conn, org_id, second.id, "SALES")


async def test_unknown_member_ids_are_refused_by_name(database: Database) -> None:
    org_id, (ann,) = await _org_with_users(database, "ann")
    other_org_id, (stranger,) = await _org_with_users(database, "stranger")
    async with database.transaction() as conn:
        group = await groups.create_group(conn, org_id, GroupDraft("Eng"))
    for bad in (["nope"], [ann, stranger]):
        with pytest.raises(InvalidValue) as caught:
            async with database.transaction() as conn:
                await groups.add_members(conn, org_id, group.id, bad)
        assert bad[-1] in caught.value.detail
    async with database.read() as conn:
        assert await membership_store.count_members(conn, org_id, group.id) == 0
        assert other_org_id != org_id


async def test_a_group_cannot_contain_itself_but_may_contain_another(database: Database) -> None:
    org_id, _ = await _org_with_users(database)
    async with database.transaction() as conn:
        parent = await groups.create_group(conn, org_id, GroupDraft("Parent"))
        child = await groups.create_group(conn, org_id, GroupDraft("Child"))
        await groups.add_members(conn, org_id, parent.id, [child.id])
        refs = (await membership_store.members_of(conn, org_id, [parent.id]))[parent.id]
    assert [(ref.value, ref.type, ref.display) for ref in refs] == [(child.id, "Group", "Child")]
    with pytest.raises(InvalidValue):
        async with database.transaction() as conn:
            await groups.add_members(conn, org_id, parent.id, [parent.id])


async def test_adding_an_existing_member_changes_nothing_not_even_the_version(
    database: Database,
) -> None:
    org_id, (ann,) = await _org_with_users(database, "ann")
    async with database.transaction() as conn:
        group = await groups.create_group(conn, org_id, GroupDraft("Eng"), [ann])
        again = await groups.add_members(conn, org_id, group.id, [ann, ann])
        gone = await groups.remove_members(conn, org_id, group.id, ["not-a-member"])
    assert again.version == gone.version == group.version == 1


async def test_each_change_bumps_the_version_once(database: Database) -> None:
    org_id, (ann, bob) = await _org_with_users(database, "ann", "bob")
    async with database.transaction() as conn:
        group = await groups.create_group(conn, org_id, GroupDraft("Eng"))
        changed = await groups.update_group(
            conn,
            org_id,
            group.id,
            draft=GroupDraft("Engineering"),
            membership=[
                MembershipChange(MembershipAction.ADD, (ann, bob)),
                MembershipChange(MembershipAction.REMOVE, (ann,)),
            ],
        )
        members = await membership_store.member_ids(conn, org_id, group.id)
    assert changed.version == 2
    assert changed.display_name == "Engineering"
    assert members == {bob}


async def test_replacing_members_writes_only_the_difference(database: Database) -> None:
    org_id, (ann, bob, cy) = await _org_with_users(database, "ann", "bob", "cy")
    async with database.transaction() as conn:
        group = await groups.create_group(conn, org_id, GroupDraft("Eng"), [ann, bob])
        before = await _joined_at(conn, group.id)
        await groups.replace_members(conn, org_id, group.id, [bob, cy])
        after = await _joined_at(conn, group.id)
    assert set(after) == {bob, cy}
    # bob's row was never rewritten.
    assert after[bob] == before[bob]


async def _joined_at(conn: AsyncConnection, group_id: str) -> dict[str, object]:
    rows = await conn.execute(
        sa.select(group_members_table.c.member_id, group_members_table.c.created_at).where(
            group_members_table.c.group_id == group_id
        )
    )
    return {row.member_id: row.created_at for row in rows}


async def test_removing_all_members_empties_the_group(database: Database) -> None:
    org_id, ids = await _org_with_users(database, "ann", "bob")
    async with database.transaction() as conn:
        group = await groups.create_group(conn, org_id, GroupDraft("Eng"), ids)
        change = MembershipChange(MembershipAction.REMOVE_ALL)
        await groups.update_group(conn, org_id, group.id, membership=[change])
        assert await membership_store.count_members(conn, org_id, group.id) == 0


async def test_a_stale_version_is_refused(database: Database) -> None:
    org_id, _ = await _org_with_users(database)
    async with database.transaction() as conn:
        group = await groups.create_group(conn, org_id, GroupDraft("Eng"))
        await groups.rename_group(conn, org_id, group.id, "Engineering")
    with pytest.raises(VersionMismatch):
        async with database.transaction() as conn:
            await groups.delete_group(conn, org_id, group.id, if_version=1)


async def test_deleting_a_nested_group_takes_it_out_of_its_parents(database: Database) -> None:
    org_id, _ = await _org_with_users(database)
    async with database.transaction() as conn:
        parent = await groups.create_group(conn, org_id, GroupDraft("Parent"))
        child = await groups.create_group(conn, org_id, GroupDraft("Child"))
        await groups.add_members(conn, org_id, parent.id, [child.id])
        await groups.delete_group(conn, org_id, child.id)
        assert await membership_store.member_ids(conn, org_id, parent.id) == set()
        assert (await groups.get_group(conn, org_id, parent.id)).version == 3
        with pytest.raises(NotFound):
            await groups.get_group(conn, org_id, child.id)


async def test_deleting_a_user_removes_its_memberships(database: Database) -> None:
    org_id, (ann, bob) = await _org_with_users(database, "ann", "bob")
    async with database.transaction() as conn:
        group = await groups.create_group(conn, org_id, GroupDraft("Eng"), [ann, bob])
        await delete_member(conn, org_id, ann, actor="test")
        assert await membership_store.member_ids(conn, org_id, group.id) == {bob}


async def test_another_orgs_group_is_not_found(database: Database) -> None:
    org_id, _ = await _org_with_users(database)
    other_org_id, (stranger,) = await _org_with_users(database, "stranger")
    async with database.transaction() as conn:
        group = await groups.create_group(conn, org_id, GroupDraft("Eng"))
    async with database.transaction() as conn:
        with pytest.raises(NotFound):
            await groups.get_group(conn, other_org_id, group.id)
        with pytest.raises(NotFound):
            await groups.add_members(conn, other_org_id, group.id, [stranger])
        with pytest.raises(NotFound):
            await groups.delete_group(conn, other_org_id, group.id)


async def test_groups_are_listed_in_pages(database: Database) -> None:
    org_id, _ = await _org_with_users(database)
    async with database.transaction() as conn:
        for name in ("A", "B", "C"):
            await groups.create_group(conn, org_id, GroupDraft(name))
    async with database.read() as conn:
        total, page = await list_groups(conn, org_id, ListQuery(offset=1, limit=1))
    assert total == 3
    assert [group.display_name for group in page] == ["B"]


async def test_more_ids_than_the_engines_bind_parameter_limit_are_added_and_removed(
    database: Database,
) -> None:
    """Also the case a planner without statistics gets wrong: 33,000 ids removed from a group
    filled a moment ago (PostgreSQL once chose a plan comparing every pair: minutes)."""
    org_id, _ = await _org_with_users(database)
    # Above SQLite's 32,766 and PostgreSQL's 32,767 parameters per statement.
    count = 33_000
    async with database.transaction() as conn:
        ids = await insert_users(conn, org_id, count)
        group = await groups.create_group(conn, org_id, GroupDraft("Everyone"), ids)
        assert await membership_store.count_members(conn, org_id, group.id) == count
        await groups.remove_members(conn, org_id, group.id, ids[:-1])
        assert await membership_store.member_ids(conn, org_id, group.id) == {ids[-1]}


# 12 columns a row: 24,000 bound parameters, within both engines' limit (32,766 and 32,767).
INSERT_ROWS_PER_STATEMENT = 2_000


async def insert_users(conn: AsyncConnection, org_id: str, count: int) -> list[str]:
    """Insert `count` active users in bulk, straight into the table: a fixture for volume tests
    (the seat rules are not under test here, and the org has no seat limit)."""
    now = utcnow()
    rows = [
        {
            "id": new_id(),
            "org_id": org_id,
            "user_name": f"user{n}@example.com",
            "user_name_key": f"user{n}@example.com",
            "active": True,
            "seat_status": "active",
            "exempt": False,
            "seat_since": now,
            "resource": {},
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(count)
    ]
    # Multi-row INSERTs rather than an executemany: on PostgreSQL every executed statement
    # fires the seat counters' statement trigger, and 100,000 updates of one org row in one
    # transaction slow down quadratically (each walks the row's chain of versions).
    for start in range(0, count, INSERT_ROWS_PER_STATEMENT):
        chunk = rows[start : start + INSERT_ROWS_PER_STATEMENT]
        await conn.execute(members_table.insert().values(chunk))
    return [row["id"] for row in rows]


async def _kept_and_counted(conn: AsyncConnection, org_id: str) -> dict[str, tuple[int, int]]:
    """Each group's kept member_count beside a count of its rows in group_members."""
    counted = (
        sa.select(sa.func.count())
        .where(group_members_table.c.group_id == groups_table.c.id)
        .scalar_subquery()
    )
    rows = await conn.execute(
        sa.select(groups_table.c.display_name, groups_table.c.member_count, counted).where(
            groups_table.c.org_id == org_id
        )
    )
    return {name: (kept, count) for name, kept, count in rows}


async def test_the_member_count_on_the_group_row_follows_every_change_of_its_members(
    database: Database,
) -> None:
    org_id, (ann, bob, cy, dee) = await _org_with_users(database, "ann", "bob", "cy", "dee")
    async with database.transaction() as conn:
        eng = await groups.create_group(conn, org_id, GroupDraft("Eng"), [ann, bob])
        ops = await groups.create_group(conn, org_id, GroupDraft("Ops"), [bob, cy])
        added = await groups.add_members(conn, org_id, eng.id, [ann, cy, ops.id])  # ann is in
        removed = await groups.remove_members(conn, org_id, eng.id, [bob, "not-a-member"])
        unchanged = await groups.add_members(conn, org_id, eng.id, [ann])
        assert await _kept_and_counted(conn, org_id) == {"Eng": (3, 3), "Ops": (2, 2)}
        # Each change answers with the count as the change left it.
        assert (eng.member_count, added.member_count, removed.member_count) == (2, 4, 3)
        assert unchanged.member_count == 3
    async with database.transaction() as conn:
        await groups.replace_members(conn, org_id, ops.id, [cy, dee, ann])
        await delete_member(conn, org_id, cy, actor="test")  # in both groups
        assert await _kept_and_counted(conn, org_id) == {"Eng": (2, 2), "Ops": (2, 2)}
    async with database.transaction() as conn:
        await groups.delete_group(conn, org_id, ops.id)  # a member of Eng
        assert await _kept_and_counted(conn, org_id) == {"Eng": (1, 1)}
        empty = MembershipChange(MembershipAction.REMOVE_ALL, ())
        await groups.update_group(conn, org_id, eng.id, membership=[empty])
        assert await _kept_and_counted(conn, org_id) == {"Eng": (0, 0)}


async def test_a_user_deleted_while_a_group_adds_it_waits_and_leaves_no_membership(
    gateways: list[Database],
) -> None:
    # A group PATCH that has locked its group and the user it adds (as change_group does,
    # membership_store.kinds_of) meets the IdP's DELETE of that user. On PostgreSQL the DELETE
    # used to take the org lock and wait for the user's row while the PATCH's version bump
    # waited for the org row: a deadlock, one of them answered 500. Now the group's lock takes
    # the org row first, so the DELETE waits for the PATCH, then takes the user out of the group.
    first, second = gateways
    org_id, (ann,) = await _org_with_users(first, "ann")
    async with first.transaction() as conn:
        group = await groups.create_group(conn, org_id, GroupDraft("Engineering"))

    async def delete_ann() -> None:
        async with second.transaction() as conn:
            await delete_member(conn, org_id, ann, actor="idp", guard=GuardLimits(share=1.0))

    add = MembershipChange(MembershipAction.ADD, (ann,))
    async with first.transaction() as conn:
        locked = await groups.lock_group(conn, org_id, group.id)
        assert await membership_store.kinds_of(conn, org_id, [ann]) == {ann: "User"}
        deleting = asyncio.create_task(delete_ann())
        await asyncio.sleep(0.3)
        assert not deleting.done()
        await groups.change_group(conn, org_id, group.id, membership=[add], locked=locked)
    await deleting

    async with first.read() as conn:
        after = await groups.get_group(conn, org_id, group.id)
        left = await conn.execute(
            sa.select(group_members_table).where(group_members_table.c.member_id == ann)
        )
        assert left.all() == []
    # Its version moved for the add and again for the removal; no member is left in it.
    assert (after.version, after.member_count) == (group.version + 2, 0)
