"""Product-client authentication over HTTP: the client's id and secret as HTTP Basic credentials
(RFC 6749 §2.3.1), with failures throttled per remote address and per (client id, address).

Every endpoint a product calls with its client credentials (the token endpoints, the directory
API) authenticates through `authenticate_client`, so the challenge, the throttling and the error
bodies are the same everywhere, and failures on any of them count towards one limit.

Failures are never counted per client id alone: the id is public (the `azp` claim of every
token), and such a count would let anyone lock the real product out. Keyed by address, wrong
secrets sent from one address earn that address a growing backoff (auth/rate_limit.py), while
the product calling from another address with the right secret is answered as always. The
address is the TCP peer (`request.remote`); no forwarding header is trusted.
"""

import json
import logging
import time
from collections.abc import Callable
from urllib.parse import unquote_plus

from aiohttp import BasicAuth, web
from sqlalchemy.ext.asyncio import AsyncConnection

from auth.clients import ProductClient, authenticate
from auth.rate_limit import FailureLimiter, Limit, address_key
from auth.tokens import TokenSettings

log = logging.getLogger("seatgate.auth")

BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="seatgate", charset="UTF-8"'}
MAX_CREDENTIAL_LENGTH = 200


# Failure keys: the remote address, and one client id at one remote address.
ADDRESS = "address"
CLIENT_AT_ADDRESS = "client_at_address"


def client_failure_limiter(
    settings: TokenSettings, *, clock: Callable[[], float] = time.monotonic
) -> FailureLimiter:
    """The limiter `authenticate_client` expects, with the settings' counts and backoff."""

    def limit(failures: int) -> Limit:
        return Limit(
            failures,
            settings.failure_window_seconds,
            first_backoff_seconds=settings.first_failure_backoff_seconds,
            max_backoff_seconds=settings.max_failure_backoff_seconds,
        )

    return FailureLimiter(
        {
            CLIENT_AT_ADDRESS: limit(settings.client_failures_per_window),
            ADDRESS: limit(settings.address_failures_per_window),
        },
        clock=clock,
    )


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

    429 with Retry-After, before the secret is looked at, while the remote address, or this
    client id at this address, is backing off after failures (the right secret waits there too:
    otherwise guessing could simply continue); 401 with a Basic challenge for missing, malformed
    or wrong credentials and revoked clients, and that failure counts towards both backoffs.
    Failures at other addresses never refuse a request.
    """
    credentials = _basic_credentials(request)
    address = address_key(request.remote)
    keys = {ADDRESS: address}
    if credentials is not None:
        keys[CLIENT_AT_ADDRESS] = f"{address} {credentials[0]}"
    retry_after = limiter.retry_after(keys)
    if retry_after is not None:
        raise AuthError(
            429,
            "too_many_attempts",
            "too many failed client authentications from this address;"
            f" try again in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
    client = None if credentials is None else await authenticate(conn, *credentials)
    if client is None:
        limiter.record_failure(keys)
        log.info("failed client authentication from %s", address)
        raise AuthError(
            401,
            "invalid_client",
            "authenticate with HTTP Basic: the product client's id and secret"
            if credentials is None
            else "the client id or secret is wrong, or the client was revoked",
            headers=BASIC_CHALLENGE,
        )
    # The address's count stays: a caller holding one valid client must not wipe it.
    limiter.record_success({CLIENT_AT_ADDRESS: keys[CLIENT_AT_ADDRESS]})
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
