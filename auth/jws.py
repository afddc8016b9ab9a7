"""The gateway's wrapper around pyjwt: ES256 keys, signing, JWKs; the checks are the SDK's.

Everything that signs a product token goes through here; everything that checks one goes through
`seatgate_sdk.token_checks` (the product SDK in sdk/), so a product's verifier and the gateway's
introspection are one implementation: only ES256 is ever accepted, whatever the token's header
says (RFC 8725 §3.1), which rules out `alg: none` and HS256-signed-with-the-public-key confusion.

ECDSA signatures are malleable: if (r, s) verifies, so does (r, n - s), so anyone holding a token
could mint a second, different token string for the same claims (defeating a product that
dedupes, caches or revokes by token string). Signing here always emits the low-S form
(s <= n/2, as Bitcoin's BIP 62 and libsecp256k1 do) and verification refuses the high-S one, so
each set of claims has exactly one valid token string.
"""

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from seatgate_sdk import token_checks

ALGORITHM = token_checks.ALGORITHM
REQUIRED_CLAIMS = token_checks.REQUIRED_CLAIMS
_P256_ORDER = token_checks.P256_ORDER
_SCALAR_BYTES = token_checks.SCALAR_BYTES
# A token that must not be trusted; `reason` is a short machine code. The SDK's own exception,
# so the gateway's introspection and a product's verifier refuse with the same reasons.
TokenRejected = token_checks.InvalidToken
unverified_kid = token_checks.unverified_kid


def generate_private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def private_key_to_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def private_key_from_pem(pem: str) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("a signing key must be an EC P-256 private key")
    return key


def public_jwk(key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    """The public half as a JWK with its RFC 7638 thumbprint as `kid`: never the `d` member."""
    jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    assert isinstance(jwk, dict)
    public = {name: jwk[name] for name in ("kty", "crv", "x", "y")}
    return {**public, "kid": thumbprint(public), "use": "sig", "alg": ALGORITHM}


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 §3: SHA-256 over the required members, sorted, without whitespace."""
    canonical = json.dumps(
        {name: jwk[name] for name in ("crv", "kty", "x", "y")}, separators=(",", ":")
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(claims: Mapping[str, Any], key: ec.EllipticCurvePrivateKey, kid: str) -> str:
    """The compact JWS of `claims`, its signature in low-S form (OpenSSL emits either form)."""
    token = jwt.encode(dict(claims), key, algorithm=ALGORITHM, headers={"kid": kid})
    signing_input, _, signature = token.rpartition(".")
    r, s = token_checks.signature_scalars(signature)
    return f"{signing_input}.{_encoded(r, min(s, _P256_ORDER - s))}"


def _encoded(r: int, s: int) -> str:
    raw = r.to_bytes(_SCALAR_BYTES, "big") + s.to_bytes(_SCALAR_BYTES, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class VerificationKey:
    """A public JWK parsed once (parsing costs about as much as a verification)."""

    def __init__(self, jwk: Mapping[str, Any]) -> None:
        try:
            self._key = jwt.PyJWK(dict(jwk), algorithm=ALGORITHM)
        except jwt.PyJWTError as exc:
            raise ValueError(f"not an ES256 public key: {exc}") from None
        self.kid = str(jwk.get("kid"))
        self.jwk = dict(jwk)


def verify(
    token: str,
    key: VerificationKey,
    *,
    issuer: str,
    audience: str,
    leeway_seconds: float = 0,
) -> dict[str, Any]:
    """Check signature (low-S only), exp, nbf, iat, iss, aud and the required claims and their
    types against one public key (seatgate_sdk.token_checks); return the claims."""
    return token_checks.check(
        token, key._key, issuer=issuer, audience=audience, leeway_seconds=leeway_seconds
    )
