"""Per request: its id, the log context every line logged meanwhile carries, and the access line.

The request id comes from `X-Request-Id` when a trusted proxy (`SEATGATE_TRUSTED_PROXIES`)
sends one that is short and plain (so a proxy's or load balancer's id follows the request
through), and is generated otherwise: from anyone else the header is ignored, since a caller
who chose the id could make its requests' lines look like another's. The response echoes it.

Bound with structlog.contextvars for the request's task (gateway/logs.py merges them into every
line): `request_id`, `route` (the route template, as the metrics label it) and `org_id` when
the path names one (admin, directory, console); the SCIM token's org and the console session's
org are bound where they are resolved (scim/app.py, gateway/console/security.py).

The access line is `event="request"` with `method`, `route`, `status`, `duration_ms` and
`bytes` (the body's length; null for a streamed answer, whose length is not known here); at
level debug also the request's `headers`.
"""

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence

import structlog
from aiohttp import web

from gateway.forwarded import is_trusted_proxy
from gateway.keys import REQUESTS_UNDER_WAY
from gateway.metrics import route_template
from gateway.proxy_networks import Network, parse_networks

access_log = logging.getLogger("seatgate.access")
REQUEST_ID_HEADER = "X-Request-Id"
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def request_log_middleware(trusted_proxies: str) -> Handler:
    """The middleware, outermost, for a `SEATGATE_TRUSTED_PROXIES` value (checked already)."""
    trusted = parse_networks(trusted_proxies)

    @web.middleware
    async def request_log(request: web.Request, handler: Handler) -> web.StreamResponse:
        request_id = _request_id(request, trusted)
        route = route_template(request)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id, route=route)
        org_id = request.match_info.get("org_id")
        if org_id is not None:
            structlog.contextvars.bind_contextvars(org_id=org_id)
        started = time.perf_counter()
        under_way = request.config_dict[REQUESTS_UNDER_WAY]
        under_way.count += 1
        status, size = 500, None
        try:
            response = await handler(request)
            status, size = response.status, response.content_length
            response.headers[REQUEST_ID_HEADER] = request_id
            return response
        except web.HTTPException as exc:
            status, size = exc.status, exc.content_length
            exc.headers[REQUEST_ID_HEADER] = request_id
            raise
        finally:
            under_way.count -= 1
            fields = {
                "method": request.method,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                "bytes": size,
            }
            if access_log.isEnabledFor(logging.DEBUG):
                # For debugging an IdP's or a proxy's requests; credentials are masked by
                # their header names (gateway/redaction.py).
                fields["headers"] = dict(request.headers)
            access_log.info("request", extra=fields)

    return request_log  # type: ignore[return-value]


def _request_id(request: web.Request, trusted: Sequence[Network]) -> str:
    offered = request.headers.get(REQUEST_ID_HEADER)
    if (
        offered is not None
        and _ACCEPTABLE_ID.fullmatch(offered)
        and is_trusted_proxy(request.remote, trusted)
    ):
        return offered
    return uuid.uuid4().hex
