"""Migration 0010 keeps the orgs that already had an alert webhook on the legacy
Seatgate-Signature, so their receivers go on verifying after the upgrade; every other org (and
every org created afterwards) signs per Standard Webhooks."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.alert_channels import alert_handlers
from gateway.integrations.webhooks import SIGNATURE_HEADER, WebhookSender, verify_signature
from gateway.migrate import alembic_config, upgrade_async
from gateway.worker import deliver_due
from seats import members
from seats.clock import utcnow
from seats.model import MemberDraft, WebhookSigning
from seats.orgs import create_org, get_org
from seats.storage.database import Database
from seats.storage.tables import orgs
from tests.gateway.alert_receivers import WebhookSink
from tests.gateway.migration_support import column_names

T0 = datetime(2026, 1, 1, tzinfo=UTC)
OLD_SECRET = "the receiver's plain secret"


def _org(org_id: str, **channels: Any) -> dict[str, Any]:
    return {
        "id": org_id,
        "name": org_id,
        "seat_limit": 1,
        "exempt_user_types": [],
        "admin_emails": [],
        "created_at": T0,
        "updated_at": T0,
        "webhook_url": None,
        "webhook_secret": None,
        **channels,
    }


async def _at_0009_with_orgs(url: str, hook_url: str) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(url), "0009")
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                orgs.insert(),
                [
                    _org("hooked", webhook_url=hook_url, webhook_secret=OLD_SECRET),
                    _org("url-only", webhook_url=hook_url),
                    _org("secret-only", webhook_secret=OLD_SECRET),
                    _org("email-only", admin_emails=["it@acme.test"]),
                ],
            )
    finally:
        await engine.dispose()


async def test_orgs_with_an_alert_webhook_stay_legacy_and_the_others_become_standard(
    empty_database_url: str,
) -> None:
    await _at_0009_with_orgs(empty_database_url, "http://127.0.0.1:9/hook")
    await upgrade_async(empty_database_url)
    database = Database(empty_database_url)
    try:
        async with database.transaction() as conn:
            signing = {
                org_id: (await get_org(conn, org_id)).webhook_signing
                for org_id in ("hooked", "url-only", "secret-only", "email-only")
            }
            created = await create_org(conn, name="after the upgrade")
    finally:
        await database.dispose()
    assert signing == {
        "hooked": WebhookSigning.LEGACY,
        "url-only": WebhookSigning.LEGACY,
        "secret-only": WebhookSigning.LEGACY,
        "email-only": WebhookSigning.STANDARD,
    }
    assert created.webhook_signing is WebhookSigning.STANDARD


async def test_a_receiver_of_an_upgraded_org_verifies_its_next_alert_as_before(
    empty_database_url: str,
) -> None:
    hook = await WebhookSink().start()
    await _at_0009_with_orgs(empty_database_url, hook.url)
    await upgrade_async(empty_database_url)
    database = Database(empty_database_url)
    session = aiohttp.ClientSession()
    try:
        for name in ("ann", "bo"):
            async with database.transaction() as conn:
                await members.create_member(conn, "hooked", MemberDraft(name), actor="idp")
        handlers = alert_handlers(database, email=None, webhooks=WebhookSender(session))
        await deliver_due(
            database, handlers, now=utcnow() + timedelta(seconds=301), digest_seconds=300
        )
    finally:
        await session.close()
        await hook.stop()
        await database.dispose()
    [call] = hook.calls
    assert verify_signature(OLD_SECRET, call.headers[SIGNATURE_HEADER], call.body)
    assert "webhook-signature" not in call.headers
    assert call.json["org"]["id"] == "hooked"


async def test_the_downgrade_takes_the_setting_away_and_orgs_still_write(
    empty_database_url: str,
) -> None:
    await _at_0009_with_orgs(empty_database_url, "http://127.0.0.1:9/hook")
    await upgrade_async(empty_database_url)
    await asyncio.to_thread(command.downgrade, alembic_config(empty_database_url), "0008")
    engine = create_async_engine(empty_database_url)
    try:
        async with engine.begin() as conn:
            columns = await column_names(conn, "orgs")
            assert "webhook_signing" not in columns
            await conn.execute(orgs.update().where(orgs.c.id == "hooked").values(name="renamed"))
    finally:
        await engine.dispose()
