"""GET /Groups and POST /Groups/.search (RFC 7644 §3.4.2, §3.4.3): filter, sort and page in
the database, as /Users does (scim/paging.py: index paging, or RFC 9865 cursors).

Members are read for the listed page only when the selection shows them, in one query for
the whole page; Entra looks groups up with `filter=displayName eq "..."` and
`excludedAttributes=members`, which never touches the membership.
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from scim import group_mapping as mapping
from scim import paging
from scim.filtering import group_filter, group_sort
from scim.protocol import ScimContext, ScimRequest, ScimResponse
from scim.responses import list_body, list_response
from scim.schemas import GroupResource
from seats import group_members, groups
from seats.model import Group
from seats.storage.tables import groups as groups_table


async def list_groups(request: ScimRequest, context: ScimContext) -> ScimResponse:
    """GET /Groups (RFC 7644 §3.4.2)."""
    return await _query(paging.search_from_query(request.query, GroupResource), context)


async def search_groups(request: ScimRequest, context: ScimContext) -> ScimResponse:
    """POST /Groups/.search (RFC 7644 §3.4.3): the same query, as a SearchRequest body."""
    return await _query(paging.search_from_body(request.body, GroupResource), context)


async def _query(search: Any, context: ScimContext) -> ScimResponse:
    page = paging.page_for(search, context.settings.max_filter_results, group_sort)
    where = group_filter(str(search.filter)) if search.filter is not None else None
    org_id = context.org_id
    keys = mapping.member_keys(search)
    async with context.database.read() as conn:
        next_cursor = None
        if page.cursor_mode:
            keyset = paging.after_cursor(page, groups_table.c.created_at, groups_table.c.id)
            condition = where if keyset is None else keyset if where is None else where & keyset
            _, rows = await groups.list_groups(
                conn,
                org_id,
                where=condition,
                order_by=paging.order_by(page),
                limit=page.limit + 1,
                with_total=False,
            )
            more, rows = len(rows) > page.limit, rows[: page.limit]
            total = None
            if more:
                next_cursor = await _next_cursor(conn, page, rows[-1], org_id)
        else:
            _, rows = await groups.list_groups(
                conn,
                org_id,
                where=where,
                order_by=paging.order_by(page),
                offset=page.offset,
                limit=page.limit,
                with_total=False,
            )
            # A short page (not past the end) tells the total without counting.
            if (page.offset == 0 or rows) and len(rows) < page.limit:
                total = page.offset + len(rows)
            else:
                total, _ = await groups.list_groups(conn, org_id, where=where, limit=0)
        refs = {}
        if rows and keys:
            refs = await group_members.members_of(conn, org_id, [group.id for group in rows])
    resources = [
        mapping.group_body(
            group,
            context.settings.base_url,
            members=refs.get(group.id),
            selection=search,
            keys=keys,
        )
        for group in rows
    ]
    body = list_body(
        resources, total_results=total, start_index=page.start_index, next_cursor=next_cursor
    )
    return list_response(body)


async def _next_cursor(conn: AsyncConnection, page: paging.Page, last: Group, org_id: str) -> str:
    value = None
    if page.sort_expr is not None:
        value = await groups.group_value(conn, org_id, last.id, page.sort_expr)
    return paging.Cursor(page.sort, value, last.created_at, last.id).encode()
