"""HTTP for product tokens: /auth/v1/tokens, /auth/v1/introspect and the /.well-known documents.

Two sub-applications share one `ProductTokens` holder: the gateway mounts them at `/auth/v1` and
`/.well-known`. Errors are `{"error": code, "detail": sentence}` like the rest of the gateway.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import hdrs, web

from auth import jws
from auth.api_operations import documented
from auth.client_auth import AuthError, authenticate_client, client_failure_limiter
from auth.key_encryption import KeyEncryption
from auth.keys import KeyRing, prepare_stored_keys
from auth.rate_limit import FailureLimiter
from auth.request_bodies import parse_body
from auth.token_requests import IDENTIFIERS, IntrospectionRequest, TokenAnswer, TokenRequest
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
from seats.json_input import InvalidJson, JsonProblem, parse_json
from seats.storage.database import Database


@dataclass
class ProductTokens:
    """What the token endpoints share: the database, settings, key cache and failure limiter."""

    database: Database
    settings: TokenSettings
    encryption: KeyEncryption = field(default_factory=KeyEncryption)
    keys: KeyRing = field(init=False)
    limiter: FailureLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.keys = KeyRing(
            self.database,
            self.encryption,
            publish_delay_seconds=self.settings.publish_delay_seconds,
            refresh_seconds=self.settings.key_refresh_seconds,
        )
        self.limiter = client_failure_limiter(self.settings)

    async def prepare_keys(self) -> None:
        """At start-up: fail (KeyEncryptionError) unless every stored key opens; encrypt the
        keys still stored as plain PEM when encryption is configured."""
        async with self.database.transaction() as conn:
            await prepare_stored_keys(conn, self.encryption)


PRODUCT_TOKENS = web.AppKey("product_tokens", ProductTokens)


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


@documented(
    summary="Issue an access token for a member",
    description="An over-limit member's token carries seat_over_limit: true.",
    tag="Product tokens",
    security="client",
    body=TokenRequest,
    response=TokenAnswer,
    errors={
        403: "the client may not act for the org, or the member is deactivated",
        404: "no such organization or member",
        409: "the identifier names more than one member",
    },
)
async def _issue(request: web.Request) -> web.Response:
    tokens = request.config_dict[PRODUCT_TOKENS]
    raw = await request.read()
    # Before the transaction: a key-cache refresh must not wait for a second connection.
    key = await tokens.keys.signing_key()
    # One short read transaction per request: the client, then the member.
    async with tokens.database.read() as conn:
        client = await authenticate_client(request, conn, tokens.limiter)
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


@documented(
    summary="Introspect a token (RFC 7662)",
    tag="Product tokens",
    security="client",
    body=IntrospectionRequest,
    body_media_type="application/x-www-form-urlencoded",
    errors={
        400: "the token parameter is missing",
        415: "the body is not form-encoded",
    },
)
async def _introspect(request: web.Request) -> web.Response:
    """RFC 7662 §2.1: a form-encoded `token` parameter, the caller authenticated as a client."""
    tokens = request.config_dict[PRODUCT_TOKENS]
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise AuthError(
            415,
            "unsupported_media_type",
            "send the token form-encoded (application/x-www-form-urlencoded): token=<jwt>",
        )
    try:
        form = await request.post()
    except ValueError:
        # aiohttp decodes the form as UTF-8 (UnicodeDecodeError) and parses multipart bodies.
        raise AuthError(
            400,
            "invalid_request",
            "the form body could not be read: send token=<jwt> form-encoded in UTF-8",
        ) from None
    token = form.get("token")
    if not isinstance(token, str) or not token.strip():
        raise AuthError(400, "invalid_request", "the token parameter is required")
    # Checked before the transaction: a key-cache refresh must not wait for a second connection.
    claims = await verified_claims(tokens.keys, tokens.settings, token.strip())
    async with tokens.database.read() as conn:
        client = await authenticate_client(request, conn, tokens.limiter)
        answer = await introspect(conn, client, claims)
    return web.json_response(answer, headers=_NO_STORE)


@documented(
    summary="The public keys that verify access tokens (JWKS)",
    tag="Product tokens",
    security="none",
    errors={503: "the database is unavailable (storage_unavailable, with Retry-After)"},
)
async def _jwks(request: web.Request) -> web.Response:
    tokens = request.config_dict[PRODUCT_TOKENS]
    return web.json_response(
        await tokens.keys.jwks(),
        content_type="application/json",
        # Short enough that caches pick up a new key well within the publish delay.
        headers={"Cache-Control": "public, max-age=60"},
    )


@documented(summary="The discovery document", tag="Product tokens", security="none")
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


def _json_object(request: web.Request, raw: bytes) -> dict[str, Any]:
    # aiohttp reports a missing Content-Type as application/octet-stream; treat it as JSON.
    if hdrs.CONTENT_TYPE in request.headers and request.content_type != "application/json":
        raise AuthError(415, "unsupported_media_type", "send the body as application/json")
    try:
        return parse_json(raw)
    except InvalidJson as error:
        if error.problem is JsonProblem.UNSTORABLE:
            raise AuthError(422, "invalid_value", error.detail) from None
        raise AuthError(400, "malformed_json", error.detail) from None


def _member_ref(body: dict[str, Any]) -> MemberRef:
    request = parse_body(TokenRequest, body)
    return MemberRef(**request.model_dump(include={"org_id", *IDENTIFIERS}))
