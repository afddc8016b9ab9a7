"""Concurrency: many provisioning requests at once never seat more members than capacity, raise
one alert, and promotions after deactivations go to the oldest waiting members.

On PostgreSQL two gateways share the database: two `Database` instances with their own engines
and pools, as two `seatgate serve` processes would have, deciding under the org row lock. SQLite
deployments run one gateway process, whose writers queue for SQLite's single write lock.
"""

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta

import aiohttp

from gateway.alert_channels import alert_handlers
from gateway.integrations.email import EmailSender, SmtpConfig
from gateway.integrations.webhooks import WebhookSender
from gateway.worker import deliver_due
from seats import alerts, ledger, members
from seats.alerts import AlertKind
from seats.clock import utcnow
from seats.model import Member, MemberDraft, SeatStatus
from seats.orgs import create_org
from seats.query import Comparison, ListQuery, MemberField, Op
from seats.storage.database import Database
from seats.storage.member_queries import list_members
from tests.gateway.alert_receivers import SmtpSink, WebhookSink

CAPACITY, REQUESTS = 50, 200


async def test_200_concurrent_creates_into_a_50_seat_org_seat_exactly_50_and_alert_once(
    gateways: list[Database], database_url: str, report: Callable[[str], None]
) -> None:
    smtp, hook = SmtpSink().start(), await WebhookSink().start()
    try:
        async with gateways[0].transaction() as conn:
            org = await create_org(
                conn,
                name="Acme",
                seat_limit=CAPACITY,
                admin_emails=("admin@acme.test",),
                webhook_url=hook.url,
                webhook_secret="whsec_Z3VhcmQtc2VjcmV0LWZvci10aGUtYWxlcnQtaG9vaw==",
            )

        async def provision(i: int) -> Member:
            async with gateways[i % 2].transaction() as conn:
                draft = MemberDraft(user_name=f"user{i:03}@acme.test")
                return await members.create_member(conn, org.id, draft, actor="idp")

        started = time.perf_counter()
        created = await asyncio.gather(*(provision(i) for i in range(REQUESTS)))
        elapsed = time.perf_counter() - started
        engine = gateways[0].engine.dialect.name
        report(f"[burst] {REQUESTS} concurrent creates on {engine}: {elapsed:.2f}s")

        statuses = [m.seat_status for m in created]
        assert statuses.count(SeatStatus.ACTIVE) == CAPACITY
        assert statuses.count(SeatStatus.OVER_LIMIT) == REQUESTS - CAPACITY
        async with gateways[1].read() as conn:
            found = await alerts.list_alerts(conn, org.id)
            entries = await ledger.list_entries(conn, org.id, limit=1000)
        assert [(a.kind, a.state) for a in found] == [(AlertKind.SEAT_LIMIT_REACHED, "open")]
        assert found[0].details["over_limit"] == REQUESTS - CAPACITY

        # Both gateways' workers deliver, once the digest window has passed.
        async with aiohttp.ClientSession() as session:
            email = EmailSender(SmtpConfig(host="127.0.0.1", port=smtp.port))
            later = utcnow() + timedelta(minutes=10)
            await asyncio.gather(
                *(
                    deliver_due(
                        database,
                        alert_handlers(database, email=email, webhooks=WebhookSender(session)),
                        now=later,
                        digest_seconds=300,
                    )
                    for database in gateways
                )
            )
        assert len(smtp.messages) == 1
        assert len(hook.calls) == 1
        assert hook.calls[0].json["alerts"][0]["details"]["over_limit"] == REQUESTS - CAPACITY

        # The order in which members went over the limit, as the ledger recorded it.
        waiting_order = [e.member_id for e in entries if e.to_status is SeatStatus.OVER_LIMIT]
        leaving = [m for m in created if m.seat_status is SeatStatus.ACTIVE][:10]

        async def deactivate(i: int, member: Member) -> None:
            async with gateways[i % 2].transaction() as conn:
                draft = MemberDraft(user_name=member.user_name, active=False)
                await members.replace_member(conn, org.id, member.id, draft, actor="idp")

        await asyncio.gather(*(deactivate(i, m) for i, m in enumerate(leaving)))
        async with gateways[0].read() as conn:
            entries = await ledger.list_entries(conn, org.id, limit=1000)
            seated = Comparison(MemberField.SEAT_STATUS, Op.EQ, "active")
            _, active = await list_members(conn, org.id, ListQuery(seated))
        promoted = [e.member_id for e in entries if e.reason == "promoted"]
        assert sorted(promoted) == sorted(waiting_order[:10])
        assert len(active) == CAPACITY
    finally:
        smtp.stop()
        await hook.stop()
