"""The framework-free SCIM core: operations called directly as
`(ScimRequest, ScimContext) -> ScimResponse`, the error mapping and cursors, with no HTTP
server (the rate limiter: test_rate_limit.py)."""

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError
from scim2_models import InvalidFilterException, User

from scim import errors, users
from scim.paging import Cursor
from scim.protocol import ScimContext, ScimRequest, ScimResponse, ScimSettings
from seats import errors as domain
from seats.orgs import create_org
from seats.storage.database import Database
from tests.scim.support import SEAT, patch_body, user_payload


@pytest.fixture
async def context(database_url: str) -> AsyncIterator[ScimContext]:
    database = Database(database_url)
    async with database.transaction() as conn:
        org = await create_org(conn, name="Core", seat_limit=1)
    yield ScimContext(database, ScimSettings(base_url="https://gw.example/scim/v2"), org.id)
    await database.dispose()


def _request(body: object = None, **params: str) -> ScimRequest:
    return ScimRequest(body=body, params=params)


async def test_create_user_is_a_plain_function_of_request_and_context(
    context: ScimContext,
) -> None:
    first = await users.create_user(_request(user_payload("a@x.example")), context)
    assert first.status == 201
    assert first.headers["Location"] == f"https://gw.example/scim/v2/Users/{first.body['id']}"
    second = await users.create_user(_request(user_payload("b@x.example")), context)
    assert second.status == 201
    assert second.body is not None and second.body[SEAT]["seatStatus"] == "over_limit"


async def test_patch_and_get_are_plain_functions_too(context: ScimContext) -> None:
    created = await users.create_user(_request(user_payload("p@x.example")), context)
    assert created.body is not None
    user_id = created.body["id"]
    patch = patch_body({"op": "Replace", "path": "displayName", "value": "P"})
    patched = await users.patch_user(_request(patch, id=user_id), context)
    assert patched.status == 200 and patched.headers["ETag"] == 'W/"2"'
    read = await users.get_user(_request(id=user_id), context)
    assert read.body is not None and read.body["displayName"] == "P"
    missing = await errors.guarded(users.get_user, _request(id="nope"), context)
    assert missing.status == 404 and missing.body is not None
    assert missing.body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_domain_errors_map_to_rfc_7644_statuses_and_scim_types() -> None:
    cases = [
        (domain.NotFound("x"), "404", None),
        (domain.Conflict("x"), "409", "uniqueness"),
        (domain.VersionMismatch("x"), "412", None),
        (domain.InvalidValue("x"), "400", "invalidValue"),
        (InvalidFilterException(detail="x"), "400", "invalidFilter"),
    ]
    for exc, status, scim_type in cases:
        body = errors.response_for(exc).body
        assert body is not None
        assert body["status"] == status and body.get("scimType") == scim_type, exc


def test_validation_errors_keep_the_scim_type_pydantic_implies() -> None:
    with pytest.raises(ValidationError) as structure:
        User.model_validate({"userName": "x", "unknownThing": 1}, scim_ctx=None)
    body = errors.response_for(structure.value).body
    assert body is not None and body["scimType"] == "invalidSyntax"
    with pytest.raises(ValidationError) as value:
        User.model_validate({"userName": "x", "active": "maybe"})
    body = errors.response_for(value.value).body
    assert body is not None and body["scimType"] == "invalidValue" and "active" in body["detail"]


async def test_an_unexpected_exception_is_logged_and_answered_as_a_500_scim_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(request: ScimRequest, context: ScimContext) -> ScimResponse:
        raise RuntimeError("bug")

    with caplog.at_level(logging.ERROR, logger="seatgate.scim"):
        response = await errors.guarded(broken, _request(), None)  # type: ignore[arg-type]
    assert response.status == 500 and response.body is not None
    assert response.body["status"] == "500"
    assert "bug" not in response.body["detail"]
    assert any("unhandled" in record.message for record in caplog.records)


def test_a_cursor_round_trips_and_is_url_safe() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    for value in ("bjensen", None, True, 3, when):
        cursor = Cursor("userName:a", value, when, "id-1")
        text = cursor.encode()
        assert text.replace("-", "").replace("_", "").isalnum()
        assert Cursor.decode(text, "userName:a") == cursor
