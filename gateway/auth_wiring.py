"""Mounts the product-token endpoints (/auth/v1, /.well-known) with the gateway's settings."""

from aiohttp import web

from auth.key_encryption import KeyEncryptionError
from auth.routes import PRODUCT_TOKENS, ProductTokens, create_auth_app, create_well_known_app
from auth.tokens import TokenSettings
from gateway.keys import DATABASE, SETTINGS


def add_product_token_routes(app: web.Application) -> None:
    settings = app[SETTINGS]
    tokens = ProductTokens(
        app[DATABASE],
        TokenSettings(
            issuer=settings.base_url,
            audience=settings.token_audience,
            lifetime_seconds=settings.token_lifetime_seconds,
        ),
        settings.key_encryption,
    )
    # Kept on the root app too, so that operators' tooling and tests can reach the key cache.
    app[PRODUCT_TOKENS] = tokens
    app.on_startup.append(_prepare_keys)
    app.add_subapp("/auth/v1", create_auth_app(tokens))
    app.add_subapp("/.well-known", create_well_known_app(tokens))


async def _prepare_keys(app: web.Application) -> None:
    # A wrong or missing encryption key stops start-up here (KeyEncryptionError), not at the
    # first token request. aiohttp runs no cleanup after a failed start-up (neither run_app
    # nor a test client), so what has started (the database's connections, the worker) is
    # closed here; a host that cleans up again finds nothing left to close.
    try:
        await app[PRODUCT_TOKENS].prepare_keys()
    except KeyEncryptionError:
        await app.cleanup()
        raise
