"""`GET /openapi.json` (gateway/openapi.py builds it once per application, from the routes) and
`GET /reference`, the rendered reference: Swagger UI, vendored under gateway/static/vendor/
(VENDORED.md), served with a Content-Security-Policy that allows this gateway's own scripts,
styles and requests only."""

from pathlib import Path
from typing import Any

from aiohttp import web

from auth.api_operations import documented
from gateway.keys import SETTINGS
from gateway.openapi import build_document

STATIC_DIR = Path(__file__).parent / "static"
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        # Swagger UI draws its icons with data: URIs.
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ]
)
_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_DOCUMENT = web.AppKey("openapi_document", dict)


def install_api_reference(app: web.Application) -> None:
    app[_DOCUMENT] = {}
    app.router.add_get("/openapi.json", openapi_json)
    app.router.add_get("/reference", reference_page)
    app.router.add_static("/reference/static/", STATIC_DIR)
    app.on_response_prepare.append(_reference_headers)


@documented(summary="This OpenAPI document", tag="Operations", security="none")
async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(_document(request), headers={"Cache-Control": "no-cache"})


@documented(
    summary="The API reference, rendered (HTML)",
    tag="Operations",
    security="none",
    response_media_type="text/html",
)
async def reference_page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "reference.html")


def _document(request: web.Request) -> dict[str, Any]:
    # Built on first use: by then every sub-application is mounted and the router is frozen.
    cache = request.app[_DOCUMENT]
    if not cache:
        cache.update(build_document(request.app, server_url=request.app[SETTINGS].base_url))
    return cache


async def _reference_headers(request: web.Request, response: web.StreamResponse) -> None:
    if request.path == "/reference" or request.path.startswith("/reference/"):
        response.headers.update(_HEADERS)
