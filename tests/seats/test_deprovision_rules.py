"""The mass-deprovisioning guard's rule (seats/deprovision_rules.py), on values alone."""

from datetime import timedelta

from seats.clock import utcnow
from seats.deprovision_rules import (
    MIN_ALLOWED,
    GuardLimits,
    allowed_deprovisions,
    counting_caps,
    must_hold,
    never_held_below,
)
from seats.model import Org, SeatPolicy

DEFAULTS = GuardLimits()


def test_an_org_may_lose_a_fifth_of_its_members_within_the_window() -> None:
    assert allowed_deprovisions(DEFAULTS, 100) == 20
    assert not must_hold(DEFAULTS, deprovisioned=19, remaining=81, hold_open=False)
    assert must_hold(DEFAULTS, deprovisioned=20, remaining=80, hold_open=False)


def test_a_large_org_is_held_after_500_whatever_its_share() -> None:
    assert allowed_deprovisions(DEFAULTS, 100_000) == 500
    assert must_hold(DEFAULTS, deprovisioned=500, remaining=99_500, hold_open=False)


def test_a_small_org_may_always_lose_a_few() -> None:
    assert allowed_deprovisions(DEFAULTS, 4) == MIN_ALLOWED
    assert not must_hold(DEFAULTS, deprovisioned=3, remaining=1, hold_open=False)


def test_an_explicit_count_below_the_floor_is_kept() -> None:
    strict = GuardLimits(count=2)
    assert allowed_deprovisions(strict, 1000) == 2
    assert must_hold(strict, deprovisioned=2, remaining=998, hold_open=False)


def test_while_a_hold_is_open_every_further_deprovision_joins_it() -> None:
    assert must_hold(DEFAULTS, deprovisioned=0, remaining=1000, hold_open=True)


def test_the_share_is_of_the_members_the_window_began_with() -> None:
    # 50 members: 10 may go; after 9 went, 41 remain and the tenth still goes through.
    assert not must_hold(DEFAULTS, deprovisioned=9, remaining=41, hold_open=False)
    assert must_hold(DEFAULTS, deprovisioned=10, remaining=40, hold_open=False)


def test_an_orgs_overrides_replace_the_defaults_one_by_one() -> None:
    now = utcnow()
    org = Org(
        id="o",
        name="Acme",
        seat_limit=None,
        seat_policy=SeatPolicy.OVER_LIMIT,
        max_seats=None,
        exempt_user_types=(),
        admin_emails=(),
        webhook_url=None,
        invite_expiry_days=7,
        created_at=now,
        updated_at=now,
        deprovision_guard_count=3,
        deprovision_guard_window_seconds=60,
    )
    limits = DEFAULTS.for_org(org)
    assert limits == GuardLimits(share=0.2, count=3, window=timedelta(seconds=60))


def test_counting_stops_only_where_the_counts_no_longer_change_the_answer() -> None:
    for limits in (DEFAULTS, GuardLimits(share=0.5, count=30), GuardLimits(share=0, count=4),
                   GuardLimits(share=1, count=0), GuardLimits(share=1, count=40),
                   GuardLimits(share=0.07, count=13)):  # fmt: skip
        deprovisioned_cap, remaining_cap = counting_caps(limits)
        assert deprovisioned_cap is not None and remaining_cap is not None
        for deprovisioned in range(0, 700, 7):
            for remaining in (*range(1, 400, 3), 2_499, 2_500, 2_501, 2_502, 9_000, 100_000):
                capped_gone = min(deprovisioned, deprovisioned_cap)
                capped_remaining = min(remaining, remaining_cap)
                assert must_hold(
                    limits, deprovisioned=capped_gone, remaining=capped_remaining, hold_open=False
                ) == must_hold(
                    limits, deprovisioned=deprovisioned, remaining=remaining, hold_open=False
                ), (limits, deprovisioned, remaining)


def test_a_limit_past_any_orgs_size_is_counted_in_full() -> None:
    assert counting_caps(GuardLimits(share=0.5, count=10**12)) == (None, None)
    # With a share of 1, the count alone decides: the members need no counting.
    assert counting_caps(GuardLimits(share=1, count=10**12)) == (None, 1)
    assert counting_caps(GuardLimits(share=0.2, count=500)) == (500, 2_501)


def test_fewer_deprovisions_than_never_held_below_go_through_whatever_the_orgs_size() -> None:
    for limits in (DEFAULTS, GuardLimits(share=1, count=40), GuardLimits(share=1, count=3),
                   GuardLimits(share=1, count=0), GuardLimits(share=0.5, count=30),
                   GuardLimits(share=0, count=4)):  # fmt: skip
        below = never_held_below(limits)
        for remaining in (1, 2, 5, 39, 40, 41, 1_000, 100_000):
            for deprovisioned in range(below):
                assert not must_hold(
                    limits, deprovisioned=deprovisioned, remaining=remaining, hold_open=False
                ), (limits, deprovisioned, remaining)
        # The bound is tight: in an org left with the member being deprovisioned, the next is held.
        assert must_hold(limits, deprovisioned=below, remaining=1, hold_open=False), limits


def test_with_a_share_of_one_only_the_count_holds_a_deprovision() -> None:
    assert never_held_below(GuardLimits(share=1, count=10**9)) == 10**9
    assert never_held_below(DEFAULTS) == MIN_ALLOWED
