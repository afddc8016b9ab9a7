"""Assertions for IdP sequence steps: each failure says what was expected and what came back.

They raise `CheckFailed` rather than `AssertionError`, so they work under `python -O` and the
sequence runner can tell a failed check from a bug in the sequence itself.
"""

import json
from typing import Any

import httpx2

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


class CheckFailed(Exception):
    """The server's answer differs from what the IdP's documentation relies on."""


def that(condition: bool, detail: str) -> None:
    if not condition:
        raise CheckFailed(detail)


def equal(actual: Any, expected: Any, what: str) -> None:
    that(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")


def status(response: httpx2.Response, *expected: int) -> None:
    """The response status is one of `expected`."""
    if response.status_code not in expected:
        wanted = " or ".join(str(code) for code in expected)
        raise CheckFailed(
            f"{response.request.method} {_target(response)}: expected HTTP {wanted}, "
            f"got {response.status_code}: {_snippet(response)}"
        )


def body(response: httpx2.Response) -> dict[str, Any]:
    """The response body as a JSON object."""
    try:
        payload = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise CheckFailed(f"response body is not JSON: {_snippet(response)}") from None
    that(isinstance(payload, dict), f"response body is not a JSON object: {_snippet(response)}")
    return payload


def resource(response: httpx2.Response, *codes: int) -> dict[str, Any]:
    """A resource answer: the status is one of `codes` (200 if none) and the body has an id."""
    status(response, *(codes or (200,)))
    payload = body(response)
    that(isinstance(payload.get("id"), str) and payload["id"] != "", f"no id in {payload}")
    return payload


def listed(response: httpx2.Response) -> list[dict[str, Any]]:
    """A 200 ListResponse (RFC 7644 §3.4.2); returns its Resources, checked against totalResults."""
    status(response, 200)
    payload = body(response)
    that(LIST_RESPONSE in payload.get("schemas", []), f"schemas lack {LIST_RESPONSE}: {payload}")
    total = payload.get("totalResults")
    that(isinstance(total, int), f"totalResults is not an integer: {payload}")
    resources = payload.get("Resources", [])
    that(isinstance(resources, list), f"Resources is not a list: {payload}")
    that(total >= len(resources), f"totalResults {total} < {len(resources)} Resources")
    return resources


def found_one(response: httpx2.Response, resource_id: str) -> dict[str, Any]:
    """A filter answer holding exactly the resource `resource_id`."""
    resources = listed(response)
    ids = [item.get("id") for item in resources]
    equal(ids, [resource_id], "ids of the resources the filter found")
    return resources[0]


def scim_error(response: httpx2.Response, code: int, scim_type: str | None = None) -> None:
    """An RFC 7644 §3.12 error body: Error schema, `status` as a string, `scimType` if given."""
    status(response, code)
    payload = body(response)
    that(ERROR in payload.get("schemas", []), f"schemas lack {ERROR}: {payload}")
    equal(str(payload.get("status")), str(code), "error status")
    if scim_type is not None:
        equal(payload.get("scimType"), scim_type, "scimType")


def member_ids(group: dict[str, Any]) -> set[str]:
    return {member.get("value") for member in group.get("members") or []}


def _target(response: httpx2.Response) -> str:
    url = response.request.url
    return url.raw_path.decode(errors="replace")


def _snippet(response: httpx2.Response, limit: int = 300) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:limit] + ("..." if len(text) > limit else "") if text else "(empty body)"
