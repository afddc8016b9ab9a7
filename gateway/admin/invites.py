"""Admin endpoints for invites: create (holds a seat at once), list, revoke, accept."""

from typing import Any

from aiohttp import web

from gateway.admin.seats import member_json
from gateway.errors import ApiError, read_json_object
from gateway.keys import DATABASE
from seats import invites
from seats.orgs import get_org

routes = web.RouteTableDef()

_STATUSES = ["pending", "accepted", "revoked", "expired"]


@routes.post("/orgs/{org_id}/invites")
async def create_invite(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    _refuse_unknown(body, {"email", "role"})
    if "email" not in body:
        raise ApiError(422, "invalid_value", "email is required: the address to invite")
    invites.validate_invite(body["email"], body.get("role"))
    async with request.config_dict[DATABASE].transaction() as conn:
        invite = await invites.create_invite(
            conn,
            request.match_info["org_id"],
            body["email"],  # type: ignore[arg-type]  # validated above
            role=body.get("role"),  # type: ignore[arg-type]
            actor="admin",
        )
    return web.json_response(invite_json(invite), status=201)


@routes.get("/orgs/{org_id}/invites")
async def list_invites(request: web.Request) -> web.Response:
    status = request.query.get("status")
    if status is not None and status not in _STATUSES:
        raise ApiError(422, "invalid_value", f"status must be one of: {', '.join(_STATUSES)}")
    org_id = request.match_info["org_id"]
    async with request.config_dict[DATABASE].read() as conn:
        await get_org(conn, org_id)
        found = await invites.list_invites(conn, org_id, status=status)
    return web.json_response({"invites": [invite_json(i) for i in found]})


@routes.get("/orgs/{org_id}/invites/{invite_id}")
async def get_invite(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].read() as conn:
        invite = await invites.get_invite(
            conn, request.match_info["org_id"], request.match_info["invite_id"]
        )
    return web.json_response(invite_json(invite))


@routes.delete("/orgs/{org_id}/invites/{invite_id}")
async def revoke_invite(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].transaction() as conn:
        await invites.revoke_invite(
            conn, request.match_info["org_id"], request.match_info["invite_id"], actor="admin"
        )
    return web.Response(status=204)


@routes.post("/orgs/{org_id}/invites/{invite_id}/accept")
async def accept_invite(request: web.Request) -> web.Response:
    """Create the member (userName defaults to the invited address); it takes the invite's seat."""
    body = await read_json_object(request) if request.can_read_body else {}
    _refuse_unknown(body, {"user_name", "display_name"})
    for name in ("user_name", "display_name"):
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 512):
            raise ApiError(422, "invalid_value", f"{name} must be a string of 1 to 512 characters")
    async with request.config_dict[DATABASE].transaction() as conn:
        member = await invites.accept_invite(
            conn,
            request.match_info["org_id"],
            request.match_info["invite_id"],
            user_name=body.get("user_name"),  # type: ignore[arg-type]
            display_name=body.get("display_name"),  # type: ignore[arg-type]
            actor="admin",
        )
    return web.json_response(member_json(member), status=201)


def invite_json(invite: invites.Invite) -> dict[str, Any]:
    return {
        "id": invite.id,
        "email": invite.email,
        "role": invite.role,
        "status": invite.status,
        "expires_at": invite.expires_at.isoformat(),
        "member_id": invite.member_id,
        "created_at": invite.created_at.isoformat(),
    }


def _refuse_unknown(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiError(
            422,
            "unknown_field",
            f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}",
        )
