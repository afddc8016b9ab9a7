"""The checks every seatgate product token must pass, without any I/O: one implementation,
used by the SDK's verifiers and by the gateway's own introspection.

Only ES256 is ever accepted, whatever the token's header says (RFC 8725 §3.1), which rules out
`alg: none` and HS256-signed-with-the-public-key confusion. exp, nbf, iat, iss and aud are
always checked, and the claims a product branches on are required with their JSON type.

ECDSA signatures are malleable: if (r, s) verifies, so does (r, n - s), so anyone holding a token
could mint a second, different token string for the same claims (defeating a product that
dedupes, caches or revokes by token string). seatgate signs only the low-S form (s <= n/2, as
Bitcoin's BIP 62 and libsecp256k1 do) and the check refuses the high-S one, so each set of
claims has exactly one valid token string.
"""

import base64
from typing import Any

import jwt

ALGORITHM = "ES256"
# Claims every product token carries; a token missing one is refused, not half-trusted.
REQUIRED_CLAIMS = ("iss", "aud", "sub", "iat", "nbf", "exp", "jti", "org_id", "seat_over_limit")
# `"seat_over_limit": "false"` would be truthy in Python, so a wrong type is refused, not read.
_CLAIM_TYPES: dict[str, tuple[type, str]] = {
    "sub": (str, "string"),
    "org_id": (str, "string"),
    "seat_over_limit": (bool, "boolean"),
}
# The order n of the P-256 group (SEC 2 §2.4.2); ES256 signatures are r || s, 32 bytes each.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
SCALAR_BYTES = 32
MAX_TOKEN_LENGTH = 8192


class InvalidToken(Exception):
    """The token must be refused (answer 401). `reason` is a short machine code: `malformed`,
    `bad_algorithm`, `bad_signature`, `unknown_key`, `expired`, `not_yet_valid`,
    `bad_audience`, `bad_issuer`, `missing_claim`, `bad_claim`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def signature_scalars(signature: str) -> tuple[int, int]:
    """(r, s) of a base64url ES256 signature; InvalidToken if it is not 64 bytes."""
    try:
        raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    except ValueError:
        raw = b""
    if len(raw) != 2 * SCALAR_BYTES:
        raise InvalidToken("bad_signature", "an ES256 signature is 64 bytes (r || s)")
    return int.from_bytes(raw[:SCALAR_BYTES], "big"), int.from_bytes(raw[SCALAR_BYTES:], "big")


def unverified_kid(token: object) -> str:
    """The `kid` a token names, to pick the key; nothing in the header is trusted beyond that."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken("malformed", "the token must be a non-empty compact JWS string")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken("malformed", f"the token is not a JWS: {exc}") from None
    if header.get("alg") != ALGORITHM:
        algorithm = header.get("alg")
        raise InvalidToken(
            "bad_algorithm", f"the token is signed with {algorithm!r}; only ES256 is accepted"
        )
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("unknown_key", "the token names no signing key (kid)")
    return kid


def _refuse_high_s(token: str) -> None:
    """Refuse the high-S spelling of a signature. (The other spelling, a base64url text whose
    last character's spare bits are set, pyjwt refuses itself as invalid padding.)"""
    if token.count(".") != 2:
        return  # not a compact JWS: pyjwt says so with its own message
    _, s = signature_scalars(token.rpartition(".")[2])
    if s > P256_ORDER // 2:
        raise InvalidToken(
            "bad_signature",
            "the signature is in high-S form (a malleated copy of a token): "
            "seatgate signs only low-S signatures",
        )


def check(
    token: str, key: jwt.PyJWK, *, issuer: str, audience: str, leeway_seconds: float = 0
) -> dict[str, Any]:
    """Check signature (low-S only), exp, nbf, iat, iss, aud and the required claims and their
    types against one public key; return the claims."""
    _refuse_high_s(token)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            leeway=leeway_seconds,
            options={"require": list(REQUIRED_CLAIMS), "strict_aud": False},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("expired", "the token has expired") from None
    except jwt.ImmatureSignatureError:
        raise InvalidToken("not_yet_valid", "the token is not valid yet (nbf/iat)") from None
    except jwt.InvalidAudienceError:
        raise InvalidToken("bad_audience", "the token is meant for another audience") from None
    except jwt.InvalidIssuerError:
        raise InvalidToken("bad_issuer", "the token was issued by someone else") from None
    except jwt.MissingRequiredClaimError as exc:
        raise InvalidToken("missing_claim", f"the token lacks the {exc.claim} claim") from None
    except jwt.InvalidAlgorithmError:
        raise InvalidToken("bad_algorithm", "only ES256 tokens are accepted") from None
    except jwt.InvalidSignatureError:
        raise InvalidToken("bad_signature", "the token's signature does not verify") from None
    except jwt.PyJWTError as exc:
        raise InvalidToken("malformed", f"the token is not valid: {exc}") from None
    for name, (expected, json_type) in _CLAIM_TYPES.items():
        if not isinstance(claims[name], expected):
            raise InvalidToken("bad_claim", f"the token's {name} claim must be a JSON {json_type}")
    return claims
