"""Admin endpoints of the mass-deprovisioning guard: an org's holds, and the decision about
one (seats/deprovision_holds.py has the rules; docs/deprovisioning-guard.md the story)."""

from typing import Any

from aiohttp import web

from auth.api_operations import QueryParameter, documented
from gateway.admin.actor import ACTOR
from gateway.directory.paging import (
    BAD_PAGING,
    PAGING_QUERY,
    loaded_page_response,
    position_paging,
)
from gateway.errors import ApiError
from gateway.keys import DATABASE
from seats import deprovision_holds
from seats.deprovision_holds import HeldDeprovision, Hold, HoldDetail, HoldState

routes = web.RouteTableDef()


@routes.get("/orgs/{org_id}/deprovision-holds")
@documented(
    summary="The organization's deprovisioning holds, newest first",
    tag="Deprovisioning guard",
    security="admin",
    query=(
        QueryParameter(
            "state", "Only holds in this state.", {"enum": [s.value for s in HoldState]}
        ),
        *PAGING_QUERY,
    ),
    errors={400: f"state is not one of the states, or {BAD_PAGING}", 404: "no such organization"},
)
async def list_holds(request: web.Request) -> web.Response:
    """Newest first; `?state=open|confirmed|rejected`."""
    limit, after = position_paging(request, "deprovision-holds", filters=("state",))
    state = request.query.get("state")
    if state is not None and state not in {s.value for s in HoldState}:
        raise ApiError(400, "invalid_request", "state must be one of: open, confirmed, rejected")
    async with request.config_dict[DATABASE].read() as conn:
        holds = await deprovision_holds.list_holds(
            conn, request.match_info["org_id"], state=HoldState(state) if state else None
        )
    return loaded_page_response(holds, hold_json, "deprovision-holds", limit=limit, after=after)


@routes.get("/orgs/{org_id}/deprovision-holds/{hold_id}")
@documented(
    summary="One hold, with the deprovisions it holds back",
    tag="Deprovisioning guard",
    security="admin",
    errors={404: "no such hold in this organization"},
)
async def get_hold(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].read() as conn:
        detail = await deprovision_holds.get_hold(
            conn, request.match_info["org_id"], request.match_info["hold_id"]
        )
    return web.json_response(detail_json(detail))


@routes.post("/orgs/{org_id}/deprovision-holds/{hold_id}/confirm")
@documented(
    summary="Confirm a hold: apply the deprovisions it held back",
    tag="Deprovisioning guard",
    security="admin",
    errors={404: "no such hold in this organization", 409: "the hold is no longer open"},
)
async def confirm_hold(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].transaction() as conn:
        hold = await deprovision_holds.confirm_hold(
            conn, request.match_info["org_id"], request.match_info["hold_id"], actor=request[ACTOR]
        )
    return web.json_response(hold_json(hold))


@routes.post("/orgs/{org_id}/deprovision-holds/{hold_id}/reject")
@documented(
    summary="Reject a hold: the held members stay as they are",
    tag="Deprovisioning guard",
    security="admin",
    errors={404: "no such hold in this organization", 409: "the hold is no longer open"},
)
async def reject_hold(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].transaction() as conn:
        hold = await deprovision_holds.reject_hold(
            conn, request.match_info["org_id"], request.match_info["hold_id"], actor=request[ACTOR]
        )
    return web.json_response(hold_json(hold))


def hold_json(hold: Hold) -> dict[str, Any]:
    return {
        "id": hold.id,
        "state": hold.state.value,
        "held": hold.held,
        "alert_id": hold.alert_id,
        "created_at": hold.created_at.isoformat(),
        "resolved_at": hold.resolved_at.isoformat() if hold.resolved_at else None,
        "resolved_by": hold.resolved_by,
    }


def held_json(held: HeldDeprovision) -> dict[str, Any]:
    return {
        "member_id": held.member_id,
        "user_name": held.user_name,
        "action": held.action.value,
        "requested_at": held.requested_at.isoformat(),
        "actor": held.actor,
    }


def detail_json(detail: HoldDetail) -> dict[str, Any]:
    return {**hold_json(detail.hold), "deprovisions": [held_json(h) for h in detail.held]}
