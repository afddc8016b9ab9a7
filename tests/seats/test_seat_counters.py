"""The org row's seat counters (orgs.seats_active, orgs.seats_over_limit, kept by triggers on
members; orgs.invites_pending, kept by triggers on invites) always equal a count of the members
and invites they stand for: after any sequence of what the IdP, admins and billing do, and under
concurrent writers sharing the database."""

import asyncio
import random
from datetime import timedelta

import pytest
import sqlalchemy as sa

from seats import assignment, capacity, invites, members, org_settings
from seats.clock import utcnow
from seats.errors import DomainError
from seats.model import MemberDraft, SeatStatus
from seats.storage.database import Database
from seats.storage.tables import invites as invite_rows
from seats.storage.tables import members as member_rows
from seats.storage.tables import orgs
from tests.seats.world import World

STEPS = 150


async def counters_and_counts(database: Database, org_id: str) -> tuple[tuple[int, int], ...]:
    """(the org row's counters, the same numbers counted from the members)."""

    def counted(status: SeatStatus) -> sa.ScalarSelect[int]:
        return (
            sa.select(sa.func.count())
            .select_from(member_rows)
            .where(member_rows.c.org_id == org_id, member_rows.c.seat_status == status.value)
            .where(member_rows.c.exempt.is_(False))
            .scalar_subquery()
        )

    query = sa.select(
        orgs.c.seats_active,
        orgs.c.seats_over_limit,
        counted(SeatStatus.ACTIVE),
        counted(SeatStatus.OVER_LIMIT),
    ).where(orgs.c.id == org_id)
    async with database.read() as conn:
        row = (await conn.execute(query)).one()
    return (row[0], row[1]), (row[2], row[3])


async def invites_pending_and_counted(database: Database, org_id: str) -> tuple[int, int]:
    """(the org row's invites_pending, the org's invites in status pending counted)."""
    counted = (
        sa.select(sa.func.count())
        .select_from(invite_rows)
        .where(invite_rows.c.org_id == org_id, invite_rows.c.status == "pending")
        .scalar_subquery()
    )
    query = sa.select(orgs.c.invites_pending, counted).where(orgs.c.id == org_id)
    async with database.read() as conn:
        row = (await conn.execute(query)).one()
    return row[0], row[1]


class RandomWalk:
    """What an IdP, the admins and billing do to one org, chosen by a seeded generator."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world, self.rng, self.made = world, rng, 0

    async def member_ids(self) -> list[str]:
        async with self.world.database.read() as conn:
            query = sa.select(member_rows.c.id).where(member_rows.c.org_id == self.world.org_id)
            return sorted((await conn.execute(query)).scalars())

    async def pending_invite_ids(self) -> list[str]:
        async with self.world.database.read() as conn:
            query = sa.select(invite_rows.c.id).where(
                invite_rows.c.org_id == self.world.org_id, invite_rows.c.status == "pending"
            )
            return sorted((await conn.execute(query)).scalars())

    def user_type(self) -> str | None:
        return self.rng.choice([None, None, None, "Guest", "Contractor"])

    async def create(self) -> None:
        self.made += 1
        active = self.rng.random() < 0.85
        await self.world.add(
            f"user{self.made}@acme.test", user_type=self.user_type(), active=active
        )

    async def change_one(self) -> None:
        ids = await self.member_ids()
        if not ids:
            return
        async with self.world.database.transaction() as conn:
            current = await members.get_member(conn, self.world.org_id, self.rng.choice(ids))
            draft = members.draft_of(current)
            change = self.rng.choice(["active", "active", "user_type"])
            if change == "active":
                draft = MemberDraft(**{**draft.__dict__, "active": not draft.active})
            else:
                draft = MemberDraft(**{**draft.__dict__, "user_type": self.user_type()})
            await members.replace_member(conn, self.world.org_id, current.id, draft, actor="idp")

    async def delete_one(self) -> None:
        if ids := await self.member_ids():
            async with self.world.database.transaction() as conn:
                await members.delete_member(
                    conn, self.world.org_id, self.rng.choice(ids), actor="idp"
                )

    async def release_or_assign(self) -> None:
        if ids := await self.member_ids():
            use_case = self.rng.choice([assignment.release_seat, assignment.assign_seat])
            async with self.world.database.transaction() as conn:
                await use_case(conn, self.world.org_id, self.rng.choice(ids), actor="admin")

    async def invite_or_end_invite(self) -> None:
        pending = await self.pending_invite_ids()
        choice = self.rng.choice(["invite", "invite", "revoke", "accept", "provision"])
        if choice == "invite" or not pending:
            self.made += 1
            await self.world.invite(f"invitee{self.made}@acme.test")
            return
        invite_id = self.rng.choice(pending)
        async with self.world.database.transaction() as conn:
            if choice == "revoke":
                await invites.revoke_invite(conn, self.world.org_id, invite_id, actor="admin")
            elif choice == "accept":
                await invites.accept_invite(conn, self.world.org_id, invite_id, actor="invitee")
            else:
                # The IdP provisions the invited address: the new member takes the invite's seat.
                email = (await invites.get_invite(conn, self.world.org_id, invite_id)).email
                draft = MemberDraft(user_name=email, email=email)
                await members.create_member(conn, self.world.org_id, draft, actor="idp")

    async def cut_or_raise_capacity(self) -> None:
        limit = self.rng.choice([None, *range(0, 13)])
        async with self.world.database.transaction() as conn:
            # Billing's word is final: a cut demotes the newest holders.
            await capacity.apply_capacity(conn, self.world.org_id, limit, actor="billing")

    async def change_exempt_types(self) -> None:
        types = self.rng.choice([(), ("Guest",), ("Guest", "Contractor"), ("Contractor",)])
        async with self.world.database.transaction() as conn:
            await org_settings.change_settings(
                conn, self.world.org_id, {"exempt_user_types": list(types)}, actor="admin"
            )

    async def step(self) -> None:
        action = self.rng.choices(
            [
                self.create,
                self.change_one,
                self.delete_one,
                self.release_or_assign,
                self.invite_or_end_invite,
                self.cut_or_raise_capacity,
                self.change_exempt_types,
            ],
            weights=[8, 6, 2, 3, 3, 2, 1],
        )[0]
        try:
            await action()
        except DomainError:
            pass  # a refusal (no seat free, nothing to release) changes nothing


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_after_every_step_of_a_random_walk_the_counters_equal_the_members_counted(
    database: Database, seed: int
) -> None:
    walk = RandomWalk(await World.create(database, seat_limit=6), random.Random(seed))
    seen: set[tuple[int, int]] = set()
    invites_seen: set[int] = set()
    for step in range(STEPS):
        await walk.step()
        counters, counts = await counters_and_counts(database, walk.world.org_id)
        assert counters == counts, f"seed {seed}, step {step}"
        seen.add(counts)
        invites_pending, invites_counted = await invites_pending_and_counted(
            database, walk.world.org_id
        )
        assert invites_pending == invites_counted, f"seed {seed}, step {step}"
        invites_seen.add(invites_counted)
    # The walk went where the counters move: many seated, many waiting, and back; invites
    # made and ended (revoked, accepted, taken over by the IdP's provisioning).
    assert max(active for active, _ in seen) >= 6 and max(over for _, over in seen) >= 3
    assert len(seen) >= 10
    assert {0, 1} <= invites_seen


async def test_each_org_counts_only_its_own_members(database: Database) -> None:
    acme, globex = await World.create(database, seat_limit=2), await World.create(database)
    await acme.add_many(3)
    await globex.add_many(4, prefix="g")
    assert await counters_and_counts(database, acme.org_id) == ((2, 1), (2, 1))
    assert await counters_and_counts(database, globex.org_id) == ((4, 0), (4, 0))


async def test_statements_writing_many_members_of_several_orgs_move_each_orgs_counters(
    database: Database,
) -> None:
    """What a bulk path does: one INSERT, UPDATE or DELETE of members across orgs (on
    PostgreSQL the counters move once per statement, by each org's share of its rows)."""
    acme, globex = await World.create(database), await World.create(database)
    await acme.add_many(5)
    await globex.add_many(3, prefix="g")
    both = member_rows.c.org_id.in_([acme.org_id, globex.org_id])
    async with database.transaction() as conn:
        await conn.execute(
            member_rows.update()
            .where(both, member_rows.c.user_name.not_like("%1%"))
            .values(seat_status=SeatStatus.OVER_LIMIT.value)
        )
    assert await counters_and_counts(database, acme.org_id) == ((1, 4), (1, 4))
    assert await counters_and_counts(database, globex.org_id) == ((1, 2), (1, 2))
    async with database.transaction() as conn:
        await conn.execute(member_rows.update().where(both).values(exempt=True))
    assert await counters_and_counts(database, acme.org_id) == ((0, 0), (0, 0))
    async with database.transaction() as conn:
        await conn.execute(member_rows.update().where(both).values(exempt=False))
        await conn.execute(
            member_rows.delete().where(both, member_rows.c.seat_status == "over_limit")
        )
    assert await counters_and_counts(database, acme.org_id) == ((1, 0), (1, 0))
    assert await counters_and_counts(database, globex.org_id) == ((1, 0), (1, 0))


async def test_concurrent_creates_deactivations_and_deletes_from_two_gateways_keep_them_equal(
    gateways: list[Database],
) -> None:
    world = await World.create(gateways[0], seat_limit=30)
    created = await world.add_many(40, prefix="early")

    async def provision(i: int) -> None:
        async with gateways[i % 2].transaction() as conn:
            draft = MemberDraft(user_name=f"late{i:03}@acme.test")
            await members.create_member(conn, world.org_id, draft, actor="idp")

    async def deactivate(i: int) -> None:
        member = created[i]
        async with gateways[i % 2].transaction() as conn:
            draft = MemberDraft(user_name=member.user_name, active=False)
            await members.replace_member(conn, world.org_id, member.id, draft, actor="idp")

    async def delete(i: int) -> None:
        async with gateways[i % 2].transaction() as conn:
            await members.delete_member(conn, world.org_id, created[i].id, actor="idp")

    await asyncio.gather(
        *(provision(i) for i in range(60)),
        *(deactivate(i) for i in range(0, 20)),
        *(delete(i) for i in range(20, 30)),
    )
    counters, counts = await counters_and_counts(gateways[1], world.org_id)
    assert counters == counts
    # 100 made, 30 gone or inactive: 30 seated, 40 waiting.
    assert counts == (30, 40)


async def test_an_expired_invite_leaves_the_count_once_the_org_lock_marks_it_expired(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=1)
    await world.invite("gone@acme.test", now=utcnow() - timedelta(days=30))
    # Still pending in its row until a seat decision settles what fell due.
    assert await invites_pending_and_counted(database, world.org_id) == (1, 1)
    someone = await world.add("someone@acme.test")
    assert await invites_pending_and_counted(database, world.org_id) == (0, 0)
    # The expired invite held no seat for the create to wait behind.
    assert someone.seat_status is SeatStatus.ACTIVE


async def test_a_create_that_waited_for_the_org_lock_takes_the_seat_of_an_invite_made_meanwhile(
    gateways: list[Database],
) -> None:
    """On PostgreSQL the create's locking statement began before the invite committed: the
    invite reaches it through the locked org row's counter, read after the wait."""
    world = await World.create(gateways[0], seat_limit=1)
    async with gateways[0].transaction() as conn:
        await capacity.lock_for_seats(conn, world.org_id)
        creating = asyncio.create_task(
            World(gateways[1], world.org_id).add("ann@acme.test", email="ann@acme.test")
        )
        await asyncio.sleep(0.3)  # the create is under way, waiting for the org lock
        invite = await invites.create_invite(conn, world.org_id, "ann@acme.test", actor="admin")
    ann = await creating
    assert ann.seat_status is SeatStatus.ACTIVE
    async with gateways[0].read() as conn:
        assert (await invites.get_invite(conn, world.org_id, invite.id)).status == "accepted"
    assert await invites_pending_and_counted(gateways[0], world.org_id) == (0, 0)
