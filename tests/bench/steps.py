"""The measured steps, the same requests for every server that can answer them.

Each step builds its requests (`load.Req`) and checks the answers, so a wrong answer (a filter
finding nothing, a group missing members) counts as a failure, never as a fast success.
"""

import json
from typing import Any

import aiohttp

from tests.bench import load
from tests.bench.load import Req, Result
from tests.bench.plan import (
    BATCH,
    CREATE_CONCURRENCY,
    DEPROVISION_CONCURRENCY,
    TOKEN_CONCURRENCY,
    Plan,
)
from tests.bench.targets import Session

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
WARM_UP = 5  # unmeasured requests before a latency step


def user_name(i: int) -> str:
    return f"user{i:06d}@bench.example"


def user_body(i: int) -> bytes:
    """A user the way Okta provisions one."""
    return json.dumps(
        {
            "schemas": [USER_SCHEMA],
            "userName": user_name(i),
            "externalId": f"00u{i:017d}",
            "name": {"givenName": f"Given{i}", "familyName": f"Family{i}"},
            "displayName": f"Given{i} Family{i}",
            "emails": [{"value": user_name(i), "type": "work", "primary": True}],
            "active": True,
        }
    ).encode()


class Users:
    """The users created so far on one server, by creation index."""

    def __init__(self, total: int) -> None:
        self.ids: list[str | None] = [None] * total
        self.attempted = 0

    def created(self) -> list[int]:
        return [i for i, found in enumerate(self.ids[: self.attempted]) if found]


async def create_users(
    http: aiohttp.ClientSession, s: Session, users: Users, upto: int, time_limit: float
) -> Result:
    def remember(i: int, body: Any) -> str | None:
        if not isinstance(body, dict) or not body.get("id"):
            return f"no id in the answer: {str(body)[:120]}"
        users.ids[i] = str(body["id"])
        return None

    first = users.attempted
    result = await load.run(
        http,
        count=upto - first,
        concurrency=CREATE_CONCURRENCY,
        make=lambda i: Req("POST", f"{s.scim}/Users", user_body(i), headers=s.scim_headers),
        check=load.expect(201, then=remember),
        time_limit=time_limit,
        first_index=first,
        cpu_clock=s.cpu_clock,
    )
    users.attempted = result.next_index
    return result


async def users_for(
    http: aiohttp.ClientSession, s: Session, first: int, count: int, time_limit: float
) -> tuple[list[str], Result]:
    """Creates of users `first` .. `first + count - 1` for a step that uses them up (DELETE,
    deactivation): the ids of those created, and the creates' figures (the POST /Users that
    step is compared with, on the database as that step finds it)."""
    users = Users(first + count)
    users.attempted = first
    result = await create_users(http, s, users, first + count, time_limit)
    return [str(users.ids[i]) for i in users.created()], result


async def delete_users(
    http: aiohttp.ClientSession, s: Session, ids: list[str], plan: Plan
) -> Result:
    """DELETE /Users/{id}, each user once, as an IdP deprovisions: 204 with no body."""

    def make(i: int) -> Req:
        return Req("DELETE", f"{s.scim}/Users/{ids[i]}", headers=s.scim_headers)

    def deleted(i: int, status: int, body: bytes) -> str | None:
        return None if status == 204 else f"HTTP {status} (expected 204): {body[:160]!r}"

    return await _timed(
        http, s, len(ids), make, deleted, DEPROVISION_CONCURRENCY, plan.create_seconds
    )


# Okta deactivates with a path-less replace (Entra sends path "active" and the string "False").
DEACTIVATE = json.dumps(
    {"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "value": {"active": False}}]}
).encode()


async def deactivate_users(
    http: aiohttp.ClientSession, s: Session, ids: list[str], plan: Plan
) -> Result:
    """PATCH /Users/{id} `active: false` the way Okta sends it: 204, or 200 with active false."""

    def make(i: int) -> Req:
        return Req("PATCH", f"{s.scim}/Users/{ids[i]}", DEACTIVATE, headers=s.scim_headers)

    def inactive(i: int, status: int, body: bytes) -> str | None:
        if status == 204:
            return None
        if status != 200:
            return f"HTTP {status} (expected 200 or 204): {body[:160]!r}"
        try:
            active = json.loads(body).get("active")
        except (ValueError, AttributeError):
            return f"the body is not a JSON object: {body[:160]!r}"
        return None if active is False else f"active is {active!r} after the PATCH"

    return await _timed(
        http, s, len(ids), make, inactive, DEPROVISION_CONCURRENCY, plan.create_seconds
    )


async def filter_by_user_name(
    http: aiohttp.ClientSession, s: Session, users: Users, plan: Plan
) -> Result:
    created = users.created()
    if not created:
        return load.failed("no user was created")

    def make(i: int) -> Req:
        name = user_name(created[(i * 7919) % len(created)])
        params = {"filter": f'userName eq "{name}"'}
        return Req("GET", f"{s.scim}/Users", params=params, headers=s.scim_headers)

    def one_found(i: int, body: Any) -> str | None:
        total = body.get("totalResults") if isinstance(body, dict) else None
        return None if total == 1 else f"totalResults {total}, expected 1"

    return await _latency(
        http, s, plan, plan.filter_requests, make, load.expect(200, then=one_found)
    )


async def list_page(http: aiohttp.ClientSession, s: Session, users: Users, plan: Plan) -> Result:
    total = len(users.created())
    pages = max(1, total - 100)

    def make(i: int) -> Req:
        start = 1 + (i * 7919 * 100) % pages
        params = {"startIndex": str(start), "count": "100"}
        return Req("GET", f"{s.scim}/Users", params=params, headers=s.scim_headers)

    def full_page(i: int, body: Any) -> str | None:
        found = len(body.get("Resources", [])) if isinstance(body, dict) else 0
        wanted = min(100, total)
        return None if found == wanted else f"{found} users on the page, expected {wanted}"

    return await _latency(http, s, plan, plan.list_requests, make, load.expect(200, then=full_page))


async def create_group(http: aiohttp.ClientSession, s: Session) -> tuple[str | None, str]:
    body = json.dumps({"schemas": [GROUP_SCHEMA], "displayName": "bench-group"}).encode()
    req = Req("POST", f"{s.scim}/Groups", body, headers=s.scim_headers)
    try:
        async with http.request(req.method, req.path, data=req.body, headers=req.headers) as r:
            text = await r.text()
            if r.status == 201:
                return str(json.loads(text)["id"]), ""
            return None, f"POST /Groups: HTTP {r.status} {text[:160]}"
    except (aiohttp.ClientError, ValueError, KeyError) as exc:
        return None, f"POST /Groups: {type(exc).__name__}: {exc}"


def _patch(s: Session, group_id: str, operation: dict[str, Any]) -> Req:
    body = json.dumps({"schemas": [PATCH_SCHEMA], "Operations": [operation]}).encode()
    return Req("PATCH", f"{s.scim}/Groups/{group_id}", body, headers=s.scim_headers)


def _patched(i: int, status: int, body: bytes) -> str | None:
    return None if status in (200, 204) else f"HTTP {status}: {body[:160]!r}"


async def add_members(
    http: aiohttp.ClientSession, s: Session, group_id: str, members: list[str], plan: Plan
) -> Result:
    def make(i: int) -> Req:
        batch = members[i * BATCH : (i + 1) * BATCH]
        value = [{"value": member} for member in batch]
        return _patch(s, group_id, {"op": "add", "path": "members", "value": value})

    count = -(-len(members) // BATCH)  # the last batch may be short
    return await _sequential(http, s, plan, count, make, _patched)


async def remove_member(
    http: aiohttp.ClientSession, s: Session, group_id: str, members: list[str], plan: Plan
) -> Result:
    def make(i: int) -> Req:
        return _patch(s, group_id, {"op": "remove", "path": f'members[value eq "{members[i]}"]'})

    count = min(plan.removes, len(members))
    return await _sequential(http, s, plan, count, make, _patched)


async def get_group(
    http: aiohttp.ClientSession, s: Session, group_id: str, plan: Plan, *, members: int | None
) -> Result:
    """GET the group: without members (`members` None) or with exactly `members` of them."""
    params = {"excludedAttributes": "members"} if members is None else None

    def make(i: int) -> Req:
        return Req("GET", f"{s.scim}/Groups/{group_id}", params=params, headers=s.scim_headers)

    def shape(i: int, body: Any) -> str | None:
        found = len(body.get("members") or []) if isinstance(body, dict) else -1
        wanted = 0 if members is None else members
        return None if found == wanted else f"{found} members in the answer, expected {wanted}"

    count = plan.group_gets if members is None else plan.full_group_gets
    return await _latency(http, s, plan, count, make, load.expect(200, then=shape))


async def issue_tokens(http: aiohttp.ClientSession, s: Session, users: Users, plan: Plan) -> Result:
    created = users.created()
    if not created or s.product_headers is None:
        return load.failed("no user was created", TOKEN_CONCURRENCY)

    def make(i: int) -> Req:
        name = user_name(created[(i * 7919) % len(created)])
        body = json.dumps({"org_id": s.org_id, "user_name": name}).encode()
        return Req("POST", "/auth/v1/tokens", body, headers=s.product_headers)

    def has_token(i: int, body: Any) -> str | None:
        return None if isinstance(body, dict) and body.get("access_token") else "no access_token"

    check = load.expect(200, then=has_token)
    return await _timed(http, s, plan.tokens, make, check, TOKEN_CONCURRENCY, plan.step_seconds)


async def _latency(
    http: aiohttp.ClientSession, s: Session, plan: Plan, count: int, make: Any, check: load.Check
) -> Result:
    """A read, one request at a time after a short unmeasured warm-up."""
    await load.run(http, count=WARM_UP, concurrency=1, make=make, check=check, time_limit=5)
    return await _sequential(http, s, plan, count, make, check)


async def _sequential(
    http: aiohttp.ClientSession, s: Session, plan: Plan, count: int, make: Any, check: load.Check
) -> Result:
    """One request at a time: p50 is the time to serve one request, without queueing."""
    return await _timed(http, s, count, make, check, 1, plan.step_seconds)


async def _timed(
    http: aiohttp.ClientSession,
    s: Session,
    count: int,
    make: Any,
    check: load.Check,
    concurrency: int,
    time_limit: float,
) -> Result:
    """`count` requests at `concurrency`, with the server's CPU time per request."""
    return await load.run(
        http,
        count=count,
        concurrency=concurrency,
        make=make,
        check=check,
        time_limit=time_limit,
        cpu_clock=s.cpu_clock,
    )
