"""Admin endpoints for an organization's seats: the summary, members by seat status, the seat
ledger, alerts and their deliveries, and scheduled capacity changes."""

from datetime import datetime
from typing import Any

from aiohttp import web

from auth.api_operations import QueryParameter, documented
from gateway.admin.request_bodies import CapacityChangeRequest
from gateway.admin.responses import CapacityChangeAnswer, MemberAnswer, SeatSummaryAnswer
from gateway.errors import ApiError, read_body
from gateway.keys import DATABASE
from seats import alerts, capacity, invites, ledger, outbox, summary
from seats.alerts import AlertKind
from seats.model import Member, SeatStatus
from seats.orgs import get_org
from seats.query import Comparison, ListQuery, MemberField, Op
from seats.storage import member_queries

routes = web.RouteTableDef()

MAX_PAGE = 500
_SEAT_STATUSES = [s.value for s in SeatStatus]


def _limit(default: int) -> QueryParameter:
    schema = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": default}
    return QueryParameter("limit", "Items per page.", schema)


_offset = QueryParameter(
    "offset", "Items to skip.", {"type": "integer", "minimum": 0, "default": 0}
)


@routes.get("/orgs/{org_id}/seats")
@documented(
    summary="The organization's seat summary",
    tag="Seats",
    security="admin",
    response=SeatSummaryAnswer,
    errors={404: "no such organization"},
)
async def get_seats(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].read() as conn:
        s = await summary.seat_summary(conn, request.match_info["org_id"])
    return web.json_response(seats_json(s))


def seats_json(s: summary.SeatSummary) -> dict[str, Any]:
    """The seat summary as the API (and `seatgate orgs show`) shows it."""
    return {
        "capacity": s.capacity,
        "used": s.used,
        "available": s.available,
        "over_limit": s.over_limit,
        "pending_invites": s.pending_invites,
        "exempt": s.exempt,
        "active": s.active,
        "deactivated": s.deactivated,
        "seat_policy": s.seat_policy.value,
        "max_seats": s.max_seats,
        "scheduled_changes": [change_json(c) for c in s.scheduled_changes],
    }


@routes.get("/orgs/{org_id}/members")
@documented(
    summary="Members, optionally by seat status",
    tag="Seats",
    security="admin",
    description="seat_status=pending_invite lists the pending invites as members.",
    query=(
        QueryParameter(
            "seat_status", "Only members with this seat status.", {"enum": _SEAT_STATUSES}
        ),
        _limit(100),
        _offset,
    ),
    errors={404: "no such organization", 422: "a query parameter out of range"},
)
async def get_members(request: web.Request) -> web.Response:
    """Members, optionally by seat status; `pending_invite` lists the pending invites."""
    org_id = request.match_info["org_id"]
    status = _choice(request, "seat_status", _SEAT_STATUSES)
    limit = int_param(request, "limit", default=100, minimum=1, maximum=MAX_PAGE)
    offset = int_param(request, "offset", default=0, minimum=0, maximum=10**9)
    async with request.config_dict[DATABASE].read() as conn:
        await get_org(conn, org_id)
        if status == SeatStatus.PENDING_INVITE.value:
            pending = await invites.list_invites(conn, org_id, status="pending")
            page = pending[offset : offset + limit]
            return web.json_response(
                {"total": len(pending), "members": [_invite_as_member(i) for i in page]}
            )
        condition = None
        if status:
            condition = Comparison(MemberField.SEAT_STATUS, Op.EQ, status, case_exact=True)
        query = ListQuery(condition, offset=offset, limit=limit)
        total, found = await member_queries.list_members(conn, org_id, query)
    return web.json_response({"total": total, "members": [member_json(m) for m in found]})


@routes.get("/orgs/{org_id}/ledger")
@documented(
    summary="The seat ledger: every seat status change, oldest first",
    tag="Seats",
    security="admin",
    query=(
        _limit(100),
        QueryParameter(
            "after", "The next_after of the previous page.", {"type": "integer", "minimum": 0}
        ),
        QueryParameter("member_id", "Only this member's entries."),
    ),
    errors={404: "no such organization", 422: "a query parameter out of range"},
)
async def get_ledger(request: web.Request) -> web.Response:
    """Oldest first; `after` is the last entry id of the previous page (`next_after`)."""
    org_id = request.match_info["org_id"]
    limit = int_param(request, "limit", default=100, minimum=1, maximum=MAX_PAGE)
    after = int_param(request, "after", default=None, minimum=0, maximum=2**62)
    async with request.config_dict[DATABASE].read() as conn:
        await get_org(conn, org_id)
        entries = await ledger.list_entries(
            conn, org_id, limit=limit, after=after, member_id=request.query.get("member_id")
        )
    return web.json_response(
        {
            "entries": [
                {
                    "id": e.id,
                    "member_id": e.member_id,
                    "invite_id": e.invite_id,
                    "from": e.from_status.value if e.from_status else None,
                    "to": e.to_status.value if e.to_status else None,
                    "reason": e.reason,
                    "actor": e.actor,
                    "at": e.at.isoformat(),
                }
                for e in entries
            ],
            "next_after": entries[-1].id if len(entries) == limit else None,
        }
    )


@routes.get("/orgs/{org_id}/alerts")
@documented(
    summary="The organization's alerts, newest first",
    tag="Alerts",
    security="admin",
    query=(
        QueryParameter("state", "Only open or closed alerts.", {"enum": ["open", "closed"]}),
        QueryParameter("kind", "Only alerts of this kind.", {"enum": [k.value for k in AlertKind]}),
        _limit(100),
        _offset,
    ),
    errors={404: "no such organization", 422: "a query parameter out of range"},
)
async def get_alerts(request: web.Request) -> web.Response:
    """Newest first, optionally by `state` (open, closed) and `kind`."""
    org_id = request.match_info["org_id"]
    state = _choice(request, "state", [alerts.OPEN, alerts.CLOSED])
    kind = _choice(request, "kind", [k.value for k in AlertKind])
    limit = int_param(request, "limit", default=100, minimum=1, maximum=MAX_PAGE)
    offset = int_param(request, "offset", default=0, minimum=0, maximum=10**9)
    async with request.config_dict[DATABASE].read() as conn:
        await get_org(conn, org_id)
        found = await alerts.list_alerts(
            conn,
            org_id,
            state=state,
            kind=AlertKind(kind) if kind else None,
            limit=limit,
            offset=offset,
        )
    return web.json_response(
        {
            "alerts": [
                {
                    "id": a.id,
                    "kind": a.kind.value,
                    "state": a.state,
                    "details": a.details,
                    "created_at": a.created_at.isoformat(),
                    "updated_at": a.updated_at.isoformat(),
                    "closed_at": a.closed_at.isoformat() if a.closed_at else None,
                }
                for a in found
            ]
        }
    )


@routes.get("/orgs/{org_id}/deliveries")
@documented(
    summary="The alert delivery log",
    tag="Alerts",
    security="admin",
    query=(
        _limit(100),
        QueryParameter(
            "after", "The next_after of the previous page.", {"type": "integer", "minimum": 0}
        ),
    ),
    errors={404: "no such organization", 422: "a query parameter out of range"},
)
async def get_deliveries(request: web.Request) -> web.Response:
    """The delivery log: every attempt to send an alert (or other outbox message)."""
    org_id = request.match_info["org_id"]
    limit = int_param(request, "limit", default=100, minimum=1, maximum=MAX_PAGE)
    after = int_param(request, "after", default=None, minimum=0, maximum=2**62)
    async with request.config_dict[DATABASE].read() as conn:
        await get_org(conn, org_id)
        found = await outbox.list_deliveries(conn, org_id, limit=limit, after=after)
    return web.json_response(
        {
            "deliveries": [
                {
                    "id": d.id,
                    "outbox_id": d.outbox_id,
                    "channel": d.channel,
                    "attempt": d.attempt,
                    "ok": d.ok,
                    "detail": d.detail,
                    "at": d.at.isoformat(),
                }
                for d in found
            ],
            "next_after": found[-1].id if len(found) == limit else None,
        }
    )


@routes.get("/orgs/{org_id}/capacity-changes")
@documented(
    summary="Scheduled capacity changes",
    tag="Seats",
    security="admin",
    errors={404: "no such organization"},
)
async def get_capacity_changes(request: web.Request) -> web.Response:
    org_id = request.match_info["org_id"]
    async with request.config_dict[DATABASE].read() as conn:
        await get_org(conn, org_id)
        changes = await capacity.list_scheduled(conn, org_id)
    return web.json_response({"capacity_changes": [change_json(c) for c in changes]})


@routes.post("/orgs/{org_id}/capacity-changes")
@documented(
    summary="Schedule a seat limit for a future time",
    tag="Seats",
    security="admin",
    body=CapacityChangeRequest,
    status=201,
    response=CapacityChangeAnswer,
    errors={404: "no such organization", 409: "the seat limit is set by billing"},
)
async def schedule_capacity_change(request: web.Request) -> web.Response:
    """Schedule `seat_limit` for `effective_at` (ISO 8601 with a timezone, in the future)."""
    change_request = await read_body(request, CapacityChangeRequest)
    effective_at = _parse_time("effective_at", change_request.effective_at)
    async with request.config_dict[DATABASE].transaction() as conn:
        change = await capacity.schedule_capacity_change(
            conn,
            request.match_info["org_id"],
            change_request.seat_limit,
            effective_at=effective_at,
            actor="admin",
        )
    assert change is not None
    return web.json_response(change_json(change), status=201)


@routes.delete("/orgs/{org_id}/capacity-changes/{change_id}")
@documented(
    summary="Cancel a scheduled capacity change",
    tag="Seats",
    security="admin",
    status=204,
    errors={404: "no such change in this organization", 409: "the change is no longer scheduled"},
)
async def cancel_capacity_change(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].transaction() as conn:
        await capacity.cancel_scheduled_change(
            conn, request.match_info["org_id"], request.match_info["change_id"], actor="admin"
        )
    return web.Response(status=204)


def change_json(change: capacity.CapacityChange) -> CapacityChangeAnswer:
    return {
        "id": change.id,
        "seat_limit": change.new_capacity,
        "effective_at": change.effective_at.isoformat(),
        "status": change.status,
        "source": change.source,
        "created_at": change.created_at.isoformat(),
    }


def member_json(member: Member) -> MemberAnswer:
    return {
        "id": member.id,
        "user_name": member.user_name,
        "display_name": member.display_name,
        "email": member.email,
        "user_type": member.user_type,
        "active": member.active,
        "seat_status": member.seat_status.value,
        "exempt": member.exempt,
        "seat_held": member.seat_held,
        # A deactivation or deletion held by the mass-deprovisioning guard (its hold's id).
        "deprovision_hold_id": member.deprovision_hold_id,
        "over_limit_since": member.over_limit_since.isoformat()
        if member.over_limit_since
        else None,
        "created_at": member.created_at.isoformat(),
        "updated_at": member.updated_at.isoformat(),
    }


def int_param(
    request: web.Request, name: str, *, default: int | None, minimum: int, maximum: int
) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not minimum <= value <= maximum:
        raise ApiError(
            422, "invalid_value", f"{name} must be a whole number from {minimum} to {maximum}"
        )
    return value


def _choice(request: web.Request, name: str, allowed: list[str]) -> str | None:
    value = request.query.get(name)
    if value is not None and value not in allowed:
        raise ApiError(422, "invalid_value", f"{name} must be one of: {', '.join(allowed)}")
    return value


def _parse_time(name: str, value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ApiError(
            422,
            "invalid_value",
            f"{name} must be an ISO 8601 time with a timezone, e.g. 2030-01-31T00:00:00Z",
        )
    return parsed


def _invite_as_member(invite: invites.Invite) -> dict[str, Any]:
    return {
        "invite_id": invite.id,
        "email": invite.email,
        "role": invite.role,
        "seat_status": SeatStatus.PENDING_INVITE.value,
        "expires_at": invite.expires_at.isoformat(),
        "created_at": invite.created_at.isoformat(),
    }
