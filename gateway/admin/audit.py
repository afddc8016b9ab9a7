"""`GET /admin/v1/orgs/{org_id}/audit`: the org's audit trail, newest first (seats/audit.py)."""

from aiohttp import web

from auth.api_operations import documented
from gateway.directory.paging import (
    BAD_PAGING,
    PAGING_QUERY,
    page_of_rows,
    page_response,
    position_cursor,
    position_paging,
)
from gateway.keys import DATABASE
from seats import audit
from seats.model import AuditEntry
from seats.orgs import get_org

routes = web.RouteTableDef()


@routes.get("/orgs/{org_id}/audit")
@documented(
    summary="The organization's audit trail, newest first",
    tag="Organizations",
    security="admin",
    query=PAGING_QUERY,
    errors={400: BAD_PAGING, 404: "no such organization"},
)
async def list_audit(request: web.Request) -> web.Response:
    org_id = request.match_info["org_id"]
    limit, before = position_paging(request, "audit")
    async with request.config_dict[DATABASE].read() as conn:
        await get_org(conn, org_id)
        entries = await audit.newest(conn, org_id, limit=limit + 1, before_id=before)
    page = page_of_rows(entries, limit=limit, position=lambda entry: entry.id)
    return page_response(page, entry_json, position_cursor("audit"))


def entry_json(entry: AuditEntry) -> dict[str, object]:
    return {
        "id": entry.id,
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "detail": entry.detail,
        "created_at": entry.created_at.isoformat(),
    }
