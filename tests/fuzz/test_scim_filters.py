"""Any filter, sort, paging or attribute selection on a SCIM listing or search is answered 200
with a ListResponse or refused with an RFC 7644 error body: never a 5xx, nothing written."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.budget import fuzz
from tests.fuzz.conftest import Target
from tests.fuzz.live_gateway import Answer, assert_scim_error
from tests.fuzz.strategies import json_values, list_parameters

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def _listing_or_scim_error(answer: Answer) -> None:
    if answer.status >= 400:
        assert_scim_error(answer)
    else:
        assert answer.status == 200, answer
        assert LIST_RESPONSE in answer.json()["schemas"]


@fuzz
@given(params=list_parameters, resource=st.sampled_from(["Users", "Groups"]))
def test_a_listing_with_any_query_is_a_list_or_a_scim_error(
    target: Target, params: dict[str, str], resource: str
) -> None:
    answer = target.refused_leaves_no_trace(
        lambda: target.gateway.request(
            "GET", f"/scim/v2/{resource}", headers=target.scim_headers, params=params
        )
    )
    _listing_or_scim_error(answer)


@fuzz
@given(
    body=list_parameters.map(dict) | json_values,
    where=st.sampled_from(["/Users/.search", "/Groups/.search", "/.search"]),
)
def test_a_search_with_any_body_is_a_list_or_a_scim_error(
    target: Target, body: Any, where: str
) -> None:
    if isinstance(body, dict):
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], **body}
    answer = target.refused_leaves_no_trace(
        lambda: target.gateway.request(
            "POST", f"/scim/v2{where}", headers=target.scim_headers, json_body=body
        )
    )
    _listing_or_scim_error(answer)
