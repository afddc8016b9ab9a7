"""Query parameters, sorting and paging of list/search requests, resolved to a seats.query
`ListQuery`.

- Query parameters (RFC 7644 §3.4.2) and /.search bodies (§3.4.3) are validated by
  scim2-models' `SearchRequest`: `startIndex` < 1 reads as 1, a negative `count` as 0
  (§3.4.2.4), a non-numeric value is 400 invalidValue, a bad filter 400 invalidFilter.
- `count` is clamped to `max_filter_results` (the ServiceProviderConfig's `filter.maxResults`
  and `pagination.maxPageSize` say so) rather than refused with tooMany.
- Index paging (`startIndex`/`count`) is the default. Cursor paging (RFC 9865) starts with
  `cursor=` (empty) and continues with `nextCursor`: a cursor is the keyset position of the
  last row (sort value, created_at, id) plus the sort it belongs to, as unpadded base64url
  JSON. It is not signed: it only says where to resume in data the caller may read anyway,
  and a tampered or foreign cursor is refused as invalidCursor. `previousCursor` is not
  offered (RFC 9865 §2 makes it optional).
- Sorting puts resources without a value last when ascending and first when descending
  (RFC 7644 §3.4.2.3), and always ends on (created_at, id) for a stable order: seats.query's
  `Sort` promises both.
"""

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scim2_models import Context, InvalidCursorException, SearchRequest

from scim.schemas import DEFAULT_PAGE_SIZE, POLICY
from seats.json_input import parse_json
from seats.query import Condition, ListQuery, Position, Sort

# Beyond this an OFFSET overflows SQLite's and PostgreSQL's integers; no page lies there.
MAX_START_INDEX = 2**31 - 1
_CANONICAL_PARAMS = {
    name.lower(): name
    for name in (
        "filter",
        "sortBy",
        "sortOrder",
        "startIndex",
        "count",
        "attributes",
        "excludedAttributes",
        "cursor",
    )
}


def search_from_query(query: Mapping[str, str], model: Any) -> SearchRequest[Any]:
    """A SearchRequest from GET query parameters (names matched case-insensitively, since
    Okta and Entra spell them as RFC 7644 does but other clients do not)."""
    params: dict[str, Any] = {}
    for key, value in query.items():
        name = _CANONICAL_PARAMS.get(key.lower())
        if name is not None and name not in params:
            params[name] = value
    return search_from_body(params, model, Context.RESOURCE_QUERY_REQUEST)


def search_from_body(
    body: Any, model: Any, scim_ctx: Context = Context.SEARCH_REQUEST
) -> SearchRequest[Any]:
    if isinstance(body, dict) and isinstance(body.get("sortOrder"), str):
        body = {**body, "sortOrder": body["sortOrder"].lower()}
    search_model: Any = SearchRequest[model]
    return search_model.model_validate(body, scim_ctx=scim_ctx, scim_policy=POLICY)


@dataclass(frozen=True)
class Cursor:
    """A keyset position: the last row's sort value, created_at and id, and the sort."""

    sort: str
    value: Any
    created_at: datetime
    id: str

    def encode(self) -> str:
        value = self.value
        tagged = ["t", value.isoformat()] if isinstance(value, datetime) else ["v", value]
        raw = json.dumps([self.sort, tagged, self.created_at.isoformat(), self.id])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, sort: str) -> "Cursor":
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            decoded_sort, (tag, value), created, member_id = parse_json(raw, top_level=list)
            if tag == "t":
                value = datetime.fromisoformat(value)
            elif tag != "v" or isinstance(value, dict | list):
                raise ValueError("bad sort value")
            created_at = datetime.fromisoformat(created)
            if created_at.tzinfo is None or not isinstance(member_id, str):
                raise ValueError("bad position")
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            raise InvalidCursorException() from None
        if decoded_sort != sort:
            raise InvalidCursorException(detail="the cursor belongs to another sortBy/sortOrder")
        return cls(sort, value, created_at, member_id)


@dataclass(frozen=True)
class Page:
    """Where a list request reads: an OFFSET/LIMIT window or a keyset after a cursor."""

    limit: int
    offset: int = 0
    start_index: int | None = 1
    cursor: Cursor | None = None
    cursor_mode: bool = False
    sort_tag: str = ""
    sort: Sort | None = None

    def query(self, condition: Condition | None) -> ListQuery:
        """The rows of this page (and, in cursor mode, one more: whether a next page exists),
        never counted: a short page tells the total (see `total_after`)."""
        if not self.cursor_mode:
            return ListQuery(
                condition, self.sort, offset=self.offset, limit=self.limit, with_total=False
            )
        cursor = self.cursor
        after = None if cursor is None else Position(cursor.value, cursor.created_at, cursor.id)
        return ListQuery(condition, self.sort, after=after, limit=self.limit + 1, with_total=False)

    def known_total(self, rows: int) -> int | None:
        """The total an index page of `rows` rows tells without counting: a short page that
        is not past the end; None when only a count can say."""
        if (self.offset == 0 or rows) and rows < self.limit:
            return self.offset + rows
        return None

    def next_cursor(self, sort_value: Any, created_at: datetime, last_id: str) -> str:
        return Cursor(self.sort_tag, sort_value, created_at, last_id).encode()


SortFor = Callable[..., Sort]


def page_for(search: SearchRequest[Any], max_results: int, sort_for: SortFor) -> Page:
    """The window a validated search asks for, `count` clamped to `max_results`;
    `sort_for(sort_by, descending=...)` reads the sortBy."""
    limit = min(DEFAULT_PAGE_SIZE if search.count is None else search.count, max_results)
    descending = search.sort_order == SearchRequest.SortOrder.descending
    sort = None
    if search.sort_by is not None:
        sort = sort_for(str(search.sort_by), descending=descending)
    tag = f"{search.sort_by or ''}:{'d' if descending else 'a'}"
    if search.cursor is None:
        start = min(search.start_index or 1, MAX_START_INDEX)
        return Page(limit, start - 1, start, None, False, tag, sort)
    cursor = Cursor.decode(search.cursor, tag) if search.cursor else None
    return Page(limit, 0, None, cursor, True, tag, sort)
