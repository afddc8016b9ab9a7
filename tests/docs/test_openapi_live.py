"""Answers of a running gateway checked against its own /openapi.json: the status is one the
document lists for the operation and the body matches that status's schema, for the admin,
product-token and directory endpoints an integrator calls first, and for their errors."""

import re
from typing import Any

from aiohttp.test_utils import TestClient
from openapi_schema_validator import OAS31Validator

from tests.auth.conftest import basic
from tests.helpers import ADMIN_HEADERS, scim_headers_for


class Reference:
    """The served document, and the check of one answer against it."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.checked: list[str] = []

    async def call(self, client: TestClient, method: str, url: str, **options: Any) -> Any:
        response = await client.request(method, url, **options)
        body = await response.json() if response.status != 204 else None
        operation = self._operation(method, url.split("?")[0])
        answers = operation["responses"]
        assert str(response.status) in answers, f"{method} {url} answered {response.status}"
        content = answers[str(response.status)].get("content")
        if body is not None:
            schema = content["application/json"]["schema"]
            OAS31Validator({**schema, "components": self.document["components"]}).validate(body)
        self.checked.append(f"{method} {url} {response.status}")
        return body

    def _operation(self, method: str, path: str) -> dict[str, Any]:
        for template, operations in self.document["paths"].items():
            pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template))
            if re.fullmatch(pattern, path) and method.lower() in operations:
                return operations[method.lower()]
        raise AssertionError(f"{method} {path} is not in the document")


async def test_answers_match_the_document(client: TestClient) -> None:
    served = await client.get("/openapi.json")
    assert served.status == 200
    reference = Reference(await served.json())
    admin = ADMIN_HEADERS

    org = await reference.call(
        client, "POST", "/admin/v1/orgs", json={"name": "Acme", "seat_limit": 1}, headers=admin
    )
    org_path = f"/admin/v1/orgs/{org['id']}"
    await reference.call(client, "GET", "/admin/v1/orgs?q=acm&limit=5", headers=admin)
    await reference.call(client, "GET", org_path, headers=admin)
    await reference.call(client, "POST", f"{org_path}/scim-tokens", headers=admin)
    await reference.call(client, "GET", f"{org_path}/scim-tokens", headers=admin)
    issued = await reference.call(
        client, "POST", f"{org_path}/clients", json={"name": "app"}, headers=admin
    )
    product = basic(issued["client_id"], issued["client_secret"])
    await reference.call(client, "GET", f"{org_path}/clients", headers=admin)
    await reference.call(
        client, "POST", f"{org_path}/invites", json={"email": "ann@acme.example"}, headers=admin
    )
    await reference.call(client, "GET", f"{org_path}/invites", headers=admin)
    await reference.call(
        client,
        "POST",
        f"{org_path}/portal-links",
        json={"email": "it@acme.example"},
        headers=product,
    )

    scim = await scim_headers_for(client, org["id"])
    for name in ("bo@acme.example", "cy@acme.example"):
        created = await client.post(
            "/scim/v2/Users",
            json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name},
            headers=scim,
        )
        assert created.status == 201
    seats = await reference.call(client, "GET", f"{org_path}/seats", headers=admin)
    assert seats["over_limit"] == 2  # the invite holds the one seat

    token = await reference.call(
        client,
        "POST",
        "/auth/v1/tokens",
        json={"org_id": org["id"], "user_name": "bo@acme.example"},
        headers=product,
    )
    assert token["seat_status"] == "over_limit"
    users = await reference.call(
        client, "GET", f"/directory/v1/orgs/{org['id']}/users?limit=1", headers=product
    )
    assert users["next_cursor"] is not None
    await reference.call(
        client,
        "GET",
        f"/directory/v1/orgs/{org['id']}/users/{users['data'][0]['id']}",
        headers=product,
    )
    await reference.call(client, "GET", f"/directory/v1/events?org_id={org['id']}", headers=product)

    # Errors are in the document too, as {"error", "detail"}.
    await reference.call(client, "POST", "/admin/v1/orgs", json={}, headers=admin)
    await reference.call(
        client, "POST", "/admin/v1/orgs", json={"name": "A", "seats": 1}, headers=admin
    )
    await reference.call(client, "GET", "/admin/v1/orgs/nope", headers=admin)
    await reference.call(client, "GET", "/admin/v1/orgs")
    await reference.call(
        client, "GET", f"/directory/v1/orgs/{org['id']}/users?bogus=1", headers=product
    )
    await reference.call(
        client, "POST", "/auth/v1/tokens", json={"org_id": org["id"]}, headers=product
    )
    assert len(reference.checked) == 21
