"""The admin API of event webhook endpoints: the secret is shown once, bad input is refused
with a clear error, and the delivery log and replay tell and steer what a receiver gets."""

import base64
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from standardwebhooks import Webhook

from gateway.event_delivery import EventPoster
from gateway.keys import DATABASE
from seats import feed
from seats.clock import utcnow
from tests.gateway.alert_receivers import WebhookSink
from tests.gateway.event_webhooks import (
    ENDPOINTS,
    admin_get,
    create_endpoint,
    deliver,
    feed_events,
    received_ids,
)
from tests.helpers import ADMIN_HEADERS
from tests.scim.support import create_user


async def test_creating_an_endpoint_shows_its_signing_secret_once(client: TestClient) -> None:
    created = await create_endpoint(client, "https://product.example/hooks/seatgate")

    assert created["url"] == "https://product.example/hooks/seatgate"
    assert created["org_id"] is None and created["types"] is None
    assert created["state"] == "enabled"
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
    Webhook(secret)  # the Standard Webhooks library takes it as it is
    status, listed = await admin_get(client, "")
    assert status == 200
    assert [e["id"] for e in listed["data"]] == [created["id"]]
    status, fetched = await admin_get(client, f"/{created['id']}")
    assert status == 200
    assert "secret" not in listed["data"][0] and "secret" not in fetched
    assert secret not in str(listed) + str(fetched)


async def test_each_endpoint_gets_its_own_secret(client: TestClient) -> None:
    first = await create_endpoint(client, "https://a.example/hook")
    second = await create_endpoint(client, "https://b.example/hook")
    assert first["secret"] != second["secret"]


async def test_an_endpoint_can_be_limited_to_an_org_and_some_types(
    client: TestClient, org: dict[str, Any]
) -> None:
    created = await create_endpoint(
        client,
        "http://127.0.0.1:9/hook",
        org_id=org["id"],
        types=["member.created", "member.deleted"],
    )
    assert created["org_id"] == org["id"]
    assert created["types"] == ["member.created", "member.deleted"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"url": 42},
        {"url": ""},
        {"url": "product.example/hook"},
        {"url": "ftp://product.example/hook"},
        {"url": "https://"},
        {"url": "https://product.example:99999/hook"},
        {"url": "https://product.example/" + "x" * 2000},
        {"url": "https://product.example/hook", "types": "member.created"},
        {"url": "https://product.example/hook", "types": []},
        {"url": "https://product.example/hook", "types": ["member.created", "member.exploded"]},
        {"url": "https://product.example/hook", "org_id": 7},
        {"url": "https://product.example/hook", "secret": "whsec_mine"},
    ],
)
async def test_bad_input_is_a_400_that_says_what_is_wrong(
    client: TestClient, body: dict[str, Any]
) -> None:
    response = await client.post(ENDPOINTS, json=body, headers=ADMIN_HEADERS)
    assert response.status == 400, await response.text()
    error = await response.json()
    assert error["error"] == "invalid_request" and error["detail"]
    assert (await admin_get(client, ""))[1]["data"] == []


async def test_a_body_that_is_not_json_is_a_400(client: TestClient) -> None:
    response = await client.post(
        ENDPOINTS, data="{url", headers={**ADMIN_HEADERS, "Content-Type": "application/json"}
    )
    assert response.status == 400


async def test_an_endpoint_for_an_unknown_org_is_a_404(client: TestClient) -> None:
    response = await client.post(
        ENDPOINTS,
        json={"url": "https://product.example/hook", "org_id": "no-such-org"},
        headers=ADMIN_HEADERS,
    )
    assert response.status == 404
    assert (await response.json())["error"] == "not_found"


async def test_the_endpoints_need_the_admin_token(client: TestClient) -> None:
    assert (await client.get(ENDPOINTS)).status == 401
    response = await client.post(ENDPOINTS, json={"url": "https://product.example/hook"})
    assert response.status == 401


async def test_a_deleted_endpoint_is_gone(client: TestClient) -> None:
    created = await create_endpoint(client, "https://product.example/hook")
    path = f"{ENDPOINTS}/{created['id']}"

    assert (await client.delete(path, headers=ADMIN_HEADERS)).status == 204

    assert (await client.get(path, headers=ADMIN_HEADERS)).status == 404
    assert (await client.delete(path, headers=ADMIN_HEADERS)).status == 404
    assert (await admin_get(client, ""))[1]["data"] == []


async def test_an_unknown_endpoint_is_a_404_everywhere(client: TestClient) -> None:
    path = f"{ENDPOINTS}/no-such-endpoint"
    for response in (
        await client.get(path, headers=ADMIN_HEADERS),
        await client.get(f"{path}/deliveries", headers=ADMIN_HEADERS),
        await client.post(f"{path}/replay", json={"after": "evt_0"}, headers=ADMIN_HEADERS),
    ):
        assert response.status == 404
        assert (await response.json())["error"] == "not_found"


async def test_the_delivery_log_lists_attempts_newest_first_in_pages(
    client: TestClient,
    scim: dict[str, str],
    hook: WebhookSink,
    poster: EventPoster,
) -> None:
    endpoint = await create_endpoint(client, hook.url, types=["member.created"])
    for name in ("ann", "bo", "cy"):
        await create_user(client, scim, name)
    hook.status = 503
    at = utcnow()
    await deliver(client, poster, at=at)  # fails at ann's event and backs off
    status, failing = await admin_get(client, f"/{endpoint['id']}")
    assert failing["failures"] == 1 and failing["failing_since"] is not None
    hook.status = 200
    await deliver(client, poster, at=at + timedelta(seconds=10))
    ann, bo, cy = sorted(set(received_ids(hook)), key=received_ids(hook).index)

    status, first = await admin_get(client, f"/{endpoint['id']}/deliveries", limit=3)
    assert status == 200
    assert [(d["event_id"], d["attempt"], d["ok"]) for d in first["data"]] == [
        (cy, 1, True),
        (bo, 1, True),
        (ann, 2, True),
    ]
    status, rest = await admin_get(
        client, f"/{endpoint['id']}/deliveries", limit=3, after=first["next_cursor"]
    )
    assert status == 200 and rest["next_cursor"] is None
    [failure] = rest["data"]
    assert failure == {
        "id": failure["id"],
        "attempt": 1,
        "event_id": ann,
        "ok": False,
        "status_code": 503,
        "error": "HTTP 503: ok",
        "latency_ms": failure["latency_ms"],
        "at": (at).isoformat(),
    }
    assert failure["latency_ms"] > 0
    assert all(d["status_code"] == 200 and d["error"] is None for d in first["data"])
    status, recovered = await admin_get(client, f"/{endpoint['id']}")
    assert recovered["failures"] == 0 and recovered["failing_since"] is None


async def test_a_bad_deliveries_cursor_or_limit_is_a_400(client: TestClient) -> None:
    endpoint = await create_endpoint(client, "https://product.example/hook")
    for params in ({"after": "yesterday"}, {"limit": "0"}, {"limit": "many"}, {"page": "2"}):
        status, error = await admin_get(client, f"/{endpoint['id']}/deliveries", **params)
        assert status == 400, (params, error)


async def test_replay_delivers_again_every_event_after_the_cursor(
    client: TestClient,
    scim: dict[str, str],
    hook: WebhookSink,
    poster: EventPoster,
) -> None:
    endpoint = await create_endpoint(client, hook.url)
    start = endpoint["cursor"]
    for name in ("ann", "bo", "cy"):
        await create_user(client, scim, name)
    await deliver(client, poster)
    events = [e["id"] for e in await feed_events(client, after=start)]
    assert received_ids(hook) == events

    response = await client.post(
        f"{ENDPOINTS}/{endpoint['id']}/replay", json={"after": events[0]}, headers=ADMIN_HEADERS
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["cursor"] == events[0]
    await deliver(client, poster)

    assert received_ids(hook) == events + events[1:]
    status, log = await admin_get(client, f"/{endpoint['id']}/deliveries")
    assert status == 200
    assert [d["event_id"] for d in log["data"]] == list(reversed(events + events[1:]))
    assert all(d["ok"] and d["status_code"] == 200 for d in log["data"])


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 400),
        ({"after": 3}, 400),
        ({"after": "3"}, 400),
        ({"after": "evt_x"}, 400),
        ({"after": "evt_999999"}, 400),
        ({"after": "evt_0", "from": "evt_0"}, 400),
    ],
)
async def test_replay_refuses_a_bad_cursor(
    client: TestClient, body: dict[str, Any], status: int
) -> None:
    endpoint = await create_endpoint(client, "https://product.example/hook")
    response = await client.post(
        f"{ENDPOINTS}/{endpoint['id']}/replay", json=body, headers=ADMIN_HEADERS
    )
    assert response.status == status, await response.text()
    assert (await response.json())["error"] == "invalid_request"


async def test_replay_from_before_the_retention_window_is_a_410(
    client: TestClient, scim: dict[str, str]
) -> None:
    endpoint = await create_endpoint(client, "https://product.example/hook")
    for name in ("ann", "bo"):
        await create_user(client, scim, name)
    async with client.app[DATABASE].transaction() as conn:
        await feed.prune_expired(conn, retention=timedelta(0), now=utcnow() + timedelta(days=1))

    response = await client.post(
        f"{ENDPOINTS}/{endpoint['id']}/replay", json={"after": "evt_0"}, headers=ADMIN_HEADERS
    )

    assert response.status == 410, await response.text()
    error = await response.json()
    assert error["error"] == "cursor_expired" and error["oldest"].startswith("evt_")
