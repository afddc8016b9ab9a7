"""Webhook signatures: `t=<unix>,v1=<hex hmac_sha256(secret, "{t}.{body}")>`."""

import hashlib
import hmac

from gateway.integrations.webhooks import sign, verify_signature

BODY = b'{"type":"seatgate.alerts"}'


def test_the_signature_is_an_hmac_sha256_of_the_timestamp_and_the_body() -> None:
    header = sign("secret", BODY, timestamp=1_700_000_000)
    expected = hmac.new(b"secret", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_a_signature_verifies_only_with_the_same_secret_body_and_a_recent_time() -> None:
    header = sign("secret", BODY, timestamp=1_700_000_000)
    assert verify_signature("secret", header, BODY, now=1_700_000_100)
    assert not verify_signature("other", header, BODY, now=1_700_000_100)
    assert not verify_signature("secret", header, BODY + b" ", now=1_700_000_100)
    assert not verify_signature("secret", header, BODY, now=1_700_000_000 + 301)


def test_a_malformed_header_does_not_verify() -> None:
    for header in ("", "v1=abc", "t=soon,v1=abc", "t=1700000000"):
        assert not verify_signature("secret", header, BODY, now=1_700_000_000)
