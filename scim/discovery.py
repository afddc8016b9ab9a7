"""Discovery endpoints (RFC 7644 §4) and /Me (§3.11, not supported: 501).

Everything here is built from `scim.schemas.provider(settings)`: the ServiceProviderConfig,
the schemas of User, its two extensions and Group, and the User and Group resource types, so
what is published is what the models validate. Bodies depend only on the settings, so they are
built once per settings and cached. Discovery does not filter: a `filter` is answered 403, as
RFC 7644 §4 says it SHOULD be.
"""

from functools import lru_cache
from typing import Any

from scim2_models import (
    Context,
    ForbiddenException,
    Meta,
    NotFoundException,
    NotImplementedException,
    ResourceType,
    Schema,
)

from scim.protocol import ScimContext, ScimRequest, ScimResponse, ScimSettings
from scim.responses import list_body, list_response, resource_response
from scim.schemas import provider

_RESPONSE = Context.RESOURCE_QUERY_RESPONSE


def _dump(item: Any) -> dict[str, Any]:
    return item.model_dump(scim_ctx=_RESPONSE)


@lru_cache(maxsize=8)
def _config_body(settings: ScimSettings) -> dict[str, Any]:
    config = provider(settings).config
    assert config is not None
    config = config.model_copy(
        update={
            "meta": Meta(
                resource_type="ServiceProviderConfig",
                location=f"{settings.base_url}/ServiceProviderConfig",
            )
        }
    )
    return _dump(config)


@lru_cache(maxsize=8)
def _schemas(settings: ScimSettings) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for schema in provider(settings).schemas:
        located: Schema = schema.model_copy(
            update={
                "meta": Meta(
                    resource_type="Schema", location=f"{settings.base_url}/Schemas/{schema.id}"
                )
            }
        )
        found[str(schema.id)] = _dump(located)
    return found


@lru_cache(maxsize=8)
def _resource_types(settings: ScimSettings) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for resource_type in provider(settings).resource_types:
        located: ResourceType = resource_type.model_copy(
            update={
                "meta": Meta(
                    resource_type="ResourceType",
                    location=f"{settings.base_url}/ResourceTypes/{resource_type.id}",
                )
            }
        )
        found[str(resource_type.id)] = _dump(located)
    return found


def _refuse_filter(request: ScimRequest) -> None:
    if any(key.lower() == "filter" for key in request.query):
        raise ForbiddenException(detail="discovery endpoints do not support filtering")


def _one(items: dict[str, dict[str, Any]], wanted: str, kind: str) -> ScimResponse:
    # Schema URNs are case-insensitive (RFC 8141 §3.1 for the NID; RFC 7643 §2.1 names).
    for key, body in items.items():
        if key.lower() == wanted.lower():
            return resource_response(200, body)
    raise NotFoundException(detail=f"no {kind} {wanted}")


async def get_service_provider_config(request: ScimRequest, context: ScimContext) -> ScimResponse:
    _refuse_filter(request)
    return resource_response(200, _config_body(context.settings))


async def list_schemas(request: ScimRequest, context: ScimContext) -> ScimResponse:
    _refuse_filter(request)
    items = list(_schemas(context.settings).values())
    return list_response(list_body(items, total_results=len(items), start_index=1))


async def get_schema(request: ScimRequest, context: ScimContext) -> ScimResponse:
    return _one(_schemas(context.settings), request.params["id"], "schema")


async def list_resource_types(request: ScimRequest, context: ScimContext) -> ScimResponse:
    _refuse_filter(request)
    items = list(_resource_types(context.settings).values())
    return list_response(list_body(items, total_results=len(items), start_index=1))


async def get_resource_type(request: ScimRequest, context: ScimContext) -> ScimResponse:
    return _one(_resource_types(context.settings), request.params["id"], "resource type")


async def me(request: ScimRequest, context: ScimContext) -> ScimResponse:
    """RFC 7644 §3.11: /Me is optional; a bearer token here names an organization, not a user."""
    raise NotImplementedException(detail="/Me is not supported: SCIM tokens identify an org")


OPERATIONS = [
    ("GET", "/ServiceProviderConfig", get_service_provider_config),
    ("GET", "/Schemas", list_schemas),
    ("GET", "/Schemas/{id}", get_schema),
    ("GET", "/ResourceTypes", list_resource_types),
    ("GET", "/ResourceTypes/{id}", get_resource_type),
    *((method, "/Me", me) for method in ("GET", "POST", "PUT", "PATCH", "DELETE")),
    *((method, "/Me/{rest}", me) for method in ("GET", "POST", "PUT", "PATCH", "DELETE")),
]
