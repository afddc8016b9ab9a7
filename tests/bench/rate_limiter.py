"""What the limiters cost per check, in process: µs of CPU (time.process_time), best of rounds.

    python -m tests.bench.rate_limiter [checks]

Rows: the SCIM per-token limiter (scim/rate_limit.py) admitting a request, round-robin over
50 tokens, which every SCIM request pays; the same limiter refusing one; and the failed-auth
limiter (auth/rate_limit.py) asked about an address and a (credential, address) pair with no
failures, which every authentication pays before its credential is checked. No network and no
database: the figures are the limiters alone. docs/benchmarks.md records what they were before
and after the SCIM limiter moved to aiolimiter.
"""

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable

from auth.rate_limit import FailureLimiter, Limit
from scim.rate_limit import RateLimiter

ROUNDS = 5
TOKENS = [f"sgt_bench_token_{n:02d}" for n in range(50)]


async def _best_of_rounds(checks: int, check: Callable[[int], Awaitable[object]]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        for n in range(checks):
            await check(n)
        best = min(best, (time.process_time() - started) / checks * 1e6)
    return best


async def main(checks: int) -> None:
    admitting = RateLimiter(1e12, 10**9)
    refusing = RateLimiter(1e-6, 1)
    await refusing.admit("spent")
    failures = FailureLimiter({"address": Limit(10, 900), "credential": Limit(5, 900)})
    keys = {"address": "192.0.2.1", "credential": "client_bench@192.0.2.1"}

    async def admit(n: int) -> bool:
        return await admitting.admit(TOKENS[n % 50])

    async def refuse(n: int) -> bool:
        return await refusing.admit("spent")

    async def ask(n: int) -> int | None:
        return failures.retry_after(keys)

    print("| check | µs of CPU per check |")
    print("|---|---|")
    for name, check in (
        ("SCIM limiter admits (50 tokens)", admit),
        ("SCIM limiter refuses", refuse),
        ("failed-auth limiter, no failures (2 keys)", ask),
    ):
        print(f"| {name} | {await _best_of_rounds(checks, check):.2f} |")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000))
