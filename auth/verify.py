"""Verify seatgate product tokens inside a Python product: the SDK's verifiers, re-exported.

The implementation is `seatgate_sdk.verifier` (sdk/ in this repository, installable alone as
`seatgate-sdk` with only pyjwt and httpx); this module keeps the name products used before the
SDK existed. New code imports `seatgate_sdk`.
"""

from seatgate_sdk.token_checks import MAX_TOKEN_LENGTH, InvalidToken
from seatgate_sdk.verifier import BlockingTokenVerifier, KeysUnavailable, TokenVerifier

__all__ = [
    "MAX_TOKEN_LENGTH",
    "BlockingTokenVerifier",
    "InvalidToken",
    "KeysUnavailable",
    "TokenVerifier",
]
