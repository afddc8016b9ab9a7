"""A deadline for request bodies: a body must arrive whole within
`SEATGATE_BODY_READ_TIMEOUT_SECONDS` (default 30) of the request's headers, or the request is
answered 408 and its connection closed. Without it a client that trickles a body a byte at a
time holds a connection, and a handler waiting on it, for as long as it likes (aiohttp has no
such timeout of its own).

The deadline is set on the request's body stream, so every reader - the JSON reader, forms,
Stripe's raw body - is covered without knowing about it: when it passes before the body is
complete, the stream fails with `BodyReadTimeout`. That exception is an HTTP 408 for the error
middlewares (the SCIM sub-app renders it as a SCIM error, the rest as JSON), and a
`TimeoutError` for aiohttp, which then stops draining the rest of the body and closes the
connection instead of waiting for it.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.streams import StreamReader

from gateway.keys import SETTINGS

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BodyReadTimeout(web.HTTPRequestTimeout, TimeoutError):
    """408: the body did not arrive in time. A JSON error body for the non-SCIM endpoints."""

    def __init__(self, seconds: float) -> None:
        detail = f"the request body did not arrive within {seconds:g} seconds"
        super().__init__(
            text=json.dumps({"error": "request_timeout", "detail": detail}),
            content_type="application/json",
            headers={"Connection": "close"},
        )


@web.middleware
async def body_read_deadline(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.body_exists or request.content.is_eof():
        return await handler(request)
    seconds = request.config_dict[SETTINGS].body_read_timeout_seconds
    timer = asyncio.get_running_loop().call_later(seconds, _expire, request.content, seconds)
    try:
        return await handler(request)
    finally:
        timer.cancel()


def _expire(body: StreamReader, seconds: float) -> None:
    # A body received whole (read or not) is not late, whatever the handler does next.
    if not body.is_eof():
        body.set_exception(BodyReadTimeout(seconds))
