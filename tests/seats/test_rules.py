"""The pure seat rules: what counts, how many waiting members free seats take, and whose seats
a capacity cut takes back. No database: values in, answers out."""

from datetime import UTC, datetime, timedelta

from seats.rules import Holder, Usage, is_cut, newest_to_demote, seats_to_promote

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_pending_invites_count_as_used_seats() -> None:
    usage = Usage(active=3, over_limit=1, pending_invites=2, capacity=6)
    assert (usage.used, usage.free) == (5, 1)
    assert Usage(active=7, over_limit=0, pending_invites=0, capacity=5).free == 0
    assert Usage(active=7, over_limit=0, pending_invites=0, capacity=None).free is None


def test_free_seats_go_to_as_many_waiting_members_as_they_can_seat() -> None:
    assert seats_to_promote(Usage(active=3, over_limit=4, pending_invites=0, capacity=5)) == 2
    assert seats_to_promote(Usage(active=5, over_limit=4, pending_invites=0, capacity=5)) == 0
    # Nobody waiting: nothing to do, whatever is free.
    assert seats_to_promote(Usage(active=1, over_limit=0, pending_invites=0, capacity=5)) == 0
    # Unlimited: every waiting member.
    assert seats_to_promote(Usage(active=1, over_limit=3, pending_invites=0, capacity=None)) is None


def test_a_cut_takes_seats_from_the_newest_holders_members_and_invites_alike() -> None:
    ann = Holder("ann", T0)
    invite = Holder("inv", T0 + timedelta(days=2), is_invite=True)
    bo = Holder("bo", T0 + timedelta(days=1))
    cy = Holder("cy", T0 + timedelta(days=3))

    assert newest_to_demote([ann, bo, cy, invite], 2) == [cy, invite]
    assert newest_to_demote([ann, bo, cy, invite], 3) == [cy, invite, bo]
    assert newest_to_demote([ann, bo], 0) == []


def test_only_fewer_seats_than_now_is_a_cut() -> None:
    assert is_cut(10, 5)
    assert is_cut(None, 5)  # unlimited to a number
    assert not is_cut(5, 10)
    assert not is_cut(5, None)
    assert not is_cut(5, 5)
