"""Admin endpoints for the product's event webhooks: create (the signing secret is in this
answer only), list, get, delete, the delivery log, and replay from a cursor.

Bad input is a 400 (`invalid_request`): a url that is not http(s) with a host, an unknown event
type, a malformed cursor; a url at a loopback or private address is 400 `private_address`
unless SEATGATE_ALLOW_PRIVATE_WEBHOOK_URLS is set (seats/webhook_urls.py). An unknown org or
endpoint is a 404, a cursor older than the retention window a 410.
"""

from datetime import datetime
from typing import Any

from aiohttp import web

from auth.api_operations import documented
from auth.request_bodies import Model
from gateway.admin.request_bodies import NewEventEndpoint, Replay
from gateway.directory.paging import (
    BAD_PAGING,
    PAGING_QUERY,
    bad_request,
    loaded_page_response,
    page_of_rows,
    page_response,
    position_cursor,
    position_paging,
)
from gateway.errors import ApiError, read_body
from gateway.keys import DATABASE, SETTINGS
from seats import event_endpoints, feed
from seats.errors import InvalidValue
from seats.webhook_urls import PrivateWebhookUrl

routes = web.RouteTableDef()


@routes.post("/event-endpoints")
@documented(
    summary="Create an event webhook endpoint",
    description="The signing secret is in this answer only. Bad input is 400 invalid_request.",
    tag="Event webhooks",
    security="admin",
    body=NewEventEndpoint,
    status=201,
    errors={400: "a bad url or event type, an unknown field, or a private address"},
)
async def create_endpoint(request: web.Request) -> web.Response:
    endpoint_request = await _read(request, NewEventEndpoint)
    try:
        async with request.config_dict[DATABASE].transaction() as conn:
            endpoint = await event_endpoints.create_endpoint(
                conn,
                url=endpoint_request.url,
                org_id=endpoint_request.org_id,
                types=endpoint_request.types,
                allow_private_url=request.config_dict[SETTINGS].allow_private_webhook_urls,
            )
    except PrivateWebhookUrl as error:
        raise ApiError(400, error.code, error.detail) from None
    except InvalidValue as error:
        # A bad url or type is a bad request, not a rule of the domain refused.
        raise bad_request(error.detail) from None
    return web.json_response({**endpoint_json(endpoint), "secret": endpoint.secret}, status=201)


@routes.get("/event-endpoints")
@documented(
    summary="List event webhook endpoints",
    tag="Event webhooks",
    security="admin",
    query=PAGING_QUERY,
    errors={400: BAD_PAGING},
)
async def list_endpoints(request: web.Request) -> web.Response:
    limit, after = position_paging(request, "event-endpoints")
    async with request.config_dict[DATABASE].read() as conn:
        found = await event_endpoints.list_endpoints(conn)
    return loaded_page_response(found, endpoint_json, "event-endpoints", limit=limit, after=after)


@routes.get("/event-endpoints/{endpoint_id}")
@documented(
    summary="Get an event webhook endpoint",
    tag="Event webhooks",
    security="admin",
    errors={404: "no such endpoint"},
)
async def get_endpoint(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].read() as conn:
        endpoint = await event_endpoints.get_endpoint(conn, request.match_info["endpoint_id"])
    return web.json_response(endpoint_json(endpoint))


@routes.delete("/event-endpoints/{endpoint_id}")
@documented(
    summary="Delete an event webhook endpoint",
    tag="Event webhooks",
    security="admin",
    status=204,
    errors={404: "no such endpoint"},
)
async def delete_endpoint(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].transaction() as conn:
        await event_endpoints.delete_endpoint(conn, request.match_info["endpoint_id"])
    return web.Response(status=204)


@routes.get("/event-endpoints/{endpoint_id}/deliveries")
@documented(
    summary="The endpoint's delivery log, newest first",
    tag="Event webhooks",
    security="admin",
    query=PAGING_QUERY,
    errors={400: BAD_PAGING, 404: "no such endpoint"},
)
async def list_deliveries(request: web.Request) -> web.Response:
    """Newest first; `after` is the `next_cursor` of the previous page."""
    limit, before = position_paging(request, "endpoint-deliveries")
    async with request.config_dict[DATABASE].read() as conn:
        found = await event_endpoints.list_deliveries(
            conn, request.match_info["endpoint_id"], before=before, limit=limit + 1
        )
    page = page_of_rows(found, limit=limit, position=lambda d: d.id)
    return page_response(page, delivery_json, position_cursor("endpoint-deliveries"))


@routes.post("/event-endpoints/{endpoint_id}/replay")
@documented(
    summary="Deliver again every matching event after an event id",
    tag="Event webhooks",
    security="admin",
    body=Replay,
    errors={
        400: "after is missing or not an event id",
        404: "no such endpoint",
        410: "after is older than the retention window",
    },
)
async def replay(request: web.Request) -> web.Response:
    """Deliver again every matching event after `after` (an event id); enables the endpoint."""
    after = (await _read(request, Replay)).after
    try:
        position = feed.parse_cursor(after)
        async with request.config_dict[DATABASE].transaction() as conn:
            endpoint = await event_endpoints.replay(
                conn, request.match_info["endpoint_id"], after=position
            )
    except InvalidValue as error:
        raise bad_request(error.detail) from None
    return web.json_response(endpoint_json(endpoint))


def endpoint_json(endpoint: event_endpoints.Endpoint) -> dict[str, Any]:
    """An endpoint without its secret."""
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "org_id": endpoint.org_id,
        "types": None if endpoint.types is None else list(endpoint.types),
        "state": endpoint.state,
        "disabled_reason": endpoint.disabled_reason,
        "cursor": feed.event_id(endpoint.cursor),
        "failures": endpoint.failures,
        "failing_since": _time(endpoint.failing_since),
        "next_attempt_at": _time(endpoint.next_attempt_at),
        "created_at": endpoint.created_at.isoformat(),
    }


def delivery_json(delivery: event_endpoints.Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "attempt": delivery.attempt,
        "event_id": feed.event_id(delivery.event_position),
        "ok": delivery.ok,
        "status_code": delivery.status_code,
        "error": delivery.error,
        "latency_ms": delivery.latency_ms,
        "at": delivery.at.isoformat(),
    }


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


async def _read(request: web.Request, model: type[Model]) -> Model:
    """The body, with every refusal a 400 invalid_request (this API's answer to bad input)."""
    try:
        return await read_body(request, model)
    except InvalidValue as error:
        raise bad_request(error.detail) from None
