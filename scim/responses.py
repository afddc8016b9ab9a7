"""Building successful SCIM responses: resources with ETag and Location, lists, 204s.

- ETags (RFC 7644 §3.14, RFC 7232): a resource's `meta.version` is `W/"<version>"`, weak since
  it is a counter rather than a hash of the representation; the same value goes in the `ETag`
  header of every single-resource response.
- `If-Match` on PUT/PATCH/DELETE names the version the client saw (`if_match_version`), passed to
  the service as `if_version` so the check happens inside the write transaction; `*` means any.
- `If-None-Match` on GET answers 304 when the client's copy is current (`not_modified`).
- Lists are RFC 7644 §3.4.2 ListResponse bodies, with RFC 9865 cursors when cursor paging.
"""

import re
from collections.abc import Mapping, Sequence
from typing import Any

from scim2_models import ListResponse

from scim.protocol import ScimRequest, ScimResponse

LIST_SCHEMA = str(ListResponse.__schema__)
_ETAG = re.compile(r'\s*(?:W/)?"([^"]*)"\s*')
# A version no stored resource has: an If-Match naming an unknown tag must fail (412).
_NO_VERSION = -1


def etag(version: int) -> str:
    return f'W/"{version}"'


def resource_response(
    status: int,
    body: dict[str, Any],
    *,
    version: int | None = None,
    location: str | None = None,
) -> ScimResponse:
    """A single resource (RFC 7644 §3.3 POST 201, §3.4.1 GET, §3.5 PUT/PATCH 200)."""
    headers: dict[str, str] = {}
    if version is not None:
        headers["ETag"] = etag(version)
    if location is not None:
        # RFC 7644 §3.3: a created resource's URI in Location; §3.1: Content-Location too.
        headers["Location"] = location
    return ScimResponse(status=status, body=body, headers=headers)


def no_content() -> ScimResponse:
    """RFC 7644 §3.6: a successful DELETE answers 204 with no body."""
    return ScimResponse(status=204)


def not_modified_response(version: int) -> ScimResponse:
    return ScimResponse(status=304, headers={"ETag": etag(version)})


def list_body(
    resources: Sequence[dict[str, Any]],
    *,
    total_results: int | None,
    start_index: int | None = None,
    next_cursor: str | None = None,
    previous_cursor: str | None = None,
) -> dict[str, Any]:
    """An RFC 7644 §3.4.2 ListResponse; `Resources` is present even when empty (Entra and
    Okta both read it), and RFC 9865 §2 cursors are added when cursor paging."""
    body: dict[str, Any] = {"schemas": [LIST_SCHEMA]}
    if total_results is not None:
        body["totalResults"] = total_results
    body["itemsPerPage"] = len(resources)
    if start_index is not None:
        body["startIndex"] = start_index
    if next_cursor is not None:
        body["nextCursor"] = next_cursor
    if previous_cursor is not None:
        body["previousCursor"] = previous_cursor
    body["Resources"] = list(resources)
    return body


def list_response(body: dict[str, Any]) -> ScimResponse:
    return ScimResponse(status=200, body=body)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    if name in headers:
        return headers[name]
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def _tags(value: str) -> list[str]:
    return [m.group(1) for part in value.split(",") if (m := _ETAG.fullmatch(part))]


def if_match_version(request: ScimRequest) -> int | None:
    """The version `If-Match` requires, None when absent or `*` (RFC 7232 §3.1).

    A tag that names no version this server issues can match nothing, so it becomes a version
    no resource has and the write fails with 412 like any stale tag.
    """
    value = _header(request.headers, "If-Match")
    if value is None or value.strip() == "*":
        return None
    for tag in _tags(value):
        if tag.isdigit():
            return int(tag)
    return _NO_VERSION


def not_modified(request: ScimRequest, version: int) -> bool:
    """Whether `If-None-Match` names the current version (weak comparison, RFC 7232 §3.2)."""
    value = _header(request.headers, "If-None-Match")
    if value is None:
        return False
    if value.strip() == "*":
        return True
    return str(version) in _tags(value)


def header(request: ScimRequest, name: str) -> str | None:
    """A request header, case-insensitively (ScimRequest.headers may be a plain dict)."""
    return _header(request.headers, name)
