"""The admin API's request bodies (auth/request_bodies.py has the base and the parser).

Each model is both the check a handler runs and the schema /openapi.json publishes. A field
whose rule belongs to the domain (seat numbers, invite addresses, console roles, owner emails)
asks the domain's own validator, so the API answers the domain's sentence.
"""

from functools import partial
from typing import Annotated, Any
from urllib.parse import urlparse

from pydantic import AfterValidator, BeforeValidator, Field

from auth.console_access import parse_role
from auth.model import ConsoleRole
from auth.request_bodies import Body, Says
from seats.billing.owner import validate_owner_email
from seats.billing.purchases import PRICE_LOOKUP_KEYS
from seats.errors import InvalidValue
from seats.event_endpoints import MAX_URL_LENGTH
from seats.invites import MAX_EMAIL_LENGTH, validate_invite
from seats.model import SeatPolicy, WebhookSigning
from seats.orgs import DEFAULT_EXEMPT_USER_TYPES, MAX_SEAT_LIMIT, validate_seat_number

MAX_NAME_LENGTH = 200


def _seat_number(name: str, *, allow_null: bool, minimum: int = 0) -> Any:
    """A seat count checked by seats.orgs.validate_seat_number (its sentence on refusal)."""
    check = partial(validate_seat_number, name, allow_null=allow_null, minimum=minimum)
    number = Annotated[int, Field(ge=minimum, le=MAX_SEAT_LIMIT)]
    return Annotated[
        number | None if allow_null else number,
        BeforeValidator(lambda value: check(value) or value),
    ]


def _http_url(name: str) -> Any:
    def check(value: str) -> str:
        url = urlparse(value)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise InvalidValue(f"{name} must be an http(s) URL")
        return value

    return Annotated[
        str,
        Field(json_schema_extra={"format": "uri"}),
        AfterValidator(check),
        Says(f"{name} must be an http(s) URL"),
    ]


def _non_blank(value: str) -> str:
    if not value.strip():
        raise InvalidValue("name must be a non-empty string of at most 200")
    return value


def _email_addresses(values: tuple[str, ...]) -> tuple[str, ...]:
    if any("@" not in email for email in values):
        raise InvalidValue("admin_emails must be email addresses")
    return values


OrgName = Annotated[
    str,
    Field(min_length=1, max_length=MAX_NAME_LENGTH, description="The organization's name."),
    AfterValidator(_non_blank),
    Says(
        "name must be a non-empty string of at most 200",
        missing="name is required: the organization's display name",
    ),
]
OwnerEmail = Annotated[
    str,
    BeforeValidator(validate_owner_email),
    Field(max_length=320, description="The email of the buyer of a purchase made before the org."),
]


def _strings(name: str, description: str) -> Any:
    return Annotated[
        tuple[str, ...],
        # JSON has no tuples: lists come in, the domain keeps them as tuples.
        BeforeValidator(lambda value: tuple(value) if isinstance(value, list) else value),
        Field(description=description),
        Says(f"{name} must be a list of strings"),
    ]


class OrgSettings(Body):
    """What an admin may change on an org (PATCH); all optional."""

    # Absent means unchanged: no default to publish.
    name: OrgName = Field(None, json_schema_extra=lambda schema: schema.pop("default"))
    seat_limit: _seat_number("seat_limit", allow_null=True) = Field(  # type: ignore[valid-type]
        None, description="Seats the org may use; null for unlimited."
    )
    seat_policy: Annotated[
        SeatPolicy,
        Field(strict=False, description="What happens to a member beyond the limit."),
        Says("seat_policy must be one of: over_limit, auto_expand"),
    ] = SeatPolicy.OVER_LIMIT
    max_seats: _seat_number("max_seats", allow_null=True) = Field(  # type: ignore[valid-type]
        None, description="With auto_expand: how far the limit may grow; null for no cap."
    )
    exempt_user_types: _strings(  # type: ignore[valid-type]
        "exempt_user_types", "SCIM userType values whose members never take a seat."
    ) = DEFAULT_EXEMPT_USER_TYPES
    admin_emails: Annotated[
        _strings("admin_emails", "Who gets the org's alert emails."),  # type: ignore[valid-type]
        AfterValidator(_email_addresses),
    ] = ()
    webhook_url: Annotated[
        _http_url("webhook_url") | None,  # type: ignore[valid-type]
        Field(description="Where alert webhooks are sent; null for none."),
        Says("webhook_url must be an http(s) URL"),
    ] = None
    webhook_secret: Annotated[
        str | None,
        Field(
            description=(
                "The alert webhooks' signing key; with webhook_signing standard, whsec_ and the "
                "base64 of 24 to 64 random bytes. Never shown again."
            )
        ),
        Says("webhook_secret must be a string"),
    ] = None
    webhook_signing: Annotated[
        WebhookSigning,
        Field(
            strict=False,
            description=(
                "How alert webhooks are signed: standard (Standard Webhooks headers) or legacy "
                "(the Seatgate-Signature HMAC of orgs that had a webhook before standard)."
            ),
        ),
        Says("webhook_signing must be one of: standard, legacy"),
    ] = WebhookSigning.STANDARD
    invite_expiry_days: _seat_number(  # type: ignore[valid-type]
        "invite_expiry_days", allow_null=False, minimum=1
    ) = Field(7, description="Days an invite holds its seat.")
    deprovision_guard_share: Annotated[
        Annotated[float, Field(ge=0, le=1)] | None,
        Field(description="The mass-deprovisioning guard's share; null for the gateway's."),
        Says("deprovision_guard_share must be a number from 0 to 1, or null"),
    ] = None
    deprovision_guard_count: Annotated[
        Annotated[int, Field(ge=0, le=10**9)] | None,
        Field(description="The guard's member count; null for the gateway's."),
        Says("deprovision_guard_count must be a whole number from 0, or null"),
    ] = None
    deprovision_guard_window_seconds: Annotated[
        Annotated[int, Field(ge=1, le=10**9)] | None,
        Field(description="The guard's window; null for the gateway's."),
        Says("deprovision_guard_window_seconds must be a whole number from 1, or null"),
    ] = None


class NewOrg(OrgSettings):
    """An org to create: `name` is required."""

    name: OrgName
    owner_email: OwnerEmail | None = None


class NamedSecret(Body):
    """A SCIM token or product client: an optional label."""

    name: Annotated[
        str,
        Field(max_length=MAX_NAME_LENGTH, description="A label for people (not secret)."),
        Says("name must be a string of at most 200 characters"),
    ] = ""


class NewInvite(Body):
    email: Annotated[
        str,
        Field(max_length=MAX_EMAIL_LENGTH, description="The address to invite."),
        BeforeValidator(lambda value: validate_invite(value, None) or value),
        Says("email must be an email address", missing="email is required: the address to invite"),
    ]
    role: Annotated[
        str | None,
        Field(description="A free-form role for the product."),
        BeforeValidator(lambda value: validate_invite("a@b.co", value) or value),
    ] = None


_MemberText = Annotated[
    str,
    Field(min_length=1, max_length=512),
]


class InviteAcceptance(Body):
    user_name: Annotated[
        _MemberText | None,
        Field(description="The member's userName; the invited address when absent."),
        Says("user_name must be a string of 1 to 512 characters"),
    ] = None
    display_name: Annotated[
        _MemberText | None, Says("display_name must be a string of 1 to 512 characters")
    ] = None


class PortalLinkRequest(Body):
    email: Annotated[
        str,
        Field(min_length=1, max_length=MAX_EMAIL_LENGTH, pattern="@"),
        Field(description="The address of the person the link is for."),
        Says("email is required: the address of the person"),
    ]
    role: Annotated[
        ConsoleRole,
        BeforeValidator(parse_role),
        Field(strict=False, description="What the person may change in the console."),
    ] = ConsoleRole.ADMIN


class CapacityChangeRequest(Body):
    seat_limit: Annotated[
        _seat_number("seat_limit", allow_null=True),  # type: ignore[valid-type]
        Field(description="The new seat limit; null for unlimited."),
        Says('send {"seat_limit": <whole number or null>, "effective_at": <ISO 8601 time>}'),
    ]
    effective_at: Annotated[
        str,
        Field(
            description="When, as ISO 8601 with a timezone, in the future.",
            json_schema_extra={"format": "date-time"},
        ),
        Says('send {"seat_limit": <whole number or null>, "effective_at": <ISO 8601 time>}'),
    ]


class Checkout(Body):
    seats: _seat_number("seats", allow_null=False, minimum=1) = Field(  # type: ignore[valid-type]
        description="How many seats to buy."
    )
    interval: Annotated[
        str,
        Field(json_schema_extra={"enum": list(PRICE_LOOKUP_KEYS)}),
        AfterValidator(lambda value: _one_of("interval", value, list(PRICE_LOOKUP_KEYS))),
        Says(f"interval must be one of: {', '.join(PRICE_LOOKUP_KEYS)}"),
    ] = "month"
    success_url: _http_url("success_url")  # type: ignore[valid-type]
    cancel_url: _http_url("cancel_url")  # type: ignore[valid-type]


class OwnerCheckout(Checkout):
    owner_email: Annotated[OwnerEmail, Says("owner_email must be an email address")]


class SeatCount(Body):
    seats: _seat_number("seats", allow_null=False) = Field(  # type: ignore[valid-type]
        description="The seat count to buy on Stripe."
    )


class Attachment(Body):
    owner_email: Annotated[OwnerEmail, Says('send {"owner_email": <the buyer\'s email>}')]


class NewEventEndpoint(Body):
    url: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAX_URL_LENGTH,
            description="Where events are POSTed.",
            json_schema_extra={"format": "uri"},
        ),
        Says(f"url must be a string of 1 to {MAX_URL_LENGTH} characters"),
    ]
    org_id: Annotated[
        str | None,
        Field(description="Only this org's events; null for every org."),
        Says("org_id must be a string (an organization id) or null"),
    ] = None
    types: Annotated[
        list[str] | None,
        Field(description='Only these event types, such as ["member.created"]; null for all.'),
        Says('types must be a list of event types, such as ["member.created"]'),
    ] = None


class Replay(Body):
    after: Annotated[
        str,
        Field(description="The event id to replay after, such as evt_42."),
        Says("after is required: the event id to replay after, such as evt_42"),
    ]


def _one_of(name: str, value: str, allowed: list[str]) -> str:
    if value not in allowed:
        raise InvalidValue(f"{name} must be one of: {', '.join(allowed)}")
    return value
