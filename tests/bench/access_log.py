"""What the access log costs per request: `python -m tests.bench.access_log [calls] [rounds]`.

The outermost middleware (gateway/request_log.py: request id, log context, the access line)
around a no-op handler, called in-process on a request routed by the real app to the SCIM
create route, with logging configured as `seatgate serve` does (JSON, level info) writing to
/dev/null. Compared with the same middleware at level warning (no line written: what the id
and the context cost alone). Prints microseconds of CPU per call (process time, so the other
processes on a busy machine do not count), the best of `rounds`.
"""

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import TextIO

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from gateway.app import create_app
from gateway.config import Settings
from gateway.logs import configure_logging
from gateway.request_log import request_log_middleware

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _routed_request(app: web.Application) -> web.Request:
    request = make_mocked_request("POST", "/scim/v2/Users", app=app)
    match_info = await app.router.resolve(request)
    match_info.add_app(app)
    match_info.freeze()
    request._match_info = match_info
    return request


async def _per_call_us(middleware: Handler, request: web.Request, calls: int) -> float:
    response = web.Response(status=201, body=b"{}")

    async def handler(_request: web.Request) -> web.StreamResponse:
        return response

    started = time.process_time()
    for _ in range(calls):
        await middleware(request, handler)
    return (time.process_time() - started) / calls * 1e6


async def _measure(null: TextIO, directory: str, calls: int, rounds: int) -> None:
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{directory}/bench.db"))
    request = await _routed_request(app)
    middleware = request_log_middleware("")
    for level in ("warning", "info"):
        configure_logging(Settings(log_level=level, log_format="json"), null)
        best = min([await _per_call_us(middleware, request, calls) for _ in range(rounds)])
        print(f"level {level}: {best:.1f} us per request (best of {rounds} x {calls})")


def main(calls: int = 20_000, rounds: int = 3) -> None:
    with tempfile.TemporaryDirectory() as directory, open(os.devnull, "w") as null:
        asyncio.run(_measure(null, directory, calls, rounds))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
