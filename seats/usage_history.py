"""Seats used per day over the last days, from the seat ledger (pure: no I/O).

The ledger records status transitions, not counts, so the series is walked back from today's
count: the seats used at the end of a day are those at the end of the next day minus that
next day's net change. A seat is held by a non-exempt `active` member or a pending invite
(seats.rules.counted, seats.occupancy).

The ledger does not store exemption. An entry whose reason is `exemption_gained` or
`exemption_lost` changes it (the statuses stay, say `active` -> `active`), so its holder was
non-exempt before and exempt after, or the other way round; every other entry is read with the
member's exemption as stored now (an exempt guest created `None` -> `active` holds no seat).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from seats.ledger import Reason
from seats.model import SeatStatus
from seats.storage.ledger_store import DayTransitions

DAYS = 90


@dataclass(frozen=True)
class DayUsage:
    day: date
    used: int  # at the end of the day (today: now)


def holds_seat(status: SeatStatus | None, *, exempt: bool) -> bool:
    if status is SeatStatus.PENDING_INVITE:
        return True
    return status is SeatStatus.ACTIVE and not exempt


def seat_change(transition: DayTransitions) -> int:
    """What one entry of this transition did to the seats used: -1, 0 or +1."""
    before_exempt = after_exempt = transition.exempt
    if transition.reason == Reason.EXEMPTION_GAINED:
        before_exempt, after_exempt = False, True
    elif transition.reason == Reason.EXEMPTION_LOST:
        before_exempt, after_exempt = True, False
    after = holds_seat(transition.to_status, exempt=after_exempt)
    before = holds_seat(transition.from_status, exempt=before_exempt)
    return int(after) - int(before)


def usage_by_day(
    transitions: Iterable[DayTransitions], *, used_today: int, today: date, days: int = DAYS
) -> list[DayUsage]:
    """The seats used at the end of each of the `days` days up to `today`, oldest first.

    Never below zero: members provisioned before the ledger existed have no entries, and a walk
    back past them would otherwise count negative seats."""
    net: dict[date, int] = defaultdict(int)
    for transition in transitions:
        net[transition.day] += transition.count * seat_change(transition)
    series = []
    used = used_today
    for back in range(days):
        day = today - timedelta(days=back)
        series.append(DayUsage(day, max(used, 0)))
        used -= net.get(day, 0)
    series.reverse()
    return series


def first_day(today: date, days: int = DAYS) -> date:
    """The oldest day of the window; entries from the day after it on move the series."""
    return today - timedelta(days=days - 1)
