"""The console's Billing page without a browser, on both engines: the subscription's state,
interval and next invoice; a Checkout for an org that does not pay yet and a link into Stripe's
customer portal, both for the billing role only and both audited."""

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from aiohttp.test_utils import TestClient

from tests.billing.support import Billed
from tests.gateway.console.support import csrf_token, sign_in
from tests.gateway.console.test_seats import BILLING, audit_of, page_text
from tests.helpers import create_org


async def signed_in(billed: Billed, org_id: str, role: str = "billing") -> str:
    await sign_in(billed.client, org_id, email=BILLING, role=role)
    return f"/console/orgs/{org_id}/billing"


async def post(client: TestClient, path: str, **fields: str) -> Any:
    token = await csrf_token(client, "/".join(path.split("/")[:4]))  # the org's overview
    return await client.post(path, data={"csrf_token": token, **fields}, allow_redirects=False)


def monthly_price(billed: Billed, **fields: Any) -> dict[str, Any]:
    return billed.seat_price(lookup_key="seatgate_seat_monthly", **fields)


async def test_a_paying_org_sees_its_subscription_interval_and_next_invoice(
    billed: Billed,
) -> None:
    org = await billed.org()
    price = billed.seat_price(unit_amount=1500, interval="month", interval_count=6)
    sub = await billed.subscribe(org["id"], 4, price=price)
    path = await signed_in(billed, org["id"])

    status, text = await page_text(billed.client, path)

    assert status == 200
    assert "State active" in text and "Billed Every six months" in text
    period_end = billed.fake.item(sub["items"]["data"][0]["id"])["current_period_end"]
    assert f"Next invoice {_date(period_end)} · $60.00" in text
    assert "Buy seats" not in text  # it pays already
    assert "Open the Stripe customer portal" in text


async def test_the_next_invoice_date_stays_when_stripe_does_not_answer_the_preview(
    billed: Billed,
) -> None:
    org = await billed.org()
    sub = await billed.subscribe(org["id"], 2)
    path = await signed_in(billed, org["id"])
    billed.fake.fail_next("server_error", times=5, path="/v1/invoices/create_preview")

    status, text = await page_text(billed.client, path)

    assert status == 200
    period_end = billed.fake.item(sub["items"]["data"][0]["id"])["current_period_end"]
    assert f"Next invoice {_date(period_end)} (the amount is unknown" in text


async def test_an_org_not_paying_yet_starts_a_checkout_and_goes_to_stripe(billed: Billed) -> None:
    org = await billed.org(seat_limit=3)
    price = monthly_price(billed)
    path = await signed_in(billed, org["id"])
    assert "Buy seats" in (await page_text(billed.client, path))[1]

    answer = await post(billed.client, f"{path}/checkout", seats="8", interval="month")

    assert answer.status == 303
    session_id = urlparse(answer.headers["Location"]).path.rsplit("/", 1)[1]
    session = billed.fake.checkout_session(session_id)
    assert answer.headers["Location"] == session["url"]
    assert session["metadata"] == {"seatgate_org_id": org["id"]}
    assert session["success_url"].endswith(f"{path}?checkout=done")
    [sent] = billed.fake.requests("POST", "/v1/checkout/sessions")
    assert sent.params["line_items"] == [{"price": price["id"], "quantity": "8"}]
    [entry] = await audit_of(billed.client, org["id"], "billing.checkout_started")
    assert entry["actor"] == f"console:{BILLING}" and entry["target"] == session_id
    assert entry["detail"] == {"seats": 8, "interval": "month"}
    _, back = await page_text(billed.client, f"{path}?checkout=done")
    assert "Stripe confirms the subscription in a moment" in back


async def test_a_checkout_without_a_price_for_the_interval_says_so(billed: Billed) -> None:
    org = await billed.org()
    path = await signed_in(billed, org["id"])

    answer = await post(billed.client, f"{path}/checkout", seats="5", interval="year")

    assert answer.status == 409
    assert "seatgate_seat_yearly" in await answer.text()
    assert await audit_of(billed.client, org["id"], "billing.checkout_started") == []


async def test_a_checkout_for_no_seats_is_refused(billed: Billed) -> None:
    org = await billed.org()
    path = await signed_in(billed, org["id"])

    for seats in ("0", "", "many"):
        answer = await post(billed.client, f"{path}/checkout", seats=seats, interval="month")
        assert answer.status == 422, seats
    assert billed.fake.requests("POST", "/v1/checkout/sessions") == []


async def test_the_customer_portal_opens_for_the_orgs_stripe_customer(billed: Billed) -> None:
    org = await billed.org()
    sub = await billed.subscribe(org["id"], 2)
    path = await signed_in(billed, org["id"])

    answer = await post(billed.client, f"{path}/portal")

    assert answer.status == 303
    assert answer.headers["Location"].startswith("https://billing.stripe.com/p/session/")
    [sent] = billed.fake.requests("POST", "/v1/billing_portal/sessions")
    assert sent.params["customer"] == sub["customer"]
    assert sent.params["return_url"].endswith(path)
    [entry] = await audit_of(billed.client, org["id"], "billing.portal_opened")
    assert entry["actor"] == f"console:{BILLING}" and entry["target"] == sub["customer"]


async def test_stripe_unreachable_for_the_portal_is_said_on_the_page(billed: Billed) -> None:
    org = await billed.org()
    await billed.subscribe(org["id"], 2)
    path = await signed_in(billed, org["id"])
    await csrf_token(billed.client, path)
    billed.fake.fail_next("disconnect", times=10, path="/v1/billing_portal")

    answer = await post(billed.client, f"{path}/portal")

    assert answer.status == 502
    assert "Stripe could not be reached" in await answer.text()


async def test_the_admin_role_sees_billing_but_starts_no_checkout_or_portal(
    billed: Billed,
) -> None:
    org = await billed.org()
    await billed.subscribe(org["id"], 2)
    monthly_price(billed)
    path = await signed_in(billed, org["id"], role="admin")

    _, text = await page_text(billed.client, path)

    assert "State active" in text and "Open the Stripe customer portal" not in text
    assert (await post(billed.client, f"{path}/portal")).status == 403
    assert (
        await post(billed.client, f"{path}/checkout", seats="3", interval="month")
    ).status == 403
    assert billed.fake.requests("POST", "/v1/billing_portal/sessions") == []
    assert billed.fake.requests("POST", "/v1/checkout/sessions") == []


async def test_without_stripe_on_the_gateway_billing_says_who_sets_the_seats(
    client: TestClient,
) -> None:
    org = await create_org(client, seat_limit=5)
    await sign_in(client, org["id"], email=BILLING, role="billing")
    path = f"/console/orgs/{org['id']}/billing"

    status, text = await page_text(client, path)

    assert status == 200
    assert "Seat limit: 5" in text and "Seats are not billed through Stripe" in text
    assert (await post(client, f"{path}/portal")).status == 409


def _date(timestamp: int) -> str:
    moment = datetime.fromtimestamp(timestamp, UTC)
    return f"{moment.strftime('%B')} {moment.day}, {moment.year}"
