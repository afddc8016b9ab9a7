"""PATCH and the read-only seat extension (RFC 7644 §3.5.2): every operation that names the
extension or one of its attributes is refused with 400 `mutability` and writes nothing, while
PUT keeps ignoring the read-only values it carries (RFC 7644 §3.5.1)."""

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.helpers import create_org, scim_headers_for
from tests.scim.support import BASE, SEAT, USER, create_user, patch_body, scim_error, user_payload

ACTIVE = {"seatStatus": "active"}
SEAT_WRITES: list[dict[str, Any]] = [
    {"op": "add", "path": SEAT, "value": ACTIVE},
    {"op": "replace", "path": SEAT, "value": ACTIVE},
    {"op": "remove", "path": SEAT},
    {"op": "add", "path": f"{SEAT}:seatStatus", "value": "active"},
    {"op": "replace", "path": f"{SEAT}:seatStatus", "value": "active"},
    {"op": "remove", "path": f"{SEAT}:seatStatus"},
    {"op": "remove", "path": f"{SEAT}:overLimitSince"},
    {"op": "replace", "value": {SEAT: ACTIVE}},
    {"op": "add", "value": {SEAT: ACTIVE}},
    {"op": "replace", "value": {f"{SEAT}:seatStatus": "active"}},
    {"op": "Replace", "value": {"title": "Boss", f"{SEAT}:seatStatus": "active"}},
]


@pytest.mark.parametrize("operation", SEAT_WRITES, ids=lambda op: f"{op['op']} {op.get('path')}")
async def test_a_patch_naming_the_seat_extension_is_400_mutability_and_writes_nothing(
    client: TestClient, operation: dict[str, Any]
) -> None:
    org = await create_org(client, seat_limit=0)
    headers = await scim_headers_for(client, org["id"])
    user = await create_user(client, headers, "waiting@example.com")
    url = f"{BASE}/Users/{user['id']}"
    response = await client.patch(url, json=patch_body(operation), headers=headers)
    body = await scim_error(response, 400, "mutability")
    assert "read-only" in body["detail"]
    after = await (await client.get(url, headers=headers)).json(content_type=None)
    assert after[SEAT]["seatStatus"] == "over_limit"
    assert after["meta"]["version"] == user["meta"]["version"]
    assert "title" not in after


async def test_a_refused_operation_undoes_the_operations_before_it(
    client: TestClient, scim: dict[str, str]
) -> None:
    user = await create_user(client, scim, "atomic@example.com")
    url = f"{BASE}/Users/{user['id']}"
    body = patch_body(
        {"op": "replace", "path": "title", "value": "Boss"},
        {"op": "remove", "path": SEAT},
    )
    await scim_error(await client.patch(url, json=body, headers=scim), 400, "mutability")
    after = await (await client.get(url, headers=scim)).json(content_type=None)
    assert "title" not in after


async def test_a_patch_of_other_attributes_still_applies_and_shows_the_seat(
    client: TestClient, scim: dict[str, str]
) -> None:
    user = await create_user(client, scim, "fine@example.com")
    response = await client.patch(
        f"{BASE}/Users/{user['id']}",
        json=patch_body({"op": "replace", "path": "title", "value": "Boss"}),
        headers=scim,
    )
    assert response.status == 200, await response.text()
    body = await response.json(content_type=None)
    assert body["title"] == "Boss"
    assert body[SEAT]["seatStatus"] == "active"


async def test_put_ignores_the_seat_extension_it_carries(client: TestClient) -> None:
    org = await create_org(client, seat_limit=0)
    headers = await scim_headers_for(client, org["id"])
    user = await create_user(client, headers, "put@example.com")
    payload = user_payload("put@example.com", title="Boss", **{SEAT: ACTIVE})
    payload["schemas"] = [USER, SEAT]
    response = await client.put(f"{BASE}/Users/{user['id']}", json=payload, headers=headers)
    assert response.status == 200, await response.text()
    body = await response.json(content_type=None)
    assert body["title"] == "Boss"
    assert body[SEAT]["seatStatus"] == "over_limit"
