"""`seatgate scim-tokens|clients|portal-links|event-endpoints`: what they hand out works
against a running gateway, is shown once, and is refused once revoked."""

from typing import Any
from urllib.parse import urlparse

from aiohttp.test_utils import TestClient

from gateway.keys import SCIM_TOKENS
from tests.auth.conftest import basic
from tests.gateway.commands.conftest import Seatgate

USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ann@acme.test"}


async def test_a_scim_token_from_the_cli_provisions_until_it_is_revoked(
    seatgate: Seatgate, database_url: str, client: TestClient, org: dict[str, Any]
) -> None:
    made = await seatgate.in_thread(
        database_url, "scim-tokens", "create", org["id"], "--name", "okta"
    )
    token = made.record()
    assert token["token"].startswith("sgscim") and token["name"] == "okta"
    assert "shown only this once" in made.err
    headers = {"Authorization": f"Bearer {token['token']}", "Content-Type": "application/scim+json"}
    assert (await client.post("/scim/v2/Users", json=USER, headers=headers)).status == 201

    listed = (await seatgate.in_thread(database_url, "scim-tokens", "list", org["id"])).records()
    assert [(t["id"], t["revoked_at"]) for t in listed] == [(token["id"], None)]
    assert "token" not in listed[0]
    revoked = await seatgate.in_thread(
        database_url, "scim-tokens", "revoke", org["id"], token["id"]
    )
    assert revoked.code == 0

    listed_again = await seatgate.in_thread(database_url, "scim-tokens", "list", org["id"])
    assert listed_again.records()[0]["revoked_at"] is not None
    # The gateway's cache forgets the token within 30 s (what a fresh process starts with).
    client.server.app[SCIM_TOKENS].clear()
    assert (await client.post("/scim/v2/Users", json=USER, headers=headers)).status == 401
    again = await seatgate.in_thread(database_url, "scim-tokens", "revoke", org["id"], token["id"])
    assert (again.code, again.err.strip()) == (
        1,
        f"seatgate: SCIM token {token['id']} does not exist or is already revoked",
    )


async def test_a_product_client_from_the_cli_gets_member_tokens_until_revoked(
    seatgate: Seatgate, database_url: str, client: TestClient, org: dict[str, Any], scim: dict
) -> None:
    await client.post("/scim/v2/Users", json=USER, headers=scim)
    made = (
        await seatgate.in_thread(database_url, "clients", "create", "--org", org["id"])
    ).record()
    auth = basic(made["client_id"], made["client_secret"])
    body = {"org_id": org["id"], "user_name": "ann@acme.test"}

    assert (await client.post("/auth/v1/tokens", json=body, headers=auth)).status == 200
    everyone = (await seatgate.in_thread(database_url, "clients", "list")).records()
    assert [c["client_id"] for c in everyone] == [made["client_id"]]
    assert "client_secret" not in everyone[0]
    revoked = await seatgate.in_thread(database_url, "clients", "revoke", made["client_id"])
    assert revoked.code == 0
    assert (await client.post("/auth/v1/tokens", json=body, headers=auth)).status == 401


async def test_a_portal_link_from_the_cli_opens_the_orgs_console_once(
    seatgate: Seatgate, database_url: str, client: TestClient, org: dict[str, Any]
) -> None:
    made = await seatgate.in_thread(
        database_url, "portal-links", "create", org["id"], "--email", "it@acme.test"
    )
    path = urlparse(made.record()["url"]).path

    entered = await client.get(path, allow_redirects=False)
    assert (entered.status, entered.headers["Location"]) == (303, f"/console/orgs/{org['id']}")
    assert (await client.get(path, allow_redirects=False)).status == 410


def test_an_event_endpoints_secret_is_shown_at_creation_only(
    seatgate: Seatgate, database_url: str
) -> None:
    made = seatgate(
        database_url,
        "event-endpoints",
        "create",
        "https://example.com/hook",
        "--type",
        "member.created",
    )
    endpoint = made.record()
    assert endpoint["secret"].startswith("whsec_")
    assert endpoint["types"] == ["member.created"]

    listed = seatgate(database_url, "event-endpoints", "list").records()
    assert [e["id"] for e in listed] == [endpoint["id"]] and "secret" not in listed[0]
    assert seatgate(database_url, "event-endpoints", "delete", endpoint["id"]).code == 0
    assert seatgate(database_url, "event-endpoints", "list").records() == []


def test_an_event_endpoint_at_a_private_address_or_with_an_unknown_type_is_refused(
    seatgate: Seatgate, database_url: str
) -> None:
    private = seatgate(database_url, "event-endpoints", "create", "http://127.0.0.1/hook")
    unknown = seatgate(
        database_url, "event-endpoints", "create", "https://example.com/h", "--type", "nope"
    )

    assert private.code == 1 and "seatgate: " in private.err and private.out == ""
    assert unknown.code == 1 and "nope" in unknown.err
