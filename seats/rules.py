"""The seat rules, as pure functions of values: who gets a seat, who is promoted when seats free
up, who loses one when capacity is cut, and what counts. No I/O here; the use cases (seats/
seating.py, occupancy.py, capacity.py, assignment.py, invites.py) read the values, ask these,
and write what they answer. Tests: tests/seats/test_rules.py.
"""

from dataclasses import dataclass
from datetime import datetime

from seats.model import Member, Org, SeatPolicy, SeatStatus


@dataclass(frozen=True)
class Usage:
    active: int  # non-exempt active members
    over_limit: int
    pending_invites: int  # unexpired
    capacity: int | None  # the seat limit as stored now (None: unlimited)

    @property
    def used(self) -> int:
        """Counted seats: non-exempt active members plus unexpired pending invites."""
        return self.active + self.pending_invites

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.used, 0)


def decide(
    *, used: int, capacity: int | None, policy: SeatPolicy, max_seats: int | None
) -> tuple[SeatStatus, int | None]:
    """A non-exempt member asks for a seat: (status, the capacity to expand to, if any).

    A free seat is taken. Without one, `over_limit` (the member is stored all the same), or under
    `auto_expand` one seat more, up to `max_seats`.
    """
    if capacity is None or used < capacity:
        return SeatStatus.ACTIVE, None
    if policy is SeatPolicy.AUTO_EXPAND:
        grown = max(capacity, used) + 1
        if max_seats is None or grown <= max_seats:
            return SeatStatus.ACTIVE, grown
    return SeatStatus.OVER_LIMIT, None


def is_exempt(org: Org, user_type: str | None) -> bool:
    """Guests and service accounts (the org's exempt user types) never take a seat."""
    return user_type is not None and user_type in org.exempt_user_types


def counted(member: Member) -> bool:
    """Whether the member holds one of the org's seats."""
    return member.seat_status is SeatStatus.ACTIVE and not member.exempt


def seats_to_promote(usage: Usage) -> int | None:
    """How many waiting members the free seats take (None: all of them, capacity unlimited).
    They are taken oldest first: by the time they began waiting for a seat."""
    if usage.over_limit == 0:
        return 0
    return usage.free


@dataclass(frozen=True)
class Holder:
    """A seat holder a capacity cut may take the seat back from: a member or a pending invite,
    with the time it took the seat."""

    id: str
    since: datetime
    is_invite: bool = False


def newest_to_demote(holders: list[Holder], excess: int) -> list[Holder]:
    """A cut takes `excess` seats back from the newest holders, members and invites alike."""
    if excess <= 0:
        return []
    return sorted(holders, key=lambda holder: holder.since, reverse=True)[:excess]


def is_cut(current: int | None, new: int | None) -> bool:
    """Whether going from `current` to `new` seats takes seats away (None: unlimited)."""
    return new is not None and (current is None or new < current)
