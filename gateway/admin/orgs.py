"""Admin endpoints for organizations (their SCIM tokens: gateway/admin/scim_tokens.py)."""

from typing import Any

from aiohttp import web

from auth.api_operations import QueryParameter, documented
from auth.client_auth import plain_string
from auth.request_bodies import parse_body
from gateway.admin.request_bodies import NewOrg, OrgSettings
from gateway.admin.responses import OrgAnswer, page_of
from gateway.directory.paging import (
    PAGING_PARAMETERS,
    PAGING_QUERY,
    check_parameters,
    created_cursor,
    page_response,
    parse_created_after,
    parse_limit,
    single_parameter,
)
from gateway.errors import ApiError, read_json_object
from gateway.keys import DATABASE, SETTINGS
from gateway.stripe import org_hooks
from seats import orgs as org_service
from seats.model import Org
from seats.org_settings import change_settings
from seats.webhook_urls import PrivateWebhookUrl, refuse_private_host

routes = web.RouteTableDef()

_ORGS = "orgs"
MAX_SEARCH_LENGTH = 200


@routes.post("/orgs")
@documented(
    summary="Create an organization",
    tag="Organizations",
    security="admin",
    body=NewOrg,
    status=201,
    response=OrgAnswer,
    errors={400: "webhook_url at a private address (private_address)"},
)
async def create_org(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    fields = validate_org_fields(body, allow_private_urls=_allow_private_urls(request))
    async with request.config_dict[DATABASE].transaction() as conn:
        org = await org_service.create_org(conn, **fields)
        held = await org_hooks.claim_for_new_org(conn, org.id, body.get("owner_email"))
    org = await org_hooks.attach_claimed(request, org, held)
    return web.json_response(org_json(org), status=201)


@routes.get("/orgs")
@documented(
    summary="List organizations",
    tag="Organizations",
    security="admin",
    query=(*PAGING_QUERY, QueryParameter("q", "Only orgs whose name contains this (any case).")),
    response=page_of(OrgAnswer),
    errors={400: "an unknown or malformed query parameter, or a cursor not from this listing"},
)
async def list_orgs(request: web.Request) -> web.Response:
    """Orgs oldest first, `?after=<next_cursor>&limit=` paged like the directory API; `q`
    keeps those whose name contains it (case-insensitive)."""
    check_parameters(request, (*PAGING_PARAMETERS, "q"))
    search = single_parameter(request, "q")
    if search is not None and not plain_string(search, MAX_SEARCH_LENGTH):
        raise ApiError(400, "invalid_request", f"q must be 1 to {MAX_SEARCH_LENGTH} characters")
    async with request.config_dict[DATABASE].read() as conn:
        page = await org_service.list_orgs(
            conn,
            limit=parse_limit(request),
            after=parse_created_after(request, _ORGS),
            search=search,
        )
    return page_response(page, org_json, created_cursor(_ORGS))


@routes.get("/orgs/{org_id}")
@documented(
    summary="Get an organization",
    tag="Organizations",
    security="admin_or_client",
    response=OrgAnswer,
    errors={404: "no such organization"},
)
async def get_org(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].read() as conn:
        org = await org_service.get_org(conn, request.match_info["org_id"])
    return web.json_response(org_json(org))


@routes.patch("/orgs/{org_id}")
@documented(
    summary="Change an organization's settings",
    tag="Organizations",
    security="admin",
    body=OrgSettings,
    response=OrgAnswer,
    errors={
        400: "webhook_url at a private address (private_address)",
        404: "no such organization",
        409: "seat_limit below the seats in use, or set by billing",
    },
)
async def patch_org(request: web.Request) -> web.Response:
    org_id = request.match_info["org_id"]
    fields = validate_org_fields(
        await read_json_object(request),
        allow_private_urls=_allow_private_urls(request),
        model=OrgSettings,
    )
    if "seat_limit" in fields:
        await org_hooks.refuse_if_billing_managed(request, org_id)
    async with request.config_dict[DATABASE].transaction() as conn:
        org = await change_settings(conn, org_id, fields, actor="admin")
    return web.json_response(org_json(org))


def validate_org_fields(
    body: dict[str, Any], *, allow_private_urls: bool, model: type[OrgSettings] = NewOrg
) -> dict[str, Any]:
    """An org body checked by `model` (a new org's by default; the CLI's create and import use
    it too), as keyword arguments for the use case. A webhook_url at a loopback or private
    address is refused unless `allow_private_urls` (a setting, not part of the body)."""
    fields = parse_body(model, body).model_dump(exclude_unset=True, exclude={"owner_email"})
    url = fields.get("webhook_url")
    if url is not None and not allow_private_urls:
        try:
            refuse_private_host(url, field="webhook_url")
        except PrivateWebhookUrl as error:
            raise ApiError(400, error.code, error.detail) from None
    return fields


def _allow_private_urls(request: web.Request) -> bool:
    return request.config_dict[SETTINGS].allow_private_webhook_urls


def org_json(org: Org) -> OrgAnswer:
    return {
        "id": org.id,
        "name": org.name,
        "seat_limit": org.seat_limit,
        "seat_policy": org.seat_policy.value,
        "max_seats": org.max_seats,
        "exempt_user_types": list(org.exempt_user_types),
        "admin_emails": list(org.admin_emails),
        "webhook_url": org.webhook_url,
        "webhook_signing": org.webhook_signing.value,
        "invite_expiry_days": org.invite_expiry_days,
        "deprovision_guard_share": org.deprovision_guard_share,
        "deprovision_guard_count": org.deprovision_guard_count,
        "deprovision_guard_window_seconds": org.deprovision_guard_window_seconds,
        "created_at": org.created_at.isoformat(),
        "updated_at": org.updated_at.isoformat(),
    }
