"""Plain domain records: what the services return. No SQL, HTTP or SCIM types here."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class SeatStatus(StrEnum):
    ACTIVE = "active"
    OVER_LIMIT = "over_limit"
    PENDING_INVITE = "pending_invite"
    DEACTIVATED = "deactivated"


class SeatPolicy(StrEnum):
    OVER_LIMIT = "over_limit"
    AUTO_EXPAND = "auto_expand"


class WebhookSigning(StrEnum):
    """How an org's alert webhooks are signed (seats/alert_signing.py has the secret's rule)."""

    STANDARD = "standard"  # Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature
    LEGACY = "legacy"  # Seatgate-Signature: t=<unix>,v1=<hex HMAC-SHA256>, for older receivers


DEFAULT_EXEMPT_USER_TYPES = ("Guest", "ServiceAccount")

# The widest `display` stored for a group member; longer ones are refused at the SCIM edge.
MEMBER_DISPLAY_LENGTH = 256


@dataclass(frozen=True)
class Org:
    id: str
    name: str
    seat_limit: int | None
    seat_policy: SeatPolicy
    max_seats: int | None
    exempt_user_types: tuple[str, ...]
    admin_emails: tuple[str, ...]
    webhook_url: str | None
    invite_expiry_days: int
    created_at: datetime
    updated_at: datetime
    stripe_customer_id: str | None = None
    stripe_subscription_id: str | None = None
    # The mass-deprovisioning guard's limits for this org (None: the gateway's defaults).
    deprovision_guard_share: float | None = None
    deprovision_guard_count: int | None = None
    deprovision_guard_window_seconds: int | None = None
    webhook_signing: WebhookSigning = WebhookSigning.STANDARD


@dataclass(frozen=True)
class MemberDraft:
    """What an identity provider (or an admin) says a member is; the seat status is not theirs."""

    user_name: str
    active: bool = True
    external_id: str | None = None
    display_name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    user_type: str | None = None
    # The rest of the SCIM resource, opaque to the domain.
    resource: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Member:
    id: str
    org_id: str
    user_name: str
    active: bool
    seat_status: SeatStatus
    exempt: bool
    external_id: str | None
    display_name: str | None
    given_name: str | None
    family_name: str | None
    email: str | None
    user_type: str | None
    over_limit_since: datetime | None
    resource: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime
    # An admin released this member's seat: it waits over the limit and is not promoted until an
    # admin assigns it a seat again (seats/assignment.py).
    seat_held: bool = False
    # The mass-deprovisioning guard holds this member's deactivation or deletion for an admin
    # (seats/deprovision_guard.py): it keeps its seat, and SCIM no longer shows it.
    deprovision_hold_id: str | None = None


@dataclass(frozen=True)
class Group:
    id: str
    org_id: str
    display_name: str
    external_id: str | None
    resource: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime
    # Its direct members, as the row's counter keeps them (migration 0014).
    member_count: int


@dataclass(frozen=True)
class GroupDraft:
    """What an identity provider says a group is, members aside."""

    display_name: str
    external_id: str | None = None
    # The rest of the SCIM resource, opaque to the domain.
    resource: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MemberRef:
    """One entry of a group's `members`: the member's id, its type, and a name to show."""

    value: str
    type: str
    display: str | None


@dataclass(frozen=True)
class AuditEntry:
    """One line of an org's audit trail: who (`console:<email>`, `admin`, ...) did what."""

    id: int
    actor: str
    action: str
    target: str | None
    detail: dict[str, Any]
    created_at: datetime
