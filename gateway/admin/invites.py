"""Admin endpoints for invites: create (holds a seat at once), list, revoke, accept."""

from aiohttp import web

from auth.api_operations import QueryParameter, documented
from gateway.admin.request_bodies import InviteAcceptance, NewInvite
from gateway.admin.responses import InviteAnswer, MemberAnswer, page_of
from gateway.admin.seats import member_json
from gateway.directory.paging import (
    BAD_PAGING,
    PAGING_QUERY,
    loaded_page_response,
    position_paging,
)
from gateway.errors import ApiError, read_body
from gateway.keys import DATABASE
from seats import invites
from seats.orgs import get_org

routes = web.RouteTableDef()

_STATUSES = ["pending", "accepted", "revoked", "expired"]


@routes.post("/orgs/{org_id}/invites")
@documented(
    summary="Invite someone (the invite holds a seat at once)",
    tag="Invites",
    security="admin",
    body=NewInvite,
    status=201,
    response=InviteAnswer,
    errors={404: "no such organization", 409: "a pending invite or member has this address"},
)
async def create_invite(request: web.Request) -> web.Response:
    invite_request = await read_body(request, NewInvite)
    async with request.config_dict[DATABASE].transaction() as conn:
        invite = await invites.create_invite(
            conn,
            request.match_info["org_id"],
            invite_request.email,
            role=invite_request.role,
            actor="admin",
        )
    return web.json_response(invite_json(invite), status=201)


@routes.get("/orgs/{org_id}/invites")
@documented(
    summary="List the organization's invites",
    tag="Invites",
    security="admin",
    query=(
        QueryParameter("status", "Only invites in this state.", {"enum": _STATUSES}),
        *PAGING_QUERY,
    ),
    response=page_of(InviteAnswer),
    errors={
        400: BAD_PAGING,
        404: "no such organization",
        422: "status is not one of the states",
    },
)
async def list_invites(request: web.Request) -> web.Response:
    """Oldest first."""
    limit, after = position_paging(request, "invites", filters=("status",))
    status = request.query.get("status")
    if status is not None and status not in _STATUSES:
        raise ApiError(422, "invalid_value", f"status must be one of: {', '.join(_STATUSES)}")
    org_id = request.match_info["org_id"]
    async with request.config_dict[DATABASE].read() as conn:
        await get_org(conn, org_id)
        found = await invites.list_invites(conn, org_id, status=status)
    return loaded_page_response(found, invite_json, "invites", limit=limit, after=after)


@routes.get("/orgs/{org_id}/invites/{invite_id}")
@documented(
    summary="Get an invite",
    tag="Invites",
    security="admin",
    response=InviteAnswer,
    errors={404: "no such invite in this organization"},
)
async def get_invite(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].read() as conn:
        invite = await invites.get_invite(
            conn, request.match_info["org_id"], request.match_info["invite_id"]
        )
    return web.json_response(invite_json(invite))


@routes.delete("/orgs/{org_id}/invites/{invite_id}")
@documented(
    summary="Revoke an invite (its seat frees up)",
    tag="Invites",
    security="admin",
    status=204,
    errors={404: "no such invite in this organization", 409: "the invite is no longer pending"},
)
async def revoke_invite(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].transaction() as conn:
        await invites.revoke_invite(
            conn, request.match_info["org_id"], request.match_info["invite_id"], actor="admin"
        )
    return web.Response(status=204)


@routes.post("/orgs/{org_id}/invites/{invite_id}/accept")
@documented(
    summary="Accept an invite: create the member in the invite's seat",
    tag="Invites",
    security="admin",
    body=InviteAcceptance,
    body_required=False,
    status=201,
    response=MemberAnswer,
    errors={
        404: "no such invite in this organization",
        409: "the invite is not pending, or the userName is taken",
    },
)
async def accept_invite(request: web.Request) -> web.Response:
    """Create the member (userName defaults to the invited address); it takes the invite's seat."""
    acceptance = await read_body(request, InviteAcceptance, optional=True)
    async with request.config_dict[DATABASE].transaction() as conn:
        member = await invites.accept_invite(
            conn,
            request.match_info["org_id"],
            request.match_info["invite_id"],
            user_name=acceptance.user_name,
            display_name=acceptance.display_name,
            actor="admin",
        )
    return web.json_response(member_json(member), status=201)


def invite_json(invite: invites.Invite) -> InviteAnswer:
    return {
        "id": invite.id,
        "email": invite.email,
        "role": invite.role,
        "status": invite.status,
        "expires_at": invite.expires_at.isoformat(),
        "member_id": invite.member_id,
        "created_at": invite.created_at.isoformat(),
    }
