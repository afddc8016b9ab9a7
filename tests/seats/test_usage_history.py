"""The seats used per day, walked back from today's count through the ledger's transitions."""

from datetime import date, timedelta

import pytest

from seats.ledger import Reason
from seats.model import SeatStatus
from seats.storage.ledger_store import DayTransitions
from seats.usage_history import seat_change, usage_by_day

ACTIVE, OVER, PENDING, OFF = (
    SeatStatus.ACTIVE,
    SeatStatus.OVER_LIMIT,
    SeatStatus.PENDING_INVITE,
    SeatStatus.DEACTIVATED,
)
TODAY = date(2026, 12, 4)


def _t(
    from_status: SeatStatus | None,
    to_status: SeatStatus | None,
    reason: str = Reason.CHANGED,
    *,
    exempt: bool = False,
    day: date = TODAY,
    count: int = 1,
) -> DayTransitions:
    return DayTransitions(day, from_status, to_status, reason, exempt, count)


@pytest.mark.parametrize(
    ("transition", "change"),
    [
        (_t(None, ACTIVE, Reason.CREATED), 1),
        (_t(None, OVER, Reason.CREATED), 0),
        (_t(None, ACTIVE, Reason.CREATED, exempt=True), 0),  # a guest holds no seat
        (_t(ACTIVE, None, Reason.DELETED), -1),
        (_t(ACTIVE, None, Reason.DELETED, exempt=True), 0),
        (_t(ACTIVE, OFF, Reason.DEACTIVATED), -1),
        (_t(OFF, ACTIVE, Reason.REACTIVATED), 1),
        (_t(OVER, ACTIVE, Reason.PROMOTED), 1),
        (_t(ACTIVE, OVER, Reason.SEAT_RELEASED), -1),
        (_t(None, PENDING, Reason.INVITED), 1),
        (_t(PENDING, None, Reason.INVITE_EXPIRED), -1),
        (_t(PENDING, ACTIVE, Reason.INVITE_ACCEPTED), 0),
        # Exemption changes keep the statuses: the reason says which way the seat went.
        (_t(ACTIVE, ACTIVE, Reason.EXEMPTION_GAINED, exempt=True), -1),
        (_t(OVER, ACTIVE, Reason.EXEMPTION_GAINED, exempt=True), 0),
        (_t(ACTIVE, ACTIVE, Reason.EXEMPTION_LOST), 1),
        (_t(ACTIVE, OVER, Reason.EXEMPTION_LOST), 0),
        (_t(OFF, OFF, Reason.EXEMPTION_GAINED, exempt=True), 0),
        # Read with today's exemption even when the member has since lost it.
        (_t(ACTIVE, ACTIVE, Reason.EXEMPTION_GAINED, exempt=False), -1),
    ],
)
def test_each_transition_moves_the_seats_used_by_what_it_did_to_a_seat(
    transition: DayTransitions, change: int
):
    assert seat_change(transition) == change


def test_the_series_walks_back_from_todays_count_one_day_at_a_time():
    history = [
        _t(None, ACTIVE, Reason.CREATED, day=TODAY - timedelta(days=10), count=3),
        _t(ACTIVE, OFF, Reason.DEACTIVATED, day=TODAY - timedelta(days=4)),
        _t(None, PENDING, Reason.INVITED, day=TODAY),
    ]

    series = usage_by_day(history, used_today=4, today=TODAY, days=12)

    assert [d.day for d in series] == [TODAY - timedelta(days=n) for n in range(11, -1, -1)]
    assert [d.used for d in series] == [1, 4, 4, 4, 4, 4, 4, 3, 3, 3, 3, 4]


def test_a_count_older_than_the_ledger_never_walks_below_zero():
    history = [_t(None, ACTIVE, Reason.CREATED, day=TODAY - timedelta(days=1), count=5)]

    series = usage_by_day(history, used_today=2, today=TODAY, days=3)

    assert [d.used for d in series] == [0, 2, 2]


def test_ninety_days_by_default_ending_today():
    series = usage_by_day([], used_today=7, today=TODAY)

    assert len(series) == 90
    assert series[0].day == TODAY - timedelta(days=89) and series[-1].day == TODAY
    assert {d.used for d in series} == {7}
