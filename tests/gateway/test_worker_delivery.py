"""Alert delivery by the outbox worker, against a real SMTP server (aiosmtpd) and a real webhook
receiver (aiohttp) on loopback: signed and digested messages, retries with backoff while a
receiver is down, nothing lost across a restart, nothing sent twice by two workers."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from gateway.alert_channels import alert_handlers
from gateway.integrations.email import EmailSender, SmtpConfig
from gateway.integrations.webhooks import DELIVERY_HEADER, SIGNATURE_HEADER, verify_signature
from gateway.integrations.webhooks import WebhookSender as Webhooks
from gateway.worker import RetryPolicy, deliver_due
from seats import members, outbox
from seats.clock import utcnow
from seats.model import MemberDraft
from seats.org_settings import change_settings
from seats.orgs import create_org
from seats.storage.database import Database
from tests.gateway.alert_receivers import SmtpSink, WebhookSink

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # Standard Webhooks' own example key
DIGEST = 300


@dataclass
class Rig:
    """A database, an org whose admins are alerted, and both receivers (not started)."""

    database: Database
    session: aiohttp.ClientSession
    smtp: SmtpSink
    hook: WebhookSink
    org_id: str = ""

    def handlers(self, database: Database | None = None) -> Any:
        email = EmailSender(SmtpConfig(host="127.0.0.1", port=self.smtp.port, timeout_seconds=5))
        return alert_handlers(
            database or self.database, email=email, webhooks=Webhooks(self.session)
        )

    async def deliver(self, at: datetime, database: Database | None = None) -> Any:
        return await deliver_due(
            database or self.database, self.handlers(database), now=at, digest_seconds=DIGEST
        )

    async def provision(self, count: int, prefix: str = "user") -> None:
        for i in range(count):
            async with self.database.transaction() as conn:
                draft = MemberDraft(user_name=f"{prefix}{i}")
                await members.create_member(conn, self.org_id, draft, actor="idp")

    async def log(self) -> list[outbox.Delivery]:
        async with self.database.read() as conn:
            return await outbox.list_deliveries(conn, self.org_id)


@pytest.fixture
async def rig(database_url: str) -> AsyncIterator[Rig]:
    database = Database(database_url)
    session = aiohttp.ClientSession()
    rig = Rig(database, session, SmtpSink(), WebhookSink())
    async with database.transaction() as conn:
        org = await create_org(
            conn,
            name="Acme",
            seat_limit=1,
            admin_emails=("admin@acme.test", "cto@acme.test"),
            webhook_url=rig.hook.url,
            webhook_secret=SECRET,
        )
    rig.org_id = org.id
    yield rig
    rig.smtp.stop()
    await rig.hook.stop()
    await session.close()
    await database.dispose()


def after_digest() -> datetime:
    return utcnow() + timedelta(seconds=DIGEST + 1)


async def test_an_alert_is_emailed_to_the_admins_and_posted_signed_to_the_webhook(
    rig: Rig,
) -> None:
    rig.smtp.start()
    await rig.hook.start()
    await rig.provision(2)
    report = await rig.deliver(after_digest())
    assert (report.delivered, report.retrying) == (2, 0)

    [mail] = rig.smtp.messages
    assert rig.smtp.envelopes[0][1] == ["admin@acme.test", "cto@acme.test"]
    assert mail["Subject"] == "[seatgate] Acme: seat limit reached"
    assert "1 member(s) are over the seat limit" in mail.get_payload()
    assert mail["Message-ID"].startswith("<seatgate-outbox-")

    [call] = rig.hook.calls
    Webhook(SECRET).verify(call.body, call.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "d3Jvbmcgc2VjcmV0IG9mIGF0IGxlYXN0IDI0IGJ5dGVz").verify(
            call.body, call.headers
        )
    assert call.headers["webhook-id"] == call.headers[DELIVERY_HEADER]
    assert call.headers[DELIVERY_HEADER].startswith("outbox-")
    assert SIGNATURE_HEADER not in call.headers
    body = call.json
    assert body["org"]["name"] == "Acme"
    assert body["alerts"][0]["kind"] == "seat_limit_reached"
    assert body["alerts"][0]["details"]["over_limit"] == 1
    assert "over the seat limit" in body["text"]  # what Slack shows
    assert call.headers["Seatgate-Delivery"].startswith("outbox-")
    assert [d.ok for d in await rig.log()] == [True, True]


async def test_an_org_kept_on_legacy_signing_gets_the_seatgate_signature(rig: Rig) -> None:
    async with rig.database.transaction() as conn:
        changes = {"webhook_signing": "legacy", "webhook_secret": "an old plain secret"}
        await change_settings(conn, rig.org_id, changes, actor="admin")
    await rig.hook.start()
    await rig.provision(2)
    await rig.deliver(after_digest())

    [call] = rig.hook.calls
    assert verify_signature("an old plain secret", call.headers[SIGNATURE_HEADER], call.body)
    assert not verify_signature(SECRET, call.headers[SIGNATURE_HEADER], call.body)
    assert "webhook-signature" not in call.headers
    assert call.json["alerts"][0]["kind"] == "seat_limit_reached"


async def test_alerts_wait_out_the_digest_window_before_they_are_sent(rig: Rig) -> None:
    rig.smtp.start()
    await rig.hook.start()
    await rig.provision(2)
    report = await rig.deliver(utcnow() + timedelta(seconds=DIGEST - 5))
    assert report.claimed == 0
    assert rig.smtp.messages == [] and rig.hook.calls == []


async def test_a_burst_of_over_limit_provisions_is_one_message_per_channel(rig: Rig) -> None:
    # 100 keeps the suite fast; every alert after the first merges into the one waiting
    # message, so the count makes no difference (the 200-request burst in
    # tests/seats/test_concurrency.py checks the same with 150).
    rig.smtp.start()
    await rig.hook.start()
    await rig.provision(101)
    await rig.deliver(after_digest())
    assert len(rig.smtp.messages) == 1
    assert len(rig.hook.calls) == 1
    assert rig.hook.calls[0].json["alerts"][0]["details"]["over_limit"] == 100


async def test_later_growth_of_the_episode_is_one_more_message_with_the_new_count(
    rig: Rig,
) -> None:
    rig.smtp.start()
    await rig.hook.start()
    await rig.provision(2, prefix="a")
    await rig.deliver(after_digest())
    await rig.provision(3, prefix="b")
    await rig.deliver(after_digest())
    assert [c.json["alerts"][0]["details"]["over_limit"] for c in rig.hook.calls] == [1, 4]
    assert len(rig.smtp.messages) == 2


async def test_nothing_is_lost_while_the_smtp_server_and_webhook_receiver_are_down(
    rig: Rig,
) -> None:
    await rig.provision(2)
    at = after_digest()
    first = await rig.deliver(at)
    assert (first.delivered, first.retrying) == (0, 2)
    # Not due again until the backoff has passed.
    assert (await rig.deliver(at + timedelta(seconds=1))).claimed == 0
    second = await rig.deliver(at + timedelta(seconds=6))
    assert second.retrying == 2
    rig.smtp.start()
    await rig.hook.start()
    third = await rig.deliver(at + timedelta(seconds=20))
    assert third.delivered == 2
    assert len(rig.smtp.messages) == 1 and len(rig.hook.calls) == 1
    assert (await rig.deliver(at + timedelta(hours=1))).claimed == 0
    log = await rig.log()
    assert [(d.channel, d.attempt, d.ok) for d in log if d.channel == "webhook"] == [
        ("webhook", 1, False),
        ("webhook", 2, False),
        ("webhook", 3, True),
    ]


def test_retries_back_off_exponentially_up_to_a_cap() -> None:
    policy = RetryPolicy()
    waits = [
        outbox.backoff(n, base=policy.first_retry, cap=policy.max_retry).total_seconds()
        for n in range(1, 11)
    ]
    assert waits == [5, 10, 20, 40, 80, 160, 320, 640, 900, 900]
    # A long-failing message stays at the cap (2 ** 9999 x 5 s is no timedelta).
    assert (
        outbox.backoff(10_000, base=policy.first_retry, cap=policy.max_retry).total_seconds() == 900
    )


async def test_a_receiver_answering_5xx_is_retried_and_410_gives_up(rig: Rig) -> None:
    rig.smtp.start()
    await rig.hook.start()
    rig.hook.status = 503
    await rig.provision(2)
    at = after_digest()
    assert (await rig.deliver(at)).retrying == 1
    rig.hook.status = 410
    report = await rig.deliver(at + timedelta(minutes=1))
    assert report.failed == 1
    assert (await rig.deliver(at + timedelta(hours=1))).claimed == 0
    assert "gave up" in (await rig.log())[-1].detail


async def test_a_message_claimed_by_a_worker_that_died_is_sent_after_its_lease(
    rig: Rig, database_url: str
) -> None:
    await rig.provision(2)
    at = after_digest()
    async with rig.database.transaction() as conn:
        claimed = await outbox.claim_due(
            conn,
            channels=["email", "webhook"],
            worker_id="dead",
            now=at,
            lease=timedelta(minutes=5),
        )
    assert len(claimed) == 2
    await rig.database.dispose()  # the gateway is gone, mid-send
    restarted = Database(database_url)
    try:
        rig.smtp.start()
        await rig.hook.start()
        assert (await rig.deliver(at + timedelta(minutes=1), restarted)).claimed == 0
        report = await rig.deliver(at + timedelta(minutes=6), restarted)
        assert report.delivered == 2
        assert len(rig.smtp.messages) == 1 and len(rig.hook.calls) == 1
    finally:
        await restarted.dispose()


async def test_two_workers_on_one_database_never_send_a_message_twice(
    rig: Rig, database_url: str
) -> None:
    rig.smtp.start()
    await rig.hook.start()
    async with rig.database.transaction() as conn:
        for i in range(40):
            await outbox.enqueue(conn, "marker", {"n": i})
    sent: list[int] = []

    async def handler(message: outbox.OutboxMessage) -> str:
        await asyncio.sleep(0.001)
        sent.append(message.payload["n"])
        return "ok"

    other = Database(database_url)
    try:
        policy = RetryPolicy(batch_size=5)

        async def drain(database: Database) -> None:
            while (await deliver_due(database, {"marker": handler}, policy=policy)).claimed:
                pass

        await asyncio.gather(drain(rig.database), drain(other), drain(rig.database))
    finally:
        await other.dispose()
    assert sorted(sent) == list(range(40))
