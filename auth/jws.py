"""The one wrapper around pyjwt: ES256 keys, signing, JWKs and strict verification.

Everything that signs or checks a product token goes through here, so the algorithm is pinned in
one place: only ES256 is ever accepted, whatever the token's header says (RFC 8725 §3.1), which
rules out `alg: none` and HS256-signed-with-the-public-key confusion.

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

ALGORITHM = "ES256"
# Claims every product token carries; a token missing one is refused, not half-trusted.
REQUIRED_CLAIMS = ("iss", "aud", "sub", "iat", "nbf", "exp", "jti", "org_id", "seat_over_limit")
# The claims products branch on, with the JSON type they must have: `"seat_over_limit": "false"`
# would be truthy in Python, so a wrong type is refused rather than read.
_CLAIM_TYPES: dict[str, tuple[type, str]] = {
    "sub": (str, "string"),
    "org_id": (str, "string"),
    "seat_over_limit": (bool, "boolean"),
}
# The order n of the P-256 group (SEC 2 §2.4.2); ES256 signatures are r || s, 32 bytes each.
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_SCALAR_BYTES = 32


class TokenRejected(Exception):
    """A token that must not be trusted; `reason` is a short machine code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


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
    r, s = _scalars(signature)
    return f"{signing_input}.{_encoded(r, min(s, _P256_ORDER - s))}"


def _scalars(signature: str) -> tuple[int, int]:
    """(r, s) of a base64url ES256 signature; TokenRejected if it is not 64 bytes."""
    try:
        raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    except ValueError:
        raw = b""
    if len(raw) != 2 * _SCALAR_BYTES:
        raise TokenRejected("bad_signature", "an ES256 signature is 64 bytes (r || s)")
    return int.from_bytes(raw[:_SCALAR_BYTES], "big"), int.from_bytes(raw[_SCALAR_BYTES:], "big")


def _encoded(r: int, s: int) -> str:
    raw = r.to_bytes(_SCALAR_BYTES, "big") + s.to_bytes(_SCALAR_BYTES, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _refuse_high_s(token: str) -> None:
    """Refuse the high-S spelling of a signature. (The other spelling, a base64url text whose
    last character's spare bits are set, pyjwt refuses itself as invalid padding.)"""
    if token.count(".") != 2:
        return  # not a compact JWS: pyjwt says so with its own message
    _, s = _scalars(token.rpartition(".")[2])
    if s > _P256_ORDER // 2:
        raise TokenRejected(
            "bad_signature",
            "the signature is in high-S form (a malleated copy of a token): "
            "seatgate signs only low-S signatures",
        )


def unverified_kid(token: str) -> str:
    """The `kid` a token names, to pick the key; nothing in the header is trusted beyond that."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenRejected("malformed", f"the token is not a JWS: {exc}") from None
    if header.get("alg") != ALGORITHM:
        algorithm = header.get("alg")
        raise TokenRejected(
            "bad_algorithm", f"the token is signed with {algorithm!r}; only ES256 is accepted"
        )
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenRejected("unknown_key", "the token names no signing key (kid)")
    return kid


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
    types against one public key; return the claims."""
    _refuse_high_s(token)
    try:
        claims = jwt.decode(
            token,
            key._key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            leeway=leeway_seconds,
            options={"require": list(REQUIRED_CLAIMS), "strict_aud": False},
        )
    except jwt.ExpiredSignatureError:
        raise TokenRejected("expired", "the token has expired") from None
    except jwt.ImmatureSignatureError:
        raise TokenRejected("not_yet_valid", "the token is not valid yet (nbf/iat)") from None
    except jwt.InvalidAudienceError:
        raise TokenRejected("bad_audience", "the token is meant for another audience") from None
    except jwt.InvalidIssuerError:
        raise TokenRejected("bad_issuer", "the token was issued by someone else") from None
    except jwt.MissingRequiredClaimError as exc:
        raise TokenRejected("missing_claim", f"the token lacks the {exc.claim} claim") from None
    except jwt.InvalidAlgorithmError:
        raise TokenRejected("bad_algorithm", "only ES256 tokens are accepted") from None
    except jwt.InvalidSignatureError:
        raise TokenRejected("bad_signature", "the token's signature does not verify") from None
    except jwt.PyJWTError as exc:
        raise TokenRejected("malformed", f"the token is not valid: {exc}") from None
    for name, (expected, json_type) in _CLAIM_TYPES.items():
        if not isinstance(claims[name], expected):
            raise TokenRejected("bad_claim", f"the token's {name} claim must be a JSON {json_type}")
    return claims
