"""The Identity provider page: the SCIM base URL, the org's SCIM tokens (create: shown once;
revoke), when each was last used and its connection telemetry (the IdP detected, requests,
errors, quirks normalized), the Okta and Entra setup guides with the org's values, and the
recent SCIM errors answered to the org's IdP."""

from typing import Any

from aiohttp import web

from auth.model import ConsoleRole
from auth.scim_tokens import IssuedToken, issue_scim_token, list_scim_tokens, revoke_scim_token
from gateway.console import idp_setup
from gateway.console.keys import SESSION
from gateway.console.render import render, see_other
from gateway.console.roles import require_role
from gateway.keys import DATABASE, SCIM_TOKENS, SETTINGS
from seats import audit, connection_telemetry, scim_error_log
from seats.connection_telemetry import NO_TELEMETRY
from seats.orgs import get_org

routes = web.RouteTableDef()

MAX_NAME = 200
RECENT_ERRORS = 50


@routes.get("/orgs/{org_id}/identity-provider")
async def identity_provider_page(request: web.Request) -> web.Response:
    return await _page(request)


@routes.post("/orgs/{org_id}/identity-provider/tokens")
async def create_token(request: web.Request) -> web.Response:
    """Answers the page itself with the new token in it, the only time it is shown: the page's
    form swaps in its token section (htmx), so reloading the page's URL shows it no more."""
    require_role(request, ConsoleRole.ADMIN)
    session = request[SESSION]
    name = str((await request.post()).get("name", "")).strip()
    problem = _name_problem(name)
    if problem:
        return await _page(request, name_error=problem, status=422)
    async with request.config_dict[DATABASE].transaction() as conn:
        issued = await issue_scim_token(conn, session.org_id, name=name)
        await audit.record(
            conn,
            session.org_id,
            actor=session.actor,
            action="scim_token.created",
            target=issued.id,
            detail={"name": name},
        )
    response = await _page(request, issued=issued)
    # The token is in this answer only: no cache may keep it.
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.post("/orgs/{org_id}/identity-provider/tokens/{token_id}/revoke")
async def revoke_token(request: web.Request) -> web.Response:
    require_role(request, ConsoleRole.ADMIN)
    session = request[SESSION]
    token_id = request.match_info["token_id"]
    async with request.config_dict[DATABASE].transaction() as conn:
        await revoke_scim_token(conn, session.org_id, token_id)
        await audit.record(
            conn, session.org_id, actor=session.actor, action="scim_token.revoked", target=token_id
        )
    # This process refuses the token at once; others within their cache's lifetime (30 s).
    request.config_dict[SCIM_TOKENS].clear()
    return see_other(f"/console/orgs/{session.org_id}/identity-provider")


async def _page(
    request: web.Request,
    *,
    issued: IssuedToken | None = None,
    name_error: str | None = None,
    status: int = 200,
) -> web.Response:
    org_id = request[SESSION].org_id
    async with request.config_dict[DATABASE].read() as conn:
        org = await get_org(conn, org_id)
        tokens = await list_scim_tokens(conn, org_id)
        telemetry = await connection_telemetry.for_tokens(conn, org_id, [t.id for t in tokens])
        errors = await scim_error_log.newest(conn, org_id, limit=RECENT_ERRORS)
    values = idp_setup.SetupValues(
        gateway_url=request.config_dict[SETTINGS].base_url,
        org_id=org_id,
        token=idp_setup.PLACEHOLDERS.token,
    )
    context: dict[str, Any] = {
        "org": org,
        "scim_base_url": values.scim_base_url,
        # Newest first: the token just made, or the one an IdP was set up with last.
        "tokens": sorted(tokens, key=lambda t: t.created_at, reverse=True),
        "telemetry": telemetry,
        "no_telemetry": NO_TELEMETRY,
        "telemetry_lag": request.config_dict[SETTINGS].scim_telemetry_flush_seconds,
        "issued": issued,
        "name_error": name_error,
        "max_name": MAX_NAME,
        "errors": errors,
        "guides": [(g, idp_setup.guide_html(g.idp, values)) for g in idp_setup.GUIDES],
    }
    return render("identity_provider.html", request, context, status=status)


def _name_problem(name: str) -> str | None:
    if len(name) > MAX_NAME:
        return f"A token's name is at most {MAX_NAME} characters."
    if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in name):
        return "A token's name cannot hold control characters."
    return None
