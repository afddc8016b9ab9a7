"""docs/product-middleware-example.py works end to end against a live gateway."""

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.auth.conftest import AddMember, new_product_client, request_token
from tests.helpers import create_org

EXAMPLE = Path(__file__).parents[2] / "docs" / "product-middleware-example.py"


@pytest.fixture(scope="module")
def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("product_middleware_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_the_product_shows_the_upgrade_prompt_only_to_members_over_the_limit(
    aiohttp_client: Any, client: TestClient, add_member: AddMember, example: ModuleType
) -> None:
    org = await create_org(client, seat_limit=1)
    backend = await new_product_client(client, org["id"])
    await add_member(org["id"], "seated")
    await add_member(org["id"], "waiting")
    product = await aiohttp_client(
        example.create_app(str(client.make_url("")), issuer="http://127.0.0.1")
    )
    tokens = {}
    for user_name in ("seated", "waiting"):
        _, body = await request_token(client, backend, org_id=org["id"], user_name=user_name)
        tokens[user_name] = {"Authorization": f"Bearer {body['access_token']}"}

    response = await product.get("/", headers=tokens["waiting"])
    assert response.status == 200
    assert response.headers["X-Seat-Upgrade-Prompt"] == "seat_over_limit"
    assert "upgrade_prompt" in await response.json()
    response = await product.post("/documents", headers=tokens["waiting"])
    assert (response.status, (await response.json())["error"]) == (402, "seat_required")

    response = await product.get("/", headers=tokens["seated"])
    assert "X-Seat-Upgrade-Prompt" not in response.headers
    assert "upgrade_prompt" not in await response.json()
    assert (await product.post("/documents", headers=tokens["seated"])).status == 200

    assert (await product.get("/")).status == 401
    response = await product.get("/", headers={"Authorization": "Bearer forged.token.here"})
    assert (response.status, (await response.json())["error"]) == (401, "invalid_token")
