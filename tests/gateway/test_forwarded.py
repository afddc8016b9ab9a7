"""Behind a reverse proxy: the client address and scheme come from X-Forwarded-For and
X-Forwarded-Proto, but only when the request comes from a proxy named in
SEATGATE_TRUSTED_PROXIES."""

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.config import Settings, SettingsError
from gateway.forwarded import _client_address
from gateway.proxy_networks import parse_networks
from tests.gateway.console.support import path_of, portal_link
from tests.helpers import create_org, settings_from_env

PROXY = parse_networks("127.0.0.1")
# The product-client defaults: 10 failures of one client at one address start a wait.
CLIENT_FAILURES = 10


@pytest.fixture
async def proxied(aiohttp_client: Any, settings: Settings) -> TestClient:
    return await aiohttp_client(create_app(settings.replace(trusted_proxies="127.0.0.1")))


async def _failures_until_throttled(client: TestClient, forwarded_for: str) -> int:
    headers = {"Authorization": "Basic c29tZW9uZTpndWVzcw==", "X-Forwarded-For": forwarded_for}
    for attempt in range(1, 3 * CLIENT_FAILURES):
        response = await client.post("/auth/v1/tokens", json={}, headers=headers)
        if response.status == 429:
            return attempt
        assert response.status == 401
    raise AssertionError("never throttled")


async def test_behind_a_trusted_proxy_each_client_address_is_throttled_on_its_own(
    proxied: TestClient,
):
    assert await _failures_until_throttled(proxied, "203.0.113.7") == CLIENT_FAILURES + 1
    # Another client behind the same proxy is not affected by the first one's failures.
    assert await _failures_until_throttled(proxied, "203.0.113.8") == CLIENT_FAILURES + 1


async def test_without_trusted_proxies_the_header_is_ignored(client: TestClient):
    """A guesser cannot escape the limit by writing a fresh X-Forwarded-For each time."""
    await _failures_until_throttled(client, "203.0.113.7")
    headers = {"Authorization": "Basic c29tZW9uZTpndWVzcw==", "X-Forwarded-For": "198.51.100.1"}
    response = await client.post("/auth/v1/tokens", json={}, headers=headers)
    assert response.status == 429


async def test_https_at_the_proxy_makes_the_console_cookie_secure(proxied: TestClient):
    org = await create_org(proxied)
    link = await portal_link(proxied, org["id"])
    entered = await proxied.get(
        path_of(link["url"]), headers={"X-Forwarded-Proto": "https"}, allow_redirects=False
    )
    assert entered.status == 303
    assert "Secure" in entered.headers["Set-Cookie"]


def test_the_client_is_the_right_most_address_that_is_no_trusted_proxy():
    trusted = parse_networks("10.0.0.0/8")
    # The left-most entry is whatever the client wrote; the proxies appended the rest.
    assert _client_address(["1.1.1.1, 203.0.113.5, 10.0.0.2"], trusted) == "203.0.113.5"
    assert _client_address(["203.0.113.5", "10.0.0.3"], trusted) == "203.0.113.5"
    assert _client_address(["not-an-address"], trusted) is None
    assert _client_address([], trusted) is None


def test_a_wrong_trusted_proxies_setting_stops_start_up():
    with pytest.raises(SettingsError, match="SEATGATE_TRUSTED_PROXIES"):
        settings_from_env({"SEATGATE_TRUSTED_PROXIES": "10.0.0.0/8, proxy.internal"})
