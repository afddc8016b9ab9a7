"""Admin endpoints for organizations (their SCIM tokens: gateway/admin/scim_tokens.py)."""

from typing import Any
from urllib.parse import urlparse

from aiohttp import web

from auth.client_auth import plain_string
from gateway.directory.paging import (
    PAGING_PARAMETERS,
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
from seats.model import Org, SeatPolicy
from seats.org_settings import change_settings
from seats.webhook_urls import PrivateWebhookUrl, refuse_private_host

routes = web.RouteTableDef()

_ORGS = "orgs"
MAX_SEARCH_LENGTH = 200

_SETTABLE = {
    "name",
    "seat_limit",
    "seat_policy",
    "max_seats",
    "exempt_user_types",
    "admin_emails",
    "webhook_url",
    "webhook_secret",
    "invite_expiry_days",
    "deprovision_guard_share",
    "deprovision_guard_count",
    "deprovision_guard_window_seconds",
}


@routes.post("/orgs")
async def create_org(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    if "name" not in body:
        raise ApiError(422, "invalid_value", "name is required: the organization's display name")
    owner_email = org_hooks.pop_owner_email(body)
    fields = validate_org_fields(body, allow_private_urls=_allow_private_urls(request))
    async with request.config_dict[DATABASE].transaction() as conn:
        org = await org_service.create_org(conn, **fields)
        held = await org_hooks.claim_for_new_org(conn, org.id, owner_email)
    org = await org_hooks.attach_claimed(request, org, held)
    return web.json_response(org_json(org), status=201)


@routes.get("/orgs")
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
async def get_org(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].read() as conn:
        org = await org_service.get_org(conn, request.match_info["org_id"])
    return web.json_response(org_json(org))


@routes.patch("/orgs/{org_id}")
async def patch_org(request: web.Request) -> web.Response:
    org_id = request.match_info["org_id"]
    fields = validate_org_fields(
        await read_json_object(request), allow_private_urls=_allow_private_urls(request)
    )
    if "seat_limit" in fields:
        await org_hooks.refuse_if_billing_managed(request, org_id)
    async with request.config_dict[DATABASE].transaction() as conn:
        org = await change_settings(conn, org_id, fields, actor="admin")
    return web.json_response(org_json(org))


def validate_org_fields(body: dict[str, Any], *, allow_private_urls: bool) -> dict[str, Any]:
    """Check an org body field by field; every refusal says what is allowed. A webhook_url
    at a loopback or private address is refused unless `allow_private_urls`."""
    unknown = sorted(set(body) - _SETTABLE)
    if unknown:
        raise ApiError(
            422,
            "unknown_field",
            f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_SETTABLE))}",
        )
    fields = dict(body)
    if "name" in fields and (
        not isinstance(fields["name"], str) or not 0 < len(fields["name"].strip()) <= 200
    ):
        raise ApiError(422, "invalid_value", "name must be a non-empty string of at most 200")
    for name in ("seat_limit", "max_seats"):
        if name in fields:
            org_service.validate_seat_number(name, fields[name], allow_null=True)
    if "invite_expiry_days" in fields:
        org_service.validate_seat_number(
            "invite_expiry_days", fields["invite_expiry_days"], allow_null=False, minimum=1
        )
    _validate_guard_fields(fields)
    if "seat_policy" in fields and fields["seat_policy"] not in {p.value for p in SeatPolicy}:
        raise ApiError(422, "invalid_value", "seat_policy must be one of: over_limit, auto_expand")
    for name in ("exempt_user_types", "admin_emails"):
        if name in fields:
            value = fields[name]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ApiError(422, "invalid_value", f"{name} must be a list of strings")
            fields[name] = tuple(value)
    if any("@" not in email for email in fields.get("admin_emails", ())):
        raise ApiError(422, "invalid_value", "admin_emails must be email addresses")
    if fields.get("webhook_url") is not None:
        url = urlparse(str(fields["webhook_url"]))
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ApiError(422, "invalid_value", "webhook_url must be an http(s) URL")
        if not allow_private_urls:
            try:
                refuse_private_host(str(fields["webhook_url"]), field="webhook_url")
            except PrivateWebhookUrl as error:
                raise ApiError(400, error.code, error.detail) from None
    return fields


def _validate_guard_fields(fields: dict[str, Any]) -> None:
    """The mass-deprovisioning guard's per-org limits; null goes back to the gateway's."""
    share = fields.get("deprovision_guard_share")
    if share is not None and (
        isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1
    ):
        raise ApiError(
            422, "invalid_value", "deprovision_guard_share must be a number from 0 to 1, or null"
        )
    for name, minimum in (("deprovision_guard_count", 0), ("deprovision_guard_window_seconds", 1)):
        value = fields.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= 10**9
        ):
            raise ApiError(
                422, "invalid_value", f"{name} must be a whole number from {minimum}, or null"
            )


def _allow_private_urls(request: web.Request) -> bool:
    return request.config_dict[SETTINGS].allow_private_webhook_urls


def org_json(org: Org) -> dict[str, Any]:
    return {
        "id": org.id,
        "name": org.name,
        "seat_limit": org.seat_limit,
        "seat_policy": org.seat_policy.value,
        "max_seats": org.max_seats,
        "exempt_user_types": list(org.exempt_user_types),
        "admin_emails": list(org.admin_emails),
        "webhook_url": org.webhook_url,
        "invite_expiry_days": org.invite_expiry_days,
        "deprovision_guard_share": org.deprovision_guard_share,
        "deprovision_guard_count": org.deprovision_guard_count,
        "deprovision_guard_window_seconds": org.deprovision_guard_window_seconds,
        "created_at": org.created_at.isoformat(),
        "updated_at": org.updated_at.isoformat(),
    }
