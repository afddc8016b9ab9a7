"""SCIM error responses (RFC 7644 §3.12) and the one place exceptions become them.

Operations raise; they never build error bodies by hand. What they may raise:

- a scim2-models `SCIMException` subclass (`InvalidValueException`, `InvalidFilterException`,
  `NoTargetException`, `UniquenessException`, ...), which already knows its status and scimType;
- a pydantic `ValidationError` from a scim2-models `model_validate` (mapped with
  `Error.from_validation_errors`: structure errors are invalidSyntax, values invalidValue);
- a domain error from `seats.errors` (no HTTP status there: it is given one here);
- a storage failure (seats/storage/failures.py: disk full, database read-only or unreachable,
  a lock or pool timeout): 503 with `Retry-After` (RFC 7231 §6.6.4, §7.1.3), so an IdP retries
  the operation later instead of counting it failed;
- anything else is a bug: it is logged and answered with a 500 SCIM body, never a traceback.

`guarded(operation, request, context)` runs an operation and always answers a ScimResponse;
the aiohttp adapter and /Bulk (RFC 7644 §3.7.3: each operation gets its own status) both use it.
"""

import logging

from pydantic import ValidationError
from scim2_models import (
    ConflictException,
    Error,
    InvalidValueException,
    NotFoundException,
    PreconditionFailedException,
    SCIMException,
    UniquenessException,
)

from scim.protocol import Operation, ScimContext, ScimRequest, ScimResponse
from seats import errors as domain
from seats.storage.failures import RETRY_AFTER_SECONDS, is_storage_failure

log = logging.getLogger("seatgate.scim")

MEDIA_TYPE = "application/scim+json"
ERROR_SCHEMA = str(Error.__schema__)


def error_response(
    status: int,
    detail: str,
    scim_type: str | None = None,
    headers: dict[str, str] | None = None,
) -> ScimResponse:
    """An RFC 7644 §3.12 error: `status` as a JSON string, `scimType` only when one applies."""
    body = Error(status=status, scim_type=scim_type, detail=detail).model_dump()
    return ScimResponse(status=status, body=body, headers=headers or {})


def exception_response(exc: SCIMException) -> ScimResponse:
    error = exc.to_error()
    body = error.model_dump()
    return ScimResponse(status=error.status or exc.status, body=body)


def validation_error_response(exc: ValidationError) -> ScimResponse:
    """One body for all the errors pydantic found; a structure error wins (invalidSyntax)."""
    found = Error.from_validation_errors(exc)
    if not found:
        return error_response(400, "the payload is invalid", "invalidValue")
    chosen = next((e for e in found if e.scim_type == "invalidSyntax"), found[0])
    detail = "; ".join(dict.fromkeys(e.detail or "" for e in found))
    return error_response(chosen.status or 400, detail, chosen.scim_type)


def domain_exception(exc: domain.DomainError) -> SCIMException:
    """The SCIM meaning of a domain error (seats carries no HTTP status; STYLE habit 6)."""
    if isinstance(exc, domain.NotFound):
        return NotFoundException(detail=exc.detail)
    if isinstance(exc, domain.Conflict):
        # RFC 7644 §3.3.1: a duplicate of a unique attribute (userName) is 409 uniqueness.
        return UniquenessException(detail=exc.detail)
    if isinstance(exc, domain.VersionMismatch):
        # RFC 7644 §3.14: If-Match failed -> 412, no scimType.
        return PreconditionFailedException(detail=exc.detail)
    if isinstance(exc, domain.CannotReduceBelowUsage | domain.SeatLimitReached):
        return ConflictException(detail=exc.detail)
    return InvalidValueException(detail=exc.detail)


def storage_unavailable(exc: BaseException) -> ScimResponse:
    """503: nothing was written, the same request may succeed once storage is back."""
    log.warning("storage failure in a SCIM request: %r", exc)
    return error_response(
        503,
        "the database is unavailable right now; retry later",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def response_for(exc: Exception) -> ScimResponse:
    """The SCIM error response for any exception an operation raised."""
    if isinstance(exc, SCIMException):
        return exception_response(exc)
    if isinstance(exc, ValidationError):
        return validation_error_response(exc)
    if isinstance(exc, domain.DomainError):
        return exception_response(domain_exception(exc))
    if is_storage_failure(exc):
        return storage_unavailable(exc)
    log.error("unhandled error in a SCIM operation", exc_info=exc)
    return error_response(500, "the gateway failed to handle this request")


async def guarded(operation: Operation, request: ScimRequest, context: ScimContext) -> ScimResponse:
    """Run `operation`, answering any error it raises as an RFC 7644 error response."""
    try:
        return await operation(request, context)
    except Exception as exc:
        return response_for(exc)
