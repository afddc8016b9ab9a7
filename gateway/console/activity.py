"""The Activity page: the org's event feed (by type, paged newer/older by cursor), its alert
deliveries, and its audit trail (by action)."""

from typing import Any

from aiohttp import web

from gateway.console.keys import SESSION
from gateway.console.render import render
from gateway.keys import DATABASE
from seats import activity
from seats.events import EVENT_TYPES
from seats.orgs import get_org

routes = web.RouteTableDef()

PAGE = 25
# The fields that name what an event is about, in the order the page looks for one.
_SUBJECT_FIELDS = ("user_name", "display_name", "email", "member_id", "invite_id", "alert_id")
_DETAIL_FIELDS = ("seat_status", "previous_seat_status", "reason", "seat_limit", "kind")


@routes.get("/orgs/{org_id}/activity")
async def activity_page(request: web.Request) -> web.Response:
    org_id = request[SESSION].org_id
    query = request.query
    event_type = query.get("type") or None
    action = query.get("action") or None
    async with request.config_dict[DATABASE].read() as conn:
        org = await get_org(conn, org_id)
        events = await activity.events(
            conn,
            org_id,
            types=[event_type] if event_type else None,
            before=query.get("before") or None,
            after=query.get("after") or None,
            limit=PAGE,
        )
        deliveries = await activity.deliveries(conn, org_id)
        actions = await activity.audit_actions(conn, org_id)
        trail = await activity.trail(conn, org_id, action=action)
    return render(
        "activity.html",
        request,
        {
            "org": org,
            "event_types": EVENT_TYPES,
            "event_type": event_type,
            "events": [(event, _summary(event["data"])) for event in events.events],
            "older": _link(request, before=events.older) if events.older else None,
            "newer": _link(request, after=events.newer) if events.newer else None,
            "deliveries": deliveries,
            "actions": actions,
            "action": action,
            "trail": trail,
        },
    )


def _summary(data: dict[str, Any]) -> str:
    subject = next((str(data[f]) for f in _SUBJECT_FIELDS if data.get(f)), "")
    details = [f"{f.replace('_', ' ')} {data[f]}" for f in _DETAIL_FIELDS if data.get(f)]
    return " · ".join([subject, *details] if subject else details)


def _link(request: web.Request, **cursor: str | None) -> str:
    """This page's URL with the filters kept and the cursor replaced."""
    kept = {k: v for k, v in request.query.items() if k not in ("before", "after") and v}
    return str(request.rel_url.with_query({**kept, **cursor}))
