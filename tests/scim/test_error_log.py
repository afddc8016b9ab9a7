"""Every SCIM error answered to an authenticated org lands in its error log, and a failure to
log one never changes the answer."""

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.keys import DATABASE
from seats import scim_error_log

USER = "urn:ietf:params:scim:schemas:core:2.0:User"


async def _logged(client: TestClient, org_id: str) -> list[scim_error_log.ScimErrorEntry]:
    async with client.app[DATABASE].read() as conn:
        return await scim_error_log.newest(conn, org_id)


async def test_an_error_response_is_logged_with_its_request_and_client(
    client: TestClient, org: dict[str, Any], scim: dict[str, str]
):
    headers = {**scim, "User-Agent": "Okta SCIM Client 1.0.0"}
    await client.post("/scim/v2/Users", json={"schemas": [USER], "userName": "ada"}, headers=scim)

    taken = await client.post(
        "/scim/v2/Users", json={"schemas": [USER], "userName": "ada"}, headers=headers
    )
    missing = await client.get("/scim/v2/Users/nobody?attributes=userName", headers=headers)

    assert (taken.status, missing.status) == (409, 404)
    newest, older = await _logged(client, org["id"])
    assert (newest.method, newest.path, newest.status) == (
        "GET",
        "/scim/v2/Users/nobody?attributes=userName",
        404,
    )
    assert (older.method, older.path, older.status, older.scim_type) == (
        "POST",
        "/scim/v2/Users",
        409,
        "uniqueness",
    )
    assert older.detail == (await taken.json())["detail"]
    assert older.user_agent == "Okta SCIM Client 1.0.0"


async def test_successes_and_unauthenticated_errors_are_not_logged(
    client: TestClient, org: dict[str, Any], scim: dict[str, str]
):
    assert (await client.get("/scim/v2/Users", headers=scim)).status == 200
    unknown = {"Authorization": "Bearer sgscim_unknown"}
    assert (await client.get("/scim/v2/Users", headers=unknown)).status == 401

    assert await _logged(client, org["id"]) == []


async def test_a_failing_log_write_leaves_the_error_response_as_it_was(
    client: TestClient, org: dict[str, Any], scim: dict[str, str], monkeypatch: pytest.MonkeyPatch
):
    async def broken(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(scim_error_log, "record", broken)

    response = await client.get("/scim/v2/Users/nobody", headers=scim)

    assert response.status == 404
    assert (await response.json())["status"] == "404"
