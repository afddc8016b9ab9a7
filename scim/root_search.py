"""POST /.search at the SCIM root (RFC 7644 §3.4.3): one query over Users and Groups.

Each resource type is asked through its own search (scim/users.py `search_users`,
scim/group_listing.py `search_groups`), so filters, `attributes`/`excludedAttributes`,
sorting and the response shapes are exactly those of `/Users/.search` and `/Groups/.search`.
What the root adds:

- Order and paging: the Users (in their own order: `sortBy` if given, else creation) come
  first, then the Groups; `startIndex` and `count` are an index into that concatenation, and
  `totalResults` is the sum of both totals. A page that ends inside the Users asks the Groups
  only for their total.
- A filter or `sortBy` naming an attribute one resource type does not have (`userName` for
  Groups, `members` for Users) leaves that type out: none of its resources could match
  (RFC 7644 §3.4.2.2 compares an unassigned attribute as false). When no type can take the
  filter, the Users' error answers (400 invalidFilter or invalidPath).
- Cursor paging (RFC 9865) is not offered across types: `cursor` is 400 invalidValue.
"""

from dataclasses import replace
from typing import Any

from pydantic import ValidationError
from scim2_models import InvalidValueException, SCIMException

from scim import paging
from scim.group_listing import search_groups
from scim.protocol import ScimContext, ScimRequest, ScimResponse
from scim.responses import list_body, list_response
from scim.schemas import DEFAULT_PAGE_SIZE, GroupResource, UserResource
from scim.users import search_users

# In the order their resources are listed.
RESOURCE_TYPES = [(UserResource, search_users), (GroupResource, search_groups)]


async def search_root(request: ScimRequest, context: ScimContext) -> ScimResponse:
    """POST /.search: Users then Groups, paged by index across both."""
    body = request.body
    if isinstance(body, dict) and any(key.lower() == "cursor" for key in body):
        raise InvalidValueException(
            detail="cursor paging is not offered at the root: use startIndex and count"
        )
    searches = _searches_that_apply(body)
    first = searches[0][1]
    start = min(first.start_index or 1, paging.MAX_START_INDEX)
    wanted = min(
        DEFAULT_PAGE_SIZE if first.count is None else first.count,
        context.settings.max_filter_results,
    )
    resources: list[dict[str, Any]] = []
    total = 0
    for search_type, _ in searches:
        # The offset into this type's resources; the types before it took `total` places.
        offset = max(0, start - 1 - total)
        page = await search_type(_paged(request, offset + 1, wanted - len(resources)), context)
        assert page.body is not None
        resources.extend(page.body["Resources"])
        total += page.body["totalResults"]
    return list_response(list_body(resources, total_results=total, start_index=start))


def _searches_that_apply(body: Any) -> list[tuple[Any, Any]]:
    """The types whose search accepts the request, each with its validated SearchRequest."""
    applying = []
    refusals: list[Exception] = []
    for model, search_type in RESOURCE_TYPES:
        try:
            applying.append((search_type, paging.search_from_body(body, model)))
        except (SCIMException, ValidationError) as refusal:
            refusals.append(refusal)
    if not applying:
        raise refusals[0]
    return applying


def _paged(request: ScimRequest, start_index: int, count: int) -> ScimRequest:
    body = {
        key: value
        for key, value in request.body.items()
        if key.lower() not in {"startindex", "count"}
    }
    return replace(request, body={**body, "startIndex": start_index, "count": count})


OPERATIONS = [("POST", "/.search", search_root)]
