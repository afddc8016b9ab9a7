"""The overview's usage history: the ledger counted per day on each engine, walked back from
today's seats used."""

from datetime import UTC, datetime, timedelta

from seats import org_settings
from seats.ledger import NewEntry, Reason
from seats.model import SeatStatus
from seats.overview import org_overview, usage_history
from seats.storage import ledger_store
from seats.storage.database import Database
from tests.seats.world import World

ACTIVE, OVER, PENDING, OFF = (
    SeatStatus.ACTIVE,
    SeatStatus.OVER_LIMIT,
    SeatStatus.PENDING_INVITE,
    SeatStatus.DEACTIVATED,
)
NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


def _days_ago(days: int, hour: int = 12, minute: int = 0) -> datetime:
    return (NOW - timedelta(days=days)).replace(hour=hour, minute=minute)


async def _write(world: World, at: datetime, *entries: NewEntry) -> None:
    async with world.database.transaction() as conn:
        await ledger_store.append(conn, list(entries), at=at)


def _entry(world: World, member_id: str, before, after, reason: str) -> NewEntry:
    return NewEntry(world.org_id, before, after, reason, "idp", member_id=member_id)


async def test_a_constructed_ledger_history_gives_the_seats_used_on_each_day(database: Database):
    world = await World.create(database)
    guest = await world.add("guest@acme.test", user_type="Guest")  # exempt: today, no seat
    # Two members since deleted (their rows are gone), an invite, the guest's creation.
    await _write(world, _days_ago(100), _entry(world, "before-window", None, ACTIVE, "created"))
    await _write(
        world,
        _days_ago(10, hour=0, minute=5),
        _entry(world, "ann", None, ACTIVE, Reason.CREATED),
        _entry(world, "bo", None, ACTIVE, Reason.CREATED),
    )
    await _write(
        world, _days_ago(5, hour=23, minute=55), _entry(world, "ann", ACTIVE, None, "deleted")
    )
    await _write(
        world,
        _days_ago(3),
        NewEntry(world.org_id, None, PENDING, Reason.INVITED, "admin", invite_id="inv"),
        _entry(world, guest.id, None, ACTIVE, Reason.CREATED),
    )
    await _write(world, _days_ago(2), _entry(world, "bo", ACTIVE, ACTIVE, Reason.EXEMPTION_GAINED))

    async with database.read() as conn:
        series = await usage_history(conn, world.org_id, used_now=1, now=NOW)

    used = {(NOW.date() - d.day).days: d.used for d in series}
    assert len(series) == 90 and series[-1].day == NOW.date()
    assert [used[n] for n in range(12, -1, -1)] == [0, 0, 2, 2, 2, 2, 2, 1, 1, 2, 1, 1, 1]
    assert used[89] == 0


async def test_walking_back_through_todays_changes_finds_no_seat_used_yesterday(
    database: Database,
):
    """Everything happened today, so yesterday nobody held a seat: each kind of entry today
    (creations, exempt members, over the limit and promoted, a deactivation, an invite,
    exemption lost and gained, a deletion) must add up to exactly today's count."""
    world = await World.create(database, seat_limit=3)
    ann, bo, cy = await world.add("ann"), await world.add("bo"), await world.add("cy")
    await world.add("dee")  # over the limit
    guest = await world.add("guest", user_type="Guest")
    await world.add("robot", user_type="ServiceAccount")
    await world.deactivate(ann)  # dee is promoted
    await world.set_capacity(6)
    await world.invite("eve@acme.test")
    async with database.transaction() as conn:
        # The robot loses its exemption and takes a seat.
        await org_settings.change_settings(
            conn, world.org_id, {"exempt_user_types": ["Guest"]}, actor="admin"
        )
    await world.change(bo, user_type="Guest")  # gains exemption: frees a seat
    await world.change(guest, user_type=None)  # loses it: takes a seat
    await world.delete(cy)

    async with database.read() as conn:
        overview = await org_overview(conn, world.org_id)

    # dee, robot, guest and the invite.
    assert overview.usage[-1].used == overview.seats.used == 4
    assert overview.usage[-2].used == 0
