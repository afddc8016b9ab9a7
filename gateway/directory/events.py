"""GET /events: the ordered feed of what changed, for the product to follow with a cursor.

`?after=<event id>` resumes after that event (absent: from the oldest event kept), `limit`
(1..1000), `org_id` (one org; a client limited to one org reads only its own, also without
naming it) and `types` (comma-separated). The answer's `next_cursor` is always present: it is
where the next poll starts. A cursor older than the retention window is a 410.
"""

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from auth.api_operations import QueryParameter, documented
from auth.client_auth import authenticate_client
from auth.clients import ProductClient
from auth.routes import PRODUCT_TOKENS
from gateway.admin.responses import EventFeedPage
from gateway.directory.paging import (
    PAGING_QUERY,
    bad_request,
    check_parameters,
    parse_limit,
    single_parameter,
)
from gateway.keys import DATABASE
from seats import feed
from seats.directory import org_not_found
from seats.errors import InvalidValue, NotFound
from seats.orgs import get_org

routes = web.RouteTableDef()

_PARAMETERS = ("after", "limit", "org_id", "types")


@routes.get("/events")
@documented(
    summary="The ordered feed of what changed",
    tag="Events",
    security="client",
    query=(
        QueryParameter("after", "The event id to resume after; absent: the oldest event kept."),
        PAGING_QUERY[1],
        QueryParameter("org_id", "Only this organization's events."),
        QueryParameter("types", "Only these event types, comma-separated."),
    ),
    response=EventFeedPage,
    errors={
        400: "an unknown or malformed query parameter, cursor or type",
        404: "no such organization, or not one this client may read",
        410: "after is older than the retention window (cursor_expired)",
    },
)
async def list_events(request: web.Request) -> web.Response:
    check_parameters(request, _PARAMETERS)
    limit = parse_limit(request)
    after_text = single_parameter(request, "after")
    types_text = single_parameter(request, "types")
    org_id = single_parameter(request, "org_id")
    async with request.config_dict[DATABASE].read() as conn:
        client = await authenticate_client(
            request, conn, request.config_dict[PRODUCT_TOKENS].limiter
        )
        if org_id is not None and not await _visible(conn, client, org_id):
            raise org_not_found(org_id)
        scope = org_id or client.org_id
        try:
            page = await feed.read_feed(
                conn,
                after=None if after_text is None else feed.parse_cursor(after_text),
                limit=limit,
                org_ids=None if scope is None else [scope],
                types=None if types_text is None else _types(types_text),
            )
        except InvalidValue as error:
            # A malformed cursor or type is a bad request, not a rule of the domain refused.
            raise bad_request(error.detail) from None
    return web.json_response({"data": page.events, "next_cursor": page.next_cursor})


async def _visible(conn: AsyncConnection, client: ProductClient, org_id: str) -> bool:
    if not client.may_act_for(org_id):
        return False
    try:
        await get_org(conn, org_id)
    except NotFound:
        return False
    return True


def _types(text: str) -> tuple[str, ...]:
    return feed.parse_types([part.strip() for part in text.split(",") if part.strip()])
