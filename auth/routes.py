"""HTTP for product tokens: /auth/v1/tokens, /auth/v1/introspect and the /.well-known documents.

Two sub-applications share one `ProductTokens` holder: the gateway mounts them at `/auth/v1` and
`/.well-known`. Errors are `{"error": code, "detail": sentence}` like the rest of the gateway.
"""

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from aiohttp import BasicAuth, hdrs, web
from sqlalchemy.ext.asyncio import AsyncConnection

from auth import jws
from auth.clients import ProductClient, authenticate
from auth.keys import KeyRing
from auth.rate_limit import FailureLimiter, Limit
from auth.tokens import (
    MemberInactive,
    MemberRef,
    OrgNotAllowed,
    TokenSettings,
    introspect,
    issue_token,
    verified_claims,
)
from seats.errors import Conflict, DomainError, InvalidValue, NotFound
from seats.storage.database import Database

log = logging.getLogger("seatgate.auth")

MAX_IDENTIFIER_LENGTH = 512
_IDENTIFIERS = ("user_name", "user_id", "external_id")


@dataclass
class ProductTokens:
    """What the token endpoints share: the database, settings, key cache and failure limiter."""

    database: Database
    settings: TokenSettings
    keys: KeyRing = field(init=False)
    limiter: FailureLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.keys = KeyRing(
            self.database,
            publish_delay_seconds=self.settings.publish_delay_seconds,
            refresh_seconds=self.settings.key_refresh_seconds,
        )
        window = self.settings.failure_window_seconds
        self.limiter = FailureLimiter(
            {
                "client": Limit(self.settings.client_failures_per_window, window),
                "address": Limit(self.settings.address_failures_per_window, window),
            }
        )


PRODUCT_TOKENS = web.AppKey("product_tokens", ProductTokens)


class AuthError(web.HTTPException):
    """A JSON error answered by the token endpoints."""

    def __init__(self, status: int, code: str, detail: str, headers: dict[str, str] | None = None):
        self.status_code = status
        super().__init__(
            text=json.dumps({"error": code, "detail": detail}),
            content_type="application/json",
            headers=headers,
        )


_STATUS = {
    OrgNotAllowed: 403,
    MemberInactive: 403,
    NotFound: 404,
    Conflict: 409,
    InvalidValue: 422,
}


@web.middleware
async def _domain_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except DomainError as error:
        status = next((s for kind, s in _STATUS.items() if isinstance(error, kind)), 400)
        return web.json_response({"error": error.code, "detail": error.detail}, status=status)


def create_auth_app(tokens: ProductTokens) -> web.Application:
    """The /auth/v1 routes."""
    app = web.Application(middlewares=[_domain_errors])
    app[PRODUCT_TOKENS] = tokens
    app.router.add_post("/tokens", _issue)
    app.router.add_post("/introspect", _introspect)
    return app


def create_well_known_app(tokens: ProductTokens) -> web.Application:
    """The /.well-known routes: the public keys and the discovery document."""
    app = web.Application()
    app[PRODUCT_TOKENS] = tokens
    app.router.add_get("/jwks.json", _jwks)
    app.router.add_get("/openid-configuration", _openid_configuration)
    return app


async def _issue(request: web.Request) -> web.Response:
    tokens = request.config_dict[PRODUCT_TOKENS]
    attempt = _client_attempt(request, tokens)
    raw = await request.read()
    key = await tokens.keys.signing_key()
    # One short read transaction per request: the client, then the member.
    async with tokens.database.read() as conn:
        client = await _authenticate(conn, tokens, attempt)
        ref = _member_ref(_json_object(request, raw))
        issued = await issue_token(conn, key, tokens.settings, client, ref)
    return web.json_response(
        {
            "access_token": issued.access_token,
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
            "seat_status": issued.seat_status.value,
        },
        headers=_NO_STORE,
    )


async def _introspect(request: web.Request) -> web.Response:
    """RFC 7662 §2.1: a form-encoded `token` parameter, the caller authenticated as a client."""
    tokens = request.config_dict[PRODUCT_TOKENS]
    attempt = _client_attempt(request, tokens)
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise AuthError(
            415,
            "unsupported_media_type",
            "send the token form-encoded (application/x-www-form-urlencoded): token=<jwt>",
        )
    form = await request.post()
    token = form.get("token")
    if not isinstance(token, str) or not token.strip():
        raise AuthError(400, "invalid_request", "the token parameter is required")
    # Checked before the transaction: a key-cache refresh must not wait for a second connection.
    claims = await verified_claims(tokens.keys, tokens.settings, token.strip())
    async with tokens.database.read() as conn:
        client = await _authenticate(conn, tokens, attempt)
        answer = await introspect(conn, client, claims)
    return web.json_response(answer, headers=_NO_STORE)


async def _jwks(request: web.Request) -> web.Response:
    tokens = request.config_dict[PRODUCT_TOKENS]
    return web.json_response(
        await tokens.keys.jwks(),
        content_type="application/json",
        # Short enough that caches pick up a new key well within the publish delay.
        headers={"Cache-Control": "public, max-age=60"},
    )


async def _openid_configuration(request: web.Request) -> web.Response:
    settings = request.config_dict[PRODUCT_TOKENS].settings
    issuer = settings.issuer
    return web.json_response(
        {
            "issuer": issuer,
            "jwks_uri": f"{issuer}/.well-known/jwks.json",
            "token_endpoint": f"{issuer}/auth/v1/tokens",
            "introspection_endpoint": f"{issuer}/auth/v1/introspect",
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic"],
            "id_token_signing_alg_values_supported": [jws.ALGORITHM],
            "subject_types_supported": ["public"],
            "claims_supported": list(CLAIMS),
        },
        headers={"Cache-Control": "public, max-age=300"},
    )


CLAIMS = (
    *("iss", "aud", "sub", "azp", "org_id", "user_name", "email"),
    *("seat_status", "seat_over_limit", "iat", "nbf", "exp", "jti"),
)
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="seatgate", charset="UTF-8"'}


@dataclass(frozen=True)
class _Attempt:
    credentials: tuple[str, str] | None
    limiter_keys: dict[str, str]


def _client_attempt(request: web.Request, tokens: ProductTokens) -> _Attempt:
    """The HTTP Basic credentials (RFC 6749 §2.3.1) presented, or 429 while they are throttled."""
    credentials = _basic_credentials(request)
    keys = {"address": request.remote or "unknown"}
    if credentials is not None:
        keys["client"] = credentials[0]
    retry_after = tokens.limiter.retry_after(keys)
    if retry_after is not None:
        raise AuthError(
            429,
            "too_many_attempts",
            f"too many failed client authentications; try again in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
    return _Attempt(credentials, keys)


async def _authenticate(
    conn: AsyncConnection, tokens: ProductTokens, attempt: _Attempt
) -> ProductClient:
    """The live client the attempt names, or 401 (and the failure counts towards the limit)."""
    client = None
    if attempt.credentials is not None:
        client = await authenticate(conn, *attempt.credentials)
    if client is None:
        tokens.limiter.record_failure(attempt.limiter_keys)
        log.info("failed client authentication from %s", attempt.limiter_keys["address"])
        raise AuthError(
            401,
            "invalid_client",
            "authenticate with HTTP Basic: the product client's id and secret"
            if attempt.credentials is None
            else "the client id or secret is wrong, or the client was revoked",
            headers=_BASIC_CHALLENGE,
        )
    return client


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
    if not _plain(client_id, 200) or not _plain(secret, 200):
        return None
    return client_id, secret


def _plain(value: object, max_length: int) -> bool:
    """A non-empty string that every database can compare (PostgreSQL text refuses NUL)."""
    return isinstance(value, str) and 0 < len(value) <= max_length and "\x00" not in value


def _json_object(request: web.Request, raw: bytes) -> dict[str, Any]:
    # aiohttp reports a missing Content-Type as application/octet-stream; treat it as JSON.
    if hdrs.CONTENT_TYPE in request.headers and request.content_type != "application/json":
        raise AuthError(415, "unsupported_media_type", "send the body as application/json")
    try:
        body = json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AuthError(400, "malformed_json", f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise AuthError(400, "malformed_json", "the body must be a JSON object")
    return body


def _member_ref(body: dict[str, Any]) -> MemberRef:
    allowed = ("org_id", *_IDENTIFIERS)
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise AuthError(
            422,
            "unknown_field",
            f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}",
        )
    for name, value in body.items():
        if value is not None and not _plain(value, MAX_IDENTIFIER_LENGTH):
            raise AuthError(
                422,
                "invalid_value",
                f"{name} must be a non-empty string of at most {MAX_IDENTIFIER_LENGTH} characters"
                " without NUL characters",
            )
    if body.get("org_id") is None:
        raise AuthError(422, "invalid_value", "org_id is required: the member's organization")
    named = [name for name in _IDENTIFIERS if body.get(name) is not None]
    if len(named) != 1:
        raise AuthError(
            422,
            "invalid_value",
            "name the member by exactly one of user_name, user_id, external_id"
            + (f"; got {', '.join(named)}" if named else ""),
        )
    return MemberRef(**{name: body.get(name) for name in allowed})
