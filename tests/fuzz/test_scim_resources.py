"""Any body for a SCIM User or Group (POST, PUT, PATCH) and for /Bulk is answered or refused with
an RFC 7644 error: never a 5xx, and a refused request writes nothing (no member, group,
membership, seat ledger entry or event)."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.budget import fuzz
from tests.fuzz.conftest import Target
from tests.fuzz.live_gateway import assert_scim_error
from tests.fuzz.strategies import (
    bulk_bodies,
    group_bodies,
    json_values,
    patch_bodies,
    raw_bodies,
    user_bodies,
)


def _send(target: Target, method: str, path: str, **body: Any) -> None:
    answer = target.refused_leaves_no_trace(
        lambda: target.gateway.request(
            method, f"/scim/v2{path}", headers=target.scim_headers, **body
        )
    )
    if answer.status >= 400:
        assert_scim_error(answer)


@fuzz
@given(body=user_bodies | json_values, method=st.sampled_from(["POST", "PUT"]))
def test_any_user_body_is_stored_or_refused_as_scim(target: Target, body: Any, method: str) -> None:
    path = "/Users" if method == "POST" else f"/Users/{target.user_id}"
    _send(target, method, path, json_body=body)


@fuzz
@given(body=group_bodies | json_values, method=st.sampled_from(["POST", "PUT"]))
def test_any_group_body_is_stored_or_refused_as_scim(
    target: Target, body: Any, method: str
) -> None:
    path = "/Groups" if method == "POST" else f"/Groups/{target.group_id}"
    _send(target, method, path, json_body=body)


@fuzz
@given(body=patch_bodies | json_values, resource=st.sampled_from(["Users", "Groups"]))
def test_any_patch_document_is_applied_or_refused_as_scim(
    target: Target, body: Any, resource: str
) -> None:
    resource_id = target.user_id if resource == "Users" else target.group_id
    _send(target, "PATCH", f"/{resource}/{resource_id}", json_body=body)


@fuzz
@given(data=st.data())
def test_any_bulk_request_answers_no_5xx_for_itself_or_any_operation(
    target: Target, data: st.DataObject
) -> None:
    body = data.draw(bulk_bodies(target.user_id, target.group_id) | json_values)
    answer = target.gateway.request(
        "POST", "/scim/v2/Bulk", headers=target.scim_headers, json_body=body
    )
    assert answer.status < 500, answer
    if answer.status >= 400:
        assert_scim_error(answer)
        return
    for operation in answer.json()["Operations"]:
        assert int(operation["status"]) < 500, operation


@fuzz
@given(
    body=raw_bodies,
    where=st.sampled_from(
        [
            ("POST", "/Users"),
            ("PUT", "/Users/{user}"),
            ("PATCH", "/Groups/{group}"),
            ("POST", "/Bulk"),
            ("POST", "/Users/.search"),
        ]
    ),
)
def test_a_body_that_is_not_json_is_a_scim_error(
    target: Target, body: bytes, where: tuple[str, str]
) -> None:
    method, path = where
    path = path.format(user=target.user_id, group=target.group_id)
    _send(target, method, path, body=body)
