"""Domain events: one small frozen record for each thing that happened to a member, a group, an
invite, an org's capacity or an alert.

Use cases record them (`seats.event_log.record`) in the transaction that made the change; the
transaction appends them to the event log just before it commits, and the seat ledger, alert
deliveries and billing pushes are derived from them there (seats/event_log.py). The product reads
the same events from the feed (`GET /directory/v1/events`) and its webhooks: `type` and `data()`
are part of that public contract (docs/product-integration.md).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol

from seats.model import Group, Member, SeatStatus
from seats.profile import emails_of, formatted_name, iso_time


def member_snapshot(member: Member) -> dict[str, Any]:
    """A member as the product sees it in events (the directory API adds seat_reason and
    groups)."""
    name = member.resource.get("name")
    return {
        "id": member.id,
        "user_name": member.user_name,
        "external_id": member.external_id,
        "active": member.active,
        "emails": [
            {"value": e.value, "type": e.type, "primary": e.primary}
            for e in emails_of(member.resource.get("emails"), member.email)
        ],
        "name": {
            "given_name": member.given_name,
            "family_name": member.family_name,
            "formatted": formatted_name(
                name.get("formatted") if isinstance(name, dict) else None,
                member.given_name,
                member.family_name,
            ),
        },
        "display_name": member.display_name,
        "user_type": member.user_type,
        "seat_status": member.seat_status.value,
        "created_at": iso_time(member.created_at),
        "updated_at": iso_time(member.updated_at),
    }


class GroupFacts(Protocol):
    """What a group's public shape is made of (a Group, or the directory's read model)."""

    id: str
    display_name: str
    external_id: str | None
    created_at: datetime
    updated_at: datetime


def group_snapshot(group: GroupFacts) -> dict[str, Any]:
    """A group as the product sees it in events and the directory API."""
    return {
        "id": group.id,
        "display_name": group.display_name,
        "external_id": group.external_id,
        "created_at": iso_time(group.created_at),
        "updated_at": iso_time(group.updated_at),
    }


@dataclass(frozen=True)
class Event:
    """What every event has: the org it happened in. `type` names it in the feed."""

    type: ClassVar[str]
    org_id: str

    def data(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class MemberCreated(Event):
    type: ClassVar[str] = "member.created"
    member: Member

    def data(self) -> dict[str, Any]:
        return member_snapshot(self.member)


@dataclass(frozen=True)
class MemberUpdated(Event):
    type: ClassVar[str] = "member.updated"
    member: Member

    def data(self) -> dict[str, Any]:
        return member_snapshot(self.member)


@dataclass(frozen=True)
class MemberDeleted(Event):
    type: ClassVar[str] = "member.deleted"
    member: Member

    def data(self) -> dict[str, Any]:
        return member_snapshot(self.member)


@dataclass(frozen=True)
class SeatChanged(Event):
    """A member's seat status moved (the seat ledger records one entry for each)."""

    type: ClassVar[str] = "member.seat_changed"
    member_id: str
    seat_status: SeatStatus | None
    previous_seat_status: SeatStatus | None
    reason: str
    actor: str
    # The pending invite whose seat the member took over, if any.
    invite_id: str | None = None

    def data(self) -> dict[str, Any]:
        return {
            "member_id": self.member_id,
            "seat_status": self.seat_status.value if self.seat_status else None,
            "previous_seat_status": (
                self.previous_seat_status.value if self.previous_seat_status else None
            ),
            "reason": self.reason,
            "actor": self.actor,
        }


@dataclass(frozen=True)
class InviteCreated(Event):
    type: ClassVar[str] = "invite.created"
    invite_id: str
    email: str
    reason: str
    actor: str

    def data(self) -> dict[str, Any]:
        return {
            "invite_id": self.invite_id,
            "email": self.email,
            "reason": self.reason,
            "actor": self.actor,
        }


@dataclass(frozen=True)
class InviteResent(Event):
    """A pending invite was given a new expiry (it keeps its seat until then)."""

    type: ClassVar[str] = "invite.resent"
    invite_id: str
    expires_at: datetime
    actor: str

    def data(self) -> dict[str, Any]:
        return {
            "invite_id": self.invite_id,
            "expires_at": iso_time(self.expires_at),
            "actor": self.actor,
        }


@dataclass(frozen=True)
class InviteEnded(Event):
    """A pending invite stopped holding a seat without being accepted: revoked or expired."""

    invite_id: str
    status: str  # "revoked" or "expired"
    reason: str
    actor: str

    @property
    def type(self) -> str:  # type: ignore[override]
        return f"invite.{self.status}"

    def data(self) -> dict[str, Any]:
        return {"invite_id": self.invite_id, "reason": self.reason, "actor": self.actor}


@dataclass(frozen=True)
class GroupCreated(Event):
    type: ClassVar[str] = "group.created"
    group: Group

    def data(self) -> dict[str, Any]:
        return group_snapshot(self.group)


@dataclass(frozen=True)
class GroupUpdated(Event):
    type: ClassVar[str] = "group.updated"
    group: Group

    def data(self) -> dict[str, Any]:
        return group_snapshot(self.group)


@dataclass(frozen=True)
class GroupDeleted(Event):
    type: ClassVar[str] = "group.deleted"
    group: Group

    def data(self) -> dict[str, Any]:
        return group_snapshot(self.group)


@dataclass(frozen=True)
class GroupMembersAdded(Event):
    type: ClassVar[str] = "group.members_added"
    group_id: str
    member_ids: tuple[str, ...]

    def data(self) -> dict[str, Any]:
        return {"group_id": self.group_id, "member_ids": list(self.member_ids)}


@dataclass(frozen=True)
class GroupMembersRemoved(Event):
    type: ClassVar[str] = "group.members_removed"
    group_id: str
    member_ids: tuple[str, ...]

    def data(self) -> dict[str, Any]:
        return {"group_id": self.group_id, "member_ids": list(self.member_ids)}


@dataclass(frozen=True)
class CapacityChanged(Event):
    """The org's seat limit changed. `source`: admin, billing, schedule or auto_expand."""

    type: ClassVar[str] = "org.capacity_changed"
    seat_limit: int | None
    previous_seat_limit: int | None
    source: str
    actor: str

    def data(self) -> dict[str, Any]:
        return {
            "seat_limit": self.seat_limit,
            "previous_seat_limit": self.previous_seat_limit,
            "source": self.source,
            "actor": self.actor,
        }


@dataclass(frozen=True)
class AlertRaised(Event):
    """An alert was raised, or an open one changed enough to tell the admins again."""

    type: ClassVar[str] = "alert.raised"
    alert_id: str
    kind: str
    details: dict[str, Any]

    def data(self) -> dict[str, Any]:
        return {"alert_id": self.alert_id, "kind": self.kind, "details": self.details}


@dataclass(frozen=True)
class DeprovisionHeld(Event):
    """The mass-deprovisioning guard held a deactivation or deletion the IdP asked for: the
    member keeps its seat until an admin confirms or rejects the hold."""

    type: ClassVar[str] = "member.deprovision_held"
    member_id: str
    hold_id: str
    action: str  # "deactivate" or "delete"
    actor: str

    def data(self) -> dict[str, Any]:
        return {
            "member_id": self.member_id,
            "hold_id": self.hold_id,
            "action": self.action,
            "actor": self.actor,
        }


@dataclass(frozen=True)
class DeprovisionHoldResolved(Event):
    """An admin confirmed a hold (its deprovisions applied, with their own events) or
    rejected it (its members stay as they were)."""

    hold_id: str
    state: str  # "confirmed" or "rejected"
    member_ids: tuple[str, ...]
    actor: str

    @property
    def type(self) -> str:  # type: ignore[override]
        return f"deprovision_hold.{self.state}"

    def data(self) -> dict[str, Any]:
        return {"hold_id": self.hold_id, "member_ids": list(self.member_ids), "actor": self.actor}


# Every type the feed can carry, for validating `?types=` and endpoint filters.
EVENT_TYPES = (
    "member.created",
    "member.updated",
    "member.deleted",
    "member.seat_changed",
    "invite.created",
    "invite.resent",
    "invite.revoked",
    "invite.expired",
    "group.created",
    "group.updated",
    "group.deleted",
    "group.members_added",
    "group.members_removed",
    "org.capacity_changed",
    "alert.raised",
    "member.deprovision_held",
    "deprovision_hold.confirmed",
    "deprovision_hold.rejected",
)
