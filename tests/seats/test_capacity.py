"""Capacity changes: admin raises and cuts, scheduled cuts before and after their time, and what
billing may do that an admin may not."""

from datetime import timedelta

import pytest

from gateway.worker import run_scheduled
from seats import capacity
from seats.alerts import AlertKind
from seats.clock import utcnow
from seats.errors import CannotReduceBelowUsage, InvalidValue, NotFound
from seats.model import SeatStatus
from seats.storage.database import Database
from tests.seats.world import World

ACTIVE, OVER = SeatStatus.ACTIVE, SeatStatus.OVER_LIMIT


async def test_an_admin_raise_promotes_waiting_members_oldest_first_at_once(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=1)
    people = await world.add_many(4)
    await world.set_capacity(3)
    assert await world.statuses(people) == [ACTIVE, ACTIVE, ACTIVE, OVER]


async def test_raising_to_unlimited_seats_everyone(database: Database) -> None:
    world = await World.create(database, seat_limit=1)
    people = await world.add_many(3)
    await world.set_capacity(None)
    assert await world.statuses(people) == [ACTIVE] * 3
    seats = await world.seats()
    assert (seats.capacity, seats.available) == (None, None)


async def test_reducing_capacity_to_usage_is_allowed(database: Database) -> None:
    world = await World.create(database, seat_limit=10)
    people = await world.add_many(3)
    await world.set_capacity(3)
    assert await world.statuses(people) == [ACTIVE] * 3
    assert (await world.seats()).available == 0


async def test_reducing_capacity_below_usage_is_refused_with_the_counts(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=10)
    await world.add_many(3)
    await world.invite("new@acme.test")
    with pytest.raises(CannotReduceBelowUsage) as refused:
        await world.set_capacity(3)
    assert refused.value.context["used"] == 4
    assert refused.value.context["active"] == 3
    assert refused.value.context["pending_invites"] == 1
    assert refused.value.context["requested"] == 3
    assert "4 seats are in use" in refused.value.detail
    assert (await world.seats()).capacity == 10


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (-1, "between 0 and"),
        (2.5, "whole number"),
        ("10", "whole number"),
        (True, "whole number"),
        (10**12, "between 0 and"),
    ],
)
async def test_values_that_cannot_be_seat_counts_are_refused_saying_what_is_allowed(
    database: Database, value: object, fragment: str
) -> None:
    world = await World.create(database, seat_limit=10)
    with pytest.raises(InvalidValue) as refused:
        await world.set_capacity(value)  # type: ignore[arg-type]
    assert fragment in refused.value.detail
    assert (await world.seats()).capacity == 10


async def test_a_scheduled_cut_warns_the_admins_at_once_with_the_numbers(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=5)
    await world.add_many(4)
    now = utcnow()
    await world.schedule(2, now + timedelta(days=30), now=now)
    [warning] = await world.alerts()
    assert warning.kind is AlertKind.DOWNGRADE_PENDING and warning.state == "open"
    assert warning.details["current_capacity"] == 5
    assert warning.details["new_capacity"] == 2
    assert warning.details["used"] == 4
    assert warning.details["to_be_demoted"] == 2
    assert await world.pending_messages("email") == 1


async def test_a_scheduled_cut_changes_nothing_before_its_time(database: Database) -> None:
    world = await World.create(database, seat_limit=5)
    people = await world.add_many(4)
    now = utcnow()
    await world.schedule(2, now + timedelta(days=30), now=now)
    await run_scheduled(database, now=now + timedelta(days=29))
    assert await world.statuses(people) == [ACTIVE] * 4
    assert (await world.seats()).capacity == 5
    assert len((await world.seats()).scheduled_changes) == 1


async def test_a_scheduled_cut_demotes_the_newest_members_at_its_time(database: Database) -> None:
    world = await World.create(database, seat_limit=5)
    people = await world.add_many(4)
    now = utcnow()
    await world.schedule(2, now + timedelta(days=30), now=now)
    await run_scheduled(database, now=now + timedelta(days=30, seconds=1))
    assert await world.statuses(people) == [ACTIVE, ACTIVE, OVER, OVER]
    seats = await world.seats()
    assert (seats.capacity, seats.used, seats.over_limit, seats.scheduled_changes) == (2, 2, 2, [])
    kinds = {a.kind: a for a in await world.alerts()}
    assert kinds[AlertKind.DOWNGRADE_ENFORCED].details["demoted"] == 2
    assert kinds[AlertKind.DOWNGRADE_PENDING].state == "closed"
    assert kinds[AlertKind.SEAT_LIMIT_REACHED].details["over_limit"] == 2
    demotions = [e for e in await world.ledger() if e.reason == "downgrade_enforced"]
    assert {e.member_id for e in demotions} == {people[2].id, people[3].id}


async def test_a_cut_falling_due_is_applied_by_the_next_seat_decision_too(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=3)
    people = await world.add_many(3)
    now = utcnow()
    await world.schedule(1, now - timedelta(seconds=1), now=now - timedelta(days=1))
    # No worker ran; the next provisioning still sees the cut.
    late = await world.add("late")
    assert late.seat_status is OVER
    assert await world.statuses(people) == [ACTIVE, OVER, OVER]


async def test_scheduling_the_same_cut_again_warns_only_once(database: Database) -> None:
    world = await World.create(database, seat_limit=5)
    now = utcnow()
    at = now + timedelta(days=30)
    await world.schedule(2, at, now=now)
    await world.schedule(2, at, now=now)
    assert len(await world.alerts()) == 1


async def test_a_new_schedule_replaces_the_previous_one(database: Database) -> None:
    world = await World.create(database, seat_limit=5)
    now = utcnow()
    await world.schedule(2, now + timedelta(days=30), now=now)
    await world.schedule(3, now + timedelta(days=60), now=now)
    [change] = (await world.seats()).scheduled_changes
    assert (change.new_capacity, change.effective_at) == (3, now + timedelta(days=60))
    states = sorted(a.state for a in await world.alerts(AlertKind.DOWNGRADE_PENDING))
    assert states == ["closed", "open"]


async def test_a_scheduled_change_can_be_canceled(database: Database) -> None:
    world = await World.create(database, seat_limit=5)
    people = await world.add_many(3)
    now = utcnow()
    await world.schedule(1, now + timedelta(days=1), now=now)
    [change] = (await world.seats()).scheduled_changes
    async with database.transaction() as conn:
        await capacity.cancel_scheduled_change(conn, world.org_id, change.id, actor="admin")
    await run_scheduled(database, now=now + timedelta(days=2))
    assert await world.statuses(people) == [ACTIVE] * 3
    with pytest.raises(NotFound):
        async with database.transaction() as conn:
            await capacity.cancel_scheduled_change(conn, world.org_id, change.id, actor="admin")


async def test_an_admin_cannot_schedule_a_change_in_the_past(database: Database) -> None:
    world = await World.create(database, seat_limit=5)
    now = utcnow()
    with pytest.raises(InvalidValue, match="in the future"):
        await world.schedule(1, now - timedelta(seconds=1), now=now)


async def test_billing_enforces_a_cut_now_by_demoting_the_newest(database: Database) -> None:
    world = await World.create(database, seat_limit=4)
    people = await world.add_many(4)
    async with database.transaction() as conn:
        await capacity.apply_capacity(conn, world.org_id, 1)
    assert await world.statuses(people) == [ACTIVE, OVER, OVER, OVER]
    assert (await world.alerts(AlertKind.DOWNGRADE_ENFORCED))[0].details["demoted"] == 3


async def test_a_cut_takes_seats_back_from_the_newest_invites_as_well(database: Database) -> None:
    world = await World.create(database, seat_limit=3)
    ann = await world.add("ann")
    await world.invite("new@acme.test")
    async with database.transaction() as conn:
        await capacity.apply_capacity(conn, world.org_id, 1)
    seats = await world.seats()
    assert (seats.used, seats.pending_invites) == (1, 0)
    assert await world.status(ann) is ACTIVE


async def test_switching_to_auto_expand_seats_the_waiting_members_up_to_max_seats(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=1)
    people = await world.add_many(4)
    await world.settings(seat_policy="auto_expand", max_seats=3)
    async with database.transaction() as conn:
        await capacity.expand_for_waiting(conn, world.org_id, actor="admin")
    assert await world.statuses(people) == [ACTIVE, ACTIVE, ACTIVE, OVER]
    assert (await world.seats()).capacity == 3
