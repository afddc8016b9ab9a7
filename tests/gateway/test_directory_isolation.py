"""Tenant isolation of the directory API: a client limited to one org cannot read, or learn the
existence of, another org or anything in it (every such answer is the 404 a random id gets);
a global client reads every org."""

from typing import Any

from aiohttp.test_utils import TestClient

from tests.gateway.test_directory import get, product_headers
from tests.helpers import create_org, scim_headers_for
from tests.scim.support import create_user
from tests.scim.test_groups import create_group

RANDOM_ID = "00000000-0000-4000-8000-000000000000"


async def _world(client: TestClient) -> dict[str, Any]:
    """Two orgs, each with one user in one group."""
    world: dict[str, Any] = {}
    for name in ("ours", "theirs"):
        org = await create_org(client, name=name)
        scim = await scim_headers_for(client, org["id"])
        user = await create_user(client, scim, f"someone@{name}.example")
        group = await create_group(client, scim, "Staff", user["id"])
        world[name] = {"org": org["id"], "user": user["id"], "group": group["id"]}
    return world


def _paths(org: str, user: str, group: str) -> list[str]:
    return [
        f"/orgs/{org}/users",
        f"/orgs/{org}/users/{user}",
        f"/orgs/{org}/groups",
        f"/orgs/{org}/groups/{group}",
        f"/orgs/{org}/groups/{group}/members",
    ]


async def _not_found(client: TestClient, path: str, headers: dict[str, str]) -> str:
    """Assert a 404 not_found answer; its detail with the ids asked for taken out."""
    status, body = await get(client, path, headers)
    assert status == 404, (path, body)
    assert body["error"] == "not_found", body
    detail = body["detail"]
    for part in path.split("/"):
        detail = detail.replace(part, "<id>") if len(part) == 36 else detail
    return detail


async def test_an_org_client_gets_404_for_another_org_as_for_a_random_one(
    client: TestClient,
) -> None:
    world = await _world(client)
    ours, theirs = world["ours"], world["theirs"]
    headers = await product_headers(client, ours["org"])

    for foreign, random in zip(
        _paths(theirs["org"], theirs["user"], theirs["group"]),
        _paths(RANDOM_ID, RANDOM_ID, RANDOM_ID),
        strict=True,
    ):
        assert await _not_found(client, foreign, headers) == await _not_found(
            client, random, headers
        )


async def test_an_org_client_gets_404_for_another_orgs_user_and_group_under_its_own_org(
    client: TestClient,
) -> None:
    world = await _world(client)
    ours, theirs = world["ours"], world["theirs"]
    headers = await product_headers(client, ours["org"])

    # Real ids of the other org, guessed into this org's paths.
    for kind, foreign_id in (
        ("users", theirs["user"]),
        ("groups", theirs["group"]),
        ("groups", f"{theirs['group']}/members"),
    ):
        foreign = await _not_found(client, f"/orgs/{ours['org']}/{kind}/{foreign_id}", headers)
        random_id = foreign_id.replace(theirs["group"], RANDOM_ID).replace(
            theirs["user"], RANDOM_ID
        )
        random = await _not_found(client, f"/orgs/{ours['org']}/{kind}/{random_id}", headers)
        assert foreign == random
    _, users = await get(client, f"/orgs/{ours['org']}/users", headers)
    assert [u["id"] for u in users["data"]] == [ours["user"]]
    _, groups = await get(client, f"/orgs/{ours['org']}/groups", headers)
    assert [g["id"] for g in groups["data"]] == [ours["group"]]


async def test_a_global_client_reads_every_org_and_unknown_ones_are_404(
    client: TestClient,
) -> None:
    world = await _world(client)
    headers = await product_headers(client, None)
    for side in world.values():
        for path in _paths(side["org"], side["user"], side["group"]):
            status, body = await get(client, path, headers)
            assert status == 200, (path, body)
    for path in _paths(RANDOM_ID, RANDOM_ID, RANDOM_ID):
        await _not_found(client, path, headers)


async def test_ids_no_database_could_hold_are_404_not_500(client: TestClient) -> None:
    world = await _world(client)
    headers = await product_headers(client, None)
    org = world["ours"]["org"]
    for odd in ("x" * 200, "a%00b"):
        for path in (f"/orgs/{odd}/users", f"/orgs/{org}/users/{odd}", f"/orgs/{org}/groups/{odd}"):
            status, body = await get(client, path, headers)
            assert (status, body["error"]) == (404, "not_found"), path
