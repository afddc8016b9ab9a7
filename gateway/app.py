"""The application factory: one aiohttp application with the SCIM, admin, auth, directory and
console sub-apps."""

from collections.abc import AsyncIterator

from aiohttp import web

from auth.api_operations import documented
from auth.scim_tokens import ScimTokenCache
from gateway.admin.app import create_admin_app
from gateway.auth_wiring import add_product_token_routes
from gateway.body_timeout import body_read_deadline
from gateway.config import Settings
from gateway.console.app import create_console_app
from gateway.directory.app import create_directory_app
from gateway.errors import json_errors
from gateway.event_delivery import install_event_delivery
from gateway.forwarded import trusted_proxies_middleware
from gateway.keys import DATABASE, REQUESTS_UNDER_WAY, SCIM_TOKENS, SETTINGS, RequestsUnderWay
from gateway.metrics import install_metrics, request_metrics
from gateway.openapi_routes import install_api_reference
from gateway.request_log import request_log_middleware
from gateway.scim_wiring import create_scim_subapp
from gateway.stripe.wiring import install_billing
from gateway.worker import install_worker
from seats.storage.database import Database
from seats.storage.readiness import check_writable


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[
            # Outermost: the request id and log context are there for everything below, and
            # the access line times it all.
            request_log_middleware(settings.trusted_proxies),
            body_read_deadline,
            request_metrics,
            json_errors,
        ],
        client_max_size=_max_body(settings),
    )
    if settings.trusted_proxies:
        # Before the rest, so that every later middleware and handler sees the client's address.
        app.middlewares.insert(1, trusted_proxies_middleware(settings.trusted_proxies))
    app[SETTINGS] = settings
    under_way = app[REQUESTS_UNDER_WAY] = RequestsUnderWay()
    # A commit made while other requests are under way shares its fsync with theirs.
    app[DATABASE] = Database(settings.database_url, busy=lambda: under_way.count > 1)
    app[SCIM_TOKENS] = ScimTokenCache()
    app.cleanup_ctx.append(_database_lifecycle)
    # Billing before the worker: its Stripe client is closed after the worker's last push.
    install_billing(app)
    # After the database's context, so the worker stops before the engine is disposed.
    install_worker(app)
    install_event_delivery(app)
    app.router.add_get("/healthz", _health)
    app.router.add_get("/readyz", _ready)
    install_metrics(app)
    install_api_reference(app)
    app.add_subapp("/admin/v1", create_admin_app())
    app.add_subapp("/scim/v2", create_scim_subapp(app))
    add_product_token_routes(app)
    app.add_subapp("/directory/v1", create_directory_app())
    app.add_subapp("/console", create_console_app())
    return app


def _max_body(settings: Settings) -> int:
    # The SCIM sub-app enforces its own (smaller) limit with a SCIM error body.
    return max(settings.scim_max_body_bytes * 4, 1024 * 1024)


async def _database_lifecycle(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[DATABASE].dispose()


@documented(summary="Liveness: the process serves HTTP", tag="Operations", security="none")
async def _health(request: web.Request) -> web.Response:
    """Liveness: the process serves HTTP. It does not ask the database, so an orchestrator
    does not restart a gateway that is waiting for its storage to come back (that is /readyz)."""
    return web.json_response({"status": "ok"})


@documented(
    summary="Readiness: a write commits now",
    tag="Operations",
    security="none",
    errors={503: "the database is unavailable (storage_unavailable, with Retry-After)"},
)
async def _ready(request: web.Request) -> web.Response:
    """Readiness: a write commits now; 503 storage_unavailable (gateway/errors.py) otherwise."""
    await check_writable(request.config_dict[DATABASE])
    return web.json_response({"status": "ready"})
