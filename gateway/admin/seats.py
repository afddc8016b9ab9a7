"""Admin endpoints for an organization's seats: the summary, members by seat status, the seat
ledger, alerts and their deliveries, and scheduled capacity changes."""

from datetime import datetime
from typing import Any

from aiohttp import web

from auth.api_operations import QueryParameter, documented
from gateway.admin.request_bodies import CapacityChangeRequest
from gateway.admin.responses import (
    CapacityChangeAnswer,
    MemberAnswer,
    SeatSummaryAnswer,
    page_of,
)
from gateway.directory.paging import (
    BAD_PAGING,
    PAGING_PARAMETERS,
    PAGING_QUERY,
    check_parameters,
    created_cursor,
    loaded_page_response,
    page_of_rows,
    page_response,
    parse_created_after,
    parse_limit,
    position_cursor,
    position_paging,
    single_parameter,
)
from gateway.errors import ApiError, read_body
from gateway.keys import DATABASE
from seats import alerts, capacity, invites, ledger, outbox, summary
from seats.alerts import AlertKind
from seats.directory import CreatedKey, Page
from seats.ledger import LedgerEntry
from seats.model import Member, SeatStatus
from seats.orgs import get_org
from seats.query import Comparison, ListQuery, MemberField, Op, Position
from seats.storage import member_queries

routes = web.RouteTableDef()

_SEAT_STATUSES = [s.value for s in SeatStatus]
_MEMBERS = "members"
_PENDING = "members:pending_invite"


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
    summary="Members, optionally by seat status, oldest first",
    tag="Seats",
    security="admin",
    description="seat_status=pending_invite lists the pending invites as members.",
    query=(
        QueryParameter(
            "seat_status", "Only members with this seat status.", {"enum": _SEAT_STATUSES}
        ),
        *PAGING_QUERY,
    ),
    errors={
        400: BAD_PAGING,
        404: "no such organization",
        422: "seat_status is not one of the statuses",
    },
)
async def get_members(request: web.Request) -> web.Response:
    """Members oldest first, optionally by seat status; `pending_invite` lists the pending
    invites."""
    org_id = request.match_info["org_id"]
    check_parameters(request, (*PAGING_PARAMETERS, "seat_status"))
    status = _choice(request, "seat_status", _SEAT_STATUSES)
    if status == SeatStatus.PENDING_INVITE.value:
        limit, position = position_paging(request, _PENDING, filters=("seat_status",))
        async with request.config_dict[DATABASE].read() as conn:
            await get_org(conn, org_id)
            pending = await invites.list_invites(conn, org_id, status="pending")
        return loaded_page_response(
            pending, _invite_as_member, _PENDING, limit=limit, after=position
        )
    limit = parse_limit(request)
    after = parse_created_after(request, _MEMBERS)
    condition = None
    if status:
        condition = Comparison(MemberField.SEAT_STATUS, Op.EQ, status, case_exact=True)
    query = ListQuery(
        condition,
        after=Position(None, after.created_at, after.id) if after else None,
        limit=limit + 1,
        with_total=False,
    )
    async with request.config_dict[DATABASE].read() as conn:
        await get_org(conn, org_id)
        _, found = await member_queries.list_members(conn, org_id, query)
    page = page_of_rows(found, limit=limit, position=lambda m: CreatedKey(m.created_at, m.id))
    return page_response(page, member_json, created_cursor(_MEMBERS))


@routes.get("/orgs/{org_id}/ledger")
@documented(
    summary="The seat ledger: every seat status change, oldest first",
    tag="Seats",
    security="admin",
    query=(*PAGING_QUERY, QueryParameter("member_id", "Only this member's entries.")),
    errors={400: BAD_PAGING, 404: "no such organization"},
)
async def get_ledger(request: web.Request) -> web.Response:
    org_id = request.match_info["org_id"]
    limit, after = position_paging(request, "ledger", filters=("member_id",))
    async with request.config_dict[DATABASE].read() as conn:
        await get_org(conn, org_id)
        entries = await ledger.list_entries(
            conn,
            org_id,
            limit=limit + 1,
            after=after,
            member_id=single_parameter(request, "member_id"),
        )
    page = page_of_rows(entries, limit=limit, position=lambda e: e.id)
    return page_response(page, _ledger_json, position_cursor("ledger"))


def _ledger_json(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "member_id": entry.member_id,
        "invite_id": entry.invite_id,
        "from": entry.from_status.value if entry.from_status else None,
        "to": entry.to_status.value if entry.to_status else None,
        "reason": entry.reason,
        "actor": entry.actor,
        "at": entry.at.isoformat(),
    }


@routes.get("/orgs/{org_id}/alerts")
@documented(
    summary="The organization's alerts, newest first",
    tag="Alerts",
    security="admin",
    query=(
        QueryParameter("state", "Only open or closed alerts.", {"enum": ["open", "closed"]}),
        QueryParameter("kind", "Only alerts of this kind.", {"enum": [k.value for k in AlertKind]}),
        *PAGING_QUERY,
    ),
    errors={
        400: BAD_PAGING,
        404: "no such organization",
        422: "state or kind is not one of its values",
    },
)
async def get_alerts(request: web.Request) -> web.Response:
    """Newest first, optionally by `state` (open, closed) and `kind`."""
    org_id = request.match_info["org_id"]
    limit, offset = position_paging(request, "alerts", filters=("state", "kind"))
    state = _choice(request, "state", [alerts.OPEN, alerts.CLOSED])
    kind = _choice(request, "kind", [k.value for k in AlertKind])
    async with request.config_dict[DATABASE].read() as conn:
        await get_org(conn, org_id)
        found = await alerts.list_alerts(
            conn,
            org_id,
            state=state,
            kind=AlertKind(kind) if kind else None,
            limit=limit + 1,
            offset=offset or 0,
        )
    # Alerts change state as they close, so they page by position (newest first).
    end = (offset or 0) + limit
    page = Page(tuple(found[:limit]), end if len(found) > limit else None)
    return page_response(page, _alert_json, position_cursor("alerts"))


def _alert_json(alert: alerts.Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "kind": alert.kind.value,
        "state": alert.state,
        "details": alert.details,
        "created_at": alert.created_at.isoformat(),
        "updated_at": alert.updated_at.isoformat(),
        "closed_at": alert.closed_at.isoformat() if alert.closed_at else None,
    }


@routes.get("/orgs/{org_id}/deliveries")
@documented(
    summary="The alert delivery log, oldest first",
    tag="Alerts",
    security="admin",
    query=PAGING_QUERY,
    errors={400: BAD_PAGING, 404: "no such organization"},
)
async def get_deliveries(request: web.Request) -> web.Response:
    """The delivery log: every attempt to send an alert (or other outbox message)."""
    org_id = request.match_info["org_id"]
    limit, after = position_paging(request, "deliveries")
    async with request.config_dict[DATABASE].read() as conn:
        await get_org(conn, org_id)
        found = await outbox.list_deliveries(conn, org_id, limit=limit + 1, after=after)
    page = page_of_rows(found, limit=limit, position=lambda d: d.id)
    return page_response(page, _delivery_json, position_cursor("deliveries"))


def _delivery_json(delivery: outbox.Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "outbox_id": delivery.outbox_id,
        "channel": delivery.channel,
        "attempt": delivery.attempt,
        "ok": delivery.ok,
        "detail": delivery.detail,
        "at": delivery.at.isoformat(),
    }


@routes.get("/orgs/{org_id}/capacity-changes")
@documented(
    summary="Scheduled capacity changes, soonest first",
    tag="Seats",
    security="admin",
    query=PAGING_QUERY,
    response=page_of(CapacityChangeAnswer),
    errors={400: BAD_PAGING, 404: "no such organization"},
)
async def get_capacity_changes(request: web.Request) -> web.Response:
    org_id = request.match_info["org_id"]
    limit, after = position_paging(request, "capacity-changes")
    async with request.config_dict[DATABASE].read() as conn:
        await get_org(conn, org_id)
        changes = await capacity.list_scheduled(conn, org_id)
    return loaded_page_response(changes, change_json, "capacity-changes", limit=limit, after=after)


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
