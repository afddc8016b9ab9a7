"""What SCIM connection telemetry adds to a request, in process: the counting middleware
around a no-op handler, against the same chain without it, and ConnectionTelemetry.observe
alone. No database is touched on this path (flushes run in the background).

    python -m tests.bench.telemetry_overhead [calls]
"""

import asyncio
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from scim import app as scim_app
from scim.keys import CONNECTION, NORMALIZED, Connection
from scim.normalizations import Quirk
from scim.telemetry import ConnectionTelemetry

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ROUNDS = 3


async def _per_call(calls: int, handler: Handler, request: web.Request) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        await handler(request)
    return (time.perf_counter() - started) / calls * 1e6


async def main(calls: int) -> None:
    telemetry = ConnectionTelemetry(database=None, flush_seconds=3600)  # type: ignore[arg-type]
    app = web.Application()
    counting = scim_app.count_for_connections(telemetry)
    response = web.Response(status=201, body=b"{}")

    async def no_op(request: web.Request) -> web.StreamResponse:
        request[NORMALIZED] = {}
        return response

    headers = {"User-Agent": "Okta SCIM Client 1.0.0", "Authorization": "Bearer x"}
    request = make_mocked_request("POST", "/Users", headers=headers, app=app)
    request[CONNECTION] = Connection(token_id="token-1", org_id="org-1")

    async def with_telemetry(request: web.Request) -> web.StreamResponse:
        return await counting(request, no_op)

    normalized = Counter({Quirk.ENTRA_STRING_BOOLEANS: 1})
    for round_number in range(1, ROUNDS + 1):
        without = await _per_call(calls, no_op, request)
        with_it = await _per_call(calls, with_telemetry, request)
        started = time.perf_counter()
        for _ in range(calls):
            telemetry.observe(
                "token-1",
                "org-1",
                user_agent="python-httpx/0.28",
                query_string="",
                status=200,
                scim_type=None,
                normalized=normalized,
            )
        observe = (time.perf_counter() - started) / calls * 1e6
        print(
            f"round {round_number}: no-op handler {without:.2f} us, with the telemetry "
            f"middleware {with_it:.2f} us (+{with_it - without:.2f} us); observe() with one "
            f"quirk and no IdP User-Agent {observe:.2f} us ({calls:,} calls each)"
        )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000))
