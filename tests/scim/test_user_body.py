"""The answer to a create or replace is built from the JSON just written (scim/user_mapping.py
`user_body` with `user`): it must be, key for key and in the same order, what scim2-models
dumps for the stored member, as a GET answers it (RFC 7644 §3.3: the created resource)."""

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from scim2_models import Context

from scim import user_mapping
from scim.protocol import ScimSettings
from scim.schemas import POLICY
from scim.users import USER_PATCH
from seats.model import Member, SeatStatus
from tests.scim.support import ENTERPRISE, USER, user_payload

SETTINGS = ScimSettings(base_url="https://gateway.example/scim/v2")
CREATED = datetime(2026, 12, 6, 19, 0, 0, 123456, tzinfo=UTC)

PAYLOADS = {
    "okta": user_payload(
        "ann@example.test",
        externalId="00u1a2b3c4",
        name={"givenName": "Ann", "familyName": "Lee"},
        displayName="Ann Lee",
        emails=[{"value": "ann@example.test", "type": "work", "primary": True}],
    ),
    "entra with the enterprise extension": {
        "schemas": [USER, ENTERPRISE],
        "userName": "bo@example.test",
        "active": "True",
        "externalId": "bo",
        "name": {"formatted": "Bo Ek", "givenName": "Bo", "familyName": "Ek"},
        "title": "Engineer",
        "preferredLanguage": "sv-SE",
        "emails": [{"value": "bo@example.test", "type": "work", "primary": True}],
        "addresses": [{"type": "work", "locality": "Lund", "country": "SE", "primary": True}],
        ENTERPRISE: {"employeeNumber": "42", "department": "R&D", "manager": {"value": "m-1"}},
    },
    "every multi-valued attribute, a password and no schemas": {
        "userName": "cy@example.test",
        "password": "never returned",
        "nickName": "cy",
        "userType": "Contractor",
        "locale": "en-GB",
        "timezone": "Europe/London",
        "phoneNumbers": [{"value": "+44 20 7946 0000", "type": "work"}],
        "ims": [{"value": "cy", "type": "xmpp"}],
        "photos": [{"value": "https://photos.example/cy.jpg", "type": "photo"}],
        "entitlements": [{"value": "beta"}],
        "roles": [{"value": "admin", "primary": True}],
        "x509Certificates": [{"value": "TUlJRA=="}],
    },
}
SEATS = {
    "active": (SeatStatus.ACTIVE, None),
    "over the limit": (SeatStatus.OVER_LIMIT, CREATED.replace(microsecond=0)),
    "another offset": (
        SeatStatus.OVER_LIMIT,
        CREATED.astimezone(timezone(timedelta(hours=2))),
    ),
}


def _member(resource: dict[str, Any], status: SeatStatus, since: datetime | None) -> Member:
    return Member(
        id="5f0c7a9e",
        org_id="org",
        user_name="ignored here",
        active=True,
        seat_status=status,
        exempt=False,
        external_id=None,
        display_name=None,
        given_name=None,
        family_name=None,
        email=None,
        user_type=None,
        over_limit_since=since,
        resource=resource,
        version=3,
        created_at=CREATED,
        updated_at=since or CREATED,
    )


@pytest.mark.parametrize("seat", SEATS.values(), ids=SEATS.keys())
@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
@pytest.mark.parametrize(
    "request_ctx, response_ctx",
    [
        (Context.RESOURCE_CREATION_REQUEST, Context.RESOURCE_CREATION_RESPONSE),
        (Context.RESOURCE_REPLACEMENT_REQUEST, Context.RESOURCE_REPLACEMENT_RESPONSE),
    ],
    ids=["create", "replace"],
)
def test_the_written_answer_is_what_a_get_of_the_member_answers(
    payload: dict[str, Any],
    seat: tuple[SeatStatus, datetime | None],
    request_ctx: Context,
    response_ctx: Context,
) -> None:
    user, _ = user_mapping.user_from_payload(payload, request_ctx)
    member = _member(user_mapping.draft_from_user(user).resource, *seat)
    written = user_mapping.user_body(member, SETTINGS, response_ctx, user=user)
    read = user_mapping.user_body(member, SETTINGS, Context.RESOURCE_QUERY_RESPONSE)
    assert json.dumps(written) == json.dumps(read)
    assert "password" not in written


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_a_patched_users_answer_is_what_a_get_of_the_member_answers(
    payload: dict[str, Any],
) -> None:
    stored, _ = user_mapping.user_from_payload(payload, Context.RESOURCE_CREATION_REQUEST)
    before = _member(user_mapping.draft_from_user(stored).resource, SeatStatus.ACTIVE, None)
    user = user_mapping.user_from_member(before)
    operations = [
        {"op": "replace", "path": "active", "value": False},
        {"op": "add", "path": "title", "value": "Former"},
    ]
    patch = USER_PATCH.model_validate(
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations},
        scim_ctx=Context.RESOURCE_PATCH_REQUEST,
        scim_policy=POLICY,
    )
    assert patch.patch(user, scim_policy=POLICY)
    member = _member(user_mapping.draft_from_user(user).resource, SeatStatus.DEACTIVATED, None)
    written = user_mapping.user_body(member, SETTINGS, Context.RESOURCE_PATCH_RESPONSE, user=user)
    read = user_mapping.user_body(member, SETTINGS, Context.RESOURCE_QUERY_RESPONSE)
    assert json.dumps(written) == json.dumps(read)
    assert written["active"] is False and written["title"] == "Former"
