"""Per SCIM connection (token) telemetry, as the admin API shows it: the IdP profile and the
signal that decided it, requests, errors by status class and scimType, and each IdP quirk the
gateway normalized (the request shapes are Okta's and Entra's own: tests/scim/test_okta.py,
tests/scim/test_entra.py and their sources)."""

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.config import Settings
from tests.helpers import ADMIN_HEADERS, create_org
from tests.scim.support import BASE, patch_body, user_payload
from tests.scim.telemetry_support import connection, telemetry

AD_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def headers(token: str, user_agent: str | None = None) -> dict[str, str]:
    found = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
    if user_agent is not None:
        found["User-Agent"] = user_agent
    return found


async def send(client: TestClient, method: str, path: str, scim: dict[str, str], body: Any = None):
    response = await client.request(method, f"{BASE}{path}", json=body, headers=scim)
    await response.read()
    return response


async def test_a_token_never_used_has_empty_telemetry(client: TestClient, org: dict) -> None:
    token_id, _ = await connection(client, org["id"])
    assert await telemetry(client, org["id"], token_id) == {
        "idp_profile": None,
        "profile_signal": None,
        "last_request_at": None,
        "requests": 0,
        "errors": 0,
        "errors_by_status_class": {},
        "errors_by_scim_type": {},
        "normalizations": {},
        "flush_interval_seconds": 10.0,
    }


async def test_okta_full_put_and_its_deactivation_are_counted_for_an_okta_connection(
    client: TestClient, org: dict
) -> None:
    token_id, token = await connection(client, org["id"])
    okta = headers(token, "Okta SCIM Client 1.0.0")
    created = await send(client, "POST", "/Users", okta, user_payload("ann@acme.test"))
    user = await created.json(content_type=None)
    # Okta PUTs back the whole user it read: id, meta and groups included.
    read_back = {**user, "groups": [], "displayName": "Ann"}
    assert (await send(client, "PUT", f"/Users/{user['id']}", okta, read_back)).status == 200
    deactivated = {**read_back, "active": False}
    assert (await send(client, "PUT", f"/Users/{user['id']}", okta, deactivated)).status == 200
    # Sent again: the user is already inactive, so this is no deactivation.
    assert (await send(client, "PUT", f"/Users/{user['id']}", okta, deactivated)).status == 200

    seen = await telemetry(client, org["id"], token_id)
    assert seen["idp_profile"] == "okta"
    assert seen["profile_signal"] == "User-Agent: Okta SCIM Client 1.0.0"
    assert seen["requests"] == 4
    assert seen["errors"] == 0
    assert seen["normalizations"] == {"put_read_only_ignored": 3, "okta_put_deactivation": 1}
    assert seen["last_request_at"] is not None


async def test_entra_shapes_decide_the_profile_without_a_user_agent(
    client: TestClient, org: dict
) -> None:
    token_id, token = await connection(client, org["id"])
    entra = headers(token)
    ann = await send(client, "POST", "/Users", entra, user_payload("ann@acme.test", active="True"))
    ann_id = (await ann.json(content_type=None))["id"]
    bob = await send(client, "POST", "/Users", entra, user_payload("bob@acme.test"))
    bob_id = (await bob.json(content_type=None))["id"]
    group = await send(
        client,
        "POST",
        "/Groups",
        entra,
        {"schemas": [GROUP, AD_GROUP], "displayName": "Eng", "members": [{"value": ann_id}]},
    )
    group_id = (await group.json(content_type=None))["id"]
    operations = [
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Replace", "path": "displayName", "value": "Ann A"},
    ]
    patched = await send(client, "PATCH", f"/Users/{ann_id}", entra, patch_body(*operations))
    assert patched.status == 200
    changes = patch_body(
        {"op": "Remove", "path": "members", "value": [{"value": ann_id}]},
        {"op": "Add", "path": f'members[value eq "{bob_id}"]', "value": []},
    )
    assert (await send(client, "PATCH", f"/Groups/{group_id}", entra, changes)).status == 200

    seen = await telemetry(client, org["id"], token_id)
    assert seen["idp_profile"] == "entra"
    # Signals of one strength: the newest request's decides.
    assert seen["profile_signal"] == "request shape: remove_with_value"
    assert seen["requests"] == 5
    assert seen["normalizations"] == {
        "entra_string_booleans": 2,
        "entra_group_schema": 1,
        "remove_with_value": 1,
        "add_through_filter": 1,
    }


async def test_entras_query_flag_outranks_request_shapes_and_a_user_agent_outranks_both(
    client: TestClient, org: dict
) -> None:
    token_id, token = await connection(client, org["id"])
    plain = headers(token)
    body = user_payload("ann@acme.test", active="True")
    await send(client, "POST", "/Users", plain, body)
    assert (await telemetry(client, org["id"], token_id))["profile_signal"] == (
        "request shape: entra_string_booleans"
    )
    await send(client, "GET", "/Users?aadOptscim062020&filter=userName+eq+%22x%22", plain)
    await send(client, "POST", "/Users", plain, user_payload("bob@acme.test", active="False"))
    assert (await telemetry(client, org["id"], token_id))["profile_signal"] == (
        "query flag aadOptscim062020"
    )
    entra_agent = headers(token, "Microsoft.AzureAD.Provisioning/1.0")
    await send(client, "GET", "/Users", entra_agent)
    await send(client, "GET", "/Users", plain)
    seen = await telemetry(client, org["id"], token_id)
    assert (seen["idp_profile"], seen["profile_signal"]) == (
        "entra",
        "User-Agent: Microsoft.AzureAD.Provisioning/1.0",
    )


async def test_a_client_that_names_no_idp_is_other_with_its_user_agent(
    client: TestClient, org: dict
) -> None:
    token_id, token = await connection(client, org["id"])
    await send(client, "GET", "/Users", headers(token, "curl/8.5"))
    seen = await telemetry(client, org["id"], token_id)
    assert (seen["idp_profile"], seen["profile_signal"]) == (
        "other",
        "User-Agent curl/8.5 names no known IdP",
    )


async def test_errors_are_counted_by_status_class_and_scim_type(
    client: TestClient, org: dict
) -> None:
    token_id, token = await connection(client, org["id"])
    scim = headers(token)
    await send(client, "POST", "/Users", scim, user_payload("ann@acme.test"))
    await send(client, "POST", "/Users", scim, user_payload("ann@acme.test"))  # 409 uniqueness
    await send(client, "POST", "/Users", scim, user_payload("bob@acme.test", active="yes"))
    await send(client, "GET", "/Users/no-such-user", scim)  # 404, no scimType
    await send(client, "GET", "/Nowhere", scim)  # 404 from the router

    seen = await telemetry(client, org["id"], token_id)
    assert seen["requests"] == 5
    assert seen["errors"] == 4
    assert seen["errors_by_status_class"] == {"4xx": 4}
    assert seen["errors_by_scim_type"] == {"uniqueness": 1, "invalidValue": 1}
    # A refused request normalized nothing.
    assert seen["normalizations"] == {}


async def test_unknown_member_ids_skipped_on_patch_are_counted_one_by_one(
    client: TestClient, org: dict
) -> None:
    token_id, token = await connection(client, org["id"])
    scim = headers(token)
    ann = await send(client, "POST", "/Users", scim, user_payload("ann@acme.test"))
    ann_id = (await ann.json(content_type=None))["id"]
    group = await send(client, "POST", "/Groups", scim, {"schemas": [GROUP], "displayName": "Eng"})
    group_id = (await group.json(content_type=None))["id"]
    members = [{"value": ann_id}, {"value": "ghost-1"}, {"value": "ghost-2"}]
    add = patch_body({"op": "add", "path": "members", "value": members})
    assert (await send(client, "PATCH", f"/Groups/{group_id}", scim, add)).status == 200
    again = patch_body({"op": "add", "value": {"members": [{"value": "ghost-3"}]}})
    assert (await send(client, "PATCH", f"/Groups/{group_id}", scim, again)).status == 200

    seen = await telemetry(client, org["id"], token_id)
    assert seen["normalizations"] == {"unknown_members_skipped": 3}
    assert seen["idp_profile"] == "other"


async def test_bulk_operations_report_what_they_normalized(client: TestClient, org: dict) -> None:
    token_id, token = await connection(client, org["id"])
    operations = [
        {
            "method": "POST",
            "path": "/Users",
            "bulkId": f"u{n}",
            "data": user_payload(f"user{n}@acme.test", active="True"),
        }
        for n in range(3)
    ]
    body = {"schemas": [BULK], "Operations": operations}
    assert (await send(client, "POST", "/Bulk", headers(token), body)).status == 200
    seen = await telemetry(client, org["id"], token_id)
    assert seen["requests"] == 1
    assert seen["normalizations"] == {"entra_string_booleans": 3}


async def test_each_token_has_its_own_telemetry_and_the_list_shows_them(
    client: TestClient, org: dict
) -> None:
    okta_id, okta_token = await connection(client, org["id"])
    quiet_id, _ = await connection(client, org["id"])
    for _ in range(3):
        await send(client, "GET", "/Users", headers(okta_token, "Okta SCIM Client 1.0.0"))
    await telemetry(client, org["id"], okta_id)
    response = await client.get(f"/admin/v1/orgs/{org['id']}/scim-tokens", headers=ADMIN_HEADERS)
    listed = {token["id"]: token["telemetry"] for token in (await response.json())["data"]}
    assert (listed[okta_id]["requests"], listed[okta_id]["idp_profile"]) == (3, "okta")
    assert (listed[quiet_id]["requests"], listed[quiet_id]["idp_profile"]) == (0, None)


async def test_another_orgs_token_is_not_found(client: TestClient, org: dict) -> None:
    other = await create_org(client, name="Other")
    token_id, _ = await connection(client, other["id"])
    response = await client.get(
        f"/admin/v1/orgs/{org['id']}/scim-tokens/{token_id}", headers=ADMIN_HEADERS
    )
    assert response.status == 404
    assert (await response.json())["error"] == "not_found"


async def test_the_gateway_flushes_on_its_own_and_counts_add_up_across_flushes(
    aiohttp_client: Any, settings: Settings
) -> None:
    client = await aiohttp_client(
        create_app(settings.with_overrides(scim_telemetry_flush_seconds=0.05))
    )
    org = await create_org(client)
    token_id, token = await connection(client, org["id"])
    url = f"/admin/v1/orgs/{org['id']}/scim-tokens/{token_id}"
    for expected in (2, 4):
        for _ in range(2):
            await send(client, "GET", "/Users", headers(token))
        for _ in range(100):
            shown = (await (await client.get(url, headers=ADMIN_HEADERS)).json())["telemetry"]
            if shown["requests"] == expected:
                break
            await asyncio.sleep(0.05)
        assert shown["requests"] == expected
    assert shown["flush_interval_seconds"] == 0.05


async def test_counts_not_yet_flushed_are_flushed_at_shutdown(
    aiohttp_client: Any, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))
    org = await create_org(client)
    token_id, token = await connection(client, org["id"])
    await send(client, "GET", "/Users", headers(token, "Okta SCIM Client 1.0.0"))
    await client.close()

    again = await aiohttp_client(create_app(settings))
    response = await again.get(
        f"/admin/v1/orgs/{org['id']}/scim-tokens/{token_id}", headers=ADMIN_HEADERS
    )
    shown = (await response.json())["telemetry"]
    assert (shown["requests"], shown["idp_profile"]) == (1, "okta")
