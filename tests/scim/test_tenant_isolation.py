"""An organization's SCIM token can neither read, change nor detect another org's users:
every such attempt answers exactly what a random id answers."""

from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import create_org, scim_headers_for
from tests.scim.support import BASE, create_user, patch_body, user_payload


async def _answer(response: Any) -> tuple[int, Any]:
    body = await response.json(content_type=None)
    if isinstance(body, dict) and "detail" in body:
        # The detail names the id asked for; the rest must be identical.
        body = {**body, "detail": body["detail"].split(" ")[0]}
    return response.status, body


async def test_another_orgs_user_is_indistinguishable_from_a_random_id(
    client: TestClient, scim: dict[str, str]
) -> None:
    victim_org = await create_org(client, name="Victim")
    victim = await scim_headers_for(client, victim_org["id"])
    theirs = await create_user(client, victim, "secret@victim.example", title="Secret")
    patch = patch_body({"op": "replace", "path": "title", "value": "Pwned"})

    for method, body in [
        ("GET", None),
        ("PUT", user_payload("secret@victim.example")),
        ("PATCH", patch),
        ("DELETE", None),
    ]:
        foreign = await _answer(
            await client.request(method, f"{BASE}/Users/{theirs['id']}", json=body, headers=scim)
        )
        random = await _answer(
            await client.request(method, f"{BASE}/Users/{'0' * 36}", json=body, headers=scim)
        )
        assert foreign[0] == random[0] == 404, method
        assert foreign[1] == random[1], method

    listed = await (await client.get(f"{BASE}/Users", headers=scim)).json(content_type=None)
    assert listed["totalResults"] == 0
    filtered = await client.get(
        f"{BASE}/Users", params={"filter": f'id eq "{theirs["id"]}"'}, headers=scim
    )
    assert (await filtered.json(content_type=None))["totalResults"] == 0

    # The victim's user is untouched, and its userName is free in the attacker's org.
    read = await client.get(f"{BASE}/Users/{theirs['id']}", headers=victim)
    assert (await read.json(content_type=None))["title"] == "Secret"
    await create_user(client, scim, "secret@victim.example")
