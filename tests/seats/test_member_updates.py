"""A member's update writes only the columns that changed (seats/storage/member_store.py):
what did not change is still found by it, and what did is found by its new value alone."""

from seats.model import Member, SeatStatus
from seats.query import Comparison, ListQuery, MemberField, Op
from seats.storage.database import Database
from seats.storage.member_queries import list_members
from tests.seats.world import World


async def found_by(world: World, field: MemberField, value: str | bool) -> list[str]:
    async with world.database.read() as conn:
        _, found = await list_members(
            conn, world.org_id, ListQuery(Comparison(field, Op.EQ, value))
        )
    return [member.user_name for member in found]


async def add_ann(world: World) -> Member:
    return await world.add(
        "ann",
        external_id="ext-1",
        display_name="Ann Example",
        email="ann@example.com",
        resource={"title": "pilot"},
    )


async def test_a_deactivated_member_is_found_by_everything_it_kept(database: Database) -> None:
    world = await World.create(database)
    ann = await add_ann(world)

    after = await world.deactivate(ann)

    assert (after.active, after.seat_status, after.version) == (
        False,
        SeatStatus.DEACTIVATED,
        ann.version + 1,
    )
    assert after.resource == {"title": "pilot"}
    for field, value in [
        (MemberField.USER_NAME, "ANN"),
        (MemberField.EXTERNAL_ID, "ext-1"),
        (MemberField.DISPLAY_NAME, "Ann Example"),
        (MemberField.EMAIL, "Ann@Example.com"),
        (MemberField.ACTIVE, False),
    ]:
        assert await found_by(world, field, value) == ["ann"], field


async def test_a_changed_email_or_external_id_is_found_by_its_new_value_only(
    database: Database,
) -> None:
    world = await World.create(database)
    ann = await add_ann(world)

    after = await world.change(ann, email="ann@new.example", external_id="ext-2")

    assert (after.email, after.external_id, after.display_name) == (
        "ann@new.example",
        "ext-2",
        "Ann Example",
    )
    assert await found_by(world, MemberField.EMAIL, "ANN@NEW.EXAMPLE") == ["ann"]
    assert await found_by(world, MemberField.EMAIL, "ann@example.com") == []
    assert await found_by(world, MemberField.EXTERNAL_ID, "ext-2") == ["ann"]
    assert await found_by(world, MemberField.EXTERNAL_ID, "ext-1") == []
    assert await found_by(world, MemberField.DISPLAY_NAME, "Ann Example") == ["ann"]


async def test_a_removed_email_and_a_renamed_user_name_are_written(database: Database) -> None:
    world = await World.create(database)
    ann = await add_ann(world)

    after = await world.change(ann, user_name="Ann", email=None)

    assert (after.user_name, after.email) == ("Ann", None)
    assert await found_by(world, MemberField.USER_NAME, "ann") == ["Ann"]
    assert await found_by(world, MemberField.EMAIL, "ann@example.com") == []
    # The freed userName is free again once the member takes another.
    await world.change(after, user_name="annie")
    assert (await world.add("ann")).user_name == "ann"
