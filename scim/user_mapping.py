"""SCIM User <-> domain member: where SCIM types stop (STYLE, "One request, end to end").

In: a payload is validated by scim2-models in its RFC 7644 §3.2 context with the IdP
tolerances of `scim.schemas.POLICY`, then mapped to a `MemberDraft`: promoted columns (userName,
active, externalId, displayName, name, primary-or-first email, userType) plus `resource`, the
canonical SCIM JSON without what the server owns (id, meta, groups, the seat extension) and
without `password` (seatgate authenticates nobody; RFC 7643 §4.1.1 writeOnly, never returned).

Out: the stored resource plus id, meta (RFC 7643 §3.1), the read-only seat extension from the
member's seat status, and `groups` when the caller looked them up (RFC 7643 §4.1.2).
"""

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from scim2_models import (
    Context,
    GroupMembership,
    InvalidSyntaxException,
    InvalidValueException,
    Meta,
    Name,
    ResponseParameters,
    User,
)

from scim.booleans import check_user_booleans
from scim.normalizations import Normalized, Quirk
from scim.protocol import ScimSettings
from scim.responses import etag
from scim.schemas import (
    ENTERPRISE_SCHEMA,
    POLICY,
    SEAT_SCHEMA,
    USER_SCHEMA,
    Email,
    SeatUser,
    UserResource,
)
from seats.model import Member, MemberDraft

KNOWN_SCHEMAS = frozenset(s.lower() for s in (USER_SCHEMA, ENTERPRISE_SCHEMA, SEAT_SCHEMA))
# The widths of seats' stored member columns: longer values are refused, not truncated.
_LIMITS = {
    "userName": 512,
    "externalId": 512,
    "displayName": 512,
    "name.givenName": 512,
    "name.familyName": 512,
    "emails.value": 512,
    "userType": 200,
}
# Read-only attributes a client that PUTs back what it read (Okta) sends; they are ignored.
_READ_ONLY_ECHOED = frozenset({"id", "meta", "groups"})
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# The order scim2-models dumps a User's attributes in (its fields'), the extensions last.
_DUMP_ORDER = tuple(
    field.serialization_alias or name for name, field in UserResource.model_fields.items()
)
_DATETIME = TypeAdapter(datetime)


def unstorable(value: Any) -> bool:
    """Whether a JSON value holds a string no database stores (NUL, lone surrogates).

    Iterative, so a deeply nested body cannot exhaust the stack."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item) is not None:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def check_schemas(payload: Any, core: str = USER_SCHEMA) -> None:
    """Refuse a `schemas` list naming a schema this endpoint does not serve (RFC 7643 §3).

    scim2-models' tolerant policy would drop unknown extension URNs with their attributes;
    an unknown *schema* means a wrong resource or endpoint, so it is refused here.
    """
    if not isinstance(payload, dict):
        raise InvalidSyntaxException(detail="the body must be a JSON object")
    schemas = payload.get("schemas")
    if schemas is None:
        return
    if not isinstance(schemas, list) or not all(isinstance(s, str) for s in schemas):
        raise InvalidSyntaxException(detail="schemas must be a list of schema URIs")
    unknown = [s for s in schemas if s.lower() not in KNOWN_SCHEMAS]
    if unknown:
        raise InvalidValueException(detail=f"unknown schema(s) for a User: {', '.join(unknown)}")
    if core.lower() not in (s.lower() for s in schemas):
        raise InvalidValueException(detail=f"schemas must contain {core}")


def user_from_payload(payload: Any, scim_ctx: Context) -> tuple[User[Any], Normalized]:
    """Validate a POST or PUT body (RFC 7644 §3.3, §3.5.1); read-only values are ignored.
    Returns the user and the IdP quirks it took."""
    check_schemas(payload)
    normalized = Normalized({Quirk.ENTRA_STRING_BOOLEANS: check_user_booleans(payload)})
    if payload.get("schemas") is None:
        # Tolerated on input (check_schemas), but the response is dumped from this model and
        # scim2-models refuses a User without its base schema there: after the write had
        # committed, a 400 answered a stored member.
        payload = {**payload, "schemas": [USER_SCHEMA]}
    user = UserResource.model_validate(payload, scim_ctx=scim_ctx, scim_policy=POLICY)
    if scim_ctx is Context.RESOURCE_REPLACEMENT_REQUEST and any(
        key.lower() in _READ_ONLY_ECHOED for key in payload
    ):
        normalized[Quirk.PUT_READ_ONLY_IGNORED] += 1
    return user, +normalized


def user_from_member(member: Member) -> User[Any]:
    """The stored resource as a model (DEFAULT context: it was validated when written). A
    member who joined outside SCIM (an accepted invite) has no stored resource: SCIM shows its
    columns, so that the IdP finds it by userName and a PATCH applies to what it shows."""
    if not member.resource:
        return _user_from_columns(member)
    return UserResource.model_validate(member.resource, scim_policy=POLICY)


def _user_from_columns(member: Member) -> User[Any]:
    named = member.given_name is not None or member.family_name is not None
    return UserResource(
        user_name=member.user_name,
        external_id=member.external_id,
        display_name=member.display_name,
        name=Name(given_name=member.given_name, family_name=member.family_name) if named else None,
        emails=[Email(value=member.email, primary=True)] if member.email else None,
        user_type=member.user_type,
        active=member.active,
    )


def _primary_email(user: User[Any]) -> str | None:
    emails = [e for e in user.emails or [] if e.value]
    chosen = next((e for e in emails if e.primary), emails[0] if emails else None)
    return str(chosen.value) if chosen else None


def draft_from_user(user: User[Any]) -> MemberDraft:
    """The domain draft for a validated User; SCIM `active` is passed on as the IdP said it."""
    user_name = (user.user_name or "").strip()
    if not user_name:
        raise InvalidValueException(detail="userName is required and cannot be blank")
    email = _primary_email(user)
    columns = {
        "userName": user.user_name,
        "externalId": user.external_id,
        "displayName": user.display_name,
        "name.givenName": user.name.given_name if user.name else None,
        "name.familyName": user.name.family_name if user.name else None,
        "emails.value": email,
        "userType": user.user_type,
    }
    for attribute, value in columns.items():
        if value is not None and len(value) > _LIMITS[attribute]:
            raise InvalidValueException(
                detail=f"{attribute} is longer than {_LIMITS[attribute]} characters"
            )
    resource = canonical_resource(user)
    if unstorable(resource):
        raise InvalidValueException(detail="strings cannot hold NUL or unpaired surrogates")
    return MemberDraft(
        user_name=user.user_name or "",
        active=True if user.active is None else user.active,
        external_id=user.external_id,
        display_name=user.display_name,
        given_name=columns["name.givenName"],
        family_name=columns["name.familyName"],
        email=email,
        user_type=user.user_type,
        resource=resource,
    )


def canonical_resource(user: User[Any]) -> dict[str, Any]:
    """What the IdP owns, as JSON: a replacement-request dump drops every readOnly attribute
    (id, meta, groups, the seat extension); `password` is dropped explicitly."""
    resource = user.model_dump(scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=POLICY)
    resource.pop("password", None)
    schemas = resource.get("schemas")
    if isinstance(schemas, list) and SEAT_SCHEMA in schemas:
        schemas.remove(SEAT_SCHEMA)
    return resource


def location(settings: ScimSettings, member_id: str) -> str:
    return f"{settings.base_url}/Users/{member_id}"


def user_body(
    member: Member,
    settings: ScimSettings,
    scim_ctx: Context,
    *,
    params: ResponseParameters[Any] | None = None,
    groups: Sequence[tuple[str, str]] | None = None,
    user: User[Any] | None = None,
) -> dict[str, Any]:
    """The SCIM User for `member`, dumped in the response context `scim_ctx` (RFC 7644 §3.9
    attributes/excludedAttributes applied).

    `user`: the caller holds the model the member was just written from, so the member's
    `resource` is that model's canonical dump; with no attributes to select, the answer is
    that JSON plus what the server owns, without dumping the model again (a model dump with
    its assignments costs about 0.5 ms; tests/scim/test_user_body.py holds both equal)."""
    selects = params is not None and (params.attributes or params.excluded_attributes)
    if user is not None and groups is None and not selects:
        return _written_body(member, settings)
    user = user_from_member(member) if user is None else user
    user.id = member.id
    user.meta = Meta(
        resource_type="User",
        created=member.created_at,
        last_modified=member.updated_at,
        location=location(settings, member.id),
        version=etag(member.version),
    )
    user[SeatUser] = SeatUser(
        seat_status=member.seat_status.value, over_limit_since=member.over_limit_since
    )
    user.groups = (
        [
            GroupMembership(
                value=group_id,
                display=display,
                ref=f"{settings.base_url}/Groups/{group_id}",
                type="direct",
            )
            for group_id, display in groups
        ]
        if groups
        else None
    )
    if SEAT_SCHEMA not in user.schemas:
        user.schemas = [*user.schemas, SEAT_SCHEMA]
    return user.model_dump(scim_ctx=scim_ctx, response_parameters=params, scim_policy=POLICY)


def _written_body(member: Member, settings: ScimSettings) -> dict[str, Any]:
    """`user_body` from the canonical resource: the same keys, values and order."""
    seat: dict[str, Any] = {"seatStatus": member.seat_status.value}
    if member.over_limit_since is not None:
        seat["overLimitSince"] = _DATETIME.dump_python(member.over_limit_since, mode="json")
    schemas = member.resource["schemas"]
    parts: dict[str, Any] = {
        **member.resource,
        "schemas": schemas if SEAT_SCHEMA in schemas else [*schemas, SEAT_SCHEMA],
        "id": member.id,
        "meta": {
            "resourceType": "User",
            "created": _DATETIME.dump_python(member.created_at, mode="json"),
            "lastModified": _DATETIME.dump_python(member.updated_at, mode="json"),
            "location": location(settings, member.id),
            "version": etag(member.version),
        },
        SEAT_SCHEMA: seat,
    }
    return {key: parts[key] for key in _DUMP_ORDER if key in parts}
