"""The browser fixtures of the console's tests (a live gateway, Debian's chromium), for the
reference page's test."""

from tests.gateway.console.browser.conftest import (  # noqa: F401  # fixtures
    browser,
    chromium,
    live,
    live_settings,
    page,
)
