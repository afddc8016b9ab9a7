"""Admin endpoints that move one member's seat: release it, or assign a free seat to a member
waiting over the limit (seats/assignment.py has the rules)."""

from aiohttp import web

from auth.api_operations import documented
from gateway.admin.responses import MemberAnswer
from gateway.admin.seats import member_json
from gateway.keys import DATABASE
from seats import assignment

routes = web.RouteTableDef()


@routes.post("/orgs/{org_id}/members/{member_id}/release-seat")
@documented(
    summary="Release a member's seat (the member waits over the limit, held)",
    tag="Seats",
    security="admin",
    response=MemberAnswer,
    errors={404: "no such member in this organization", 409: "the member holds no seat"},
)
async def release_seat(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].transaction() as conn:
        member = await assignment.release_seat(
            conn, request.match_info["org_id"], request.match_info["member_id"], actor="admin"
        )
    return web.json_response(member_json(member))


@routes.post("/orgs/{org_id}/members/{member_id}/assign-seat")
@documented(
    summary="Give a free seat to a member waiting over the limit",
    tag="Seats",
    security="admin",
    response=MemberAnswer,
    errors={
        404: "no such member in this organization",
        409: "no seat is free, or the member is not over the limit",
    },
)
async def assign_seat(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].transaction() as conn:
        member = await assignment.assign_seat(
            conn, request.match_info["org_id"], request.match_info["member_id"], actor="admin"
        )
    return web.json_response(member_json(member))
