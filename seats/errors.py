"""Domain errors. They carry a machine code and a sentence, never an HTTP status:
the edges (scim/, gateway/, auth/) map them to RFC 7644 or JSON error bodies."""

from typing import Any


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, detail: str, **context: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.context = context


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    """A uniqueness rule would be broken (userName, group displayName, invite email...)."""

    code = "conflict"


class VersionMismatch(DomainError):
    """The caller's expected version (SCIM If-Match) is not the stored one."""

    code = "precondition_failed"


class InvalidValue(DomainError):
    """A value is outside what the rule allows; `detail` says what is allowed."""

    code = "invalid_value"


class CannotReduceBelowUsage(DomainError):
    code = "cannot_reduce_below_usage"


class SeatLimitReached(DomainError):
    code = "seat_limit_reached"


class DuplicateInvite(Conflict):
    """The address already has a pending invite, or is already a member."""

    code = "duplicate_invite"


class InviteNotPending(Conflict):
    """The invite was already accepted, revoked or expired."""

    code = "invite_not_pending"


class CursorExpired(DomainError):
    """A feed cursor points before the retention window: events after it were pruned."""

    code = "cursor_expired"
