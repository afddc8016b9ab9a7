"""The OpenAPI document against the router: every route of the admin, auth, directory and
operations APIs is in it with its path and query parameters and the error statuses its
handler gives, and the document is valid OpenAPI 3.1."""

import inspect
import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from openapi_spec_validator import validate

from auth.api_operations import operation_of
from gateway.app import create_app
from gateway.config import Settings
from gateway.openapi import (
    UNDOCUMENTED_PREFIXES,
    all_errors,
    build_document,
    documented_routes,
    path_parameters,
    routes_of,
)

# How handlers read query parameters, and the helpers that read one on their behalf.
_QUERY_READS = re.compile(
    r"(?:request\.query(?:\.get|\.getall|\.getone)?\(|request\.query\[|single_parameter\("
    r"request, |_choice\(request, )\"(\w+)\""
)
_HELPERS = {
    "parse_limit(": {"limit"},
    "parse_created_after(": {"after"},
    "parse_member_after(": {"after"},
    "position_paging(": {"limit", "after"},
}
_RAISED_STATUS = re.compile(r"(?:ApiError|AuthError)\(\s*(\d{3})")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> web.Application:
    path = Path(tmp_path_factory.mktemp("openapi")) / "unused.db"
    return create_app(Settings(database_url=f"sqlite+aiosqlite:///{path}"))


@pytest.fixture(scope="module")
def document(app: web.Application) -> dict[str, Any]:
    return build_document(app, server_url="http://127.0.0.1:8000")


def _operation_in(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    template = re.sub(r"\{(\w+)(?::[^}]*)?\}", r"{\1}", path)
    assert template in document["paths"], f"{path} is not in the document"
    operations = document["paths"][template]
    assert method.lower() in operations, f"{method} {path} is not in the document"
    return operations[method.lower()]


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_the_document_covers_the_admin_auth_directory_and_operations_apis(
    document: dict[str, Any],
) -> None:
    prefixes = {path.split("/")[1] for path in document["paths"]}
    assert {"admin", "auth", "directory", ".well-known"} <= prefixes
    assert {"/healthz", "/readyz", "/metrics", "/openapi.json", "/reference"} <= set(
        document["paths"]
    )
    assert not [p for p in document["paths"] if p.startswith(UNDOCUMENTED_PREFIXES)]


def test_every_route_is_in_the_document_with_its_path_parameters(
    app: web.Application, document: dict[str, Any]
) -> None:
    routes = list(documented_routes(app))
    assert len(routes) > 50
    undescribed = [f"{r.method} {r.path}" for r in routes if operation_of(r.handler) is None]
    assert undescribed == [], "add @documented(...) to their handlers"
    for route in routes:
        operation = _operation_in(document, route.method, route.path)
        documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert documented == set(path_parameters(route.path)), route


def test_every_query_parameter_a_handler_reads_is_in_the_document(
    app: web.Application, document: dict[str, Any]
) -> None:
    checked = 0
    for route in documented_routes(app):
        source = inspect.getsource(route.handler)
        read = set(_QUERY_READS.findall(source))
        read |= {name for helper, names in _HELPERS.items() if helper in source for name in names}
        operation = _operation_in(document, route.method, route.path)
        documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        assert read <= documented, f"{route.method} {route.path}: {read - documented}"
        checked += bool(read)
    assert checked >= 12


def test_every_error_status_a_handler_answers_is_in_the_document(
    app: web.Application, document: dict[str, Any]
) -> None:
    for route in documented_routes(app):
        source = inspect.getsource(route.handler)
        raised = {int(status) for status in _RAISED_STATUS.findall(source)}
        if any(helper in source for helper in ("bad_request(", "check_parameters(", "_paging(")):
            raised.add(400)
        operation = operation_of(route.handler)
        assert operation is not None
        responses = _operation_in(document, route.method, route.path)["responses"]
        expected = raised | set(all_errors(operation))
        assert {str(status) for status in expected} <= set(responses), route
        for status in expected:
            schema = responses[str(status)]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}


def test_authenticated_routes_say_how(app: web.Application, document: dict[str, Any]) -> None:
    for route in documented_routes(app):
        operation = _operation_in(document, route.method, route.path)
        if route.path.startswith("/admin/v1"):
            assert {"adminToken": []} in operation["security"], route
            assert "401" in operation["responses"], route
        if route.path.startswith(("/directory/v1", "/auth/v1")):
            assert operation["security"] == [{"productClient": []}], route
        if getattr(route.handler, "seatgate_product_clients_allowed", False):
            assert {"productClient": []} in operation["security"], route


def test_request_bodies_are_the_models_that_validate_them(document: dict[str, Any]) -> None:
    new_org = document["paths"]["/admin/v1/orgs"]["post"]["requestBody"]
    assert new_org["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NewOrg"
    }
    schema = document["components"]["schemas"]["NewOrg"]
    assert schema["required"] == ["name"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["seat_limit"]["anyOf"][0]["maximum"] == 10_000_000
    token = document["components"]["schemas"]["TokenRequest"]
    assert set(token["properties"]) == {"org_id", "user_name", "user_id", "external_id"}


def test_the_only_routes_left_out_are_scim_the_console_and_stripes_webhook(
    app: web.Application,
) -> None:
    left_out = {r.path for r in routes_of(app)} - {r.path for r in documented_routes(app)}
    assert "/billing/stripe/webhook" in left_out
    assert all(
        path.startswith(("/scim/v2", "/console/")) or path == "/billing/stripe/webhook"
        for path in left_out
    ), left_out
