"""In a browser: the identity provider deletes most of a small org, the admin sees the banner on
the overview, reviews the held deletions and confirms them after saying yes."""

from playwright.async_api import Dialog, Page, expect

from tests.gateway.console.browser.support import LiveConsole, screenshot
from tests.gateway.console.support import portal_link
from tests.helpers import create_org, scim_headers_for
from tests.scim.support import BASE, create_user

NAMES = ["ada", "bo", "cy", "di", "ed", "flo", "gus", "hal"]


async def test_the_admin_reviews_and_confirms_held_deletions(live: LiveConsole, page: Page):
    org = await create_org(live.api, name="Acme", seat_limit=10, deprovision_guard_count=2)
    scim = await scim_headers_for(live.api, org["id"])
    users = [await create_user(live.api, scim, f"{name}@acme.test") for name in NAMES]
    for user in users[:6]:
        response = await live.api.delete(f"{BASE}/Users/{user['id']}", headers=scim)
        assert response.status == 204

    await page.goto((await portal_link(live.api, org["id"], email="it@acme.test"))["url"])
    banner = page.get_by_test_id("deprovision-banner")
    await expect(banner).to_contain_text("4 deprovision(s) held")
    await expect(page.get_by_test_id("seats-used")).to_have_text("6")
    await screenshot(page, "overview-deprovision-hold")
    await banner.get_by_test_id("deprovision-review").click()

    rows = page.get_by_test_id("held-row")
    await expect(rows).to_have_count(4)
    await expect(rows.first).to_contain_text("cy@acme.test")
    await expect(rows.first).to_contain_text("deletion")
    await expect(page.get_by_test_id("guard-limits")).to_contain_text(
        "20% of the organization or 2,"
    )
    await screenshot(page, "deprovisions")

    questions: list[str] = []

    async def answer(dialog: Dialog) -> None:
        questions.append(dialog.message)
        await dialog.accept()

    page.once("dialog", answer)
    await page.get_by_test_id("confirm-hold").click()
    await expect(page.get_by_test_id("notice")).to_contain_text("Confirmed")
    await expect(page.get_by_test_id("past-hold")).to_have_attribute("data-hold-state", "confirmed")
    assert questions == ["Apply all 4 held deprovision(s)? Their seats become free."]
    await page.get_by_role("link", name="Overview").click()
    await expect(page.get_by_test_id("seats-used")).to_have_text("2")
    await expect(page.get_by_test_id("deprovision-banner")).to_have_count(0)
