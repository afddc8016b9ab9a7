"""GET /orgs/{org_id}/groups, /groups/{group_id} and /groups/{group_id}/members: the org's
groups, and a group's direct members one page at a time (a large group never loads at once)."""

from typing import Any

from aiohttp import web

from auth.api_operations import documented
from gateway.admin.responses import page_of
from gateway.directory.answers import DirectoryGroupAnswer, GroupMemberAnswer
from gateway.directory.auth import org_read
from gateway.directory.paging import (
    PAGING_PARAMETERS,
    PAGING_QUERY,
    check_parameters,
    created_cursor,
    member_cursor,
    page_response,
    parse_created_after,
    parse_limit,
    parse_member_after,
)
from seats import directory
from seats.directory import DirectoryGroup, GroupMemberEntry
from seats.events import group_snapshot

routes = web.RouteTableDef()

_GROUPS = "groups"
_MEMBERS = "members"


@routes.get("/orgs/{org_id}/groups")
@documented(
    summary="The organization's groups, oldest first",
    tag="Directory",
    security="client",
    query=PAGING_QUERY,
    response=page_of(DirectoryGroupAnswer),
    errors={
        400: "an unknown or malformed query parameter, or a cursor not from this listing",
        404: "no such organization, or not one this client may read",
    },
)
async def list_groups(request: web.Request) -> web.Response:
    async with org_read(request) as (conn, org_id):
        check_parameters(request, PAGING_PARAMETERS)
        page = await directory.list_groups(
            conn,
            org_id,
            limit=parse_limit(request),
            after=parse_created_after(request, _GROUPS),
        )
    return page_response(page, render_group, created_cursor(_GROUPS))


@routes.get("/orgs/{org_id}/groups/{group_id}")
@documented(
    summary="One group",
    tag="Directory",
    security="client",
    response=DirectoryGroupAnswer,
    errors={
        400: "a query parameter (this endpoint takes none)",
        404: "no such organization, or not one this client may read, or no such group",
    },
)
async def get_group(request: web.Request) -> web.Response:
    async with org_read(request) as (conn, org_id):
        check_parameters(request, ())
        group = await directory.get_group(conn, org_id, request.match_info["group_id"])
    return web.json_response(render_group(group))


@routes.get("/orgs/{org_id}/groups/{group_id}/members")
@documented(
    summary="A group's direct members (users and groups), one page at a time",
    tag="Directory",
    security="client",
    query=PAGING_QUERY,
    response=page_of(GroupMemberAnswer),
    errors={
        400: "an unknown or malformed query parameter, or a cursor not from this listing",
        404: "no such organization, or not one this client may read, or no such group",
    },
)
async def list_group_members(request: web.Request) -> web.Response:
    async with org_read(request) as (conn, org_id):
        check_parameters(request, PAGING_PARAMETERS)
        page = await directory.list_group_members(
            conn,
            org_id,
            request.match_info["group_id"],
            limit=parse_limit(request),
            after=parse_member_after(request, _MEMBERS),
        )
    return page_response(page, render_member, member_cursor(_MEMBERS))


def render_group(group: DirectoryGroup) -> dict[str, Any]:
    # The same shape as the group in group.* events.
    return group_snapshot(group)


def render_member(entry: GroupMemberEntry) -> dict[str, Any]:
    if entry.type == "group":
        return {"type": "group", "id": entry.id, "display_name": entry.display_name}
    assert entry.seat_status is not None
    return {
        "type": "user",
        "id": entry.id,
        "user_name": entry.user_name,
        "seat_status": entry.seat_status.value,
    }
