"""Admin endpoints that move one member's seat: release it, or assign a free seat to a member
waiting over the limit (seats/assignment.py has the rules)."""

from aiohttp import web

from gateway.admin.seats import member_json
from gateway.keys import DATABASE
from seats import assignment

routes = web.RouteTableDef()


@routes.post("/orgs/{org_id}/members/{member_id}/release-seat")
async def release_seat(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].transaction() as conn:
        member = await assignment.release_seat(
            conn, request.match_info["org_id"], request.match_info["member_id"], actor="admin"
        )
    return web.json_response(member_json(member))


@routes.post("/orgs/{org_id}/members/{member_id}/assign-seat")
async def assign_seat(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].transaction() as conn:
        member = await assignment.assign_seat(
            conn, request.match_info["org_id"], request.match_info["member_id"], actor="admin"
        )
    return web.json_response(member_json(member))
