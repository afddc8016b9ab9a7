"""A real browser on the console: Playwright for Python driving Debian's chromium.

Playwright cannot download its own browser here, so it launches the system's chromium
(`SEATGATE_TEST_CHROMIUM`, default /usr/bin/chromium; scripts/test installs it) with the flags a
closed network needs. The gateway runs in the test's event loop on a loopback port, on SQLite;
the console's other behaviour is tested without a browser on both engines.
"""

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, async_playwright

from gateway.app import create_app
from gateway.config import Settings
from tests.gateway.alert_receivers import free_port
from tests.gateway.console.browser.support import LiveConsole
from tests.helpers import ADMIN_TOKEN

CHROMIUM = os.environ.get("SEATGATE_TEST_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags chromium keeps dialling Google's hosts, which this
# machine's closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_settings(sqlite_template: Path, tmp_path: Path) -> Settings:
    """The live gateway's settings; a test module overrides this fixture to add, say, Stripe."""
    path = tmp_path / "seatgate.db"
    shutil.copyfile(sqlite_template, path)
    return Settings(
        database_url=f"sqlite+aiosqlite:///{path}",
        admin_token=ADMIN_TOKEN,
        public_url=f"http://127.0.0.1:{free_port()}",
        run_worker=False,
        scim_rate_limit_per_second=10_000,
        scim_rate_limit_burst=10_000,
    )


@pytest.fixture
async def live(live_settings: Settings, aiohttp_client: Any) -> AsyncIterator[LiveConsole]:
    port = int(live_settings.base_url.rsplit(":", 1)[1])
    server = TestServer(create_app(live_settings), host="127.0.0.1", port=port)
    api = await aiohttp_client(server)
    yield LiveConsole(base_url=live_settings.base_url, api=api, settings=live_settings)


@pytest.fixture(scope="session")
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no chromium at {CHROMIUM}: install Debian's chromium (scripts/test does)")
    return CHROMIUM


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    opened = await context.new_page()
    yield opened
    await context.close()
