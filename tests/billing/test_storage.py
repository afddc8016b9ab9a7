"""Billing state in the database on both engines: event ids recorded once, owner-scoped
purchases held and claimed once, and stale snapshots dropped."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from seats import orgs
from seats.billing import ItemSnapshot, SeatRole, SubscriptionSnapshot, owner, sync
from seats.clock import utcnow
from seats.storage import billing_store as events
from seats.storage.database import Database

NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


def snapshot(
    quantity: int, *, org_id: str | None = None, owner_email: str | None = None
) -> SubscriptionSnapshot:
    item = ItemSnapshot(
        id="si_1",
        price_id="price_1",
        product_id=None,
        quantity=quantity,
        seat_role=SeatRole.PER_SEAT,
        current_period_end=NOW + timedelta(days=30),
    )
    return SubscriptionSnapshot(
        id="sub_1",
        customer_id="cus_1",
        status="active",
        org_id=org_id,
        owner_email=owner_email,
        items=(item,),
        current_period_end=NOW + timedelta(days=30),
    )


async def test_an_event_id_is_recorded_once_even_by_concurrent_transactions(
    database: Database,
) -> None:
    async def record() -> bool:
        async with database.transaction() as conn:
            fresh = await events.record_event(conn, "evt_1", "x", now=utcnow())
            await asyncio.sleep(0.05)  # hold the transaction open while the other one tries
            return fresh

    results = await asyncio.gather(record(), record(), record())

    assert sorted(results) == [False, False, True]
    async with database.read() as conn:
        assert await events.already_processed(conn, "evt_1")
        assert not await events.already_processed(conn, "evt_2")


async def test_an_event_rolled_back_with_its_effects_is_not_recorded(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.transaction() as conn:
            await events.record_event(conn, "evt_1", "x", now=utcnow())
            raise RuntimeError("the sync failed")
    async with database.read() as conn:
        assert not await events.already_processed(conn, "evt_1")


async def test_a_held_purchase_is_claimed_by_the_first_org_of_its_owner_only(
    database: Database,
) -> None:
    async with database.transaction() as conn:
        await owner.hold(conn, snapshot(5, owner_email="Founder@Example.com"))
        await owner.hold(conn, snapshot(5, owner_email="Founder@Example.com"))  # redelivery
        first = await orgs.create_org(conn, name="First")
        second = await orgs.create_org(conn, name="Second")
        claimed = await owner.claim(conn, first.id, " founder@EXAMPLE.com ".strip())
        again = await owner.claim(conn, second.id, "founder@example.com")
        linked = await orgs.get_org(conn, first.id)

    assert claimed is not None and claimed.attached_org_id == first.id
    assert again is None
    assert (linked.stripe_subscription_id, linked.stripe_customer_id) == ("sub_1", "cus_1")


async def test_webhooks_before_the_stripe_tag_reach_the_org_the_purchase_was_attached_to(
    database: Database,
) -> None:
    held = snapshot(5, owner_email="owner@example.com")
    async with database.transaction() as conn:
        outcome = await sync.apply_fetched(
            conn, held, sync.BillingRules(), now=NOW, fetched_at=utcnow()
        )
        assert outcome.action == "held"
        org = await orgs.create_org(conn, name="Acme")
        await owner.claim(conn, org.id, "owner@example.com")
        outcome = await sync.apply_fetched(
            conn, held, sync.BillingRules(), now=NOW, fetched_at=utcnow()
        )
        assert (outcome.action, outcome.org_id, outcome.capacity) == ("applied", org.id, 5)


async def test_a_snapshot_fetched_before_the_one_applied_is_dropped(database: Database) -> None:
    async with database.transaction() as conn:
        org = await orgs.create_org(conn, name="Acme")
    rules = sync.BillingRules()
    older, newer = utcnow(), utcnow() + timedelta(seconds=1)
    async with database.transaction() as conn:
        applied = await sync.apply_fetched(
            conn, snapshot(12, org_id=org.id), rules, now=NOW, fetched_at=newer
        )
    async with database.transaction() as conn:
        late = await sync.apply_fetched(
            conn, snapshot(10, org_id=org.id), rules, now=NOW, fetched_at=older
        )
        current = await orgs.get_org(conn, org.id)

    assert (applied.action, late.action) == ("applied", "stale")
    assert current.seat_limit == 12
