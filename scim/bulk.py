"""POST /Bulk (RFC 7644 §3.7): many operations in one request, each run through the same
Operation as its single request (scim/users.py, scim/groups.py), so every rule holds on both.

- The envelope is validated by scim2-models' `BulkRequest` under the service's provider: an
  operation that does not validate fails alone, with its own status and error (§3.7.3).
- More than `max_bulk_operations` operations is refused whole: 413 (§3.7.4); the body size
  limit (`maxPayloadSize` = `max_body_bytes`) is enforced by scim/app.py before this runs.
- `bulkId:<id>` in an operation's path or data (Group members, PATCH filters, a later
  operation's path) is replaced by the id the POST with that bulkId created (§3.7.2). An
  operation waits for the POSTs it refers to, even later ones in the request; a bulkId that no
  POST declares, whose POST failed, or that refers back in a circle fails that operation.
- An operation's path (§3.7): a POST names a resource type endpoint (`/Users`, `/Groups`),
  the other methods one resource (`/Users/2819c223`); any other path is 404 and a method the
  path does not take 405, as over HTTP (resource type names case-insensitively, a trailing
  slash ignored, as scim/routes.py reads them). /Bulk and the searches are not reachable here.
- `failOnErrors` (§3.7.3): after that many failed operations, the rest are not attempted.
- Not atomic: the RFC does not ask for it, and each operation commits on its own, so an
  operation that succeeded stays done when a later one fails. The response reports each one
  (method, bulkId, version, location, status, and the error body when it failed), 200 overall.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scim2_models import (
    BulkOperation,
    BulkRequest,
    BulkResponse,
    Context,
    Error,
    InvalidSyntaxException,
    PayloadTooLargeException,
)

from scim import groups, users
from scim.errors import error_response, guarded
from scim.normalizations import Normalized
from scim.protocol import Operation, Route, ScimContext, ScimRequest, ScimResponse
from scim.schemas import POLICY, GroupResource, UserResource, provider

Request: Any = BulkRequest[UserResource | GroupResource]
Response: Any = BulkResponse[UserResource | GroupResource]
Result: Any = BulkOperation[GroupResource]
BULK_PREFIX = "bulkId:"
# A reference ends where a path segment, a quoted filter value or a bracket does.
_REFERENCE = re.compile(r'bulkId:([^/"\s\]\[]+)')

_RESOURCE_TYPES = {"users": "Users", "groups": "Groups"}
_OPERATIONS: dict[tuple[str, str], Operation] = {
    (method, path): operation for method, path, operation in (*users.OPERATIONS, *groups.OPERATIONS)
}


@dataclass
class _Job:
    """A bulk request in progress: the ids created so far and the bulkIds that failed."""

    declared: set[str]
    created: dict[str, str]
    failed: set[str]
    errors: int = 0
    # The IdP quirks its operations took, all together.
    normalized: Normalized = field(default_factory=Normalized)


async def bulk(request: ScimRequest, context: ScimContext) -> ScimResponse:
    raw_operations = _raw_operations(request.body)
    limit = context.settings.max_bulk_operations
    if len(raw_operations) > limit:
        raise PayloadTooLargeException(
            detail=f"the request has {len(raw_operations)} operations; maxOperations is {limit}"
        )
    envelope = Request.model_validate(
        request.body,
        scim_ctx=Context.BULK_REQUEST,
        scim_provider=provider(context.settings),
        scim_policy=POLICY,
    )
    operations = list(envelope.operations or [])
    job = _Job(
        declared={op.bulk_id for op in operations if op.bulk_id and op.method == "POST"},
        created={},
        failed=set(),
    )
    fail_on_errors = envelope.fail_on_errors
    results: dict[int, Any] = {}
    pending = list(range(len(operations)))
    while pending and not _stopped(job, fail_on_errors):
        waiting = []
        for index in pending:
            if _stopped(job, fail_on_errors):
                break
            operation, raw = operations[index], raw_operations[index]
            if _waits(job, raw):
                waiting.append(index)
                continue
            results[index] = await _run(operation, raw, job, context)
        if len(waiting) == len(pending):
            # Nothing could run: every remaining operation waits on another one, a circle, which
            # RFC 7644 §3.7.2 lets a service provider answer with 409.
            for index in waiting:
                circular = _failure(operations[index], 409, "circular bulkId references")
                results[index] = _record(job, operations[index], 409, circular)
            break
        pending = waiting
    done = [results[index] for index in sorted(results)]
    body = Response(operations=done).model_dump(scim_ctx=Context.BULK_RESPONSE)
    return ScimResponse(200, body, normalized=job.normalized)


def _stopped(job: _Job, fail_on_errors: int | None) -> bool:
    return fail_on_errors is not None and fail_on_errors > 0 and job.errors >= fail_on_errors


def _raw_operations(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        raise InvalidSyntaxException(detail="the body must be a BulkRequest object")
    operations = _get(body, "Operations")
    if not isinstance(operations, list):
        raise InvalidSyntaxException(detail="Operations must be a list of bulk operations")
    return [op if isinstance(op, dict) else {} for op in operations]


def _get(payload: Mapping[str, Any], name: str) -> Any:
    """An attribute of a raw payload; SCIM attribute names are case-insensitive."""
    return next((v for k, v in payload.items() if k.lower() == name.lower()), None)


def _references(raw: Mapping[str, Any]) -> set[str]:
    return set(_REFERENCE.findall(str(_get(raw, "path") or ""))) | _data_references(
        _get(raw, "data")
    )


def _data_references(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(_REFERENCE.findall(value))
    if isinstance(value, dict):
        return set().union(*(_data_references(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_data_references(item) for item in value))
    return set()


def _waits(job: _Job, raw: Mapping[str, Any]) -> bool:
    """Whether the operation refers to a POST of this request that has not run yet."""
    return any(
        ref in job.declared and ref not in job.created and ref not in job.failed
        for ref in _references(raw)
    )


def _resolve(value: Any, created: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _REFERENCE.sub(lambda match: created[match.group(1)], value)
    if isinstance(value, dict):
        return {key: _resolve(item, created) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve(item, created) for item in value]
    return value


async def _run(operation: Any, raw: Mapping[str, Any], job: _Job, context: ScimContext) -> Any:
    if operation.status is not None:
        # Refused by validation: its status and error are already set.
        return _record(job, operation, operation.status, operation)
    unresolved = sorted(ref for ref in _references(raw) if ref not in job.created)
    if unresolved:
        failed = [ref for ref in unresolved if ref in job.failed]
        detail = (
            f"the operation with bulkId {failed[0]!r} failed"
            if failed
            else f"bulkId {unresolved[0]!r} is not declared by any POST of this request"
        )
        return _record(job, operation, 400, _failure(operation, 400, detail, "invalidValue"))
    path = _resolve(str(operation.path), job.created)
    headers = {"If-Match": operation.version} if operation.version else {}
    data = _resolve(_get(raw, "data"), job.created)
    response = await _dispatch(str(operation.method.value), path, headers, data, context)
    job.normalized.update(response.normalized)
    body = response.body or {}
    if response.status < 400 and operation.method == "POST" and operation.bulk_id:
        job.created[operation.bulk_id] = body["id"]
    location = (body.get("meta") or {}).get("location") or f"{context.settings.base_url}{path}"
    result = Result(
        method=operation.method,
        bulk_id=operation.bulk_id,
        version=response.headers.get("ETag"),
        location=location if response.status < 400 or operation.method != "POST" else None,
        status=response.status,
        response=Error.model_validate(body) if response.status >= 400 else None,
    )
    return _record(job, operation, response.status, result)


async def _dispatch(
    method: str, path: str, headers: dict[str, str], body: Any, context: ScimContext
) -> ScimResponse:
    """Run the Users or Groups operation that `method` and `path` address (RFC 7644 §3.7)."""
    kind, _, resource_id = path.split("?", 1)[0].strip("/").partition("/")
    resource_type = _RESOURCE_TYPES.get(kind.lower())
    if resource_type is None or "/" in resource_id:
        return error_response(404, f"no SCIM endpoint at {path}")
    pattern = f"/{resource_type}/{{id}}" if resource_id else f"/{resource_type}"
    found = _OPERATIONS.get((method, pattern))
    if found is None:
        return error_response(405, f"{method} is not supported on {pattern}")
    params = {"id": resource_id} if resource_id else {}
    request = ScimRequest(headers=headers, body=body, params=params)
    return await guarded(found, request, context)


def _record(job: _Job, operation: Any, status: int, result: Any) -> Any:
    if status >= 400:
        job.errors += 1
        if operation.bulk_id:
            job.failed.add(operation.bulk_id)
    return result


def _failure(operation: Any, status: int, detail: str, scim_type: str | None = None) -> Any:
    error = Error.model_validate(error_response(status, detail, scim_type).body)
    return Result(
        method=operation.method,
        bulk_id=operation.bulk_id,
        location=None,
        status=status,
        response=error,
    )


OPERATIONS: list[Route] = [("POST", "/Bulk", bulk)]
