"""Any JSON body (or none, or bytes that are not JSON) for the admin API's writes and the token
endpoints is answered or refused with {"error", "detail"}: never a 5xx, and a refused request
writes nothing."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.budget import fuzz
from tests.fuzz.conftest import Target
from tests.fuzz.live_gateway import Answer, assert_json_error
from tests.fuzz.strategies import any_text, json_scalars, json_values, raw_bodies
from tests.helpers import ADMIN_HEADERS

_value = json_values | json_scalars
_emails = st.sampled_from(["ops@example.com", "ADA@EXAMPLE.COM", "a@b", "@", "x" * 300]) | any_text
_urls = (
    st.sampled_from(
        ["https://hooks.example.com/x", "http://127.0.0.1:9/x", "ftp://x", "https://", "//x"]
    )
    | any_text
)
_ORG_FIELDS = {
    "name": any_text | _value,
    "seat_limit": st.integers(min_value=-(2**70), max_value=2**70) | _value,
    "seat_policy": st.sampled_from(["over_limit", "auto_expand", "refuse"]) | _value,
    "max_seats": st.integers(min_value=-5, max_value=2**70) | _value,
    "exempt_user_types": st.lists(any_text, max_size=3) | _value,
    "admin_emails": st.lists(_emails, max_size=3) | _value,
    "webhook_url": _urls | _value,
    "webhook_secret": any_text | _value,
    "invite_expiry_days": st.integers(min_value=-(2**40), max_value=2**40) | _value,
    "deprovision_guard_share": st.floats() | _value,
    "deprovision_guard_count": st.integers(min_value=-(2**40), max_value=2**40) | _value,
    "deprovision_guard_window_seconds": st.floats() | _value,
    "owner_email": _emails | _value,
}
_FIELDS_BY_WRITE: dict[tuple[str, str], dict[str, st.SearchStrategy[Any]]] = {
    ("POST", "/orgs"): _ORG_FIELDS,
    ("PATCH", "/orgs/{org}"): _ORG_FIELDS,
    ("POST", "/orgs/{org}/invites"): {"email": _emails | _value, "role": any_text | _value},
    ("POST", "/orgs/{org}/portal-links"): {
        "email": _emails | _value,
        "role": st.sampled_from(["admin", "billing"]) | _value,
    },
    ("POST", "/orgs/{org}/clients"): {"name": any_text | _value},
    ("POST", "/clients"): {"name": any_text | _value},
    ("POST", "/orgs/{org}/scim-tokens"): {"name": any_text | _value},
    ("POST", "/event-endpoints"): {
        "url": _urls | _value,
        "org_id": st.just("{org}") | _value,
        "types": st.lists(st.sampled_from(["user.created", "*"]) | any_text, max_size=3) | _value,
    },
    ("POST", "/orgs/{org}/capacity-changes"): {
        "seat_limit": st.integers(min_value=-5, max_value=2**70) | _value,
        "effective_at": st.sampled_from(["2099-01-01T00:00:00Z", "2099-01-01", "now"]) | _value,
    },
    ("POST", "/orgs/{org}/members/{user}/release-seat"): {},
    ("POST", "/orgs/{org}/members/{user}/assign-seat"): {},
}


def _refused_as_json(answer: Answer) -> None:
    if answer.status >= 400:
        assert_json_error(answer)


def _fill(value: Any, target: Target) -> Any:
    if isinstance(value, str):
        return value.replace("{org}", target.org_id).replace("{user}", target.user_id)
    return value


@fuzz
@given(data=st.data(), write=st.sampled_from(sorted(_FIELDS_BY_WRITE)))
def test_any_admin_write_is_done_or_refused_as_json(
    target: Target, data: st.DataObject, write: tuple[str, str]
) -> None:
    method, path = write
    fields = _FIELDS_BY_WRITE[write]
    body = data.draw(st.fixed_dictionaries({}, optional=fields) | json_values | raw_bodies)
    if isinstance(body, dict):
        body = {key: _fill(value, target) for key, value in body.items()}
    content = {"body": body} if isinstance(body, bytes) else {"json_body": body}
    headers = {**ADMIN_HEADERS, "Content-Type": "application/json"}
    answer = target.refused_leaves_no_trace(
        lambda: target.gateway.request(
            method, f"/admin/v1{_fill(path, target)}", headers=headers, **content
        )
    )
    _refused_as_json(answer)


@fuzz
@given(
    params=st.fixed_dictionaries(
        {},
        optional={
            "seat_status": st.sampled_from(["active", "over_limit", "x"]) | any_text,
            "limit": st.integers(min_value=-(2**70), max_value=2**70).map(str) | any_text,
            "after": any_text,
            "search": any_text,
            "types": any_text,
        },
    ),
    path=st.sampled_from(
        [
            "/orgs",
            "/orgs/{org}/members",
            "/orgs/{org}/ledger",
            "/orgs/{org}/alerts",
            "/orgs/{org}/audit",
            "/orgs/{org}/invites",
            "/event-endpoints",
        ]
    ),
)
def test_any_admin_listing_query_is_a_page_or_a_json_error(
    target: Target, params: dict[str, str], path: str
) -> None:
    answer = target.gateway.request(
        "GET", f"/admin/v1{_fill(path, target)}", headers=ADMIN_HEADERS, params=params
    )
    assert answer.status < 500, answer
    _refused_as_json(answer)


@fuzz
@given(data=st.data())
def test_any_token_request_body_is_a_token_or_a_json_error(
    target: Target, data: st.DataObject
) -> None:
    identifiers = {
        "org_id": st.just(target.org_id) | _value,
        "user_name": st.just("ada@example.com") | _emails | _value,
        "user_id": st.just(target.user_id) | _value,
        "external_id": any_text | _value,
    }
    near_valid = st.one_of(
        st.fixed_dictionaries(
            {"org_id": st.just(target.org_id), "user_name": st.just("ada@example.com") | _emails}
        ),
        st.fixed_dictionaries(
            {"org_id": st.just(target.org_id), "user_id": st.just(target.user_id)}
        ),
    )
    loose = st.fixed_dictionaries({}, optional=identifiers)
    body = data.draw(near_valid | loose | json_values | raw_bodies)
    content = {"body": body} if isinstance(body, bytes) else {"json_body": body}
    headers = {**target.product_headers, "Content-Type": "application/json"}
    answer = target.refused_leaves_no_trace(
        lambda: target.gateway.request("POST", "/auth/v1/tokens", headers=headers, **content)
    )
    if answer.status >= 400:
        assert_json_error(answer)
    else:
        assert answer.json()["token_type"] == "Bearer"


@fuzz
@given(
    token=any_text
    | st.lists(st.sampled_from(["eyJhbGciOiJFUzI1NiJ9", "e30", "", "x", "=="]), max_size=4).map(
        ".".join
    ),
    form=st.booleans(),
    raw=raw_bodies,
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded; charset=latin-1",
        ]
    ),
)
def test_any_introspection_request_is_answered_or_refused_as_json(
    target: Target, token: str, form: bool, raw: bytes, content_type: str
) -> None:
    if form:
        answer = target.gateway.request(
            "POST", "/auth/v1/introspect", headers=target.product_headers, form={"token": token}
        )
    else:
        headers = {**target.product_headers, "Content-Type": content_type}
        answer = target.gateway.request("POST", "/auth/v1/introspect", headers=headers, body=raw)
    assert answer.status < 500, answer
    if answer.status >= 400:
        assert_json_error(answer)
    else:
        assert answer.json()["active"] is False
