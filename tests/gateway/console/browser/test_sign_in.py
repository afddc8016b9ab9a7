"""In a browser: signing in with a portal link, what the overview shows, org isolation, CSRF,
signing out."""

from playwright.async_api import Page, expect

from tests.gateway.console.browser.support import LiveConsole, screenshot
from tests.gateway.console.support import portal_link
from tests.helpers import ADMIN_HEADERS, create_org, scim_headers_for


async def _provision(live: LiveConsole, org_id: str, *user_names: str) -> None:
    headers = await scim_headers_for(live.api, org_id)
    for user_name in user_names:
        response = await live.api.post(
            "/scim/v2/Users",
            json={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": user_name,
                "active": True,
            },
            headers=headers,
        )
        assert response.status == 201, await response.text()


async def test_a_portal_link_signs_in_once_and_the_overview_matches_the_api(
    live: LiveConsole, page: Page
):
    org = await create_org(live.api, name="Acme", seat_limit=2)
    await _provision(live, org["id"], "ada@acme.test", "grace@acme.test", "linus@acme.test")
    link = await portal_link(live.api, org["id"], email="ada@acme.test")

    await page.goto(link["url"])
    await expect(page).to_have_url(f"{live.base_url}/console/orgs/{org['id']}")
    seats = await (
        await live.api.get(f"/admin/v1/orgs/{org['id']}/seats", headers=ADMIN_HEADERS)
    ).json()
    await expect(page.get_by_test_id("seats-used")).to_have_text(str(seats["used"]))
    await expect(page.get_by_test_id("seats-available")).to_have_text(str(seats["available"]))
    await expect(page.get_by_test_id("seats-purchased")).to_have_text(str(seats["capacity"]))
    await expect(page.get_by_test_id("seats-over-limit")).to_have_text(str(seats["over_limit"]))
    assert (seats["used"], seats["available"], seats["capacity"], seats["over_limit"]) == (
        2,
        0,
        2,
        1,
    )
    await expect(page.get_by_text("ada@acme.test · admin")).to_be_visible()
    await screenshot(page, "overview")

    await page.goto(link["url"])
    await expect(page.get_by_test_id("error-detail")).to_contain_text("already been used")
    await screenshot(page, "link-used")


async def test_a_session_of_one_org_gets_404_on_another(live: LiveConsole, page: Page):
    ours = await create_org(live.api, name="Acme")
    theirs = await create_org(live.api, name="Globex")
    await page.goto((await portal_link(live.api, ours["id"]))["url"])

    response = await page.goto(f"{live.base_url}/console/orgs/{theirs['id']}")
    assert response is not None and response.status == 404
    await expect(page.get_by_role("heading", name="Page not found")).to_be_visible()


async def test_a_post_without_the_csrf_token_is_refused(live: LiveConsole, page: Page):
    org = await create_org(live.api)
    await page.goto((await portal_link(live.api, org["id"]))["url"])

    # A form another site could make the browser send: the cookie goes along, the token not.
    status = await page.evaluate(
        "async (url) => (await fetch(url, {method: 'POST', body: new URLSearchParams()})).status",
        f"{live.base_url}/console/orgs/{org['id']}/sign-out",
    )
    assert status == 403
    await page.reload()
    await expect(page.get_by_test_id("seats-used")).to_be_visible()


async def test_signing_out_ends_the_session(live: LiveConsole, page: Page):
    org = await create_org(live.api)
    await page.goto((await portal_link(live.api, org["id"]))["url"])

    await page.get_by_test_id("sign-out").click()
    await expect(page.get_by_text("You are signed out.")).to_be_visible()
    await page.goto(f"{live.base_url}/console/orgs/{org['id']}")
    await expect(page).to_have_url(f"{live.base_url}/console/login")
    await screenshot(page, "sign-in")


async def test_the_overview_fits_a_phone_and_works_by_keyboard(live: LiveConsole, page: Page):
    org = await create_org(live.api, name="Acme", seat_limit=5)
    await page.set_viewport_size({"width": 375, "height": 800})
    await page.goto((await portal_link(live.api, org["id"]))["url"])

    await expect(page.get_by_test_id("seats-purchased")).to_have_text("5")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375
    await screenshot(page, "overview-375")

    # The first Tab reaches the skip link, the next ones the page links, in reading order.
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Overview")).to_be_focused()
