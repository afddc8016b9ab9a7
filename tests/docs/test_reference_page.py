"""The rendered API reference in a real browser: /reference draws /openapi.json with the
vendored Swagger UI under the page's Content-Security-Policy, fetching nothing from elsewhere."""

from pathlib import Path

from playwright.async_api import Page, expect

from tests.gateway.console.browser.support import LiveConsole

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "reference.png"


async def test_a_reader_opens_the_reference_and_finds_the_org_endpoints(
    live: LiveConsole, page: Page
) -> None:
    refused: list[str] = []
    foreign: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith(live.base_url) or request.url.startswith("data:")
            else foreign.append(request.url)
        ),
    )

    response = await page.goto(f"{live.base_url}/reference")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]

    await expect(page.get_by_role("heading", name="seatgate")).to_be_visible()
    create_org = page.locator("#operations-Organizations-create_org")
    await expect(create_org).to_contain_text("/admin/v1/orgs")
    await create_org.get_by_role("button").first.click()
    await expect(create_org).to_contain_text("seat_limit")
    await expect(page.locator("#operations-Product_tokens-issue")).to_be_visible()

    await page.screenshot(path=str(SCREENSHOT), full_page=False)
    assert refused == []
    assert foreign == []
