"""`GET /admin/v1/orgs/{org_id}/audit`: the org's audit trail, newest first (seats/audit.py)."""

from aiohttp import web

from auth.api_operations import QueryParameter, documented
from gateway.admin.seats import int_param
from gateway.keys import DATABASE
from seats import audit
from seats.model import AuditEntry
from seats.orgs import get_org

routes = web.RouteTableDef()

MAX_PAGE = 200


@routes.get("/orgs/{org_id}/audit")
@documented(
    summary="The organization's audit trail, newest first",
    tag="Organizations",
    security="admin",
    query=(
        QueryParameter(
            "limit",
            "Entries per page.",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 50},
        ),
        QueryParameter(
            "before", "The next_cursor of the previous page.", {"type": "integer", "minimum": 0}
        ),
    ),
    errors={404: "no such organization", 422: "limit or before is not a whole number in range"},
)
async def list_audit(request: web.Request) -> web.Response:
    org_id = request.match_info["org_id"]
    limit = int_param(request, "limit", default=50, minimum=1, maximum=MAX_PAGE)
    before = int_param(request, "before", default=0, minimum=0, maximum=2**62) or None
    async with request.config_dict[DATABASE].read() as conn:
        await get_org(conn, org_id)
        entries = await audit.newest(conn, org_id, limit=limit + 1, before_id=before)
    page = entries[:limit]
    return web.json_response(
        {
            "data": [entry_json(entry) for entry in page],
            "next_cursor": str(page[-1].id) if len(entries) > limit else None,
        }
    )


def entry_json(entry: AuditEntry) -> dict[str, object]:
    return {
        "id": entry.id,
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "detail": entry.detail,
        "created_at": entry.created_at.isoformat(),
    }
