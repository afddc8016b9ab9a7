"""Invites: a seat held from the invite on, handed to the member who accepts, freed for the
waiting members when the invite is revoked or expires."""

from datetime import timedelta

import pytest

from gateway.worker import run_scheduled
from seats.clock import utcnow
from seats.errors import DuplicateInvite, InvalidValue, InviteNotPending, SeatLimitReached
from seats.model import SeatStatus
from seats.storage.database import Database
from tests.seats.world import World

ACTIVE, OVER = SeatStatus.ACTIVE, SeatStatus.OVER_LIMIT


async def test_an_invite_holds_a_seat_at_once(database: Database) -> None:
    world = await World.create(database, seat_limit=2)
    invite = await world.invite("new@acme.test")
    assert invite.status == "pending"
    seats = await world.seats()
    assert (seats.used, seats.pending_invites, seats.available) == (1, 1, 1)
    [entry] = await world.ledger()
    assert (entry.invite_id, entry.to_status, entry.reason) == (
        invite.id,
        SeatStatus.PENDING_INVITE,
        "invited",
    )


async def test_an_invite_without_a_free_seat_is_refused_with_seat_limit_reached(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=1)
    await world.add("ann")
    with pytest.raises(SeatLimitReached) as refused:
        await world.invite("new@acme.test")
    assert refused.value.context == {"capacity": 1, "used": 1, "max_seats": None}
    assert (await world.seats()).pending_invites == 0


async def test_an_invite_under_auto_expand_grows_capacity_until_max_seats(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=1, seat_policy="auto_expand", max_seats=2)
    await world.add("ann")
    await world.invite("one@acme.test")
    assert (await world.seats()).capacity == 2
    with pytest.raises(SeatLimitReached, match="max_seats"):
        await world.invite("two@acme.test")


async def test_a_second_invite_for_the_same_address_is_refused_clearly(database: Database) -> None:
    world = await World.create(database, seat_limit=5)
    first = await world.invite("new@acme.test")
    with pytest.raises(DuplicateInvite) as refused:
        await world.invite("NEW@acme.test")
    assert first.id in refused.value.detail
    assert "already has a pending invite" in refused.value.detail


async def test_an_invite_for_an_existing_member_is_refused(database: Database) -> None:
    world = await World.create(database, seat_limit=5)
    await world.add("ann@acme.test", email="ann@acme.test")
    with pytest.raises(DuplicateInvite, match="already a member"):
        await world.invite("ann@acme.test")


@pytest.mark.parametrize(
    "email",
    [
        "",
        "nobody",
        "a@b",
        "two@@acme.test",
        "sp ace@acme.test",
        "dee..jones@acme.test",
        "dee@-acme.test",
        "dee@acme.test.",
        "dee@printer.local",
    ],
)
async def test_an_invite_needs_an_email_address(database: Database, email: str) -> None:
    world = await World.create(database, seat_limit=5)
    with pytest.raises(InvalidValue, match="email must be an email address"):
        await world.invite(email)


async def test_a_refused_address_says_what_is_wrong_with_it(database: Database) -> None:
    world = await World.create(database, seat_limit=5)
    with pytest.raises(InvalidValue) as refused:
        await world.invite("dee..jones@acme.test")
    assert "cannot have two periods in a row" in refused.value.detail


async def test_an_internationalized_address_can_be_invited(database: Database) -> None:
    world = await World.create(database, seat_limit=5)
    invite = await world.invite("zoë@bücher.example")
    assert invite.email == "zoë@bücher.example"


async def test_revoking_an_invite_frees_its_seat_for_the_oldest_waiting_member(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=2)
    await world.add("ann")
    invite = await world.invite("new@acme.test")
    bob, carol = await world.add("bob"), await world.add("carol")
    assert await world.statuses([bob, carol]) == [OVER, OVER]
    await world.revoke(invite)
    assert await world.statuses([bob, carol]) == [ACTIVE, OVER]
    with pytest.raises(InviteNotPending, match="revoked"):
        await world.revoke(invite)


async def test_accepting_an_invite_hands_its_seat_to_the_new_member(database: Database) -> None:
    world = await World.create(database, seat_limit=1)
    invite = await world.invite("new@acme.test")
    member = await world.accept(invite)
    assert (member.user_name, member.email, member.seat_status) == (
        "new@acme.test",
        "new@acme.test",
        ACTIVE,
    )
    seats = await world.seats()
    assert (seats.used, seats.pending_invites, seats.active) == (1, 0, 1)
    entry = (await world.ledger())[-1]
    assert (entry.member_id, entry.invite_id, entry.from_status, entry.to_status) == (
        member.id,
        invite.id,
        SeatStatus.PENDING_INVITE,
        ACTIVE,
    )
    with pytest.raises(InviteNotPending, match="accepted"):
        await world.accept(invite)


async def test_a_user_provisioned_with_an_invited_address_takes_the_invites_seat(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=1)
    await world.invite("new@acme.test")
    member = await world.add("new.person", email="New@Acme.test")
    assert member.seat_status is ACTIVE
    assert (await world.seats()).pending_invites == 0


async def test_in_an_org_without_a_seat_limit_the_invited_address_also_takes_the_invites_seat(
    database: Database,
) -> None:
    world = await World.create(database)
    invite = await world.invite("new@acme.test")
    await world.add("ann@acme.test", email="ann@acme.test")  # no invite: keeps it pending
    assert (await world.seats()).pending_invites == 1
    member = await world.add("new.person", email="New@Acme.test")
    assert member.seat_status is ACTIVE
    assert (await world.seats()).pending_invites == 0
    entry = (await world.ledger())[-1]
    assert (entry.member_id, entry.invite_id, entry.from_status, entry.reason) == (
        member.id,
        invite.id,
        SeatStatus.PENDING_INVITE,
        "invite_accepted",
    )


async def test_in_an_org_without_a_seat_limit_an_invite_expired_meanwhile_is_not_taken_over(
    database: Database,
) -> None:
    world = await World.create(database, invite_expiry_days=1)
    await world.invite("new@acme.test", now=utcnow() - timedelta(days=2))
    member = await world.add("new.person", email="new@acme.test")
    assert member.seat_status is ACTIVE
    assert [e.reason for e in await world.ledger()][-2:] == ["invite_expired", "created"]


async def test_an_invite_expires_after_the_orgs_days_and_frees_its_seat(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=1, invite_expiry_days=3)
    now = utcnow()
    invite = await world.invite("new@acme.test", now=now)
    assert invite.expires_at == now + timedelta(days=3)
    bob = await world.add("bob")
    assert bob.seat_status is OVER
    await run_scheduled(database, now=now + timedelta(days=2))
    assert await world.status(bob) is OVER
    await run_scheduled(database, now=now + timedelta(days=3, seconds=1))
    assert await world.status(bob) is ACTIVE
    assert (await world.ledger())[-2].reason == "invite_expired"
    with pytest.raises(InviteNotPending, match="expired"):
        await world.accept(invite)


async def test_an_expired_invite_stops_counting_even_before_the_worker_runs(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=1, invite_expiry_days=1)
    now = utcnow()
    await world.invite("new@acme.test", now=now - timedelta(days=2))
    seats = await world.seats()
    assert (seats.used, seats.pending_invites) == (0, 0)
    # The next seat decision settles the expiry first.
    assert (await world.add("bob")).seat_status is ACTIVE


async def test_the_same_address_can_be_invited_again_once_its_invite_is_revoked(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=1)
    await world.revoke(await world.invite("new@acme.test"))
    assert (await world.invite("new@acme.test")).status == "pending"
