"""One token string per set of claims: the gateway signs low-S only, and the verify helper and
introspection refuse the other spellings of a valid signature (high S, non-canonical base64url).
And the claims a product branches on (`org_id`, `seat_over_limit`) are required, with their type."""

import base64
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from auth import jws
from auth.routes import PRODUCT_TOKENS
from auth.verify import InvalidToken, TokenVerifier
from tests.auth.conftest import AddMember, request_token
from tests.auth.test_introspection import introspect

ISSUER = "http://127.0.0.1"
AUDIENCE = "seatgate-product"
# The order of the P-256 group.
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _scalars(token: str) -> tuple[int, int]:
    raw = _b64decode(token.rpartition(".")[2])
    return int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")


def _high_s_copy(token: str) -> str:
    """The same signature with s replaced by n - s: it verifies under plain ECDSA."""
    r, s = _scalars(token)
    raw = r.to_bytes(32, "big") + (N - s).to_bytes(32, "big")
    return f"{token.rpartition('.')[0]}.{_b64encode(raw)}"


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "member-1",
        "org_id": "org-1",
        "seat_status": "active",
        "seat_over_limit": False,
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


async def _refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        await verifier.verify(token)
    return caught.value.reason


async def _signed(client: TestClient, claims: dict[str, Any]) -> str:
    key = await client.app[PRODUCT_TOKENS].keys.signing_key()
    return jws.sign(claims, key.private_key, key.kid)


def test_every_signature_seatgate_makes_is_low_s() -> None:
    # OpenSSL returns a high S for about half of all signatures: 64 of them miss none by chance
    # with probability 2**-64.
    key = jws.generate_private_key()
    for number in range(64):
        _, s = _scalars(jws.sign(_claims(jti=str(number)), key, "kid"))
        assert s <= N // 2


def test_the_high_s_copy_of_a_low_s_token_is_a_valid_plain_ecdsa_signature() -> None:
    # The premise of the refusal below: without it, the copy would be accepted.
    key = jws.generate_private_key()
    token = _high_s_copy(jws.sign(_claims(), key, "kid"))
    r, s = _scalars(token)
    signing_input = token.rpartition(".")[0].encode()
    key.public_key().verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))


async def test_a_malleated_high_s_copy_of_a_gateway_token_is_refused(
    client: TestClient,
    verifier: TokenVerifier,
    org: dict[str, Any],
    product: dict[str, str],
    add_member: AddMember,
) -> None:
    await add_member(org["id"], "ada")
    _, body = await request_token(client, product, org_id=org["id"], user_name="ada")
    token = body["access_token"]
    assert (await verifier.verify(token))["org_id"] == org["id"]
    assert await _refused(verifier, _high_s_copy(token)) == "bad_signature"
    assert await introspect(client, product, _high_s_copy(token)) == (200, {"active": False})
    assert (await introspect(client, product, token))[1]["active"] is True


async def test_a_signature_spelled_with_other_spare_bits_is_refused(
    client: TestClient, verifier: TokenVerifier
) -> None:
    token = await _signed(client, _claims())
    signing_input, _, signature = token.rpartition(".")
    # 64 bytes are 86 base64url characters; the last one carries 2 unused bits, so four
    # characters decode to the same bytes. Only the canonical one (spare bits zero) is valid:
    # pyjwt refuses the others as invalid padding, before any key is looked up.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    respelled = signature[:-1] + alphabet[last | 1]
    assert _b64decode(respelled) == _b64decode(signature)
    assert await verifier.verify(token)
    assert await _refused(verifier, f"{signing_input}.{respelled}") == "malformed"


@pytest.mark.parametrize("claim", ["org_id", "seat_over_limit"])
async def test_a_token_without_the_claims_products_branch_on_is_refused(
    client: TestClient, verifier: TokenVerifier, claim: str
) -> None:
    claims = _claims()
    del claims[claim]
    assert await _refused(verifier, await _signed(client, claims)) == "missing_claim"


@pytest.mark.parametrize(
    "overrides", [{"seat_over_limit": "false"}, {"seat_over_limit": 0}, {"org_id": 7}]
)
async def test_a_claim_of_the_wrong_json_type_is_refused_not_read(
    client: TestClient, verifier: TokenVerifier, overrides: dict[str, Any]
) -> None:
    # "false" is truthy in Python: a product reading it would show the upgrade prompt wrongly.
    token = await _signed(client, _claims(**overrides))
    assert await _refused(verifier, token) == "bad_claim"
