"""TokenVerifier and BlockingTokenVerifier against a JWKS endpoint on loopback."""

import asyncio
import json
import time

import pytest
from conftest import AUDIENCE, ISSUER, P256_ORDER, JwksServer, SigningKey, b64, scalars, with_s

from seatgate_sdk import BlockingTokenVerifier, InvalidToken, KeysUnavailable, TokenVerifier


def _verifier(jwks: JwksServer, **options: object) -> TokenVerifier:
    return TokenVerifier(jwks.url, AUDIENCE, issuer=ISSUER, **options)  # type: ignore[arg-type]


async def _reason(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as refused:
        await verifier.verify(token)
    return refused.value.reason


async def test_a_token_verifies_and_the_keys_are_fetched_once(
    jwks: JwksServer, key: SigningKey
) -> None:
    verifier = _verifier(jwks)
    claims = await verifier.verify(key.sign(seat_status="over_limit", seat_over_limit=True))
    assert claims["org_id"] == "org-1"
    assert claims["seat_over_limit"] is True
    await verifier.verify(key.sign())
    assert (verifier.fetches, jwks.requests) == (1, 1)


async def test_concurrent_first_verifications_fetch_the_keys_once(
    jwks: JwksServer, key: SigningKey
) -> None:
    verifier = _verifier(jwks)
    results = await asyncio.gather(*(verifier.verify(key.sign()) for _ in range(20)))
    assert len(results) == 20
    assert jwks.requests == 1


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"exp": 1000, "iat": 900, "nbf": 900}, "expired"),
        ({"nbf": 4_000_000_000}, "not_yet_valid"),
        ({"aud": "another-product"}, "bad_audience"),
        ({"iss": "https://elsewhere.example"}, "bad_issuer"),
        ({"org_id": None}, "missing_claim"),
        ({"seat_over_limit": None}, "missing_claim"),
        ({"seat_over_limit": "false"}, "bad_claim"),
        ({"org_id": 7}, "bad_claim"),
    ],
)
async def test_a_token_failing_a_check_is_refused_with_its_reason(
    jwks: JwksServer, key: SigningKey, overrides: dict[str, object], reason: str
) -> None:
    assert await _reason(_verifier(jwks), key.sign(**overrides)) == reason


async def test_alg_none_and_the_high_s_copy_of_a_signature_are_refused(
    jwks: JwksServer, key: SigningKey
) -> None:
    verifier = _verifier(jwks)
    token = key.sign()
    header = b64(json.dumps({"alg": "none", "kid": key.kid}).encode())
    unsigned = f"{header}.{token.split('.')[1]}."
    assert await _reason(verifier, unsigned) == "bad_algorithm"
    _, s = scalars(token)
    assert await _reason(verifier, with_s(token, P256_ORDER - s)) == "bad_signature"
    assert await _reason(verifier, SigningKey(key.kid).sign()) == "bad_signature"
    assert await _reason(verifier, "not-a-token") == "malformed"


async def test_an_unknown_kid_refetches_once_per_floor(jwks: JwksServer, key: SigningKey) -> None:
    verifier = _verifier(jwks)
    eager = _verifier(jwks, min_refresh_seconds=0)
    await verifier.verify(key.sign())
    await eager.verify(key.sign())
    rotated = SigningKey("key-2")
    jwks.document = {"keys": [key.jwk(), rotated.jwk()]}
    # Within the floor (30 s since the last fetch): no fetch, so forged kids cannot flood.
    assert await _reason(verifier, rotated.sign()) == "unknown_key"
    assert verifier.fetches == 1
    # Without a floor, the rotated key is learned at its first token.
    assert (await eager.verify(rotated.sign()))["sub"] == "member-1"
    assert await _reason(eager, SigningKey("forged").sign()) == "unknown_key"
    assert eager.fetches == 3


async def test_a_slow_fetch_for_a_forged_kid_does_not_stall_tokens_with_known_keys(
    jwks: JwksServer, key: SigningKey
) -> None:
    verifier = _verifier(jwks, min_refresh_seconds=0)
    await verifier.verify(key.sign())
    jwks.delay_seconds = 1.5
    forged = asyncio.create_task(_reason(verifier, SigningKey("forged").sign()))
    await asyncio.sleep(0.2)  # the re-fetch for the forged kid is under way in a thread
    started = time.monotonic()
    assert (await verifier.verify(key.sign()))["org_id"] == "org-1"
    assert time.monotonic() - started < 0.5
    assert not forged.done()
    assert await forged == "unknown_key"


async def test_a_failing_gateway_keeps_the_keys_already_fetched(
    jwks: JwksServer, key: SigningKey
) -> None:
    verifier = _verifier(jwks, cache_seconds=0.01, min_refresh_seconds=0)
    await verifier.verify(key.sign())
    jwks.status, jwks.document = 502, {"error": "bad_gateway"}
    await asyncio.sleep(0.05)
    assert (await verifier.verify(key.sign()))["org_id"] == "org-1"
    assert jwks.requests >= 2


async def test_keys_that_cannot_verify_es256_are_ignored(jwks: JwksServer, key: SigningKey) -> None:
    impostor = SigningKey("rsa-looking")
    jwks.document = {"keys": [{**impostor.jwk(), "alg": "RS256"}, key.jwk()]}
    verifier = _verifier(jwks)
    assert await verifier.verify(key.sign())
    assert await _reason(verifier, impostor.sign()) == "unknown_key"


async def test_an_unreachable_gateway_is_keys_unavailable(key: SigningKey) -> None:
    verifier = TokenVerifier("http://127.0.0.1:9", AUDIENCE, timeout_seconds=2)
    with pytest.raises(KeysUnavailable):
        await verifier.verify(key.sign())


def test_the_blocking_verifier_applies_the_same_checks(jwks: JwksServer, key: SigningKey) -> None:
    verifier = BlockingTokenVerifier(jwks.url, AUDIENCE, issuer=ISSUER)
    assert verifier.verify(key.sign())["sub"] == "member-1"
    with pytest.raises(InvalidToken) as refused:
        verifier.verify(key.sign(aud="other"))
    assert refused.value.reason == "bad_audience"
