"""GET /Groups and POST /Groups/.search (RFC 7644 §3.4.2, §3.4.3): filter, sort and page in
the database, as /Users does (scim/paging.py: index paging, or RFC 9865 cursors).

Members are read for the listed page only when the selection shows them, in one query for
the whole page; Entra looks groups up with `filter=displayName eq "..."` and
`excludedAttributes=members`, which never touches the membership.
"""

from typing import Any

from scim import group_mapping as mapping
from scim import paging
from scim.filtering import group_filter, group_sort
from scim.protocol import ScimContext, ScimRequest, ScimResponse
from scim.responses import list_body, list_response
from scim.schemas import GroupResource
from seats.model import Group
from seats.storage import group_queries, membership_store


async def list_groups(request: ScimRequest, context: ScimContext) -> ScimResponse:
    """GET /Groups (RFC 7644 §3.4.2)."""
    return await _query(paging.search_from_query(request.query, GroupResource), context)


async def search_groups(request: ScimRequest, context: ScimContext) -> ScimResponse:
    """POST /Groups/.search (RFC 7644 §3.4.3): the same query, as a SearchRequest body."""
    return await _query(paging.search_from_body(request.body, GroupResource), context)


async def _query(search: Any, context: ScimContext) -> ScimResponse:
    page = paging.page_for(search, context.settings.max_filter_results, group_sort)
    condition = group_filter(str(search.filter)) if search.filter is not None else None
    org_id = context.org_id
    keys = mapping.member_keys(search)
    async with context.database.read() as conn:
        _, rows = await group_queries.list_groups(conn, org_id, page.query(condition))
        total = next_cursor = None
        if page.cursor_mode:
            more, rows = len(rows) > page.limit, rows[: page.limit]
            if more:
                next_cursor = await _next_cursor(conn, page, rows[-1], org_id)
        else:
            total = page.known_total(len(rows))
            if total is None:
                total = await group_queries.count_groups(conn, org_id, condition)
        refs = {}
        if rows and keys:
            refs = await membership_store.members_of(conn, org_id, [group.id for group in rows])
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


async def _next_cursor(conn: Any, page: paging.Page, last: Group, org_id: str) -> str:
    value = None
    if page.sort is not None:
        value = await group_queries.group_sort_value(conn, org_id, last.id, page.sort)
    return page.next_cursor(value, last.created_at, last.id)
