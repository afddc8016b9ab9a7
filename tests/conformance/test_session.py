"""Throttling: like Okta and Entra, the conformance client waits out a 429 and tries again."""

import httpx2

from conformance.session import ThrottleRetryTransport


def test_a_429_is_retried_after_its_retry_after_delay() -> None:
    answers = [httpx2.Response(429, headers={"Retry-After": "2"}), httpx2.Response(200)]
    waits: list[float] = []
    transport = ThrottleRetryTransport(
        httpx2.MockTransport(lambda request: answers.pop(0)), sleep=waits.append
    )
    with httpx2.Client(transport=transport) as client:
        assert client.get("http://gateway.test/scim/v2/Users").status_code == 200
    assert waits == [2.0]
    assert transport.throttled == 1


def test_retries_are_bounded_and_the_last_429_is_returned() -> None:
    transport = ThrottleRetryTransport(
        httpx2.MockTransport(lambda request: httpx2.Response(429, headers={"Retry-After": "x"})),
        sleep=lambda seconds: None,
    )
    with httpx2.Client(transport=transport) as client:
        assert client.get("http://gateway.test/").status_code == 429
    assert transport.throttled == 5
