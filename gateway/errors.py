"""JSON errors for the non-SCIM endpoints: `{"error": code, "detail": sentence}`.

Domain errors carry no HTTP status; this is where they get one. A storage failure (disk full,
database read-only or unreachable, a lock or pool timeout: seats/storage/failures.py) is 503
`storage_unavailable` with `Retry-After`, because the same request may succeed once storage is
back. Anything else unexpected is logged with the request id and answered with a 500 body that
says so, never a stack trace.
"""

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from auth.request_bodies import Model, parse_body
from seats import errors
from seats.json_input import InvalidJson, JsonProblem, read_json
from seats.storage.failures import RETRY_AFTER_SECONDS, StorageUnavailable, is_storage_failure

log = logging.getLogger("seatgate.errors")

STATUS_BY_DOMAIN_ERROR: dict[type[errors.DomainError], int] = {
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.VersionMismatch: 412,
    errors.InvalidValue: 422,
    errors.CannotReduceBelowUsage: 409,
    errors.SeatLimitReached: 409,
    errors.CursorExpired: 410,
}


class ApiError(web.HTTPException):
    """An error an endpoint raises with its own status and code."""

    def __init__(self, status: int, code: str, detail: str, **extra: object) -> None:
        self.status_code = status
        super().__init__(
            text=json.dumps({"error": code, "detail": detail, **extra}),
            content_type="application/json",
        )


def json_error(status: int, code: str, detail: str, **extra: object) -> web.Response:
    return web.json_response({"error": code, "detail": detail, **extra}, status=status)


def storage_unavailable_response(exc: BaseException) -> web.Response:
    """503 for a storage failure; the detail names the cause only when seatgate found it
    itself (the driver's message may name hosts and paths)."""
    cause = f" ({exc})" if isinstance(exc, StorageUnavailable) else ""
    detail = f"the database is unavailable right now{cause}; retry later"
    response = json_error(503, "storage_unavailable", detail)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def domain_error_response(error: errors.DomainError) -> web.Response:
    status = next((s for kind, s in STATUS_BY_DOMAIN_ERROR.items() if isinstance(error, kind)), 400)
    return json_error(status, error.code, error.detail, **error.context)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except errors.DomainError as error:
        return domain_error_response(error)
    except web.HTTPException as exc:
        if exc.content_type == "application/json" or exc.status < 400:
            raise
        code = exc.reason.lower().replace(" ", "_")
        response = json_error(exc.status, code, f"{exc.reason}: {request.method} {request.path}")
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except Exception as exc:
        if is_storage_failure(exc):
            log.warning("storage failure on %s %s: %r", request.method, request.path, exc)
            return storage_unavailable_response(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return json_error(500, "internal_error", "the gateway failed to handle this request")


async def read_json_object(request: web.Request) -> dict[str, object]:
    """The request body as a JSON object (seats.json_input's limits), or a 400/413/415 that
    says what is wrong."""
    if request.content_type not in ("application/json", ""):
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    try:
        return await read_json(
            request.content.iter_chunked(64 * 1024), declared_length=request.content_length
        )
    except InvalidJson as error:
        if error.problem is JsonProblem.TOO_LARGE:
            raise ApiError(413, "request_entity_too_large", error.detail) from None
        if error.problem is JsonProblem.UNSTORABLE:
            raise ApiError(422, "invalid_value", error.detail) from None
        raise ApiError(400, "malformed_json", error.detail) from None


async def read_body(request: web.Request, model: type[Model], *, optional: bool = False) -> Model:
    """The request body validated by `model` (auth/request_bodies.py); with `optional`, no
    body at all reads as `{}`."""
    body = await read_json_object(request) if request.can_read_body or not optional else {}
    return parse_body(model, body)
