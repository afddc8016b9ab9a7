"""Delivering the event feed to webhook endpoints, against a real receiver on loopback: signed
per Standard Webhooks, in order, at least once and without gaps across failures, filtered by
org and type, disabled (with an alert) after failing for days, one sender per endpoint, and
nothing lost when a gateway process is killed between commit and delivery."""

import asyncio
import signal
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from standardwebhooks import Webhook

from gateway.alert_channels import alert_handlers
from gateway.config import Settings
from gateway.event_delivery import EventPoster, deliver_events
from gateway.integrations.email import EmailSender, SmtpConfig
from gateway.integrations.webhooks import WebhookSender
from gateway.keys import DATABASE
from gateway.worker import deliver_due
from seats import feed
from seats.clock import utcnow
from seats.storage.database import Database
from tests.gateway.alert_receivers import SmtpSink, WebhookSink, free_port
from tests.gateway.event_webhooks import (
    ENDPOINTS,
    POLICY,
    admin_get,
    create_endpoint,
    deliver,
    eventually,
    feed_events,
    received_bodies,
    received_ids,
    start_gateway,
)
from tests.helpers import ADMIN_HEADERS, create_org, scim_headers_for
from tests.scim.support import BASE, create_user, user_payload


async def test_each_event_arrives_in_order_signed_with_the_feeds_body(
    client: TestClient, scim: dict[str, str], hook: WebhookSink, poster: EventPoster
) -> None:
    await create_user(client, scim, "before@acme.example")  # before the endpoint: not sent
    endpoint = await create_endpoint(client, hook.url)
    ann = await create_user(client, scim, "ann@acme.example")
    await client.delete(f"{BASE}/Users/{ann['id']}", headers=scim)
    await create_user(client, scim, "bo@acme.example")

    await deliver(client, poster)

    events = await feed_events(client, after=endpoint["cursor"])
    assert [e["type"] for e in events][:1] == ["member.created"]
    assert "member.deleted" in [e["type"] for e in events]
    assert received_ids(hook) == [e["id"] for e in events]
    assert received_bodies(hook) == events
    verifier = Webhook(endpoint["secret"])
    for call, event in zip(hook.calls, events, strict=True):
        assert call.headers["Content-Type"] == "application/json"
        assert verifier.verify(call.body, call.headers) == event
    assert all(e["data"].get("user_name") != "before@acme.example" for e in events)


async def test_a_signature_made_with_another_secret_is_refused_by_the_receiver(
    client: TestClient, scim: dict[str, str], hook: WebhookSink, poster: EventPoster
) -> None:
    await create_endpoint(client, hook.url)
    other = await create_endpoint(client, "http://127.0.0.1:9/never-called")
    await create_user(client, scim, "ann@acme.example")
    await deliver(client, poster)

    with pytest.raises(Exception, match="No matching signature"):
        Webhook(other["secret"]).verify(hook.calls[0].body, hook.calls[0].headers)


async def test_a_receiver_that_fails_twice_then_recovers_gets_every_event_in_order(
    client: TestClient, scim: dict[str, str], hook: WebhookSink, poster: EventPoster
) -> None:
    endpoint = await create_endpoint(client, hook.url)
    for name in ("ann", "bo", "cy"):
        await create_user(client, scim, name)
    events = [e["id"] for e in await feed_events(client, after=endpoint["cursor"])]
    at = utcnow()

    hook.status = 500
    await deliver(client, poster, at=at)
    first_wait = await _next_attempt_in(client, endpoint["id"], at)
    await deliver(client, poster, at=at + timedelta(milliseconds=500))  # still backing off
    await deliver(client, poster, at=at + timedelta(seconds=1))
    second_wait = await _next_attempt_in(client, endpoint["id"], at + timedelta(seconds=1))
    assert received_ids(hook) == [events[0], events[0]]  # it stops at the failing event
    assert (first_wait, second_wait) == (timedelta(seconds=1), timedelta(seconds=2))

    hook.status = 200
    await deliver(client, poster, at=at + timedelta(seconds=3))

    assert received_ids(hook) == [events[0], events[0], *events]
    status, log = await admin_get(client, f"/{endpoint['id']}/deliveries")
    assert status == 200
    assert [(d["attempt"], d["ok"]) for d in reversed(log["data"])] == [
        (1, False),
        (2, False),
        (3, True),
    ] + [(1, True)] * (len(events) - 1)


async def test_an_org_scoped_endpoint_gets_only_that_orgs_events_and_a_typed_one_those_types(
    client: TestClient, hook: WebhookSink, poster: EventPoster
) -> None:
    acme, globex = await create_org(client, name="Acme"), await create_org(client, name="Globex")
    acme_scim = await scim_headers_for(client, acme["id"])
    globex_scim = await scim_headers_for(client, globex["id"])
    deletions_hook = await WebhookSink().start()
    try:
        acme_only = await create_endpoint(client, hook.url, org_id=acme["id"])
        deletions = await create_endpoint(client, deletions_hook.url, types=["member.deleted"])
        for scim in (acme_scim, globex_scim):
            user = await create_user(client, scim, "ann@example.com")
            await create_user(client, scim, "bo@example.com")
            await client.delete(f"{BASE}/Users/{user['id']}", headers=scim)

        await deliver(client, poster)
    finally:
        await deletions_hook.stop()

    acme_events = await feed_events(client, after=acme_only["cursor"], org_ids=[acme["id"]])
    assert received_bodies(hook) == acme_events
    assert {e["org_id"] for e in acme_events} == {acme["id"]}
    assert len(acme_events) >= 3
    deleted = received_bodies(deletions_hook)
    assert deleted == await feed_events(client, after=deletions["cursor"], types=["member.deleted"])
    assert [(e["type"], e["org_id"]) for e in deleted] == [
        ("member.deleted", acme["id"]),
        ("member.deleted", globex["id"]),
    ]


async def test_an_endpoint_failing_past_the_window_is_disabled_and_the_orgs_admins_alerted(
    client: TestClient, hook: WebhookSink, poster: EventPoster
) -> None:
    org = await create_org(client, admin_emails=["it@acme.example"])
    scim = await scim_headers_for(client, org["id"])
    endpoint = await create_endpoint(client, hook.url, org_id=org["id"])
    await create_user(client, scim, "ann@acme.example")
    hook.status = 503
    at = utcnow()
    await deliver(client, poster, at=at)
    await deliver(client, poster, at=at + POLICY.disable_after)  # failing for exactly the window

    status, still = await admin_get(client, f"/{endpoint['id']}")
    assert status == 200
    assert still["state"] == "enabled"
    await deliver(client, poster, at=at + POLICY.disable_after + timedelta(seconds=10))

    status, disabled = await admin_get(client, f"/{endpoint['id']}")
    assert status == 200
    assert disabled["state"] == "disabled"
    assert "failed without a break" in disabled["disabled_reason"]
    assert "HTTP 503" in disabled["disabled_reason"]
    calls = len(hook.calls)
    await deliver(client, poster, at=at + POLICY.disable_after + timedelta(days=1))
    assert len(hook.calls) == calls  # a disabled endpoint is left alone

    smtp = SmtpSink().start()
    try:
        async with aiohttp.ClientSession() as session:
            email = EmailSender(SmtpConfig(host="127.0.0.1", port=smtp.port, timeout_seconds=5))
            database = client.app[DATABASE]
            handlers = alert_handlers(database, email=email, webhooks=WebhookSender(session))
            await deliver_due(database, handlers, digest_seconds=0)
    finally:
        smtp.stop()
    [mail] = smtp.messages
    assert smtp.envelopes[0][1] == ["it@acme.example"]
    assert "event endpoint disabled" in mail["Subject"]
    response = await client.get(f"/admin/v1/orgs/{org['id']}/alerts", headers=ADMIN_HEADERS)
    kinds = [a["kind"] for a in (await response.json())["data"]]
    assert "event_endpoint_disabled" in kinds

    # A replay enables it again, and delivery resumes where it stopped.
    hook.status = 200
    response = await client.post(
        f"{ENDPOINTS}/{endpoint['id']}/replay",
        json={"after": endpoint["cursor"]},
        headers=ADMIN_HEADERS,
    )
    assert response.status == 200 and (await response.json())["state"] == "enabled"
    await deliver(client, poster)
    delivered = received_ids(hook)[calls:]
    assert delivered == [
        e["id"] for e in await feed_events(client, after=endpoint["cursor"], org_ids=[org["id"]])
    ]


async def test_two_senders_at_once_never_deliver_one_endpoint_twice(
    client: TestClient, settings: Settings, scim: dict[str, str], hook: WebhookSink
) -> None:
    endpoint = await create_endpoint(client, hook.url)
    for i in range(20):
        await create_user(client, scim, f"user{i}")
    other_process = Database(settings.database_url)
    try:
        async with aiohttp.ClientSession() as one, aiohttp.ClientSession() as two:
            await asyncio.gather(
                deliver_events(
                    client.app[DATABASE], EventPoster(one, timeout_seconds=5), policy=POLICY
                ),
                deliver_events(other_process, EventPoster(two, timeout_seconds=5), policy=POLICY),
            )
    finally:
        await other_process.dispose()

    assert received_ids(hook) == [
        e["id"] for e in await feed_events(client, after=endpoint["cursor"])
    ]


async def _next_attempt_in(client: TestClient, endpoint_id: str, at: datetime) -> timedelta:
    status, endpoint = await admin_get(client, f"/{endpoint_id}")
    assert status == 200
    return datetime.fromisoformat(endpoint["next_attempt_at"]) - at


async def test_events_committed_before_a_kill_9_are_delivered_after_the_restart(
    database_url: str, tmp_path: Path
) -> None:
    hook = WebhookSink()  # not listening yet: the receiver is down
    log = tmp_path / "gateway.log"
    first_port, second_port = free_port(), free_port()
    process = start_gateway(database_url, first_port, log)
    try:
        async with aiohttp.ClientSession(headers=ADMIN_HEADERS) as http:
            base = f"http://127.0.0.1:{first_port}"
            await eventually(lambda: _healthy(http, base), within=30)
            org = await _post(http, f"{base}/admin/v1/orgs", {"name": "Acme"})
            token = await _post(http, f"{base}/admin/v1/orgs/{org['id']}/scim-tokens", None)
            endpoint = await _post(http, f"{base}{ENDPOINTS}", {"url": hook.url})
            scim = {"Authorization": f"Bearer {token['token']}"}
            for name in ("ann", "bo", "cy"):
                response = await http.post(
                    f"{base}{BASE}/Users", json=user_payload(name), headers=scim
                )
                assert response.status == 201, await response.text()  # committed

            async def tried_and_failed() -> bool:
                response = await http.get(f"{base}{ENDPOINTS}/{endpoint['id']}/deliveries")
                return any(not d["ok"] for d in (await response.json())["data"])

            await eventually(tried_and_failed, within=30)
            process.send_signal(signal.SIGKILL)
            process.wait()

            await hook.start()
            process = start_gateway(database_url, second_port, log)
            expected = await _feed_after(database_url, endpoint["cursor"])
            assert len(expected) >= 3

            async def all_arrived() -> bool:
                return len(hook.calls) >= len(expected)

            await eventually(all_arrived, within=30)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        assert received_bodies(hook) == expected, log.read_text()[-3000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        await hook.stop()


async def _healthy(http: aiohttp.ClientSession, base: str) -> bool:
    try:
        async with http.get(f"{base}/healthz") as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def _post(http: aiohttp.ClientSession, url: str, body: Any) -> dict[str, Any]:
    async with http.post(url, json=body) as response:
        assert response.status == 201, await response.text()
        return await response.json()


async def _feed_after(database_url: str, cursor: str) -> list[dict[str, Any]]:
    database = Database(database_url)
    try:
        async with database.read() as conn:
            page = await feed.read_feed(conn, after=feed.parse_cursor(cursor), limit=feed.MAX_PAGE)
        return page.events
    finally:
        await database.dispose()
