"""The verify helper for Python products, against a live gateway on loopback (real JWKS fetches)."""

import asyncio
import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives import serialization

from auth import jws
from auth.keys import rotate
from auth.routes import PRODUCT_TOKENS
from auth.verify import BlockingTokenVerifier, InvalidToken, KeysUnavailable, TokenVerifier
from gateway.keys import DATABASE
from tests.auth.conftest import AddMember, request_token

ISSUER = "http://127.0.0.1"
AUDIENCE = "seatgate-product"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "member-1",
        "org_id": "org-1",
        "user_name": "ada",
        "email": None,
        "seat_status": "over_limit",
        "seat_over_limit": True,
        "iat": now,
        "nbf": now,
        "exp": now + 900,
        "jti": "j1",
    }
    return {**claims, **overrides}


@pytest.fixture
async def verifier(client: TestClient) -> Any:
    verifier = TokenVerifier(str(client.make_url("")), AUDIENCE, issuer=ISSUER)
    yield verifier
    await verifier.close()


async def _signed(client: TestClient, **overrides: Any) -> str:
    """A token signed with the gateway's own current key, with chosen claims."""
    key = await client.app[PRODUCT_TOKENS].keys.signing_key()
    return jws.sign(_claims(**overrides), key.private_key, key.kid)


async def _refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        await verifier.verify(token)
    return caught.value.reason


async def test_a_token_from_the_gateway_verifies_and_yields_its_claims(
    client: TestClient, org: dict[str, Any], product: dict[str, str], add_member: AddMember
) -> None:
    member = await add_member(org["id"], "ada")
    _, body = await request_token(client, product, org_id=org["id"], user_name="ada")
    async with TokenVerifier(str(client.make_url("")), AUDIENCE, issuer=ISSUER) as verifier:
        claims = await verifier.verify(body["access_token"])
        assert claims["sub"] == member.id
        assert claims["seat_over_limit"] is False
        await verifier.verify(body["access_token"])
        assert verifier.fetches == 1


async def test_alg_none_is_refused(client: TestClient, verifier: TokenVerifier) -> None:
    key = await client.app[PRODUCT_TOKENS].keys.signing_key()
    token = _unsigned({"alg": "none", "typ": "JWT", "kid": key.kid}, _claims()) + "."
    assert await _refused(verifier, token) == "bad_algorithm"


async def test_hs256_signed_with_the_public_key_is_refused(
    client: TestClient, verifier: TokenVerifier
) -> None:
    # The classic confusion: a verifier that trusted the header would use the public key bytes
    # as an HMAC secret, and anyone could forge tokens.
    key = await client.app[PRODUCT_TOKENS].keys.signing_key()
    public_pem = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = _unsigned({"alg": "HS256", "typ": "JWT", "kid": key.kid}, _claims())
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    assert await _refused(verifier, f"{signing_input}.{_b64(signature)}") == "bad_algorithm"
    # Also when the header claims ES256 but the signature is an HMAC.
    signing_input = _unsigned({"alg": "ES256", "typ": "JWT", "kid": key.kid}, _claims())
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    assert await _refused(verifier, f"{signing_input}.{_b64(signature)}") == "bad_signature"


async def test_an_expired_token_is_refused(client: TestClient, verifier: TokenVerifier) -> None:
    past = int(time.time()) - 1000
    token = await _signed(client, iat=past, nbf=past, exp=past + 900)
    assert await _refused(verifier, token) == "expired"


async def test_a_token_not_valid_yet_is_refused(
    client: TestClient, verifier: TokenVerifier
) -> None:
    token = await _signed(client, nbf=int(time.time()) + 600)
    assert await _refused(verifier, token) == "not_yet_valid"


async def test_a_token_for_another_audience_is_refused(
    client: TestClient, verifier: TokenVerifier
) -> None:
    token = await _signed(client, aud="some-other-product")
    assert await _refused(verifier, token) == "bad_audience"


async def test_a_token_from_another_issuer_is_refused(
    client: TestClient, verifier: TokenVerifier
) -> None:
    token = await _signed(client, iss="https://evil.example.com")
    assert await _refused(verifier, token) == "bad_issuer"


async def test_a_token_missing_a_claim_or_signed_by_a_stranger_is_refused(
    client: TestClient, verifier: TokenVerifier
) -> None:
    claims = _claims()
    del claims["exp"]
    key = await client.app[PRODUCT_TOKENS].keys.signing_key()
    assert await _refused(verifier, jws.sign(claims, key.private_key, key.kid)) == "missing_claim"
    stranger = jws.generate_private_key()
    forged = jws.sign(_claims(), stranger, key.kid)
    assert await _refused(verifier, forged) == "bad_signature"
    assert await _refused(verifier, "not-a-jwt") == "malformed"


async def test_an_unknown_kid_refetches_the_keys_but_not_more_than_the_floor_allows(
    client: TestClient, verifier: TokenVerifier
) -> None:
    await verifier.verify(await _signed(client))
    assert verifier.fetches == 1
    async with client.app[DATABASE].transaction() as conn:
        await rotate(
            conn,
            client.app[PRODUCT_TOKENS].encryption,
            token_lifetime_seconds=900,
            publish_delay_seconds=0,
        )
    client.app[PRODUCT_TOKENS].keys.invalidate()
    rotated = await _signed(client)
    # Within the floor (30 s by default since the last fetch): no new fetch, the kid is unknown.
    assert await _refused(verifier, rotated) == "unknown_key"
    assert verifier.fetches == 1
    eager = TokenVerifier(str(client.make_url("")), AUDIENCE, issuer=ISSUER, min_refresh_seconds=0)
    try:
        await eager.verify(await _signed(client))
        forged_kid = jws.sign(_claims(), jws.generate_private_key(), "no-such-kid")
        assert await _refused(eager, forged_kid) == "unknown_key"
        assert eager.fetches == 2
    finally:
        await eager.close()


async def test_tokens_signed_before_a_rotation_still_verify(
    client: TestClient, verifier: TokenVerifier
) -> None:
    before = await _signed(client)
    async with client.app[DATABASE].transaction() as conn:
        await rotate(
            conn,
            client.app[PRODUCT_TOKENS].encryption,
            token_lifetime_seconds=900,
            publish_delay_seconds=0,
        )
    client.app[PRODUCT_TOKENS].keys.invalidate()
    after = await _signed(client)
    assert await verifier.verify(after)
    assert await verifier.verify(before)


async def test_an_unreachable_gateway_is_keys_unavailable_not_an_invalid_token() -> None:
    verifier = TokenVerifier("http://127.0.0.1:9", AUDIENCE, timeout_seconds=2)
    try:
        token = jws.sign(_claims(), jws.generate_private_key(), "kid")
        with pytest.raises(KeysUnavailable):
            await verifier.verify(token)
    finally:
        await verifier.close()


async def test_the_blocking_verifier_applies_the_same_checks(client: TestClient) -> None:
    blocking = BlockingTokenVerifier(str(client.make_url("")), AUDIENCE, issuer=ISSUER)
    good = await _signed(client)
    claims = await asyncio.to_thread(blocking.verify, good)
    assert claims["seat_over_limit"] is True
    with pytest.raises(InvalidToken) as caught:
        await asyncio.to_thread(blocking.verify, await _signed(client, aud="other"))
    assert caught.value.reason == "bad_audience"
