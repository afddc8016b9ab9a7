"""Query parameters of every admin and directory listing: `limit`, the opaque `after` cursor,
the check that no unknown parameter is given, and the `{"data", "next_cursor"}` answer
(docs/api-reference.md, "Paging").

A cursor is the URL-safe base64 (unpadded) of a JSON array: the listing it belongs to, then
the sort key of the last item of the page it ends (for users, groups, orgs and members an
ISO 8601 created_at and an id; for a group's members a member id; for the ledger, the audit
trail and delivery logs a row id), or, for the short lists read whole (an org's tokens,
clients, invites) and the alerts, the position where the next page starts. Clients treat it as
opaque; anything that does not decode to a key of the listing asked is a 400 `invalid_cursor`.
"""

import base64
import binascii
import json
import re
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any, TypeVar

from aiohttp import web

from auth.api_operations import QueryParameter
from gateway.errors import ApiError
from seats.directory import MAX_PAGE_SIZE, CreatedKey, Page

DEFAULT_PAGE_SIZE = 100
PAGING_PARAMETERS = ("after", "limit")
_DIGITS = re.compile(r"[0-9]{1,7}")
_POSITION = re.compile(r"[0-9]{1,18}")
T = TypeVar("T")
K = TypeVar("K")
# Longer than any cursor this API hands out; a longer one is refused before it is decoded.
_MAX_CURSOR_LENGTH = 512
_MAX_ID_LENGTH = 64

BAD_PAGING = "a malformed limit or after (invalid_cursor), or an unknown query parameter"
PAGING_QUERY = (
    QueryParameter("after", "The next_cursor of the previous page; absent for the first page."),
    QueryParameter(
        "limit",
        "Items per page.",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE},
    ),
)


def bad_request(detail: str) -> ApiError:
    return ApiError(400, "invalid_request", detail)


def single_parameter(request: web.Request, name: str) -> str | None:
    """The value of a query parameter given at most once (None when absent)."""
    values = request.query.getall(name, [])
    if len(values) > 1:
        raise bad_request(f"give {name} at most once")
    return values[0] if values else None


def check_parameters(request: web.Request, allowed: Collection[str]) -> None:
    """400 for a query parameter the endpoint does not know: a misspelt filter must not
    silently answer everything."""
    unknown = sorted(set(request.query) - set(allowed))
    if unknown:
        raise bad_request(
            f"unknown query parameter(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}"
        )


def parse_limit(request: web.Request) -> int:
    """`limit`: a whole number from 1 to 1000, 100 when absent."""
    raw = single_parameter(request, "limit")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if _DIGITS.fullmatch(raw) is None or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise bad_request(
            f"limit must be a whole number from 1 to {MAX_PAGE_SIZE} "
            f"(default {DEFAULT_PAGE_SIZE}); got {raw[:40]!r}"
        )
    return int(raw)


def created_cursor(listing: str) -> Callable[[CreatedKey], str]:
    """How a page of `listing` (users, groups) that ends at a key turns into a cursor."""
    return lambda key: _encode([listing, key.created_at.isoformat(), key.id])


def parse_created_after(request: web.Request, listing: str) -> CreatedKey | None:
    cursor = single_parameter(request, "after")
    return None if cursor is None else decode_created_cursor(cursor, listing)


def decode_created_cursor(cursor: str, listing: str) -> CreatedKey:
    """The key a cursor of `listing` made by `created_cursor` names (also for the CLI's
    `--after`); ApiError `invalid_cursor` for anything else."""
    parts = _decode_parts(cursor, listing, arity=2)
    try:
        created_at = datetime.fromisoformat(parts[0])
    except ValueError:
        raise _invalid_cursor() from None
    if created_at.tzinfo is None:
        raise _invalid_cursor()
    return CreatedKey(created_at=created_at, id=parts[1])


def member_cursor(listing: str) -> Callable[[str], str]:
    return lambda member_id: _encode([listing, member_id])


def parse_member_after(request: web.Request, listing: str) -> str | None:
    parts = _decode(request, listing, arity=1)
    return None if parts is None else parts[0]


def position_cursor(listing: str) -> Callable[[int], str]:
    """How a page of `listing` that ends at a position (a row id, or an offset) turns into a
    cursor."""
    return lambda position: _encode([listing, str(position)])


def position_paging(
    request: web.Request, listing: str, *, filters: Collection[str] = ()
) -> tuple[int, int | None]:
    """`limit` and the position an `after` cursor of `listing` names, once the query holds
    nothing but them and `filters`."""
    check_parameters(request, (*PAGING_PARAMETERS, *filters))
    limit = parse_limit(request)
    parts = _decode(request, listing, arity=1)
    if parts is None:
        return limit, None
    if _POSITION.fullmatch(parts[0]) is None:
        raise _invalid_cursor()
    return limit, int(parts[0])


def loaded_page_response(
    items: Sequence[T],
    render: Callable[[T], Any],
    listing: str,
    *,
    limit: int,
    after: int | None,
) -> web.Response:
    """The page of a list read whole (an org's tokens, clients, invites: a handful, where a
    keyset query would buy nothing); the next page starts at the offset this one ends at."""
    start = after or 0
    end = start + limit
    page = Page(tuple(items[start:end]), end if len(items) > end else None)
    return page_response(page, render, position_cursor(listing))


def page_of_rows(rows: Sequence[T], *, limit: int, position: Callable[[T], K]) -> Page[T, K]:
    """A page of `limit` out of `limit + 1` rows read after a key (a row id, a created_at and
    id): the extra row only says that a next page exists, which then starts after the key of
    the page's last row."""
    page = tuple(rows[:limit])
    return Page(page, position(page[-1]) if len(rows) > limit else None)


def page_response(
    page: Page[Any, Any], render: Callable[[Any], Any], cursor: Callable[[Any], str]
) -> web.Response:
    return web.json_response(
        {
            "data": [render(item) for item in page.items],
            "next_cursor": None if page.next_after is None else cursor(page.next_after),
        }
    )


def _encode(parts: Sequence[str]) -> str:
    raw = json.dumps(list(parts), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(request: web.Request, listing: str, *, arity: int) -> list[str] | None:
    cursor = single_parameter(request, "after")
    return None if cursor is None else _decode_parts(cursor, listing, arity=arity)


def _decode_parts(cursor: str, listing: str, *, arity: int) -> list[str]:
    if not 0 < len(cursor) <= _MAX_CURSOR_LENGTH:
        raise _invalid_cursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
    except (binascii.Error, ValueError):
        raise _invalid_cursor() from None
    if (
        not isinstance(parts, list)
        or len(parts) != arity + 1
        or parts[0] != listing
        or not all(_plain(part) for part in parts[1:])
    ):
        raise _invalid_cursor()
    return parts[1:]


def _plain(part: object) -> bool:
    return isinstance(part, str) and 0 < len(part) <= _MAX_ID_LENGTH and "\x00" not in part


def _invalid_cursor() -> ApiError:
    return ApiError(
        400,
        "invalid_cursor",
        "the after cursor is not one this listing handed out; pass a next_cursor value "
        "unchanged, or leave after out to start from the beginning",
    )
