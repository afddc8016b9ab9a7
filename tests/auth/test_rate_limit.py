"""The failure limiter: a growing backoff per key that expires on its own, never a lockout."""

import pytest

from auth.rate_limit import FailureLimiter, Limit, address_key
from tests.throttling_support import ManualClock

KEY = {"address": "192.0.2.1"}


def limiter_with(limit: Limit, clock: ManualClock) -> FailureLimiter:
    return FailureLimiter({"address": limit}, clock=clock)


def fail(limiter: FailureLimiter, times: int, keys: dict[str, str] = KEY) -> None:
    for _ in range(times):
        assert limiter.retry_after(keys) is None
        limiter.record_failure(keys)


def test_failures_below_the_count_cost_no_wait() -> None:
    limiter = limiter_with(Limit(3, 900), ManualClock())
    fail(limiter, 2)
    assert limiter.retry_after(KEY) is None


def test_the_wait_starts_at_the_count_and_doubles_with_each_further_failure() -> None:
    clock = ManualClock()
    limiter = limiter_with(Limit(3, 900, first_backoff_seconds=5), clock)
    fail(limiter, 3)
    waits = []
    for _ in range(4):
        wait = limiter.retry_after(KEY)
        assert wait is not None
        waits.append(wait)
        clock.advance(wait - 0.5)
        assert limiter.retry_after(KEY) == 1  # still waiting, half a second left
        clock.advance(0.5)
        fail(limiter, 1)
    assert waits == [5, 10, 20, 40]


def test_the_wait_stops_growing_at_the_longest_backoff() -> None:
    clock = ManualClock()
    limiter = limiter_with(Limit(1, 900, first_backoff_seconds=1, max_backoff_seconds=60), clock)
    for _ in range(12):
        fail(limiter, 1)
        clock.advance(limiter.retry_after(KEY) or 0)
    fail(limiter, 1)
    assert limiter.retry_after(KEY) == 60


def test_refused_attempts_do_not_prolong_the_wait() -> None:
    clock = ManualClock()
    limiter = limiter_with(Limit(2, 900, first_backoff_seconds=10), clock)
    fail(limiter, 2)
    for _ in range(50):
        assert limiter.retry_after(KEY) is not None  # a caller refused; nothing recorded
        clock.advance(0.1)
    clock.advance(5)
    assert limiter.retry_after(KEY) is None


def test_failures_older_than_the_window_stop_counting() -> None:
    clock = ManualClock()
    limiter = limiter_with(Limit(3, 900, first_backoff_seconds=5), clock)
    fail(limiter, 3)
    assert limiter.retry_after(KEY) == 5
    clock.advance(900)
    # The count is back to zero: two more failures are free again.
    fail(limiter, 2)
    assert limiter.retry_after(KEY) is None


def test_each_key_waits_on_its_own_failures_only() -> None:
    clock = ManualClock()
    limiter = FailureLimiter(
        {"address": Limit(5, 900, first_backoff_seconds=5), "pair": Limit(2, 900)}, clock=clock
    )
    fail(limiter, 2, {"address": "192.0.2.1", "pair": "192.0.2.1 c1"})
    assert limiter.retry_after({"address": "192.0.2.1", "pair": "192.0.2.1 c1"}) == 1
    assert limiter.retry_after({"address": "192.0.2.1", "pair": "192.0.2.1 c2"}) is None
    assert limiter.retry_after({"address": "198.51.100.7", "pair": "198.51.100.7 c1"}) is None


def test_a_success_forgets_only_the_keys_it_names() -> None:
    limiter = FailureLimiter({"address": Limit(2, 900), "pair": Limit(2, 900)}, clock=ManualClock())
    fail(limiter, 2, {"address": "192.0.2.1", "pair": "192.0.2.1 c1"})
    limiter.record_success({"pair": "192.0.2.1 c1"})
    assert limiter.retry_after({"pair": "192.0.2.1 c1"}) is None
    assert limiter.retry_after({"address": "192.0.2.1"}) is not None


def test_the_limiter_forgets_keys_rather_than_grow_without_bound() -> None:
    limiter = FailureLimiter({"address": Limit(5, 60)}, max_keys=10, clock=ManualClock())
    for n in range(100):
        limiter.record_failure({"address": f"10.0.0.{n}"})
    assert len(limiter._failures) <= 10


def test_a_limit_whose_longest_wait_outlasts_its_window_is_refused() -> None:
    with pytest.raises(ValueError):
        Limit(3, 60, max_backoff_seconds=120)


@pytest.mark.parametrize(
    ("remote", "key"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        (None, "unknown"),
    ],
)
def test_an_ipv6_host_is_keyed_by_its_64_network(remote: str | None, key: str) -> None:
    assert address_key(remote) == key
