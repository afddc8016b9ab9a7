"""In a browser: the admin finds members, and moves a seat from Ada to Grace; their product
tokens say who is over the limit."""

import base64

import jwt
from playwright.async_api import Page, expect

from tests.gateway.console.browser.support import LiveConsole, screenshot
from tests.gateway.console.people import provision
from tests.gateway.console.support import portal_link
from tests.helpers import ADMIN_HEADERS, create_org

PEOPLE = (
    ("ada@acme.test", "Ada", "Lovelace"),
    ("grace@acme.test", "Grace", "Hopper"),
    ("linus@acme.test", "Linus", "Torvalds"),
)


async def _product_token_claims(live: LiveConsole, org_id: str, user_name: str) -> dict:
    """What the product learns about `user_name` from a token it asks the gateway for."""
    created = await live.api.post(f"/admin/v1/orgs/{org_id}/clients", headers=ADMIN_HEADERS)
    assert created.status == 201, await created.text()
    client = await created.json()
    basic = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode()).decode()
    response = await live.api.post(
        "/auth/v1/tokens",
        json={"org_id": org_id, "user_name": user_name},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status == 200, await response.text()
    token = (await response.json())["access_token"]
    return jwt.decode(token, options={"verify_signature": False})


def _row(page: Page, member_id: str):
    return page.locator(f'[data-testid="member-row"][data-member-id="{member_id}"]')


async def test_the_admin_releases_adas_seat_and_gives_it_to_grace(live: LiveConsole, page: Page):
    org = await create_org(live.api, name="Acme", seat_limit=1)
    ids = await provision(live.api, org["id"], *PEOPLE[:2])
    ada, grace = _row(page, ids["ada@acme.test"]), _row(page, ids["grace@acme.test"])
    await page.goto((await portal_link(live.api, org["id"], email="it@acme.test"))["url"])

    await page.get_by_role("link", name="Members").click()
    await expect(ada).to_have_attribute("data-seat-status", "active")
    await expect(grace).to_have_attribute("data-seat-status", "over_limit")
    await expect(grace.get_by_test_id("assign-seat")).to_be_disabled()

    await ada.get_by_test_id("release-seat").click()
    await expect(ada).to_have_attribute("data-seat-status", "over_limit")
    await expect(ada).to_contain_text("seat released by an admin")
    await grace.get_by_test_id("assign-seat").click()
    await expect(grace).to_have_attribute("data-seat-status", "active")
    await expect(page.get_by_test_id("notice")).to_have_text("Seat assigned.")

    assert (await _product_token_claims(live, org["id"], "ada@acme.test"))[
        "seat_over_limit"
    ] is True
    assert (await _product_token_claims(live, org["id"], "grace@acme.test"))[
        "seat_over_limit"
    ] is False


async def test_the_admin_finds_members_by_name_and_by_seat_status(live: LiveConsole, page: Page):
    org = await create_org(live.api, name="Acme", seat_limit=2)
    ids = await provision(live.api, org["id"], *PEOPLE)
    await page.goto((await portal_link(live.api, org["id"], email="it@acme.test"))["url"])
    await page.get_by_role("link", name="Members").click()
    rows = page.get_by_test_id("member-row")
    await expect(rows).to_have_count(3)
    await screenshot(page, "members")

    await page.get_by_label("Name or email").fill("hop")
    await page.get_by_test_id("member-filter-submit").click()
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-member-id", ids["grace@acme.test"])

    await page.get_by_label("Name or email").fill("")
    await page.get_by_label("Seat status").select_option("over_limit")
    await page.get_by_test_id("member-filter-submit").click()
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-member-id", ids["linus@acme.test"])

    await page.get_by_label("Seat status").select_option("")
    await page.get_by_test_id("member-filter-submit").click()
    await page.set_viewport_size({"width": 375, "height": 800})
    await expect(rows).to_have_count(3)
    await screenshot(page, "members-375")
