"""The OpenAPI 3.1 document of the admin (/admin/v1), auth (/auth/v1, /.well-known), directory
(/directory/v1) and operations endpoints, built from the routes themselves.

Each handler carries an `Operation` (auth/api_operations.py); its request body and answer are
pydantic models or TypedDicts whose JSON Schemas become `components.schemas`, and a path's
parameters come from the route's own template. So adding a route without describing it, or
changing a body model, shows in the document (tests/docs/test_openapi_routes.py walks the
router and fails on a route the document lacks).

Left out, each described elsewhere: the SCIM API (its own discovery endpoints, /scim/v2/Schemas
and /ServiceProviderConfig, and docs/conformance.md), the console's HTML pages
(docs/console.md) and the Stripe webhook receiver, which only Stripe calls (docs/billing.md).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from aiohttp import web
from pydantic import TypeAdapter

from auth.api_operations import Operation, operation_of

UNDOCUMENTED_PREFIXES = ("/scim/v2", "/console", "/billing/stripe/")
_REF = "#/components/schemas/{model}"
UNDESCRIBED = "Undescribed"
_PATH_PARAMETER = re.compile(r"\{(\w+)(?::[^}]*)?\}")
_PATH_PARAMETERS = {
    "org_id": "The organization's id.",
    "token_id": "The SCIM token's id.",
    "client_id": "The product client's id.",
    "member_id": "The member's id (the SCIM User id).",
    "invite_id": "The invite's id.",
    "change_id": "The scheduled capacity change's id.",
    "endpoint_id": "The event endpoint's id.",
    "user_id": "The user's id (the SCIM User id).",
    "group_id": "The group's id (the SCIM Group id).",
}
_SECURITY = {
    "admin": [{"adminToken": []}],
    "client": [{"productClient": []}],
    "admin_or_client": [{"adminToken": []}, {"productClient": []}],
    "metrics": [{}, {"metricsToken": []}],
    "none": [],
}
_AUTHENTICATION_ERRORS = {
    "admin": {401: "no admin token, or a wrong one"},
    "client": {
        401: "no product client credentials, or wrong ones",
        429: "too many failed authentications from this address",
    },
    "admin_or_client": {
        401: "neither the admin token nor the credentials of a client allowed for the org",
        429: "too many failed authentications from this address",
    },
    "metrics": {401: "SEATGATE_METRICS_TOKEN is set and the bearer token is not it"},
    "none": {},
}
_BODY_ERRORS = {
    400: "the body is not JSON, or not a JSON object (malformed_json)",
    413: "the body is larger than the limit (request_entity_too_large)",
    415: "the body is not sent as application/json (unsupported_media_type)",
    422: "a field is missing, unknown (unknown_field) or has a wrong value (invalid_value)",
}
_STORAGE_ERROR = {503: "the database is unavailable (storage_unavailable, with Retry-After)"}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Any


def routes_of(app: web.Application) -> Iterator[Route]:
    """Every method and path the application (and its sub-apps) answers, HEAD aside (aiohttp
    adds it to each GET). A mounted sub-app's resources already carry its prefix."""
    for resource in app.router.resources():
        info = resource.get_info()
        if "app" in info:
            yield from routes_of(info["app"])
            continue
        if "directory" in info:
            continue  # static files
        path = info.get("formatter") or info.get("path") or ""
        for route in resource:
            if route.method != "HEAD":
                yield Route(route.method, path, route.handler)


def documented_routes(app: web.Application) -> Iterator[Route]:
    for route in routes_of(app):
        if not route.path.startswith(UNDOCUMENTED_PREFIXES):
            yield route


def path_parameters(path: str) -> list[str]:
    return _PATH_PARAMETER.findall(path)


def all_errors(operation: Operation) -> dict[int, str]:
    """The error statuses of an operation: its own and those its kind of route shares."""
    errors = dict(_AUTHENTICATION_ERRORS[operation.security])
    if operation.body is not None and operation.body_media_type == "application/json":
        errors.update(_BODY_ERRORS)
    if operation.security != "none":
        errors.update(_STORAGE_ERROR)
    errors.update(operation.errors)
    return dict(sorted(errors.items()))


def build_document(app: web.Application, *, server_url: str) -> dict[str, Any]:
    schemas: dict[str, Any] = {"Error": _ERROR_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for route in documented_routes(app):
        operation = operation_of(route.handler) or _undescribed(route)
        template = _PATH_PARAMETER.sub(r"{\1}", route.path)
        paths.setdefault(template, {})[route.method.lower()] = _operation(route, operation, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "seatgate",
            "version": _version(),
            "summary": "SCIM 2.0 provisioning gateway with seat-based licensing",
            "description": _DESCRIPTION,
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": server_url}],
        "tags": [
            {"name": name, "description": text}
            for name, text in TAGS.items()
            if name != UNDESCRIBED or _any_undescribed(paths)
        ],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items())), "securitySchemes": _SCHEMES},
    }


def _operation(route: Route, operation: Operation, schemas: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "operationId": route.handler.__name__.strip("_"),
        "summary": operation.summary,
        "tags": [operation.tag],
        "security": _SECURITY[operation.security],
    }
    if operation.tag not in TAGS:
        raise LookupError(f"{route.method} {route.path}: tag {operation.tag!r} is not in TAGS")
    if operation.tag == UNDESCRIBED:
        answer["x-undescribed"] = True
    if operation.description:
        answer["description"] = operation.description
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": _PATH_PARAMETERS.get(name, f"The {name.replace('_', ' ')}."),
            "schema": {"type": "string"},
        }
        for name in path_parameters(route.path)
    ]
    parameters += [
        {"name": q.name, "in": "query", "description": q.description, "schema": dict(q.schema)}
        for q in operation.query
    ]
    if parameters:
        answer["parameters"] = parameters
    if operation.body is not None:
        answer["requestBody"] = {
            "required": operation.body_required,
            "content": {operation.body_media_type: {"schema": _schema(operation.body, schemas)}},
        }
    success: dict[str, Any] = {"description": _STATUS_TEXT.get(operation.status, "Success")}
    if operation.status != 204:
        schema = {"type": "object"}
        if operation.response is not None:
            schema = _schema(operation.response, schemas)
        elif operation.response_media_type != "application/json":
            schema = {"type": "string"}
        success["content"] = {operation.response_media_type: {"schema": schema}}
    responses: dict[str, Any] = {str(operation.status): success}
    for status, when in all_errors(operation).items():
        responses[str(status)] = {
            "description": when,
            "content": {"application/json": {"schema": {"$ref": _REF.format(model="Error")}}},
        }
    answer["responses"] = responses
    return answer


def _undescribed(route: Route) -> Operation:
    """A route without `@documented` still appears (tests/docs fails on it; the endpoint
    serving the document does not)."""
    return Operation(
        summary=(route.handler.__doc__ or route.handler.__name__).strip().split("\n")[0],
        tag=UNDESCRIBED,
        security="admin" if route.path.startswith("/admin/") else "none",
    )


def _schema(model: type, schemas: dict[str, Any]) -> dict[str, Any]:
    """A $ref to the model's schema, which goes to `schemas` with the models it uses."""
    schema = TypeAdapter(model).json_schema(ref_template=_REF)
    for name, definition in {**schema.pop("$defs", {}), model.__name__: schema}.items():
        if schemas.setdefault(name, definition) != definition:
            raise ValueError(f"two different schemas are both named {name}")
    return {"$ref": _REF.format(model=model.__name__)}


def _any_undescribed(paths: dict[str, dict[str, Any]]) -> bool:
    return any(op.get("x-undescribed") for ops in paths.values() for op in ops.values())


def _version() -> str:
    try:
        return version("seatgate")
    except PackageNotFoundError:
        return "0+unknown"


_DESCRIPTION = (
    "The admin API (operator, `Authorization: Bearer <admin token>`), the product's token "
    "endpoints and directory API (HTTP Basic with a product client's id and secret), and the "
    'operations endpoints. Errors outside SCIM are `{"error": code, "detail": sentence}`. '
    "The SCIM 2.0 API under /scim/v2 describes itself through its discovery endpoints."
)
# The reference's sections, in reading order.
TAGS = {
    "Organizations": "Create, list, change and audit organizations (operator).",
    "SCIM tokens": "Bearer tokens for an organization's identity provider (shown once).",
    "Product clients": "Credentials the product uses for tokens and the directory.",
    "Seats": "Seat summary, members by seat status, the ledger, capacity changes.",
    "Invites": "Invites hold a seat until accepted, revoked or expired.",
    "Alerts": "Seat alerts and their email/webhook deliveries.",
    "Billing": "Stripe Checkout, the subscription, seat changes (503 with billing off).",
    "Console": "Single-use links into an organization's admin console.",
    "Deprovisioning guard": "Mass deprovisions held back for an admin's decision.",
    "Event webhooks": "Endpoints that receive the event feed, signed (Standard Webhooks).",
    "Product tokens": "Access tokens for the product, their keys and discovery.",
    "Directory": "The organization's users and groups, as the product reads them.",
    "Events": "The ordered feed of changes, polled with a cursor.",
    "Operations": "Health, readiness, metrics and this reference.",
    UNDESCRIBED: "Routes not described yet.",
}
_STATUS_TEXT = {200: "OK", 201: "Created", 204: "No content"}
_ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error outside /scim/v2; some add fields with the numbers involved.",
    "properties": {
        "error": {"type": "string", "description": "A stable code, such as invalid_value."},
        "detail": {"type": "string", "description": "A sentence saying what to change."},
    },
    "required": ["error", "detail"],
}
_SCHEMES = {
    "adminToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "SEATGATE_ADMIN_TOKEN, or the token seatgate serve printed at first start.",
    },
    "productClient": {
        "type": "http",
        "scheme": "basic",
        "description": "A product client's client_id and client_secret (POST .../clients).",
    },
    "metricsToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "SEATGATE_METRICS_TOKEN, when it is set.",
    },
}
