"""The Stripe adapter's invoice previews and customer portal links, through the real SDK against
the Stripe fake on loopback."""

from collections.abc import AsyncIterator

import pytest

from gateway.stripe.client import StripeBilling
from seats.billing import BillingRejected, BillingUnavailable, QuantityChange
from tests.fakes.stripe_fake import StripeFake
from tests.gateway.integrations.test_stripe_billing import make_billing

ROLE = "seatgate_seat_role"
DAY = 86400


@pytest.fixture
async def fake() -> AsyncIterator[StripeFake]:
    async with StripeFake() as fake:
        yield fake


@pytest.fixture
async def billing(fake: StripeFake) -> AsyncIterator[StripeBilling]:
    billing = make_billing(fake)
    yield billing
    await billing.close()


def seat_subscription(fake: StripeFake, quantity: int) -> tuple[dict, str]:
    price = fake.create_price(unit_amount=1000, metadata={ROLE: "per_seat"})
    sub = fake.create_subscription([(price["id"], quantity)])
    return sub, sub["items"]["data"][0]["id"]


async def test_the_next_invoice_without_a_change_bills_the_current_quantity(
    fake: StripeFake, billing: StripeBilling
) -> None:
    sub, item_id = seat_subscription(fake, 4)

    preview = await billing.preview_invoice(sub["id"])

    assert (preview.currency, preview.amount_due, preview.proration_amount) == ("usd", 4000, 0)
    assert preview.due_at is not None
    assert int(preview.due_at.timestamp()) == fake.item(item_id)["current_period_end"]


async def test_more_seats_half_way_through_the_period_are_prorated_for_the_rest_of_it(
    fake: StripeFake, billing: StripeBilling
) -> None:
    sub, item_id = seat_subscription(fake, 4)
    item = fake.item(item_id)
    half = (item["current_period_end"] - item["current_period_start"]) // 2
    await fake.advance_clock(half)

    preview = await billing.preview_invoice(
        sub["id"], change=QuantityChange(item_id, 6, effective="now")
    )

    # Two more seats at $10 for about half the period, then six seats for the next one.
    assert preview.proration_amount == pytest.approx(1000, abs=40)
    assert preview.amount_due == 6000 + preview.proration_amount
    assert [line.proration for line in preview.lines] == [True, True, False]
    assert preview.lines[0].amount < 0 < preview.lines[1].amount  # credit, then charge
    assert fake.item(item_id)["quantity"] == 4  # a preview changes nothing


async def test_a_period_end_decrease_is_previewed_without_prorations(
    fake: StripeFake, billing: StripeBilling
) -> None:
    sub, item_id = seat_subscription(fake, 4)

    preview = await billing.preview_invoice(
        sub["id"], change=QuantityChange(item_id, 2, effective="period_end")
    )

    assert (preview.proration_amount, preview.amount_due) == (0, 2000)
    [sent] = fake.requests("POST", "/v1/invoices/create_preview")
    assert sent.params["subscription_details"]["proration_behavior"] == "none"


async def test_a_preview_of_a_subscription_ending_with_its_period_is_refused(
    fake: StripeFake, billing: StripeBilling
) -> None:
    sub, _ = seat_subscription(fake, 4)
    await fake.cancel_subscription(sub["id"], at_period_end=True)

    with pytest.raises(BillingRejected) as refused:
        await billing.preview_invoice(sub["id"])
    assert refused.value.code == "invoice_upcoming_none"


async def test_stripe_failing_the_preview_is_unavailable(
    fake: StripeFake, billing: StripeBilling
) -> None:
    sub, _ = seat_subscription(fake, 4)
    fake.fail_next("server_error", path="/v1/invoices/create_preview")

    with pytest.raises(BillingUnavailable):
        await billing.preview_invoice(sub["id"])


async def test_a_portal_session_links_the_customer_into_stripe_and_back(
    fake: StripeFake, billing: StripeBilling
) -> None:
    sub, _ = seat_subscription(fake, 1)

    url = await billing.create_portal_session(sub["customer"], return_url="https://x.test/back")

    assert url.startswith("https://billing.stripe.com/p/session/")
    [sent] = fake.requests("POST", "/v1/billing_portal/sessions")
    assert sent.params == {"customer": sub["customer"], "return_url": "https://x.test/back"}


async def test_a_portal_session_for_an_unknown_customer_is_refused(
    billing: StripeBilling,
) -> None:
    with pytest.raises(BillingRejected):
        await billing.create_portal_session("cus_missing", return_url="https://x.test/back")
