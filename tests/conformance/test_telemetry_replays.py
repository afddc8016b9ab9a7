"""The Okta and Entra replays of conformance/idp_sequences, sent over loopback HTTP as the
conformance runner sends them, and the connection telemetry the admin API then shows for each
token: the profile detected, what decided it, the requests, and the quirks normalized.

The replays send no IdP User-Agent (httpx's own), so the request shapes decide the profile;
sent again with the IdP's User-Agent, the User-Agent decides."""

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from conformance.idp_sequences.entra import entra
from conformance.idp_sequences.okta import okta
from conformance.report import Outcome
from conformance.sequence import Sequence
from conformance.session import http_client
from tests.scim.telemetry_support import connection, telemetry


async def replay(
    client: TestClient, org_id: str, sequence: Sequence, user_agent: str | None = None
) -> dict[str, Any]:
    """Run `sequence` with a new token; its telemetry afterwards."""
    token_id, token = await connection(client, org_id)
    http = http_client(str(client.make_url("/scim/v2")), token)
    if user_agent is not None:
        http.headers["User-Agent"] = user_agent
    with http:
        outcomes = await asyncio.to_thread(sequence.run, http)
    failed = [(row.name, row.detail) for row in outcomes if row.outcome is not Outcome.PASSED]
    assert not failed, failed
    return await telemetry(client, org_id, token_id)


async def test_the_entra_replay_is_detected_as_entra_and_its_quirks_counted(
    client: TestClient, org: dict[str, Any]
) -> None:
    seen = await replay(client, org["id"], entra)
    assert seen["idp_profile"] == "entra"
    # Some of Entra's requests carry the flag of its tenant URL: the strongest signal sent.
    assert seen["profile_signal"] == "query flag aadOptscim062020"
    assert seen["requests"] == ENTRA_REQUESTS
    assert seen["normalizations"] == ENTRA_NORMALIZATIONS
    assert seen["errors"] == 2
    assert seen["errors_by_scim_type"] == ENTRA_ERRORS_BY_TYPE


async def test_the_okta_replay_is_detected_as_okta_by_its_full_put(
    client: TestClient, org: dict[str, Any]
) -> None:
    seen = await replay(client, org["id"], okta)
    assert seen["idp_profile"] == "okta"
    assert seen["profile_signal"] == "request shape: put_read_only_ignored"
    assert seen["requests"] == OKTA_REQUESTS
    assert seen["normalizations"] == OKTA_NORMALIZATIONS
    assert seen["errors_by_status_class"] == OKTA_ERRORS
    assert seen["errors_by_scim_type"] == {"uniqueness": 1}


async def test_with_the_idps_user_agents_the_user_agent_decides(
    client: TestClient, org: dict[str, Any]
) -> None:
    okta_seen = await replay(client, org["id"], okta, "Okta SCIM Client 1.0.0")
    assert (okta_seen["idp_profile"], okta_seen["profile_signal"]) == (
        "okta",
        "User-Agent: Okta SCIM Client 1.0.0",
    )
    entra_agent = "Microsoft.AzureAD.Provisioning/1.0"
    entra_seen = await replay(client, org["id"], entra, entra_agent)
    assert (entra_seen["idp_profile"], entra_seen["profile_signal"]) == (
        "entra",
        f"User-Agent: {entra_agent}",
    )
    assert entra_seen["normalizations"] == ENTRA_NORMALIZATIONS


# What conformance/idp_sequences/entra.py sends: 35 requests; "False" and "True" for active
# (two PATCHes); one Remove of members with a value list; an Add on emails[type eq "work"]
# .value; the manager as a bare id; a path-less Replace keyed by dotted paths and extension
# URNs; a group created with Microsoft's ADSCIM schema. Two 404s: the group and the user read
# after their deletion.
ENTRA_REQUESTS = 35
ENTRA_NORMALIZATIONS = {
    "entra_string_booleans": 2,
    "remove_with_value": 1,
    "add_through_filter": 1,
    "manager_as_bare_id": 1,
    "pathless_keyed_by_paths": 1,
    "entra_group_schema": 1,
}
ENTRA_ERRORS_BY_TYPE: dict[str, int] = {}
# conformance/idp_sequences/okta.py: 25 requests; one full-user PUT with id, meta and groups;
# 404 for an unknown user, 409 uniqueness for a second create, 404 for an unknown group and
# for the group read after its deletion.
OKTA_REQUESTS = 25
OKTA_NORMALIZATIONS = {"put_read_only_ignored": 1}
OKTA_ERRORS = {"4xx": 4}
