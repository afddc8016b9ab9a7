"""A User body without `schemas` is tolerated (scim/user_mapping.check_schemas): it is created or
replaced and answered as such. Found by tests/fuzz: the member was stored, then the response,
dumped from the schema-less model, was refused by scim2-models, so the IdP got a 400 for a
write that had happened (and a 409 on its retry)."""

from typing import Any

from aiohttp.test_utils import TestClient

from tests.scim.support import BASE, USER, create_user


async def _user_names(client: TestClient, scim: dict[str, str]) -> list[str]:
    response = await client.get(f"{BASE}/Users", headers=scim)
    assert response.status == 200
    return [user["userName"] for user in (await response.json())["Resources"]]


async def test_a_user_posted_without_schemas_is_created_and_answered_201(
    client: TestClient, scim: dict[str, str]
) -> None:
    # The fuzz suite's input: no schemas, null groups and givenName.
    body: dict[str, Any] = {"groups": None, "userName": "\x9e", "name": {"givenName": None}}
    response = await client.post(f"{BASE}/Users", json=body, headers=scim)
    assert response.status == 201, await response.text()
    created = await response.json()
    assert USER in created["schemas"]
    assert created["userName"] == "\x9e"
    assert await _user_names(client, scim) == ["\x9e"]


async def test_a_user_put_without_schemas_is_replaced_and_answered_200(
    client: TestClient, scim: dict[str, str]
) -> None:
    user = await create_user(client, scim, "ada")
    response = await client.put(
        f"{BASE}/Users/{user['id']}", json={"userName": "ada", "displayName": "Ada"}, headers=scim
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["displayName"] == "Ada"
    assert await _user_names(client, scim) == ["ada"]
