"""Bad input gets an RFC 7644 §3.12 error with the right status and scimType, never a 500:
named cases first, then hypothesis throwing random filters and PATCH documents at the server."""

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from gateway.app import create_app
from gateway.config import Settings
from tests.helpers import create_org, scim_headers_for
from tests.scim.support import (
    BASE,
    ENTERPRISE,
    PATCH_OP,
    SEAT,
    USER,
    create_user,
    patch_body,
    scim_error,
    user_payload,
)


async def test_wrong_or_unknown_schemas_are_refused(
    client: TestClient, scim: dict[str, str]
) -> None:
    group = "urn:ietf:params:scim:schemas:core:2.0:Group"
    for schemas, scim_type in [
        ([group], "invalidValue"),
        ([USER, "urn:example:unknown:2.0:User"], "invalidValue"),
        ([ENTERPRISE], "invalidValue"),
        ("not-a-list", "invalidSyntax"),
        ([1], "invalidSyntax"),
    ]:
        body = {"schemas": schemas, "userName": "s@example.com"}
        response = await client.post(f"{BASE}/Users", json=body, headers=scim)
        await scim_error(response, 400, scim_type)


async def test_invalid_values_are_400_invalid_value(
    client: TestClient, scim: dict[str, str]
) -> None:
    for fields in (
        {"active": "sometimes"},
        {"userName": ""},
        {"userName": "   "},
        {"userName": "x" * 513},
        {"name": "flat"},
        {"emails": [{"value": "a@example.com", "primary": True}, {"value": "b", "primary": True}]},
        {"meta": {"created": "yesterday"}},
    ):
        payload = {**user_payload("v@example.com"), **fields}
        response = await client.post(f"{BASE}/Users", json=payload, headers=scim)
        await scim_error(response, 400, "invalidValue")
    response = await client.post(f"{BASE}/Users", json={"schemas": [USER]}, headers=scim)
    await scim_error(response, 400, "invalidValue")


async def test_invalid_patch_documents_are_refused_with_the_right_scim_type(
    client: TestClient, scim: dict[str, str]
) -> None:
    user = await create_user(client, scim, "patchme@example.com")
    url = f"{BASE}/Users/{user['id']}"
    cases: list[tuple[Any, str]] = [
        (patch_body({"op": "replace", "path": "emails[type eq", "value": "x"}), "invalidPath"),
        (patch_body({"op": "remove"}), "noTarget"),
        (patch_body({"op": "jump", "path": "title", "value": "x"}), "invalidValue"),
        (patch_body({"op": "remove", "path": "userName"}), "mutability"),
        (patch_body({"op": "replace", "path": "id", "value": "mine"}), "mutability"),
        (patch_body({"op": "replace", "path": "meta.created", "value": "x"}), "mutability"),
        (patch_body({"op": "replace", "path": f"{SEAT}:seatStatus", "value": "x"}), "mutability"),
        (patch_body({"op": "replace", "path": "active", "value": "perhaps"}), "invalidValue"),
        (patch_body({"op": "replace", "path": "userName", "value": ""}), "invalidValue"),
        ({"schemas": [PATCH_OP], "Operations": []}, "invalidValue"),
        ({"schemas": [PATCH_OP]}, "invalidValue"),
        ({"schemas": [PATCH_OP], "Operations": "replace"}, "invalidValue"),
    ]
    for body, scim_type in cases:
        response = await client.patch(url, json=body, headers=scim)
        await scim_error(response, 400, scim_type)
    unchanged = await (await client.get(url, headers=scim)).json(content_type=None)
    assert unchanged["meta"]["version"] == 'W/"1"'


async def test_invalid_attributes_parameters_are_400(
    client: TestClient, scim: dict[str, str]
) -> None:
    response = await client.get(f'{BASE}/Users?attributes=emails[type eq "work"]', headers=scim)
    await scim_error(response, 400, "invalidPath")
    response = await client.get(
        f"{BASE}/Users?attributes=userName&excludedAttributes=title", headers=scim
    )
    assert response.status == 400


# --- property tests: random filters and PATCH documents never produce a 500 ----------------

ATTRIBUTES = [
    "userName",
    "USERNAME",
    "name.givenName",
    "name.familyName",
    "displayName",
    "title",
    "active",
    "id",
    "externalId",
    "emails",
    "emails.value",
    "emails.type",
    "emails.primary",
    'emails[type eq "work"]',
    'emails[type eq "work"].value',
    "meta.created",
    "meta.lastModified",
    "meta.resourceType",
    "groups",
    "groups.value",
    "password",
    "x509Certificates.value",
    f"{USER}:userName",
    f"{ENTERPRISE}:department",
    f"{ENTERPRISE}:manager",
    f"{ENTERPRISE}:manager.value",
    f"{SEAT}:seatStatus",
    f"{SEAT}:overLimitSince",
    "urn:example:nope:attr",
    "nope",
    "name.nope",
    "",
]
OPERATORS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "zz"]
JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["2011-05-13T04:42:34Z", "True", "False", "work", "bjensen", ""]),
)
JSON = st.recursive(
    JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(ATTRIBUTES) | st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)


def _literal(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else value


COMPARISONS = st.builds(
    lambda attr, op, value: f"{attr} {op} {_literal(value)}",
    st.sampled_from(ATTRIBUTES),
    st.sampled_from(OPERATORS),
    st.one_of(JSON_LEAVES, st.text(max_size=10).map(json.dumps)),
) | st.builds(lambda attr: f"{attr} pr", st.sampled_from(ATTRIBUTES))
FILTERS = st.one_of(
    st.recursive(
        COMPARISONS,
        lambda inner: (
            st.builds(lambda a, b: f"{a} and {b}", inner, inner)
            | st.builds(lambda a, b: f"{a} or {b}", inner, inner)
            | st.builds(lambda a: f"not ({a})", inner)
            | st.builds(lambda a: f"({a})", inner)
            | st.builds(lambda attr, f: f"emails[{f}]", st.sampled_from(["type", "value"]), inner)
        ),
        max_leaves=4,
    ),
    st.text(alphabet='abcdemnoqrstuvwxyz.:[]()" eqprandotUN', max_size=40),
    st.text(max_size=30),
)
OPERATIONS = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "Add", "replace", "Replace", "remove", "REMOVE", "x", 1])},
    optional={
        "path": st.sampled_from(ATTRIBUTES) | st.text(max_size=20),
        "value": JSON,
    },
)
PATCH_DOCUMENTS = st.one_of(
    st.builds(
        lambda ops: {"schemas": [PATCH_OP], "Operations": ops}, st.lists(OPERATIONS, max_size=3)
    ),
    JSON,
)


class _Server:
    """A gateway and an org with one user, driven from a synchronous hypothesis test."""

    def __init__(self, settings: Settings) -> None:
        self.loop = asyncio.new_event_loop()
        self.client = TestClient(TestServer(create_app(settings)), loop=self.loop)
        self.loop.run_until_complete(self.client.start_server())
        self.headers, self.user_id = self.loop.run_until_complete(self._seed())

    async def _seed(self) -> tuple[dict[str, str], str]:
        org = await create_org(self.client)
        headers = await scim_headers_for(self.client, org["id"])
        user = await create_user(
            self.client,
            headers,
            "seed@example.com",
            emails=[{"value": "seed@example.com", "type": "work", "primary": True}],
            **{ENTERPRISE: {"department": "Eng"}},
        )
        return headers, user["id"]

    def status(self, method: str, url: str, **kwargs: Any) -> tuple[int, Any]:
        async def call() -> tuple[int, Any]:
            response = await self.client.request(method, url, headers=self.headers, **kwargs)
            return response.status, await response.json(content_type=None)

        return self.loop.run_until_complete(call())

    def close(self) -> None:
        self.loop.run_until_complete(self.client.close())
        self.loop.close()


@pytest.fixture
def server(settings: Settings) -> Iterator[_Server]:
    running = _Server(settings)
    yield running
    running.close()


def _assert_not_a_server_error(status: int, body: Any) -> None:
    assert status < 500, body
    if status >= 400:
        assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"], body
        assert body["status"] == str(status)


PROPERTY = hypothesis_settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(filter_text=FILTERS, sort_by=st.none() | st.sampled_from(ATTRIBUTES))
def test_random_filters_never_cause_a_server_error(
    server: _Server, filter_text: str, sort_by: str | None
) -> None:
    params = {"filter": filter_text}
    if sort_by is not None:
        params["sortBy"] = sort_by
    _assert_not_a_server_error(*server.status("GET", f"{BASE}/Users", params=params))
    search = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], **params}
    _assert_not_a_server_error(*server.status("POST", f"{BASE}/Users/.search", json=search))


@PROPERTY
@given(document=PATCH_DOCUMENTS)
def test_random_patch_documents_never_cause_a_server_error(server: _Server, document: Any) -> None:
    url = f"{BASE}/Users/{server.user_id}"
    _assert_not_a_server_error(*server.status("PATCH", url, json=document))
    status, body = server.status("GET", url)
    assert status == 200, body


@PROPERTY
@given(document=JSON)
def test_random_user_bodies_never_cause_a_server_error(server: _Server, document: Any) -> None:
    if isinstance(document, dict):
        document = {"schemas": [USER], "userName": "random@example.com", **document}
    _assert_not_a_server_error(*server.status("POST", f"{BASE}/Users", json=document))
    url = f"{BASE}/Users/{server.user_id}"
    _assert_not_a_server_error(*server.status("PUT", url, json=document))
