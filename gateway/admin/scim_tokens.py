"""Admin endpoints for an organization's SCIM tokens (one per IdP connection): issue (shown
once), list, read one, revoke; each token with its connection telemetry
(seats/connection_telemetry.py: counted per process and flushed every
SEATGATE_SCIM_TELEMETRY_FLUSH_SECONDS, so it can lag the requests by that long)."""

from typing import Any

from aiohttp import web

from auth.api_operations import documented
from auth.model import TokenInfo
from auth.scim_tokens import issue_scim_token, list_scim_tokens, revoke_scim_token
from gateway.admin.request_bodies import NamedSecret
from gateway.admin.responses import IssuedScimToken
from gateway.directory.paging import (
    BAD_PAGING,
    PAGING_QUERY,
    loaded_page_response,
    position_paging,
)
from gateway.errors import read_body
from gateway.keys import DATABASE, SCIM_TOKENS, SETTINGS
from seats import connection_telemetry
from seats import orgs as org_service
from seats.connection_telemetry import NO_TELEMETRY, ConnectionTelemetry
from seats.errors import NotFound

routes = web.RouteTableDef()


@routes.post("/orgs/{org_id}/scim-tokens")
@documented(
    summary="Issue a SCIM token for the organization's identity provider",
    description="The token is in this answer only; seatgate keeps its hash.",
    tag="SCIM tokens",
    security="admin",
    body=NamedSecret,
    body_required=False,
    status=201,
    response=IssuedScimToken,
    errors={404: "no such organization"},
)
async def create_scim_token(request: web.Request) -> web.Response:
    name = (await read_body(request, NamedSecret, optional=True)).name
    async with request.config_dict[DATABASE].transaction() as conn:
        issued = await issue_scim_token(conn, request.match_info["org_id"], name=name)
    return web.json_response(
        {
            "id": issued.id,
            "token": issued.token,
            "name": issued.name,
            "created_at": issued.created_at.isoformat(),
        },
        status=201,
    )


@routes.get("/orgs/{org_id}/scim-tokens")
@documented(
    summary="The organization's SCIM tokens, each with its connection telemetry",
    tag="SCIM tokens",
    security="admin",
    query=PAGING_QUERY,
    errors={400: BAD_PAGING, 404: "no such organization"},
)
async def get_scim_tokens(request: web.Request) -> web.Response:
    """Oldest first."""
    org_id = request.match_info["org_id"]
    limit, after = position_paging(request, "scim-tokens")
    async with request.config_dict[DATABASE].read() as conn:
        await org_service.get_org(conn, org_id)
        tokens = await list_scim_tokens(conn, org_id)
        telemetry = await connection_telemetry.for_tokens(conn, org_id, [t.id for t in tokens])
    lag = request.config_dict[SETTINGS].scim_telemetry_flush_seconds
    return loaded_page_response(
        tokens,
        lambda t: _token_json(t, telemetry.get(t.id, NO_TELEMETRY), lag),
        "scim-tokens",
        limit=limit,
        after=after,
    )


@routes.get("/orgs/{org_id}/scim-tokens/{token_id}")
@documented(
    summary="One SCIM token with its connection telemetry",
    tag="SCIM tokens",
    security="admin",
    errors={404: "no such organization or token"},
)
async def get_scim_token(request: web.Request) -> web.Response:
    org_id, token_id = request.match_info["org_id"], request.match_info["token_id"]
    async with request.config_dict[DATABASE].read() as conn:
        await org_service.get_org(conn, org_id)
        token = next((t for t in await list_scim_tokens(conn, org_id) if t.id == token_id), None)
        if token is None:
            raise NotFound(f"SCIM token {token_id} does not exist")
        telemetry = await connection_telemetry.for_tokens(conn, org_id, [token_id])
    lag = request.config_dict[SETTINGS].scim_telemetry_flush_seconds
    return web.json_response(_token_json(token, telemetry.get(token_id, NO_TELEMETRY), lag))


@routes.delete("/orgs/{org_id}/scim-tokens/{token_id}")
@documented(
    summary="Revoke a SCIM token",
    tag="SCIM tokens",
    security="admin",
    status=204,
    errors={404: "no such organization or token"},
)
async def delete_scim_token(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].transaction() as conn:
        await revoke_scim_token(conn, request.match_info["org_id"], request.match_info["token_id"])
    request.config_dict[SCIM_TOKENS].clear()
    return web.Response(status=204)


def _token_json(token: TokenInfo, telemetry: ConnectionTelemetry, lag: float) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "created_at": token.created_at.isoformat(),
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "telemetry": telemetry_json(telemetry, lag),
    }


def telemetry_json(telemetry: ConnectionTelemetry, lag: float) -> dict[str, Any]:
    last = telemetry.last_request_at
    return {
        "idp_profile": telemetry.idp_profile,
        "profile_signal": telemetry.profile_signal,
        "last_request_at": last.isoformat() if last else None,
        "requests": telemetry.requests,
        "errors": telemetry.errors,
        "errors_by_status_class": dict(telemetry.errors_by_status_class),
        "errors_by_scim_type": dict(telemetry.errors_by_scim_type),
        "normalizations": dict(telemetry.normalizations),
        # Counted in memory per gateway process and added to these totals this often.
        "flush_interval_seconds": lag,
    }
