"""The Deprovisions page: what the mass-deprovisioning guard holds (docs/deprovisioning-guard.md).

While a hold is open the overview shows a banner leading here; the page lists the held members
and what the identity provider asked for, and an admin confirms the batch (the deprovisions
apply) or rejects it (the members stay as they were). The use cases are
seats/deprovision_holds.py's, as for the admin API; they record the audit entries themselves.
"""

from datetime import timedelta

from aiohttp import web

from auth.model import ConsoleRole
from gateway.console.keys import SESSION
from gateway.console.render import render, see_other
from gateway.console.roles import require_role
from gateway.keys import DATABASE, SETTINGS
from seats import deprovision_holds
from seats.deprovision_rules import MIN_ALLOWED, GuardLimits
from seats.errors import Conflict
from seats.orgs import get_org

routes = web.RouteTableDef()

_NOTICES = {
    "confirmed": "Confirmed: the held deprovisions are applied and their seats are free.",
    "rejected": "Rejected: the members keep their seats and show in SCIM again. "
    "Fix the cause in your identity provider; it re-sends what it then means on its next sync.",
}


@routes.get("/orgs/{org_id}/deprovisions")
async def deprovisions_page(request: web.Request) -> web.Response:
    return await _render_page(request, notice=_NOTICES.get(request.query.get("notice", "")))


@routes.post("/orgs/{org_id}/deprovisions/{hold_id}/confirm")
async def confirm(request: web.Request) -> web.Response:
    return await _decide(request, "confirmed")


@routes.post("/orgs/{org_id}/deprovisions/{hold_id}/reject")
async def reject(request: web.Request) -> web.Response:
    return await _decide(request, "rejected")


async def _decide(request: web.Request, decision: str) -> web.Response:
    require_role(request, ConsoleRole.ADMIN)
    actor, org_id = request[SESSION].actor, request.match_info["org_id"]
    decide = (
        deprovision_holds.confirm_hold if decision == "confirmed" else deprovision_holds.reject_hold
    )
    try:
        async with request.config_dict[DATABASE].transaction() as conn:
            await decide(conn, org_id, request.match_info["hold_id"], actor=actor)
    except Conflict as refusal:
        return await _render_page(request, error=refusal.detail, status=409)
    return see_other(f"/console/orgs/{org_id}/deprovisions?notice={decision}")


async def _render_page(
    request: web.Request, *, notice: str | None = None, error: str | None = None, status: int = 200
) -> web.Response:
    org_id = request.match_info["org_id"]
    settings = request.config_dict[SETTINGS]
    defaults = GuardLimits(
        share=settings.deprovision_guard_share,
        count=settings.deprovision_guard_count,
        window=timedelta(seconds=settings.deprovision_guard_window_seconds),
    )
    async with request.config_dict[DATABASE].read() as conn:
        limits = defaults.for_org(await get_org(conn, org_id))
        current = await deprovision_holds.open_hold(conn, org_id)
        past = [
            hold
            for hold in await deprovision_holds.list_holds(conn, org_id)
            if hold.state is not deprovision_holds.HoldState.OPEN
        ]
    return render(
        "deprovisions.html",
        request,
        {
            "current": current,
            "past": past,
            "limits": limits,
            "floor": min(MIN_ALLOWED, limits.count),
            "window_minutes": round(limits.window.total_seconds() / 60),
            "notice": notice,
            "error": error,
        },
        status=status,
    )
