"""The Invites page: the org's invites with their status and expiry; an admin invites an address
(the invite holds a seat at once), resends a pending invite (a new expiry) and revokes one
(its seat goes to the member waiting longest). The use cases are seats/invites.py's, as for
the admin API (gateway/admin/invites.py); each change is audited with who made it.

seatgate sends no email for an invite: it holds the seat for the address until the person
arrives through the identity provider (or the product accepts the invite), and the page says so.
"""

from typing import Any

from aiohttp import web

from auth.model import ConsoleRole
from gateway.console.keys import SESSION
from gateway.console.render import render, see_other
from gateway.console.roles import require_role
from gateway.keys import DATABASE
from seats import audit, invites
from seats.errors import Conflict, InvalidValue, SeatLimitReached
from seats.orgs import get_org
from seats.summary import seat_summary

routes = web.RouteTableDef()

_NOTICES = {
    "created": "Invite made: it holds a seat for the address.",
    "resent": "Invite renewed: it expires later.",
    "revoked": "Invite revoked: its seat is free again.",
}


@routes.get("/orgs/{org_id}/invites")
async def invites_page(request: web.Request) -> web.Response:
    return await _render_page(request, notice=_NOTICES.get(request.query.get("notice", "")))


@routes.post("/orgs/{org_id}/invites")
async def create_invite(request: web.Request) -> web.Response:
    require_role(request, ConsoleRole.ADMIN)
    actor, org_id = request[SESSION].actor, request.match_info["org_id"]
    form = await request.post()
    email = str(form.get("email", "")).strip()
    role = str(form.get("role", "")).strip() or None
    entered = {"email": email, "role": role or ""}
    try:
        invites.validate_invite(email, role)
        async with request.config_dict[DATABASE].transaction() as conn:
            invite = await invites.create_invite(conn, org_id, email, role=role, actor=actor)
            await audit.record(
                conn,
                org_id,
                actor=actor,
                action="invite.created",
                target=invite.id,
                detail={"email": invite.email, "role": invite.role},
            )
    except InvalidValue as refusal:
        return await _render_page(request, error=refusal.detail, entered=entered, status=422)
    except (Conflict, SeatLimitReached) as refusal:
        return await _render_page(request, error=refusal.detail, entered=entered, status=409)
    return see_other(f"/console/orgs/{org_id}/invites?notice=created")


@routes.post("/orgs/{org_id}/invites/{invite_id}/resend")
async def resend_invite(request: web.Request) -> web.Response:
    return await _change(request, "resent")


@routes.post("/orgs/{org_id}/invites/{invite_id}/revoke")
async def revoke_invite(request: web.Request) -> web.Response:
    return await _change(request, "revoked")


async def _change(request: web.Request, change: str) -> web.Response:
    require_role(request, ConsoleRole.ADMIN)
    actor, org_id = request[SESSION].actor, request.match_info["org_id"]
    invite_id = request.match_info["invite_id"]
    try:
        async with request.config_dict[DATABASE].transaction() as conn:
            invite = await invites.get_invite(conn, org_id, invite_id)
            detail: dict[str, Any] = {"email": invite.email}
            if change == "resent":
                renewed = await invites.resend_invite(conn, org_id, invite_id, actor=actor)
                detail["expires_at"] = renewed.expires_at.isoformat()
            else:
                await invites.revoke_invite(conn, org_id, invite_id, actor=actor)
            await audit.record(
                conn,
                org_id,
                actor=actor,
                action=f"invite.{change}",
                target=invite_id,
                detail=detail,
            )
    except Conflict as refusal:
        return await _render_page(request, error=refusal.detail, status=409)
    return see_other(f"/console/orgs/{org_id}/invites?notice={change}")


async def _render_page(
    request: web.Request,
    *,
    notice: str | None = None,
    error: str | None = None,
    entered: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    org_id = request.match_info["org_id"]
    async with request.config_dict[DATABASE].read() as conn:
        org = await get_org(conn, org_id)
        seats = await seat_summary(conn, org_id)
        found = await invites.list_invites(conn, org_id)
    return render(
        "invites.html",
        request,
        {
            "org": org,
            "seats": seats,
            # Newest first: the invite just made or changed is at the top.
            "invites": sorted(found, key=lambda i: (i.created_at, i.id), reverse=True),
            "notice": notice,
            "error": error,
            "entered": entered or {"email": "", "role": ""},
        },
        status=status,
    )
