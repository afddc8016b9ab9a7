"""Builds the SCIM sub-application with the gateway's settings and SCIM-token lookup (which
also notes each token's last use, auth/token_usage.py), and its connection telemetry."""

from datetime import timedelta

from aiohttp import web

from auth.model import LiveToken
from auth.rate_limit import TooManyFailures
from auth.scim_tokens import live_scim_token
from auth.token_usage import TokenUsage
from gateway.keys import DATABASE, SCIM_TELEMETRY, SCIM_TOKEN_USAGE, SCIM_TOKENS, SETTINGS
from scim.app import create_scim_app
from scim.keys import Connection, TokenThrottled
from scim.protocol import ScimSettings
from scim.telemetry import ConnectionTelemetry
from seats.deprovision_rules import GuardLimits


def create_scim_subapp(parent: web.Application) -> web.Application:
    settings = parent[SETTINGS]
    database = parent[DATABASE]
    tokens = parent[SCIM_TOKENS]
    usage = parent[SCIM_TOKEN_USAGE] = TokenUsage(database)
    # After the database's context, so the last writes finish before the engine is disposed.
    parent.cleanup_ctx.append(usage.lifecycle)
    telemetry = parent[SCIM_TELEMETRY] = ConnectionTelemetry(
        database, flush_seconds=settings.scim_telemetry_flush_seconds
    )
    parent.cleanup_ctx.append(telemetry.lifecycle)

    async def org_for_token(token: str, remote: str | None) -> Connection | TokenThrottled | None:
        async def lookup() -> LiveToken | None:
            async with database.read() as conn:
                return await live_scim_token(conn, token)

        try:
            found = await tokens.org_for(token, lookup, remote=remote)
        except TooManyFailures as refused:
            return TokenThrottled(refused.retry_after)
        if found is None:
            return None
        usage.seen(token)
        return Connection(token_id=found.id, org_id=found.org_id)

    return create_scim_app(
        database,
        ScimSettings(
            base_url=f"{settings.base_url}/scim/v2",
            max_body_bytes=settings.scim_max_body_bytes,
            max_bulk_operations=settings.scim_max_bulk_operations,
            max_filter_results=settings.scim_max_filter_results,
            patch_response_max_members=settings.scim_patch_response_max_members,
            rate_limit_per_second=settings.scim_rate_limit_per_second,
            rate_limit_burst=settings.scim_rate_limit_burst,
            deprovision_guard=GuardLimits(
                share=settings.deprovision_guard_share,
                count=settings.deprovision_guard_count,
                window=timedelta(seconds=settings.deprovision_guard_window_seconds),
            ),
        ),
        org_for_token=org_for_token,
        telemetry=telemetry,
    )
