"""Unknown SCIM bearer tokens are throttled by address before the database is asked: each
guess would otherwise be a lookup at full speed. The IdP's valid token, from another address,
is served as always. The IdP calls from 127.0.0.1 (the test client), the guesser from 127.0.0.2.
"""

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from auth.scim_tokens import scim_failure_limiter
from gateway.keys import SCIM_TOKENS
from tests.helpers import scim_headers_for
from tests.scim.support import BASE, scim_error
from tests.throttling_support import ATTACKER_ADDRESS, ManualClock, client_from

# auth/scim_tokens.py: 30 unknown tokens from one address, or 5 tries of one unknown token
# from one address, start a wait of 5 s that doubles with each further failure.
ADDRESS_FAILURES = 30
TOKEN_FAILURES = 5


@pytest.fixture
def clock(client: TestClient) -> ManualClock:
    clock = ManualClock()
    client.app[SCIM_TOKENS].failures = scim_failure_limiter(clock=clock)
    return clock


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_token_guesser_gets_429_while_the_idps_token_is_served(
    client: TestClient, clock: ManualClock, scim: dict[str, str]
) -> None:
    statuses = []
    async with client_from(client, ATTACKER_ADDRESS) as guesser:
        for n in range(ADDRESS_FAILURES + 10):
            async with guesser.get(f"{BASE}/Users", headers=bearer(f"sgscim_{n}")) as response:
                statuses.append(response.status)
                if response.status == 429:
                    await scim_error(response, 429)
                    assert response.headers["Retry-After"] == "5"
            # Forget the cached token so that every IdP request is looked up again too.
            client.app[SCIM_TOKENS].clear()
            assert (await client.get(f"{BASE}/Users", headers=scim)).status == 200
    assert statuses == [401] * ADDRESS_FAILURES + [429] * 10


async def test_an_idp_repeating_a_stale_token_backs_off_without_stopping_valid_ones(
    client: TestClient, clock: ManualClock, org: dict[str, Any], scim: dict[str, str]
) -> None:
    # Okta and Entra provision many tenants from shared addresses: one tenant's revoked token
    # left configured must not lock the others out.
    stale = bearer("sgscim_revoked_long_ago")
    for _ in range(TOKEN_FAILURES):
        await scim_error(await client.get(f"{BASE}/Users", headers=stale), 401)
    response = await client.get(f"{BASE}/Users", headers=stale)
    await scim_error(response, 429)
    assert response.headers["Retry-After"] == "5"
    assert (await client.get(f"{BASE}/Users", headers=scim)).status == 200
    # Another tenant's token, never seen by this process, is still looked up from there.
    other = await scim_headers_for(client, org["id"])
    client.app[SCIM_TOKENS].clear()
    assert (await client.get(f"{BASE}/Users", headers=other)).status == 200


async def test_the_backoff_doubles_with_each_unknown_token_and_expires(
    client: TestClient, clock: ManualClock, scim: dict[str, str]
) -> None:
    waits = []
    async with client_from(client, ATTACKER_ADDRESS) as guesser:
        for n in range(ADDRESS_FAILURES):
            async with guesser.get(f"{BASE}/Users", headers=bearer(f"sgscim_{n}")) as response:
                assert response.status == 401
        for n in range(3):
            async with guesser.get(f"{BASE}/Users", headers=bearer(f"sgscim_x{n}")) as response:
                await scim_error(response, 429)
                waits.append(int(response.headers["Retry-After"]))
            clock.advance(waits[-1])
            async with guesser.get(f"{BASE}/Users", headers=bearer(f"sgscim_y{n}")) as response:
                assert response.status == 401
        assert waits == [5, 10, 20]
        # A valid token, never seen by this process, waits at that address too ...
        client.app[SCIM_TOKENS].clear()
        async with guesser.get(f"{BASE}/Users", headers=scim) as response:
            await scim_error(response, 429)
            assert response.headers["Retry-After"] == "40"
        # ... until the failures are 15 minutes old.
        clock.advance(900)
        async with guesser.get(f"{BASE}/Users", headers=scim) as response:
            assert response.status == 200
