"""What the browser tests share: the live gateway they drive, and screenshots for the docs."""

from dataclasses import dataclass
from pathlib import Path

from aiohttp.test_utils import TestClient
from playwright.async_api import Page

from gateway.config import Settings

SCREENSHOTS = Path(__file__).resolve().parents[4] / "docs" / "screenshots"


@dataclass
class LiveConsole:
    """A gateway on a loopback port, and an aiohttp client on it for admin API calls."""

    base_url: str
    api: TestClient
    settings: Settings


async def screenshot(page: Page, name: str) -> None:
    """Keep a picture of the page for docs/screenshots (and the README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
