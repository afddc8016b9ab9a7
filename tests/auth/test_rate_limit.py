"""Failed client authentication is throttled per client id and per remote address."""

from typing import Any

from aiohttp.test_utils import TestClient

from auth.rate_limit import FailureLimiter, Limit
from tests.auth.conftest import AddMember, basic, new_product_client


def test_failures_are_counted_in_a_sliding_window() -> None:
    now = [0.0]
    limiter = FailureLimiter({"client": Limit(3, 60)}, clock=lambda: now[0])
    key = {"client": "c1"}
    for second in (0, 10, 20):
        now[0] = second
        assert limiter.retry_after(key) is None
        limiter.record_failure(key)
    now[0] = 30
    # The oldest of the three failures leaves the window at 60 s.
    assert limiter.retry_after(key) == 30
    assert limiter.retry_after({"client": "c2"}) is None
    now[0] = 60
    assert limiter.retry_after(key) is None


def test_the_limiter_forgets_keys_rather_than_grow_without_bound() -> None:
    limiter = FailureLimiter({"address": Limit(5, 60)}, max_keys=10, clock=lambda: 0.0)
    for n in range(100):
        limiter.record_failure({"address": f"10.0.0.{n}"})
    assert len(limiter._failures) <= 10


async def test_repeated_wrong_secrets_for_one_client_get_429_with_retry_after(
    client: TestClient, org: dict[str, Any], product: dict[str, str], add_member: AddMember
) -> None:
    await add_member(org["id"], "ada")
    body = {"org_id": org["id"], "user_name": "ada"}
    wrong = basic(product["client_id"], "sgclient_wrong")
    for _ in range(10):
        response = await client.post("/auth/v1/tokens", json=body, headers=wrong)
        assert response.status == 401
    response = await client.post("/auth/v1/tokens", json=body, headers=wrong)
    assert response.status == 429
    assert (await response.json())["error"] == "too_many_attempts"
    assert 0 < int(response.headers["Retry-After"]) <= 60
    # While throttled even the right secret waits: otherwise guessing could simply continue.
    right = basic(product["client_id"], product["client_secret"])
    response = await client.post("/auth/v1/tokens", json=body, headers=right)
    assert response.status == 429
    response = await client.post("/auth/v1/introspect", data={"token": "x"}, headers=right)
    assert response.status == 429


async def test_many_failures_from_one_address_get_429_for_any_client(
    client: TestClient, org: dict[str, Any]
) -> None:
    for n in range(30):
        response = await client.post(
            "/auth/v1/tokens", json={}, headers=basic(f"made-up-{n}", "secret")
        )
        assert response.status == 401
    fresh = await new_product_client(client, org["id"])
    response = await client.post(
        "/auth/v1/tokens",
        json={"org_id": org["id"], "user_name": "ada"},
        headers=basic(fresh["client_id"], fresh["client_secret"]),
    )
    assert response.status == 429
    assert "Retry-After" in response.headers
