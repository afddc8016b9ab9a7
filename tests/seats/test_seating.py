"""The seat rules, scenario by scenario: who gets a seat, who waits over the limit, who is
promoted when a seat frees up, and what the ledger and the alerts say about it."""

import random

import pytest

from seats import seating
from seats.alerts import AlertKind
from seats.capacity import BILLING_PUSH
from seats.model import SeatPolicy, SeatStatus
from seats.storage.database import Database
from tests.seats.world import World

ACTIVE, OVER, DEACTIVATED = SeatStatus.ACTIVE, SeatStatus.OVER_LIMIT, SeatStatus.DEACTIVATED


@pytest.mark.parametrize(
    ("used", "capacity", "policy", "max_seats", "expected"),
    [
        (0, None, SeatPolicy.OVER_LIMIT, None, (ACTIVE, None)),
        (4, 5, SeatPolicy.OVER_LIMIT, None, (ACTIVE, None)),
        (5, 5, SeatPolicy.OVER_LIMIT, None, (OVER, None)),
        (5, 5, SeatPolicy.AUTO_EXPAND, None, (ACTIVE, 6)),
        (5, 5, SeatPolicy.AUTO_EXPAND, 6, (ACTIVE, 6)),
        (6, 6, SeatPolicy.AUTO_EXPAND, 6, (OVER, None)),
        (0, 0, SeatPolicy.OVER_LIMIT, None, (OVER, None)),
    ],
)
def test_the_rule_gives_a_seat_below_capacity_and_otherwise_follows_the_policy(
    used: int,
    capacity: int | None,
    policy: SeatPolicy,
    max_seats: int | None,
    expected: tuple[SeatStatus, int | None],
) -> None:
    assert seating.decide(used=used, capacity=capacity, policy=policy, max_seats=max_seats) == (
        expected
    )


async def test_a_member_added_with_free_seats_is_active(database: Database) -> None:
    world = await World.create(database, seat_limit=2)
    ann = await world.add("ann")
    assert ann.seat_status is ACTIVE
    seats = await world.seats()
    assert (seats.capacity, seats.used, seats.available, seats.over_limit) == (2, 1, 1, 0)
    assert await world.alerts() == []


async def test_a_member_added_at_capacity_is_stored_over_limit_and_admins_are_alerted(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=1)
    await world.add("ann")
    bob = await world.add("bob")
    assert bob.seat_status is OVER
    assert bob.over_limit_since is not None
    [alert] = await world.alerts()
    assert alert.kind is AlertKind.SEAT_LIMIT_REACHED
    assert alert.state == "open"
    assert alert.details["over_limit"] == 1
    assert await world.pending_messages("email") == 1


async def test_one_alert_per_episode_counts_the_members_over_the_limit(database: Database) -> None:
    world = await World.create(database, seat_limit=1)
    ann, *_waiting = await world.add_many(4)
    [alert] = await world.alerts()
    assert alert.details["over_limit"] == 3
    assert await world.pending_messages("email") == 1  # the digest carries the latest count
    await world.deactivate(ann)
    [alert] = await world.alerts()
    assert (alert.state, alert.details["over_limit"], alert.details["peak_over_limit"]) == (
        "open",
        2,
        3,
    )


async def test_the_episode_ends_with_seats_available_when_nobody_waits_any_more(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=1)
    ann, bob = await world.add_many(2)
    await world.delete(ann)
    assert await world.status(bob) is ACTIVE
    available, reached = await world.alerts()
    assert available.kind is AlertKind.SEATS_AVAILABLE
    assert reached.kind is AlertKind.SEAT_LIMIT_REACHED and reached.state == "closed"
    assert available.details["episode_alert_id"] == reached.id


async def test_removing_a_member_promotes_the_oldest_waiting_member(database: Database) -> None:
    world = await World.create(database, seat_limit=2)
    ann, _bob, carol, dave = await world.add_many(4)
    await world.deactivate(ann)
    assert await world.statuses([carol, dave]) == [ACTIVE, OVER]
    promoted = [e for e in await world.ledger() if e.reason == "promoted"]
    assert [(e.member_id, e.from_status, e.to_status) for e in promoted] == [
        (carol.id, OVER, ACTIVE)
    ]


async def test_deleting_a_member_promotes_the_oldest_waiting_member(database: Database) -> None:
    world = await World.create(database, seat_limit=1)
    ann, bob, carol = await world.add_many(3)
    await world.delete(ann)
    assert await world.statuses([bob, carol]) == [ACTIVE, OVER]


async def test_a_waiting_member_that_is_deactivated_frees_nothing_and_leaves_the_queue(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=1)
    ann, bob, carol = await world.add_many(3)
    await world.deactivate(bob)
    await world.deactivate(ann)
    assert await world.statuses([ann, bob, carol]) == [DEACTIVATED, DEACTIVATED, ACTIVE]


async def test_exempt_members_are_active_and_never_counted(database: Database) -> None:
    world = await World.create(database, seat_limit=0)
    guest = await world.add("guest", user_type="Guest")
    robot = await world.add("robot", user_type="ServiceAccount")
    employee = await world.add("employee", user_type="Employee")
    assert [guest.seat_status, robot.seat_status, employee.seat_status] == [ACTIVE, ACTIVE, OVER]
    assert guest.exempt and robot.exempt and not employee.exempt
    seats = await world.seats()
    assert (seats.used, seats.exempt, seats.over_limit) == (0, 2, 1)


async def test_the_exempt_list_is_per_org(database: Database) -> None:
    world = await World.create(database, seat_limit=0, exempt_user_types=("Contractor",))
    assert (await world.add("c", user_type="Contractor")).seat_status is ACTIVE
    assert (await world.add("g", user_type="Guest")).seat_status is OVER


async def test_losing_exemption_at_capacity_puts_the_member_over_the_limit(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=1)
    await world.add("ann")
    guest = await world.add("guest", user_type="Guest")
    guest = await world.change(guest, user_type="Employee")
    assert (guest.seat_status, guest.exempt) == (OVER, False)
    assert (await world.ledger())[-1].reason == "exemption_lost"


async def test_gaining_exemption_frees_the_seat_for_the_oldest_waiting_member(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=1)
    ann, bob = await world.add_many(2)
    ann = await world.change(ann, user_type="Guest")
    assert (ann.seat_status, ann.exempt) == (ACTIVE, True)
    assert await world.status(bob) is ACTIVE


async def test_changing_the_exempt_list_reclassifies_every_member(database: Database) -> None:
    world = await World.create(database, seat_limit=1)
    ann = await world.add("ann", user_type="Contractor")
    bob = await world.add("bob", user_type="Contractor")
    assert await world.statuses([ann, bob]) == [ACTIVE, OVER]
    await world.settings(exempt_user_types=["Contractor"])
    async with database.transaction() as conn:
        await seating.reclassify_exemptions(conn, world.org_id, actor="admin")
    assert await world.statuses([ann, bob]) == [ACTIVE, ACTIVE]
    assert (await world.seats()).used == 0
    await world.settings(exempt_user_types=[])
    async with database.transaction() as conn:
        await seating.reclassify_exemptions(conn, world.org_id, actor="admin")
    assert await world.statuses([ann, bob]) == [ACTIVE, OVER]


async def test_reactivation_at_capacity_puts_the_member_over_the_limit(database: Database) -> None:
    world = await World.create(database, seat_limit=1)
    ann = await world.add("ann")
    await world.deactivate(ann)
    await world.add("bob")
    ann = await world.reactivate(ann)
    assert ann.seat_status is OVER
    assert (await world.ledger())[-1].reason == "reactivated"


async def test_reactivation_with_a_free_seat_is_active(database: Database) -> None:
    world = await World.create(database, seat_limit=1)
    ann = await world.deactivate(await world.add("ann"))
    assert (await world.reactivate(ann)).seat_status is ACTIVE


async def test_a_member_keeps_its_place_through_unrelated_changes(database: Database) -> None:
    world = await World.create(database, seat_limit=1)
    ann, bob = await world.add_many(2)
    bob = await world.change(bob, display_name="Bob")
    ann = await world.change(ann, display_name="Ann")
    assert (ann.seat_status, bob.seat_status) == (ACTIVE, OVER)


async def test_auto_expand_grows_purchased_seats_up_to_max_seats_then_goes_over_limit(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=2, seat_policy="auto_expand", max_seats=4)
    people = await world.add_many(5)
    assert await world.statuses(people) == [ACTIVE, ACTIVE, ACTIVE, ACTIVE, OVER]
    assert (await world.seats()).capacity == 4
    # One billing push carries the final count, however many expansions happened.
    assert await world.pending_messages(BILLING_PUSH) == 1
    reasons = [e.reason for e in await world.ledger()]
    assert reasons.count("auto_expanded") == 2


async def test_every_status_change_is_in_the_ledger(database: Database) -> None:
    world = await World.create(database, seat_limit=1)
    ann, bob = await world.add_many(2)
    await world.deactivate(ann)
    await world.delete(bob)
    entries = [
        (e.member_id, e.from_status, e.to_status, e.reason, e.actor) for e in await world.ledger()
    ]
    assert entries == [
        (ann.id, None, ACTIVE, "created", "idp"),
        (bob.id, None, OVER, "created", "idp"),
        (ann.id, ACTIVE, DEACTIVATED, "deactivated", "idp"),
        (bob.id, OVER, ACTIVE, "promoted", "idp"),
        (bob.id, ACTIVE, None, "deleted", "idp"),
    ]


async def test_rapid_repeated_changes_never_count_more_members_than_capacity(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=3)
    people = await world.add_many(6)
    rng = random.Random(7)
    for _ in range(60):
        person = rng.choice(people)
        if rng.random() < 0.5:
            await world.deactivate(person)
        else:
            await world.reactivate(person)
        seats = await world.seats()
        assert seats.used <= 3
        # Nobody waits while a seat is free.
        assert seats.over_limit == 0 or seats.used == 3
    statuses = await world.statuses(people)
    waiting = sum(1 for s in statuses if s is OVER)
    assert statuses.count(ACTIVE) == min(3, statuses.count(ACTIVE) + waiting)
    assert len(await world.alerts(AlertKind.SEAT_LIMIT_REACHED)) >= 1
