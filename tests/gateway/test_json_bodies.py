"""Hostile JSON bodies on every endpoint that reads one: nested past the limit, the wrong
top-level type, not JSON at all. Each is a 4xx that says what is wrong, never a 500
(seats/json_input.py is the one reader)."""

import base64
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.auth.conftest import basic, new_product_client
from tests.billing.support import Billed
from tests.helpers import ADMIN_HEADERS

DEEP = "[" * 100_000
DEEP_OBJECT = '{"a":' * 50 + "1" + "}" * 50
JSON = {"Content-Type": "application/json"}


async def post_signed(billed: Billed, payload: str) -> Any:
    return await billed.client.post(
        "/billing/stripe/webhook",
        data=payload.encode(),
        headers={"Stripe-Signature": billed.fake.sign(payload), **JSON},
    )


async def error_of(response: Any) -> tuple[int, str, str]:
    body = await response.json()
    return response.status, body["error"], body["detail"]


@pytest.mark.parametrize("raw", [DEEP, DEEP_OBJECT])
async def test_deep_json_to_the_token_endpoint_is_a_400(
    client: TestClient, org: dict[str, Any], raw: str
) -> None:
    product = await new_product_client(client, org["id"])
    headers = {**basic(product["client_id"], product["client_secret"]), **JSON}

    response = await client.post("/auth/v1/tokens", data=raw, headers=headers)

    status, code, detail = await error_of(response)
    assert (status, code) == (400, "malformed_json")
    assert "deeper than" in detail


async def test_deep_json_to_introspection_is_refused_as_not_form_encoded(
    client: TestClient, org: dict[str, Any]
) -> None:
    product = await new_product_client(client, org["id"])
    auth = basic(product["client_id"], product["client_secret"])

    as_json = await client.post("/auth/v1/introspect", data=DEEP, headers={**auth, **JSON})
    as_form = await client.post(
        "/auth/v1/introspect",
        data=DEEP,
        headers={**auth, "Content-Type": "application/x-www-form-urlencoded"},
    )

    assert (await error_of(as_json))[:2] == (415, "unsupported_media_type")
    assert (await error_of(as_form))[:2] == (400, "invalid_request")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/admin/v1/orgs"),
        ("POST", "/admin/v1/clients"),
        ("POST", "/admin/v1/event-endpoints"),
    ],
)
async def test_deep_json_to_the_admin_api_is_a_400(
    client: TestClient, method: str, path: str
) -> None:
    response = await client.request(method, path, data=DEEP, headers={**ADMIN_HEADERS, **JSON})

    status, code, detail = await error_of(response)
    assert (status, code) == (400, "malformed_json")
    assert "deeper than 32 levels" in detail


async def test_deep_json_to_an_org_patch_is_a_400_and_changes_nothing(
    client: TestClient, org: dict[str, Any]
) -> None:
    path = f"/admin/v1/orgs/{org['id']}"
    body = '{"name": "Renamed", "admin_emails": ' + "[" * 5000 + "]" * 5000 + "}"

    response = await client.patch(path, data=body, headers={**ADMIN_HEADERS, **JSON})

    assert (await error_of(response))[:2] == (400, "malformed_json")
    assert (await (await client.get(path, headers=ADMIN_HEADERS)).json())["name"] == "Acme"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("[1, 2]", "must be a JSON object"),
        ('"org"', "must be a JSON object"),
        ('{"name": NaN}', "NaN is not JSON"),
        ("{not json", "not valid JSON"),
        ("", "needs a JSON body"),
    ],
)
async def test_the_admin_api_says_what_is_wrong_with_a_body(
    client: TestClient, raw: str, fragment: str
) -> None:
    response = await client.post("/admin/v1/orgs", data=raw, headers={**ADMIN_HEADERS, **JSON})

    status, code, detail = await error_of(response)
    assert (status, code) == (400, "malformed_json")
    assert fragment in detail


async def test_a_nul_in_an_admin_body_is_refused_with_where_it_is(client: TestClient) -> None:
    response = await client.post("/admin/v1/orgs", json={"name": "Ac\x00me"}, headers=ADMIN_HEADERS)

    assert await error_of(response) == (
        422,
        "invalid_value",
        "name must be free of NUL characters and unpaired surrogates",
    )


async def test_a_scim_cursor_nested_deep_is_a_400_invalid_cursor(
    client: TestClient, scim: dict[str, str]
) -> None:
    cursor = base64.urlsafe_b64encode(b"[" * 5000).decode().rstrip("=")

    response = await client.get("/scim/v2/Users", params={"cursor": cursor}, headers=scim)

    body = await response.json()
    assert (response.status, body["scimType"]) == (400, "invalidCursor")


async def test_a_directory_cursor_nested_deep_is_a_400(
    client: TestClient, org: dict[str, Any]
) -> None:
    product = await new_product_client(client, org["id"])
    cursor = base64.urlsafe_b64encode(b"[" * 380).decode().rstrip("=")

    response = await client.get(
        f"/directory/v1/orgs/{org['id']}/users",
        params={"after": cursor},
        headers=basic(product["client_id"], product["client_secret"]),
    )

    assert (await error_of(response))[0] == 400


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ("[]", "must be a JSON object"),
        ('[{"id": "evt_1", "type": "customer.subscription.updated"}]', "must be a JSON object"),
        (DEEP, "deeper than"),
        ('{"object": "event"}', "string id and type"),
        ('{"id": ["evt_1"], "type": "invoice.paid"}', "string id and type"),
    ],
)
async def test_a_signed_stripe_body_that_is_not_an_event_is_a_400(
    billed: Billed, payload: str, fragment: str
) -> None:
    response = await post_signed(billed, payload)

    status, code, detail = await error_of(response)
    assert (status, code) == (400, "malformed_json")
    assert fragment in detail


async def test_a_signed_event_with_odd_data_concerns_no_subscription_and_is_acknowledged(
    billed: Billed,
) -> None:
    payload = '{"id": "evt_odd", "type": "invoice.paid", "data": {"object": ["in_1"]}}'

    response = await post_signed(billed, payload)

    assert response.status == 200
    assert (await response.json())["event_id"] == "evt_odd"


async def test_an_unsigned_deep_stripe_body_is_refused_for_its_signature(billed: Billed) -> None:
    response = await billed.client.post(
        "/billing/stripe/webhook",
        data=DEEP,
        headers={"Stripe-Signature": "t=1,v1=00", **JSON},
    )

    assert (await error_of(response))[:2] == (400, "invalid_signature")
