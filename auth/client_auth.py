"""Product-client authentication over HTTP: the client's id and secret as HTTP Basic credentials
(RFC 6749 §2.3.1), with failures throttled per client id and per remote address.

Every endpoint a product calls with its client credentials (the token endpoints, the directory
API) authenticates through `authenticate_client`, so the challenge, the throttling and the error
bodies are the same everywhere, and failures on any of them count towards one limit.
"""

import json
import logging
from urllib.parse import unquote_plus

from aiohttp import BasicAuth, web
from sqlalchemy.ext.asyncio import AsyncConnection

from auth.clients import ProductClient, authenticate
from auth.rate_limit import FailureLimiter

log = logging.getLogger("seatgate.auth")

BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="seatgate", charset="UTF-8"'}
MAX_CREDENTIAL_LENGTH = 200


class AuthError(web.HTTPException):
    """A JSON error `{"error": code, "detail": sentence}` answered by the product endpoints."""

    def __init__(self, status: int, code: str, detail: str, headers: dict[str, str] | None = None):
        self.status_code = status
        super().__init__(
            text=json.dumps({"error": code, "detail": detail}),
            content_type="application/json",
            headers=headers,
        )


async def authenticate_client(
    request: web.Request, conn: AsyncConnection, limiter: FailureLimiter
) -> ProductClient:
    """The live product client the request's HTTP Basic credentials name.

    429 with Retry-After while the client id or the remote address has failed too often (even
    the right secret waits then: otherwise guessing could simply continue); 401 with a Basic
    challenge for missing, malformed or wrong credentials and revoked clients, and that failure
    counts towards the limit.
    """
    credentials = _basic_credentials(request)
    keys = {"address": request.remote or "unknown"}
    if credentials is not None:
        keys["client"] = credentials[0]
    retry_after = limiter.retry_after(keys)
    if retry_after is not None:
        raise AuthError(
            429,
            "too_many_attempts",
            f"too many failed client authentications; try again in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
    client = None if credentials is None else await authenticate(conn, *credentials)
    if client is None:
        limiter.record_failure(keys)
        log.info("failed client authentication from %s", keys["address"])
        raise AuthError(
            401,
            "invalid_client",
            "authenticate with HTTP Basic: the product client's id and secret"
            if credentials is None
            else "the client id or secret is wrong, or the client was revoked",
            headers=BASIC_CHALLENGE,
        )
    return client


def plain_string(value: object, max_length: int) -> bool:
    """A non-empty string that every database can compare (PostgreSQL text refuses NUL)."""
    return isinstance(value, str) and 0 < len(value) <= max_length and "\x00" not in value


def _basic_credentials(request: web.Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization")
    if not header:
        return None
    try:
        auth = BasicAuth.decode(header, encoding="utf-8")
    except ValueError:
        return None
    # RFC 6749 §2.3.1: both parts are form-urlencoded before they are joined.
    client_id, secret = unquote_plus(auth.login), unquote_plus(auth.password)
    if not plain_string(client_id, MAX_CREDENTIAL_LENGTH) or not plain_string(
        secret, MAX_CREDENTIAL_LENGTH
    ):
        return None
    return client_id, secret
