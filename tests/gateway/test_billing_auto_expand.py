"""auto_expand with Stripe: provisioning grows the seats at once and never waits on Stripe; the
push to Stripe leaves through the outbox (`billing_push`), is retried while Stripe is down with
`billing_sync_failed` raised for the admins, and closes that alert once it gets through."""

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.keys import DATABASE
from gateway.worker import OUTBOX_HANDLERS, deliver_due
from seats import outbox
from seats.billing.pushes import BILLING_PUSH
from tests.billing.support import Billed
from tests.helpers import create_org, scim_headers_for
from tests.scim.support import create_user


async def auto_expanding_org(billed: Billed, quantity: int, **fields: Any) -> tuple[str, dict]:
    org = await billed.org(seat_policy="auto_expand", **fields)
    sub = await billed.subscribe(org["id"], quantity)
    return org["id"], sub


async def test_a_provisioned_user_beyond_capacity_buys_a_seat_through_the_outbox(
    billed: Billed,
) -> None:
    org_id, sub = await auto_expanding_org(billed, 2)

    assert await billed.provision(org_id, "a@x.io", "b@x.io", "c@x.io") == ["active"] * 3

    assert (await billed.seats(org_id))["capacity"] == 3
    assert billed.fake.requests("POST") == []  # SCIM never called Stripe
    report = await billed.deliver_outbox(BILLING_PUSH)
    assert report.delivered == 1
    [post] = billed.fake.requests("POST", "/v1/subscription_items/")
    assert post.params["quantity"] == "3"
    assert post.params["proration_behavior"] == "create_prorations"
    assert post.idempotency_key == f"seatgate:{org_id}:seats:3:0"
    assert billed.item_of(sub)["quantity"] == 3
    await billed.deliver()  # Stripe's webhook for the push changes nothing
    assert (await billed.seats(org_id))["capacity"] == 3


async def test_a_burst_of_expansions_is_pushed_as_one_change(billed: Billed) -> None:
    org_id, sub = await auto_expanding_org(billed, 1)
    await billed.provision(org_id, *(f"u{n}@x.io" for n in range(5)))

    await billed.deliver_outbox(BILLING_PUSH)

    assert len(billed.fake.requests("POST", "/v1/subscription_items/")) == 1
    assert billed.item_of(sub)["quantity"] == 5


async def test_stripe_down_during_provisioning_keeps_scim_working_and_retries_the_push(
    billed: Billed,
) -> None:
    org_id, sub = await auto_expanding_org(billed, 1)
    billed.fake.fail_next("disconnect", times=1000)

    assert await billed.provision(org_id, "a@x.io", "b@x.io") == ["active", "active"]

    report = await billed.deliver_outbox(BILLING_PUSH)
    assert (report.delivered, report.retrying) == (0, 1)
    [failed] = await billed.alerts(org_id, "billing_sync_failed")
    assert failed["state"] == "open"
    assert failed["details"]["failures"] == 1 and "Stripe" in failed["details"]["error"]
    billing = await billed.get(f"/orgs/{org_id}/billing")
    assert billing["sync_failure"]["failures"] == 1
    assert "stripe_error" in billing  # GET still answers while Stripe is down

    await billed.deliver_outbox(BILLING_PUSH, later=timedelta(minutes=1))
    [failed] = await billed.alerts(org_id, "billing_sync_failed")
    assert failed["details"]["failures"] == 2  # one alert, counting

    billed.fake.clear_failures()
    report = await billed.deliver_outbox(BILLING_PUSH, later=timedelta(minutes=5))
    assert report.delivered == 1
    assert billed.item_of(sub)["quantity"] == 2
    [closed] = await billed.alerts(org_id, "billing_sync_failed")
    assert closed["state"] == "closed" and closed["details"]["recovered_at"]


async def test_a_webhook_while_the_push_is_queued_does_not_take_the_granted_seat_away(
    billed: Billed,
) -> None:
    org_id, sub = await auto_expanding_org(billed, 1)
    await billed.provision(org_id, "a@x.io", "b@x.io")

    # Something unrelated changes on Stripe; its webhook arrives before the push is sent.
    await billed.fake.fail_payment(sub["id"])  # past_due: still counts, quantity still 1
    await billed.deliver()

    seats = await billed.seats(org_id)
    assert (seats["capacity"], seats["scheduled_changes"]) == (2, [])
    assert await billed.members(org_id, "over_limit") == []
    assert await billed.alerts(org_id, "downgrade_pending") == []
    await billed.deliver_outbox(BILLING_PUSH)
    assert billed.item_of(sub)["quantity"] == 2


async def test_a_push_stripe_refuses_gives_up_and_alerts(billed: Billed) -> None:
    org_id, _ = await auto_expanding_org(billed, 1)
    await billed.provision(org_id, "a@x.io", "b@x.io")
    billed.fake.fail_next("card_declined", method="POST", path="/v1/subscription_items/")

    report = await billed.deliver_outbox(BILLING_PUSH)

    assert report.failed == 1
    [failed] = await billed.alerts(org_id, "billing_sync_failed")
    assert "declined" in failed["details"]["error"]


async def test_with_billing_off_queued_pushes_are_dropped(client: TestClient) -> None:
    org = await create_org(client, seat_limit=1, seat_policy="auto_expand")
    headers = await scim_headers_for(client, org["id"])
    for name in ("a@x.io", "b@x.io"):
        await create_user(client, headers, name)
    app = client.app
    assert app is not None
    handlers = {BILLING_PUSH: app[OUTBOX_HANDLERS][BILLING_PUSH]}

    report = await deliver_due(app[DATABASE], handlers)

    assert report.delivered == 1
    async with app[DATABASE].read() as conn:
        assert await outbox.count_pending(conn, channel=BILLING_PUSH) == 0
