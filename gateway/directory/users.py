"""GET /orgs/{org_id}/users and /orgs/{org_id}/users/{user_id}: the org's users as the product
sees them, with their seat status, why it is so, and their groups."""

from datetime import datetime

from aiohttp import web

from auth.api_operations import QueryParameter, documented
from gateway.admin.responses import page_of
from gateway.directory.answers import DirectoryUserAnswer
from gateway.directory.auth import org_read
from gateway.directory.paging import (
    PAGING_PARAMETERS,
    PAGING_QUERY,
    bad_request,
    check_parameters,
    created_cursor,
    page_response,
    parse_created_after,
    parse_limit,
    single_parameter,
)
from seats import directory
from seats.directory import DirectoryUser, UserFilter
from seats.model import SeatStatus
from seats.profile import iso_time

routes = web.RouteTableDef()

_LISTING = "users"
_FILTERS = ("seat_status", "updated_since")


@routes.get("/orgs/{org_id}/users")
@documented(
    summary="The organization's users, oldest first",
    tag="Directory",
    security="client",
    query=(
        *PAGING_QUERY,
        QueryParameter(
            "seat_status",
            "Only users with this seat status.",
            {"enum": [status.value for status in SeatStatus]},
        ),
        QueryParameter(
            "updated_since",
            "Only users changed at or after this ISO 8601 time (with a timezone).",
            {"type": "string", "format": "date-time"},
        ),
    ),
    response=page_of(DirectoryUserAnswer),
    errors={
        400: "an unknown or malformed query parameter, or a cursor not from this listing",
        404: "no such organization, or not one this client may read",
    },
)
async def list_users(request: web.Request) -> web.Response:
    async with org_read(request) as (conn, org_id):
        check_parameters(request, (*PAGING_PARAMETERS, *_FILTERS))
        page = await directory.list_users(
            conn,
            org_id,
            limit=parse_limit(request),
            after=parse_created_after(request, _LISTING),
            where=UserFilter(
                seat_status=_seat_status(request), updated_since=_updated_since(request)
            ),
        )
    return page_response(page, render_user, created_cursor(_LISTING))


@routes.get("/orgs/{org_id}/users/{user_id}")
@documented(
    summary="One user",
    tag="Directory",
    security="client",
    response=DirectoryUserAnswer,
    errors={
        400: "a query parameter (this endpoint takes none)",
        404: "no such organization, or not one this client may read, or no such user",
    },
)
async def get_user(request: web.Request) -> web.Response:
    async with org_read(request) as (conn, org_id):
        check_parameters(request, ())
        user = await directory.get_user(conn, org_id, request.match_info["user_id"])
    return web.json_response(render_user(user))


def render_user(user: DirectoryUser) -> DirectoryUserAnswer:
    return {
        "id": user.id,
        "user_name": user.user_name,
        "external_id": user.external_id,
        "active": user.active,
        "emails": [
            {"value": email.value, "type": email.type, "primary": email.primary}
            for email in user.emails
        ],
        "name": {
            "given_name": user.given_name,
            "family_name": user.family_name,
            "formatted": user.formatted_name,
        },
        "display_name": user.display_name,
        "seat_status": user.seat_status.value,
        "seat_reason": user.seat_reason,
        "groups": [{"id": group.id, "display_name": group.display_name} for group in user.groups],
        "created_at": iso_time(user.created_at),
        "updated_at": iso_time(user.updated_at),
    }


def _seat_status(request: web.Request) -> SeatStatus | None:
    raw = single_parameter(request, "seat_status")
    if raw is None:
        return None
    try:
        return SeatStatus(raw)
    except ValueError:
        allowed = ", ".join(status.value for status in SeatStatus)
        raise bad_request(f"seat_status must be one of {allowed}; got {raw[:40]!r}") from None


def _updated_since(request: web.Request) -> datetime | None:
    raw = single_parameter(request, "updated_since")
    if raw is None:
        return None
    # An unencoded "+" of a UTC offset arrives as a space (form decoding of the query); an
    # ISO 8601 date-time has no space of its own, so the "+" is put back.
    value = raw.replace(" ", "+") if "T" in raw else raw
    try:
        since = datetime.fromisoformat(value)
    except ValueError:
        since = None
    if since is None or since.tzinfo is None:
        raise bad_request(
            "updated_since must be an ISO 8601 date-time with a timezone, "
            f"e.g. 2026-11-23T09:30:00Z; got {raw[:40]!r}"
        )
    return since
