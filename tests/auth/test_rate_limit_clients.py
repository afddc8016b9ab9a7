"""Throttled product-client authentication, over real HTTP from two loopback addresses: an
attacker who knows the product's (public) client id cannot lock the product out.

The product calls from 127.0.0.1 (the test client), the attacker from 127.0.0.2.
"""

from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from auth.client_auth import client_failure_limiter
from auth.routes import PRODUCT_TOKENS
from tests.auth.conftest import AddMember, basic, new_product_client
from tests.throttling_support import ATTACKER_ADDRESS, ManualClock, client_from

# The defaults (auth/tokens.py TokenSettings): 10 failures of one client id at one address, or
# 100 from one address, start a wait of 5 s that doubles with each further failure.
CLIENT_FAILURES = 10
ADDRESS_FAILURES = 100


@pytest.fixture
def clock(client: TestClient) -> ManualClock:
    """The gateway's failure limiter, with its production settings, on a hand-moved clock."""
    clock = ManualClock()
    tokens = client.app[PRODUCT_TOKENS]
    tokens.limiter = client_failure_limiter(tokens.settings, clock=clock)
    return clock


async def assert_throttled(response: ClientResponse) -> int:
    assert response.status == 429
    assert (await response.json())["error"] == "too_many_attempts"
    return int(response.headers["Retry-After"])


async def test_an_attacker_guessing_the_products_secret_is_throttled_while_the_product_is_served(
    client: TestClient,
    clock: ManualClock,
    org: dict[str, Any],
    product: dict[str, str],
    add_member: AddMember,
) -> None:
    await add_member(org["id"], "ada")
    body = {"org_id": org["id"], "user_name": "ada"}
    wrong = basic(product["client_id"], "sgclient_guess")
    right = basic(product["client_id"], product["client_secret"])
    directory = f"/directory/v1/orgs/{org['id']}/users"
    attacker_statuses = []
    async with client_from(client, ATTACKER_ADDRESS) as attacker:
        for _ in range(3 * CLIENT_FAILURES):
            async with attacker.post("/auth/v1/tokens", json=body, headers=wrong) as response:
                attacker_statuses.append(response.status)
                if response.status == 429:
                    assert 0 < await assert_throttled(response) <= 300
            # The product, at its own address, with its secret: served every time.
            issued = await client.post("/auth/v1/tokens", json=body, headers=right)
            assert issued.status == 200, await issued.text()
            token = (await issued.json())["access_token"]
            introspected = await client.post(
                "/auth/v1/introspect", data={"token": token}, headers=right
            )
            assert introspected.status == 200
            assert (await introspected.json())["active"] is True
            assert (await client.get(directory, headers=right)).status == 200
    assert attacker_statuses == [401] * CLIENT_FAILURES + [429] * (2 * CLIENT_FAILURES)


async def test_at_the_attackers_address_even_the_right_secret_waits(
    client: TestClient, clock: ManualClock, org: dict[str, Any], product: dict[str, str]
) -> None:
    # Otherwise a guesser would simply go on guessing while throttled.
    wrong = basic(product["client_id"], "sgclient_guess")
    right = basic(product["client_id"], product["client_secret"])
    directory = f"/directory/v1/orgs/{org['id']}/users"
    async with client_from(client, ATTACKER_ADDRESS) as attacker:
        for _ in range(CLIENT_FAILURES):
            async with attacker.get(directory, headers=wrong) as response:
                assert response.status == 401
        for path in ("/auth/v1/tokens", "/auth/v1/introspect"):
            async with attacker.post(path, data={"token": "x"}, headers=right) as response:
                assert await assert_throttled(response) == 5
        async with attacker.get(directory, headers=right) as response:
            assert await assert_throttled(response) == 5


async def test_the_backoff_doubles_with_each_failure_and_expires(
    client: TestClient, clock: ManualClock, org: dict[str, Any], product: dict[str, str]
) -> None:
    wrong = basic(product["client_id"], "sgclient_guess")
    right = basic(product["client_id"], product["client_secret"])
    directory = f"/directory/v1/orgs/{org['id']}/users"
    waits = []
    async with client_from(client, ATTACKER_ADDRESS) as attacker:
        for _ in range(CLIENT_FAILURES):
            async with attacker.get(directory, headers=wrong) as response:
                assert response.status == 401
        for _ in range(4):
            async with attacker.get(directory, headers=wrong) as response:
                waits.append(await assert_throttled(response))
            clock.advance(waits[-1])
            # The wait is over: one more guess is checked (and fails, doubling the wait).
            async with attacker.get(directory, headers=wrong) as response:
                assert response.status == 401
        assert waits == [5, 10, 20, 40]
        async with attacker.get(directory, headers=wrong) as response:
            assert await assert_throttled(response) == 80
        # Failures stop counting 15 minutes after they happened: the address is free again,
        # and the right secret works from it.
        clock.advance(900)
        async with attacker.get(directory, headers=right) as response:
            assert response.status == 200


async def test_many_client_ids_failing_from_one_address_throttle_that_address_only(
    client: TestClient, clock: ManualClock, org: dict[str, Any], product: dict[str, str]
) -> None:
    right = basic(product["client_id"], product["client_secret"])
    async with client_from(client, ATTACKER_ADDRESS) as attacker:
        for n in range(ADDRESS_FAILURES):
            headers = basic(f"made-up-{n}", "sgclient_guess")
            async with attacker.post("/auth/v1/tokens", json={}, headers=headers) as response:
                assert response.status == 401
        # A fresh client id from that address waits too: the address is backing off.
        fresh = await new_product_client(client, org["id"])
        headers = basic(fresh["client_id"], fresh["client_secret"])
        async with attacker.post("/auth/v1/tokens", json={}, headers=headers) as response:
            assert await assert_throttled(response) == 5
    # Another address is not: the product's request reaches the member lookup (404: no ada).
    response = await client.post(
        "/auth/v1/tokens", json={"org_id": org["id"], "user_name": "ada"}, headers=right
    )
    assert response.status == 404


async def test_a_success_forgets_the_clients_failures_at_that_address(
    client: TestClient, clock: ManualClock, org: dict[str, Any], product: dict[str, str]
) -> None:
    # A product whose secret was rotated under it fails a few times, then is fixed: it does
    # not carry those failures into its next mistake.
    wrong = basic(product["client_id"], "sgclient_old")
    right = basic(product["client_id"], product["client_secret"])
    directory = f"/directory/v1/orgs/{org['id']}/users"
    for _ in range(CLIENT_FAILURES - 1):
        assert (await client.get(directory, headers=wrong)).status == 401
    assert (await client.get(directory, headers=right)).status == 200
    for _ in range(CLIENT_FAILURES - 1):
        assert (await client.get(directory, headers=wrong)).status == 401
    assert (await client.get(directory, headers=right)).status == 200
