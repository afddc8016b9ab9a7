"""Any Content-Type, Authorization or If-Match header value is answered or refused with the
error body of its endpoint (RFC 7644 under /scim/v2, {"error", "detail"} elsewhere): never a
5xx, and a refused write writes nothing."""

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.budget import fuzz
from tests.fuzz.conftest import Target
from tests.fuzz.live_gateway import assert_json_error, assert_scim_error
from tests.fuzz.strategies import USER_SCHEMA, header_values
from tests.helpers import ADMIN_HEADERS

content_types = (
    st.sampled_from(
        [
            "application/scim+json",
            "application/json",
            "application/json; charset=utf-8",
            "application/scim+json; charset=latin-1",
            "application/json; charset=nonsense",
            "text/plain",
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded",
            "application/",
            ";",
            "",
        ]
    )
    | header_values
)
authorizations = st.builds(
    lambda scheme, value: f"{scheme}{value}",
    st.sampled_from(["Bearer ", "bearer ", "Basic ", "Basic", "Token ", ""]),
    header_values | st.sampled_from(["Og==", "YTpi", "!!!", "=" * 3, "dGVzdC1hZG1pbi10b2tlbg=="]),
)
if_matches = (
    st.sampled_from(['W/"1"', '"1"', "*", 'W/"99"', 'W/""', "W/", '"', ", ,"]) | header_values
)


@fuzz
@given(content_type=content_types, where=st.sampled_from(["/scim/v2/Users", "/admin/v1/orgs"]))
def test_any_content_type_is_accepted_or_refused_with_the_endpoints_error(
    target: Target, content_type: str, where: str
) -> None:
    if where.startswith("/scim"):
        body = {"schemas": [USER_SCHEMA], "userName": "header-probe@example.com"}
        headers = {**target.scim_headers, "Content-Type": content_type}
    else:
        body = {"name": "Probe"}
        headers = {**ADMIN_HEADERS, "Content-Type": content_type}
    answer = target.refused_leaves_no_trace(
        lambda: target.gateway.request("POST", where, headers=headers, json_body=body)
    )
    if answer.status >= 400:
        (assert_scim_error if where.startswith("/scim") else assert_json_error)(answer)


@fuzz
@given(
    authorization=authorizations,
    where=st.sampled_from(
        [
            ("GET", "/scim/v2/Users"),
            ("GET", "/admin/v1/orgs"),
            ("POST", "/auth/v1/tokens"),
            ("GET", "/directory/v1/events"),
        ]
    ),
)
def test_any_authorization_header_is_refused_with_the_endpoints_error(
    target: Target, authorization: str, where: tuple[str, str]
) -> None:
    method, path = where
    headers = {"Authorization": authorization, "Content-Type": "application/json"}
    answer = target.refused_leaves_no_trace(
        lambda: target.gateway.request(method, path, headers=headers, json_body={"org_id": "x"})
    )
    assert answer.status in (400, 401, 403, 429), answer
    (assert_scim_error if path.startswith("/scim") else assert_json_error)(answer)


@fuzz
@given(
    if_match=if_matches,
    write=st.sampled_from(["PUT /Users", "PATCH /Users", "PATCH /Groups"]),
)
def test_any_if_match_applies_the_write_or_is_a_scim_error(
    target: Target, if_match: str, write: str
) -> None:
    method, resource = write.split(" ")
    if resource == "/Groups":
        path = f"/scim/v2/Groups/{target.group_id}"
    else:
        path = f"/scim/v2/Users/{target.user_id}"
    if method == "PUT":
        body: dict[str, object] = {"schemas": [USER_SCHEMA], "userName": "ada@example.com"}
    else:
        body = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "externalId", "value": "x"}]
            if resource == "/Users"
            else [{"op": "replace", "path": "displayName", "value": "Engineers"}],
        }
    headers = {**target.scim_headers, "If-Match": if_match}
    answer = target.refused_leaves_no_trace(
        lambda: target.gateway.request(method, path, headers=headers, json_body=body)
    )
    if answer.status >= 400:
        assert answer.status in (400, 412), answer
        assert_scim_error(answer)
