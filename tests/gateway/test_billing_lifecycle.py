"""A subscription's life reaching the seats: failed payments, cancellation, a new subscription
after the old one ended, and late events of an ended subscription (docs/billing.md)."""

from datetime import UTC, datetime

from tests.billing.support import ORG_META, Billed


async def org_with_members(billed: Billed, quantity: int, *names: str) -> tuple[str, dict]:
    org = await billed.org()
    sub = await billed.subscribe(org["id"], quantity)
    await billed.provision(org["id"], *names)
    return org["id"], sub


async def test_a_failed_payment_keeps_the_seats_while_stripe_retries(billed: Billed) -> None:
    org_id, sub = await org_with_members(billed, 2, "a@x.io", "b@x.io")

    await billed.fake.fail_payment(sub["id"])
    await billed.deliver()

    billing = await billed.get(f"/orgs/{org_id}/billing")
    assert billing["last_sync"]["subscription_status"] == "past_due"
    assert (await billed.seats(org_id))["capacity"] == 2


async def test_an_unpaid_subscription_falls_to_the_free_capacity_and_comes_back_when_paid(
    billed: Billed,
) -> None:
    org_id, sub = await org_with_members(billed, 2, "a@x.io", "b@x.io")

    await billed.fake.fail_payment(sub["id"], final=True)
    await billed.deliver()

    seats = await billed.seats(org_id)
    assert (seats["capacity"], seats["over_limit"]) == (0, 2)  # free capacity 0, at once
    assert len(await billed.alerts(org_id, "downgrade_enforced")) == 1

    await billed.fake.recover_payment(sub["id"])
    await billed.deliver()
    seats = await billed.seats(org_id)
    assert (seats["capacity"], seats["over_limit"]) == (2, 0)


async def test_a_cancellation_at_the_period_end_warns_now_and_applies_then(
    billed: Billed,
) -> None:
    org_id, sub = await org_with_members(billed, 3, "a@x.io")

    await billed.fake.cancel_subscription(sub["id"], at_period_end=True)
    await billed.deliver()

    seats = await billed.seats(org_id)
    assert seats["capacity"] == 3
    [change] = seats["scheduled_changes"]
    period_end = datetime.fromtimestamp(billed.item_of(sub)["current_period_end"], UTC)
    assert (change["seat_limit"], datetime.fromisoformat(change["effective_at"])) == (
        0,
        period_end,
    )
    assert len(await billed.alerts(org_id, "downgrade_pending")) == 1

    await billed.fake.advance_to_period_end(sub["id"])
    await billed.deliver()
    seats = await billed.seats(org_id)
    assert (seats["capacity"], seats["over_limit"]) == (0, 1)


async def test_undoing_a_cancellation_cancels_the_scheduled_cut(billed: Billed) -> None:
    org_id, sub = await org_with_members(billed, 3)
    await billed.fake.cancel_subscription(sub["id"], at_period_end=True)
    await billed.deliver()
    billed.fake.store.subscriptions[sub["id"]]["cancel_at_period_end"] = False
    await billed.fake.set_item_quantity(billed.item_of(sub)["id"], 4)  # any change re-triggers
    await billed.deliver()

    seats = await billed.seats(org_id)
    assert (seats["capacity"], seats["scheduled_changes"]) == (4, [])


async def test_an_immediate_cancellation_drops_to_the_free_capacity_now(billed: Billed) -> None:
    org_id, sub = await org_with_members(billed, 2, "a@x.io", "b@x.io")

    await billed.fake.cancel_subscription(sub["id"])
    await billed.deliver()

    seats = await billed.seats(org_id)
    assert (seats["capacity"], seats["over_limit"]) == (0, 2)
    assert (await billed.get(f"/orgs/{org_id}/billing"))["managed_by"] == "billing"


async def test_a_new_subscription_after_a_cancellation_takes_over_and_late_events_of_the_old_one_are_ignored(  # noqa: E501
    billed: Billed,
) -> None:
    org_id, old = await org_with_members(billed, 2, "a@x.io")
    billed.fake.hold_webhooks()
    await billed.fake.cancel_subscription(old["id"])
    old_events = list(billed.fake.pending)
    billed.fake.discard_pending()
    billed.fake.webhooks.held = False

    new = billed.fake.create_subscription(
        [(billed.seat_price()["id"], 6)], metadata={ORG_META: org_id}
    )
    await billed.deliver()
    assert (await billed.seats(org_id))["capacity"] == 6

    for event_id in old_events:  # the old subscription's events arrive late
        await billed.fake.deliver(event_id)
    billing = await billed.get(f"/orgs/{org_id}/billing")
    assert billing["subscription"]["id"] == new["id"]
    assert (await billed.seats(org_id))["capacity"] == 6
