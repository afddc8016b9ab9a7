"""A product behind seatgate: an aiohttp middleware that checks the member's access token and
shows an upgrade prompt to members beyond their organization's seat limit.

The product's backend got the token from seatgate (POST /auth/v1/tokens) when the member signed
in, and the member's browser sends it as `Authorization: Bearer <token>`. See docs/tokens.md.

    pip install ./sdk aiohttp    # the product SDK (pyjwt, httpx) and this example's web server
    python docs/product-middleware-example.py --gateway http://127.0.0.1:8000 --port 8080
    curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/
"""

import argparse
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

from seatgate_sdk import InvalidToken, KeysUnavailable, TokenVerifier

VERIFIER = web.AppKey("verifier", TokenVerifier)
CLAIMS = web.RequestKey("seat_claims", dict)
PUBLIC_PATHS = {"/healthz"}

UPGRADE_PROMPT = {
    "title": "Your organization is out of seats",
    "message": "You can look around, but editing is locked until an admin adds a seat.",
    "action": "Ask an admin to upgrade",
}


@web.middleware
async def seat_token(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Verify the bearer token; mark over-limit members' responses for the upgrade prompt."""
    if request.path in PUBLIC_PATHS:
        return await handler(request)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _unauthorized("sign in first: send 'Authorization: Bearer <token>'")
    try:
        claims = await request.app[VERIFIER].verify(token.strip())
    except InvalidToken as exc:
        # Expired tokens are routine: the product's backend asks seatgate for a fresh one.
        return _unauthorized(exc.detail, error="invalid_token")
    except KeysUnavailable:
        # seatgate is unreachable and no keys are cached: a server problem, not the member's.
        return web.json_response(
            {"error": "auth_unavailable", "detail": "cannot check sign-ins right now"}, status=503
        )
    request[CLAIMS] = claims
    response = await handler(request)
    if claims["seat_over_limit"]:
        # A header lets any front end show the banner without parsing every body.
        response.headers["X-Seat-Upgrade-Prompt"] = "seat_over_limit"
    return response


def _unauthorized(detail: str, *, error: str = "unauthorized") -> web.Response:
    response = web.json_response({"error": error, "detail": detail}, status=401)
    response.headers["WWW-Authenticate"] = f'Bearer error="{error}"'
    return response


async def home(request: web.Request) -> web.Response:
    claims = request[CLAIMS]
    body: dict[str, Any] = {"hello": claims["user_name"], "org_id": claims["org_id"]}
    if claims["seat_over_limit"]:
        body["upgrade_prompt"] = UPGRADE_PROMPT
    return web.json_response(body)


async def save_document(request: web.Request) -> web.Response:
    """A paid feature: over-limit members see the prompt instead of an opaque failure."""
    if request[CLAIMS]["seat_over_limit"]:
        return web.json_response(
            {"error": "seat_required", "detail": UPGRADE_PROMPT["message"], **UPGRADE_PROMPT},
            status=402,
        )
    return web.json_response({"saved": True})


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_app(
    gateway_url: str, audience: str = "seatgate-product", issuer: str | None = None
) -> web.Application:
    app = web.Application(middlewares=[seat_token])

    async def verifier_lifecycle(app: web.Application) -> AsyncIterator[None]:
        app[VERIFIER] = TokenVerifier(gateway_url, audience, issuer=issuer)
        yield
        await app[VERIFIER].close()

    app.cleanup_ctx.append(verifier_lifecycle)
    app.router.add_get("/", home)
    app.router.add_post("/documents", save_document)
    app.router.add_get("/healthz", health)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="an example product behind seatgate")
    parser.add_argument("--gateway", default="http://127.0.0.1:8000", help="seatgate's URL")
    parser.add_argument("--audience", default="seatgate-product")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    web.run_app(create_app(args.gateway, args.audience), host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
