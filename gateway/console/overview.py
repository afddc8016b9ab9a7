"""The overview page: seats used, available, purchased and over the limit, a pending downgrade,
the newest alerts, and a chart of the seats used over the last 90 days."""

from aiohttp import web

from gateway.alert_channels import describe
from gateway.console.render import render
from gateway.console.usage_chart import chart_of
from gateway.keys import DATABASE
from seats.overview import org_overview

routes = web.RouteTableDef()


@routes.get("/orgs/{org_id}")
async def overview_page(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].read() as conn:
        overview = await org_overview(conn, request.match_info["org_id"])
    return render(
        "overview.html",
        request,
        {
            "org": overview.org,
            "seats": overview.seats,
            "downgrade": overview.pending_downgrade,
            "deprovision_hold": overview.deprovision_hold,
            "alerts": [(alert, describe(alert)) for alert in overview.recent_alerts],
            "usage": chart_of(overview.usage, seat_limit=overview.seats.capacity),
        },
    )
