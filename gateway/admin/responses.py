"""The shapes of the admin and directory APIs' answers, as TypedDicts: the renderers return
them (so a type checker holds the keys to them) and /openapi.json publishes their schemas
(gateway/openapi.py); tests/docs/test_openapi_live.py checks live answers against them.

Times are ISO 8601 strings; ids are opaque strings.
"""

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

Time = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
SeatStatusName = Literal["active", "over_limit", "pending_invite", "deactivated"]
_CLOSED = ConfigDict(extra="forbid")


def page_of(item: type) -> type:
    """`{"data": [item...], "next_cursor"}`, named `<Item>Page` in the document."""
    # Functional syntax: the name is made from the item's.
    page = TypedDict(  # type: ignore[misc]  # noqa: UP013
        f"{item.__name__.removesuffix('Answer')}Page",
        {"data": list[item], "next_cursor": str | None},  # type: ignore[valid-type]
    )
    return with_config(_CLOSED)(page)


@with_config(_CLOSED)
class OrgAnswer(TypedDict):
    id: str
    name: str
    seat_limit: int | None
    seat_policy: Literal["over_limit", "auto_expand"]
    max_seats: int | None
    exempt_user_types: list[str]
    admin_emails: list[str]
    webhook_url: str | None
    webhook_signing: Literal["standard", "legacy"]
    invite_expiry_days: int
    deprovision_guard_share: float | None
    deprovision_guard_count: int | None
    deprovision_guard_window_seconds: int | None
    created_at: Time
    updated_at: Time


@with_config(_CLOSED)
class IssuedScimToken(TypedDict):
    """The token is shown in this answer only."""

    id: str
    token: str
    name: str
    created_at: Time


@with_config(_CLOSED)
class CapacityChangeAnswer(TypedDict):
    id: str
    seat_limit: int | None
    effective_at: Time
    status: str
    source: str
    created_at: Time


@with_config(_CLOSED)
class SeatSummaryAnswer(TypedDict):
    capacity: int | None
    used: int
    available: int | None
    over_limit: int
    pending_invites: int
    exempt: int
    active: int
    deactivated: int
    seat_policy: Literal["over_limit", "auto_expand"]
    max_seats: int | None
    scheduled_changes: list[CapacityChangeAnswer]


@with_config(_CLOSED)
class MemberAnswer(TypedDict):
    id: str
    user_name: str
    display_name: str | None
    email: str | None
    user_type: str | None
    active: bool
    seat_status: SeatStatusName
    exempt: bool
    seat_held: bool
    over_limit_since: Time | None
    created_at: Time
    updated_at: Time


@with_config(_CLOSED)
class ClientAnswer(TypedDict):
    client_id: str
    org_id: str | None
    name: str
    created_at: Time
    revoked_at: Time | None


@with_config(_CLOSED)
class IssuedClient(ClientAnswer):
    """The secret is shown in this answer only."""

    client_secret: str


@with_config(_CLOSED)
class InviteAnswer(TypedDict):
    id: str
    email: str
    role: str | None
    status: Literal["pending", "accepted", "revoked", "expired"]
    expires_at: Time
    member_id: str | None
    created_at: Time


@with_config(_CLOSED)
class PortalLink(TypedDict):
    """A single-use link into the org's console."""

    url: str
    expires_at: Time


@with_config(_CLOSED)
class EventAnswer(TypedDict):
    id: str
    type: str
    org_id: str
    created_at: Time
    data: dict[str, Any]


@with_config(_CLOSED)
class EventFeedPage(TypedDict):
    """`next_cursor` is on every page, the last one too: the next poll starts there."""

    data: list[EventAnswer]
    next_cursor: str
