"""In a browser: an admin makes a SCIM token, copies it once, the IdP uses it, and the page
shows its last request, the IdP detected, its requests and errors, and the errors the IdP
received; the setup steps carry the org's URL."""

from playwright.async_api import Page, expect

from gateway.keys import SCIM_TELEMETRY, SCIM_TOKEN_USAGE
from tests.gateway.console.browser.support import LiveConsole, screenshot
from tests.gateway.console.support import portal_link
from tests.helpers import create_org

USER = "urn:ietf:params:scim:schemas:core:2.0:User"


async def test_an_admin_creates_a_token_sees_it_once_and_watches_the_idp_use_it(
    live: LiveConsole, page: Page
):
    org = await create_org(live.api, name="Acme")
    await page.goto((await portal_link(live.api, org["id"], email="ada@acme.test"))["url"])
    await page.get_by_role("link", name="Identity provider").click()
    scim_base_url = f"{live.base_url}/scim/v2"
    await expect(page.get_by_test_id("scim-base-url")).to_have_text(scim_base_url)
    await screenshot(page, "identity-provider")

    await page.get_by_label("Name (optional").fill("Okta production")
    await page.get_by_test_id("create-token").click()
    token = (await page.get_by_test_id("new-token-value").inner_text()).strip()
    assert token.startswith("sgscim_")
    await expect(page.get_by_test_id("copy-token")).to_have_attribute(
        "data-copy", "new-token-value"
    )
    row = page.get_by_test_id("token-row").filter(has_text="Okta production")
    await expect(row.get_by_test_id("token-last-used")).to_have_text("never")
    await screenshot(page, "identity-provider-token")

    headers = {"Authorization": f"Bearer {token}", "User-Agent": "Okta SCIM Client 1.0.0"}
    created = await live.api.post(
        "/scim/v2/Users", json={"schemas": [USER], "userName": "ada@acme.test"}, headers=headers
    )
    refused = await live.api.post("/scim/v2/Users", json={"schemas": [USER]}, headers=headers)
    assert (created.status, refused.status) == (201, 400)
    await live.api.server.app[SCIM_TOKEN_USAGE].settle()
    await live.api.server.app[SCIM_TELEMETRY].flush()
    await page.reload()

    await expect(page.get_by_test_id("new-token")).to_have_count(0)
    assert token not in await page.content()
    await expect(row.get_by_test_id("token-last-used")).to_contain_text("UTC")
    await expect(row.get_by_test_id("token-idp")).to_contain_text(
        "User-Agent: Okta SCIM Client 1.0.0"
    )
    await expect(row.get_by_test_id("token-requests")).to_contain_text("1 error")
    await screenshot(page, "identity-provider-telemetry")
    error = page.get_by_test_id("scim-error").first
    await expect(error).to_contain_text("POST /scim/v2/Users")
    await expect(error).to_contain_text("400")
    await expect(error).to_contain_text("Okta SCIM Client 1.0.0")

    await page.get_by_text("Microsoft Entra ID", exact=True).click()
    await expect(page.get_by_test_id("guide-entra")).to_contain_text(
        f"{scim_base_url}?aadOptscim062020"
    )
    await page.get_by_text("Okta", exact=True).click()
    await expect(page.get_by_test_id("guide-okta")).to_contain_text(scim_base_url)
    await page.set_viewport_size({"width": 375, "height": 800})
    await page.reload()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375
    await screenshot(page, "identity-provider-375")


async def test_an_admin_revokes_a_token_after_confirming(live: LiveConsole, page: Page):
    org = await create_org(live.api, name="Acme")
    await page.goto((await portal_link(live.api, org["id"]))["url"])
    await page.goto(f"{live.base_url}/console/orgs/{org['id']}/identity-provider")
    await page.get_by_test_id("create-token").click()
    token = (await page.get_by_test_id("new-token-value").inner_text()).strip()

    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_test_id("revoke-token").click()

    await expect(page.get_by_test_id("token-state")).to_contain_text("revoked")
    await expect(page.get_by_test_id("revoke-token")).to_have_count(0)
    scim = await live.api.get("/scim/v2/Users", headers={"Authorization": f"Bearer {token}"})
    assert scim.status == 401
