"""The per-token limiter: a bucket of `burst` requests refilled at `rate` per second.

aiolimiter reads the event loop's clock, so these run on a real event loop whose clock the test
moves by hand.
"""

import asyncio
from collections.abc import Awaitable, Callable

from scim.rate_limit import RateLimiter


class _ManualClockLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        super().__init__()
        self.now = 1000.0

    def time(self) -> float:
        return self.now


def run_on_manual_clock(scenario: Callable[[_ManualClockLoop], Awaitable[None]]) -> None:
    loop = _ManualClockLoop()
    with asyncio.Runner(loop_factory=lambda: loop) as runner:
        runner.run(scenario(loop))


async def admitted(limiter: RateLimiter, token: str, times: int) -> list[bool]:
    return [await limiter.admit(token) for _ in range(times)]


def test_a_burst_is_admitted_at_once_and_the_next_request_refused() -> None:
    async def scenario(loop: _ManualClockLoop) -> None:
        limiter = RateLimiter(2.0, 3)
        assert await admitted(limiter, "t", 4) == [True, True, True, False]

    run_on_manual_clock(scenario)


def test_the_bucket_refills_at_its_rate() -> None:
    async def scenario(loop: _ManualClockLoop) -> None:
        limiter = RateLimiter(2.0, 2)
        assert await admitted(limiter, "t", 3) == [True, True, False]
        loop.now += 0.4
        assert not await limiter.admit("t")
        loop.now += 0.1  # half a second: one request's worth at 2 per second
        assert await admitted(limiter, "t", 2) == [True, False]
        loop.now += 10  # a long pause refills no more than the burst
        assert await admitted(limiter, "t", 3) == [True, True, False]

    run_on_manual_clock(scenario)


def test_each_token_has_its_own_bucket() -> None:
    async def scenario(loop: _ManualClockLoop) -> None:
        limiter = RateLimiter(1.0, 1)
        assert await admitted(limiter, "a", 2) == [True, False]
        assert await limiter.admit("b")

    run_on_manual_clock(scenario)


def test_retry_after_is_the_time_one_request_takes_to_fit_in_whole_seconds() -> None:
    assert RateLimiter(50.0, 200).retry_after == "1"
    assert RateLimiter(0.25, 2).retry_after == "4"
    assert RateLimiter(0.3, 2).retry_after == "4"


def test_waiting_the_retry_after_is_enough() -> None:
    async def scenario(loop: _ManualClockLoop) -> None:
        limiter = RateLimiter(0.25, 2)
        assert await admitted(limiter, "t", 3) == [True, True, False]
        loop.now += int(limiter.retry_after) - 0.01
        assert not await limiter.admit("t")
        loop.now += 0.01
        assert await limiter.admit("t")

    run_on_manual_clock(scenario)


def test_idle_buckets_are_forgotten_past_the_bound() -> None:
    async def scenario(loop: _ManualClockLoop) -> None:
        limiter = RateLimiter(1.0, 1, max_buckets=2)
        assert await admitted(limiter, "a", 2) == [True, False]
        assert await limiter.admit("b")
        assert await limiter.admit("c")  # the third bucket: the first two are dropped
        assert await limiter.admit("a")

    run_on_manual_clock(scenario)
