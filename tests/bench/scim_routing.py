"""What routing a SCIM request costs: `python -m tests.bench.scim_routing [calls] [rounds]`.

The real app's router resolving four SCIM requests (POST /Users, GET /Users/{id},
PATCH /Groups/{id}, GET /Users), in-process, each checked to reach its SCIM route. Prints
microseconds of CPU per resolve (process time, so the other processes on a busy machine do not
count), the best of `rounds`.
"""

import asyncio
import sys
import tempfile
import time

from aiohttp.test_utils import make_mocked_request

from gateway.app import create_app
from gateway.config import Settings

USER = "2819c223-7f76-453a-919d-413861904646"
REQUESTS = [
    ("POST", "/scim/v2/Users"),
    ("GET", f"/scim/v2/Users/{USER}"),
    ("PATCH", f"/scim/v2/Groups/{USER}"),
    ("GET", "/scim/v2/Users"),
]


async def _measure(directory: str, calls: int, rounds: int) -> None:
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{directory}/bench.db"))
    app.freeze()
    requests = [make_mocked_request(method, path, app=app) for method, path in REQUESTS]
    for request in requests:
        match = await app.router.resolve(request)
        assert match.http_exception is None, request.path
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(calls):
            for request in requests:
                await app.router.resolve(request)
        best = min(best, (time.process_time() - started) / (calls * len(requests)) * 1e6)
    print(f"{best:.2f} us per resolve (best of {rounds} x {calls} x {len(requests)})")


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(_measure(directory, calls, rounds))


if __name__ == "__main__":
    main()
