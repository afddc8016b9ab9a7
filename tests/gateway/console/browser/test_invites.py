"""In a browser: the admin invites an address, renews the invite, and revokes it after saying
yes to the confirmation."""

from playwright.async_api import Dialog, Page, expect

from tests.gateway.console.browser.support import LiveConsole, screenshot
from tests.gateway.console.support import portal_link
from tests.helpers import create_org


async def test_the_admin_invites_renews_and_revokes(live: LiveConsole, page: Page):
    org = await create_org(live.api, name="Acme", seat_limit=5)
    await page.goto((await portal_link(live.api, org["id"], email="it@acme.test"))["url"])
    await page.get_by_role("link", name="Invites").click()

    await page.get_by_label("Email address").fill("ada@acme.test")
    await page.get_by_label("Role in your product (optional)").fill("editor")
    await page.get_by_test_id("invite-submit").click()
    row = page.get_by_test_id("invite-row").filter(has_text="ada@acme.test")
    await expect(row).to_have_attribute("data-invite-status", "pending")
    await expect(row.get_by_test_id("invite-expires")).to_be_visible()
    expires = await row.get_by_test_id("invite-expires").get_attribute("datetime")

    await row.get_by_test_id("resend-invite").click()
    await expect(page.get_by_test_id("notice")).to_contain_text("Invite renewed")
    renewed = await row.get_by_test_id("invite-expires").get_attribute("datetime")
    assert renewed is not None and expires is not None and renewed > expires
    await screenshot(page, "invites")

    questions: list[str] = []

    async def answer(dialog: Dialog) -> None:
        questions.append(dialog.message)
        await dialog.accept()

    page.once("dialog", answer)
    await row.get_by_test_id("revoke-invite").click()
    await expect(row).to_have_attribute("data-invite-status", "revoked")
    assert questions == ["Revoke the invite to ada@acme.test? Its seat becomes free."]
