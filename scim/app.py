"""The SCIM 2.0 sub-application mounted at /scim/v2: a thin aiohttp adapter over the core.

Per request, in order (RFC 7644 §2 and §3.12 for the statuses):
0. a request URI longer than `MAX_URI_BYTES` is 414 (RFC 9110 §15.5.15) with a SCIM body;
1. `Authorization: Bearer <token>` resolves to an organization (401 + `WWW-Authenticate`,
   RFC 6750 §3, when missing or unknown; 429 + `Retry-After`, before any lookup, while the
   caller's address backs off after unknown tokens);
2. a token bucket per bearer token (429 + `Retry-After`, RFC 6585 §4);
3. the route: aiohttp's router over scim/routes.py; a path it matched to no route gets a second
   look in the routes' spelling (`/users/2819c223/`), and is then 404, or 405 with `Allow`;
4. for a body: the media type (application/scim+json, RFC 7644 §3.1, or application/json;
   415 otherwise: RFC 7644 defines no scimType for it, so the error carries none), the size
   (413 past `max_body_bytes`, from Content-Length and from the bytes read), and JSON syntax
   (400 invalidSyntax);
5. the operation `(ScimRequest, ScimContext) -> ScimResponse`, its errors mapped by
   scim/errors.py. Every body leaves as application/scim+json.
An error answered once the org is known is written to the org's SCIM error log (scim/error_log.py);
every answer once the token is known is counted in its connection's telemetry (scim/telemetry.py).
"""

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog
from aiohttp import web

from scim.error_log import error_of, log_errors
from scim.errors import MEDIA_TYPE, error_response, guarded, storage_unavailable
from scim.keys import (
    CONNECTION,
    DATABASE,
    NORMALIZED,
    ORG_FOR_TOKEN,
    ORG_ID,
    RATE_LIMITER,
    REROUTED,
    SETTINGS,
    TokenLookup,
    TokenThrottled,
)
from scim.protocol import Operation, ScimContext, ScimRequest, ScimResponse, ScimSettings
from scim.rate_limit import RateLimiter
from scim.routes import add_routes, canonical_path
from scim.telemetry import ConnectionTelemetry
from scim.user_mapping import unstorable
from seats.json_input import InvalidJson, JsonProblem, read_json
from seats.storage.database import Database
from seats.storage.failures import is_storage_failure

log = logging.getLogger("seatgate.scim")

ACCEPTED_MEDIA_TYPES = frozenset({MEDIA_TYPE, "application/json"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Longer request URIs are 414. aiohttp's parser refuses a request line past its own
# `max_line_size` (8190 bytes by default) with a plain-text 400 before any application code
# runs, so this limit sits below it, and `seatgate serve` raises the parser's limit well
# above it (gateway/cli.py PARSER_MAX_LINE_BYTES): URIs between the two get this SCIM 414.
MAX_URI_BYTES = 8000

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_NOTHING_NORMALIZED: dict[Any, int] = {}


def create_scim_app(
    database: Database,
    settings: ScimSettings,
    *,
    org_for_token: TokenLookup,
    telemetry: ConnectionTelemetry,
) -> web.Application:
    """The caller runs `telemetry.lifecycle` (its flushes need the database open)."""
    counting = count_for_connections(telemetry)
    app = web.Application(
        middlewares=[log_errors, counting, _scim_errors, _uri_length, _authenticate, _unrouted]
    )
    app[DATABASE] = database
    app[SETTINGS] = settings
    app[ORG_FOR_TOKEN] = org_for_token
    app[RATE_LIMITER] = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
    add_routes(app.router, _handle)
    return app


def to_web_response(response: ScimResponse) -> web.Response:
    headers = dict(response.headers)
    if response.body is None:
        return web.Response(status=response.status, headers=headers)
    text = json.dumps(response.body, separators=(",", ":"), ensure_ascii=False)
    return web.Response(
        status=response.status,
        body=text.encode(),
        headers={**headers, "Content-Type": MEDIA_TYPE + "; charset=utf-8"},
    )


def _error(
    status: int, detail: str, scim_type: str | None = None, headers: dict[str, str] | None = None
) -> web.Response:
    return to_web_response(error_response(status, detail, scim_type, headers=headers))


@web.middleware
async def _scim_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Nothing leaves the SCIM sub-app but an RFC 7644 body: a storage failure (in the token
    lookup, say) is 503, a bug is logged and 500."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _error(exc.status, exc.reason)
    except Exception as exc:
        if is_storage_failure(exc):
            return to_web_response(storage_unavailable(exc))
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _error(500, "the gateway failed to handle this request")


def count_for_connections(telemetry: ConnectionTelemetry) -> Any:
    """The middleware that counts every answer to a known token, errors and 429s included,
    for its connection (the telemetry is bound here: no app lookup per request)."""

    @web.middleware
    async def count_for_connection(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        connection = request.get(CONNECTION)
        if connection is not None:
            status = response.status
            telemetry.observe(
                connection.token_id,
                connection.org_id,
                user_agent=request.headers.get("User-Agent", ""),
                query_string=request.query_string,
                status=status,
                scim_type=error_of(response)[0] if status >= 400 else None,
                normalized=request.get(NORMALIZED, _NOTHING_NORMALIZED),
            )
        return response

    return count_for_connection


@web.middleware
async def _uri_length(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A URI too long to be a SCIM request is refused before the token is even looked up."""
    if len(request.raw_path.encode()) > MAX_URI_BYTES:
        return _error(
            414,
            f"the request URI is longer than {MAX_URI_BYTES} bytes: "
            "send long filters with POST /.search",
        )
    return await handler(request)


@web.middleware
async def _authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Bearer token -> organization (RFC 7644 §2), then the per-token rate limit."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return _error(
            401,
            "send Authorization: Bearer <SCIM token>",
            headers={"WWW-Authenticate": 'Bearer realm="seatgate"'},
        )
    connection = await request.app[ORG_FOR_TOKEN](token, request.remote)
    if isinstance(connection, TokenThrottled):
        return _error(
            429,
            "too many unknown tokens from this address; retry later",
            headers={"Retry-After": str(connection.retry_after_seconds)},
        )
    if connection is None:
        return _error(
            401,
            "the bearer token is unknown or revoked",
            headers={"WWW-Authenticate": 'Bearer realm="seatgate", error="invalid_token"'},
        )
    request[CONNECTION] = connection
    # Every line logged for the rest of the request names the token's org (gateway/logs.py).
    structlog.contextvars.bind_contextvars(org_id=connection.org_id)
    limiter = request.app[RATE_LIMITER]
    if not await limiter.admit(token):
        return _error(
            429,
            "too many requests for this token; retry later",
            headers={"Retry-After": limiter.retry_after},
        )
    request[ORG_ID] = connection.org_id
    return await handler(request)


@web.middleware
async def _unrouted(request: web.Request, handler: Handler) -> web.StreamResponse:
    """What aiohttp's router did not match, innermost so the token is checked first as for
    any request: a path spelled otherwise than its route (scim/routes.py) runs that route,
    anything else is a SCIM 404, or 405 with `Allow` (RFC 9110 §15.5.6)."""
    match = request.match_info
    if match.http_exception is None:
        return await handler(request)
    respelled = canonical_path(request.path)
    if isinstance(match.http_exception, web.HTTPNotFound) and respelled != request.path:
        match = await request.app.router.resolve(
            request.clone(rel_url=request.rel_url.with_path(respelled))
        )
        if match.http_exception is None:
            request[REROUTED] = match
            # The access line names the route, as the metrics do (gateway/request_log.py).
            structlog.contextvars.bind_contextvars(route=match.route.resource.canonical)
            return await match.handler(request)
    if isinstance(match.http_exception, web.HTTPMethodNotAllowed):
        allowed = ", ".join(sorted(match.http_exception.allowed_methods))
        return _error(
            405,
            f"{request.method} is not supported on {request.path}; allowed: {allowed}",
            headers={"Allow": allowed},
        )
    return _error(404, f"no SCIM endpoint at {request.path}")


async def _handle(operation: Operation, request: web.Request) -> web.StreamResponse:
    """Run one SCIM operation: the route's segments, the body read and checked, the answer."""
    if unstorable(request.path) or unstorable(dict(request.query)):
        return _error(400, "the URL holds NUL or unpaired surrogate characters", "invalidValue")
    params: Mapping[str, str] = request.get(REROUTED, request.match_info)
    settings = request.app[SETTINGS]
    body: Any = None
    if request.method in _BODY_METHODS:
        parsed = await _read_json(request, settings.max_body_bytes)
        if isinstance(parsed, web.Response):
            return parsed
        body = parsed
    context = ScimContext(database=request.app[DATABASE], settings=settings, org_id=request[ORG_ID])
    scim_request = ScimRequest(
        query=request.query, headers=request.headers, body=body, params=params
    )
    response = await guarded(operation, scim_request, context)
    request[NORMALIZED] = response.normalized
    return to_web_response(response)


async def _read_json(request: web.Request, limit: int) -> Any:
    """The parsed JSON object (seats.json_input's limits), or the 415/413/400 error response
    that says why not."""
    # A client that omits Content-Type is read as JSON; one that names another type is refused.
    if "Content-Type" in request.headers and request.content_type not in ACCEPTED_MEDIA_TYPES:
        return _error(415, f"send the body as {MEDIA_TYPE} (or application/json)")
    try:
        return await read_json(
            request.content.iter_chunked(64 * 1024),
            declared_length=request.content_length,
            max_bytes=limit,
        )
    except InvalidJson as error:
        if error.problem is JsonProblem.TOO_LARGE:
            return _error(413, error.detail)
        scim_type = "invalidValue" if error.problem is JsonProblem.UNSTORABLE else "invalidSyntax"
        return _error(400, error.detail, scim_type)
