"""Request URIs too long for SCIM are 414 with an RFC 7644 error body (RFC 9110 §15.5.15),
never aiohttp's plain-text 400: `seatgate serve` lets request lines well past the SCIM limit
through aiohttp's parser, and the SCIM app refuses them itself."""

from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestClient

from gateway import cli
from gateway.app import create_app
from gateway.config import Settings
from scim.app import MAX_URI_BYTES
from tests.gateway.gateway_process import gateway_process
from tests.scim.support import BASE, scim_error


def users_url_of_length(length: int) -> str:
    prefix = f"{BASE}/Users?filter=userName%20eq%20%22"
    return prefix + "a" * (length - len(prefix) - 3) + "%22"


async def test_a_uri_past_the_limit_is_414_with_a_scim_body(
    client: TestClient, scim: dict[str, str]
) -> None:
    url = users_url_of_length(MAX_URI_BYTES + 1)
    body = await scim_error(await client.get(url, headers=scim), 414)
    assert "/.search" in body["detail"]
    # Before the token is looked up: no token, still 414.
    await scim_error(await client.get(url), 414)


async def test_a_uri_at_the_limit_is_served(client: TestClient, scim: dict[str, str]) -> None:
    url = users_url_of_length(MAX_URI_BYTES)
    assert len(url) == MAX_URI_BYTES
    response = await client.get(url, headers=scim)
    assert response.status == 200, await response.text()


async def test_the_served_parser_lets_long_uris_reach_the_scim_app(
    aiohttp_server: Any, settings: Settings, scim: dict[str, str]
) -> None:
    """Past aiohttp's default line limit (8190 bytes), with the parser `seatgate serve` runs."""
    server = await aiohttp_server(create_app(settings), max_line_size=cli.PARSER_MAX_LINE_BYTES)
    url = users_url_of_length(12 * 1024)
    async with ClientSession() as session:
        async with session.get(server.make_url(url), headers=scim) as response:
            await scim_error(response, 414)


async def test_seatgate_serve_answers_a_long_uri_with_414_not_the_parsers_400(
    database_url: str,
) -> None:
    """The real command: its parser limit reaches aiohttp's request handler (a wrong keyword
    there is dropped with a warning, and aiohttp's plain-text 400 answers instead)."""
    assert cli.PARSER_MAX_LINE_BYTES > MAX_URI_BYTES + len("DELETE  HTTP/1.1")
    async with gateway_process(database_url) as (base, _):
        async with ClientSession(base) as session:
            async with session.get(users_url_of_length(12 * 1024)) as response:
                await scim_error(response, 414)
