"""A request body must arrive within SEATGATE_BODY_READ_TIMEOUT_SECONDS of its headers: a
client that sends the headers and then trickles the body a byte at a time gets 408 and a
closed connection, on every kind of endpoint, instead of holding it open for minutes.

These tests talk to a real listening socket, as such a client would."""

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.config import Settings
from gateway.settings_sources import load_settings
from tests.auth.conftest import basic, new_product_client
from tests.helpers import ADMIN_TOKEN, create_org, scim_headers_for

TIMEOUT = 0.5
# Bounds a read from the gateway: far above the timeout, so only a hung connection trips it.
BOUND = 10.0


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any
    seconds: float
    closed: bool


@pytest.fixture
async def gateway(aiohttp_client: Any, settings: Settings) -> TestClient:
    return await aiohttp_client(create_app(settings.replace(body_read_timeout_seconds=TIMEOUT)))


async def trickle(
    gateway: TestClient,
    head: str,
    first: bytes,
    *,
    then: bytes = b"x",
    every: float = 0.05,
) -> Answer:
    """Send the headers and `first`, then `then` every `every` seconds until the gateway
    answers; read the answer and whether the gateway closes the connection after it."""
    reader, writer = await asyncio.open_connection(gateway.server.host, gateway.server.port)
    started = time.monotonic()
    writer.write(head.encode() + b"\r\n" + first)
    await writer.drain()
    dripping = asyncio.create_task(_drip(writer, then, every))
    try:
        status_line, headers, body = await asyncio.wait_for(_read_response(reader), BOUND)
        seconds = time.monotonic() - started
        try:
            closed = await asyncio.wait_for(reader.read(), BOUND) == b""
        except ConnectionResetError:
            # Closing with the client's dripped bytes still unread makes the kernel send a
            # reset instead of a FIN: the connection is closed either way.
            closed = True
    finally:
        dripping.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await dripping
        writer.close()
    return Answer(int(status_line.split()[1]), headers, json.loads(body), seconds, closed)


async def _drip(writer: asyncio.StreamWriter, data: bytes, every: float) -> None:
    with contextlib.suppress(ConnectionError):
        while True:
            await asyncio.sleep(every)
            writer.write(data)
            await writer.drain()


async def _read_response(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode()
    status_line, *lines = head.strip().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return status_line, headers, await reader.readexactly(int(headers["content-length"]))


def request_head(method: str, path: str, length: int | None, **headers: str) -> str:
    lines = [f"{method} {path} HTTP/1.1", "Host: seatgate.test"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    lines.append("Transfer-Encoding: chunked" if length is None else f"Content-Length: {length}")
    return "\r\n".join(lines) + "\r\n"


async def test_a_trickled_admin_body_is_answered_408_and_the_connection_closed(
    gateway: TestClient,
) -> None:
    head = request_head(
        "POST",
        "/admin/v1/orgs",
        10_000,
        Authorization=f"Bearer {ADMIN_TOKEN}",
        Content_Type="application/json",
    )

    answer = await trickle(gateway, head, b'{"name": "')

    assert answer.status == 408
    assert answer.body == {
        "error": "request_timeout",
        "detail": f"the request body did not arrive within {TIMEOUT:g} seconds",
    }
    assert TIMEOUT <= answer.seconds < BOUND
    assert answer.closed


async def test_a_trickled_scim_body_gets_a_scim_408(gateway: TestClient) -> None:
    org = await create_org(gateway)
    scim = await scim_headers_for(gateway, org["id"])
    head = request_head(
        "POST",
        "/scim/v2/Users",
        5_000,
        Authorization=scim["Authorization"],
        Content_Type="application/scim+json",
    )

    answer = await trickle(gateway, head, b'{"userName": "')

    assert answer.status == 408
    assert answer.headers["content-type"].startswith("application/scim+json")
    assert answer.body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert answer.body["status"] == "408"
    assert answer.closed


async def test_a_trickled_chunked_body_is_answered_408(gateway: TestClient) -> None:
    head = request_head(
        "POST",
        "/admin/v1/orgs",
        None,
        Authorization=f"Bearer {ADMIN_TOKEN}",
        Content_Type="application/json",
    )

    answer = await trickle(gateway, head, b'3\r\n{"n\r\n', then=b"1\r\nx\r\n")

    assert answer.status == 408
    assert answer.body["error"] == "request_timeout"
    assert answer.closed


async def test_a_trickled_form_to_introspection_is_answered_408(gateway: TestClient) -> None:
    org = await create_org(gateway)
    product = await new_product_client(gateway, org["id"])
    head = request_head(
        "POST",
        "/auth/v1/introspect",
        4_000,
        Authorization=basic(product["client_id"], product["client_secret"])["Authorization"],
        Content_Type="application/x-www-form-urlencoded",
    )

    answer = await trickle(gateway, head, b"token=")

    assert (answer.status, answer.body["error"]) == (408, "request_timeout")


async def test_a_slow_body_that_is_complete_within_the_timeout_is_served(
    gateway: TestClient,
) -> None:
    body = b'{"name": "Acme"}'
    head = request_head(
        "POST",
        "/admin/v1/orgs",
        len(body),
        Authorization=f"Bearer {ADMIN_TOKEN}",
        Content_Type="application/json",
    )

    async with _connection(gateway) as (reader, writer):
        writer.write(head.encode() + b"\r\n" + body[:5])
        await writer.drain()
        await asyncio.sleep(TIMEOUT / 5)
        writer.write(body[5:])
        await writer.drain()
        status_line, _, answer = await asyncio.wait_for(_read_response(reader), BOUND)

    assert status_line.split()[1] == "201"
    assert json.loads(answer)["name"] == "Acme"


def test_the_timeout_defaults_to_30_seconds_and_is_read_from_the_environment() -> None:
    assert Settings().body_read_timeout_seconds == 30.0
    environ = {"SEATGATE_BODY_READ_TIMEOUT_SECONDS": "5.5"}
    assert load_settings(environ).settings.body_read_timeout_seconds == 5.5


@contextlib.asynccontextmanager
async def _connection(
    gateway: TestClient,
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    reader, writer = await asyncio.open_connection(gateway.server.host, gateway.server.port)
    try:
        yield reader, writer
    finally:
        writer.close()
