"""The IdP sequence runner, against an in-memory transport instead of a gateway."""

import json

import httpx2
import pytest

from conformance import expect
from conformance.idp_sequences.entra import entra
from conformance.idp_sequences.okta import okta
from conformance.report import Outcome
from conformance.sequence import Run, Sequence
from conformance.session import http_client


def client_for(handler: httpx2.MockTransport) -> httpx2.Client:
    return http_client("http://gateway.test/scim/v2", "t0ken", transport=handler)


def test_steps_pass_fail_or_are_skipped_when_a_prerequisite_is_missing() -> None:
    sequence = Sequence("demo")

    @sequence.step("creates")
    def creates(run: Run) -> None:
        expect.status(run.send("POST", "/Users", {"userName": "a"}), 201)

    @sequence.step("needs the created id")
    def needs(run: Run) -> None:
        run.need("user_id")

    @sequence.step("crashes")
    def crashes(run: Run) -> None:
        raise KeyError("Resources")

    transport = httpx2.MockTransport(lambda request: httpx2.Response(400, text="nope"))
    rows = sequence.run(client_for(transport))
    assert [(r.name, r.outcome) for r in rows] == [
        ("creates", Outcome.FAILED),
        ("needs the created id", Outcome.SKIPPED),
        ("crashes", Outcome.FAILED),
    ]
    assert rows[0].detail == "POST /scim/v2/Users: expected HTTP 201, got 400: nope"
    assert "'user_id'" in rows[1].detail
    assert rows[2].detail == "KeyError: 'Resources'"


def test_requests_carry_the_bearer_token_and_a_scim_json_body() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(201, json={"id": "1"})

    sequence = Sequence("demo")

    @sequence.step("posts")
    def posts(run: Run) -> None:
        expect.resource(run.send("POST", "/Users", {"userName": "a"}), 201)

    [row] = sequence.run(client_for(httpx2.MockTransport(handler)))
    assert row.outcome is Outcome.PASSED
    [request] = seen
    assert str(request.url) == "http://gateway.test/scim/v2/Users"
    assert request.headers["Authorization"] == "Bearer t0ken"
    assert request.headers["Content-Type"] == "application/scim+json"
    assert json.loads(request.content) == {"userName": "a"}


def test_what_a_sequence_created_is_deleted_and_a_failed_deletion_is_reported() -> None:
    deleted: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        deleted.append(request.url.path)
        return httpx2.Response(500 if request.url.path.endswith("/2") else 204)

    sequence = Sequence("demo")

    @sequence.step("creates two and deletes one")
    def creates(run: Run) -> None:
        run.track("/Users/1")
        run.track("/Users/2")
        run.track("/Users/3")
        run.untrack("/Users/3")

    rows = sequence.run(client_for(httpx2.MockTransport(handler)))
    assert deleted == ["/scim/v2/Users/2", "/scim/v2/Users/1"]
    assert [(r.name, r.outcome) for r in rows] == [
        ("creates two and deletes one", Outcome.PASSED),
        ("clean-up: DELETE /Users/2", Outcome.FAILED),
    ]


def test_a_scim_error_body_must_name_the_error_schema_and_status() -> None:
    request = httpx2.Request("GET", "http://gateway.test/scim/v2/Users/x")
    good = {"schemas": [expect.ERROR], "status": "404", "detail": "no such user"}
    expect.scim_error(httpx2.Response(404, json=good, request=request), 404)
    with pytest.raises(expect.CheckFailed, match="schemas lack"):
        expect.scim_error(httpx2.Response(404, json={"error": "x"}, request=request), 404)


@pytest.mark.parametrize("sequence", [okta, entra], ids=lambda s: s.suite)
def test_step_names_are_unique_within_a_sequence(sequence: Sequence) -> None:
    names = [step.name for step in sequence.steps]
    assert len(names) == len(set(names))
