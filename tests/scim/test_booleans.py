"""Boolean attributes take JSON true/false (RFC 7643 §2.3.2) and Entra's "True"/"False" strings
(Microsoft Learn, "Known issues and resolutions with SCIM 2.0 protocol compliance of the
Microsoft Entra user provisioning service"), and nothing else: `"active": "yes"` is a mapping
mistake, answered 400 invalidValue, not an active user."""

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.scim.support import (
    BASE,
    ENTERPRISE,
    USER,
    create_user,
    patch_body,
    scim_error,
    user_payload,
)

NOT_BOOLEANS = ["yes", "no", "on", "1", "0", "t", 1, 0, 0.0, [], {}]


@pytest.mark.parametrize("value", NOT_BOOLEANS)
async def test_a_create_with_active_not_a_boolean_is_refused(
    client: TestClient, scim: dict[str, str], value: Any
) -> None:
    body = user_payload("ann@example.com", active=value)

    response = await client.post(f"{BASE}/Users", json=body, headers=scim)

    error = await scim_error(response, 400, "invalidValue")
    assert "active must be a boolean" in error["detail"]
    listed = await client.get(f"{BASE}/Users", headers=scim)
    assert (await listed.json())["totalResults"] == 0


@pytest.mark.parametrize(("value", "active"), [("True", True), ("False", False), ("true", True)])
async def test_entras_string_booleans_are_read_as_booleans(
    client: TestClient, scim: dict[str, str], value: str, active: bool
) -> None:
    user = await create_user(client, scim, "ann@example.com", active=value)

    assert user["active"] is active


async def test_a_primary_email_flag_that_is_not_a_boolean_is_refused(
    client: TestClient, scim: dict[str, str]
) -> None:
    emails = [{"value": "ann@example.com", "type": "work", "primary": "yes"}]

    response = await client.post(
        f"{BASE}/Users", json=user_payload("ann@example.com", emails=emails), headers=scim
    )

    error = await scim_error(response, 400, "invalidValue")
    assert "emails.primary must be a boolean" in error["detail"]


async def test_a_replace_with_active_not_a_boolean_is_refused(
    client: TestClient, scim: dict[str, str]
) -> None:
    user = await create_user(client, scim, "ann@example.com")

    response = await client.put(
        f"{BASE}/Users/{user['id']}",
        json=user_payload("ann@example.com", active="no"),
        headers=scim,
    )

    await scim_error(response, 400, "invalidValue")
    assert (await (await client.get(f"{BASE}/Users/{user['id']}", headers=scim)).json())["active"]


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "active", "value": "yes"},
        {"op": "Replace", "path": f"{USER}:active", "value": 0},
        {"op": "replace", "value": {"active": "off"}},
        {"op": "add", "path": 'emails[type eq "work"].primary', "value": "y"},
        {"op": "add", "path": "emails", "value": [{"value": "a@example.com", "primary": 1}]},
        {"op": "replace", "value": {'emails[type eq "work"].primary': "1"}},
    ],
)
async def test_a_patch_setting_a_boolean_to_anything_else_is_refused_and_changes_nothing(
    client: TestClient, scim: dict[str, str], operation: dict[str, Any]
) -> None:
    user = await create_user(client, scim, "ann@example.com")

    response = await client.patch(
        f"{BASE}/Users/{user['id']}", json=patch_body(operation), headers=scim
    )

    error = await scim_error(response, 400, "invalidValue")
    assert "must be a boolean" in error["detail"]
    after = await (await client.get(f"{BASE}/Users/{user['id']}", headers=scim)).json()
    assert after["meta"]["version"] == user["meta"]["version"]


async def test_entras_default_form_deactivation_with_the_string_false_deactivates(
    client: TestClient, scim: dict[str, str]
) -> None:
    user = await create_user(client, scim, "ann@example.com")
    operation = {"op": "Replace", "path": "active", "value": "False"}

    response = await client.patch(
        f"{BASE}/Users/{user['id']}", json=patch_body(operation), headers=scim
    )

    assert response.status == 200, await response.text()
    assert (await response.json())["active"] is False


async def test_attributes_of_extensions_are_not_taken_for_booleans(
    client: TestClient, scim: dict[str, str]
) -> None:
    user = await create_user(client, scim, "ann@example.com")
    operation = {
        "op": "add",
        "value": {f"{ENTERPRISE}:department": "yes", "urn:example:custom:1.0:User:active": "yes"},
    }

    response = await client.patch(
        f"{BASE}/Users/{user['id']}", json=patch_body(operation), headers=scim
    )

    assert response.status == 200, await response.text()
    assert (await response.json())[ENTERPRISE]["department"] == "yes"
