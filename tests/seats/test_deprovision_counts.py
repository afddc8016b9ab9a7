"""The counts the mass-deprovisioning guard asks its rule with, read in one statement with the
member a deprovision is about (seats/storage/deprovision_store.py `member_and_window_counts`):
each count stopping at its cap, the window starting anew at a confirmed hold, no count taken
while a hold is open or for a member that cannot be deprovisioned."""

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.clock import new_id, utcnow
from seats.model import Member, SeatStatus
from seats.storage import deprovision_store
from seats.storage.database import Database
from seats.storage.deprovision_store import HeldAction, HeldDeprovision, Hold, HoldState
from seats.storage.tables import seat_ledger
from tests.seats.plans import plan_of_last_statement
from tests.seats.world import World

HOUR = timedelta(hours=1)


async def counts(
    world: World,
    about: Member,
    *,
    deprovisioned_cap: int | None = None,
    remaining_cap: int | None = None,
    uncounted_below: int = 0,
) -> tuple[int | None, int]:
    """The counts read with `about`, a member that can be deprovisioned."""
    member, found = await member_and_counts(
        world,
        about.id,
        deprovisioned_cap=deprovisioned_cap,
        remaining_cap=remaining_cap,
        uncounted_below=uncounted_below,
    )
    assert member is not None and member.id == about.id
    assert found.open_hold_id is None
    return found.deprovisioned, found.remaining


async def member_and_counts(
    world: World,
    member_id: str,
    *,
    deprovisioned_cap: int | None = None,
    remaining_cap: int | None = None,
    uncounted_below: int = 0,
    may_deprovision: bool = True,
) -> tuple[Member | None, deprovision_store.WindowCounts]:
    async with world.database.read() as conn:
        return await deprovision_store.member_and_window_counts(
            conn,
            world.org_id,
            member_id,
            window_start=utcnow() - HOUR,
            deprovisioned_cap=deprovisioned_cap,
            remaining_cap=remaining_cap,
            uncounted_below=uncounted_below,
            may_deprovision=may_deprovision,
        )


async def test_deactivated_and_deleted_members_count_once_and_the_counts_stop_at_their_caps(
    database: Database,
) -> None:
    world = await World.create(database)
    people = await world.add_many(12)
    for member in people[:3]:
        await world.deactivate(member)
    for member in people[3:5]:
        await world.delete(member)
    # Deleting a member already deactivated is no second deprovision.
    await world.delete(await world.deactivate(people[5]))

    assert await counts(world, people[-1]) == (6, 6)
    assert await counts(world, people[-1], deprovisioned_cap=4, remaining_cap=5) == (4, 5)
    assert await counts(world, people[-1], deprovisioned_cap=10, remaining_cap=10) == (6, 6)
    assert await counts(world, people[-1], deprovisioned_cap=0, remaining_cap=0) == (0, 0)


async def test_a_confirmed_hold_starts_a_new_window(database: Database) -> None:
    world = await World.create(database)
    people = await world.add_many(5)
    await world.deactivate(people[0])
    await world.delete(people[1])
    async with database.transaction() as conn:
        hold = Hold(new_id(), world.org_id, HoldState.OPEN, None, created_at=utcnow())
        await deprovision_store.insert_hold(conn, hold)
        await deprovision_store.resolve(
            conn, hold.id, HoldState.CONFIRMED, held=0, actor="admin", now=utcnow()
        )
    assert await counts(world, people[-1]) == (0, 3)

    await world.deactivate(people[2])
    assert await counts(world, people[-1]) == (1, 2)


async def test_while_a_hold_is_open_it_comes_instead_of_the_counts(database: Database) -> None:
    world = await World.create(database)
    people = await world.add_many(3)
    await world.delete(people[0])
    async with database.transaction() as conn:
        hold = Hold(new_id(), world.org_id, HoldState.OPEN, None, created_at=utcnow())
        await deprovision_store.insert_hold(conn, hold)
        held = HeldDeprovision(
            people[1].id,
            hold.id,
            world.org_id,
            HeldAction.DELETE,
            draft=None,
            actor="okta",
            requested_at=utcnow(),
        )
        await deprovision_store.hold_member(conn, held)

    _, found = await member_and_counts(world, people[2].id)

    assert found == deprovision_store.WindowCounts(
        open_hold_id=hold.id, open_hold_held=1, deprovisioned=None, remaining=0
    )


async def test_deprovisions_are_not_counted_while_the_ledger_is_smaller_than_asked(
    database: Database,
) -> None:
    world = await World.create(database)
    people = await world.add_many(4)
    await world.deactivate(people[0])
    await world.delete(people[1])
    async with database.read() as conn:
        newest = (await conn.execute(sa.select(sa.func.max(seat_ledger.c.id)))).scalar_one()

    # The newest ledger id bounds the entries: below it the count is needed, past it not.
    assert await counts(world, people[-1], uncounted_below=newest) == (2, 2)
    assert await counts(world, people[-1], uncounted_below=newest + 1) == (None, 2)


async def test_the_window_count_reads_the_partial_index_alone(database: Database) -> None:
    # The guard's query must spell the index's condition as the index does (migration 0011):
    # otherwise the planners scan the org's ledger, creates and all, at every deprovision.
    world = await World.create(database)
    (member,) = await world.add_many(1)

    async def window_counts(conn: AsyncConnection) -> None:
        await deprovision_store.member_and_window_counts(
            conn,
            world.org_id,
            member.id,
            window_start=utcnow() - HOUR,
            deprovisioned_cap=500,
            remaining_cap=2_501,
        )

    details = await plan_of_last_statement(database, window_counts)
    if database.is_sqlite:
        expected = "USING INDEX ix_seat_ledger_deprovisions"
    else:
        expected = "Index Only Scan using ix_seat_ledger_deprovisions"
    assert any(expected in line for line in details), details


async def test_a_member_that_can_be_deprovisioned_comes_with_the_counts_in_one_statement(
    database: Database,
) -> None:
    world = await World.create(database)
    people = await world.add_many(4)
    await world.delete(people[0])

    member, found = await member_and_counts(world, people[1].id)

    assert member is not None and member.id == people[1].id
    assert member.user_name == people[1].user_name
    assert (found.deprovisioned, found.remaining) == (1, 3)


async def test_a_deactivated_or_unknown_member_comes_without_counts(database: Database) -> None:
    world = await World.create(database)
    people = await world.add_many(3)
    await world.deactivate(people[0])

    deactivated, uncounted = await member_and_counts(world, people[0].id)
    unknown, none_counted = await member_and_counts(world, new_id())

    assert deactivated is not None and deactivated.seat_status is SeatStatus.DEACTIVATED
    assert (uncounted.deprovisioned, uncounted.remaining) == (None, 0)
    assert unknown is None
    assert (none_counted.deprovisioned, none_counted.remaining) == (None, 0)


async def test_a_change_that_cannot_deprovision_reads_the_member_without_counts(
    database: Database,
) -> None:
    # A PUT that keeps the member active (an IdP's profile update) needs no counts.
    world = await World.create(database)
    people = await world.add_many(3)
    await world.delete(people[0])

    member, found = await member_and_counts(world, people[1].id, may_deprovision=False)

    assert member is not None and member.id == people[1].id
    assert (found.deprovisioned, found.remaining) == (None, 0)
    assert await counts(world, people[1]) == (1, 2)
