"""In a browser: a billing contact raises a Stripe-managed org's seats on the Seats page and the
test Stripe server sees the add-on item's new quantity; a preview Stripe does not answer still
ends in the change after a confirmation; a quantity below usage is refused before it is sent;
the Billing page shows the subscription and opens Stripe's customer portal."""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, Route, expect

from gateway.config import Settings
from tests.fakes.stripe_fake import StripeFake
from tests.gateway.console.browser.support import LiveConsole, screenshot
from tests.gateway.console.support import portal_link
from tests.helpers import create_org, scim_headers_for

API_KEY, SECRET = "sk_test_console", "whsec_console"
ROLE, INCLUDED = "seatgate_seat_role", "seatgate_included_seats"
PREVIEW = "/v1/invoices/create_preview"


@pytest.fixture
async def fake() -> AsyncIterator[StripeFake]:
    async with StripeFake() as fake:
        yield fake


@pytest.fixture
def live_settings(live_settings: Settings, fake: StripeFake) -> Settings:
    """The live gateway bills through the Stripe fake."""
    return live_settings.replace(
        stripe_secret_key=API_KEY,
        stripe_webhook_secret=SECRET,
        stripe_api_base=fake.base_url,
        stripe_free_capacity=0,
    )


async def stripe_managed_org(
    live: LiveConsole, fake: StripeFake, items: list[tuple[str, int]], users: int
) -> tuple[str, dict]:
    """An org whose subscription Stripe told the gateway about, with `users` provisioned."""
    org = await create_org(live.api, name="Acme")
    fake.configure_webhook(f"{live.base_url}/billing/stripe/webhook", SECRET, auto_deliver=False)
    sub = fake.create_subscription(items, metadata={"seatgate_org_id": org["id"]})
    assert all(d.ok for d in await fake.deliver_pending())
    headers = await scim_headers_for(live.api, org["id"])
    for n in range(users):
        response = await live.api.post(
            "/scim/v2/Users",
            json={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": f"user{n}@acme.test",
                "active": True,
            },
            headers=headers,
        )
        assert response.status == 201, await response.text()
    return org["id"], sub


def per_seat_plan(fake: StripeFake, seats: int) -> list[tuple[str, int]]:
    return [(fake.create_price(metadata={ROLE: "per_seat"})["id"], seats)]


async def sign_in_as_billing(live: LiveConsole, page: Page, org_id: str) -> None:
    link = await portal_link(live.api, org_id, email="bill@acme.test", role="billing")
    await page.goto(link["url"])
    await expect(page.get_by_text("bill@acme.test · billing")).to_be_visible()


async def test_a_seat_increase_reaches_the_test_stripe_server_as_the_add_on_quantity(
    live: LiveConsole, page: Page, fake: StripeFake
) -> None:
    base = fake.create_price(unit_amount=9900, metadata={ROLE: "base", INCLUDED: "10"})
    addon = fake.create_price(unit_amount=1000, metadata={ROLE: "addon"})
    org_id, sub = await stripe_managed_org(live, fake, [(base["id"], 1), (addon["id"], 2)], users=3)
    [addon_item] = [i for i in sub["items"]["data"] if i["price"]["id"] == addon["id"]]
    await sign_in_as_billing(live, page, org_id)

    await page.get_by_role("link", name="Seats").click()
    quantity = page.get_by_test_id("seat-quantity")
    await expect(quantity).to_have_value("12")
    await expect(page.get_by_test_id("seat-interval")).to_have_text("monthly")
    for _ in range(3):
        await page.get_by_role("button", name="One seat more").click()
    await expect(quantity).to_have_value("15")
    await screenshot(page, "seats")
    await page.get_by_test_id("seat-submit").click()

    preview = page.get_by_test_id("seat-preview")
    await expect(preview).to_contain_text("Change to 15 seats")
    await expect(page.get_by_test_id("proration")).to_contain_text("Charged for the rest")
    # $99 base + 5 add-ons at $10, and three add-ons for (nearly) all of this period.
    await expect(page.get_by_test_id("preview-amount-due")).to_have_text("$179.00")
    assert fake.item(addon_item["id"])["quantity"] == 2  # a preview buys nothing
    await screenshot(page, "seats-preview")
    await page.get_by_test_id("seat-confirm").click()

    await expect(page.get_by_test_id("seat-changed")).to_contain_text(
        "this organization now has 15 seats"
    )
    assert fake.item(addon_item["id"])["quantity"] == 15 - 10  # the base plan includes 10
    await expect(quantity).to_have_value("15")
    await page.set_viewport_size({"width": 375, "height": 800})
    await screenshot(page, "seats-375")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375


async def test_when_stripe_does_not_answer_the_preview_the_change_goes_through_once_confirmed(
    live: LiveConsole, page: Page, fake: StripeFake
) -> None:
    org_id, sub = await stripe_managed_org(live, fake, per_seat_plan(fake, 4), users=1)
    await sign_in_as_billing(live, page, org_id)
    await page.get_by_role("link", name="Seats").click()
    await page.get_by_test_id("seat-quantity").fill("6")
    fake.fail_next("server_error", times=10, path=PREVIEW)

    await page.get_by_test_id("seat-submit").click()

    await expect(page.get_by_test_id("preview-unavailable")).to_contain_text(
        "Stripe did not answer the preview"
    )
    fake.clear_failures()
    confirm = page.get_by_test_id("seat-confirm")
    await expect(confirm).to_have_text("Change to 6 seats without a preview")
    await confirm.click()
    await expect(page.get_by_test_id("seat-changed")).to_contain_text("now has 6 seats")
    assert fake.item(sub["items"]["data"][0]["id"])["quantity"] == 6


async def test_a_quantity_below_usage_is_refused_before_it_is_sent(
    live: LiveConsole, page: Page, fake: StripeFake
) -> None:
    org_id, sub = await stripe_managed_org(live, fake, per_seat_plan(fake, 4), users=3)
    await sign_in_as_billing(live, page, org_id)
    await page.get_by_role("link", name="Seats").click()
    seats_page = page.url

    await page.get_by_test_id("seat-quantity").fill("2")
    await page.get_by_test_id("seat-submit").click()

    await expect(page.get_by_test_id("seat-quantity-error")).to_have_text(
        "Choose at least 3 seats: 3 in use."
    )
    await expect(page.get_by_role("button", name="One seat fewer")).to_be_disabled()
    assert page.url == seats_page
    await expect(page.get_by_test_id("seat-preview")).to_have_count(0)
    assert fake.requests("POST", PREVIEW) == []
    assert fake.item(sub["items"]["data"][0]["id"])["quantity"] == 4


async def test_the_billing_page_shows_the_subscription_and_opens_the_customer_portal(
    live: LiveConsole, page: Page, fake: StripeFake
) -> None:
    price = fake.create_price(unit_amount=10000, interval="year", metadata={ROLE: "per_seat"})
    org_id, _ = await stripe_managed_org(live, fake, [(price["id"], 5)], users=2)
    # This machine cannot reach Stripe: the portal's page is answered here.
    portal_visits: list[str] = []

    async def stripe_portal(route: Route) -> None:
        portal_visits.append(route.request.url)
        await route.fulfill(status=200, content_type="text/html", body="<h1>Stripe portal</h1>")

    await page.route("https://billing.stripe.com/**", stripe_portal)
    await sign_in_as_billing(live, page, org_id)

    await page.get_by_role("link", name="Billing").click()
    await expect(page.get_by_test_id("subscription-status")).to_have_text("active")
    await expect(page.get_by_test_id("billing-interval")).to_have_text("Yearly")
    await expect(page.get_by_test_id("next-invoice-amount")).to_have_text("$500.00")
    await screenshot(page, "billing")
    await page.get_by_test_id("open-portal").click()

    await expect(page.get_by_role("heading", name="Stripe portal")).to_be_visible()
    assert portal_visits and portal_visits[0].startswith("https://billing.stripe.com/p/session/")


async def test_an_org_not_paying_yet_goes_to_stripe_checkout_from_the_billing_page(
    live: LiveConsole, page: Page, fake: StripeFake
) -> None:
    price = fake.create_price(lookup_key="seatgate_seat_monthly", metadata={ROLE: "per_seat"})
    org = await create_org(live.api, name="Acme", seat_limit=3)

    async def stripe_checkout(route: Route) -> None:
        await route.fulfill(status=200, content_type="text/html", body="<h1>Stripe Checkout</h1>")

    await page.route("https://checkout.stripe.com/**", stripe_checkout)
    await sign_in_as_billing(live, page, org["id"])
    await page.get_by_role("link", name="Billing").click()
    await expect(page.get_by_test_id("no-subscription")).to_contain_text("does not pay")
    await page.get_by_role("spinbutton", name="Seats").fill("8")
    await page.get_by_role("combobox", name="Billed").select_option("month")
    await screenshot(page, "billing-checkout")

    await page.get_by_test_id("start-checkout").click()

    await expect(page.get_by_role("heading", name="Stripe Checkout")).to_be_visible()
    [sent] = fake.requests("POST", "/v1/checkout/sessions")
    assert sent.params["line_items"] == [{"price": price["id"], "quantity": "8"}]
    assert page.url == fake.checkout_session(page.url.rsplit("/", 1)[1])["url"]
