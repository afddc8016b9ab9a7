"""The Members page: search, filter by seat status, sort, keyset pages (seats.member_listing),
and an admin's manual seat assignment: release a member's seat, assign a free seat to a member
waiting over the limit (seats.assignment, the use cases of the admin API's release-seat and
assign-seat).

The row buttons are plain forms: the POST answers 303 back to the listing the admin was on, so
every row (whether a seat is now free shows on all of them) is drawn again. A refusal (no seat
free, a seat already released) re-renders the page with the engine's sentence and 409.

A page cursor is the unpadded base64url JSON of [order, tagged sort value, created_at, id],
the keyset position of the last row; it only says where to resume in what the session may read.
"""

import base64
import binascii
import json
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from auth.model import ConsoleRole
from gateway.console.keys import SESSION
from gateway.console.render import render, see_other
from gateway.console.roles import require_role
from gateway.keys import DATABASE
from seats import assignment, audit, member_listing
from seats.errors import Conflict, SeatLimitReached
from seats.json_input import parse_json
from seats.member_listing import MemberOrder
from seats.model import SeatStatus
from seats.orgs import get_org
from seats.query import Position
from seats.summary import seat_summary

routes = web.RouteTableDef()

PAGE_SIZE = 50
MAX_SEARCH_LENGTH = 200
# Statuses a member can have; pending invites are listed on the Invites page.
FILTERABLE = (SeatStatus.ACTIVE, SeatStatus.OVER_LIMIT, SeatStatus.DEACTIVATED)
_LISTING_PARAMETERS = ("q", "seat_status", "sort", "after", "limit")
_NOTICES = {
    "released": "Seat released. The member waits over the limit until a seat is assigned to it.",
    "assigned": "Seat assigned.",
}
# The seat ledger's reasons (seats.ledger.Reason) in words.
REASONS = {
    "created": "provisioned",
    "deleted": "deleted",
    "deactivated": "deactivated by the identity provider",
    "reactivated": "reactivated by the identity provider",
    "exemption_gained": "became seat-exempt",
    "exemption_lost": "no longer seat-exempt",
    "promoted": "given a freed seat",
    "downgrade_enforced": "seat limit lowered",
    "auto_expanded": "seat limit grown for it",
    "invite_accepted": "accepted an invite",
    "seat_released": "seat released by an admin",
    "seat_assigned": "seat assigned by an admin",
    "changed": "changed",
}


@routes.get("/orgs/{org_id}/members")
async def members_page(request: web.Request) -> web.Response:
    return await _render_page(request, dict(request.query))


@routes.post("/orgs/{org_id}/members/{member_id}/release-seat")
async def release_seat(request: web.Request) -> web.Response:
    return await _change_seat(request, "released")


@routes.post("/orgs/{org_id}/members/{member_id}/assign-seat")
async def assign_seat(request: web.Request) -> web.Response:
    return await _change_seat(request, "assigned")


async def _change_seat(request: web.Request, change: str) -> web.Response:
    require_role(request, ConsoleRole.ADMIN)
    session = request[SESSION]
    org_id, member_id = request.match_info["org_id"], request.match_info["member_id"]
    form = await request.post()
    listing = _listing_of(form.get("back"))
    use_case = assignment.release_seat if change == "released" else assignment.assign_seat
    try:
        async with request.config_dict[DATABASE].transaction() as conn:
            member = await use_case(conn, org_id, member_id, actor=session.actor)
            await audit.record(
                conn,
                org_id,
                actor=session.actor,
                action="seat.released" if change == "released" else "seat.assigned",
                target=member_id,
                detail={"user_name": member.user_name, "seat_status": member.seat_status.value},
            )
    except (Conflict, SeatLimitReached) as refusal:
        return await _render_page(request, listing, error=refusal.detail, status=409)
    return see_other(f"{_base(org_id)}?{urlencode({**listing, 'notice': change})}")


async def _render_page(
    request: web.Request, query: dict[str, str], *, error: str | None = None, status: int = 200
) -> web.Response:
    org_id = request.match_info["org_id"]
    search = query.get("q", "").strip()[:MAX_SEARCH_LENGTH]
    seat_status = _seat_status(query.get("seat_status", ""))
    order = _order(query.get("sort", ""))
    limit = _limit(query.get("limit", ""))
    after = _decode_cursor(query.get("after", ""), order)
    async with request.config_dict[DATABASE].read() as conn:
        org = await get_org(conn, org_id)
        seats = await seat_summary(conn, org_id)
        page = await member_listing.list_members(
            conn,
            org_id,
            search=search,
            seat_status=seat_status,
            order=order,
            limit=limit,
            after=after,
        )
    listing = {"q": search, "seat_status": seat_status or "", "sort": order.value}
    if limit != PAGE_SIZE:
        listing["limit"] = str(limit)
    here = {**listing, **({"after": query["after"]} if after is not None else {})}
    next_url = None
    if page.next_after is not None:
        cursor = _encode_cursor(order, page.next_after)
        next_url = f"{_base(org_id)}?{urlencode({**listing, 'after': cursor})}"
    return render(
        "members.html",
        request,
        {
            "org": org,
            "seats": seats,
            "seat_free": member_listing.seat_is_free(seats),
            "members": page.items,
            "search": search,
            "seat_status": seat_status,
            "statuses": FILTERABLE,
            "order": order,
            "orders": list(MemberOrder),
            "reasons": REASONS,
            "back": urlencode(here),
            "first_url": f"{_base(org_id)}?{urlencode(listing)}" if after is not None else None,
            "next_url": next_url,
            "notice": _NOTICES.get(query.get("notice", "")) if error is None else None,
            "error": error,
        },
        status=status,
    )


def _base(org_id: str) -> str:
    return f"/console/orgs/{org_id}/members"


def _listing_of(back: Any) -> dict[str, str]:
    """The listing a row's form came from (its hidden `back` field), known parameters only:
    the redirect stays on this page whatever the field holds."""
    if not isinstance(back, str):
        return {}
    return {k: v for k, v in parse_qsl(back[:2000]) if k in _LISTING_PARAMETERS}


def _seat_status(raw: str) -> SeatStatus | None:
    if not raw:
        return None
    try:
        return SeatStatus(raw)
    except ValueError:
        allowed = ", ".join(status.value for status in FILTERABLE)
        raise web.HTTPBadRequest(reason=f"seat status must be one of {allowed}") from None


def _order(raw: str) -> MemberOrder:
    if not raw:
        return MemberOrder.NAME
    try:
        return MemberOrder(raw)
    except ValueError:
        allowed = ", ".join(order.value for order in MemberOrder)
        raise web.HTTPBadRequest(reason=f"sort must be one of {allowed}") from None


def _limit(raw: str) -> int:
    if not raw:
        return PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= member_listing.MAX_PAGE_SIZE:
        raise web.HTTPBadRequest(
            reason=f"limit must be a whole number from 1 to {member_listing.MAX_PAGE_SIZE}"
        )
    return int(raw)


def _encode_cursor(order: MemberOrder, position: Position) -> str:
    value = position.sort_value
    tagged = ["t", value.isoformat()] if isinstance(value, datetime) else ["v", value]
    raw = json.dumps([order.value, tagged, position.created_at.isoformat(), position.id])
    return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()


def _decode_cursor(cursor: str, order: MemberOrder) -> Position | None:
    if not cursor:
        return None
    try:
        if len(cursor) > 2000:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sort, (tag, value), created, member_id = parse_json(raw, top_level=list)
        if sort != order.value or not isinstance(member_id, str):
            raise ValueError("another listing's cursor")
        if tag == "t":
            value = datetime.fromisoformat(value)
        elif tag != "v" or not (value is None or isinstance(value, str)):
            raise ValueError("bad sort value")
        created_at = datetime.fromisoformat(created)
        if created_at.tzinfo is None or (isinstance(value, datetime) and value.tzinfo is None):
            raise ValueError("no offset")
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        # parse_json's InvalidJson (a ValueError) refuses NUL and lone surrogates too.
        raise web.HTTPBadRequest(
            reason="this page link is not one the console made; start from the first page"
        ) from None
    return Position(value, created_at, member_id)
