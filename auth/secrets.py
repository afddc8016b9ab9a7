"""Opaque bearer secrets (SCIM tokens, admin tokens, client secrets): made, hashed, compared.

Only a SHA-256 digest is stored. These are 256-bit random values, not passwords, so a fast hash
is the right tool: a dictionary attack on 2^256 values is not a threat, and lookups stay O(1).
"""

import hashlib
import hmac
import secrets


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same_secret(presented: str, expected_digest: str) -> bool:
    return hmac.compare_digest(digest(presented), expected_digest)
