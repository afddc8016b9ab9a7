"""Fixtures for product tokens: members made through the member service, and product clients."""

import base64
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.keys import DATABASE
from seats.members import create_member
from seats.model import Member, MemberDraft
from tests.helpers import ADMIN_HEADERS

AddMember = Callable[..., Awaitable[Member]]


def basic(client_id: str, secret: str) -> dict[str, str]:
    """HTTP Basic headers for a product client."""
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


async def new_product_client(client: TestClient, org_id: str | None = None) -> dict[str, str]:
    """A product client of `org_id` (global when None) as {"client_id", "client_secret"}."""
    path = "/admin/v1/clients" if org_id is None else f"/admin/v1/orgs/{org_id}/clients"
    response = await client.post(path, json={"name": "product"}, headers=ADMIN_HEADERS)
    assert response.status == 201, await response.text()
    return await response.json()


async def request_token(
    client: TestClient, credentials: dict[str, str], **body: Any
) -> tuple[int, dict[str, Any]]:
    response = await client.post(
        "/auth/v1/tokens",
        json=body,
        headers=basic(credentials["client_id"], credentials["client_secret"]),
    )
    return response.status, await response.json()


@pytest.fixture
def add_member(client: TestClient) -> AddMember:
    """Create a member the way provisioning does (the seat rules decide its status)."""

    async def add(org_id: str, user_name: str, **fields: Any) -> Member:
        async with client.app[DATABASE].transaction() as conn:
            return await create_member(
                conn, org_id, MemberDraft(user_name=user_name, **fields), actor="test"
            )

    return add


@pytest.fixture
async def product(client: TestClient, org: dict[str, Any]) -> dict[str, str]:
    """Credentials of a product client of `org`."""
    return await new_product_client(client, org["id"])
