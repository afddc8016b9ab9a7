"""In a browser: the Activity page shows the member.created event of a user the IdP just
provisioned, filters the feed by type, and says how the alert webhooks are signed."""

from playwright.async_api import Page, expect

from tests.gateway.console.browser.support import LiveConsole, screenshot
from tests.gateway.console.support import portal_link
from tests.helpers import create_org, scim_headers_for

USER = "urn:ietf:params:scim:schemas:core:2.0:User"


async def test_a_provisioned_user_appears_in_the_feed_and_the_type_filter_narrows_it(
    live: LiveConsole, page: Page
):
    org = await create_org(
        live.api, name="Acme", seat_limit=1, webhook_url="https://ops.acme.test/seatgate"
    )
    headers = await scim_headers_for(live.api, org["id"])
    for name in ("grace@acme.test", "linus@acme.test"):
        response = await live.api.post(
            "/scim/v2/Users", json={"schemas": [USER], "userName": name}, headers=headers
        )
        assert response.status == 201
    await page.goto((await portal_link(live.api, org["id"], email="ada@acme.test"))["url"])

    await page.get_by_role("link", name="Activity").click()
    created = page.get_by_test_id("event-row").filter(has_text="grace@acme.test")
    await expect(created.first).to_be_visible()
    await expect(page.locator('[data-event-type="alert.raised"]')).to_have_count(1)
    await expect(page.get_by_test_id("webhook-signing")).to_contain_text(
        "signed per Standard Webhooks"
    )
    await screenshot(page, "activity")

    await page.get_by_label("Type").select_option("member.created")
    await page.get_by_test_id("filter-events").click()

    rows = page.get_by_test_id("event-row")
    await expect(rows).to_have_count(2)
    await expect(page.locator('[data-event-type="member.created"]')).to_have_count(2)
    await expect(rows.filter(has_text="linus@acme.test")).to_have_count(1)
    assert "type=member.created" in page.url
