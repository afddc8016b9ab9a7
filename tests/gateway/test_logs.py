"""Structured logs (gateway/logs.py, gateway/request_log.py): one JSON object per line with
timestamp, level and event; within a request its id, route template and org, also on lines
logged deep in seats/; the access line; the request id from trusted proxies only; the console
rendering; the CLI logging the same way."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.config import Settings
from gateway.integrations.delivery import DeliveryError
from gateway.keys import DATABASE
from gateway.worker import deliver_due
from seats.outbox import OutboxMessage
from tests.gateway.console.support import sign_in
from tests.gateway.log_capture import captured_logs
from tests.gateway.storage_outage import user_body
from tests.helpers import ADMIN_HEADERS, create_org, scim_headers_for

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


async def test_a_line_logged_deep_in_seats_carries_the_request_id_route_and_the_tokens_org(
    client: TestClient, settings: Settings, org: dict[str, Any], scim: dict[str, str]
) -> None:
    created = await client.post(
        "/scim/v2/Groups", json={"schemas": [GROUP], "displayName": "Ops"}, headers=scim
    )
    group_id = (await created.json())["id"]
    with captured_logs(settings) as logs:
        response = await client.patch(
            f"/scim/v2/Groups/{group_id}",
            json={
                "schemas": [PATCH],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": "nobody"}]}],
            },
            headers=scim,
        )
    assert response.status in (200, 204), await response.text()
    request_id = response.headers["X-Request-Id"]
    skipped = next(line for line in logs.lines(logger="seatgate.groups"))
    assert "unknown member id(s) skipped" in skipped["event"]
    assert skipped["request_id"] == request_id
    assert skipped["route"] == "/scim/v2/Groups/{id}"
    assert skipped["org_id"] == org["id"]
    assert skipped["level"] == "info" and skipped["timestamp"].endswith("Z")


async def test_the_access_line_says_method_route_status_duration_and_bytes(
    client: TestClient, settings: Settings, org: dict[str, Any]
) -> None:
    with captured_logs(settings) as logs:
        response = await client.get(f"/admin/v1/orgs/{org['id']}/seats", headers=ADMIN_HEADERS)
        missing = await client.get("/admin/v1/orgs/no-such-org/seats", headers=ADMIN_HEADERS)
    line = logs.one(event="request", request_id=response.headers["X-Request-Id"])
    assert line["logger"] == "seatgate.access"
    assert line["method"] == "GET"
    assert line["route"] == "/admin/v1/orgs/{org_id}/seats"
    assert line["org_id"] == org["id"]
    assert line["status"] == 200
    assert line["bytes"] == len(await response.read())
    assert 0 < line["duration_ms"] < 10_000
    assert "headers" not in line  # only at level debug
    refused = logs.one(event="request", request_id=missing.headers["X-Request-Id"])
    assert refused["status"] == 404 and refused["org_id"] == "no-such-org"


async def test_each_request_gets_its_own_generated_id_and_nothing_leaks_past_it(
    client: TestClient, settings: Settings
) -> None:
    with captured_logs(settings) as logs:
        first = await client.get("/healthz", headers={"X-Request-Id": "chosen-by-caller"})
        second = await client.get("/healthz")
        logging.getLogger("seatgate.test").info("after the requests")
    ids = [first.headers["X-Request-Id"], second.headers["X-Request-Id"]]
    # Without SEATGATE_TRUSTED_PROXIES no caller picks the id its lines are filed under.
    assert "chosen-by-caller" not in ids and ids[0] != ids[1]
    assert [line["request_id"] for line in logs.lines(event="request")] == ids
    assert "request_id" not in logs.one(event="after the requests")


async def test_a_trusted_proxys_request_id_is_kept_unless_it_is_not_plain(
    aiohttp_client: Any, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings.replace(trusted_proxies="127.0.0.1")))
    with captured_logs(settings) as logs:
        kept = await client.get("/healthz", headers={"X-Request-Id": "lb-7f3a.42"})
        odd = await client.get("/healthz", headers={"X-Request-Id": 'x" injected=1'})
    assert kept.headers["X-Request-Id"] == "lb-7f3a.42"
    assert logs.one(event="request", request_id="lb-7f3a.42")["status"] == 200
    assert odd.headers["X-Request-Id"] != 'x" injected=1'


async def test_a_console_session_names_its_org_on_pages_without_one_in_the_path(
    client: TestClient, settings: Settings, org: dict[str, Any]
) -> None:
    await sign_in(client, org["id"])
    with captured_logs(settings) as logs:
        response = await client.get("/console/", allow_redirects=False)
    line = logs.one(event="request", request_id=response.headers["X-Request-Id"])
    assert line["org_id"] == org["id"]


async def test_the_console_format_is_for_people_and_still_names_the_request(
    client: TestClient, settings: Settings
) -> None:
    with captured_logs(settings, log_format="console") as logs:
        response = await client.get("/healthz")
    text = logs.text
    assert not text.lstrip().startswith("{")
    assert "request" in text and response.headers["X-Request-Id"] in text and "status=200" in text


def test_the_cli_logs_json_lines_too(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "migrate", "--database-url", url],
        capture_output=True,
        text=True,
        env={**os.environ, "SEATGATE_LOG_LEVEL": "info"},
        check=True,
        timeout=120,
    )
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert lines and all({"timestamp", "level", "event"} <= line.keys() for line in lines)


async def test_a_scim_request_line_names_the_tokens_org(
    client: TestClient, settings: Settings
) -> None:
    org = await create_org(client)
    scim = await scim_headers_for(client, org["id"])
    with captured_logs(settings) as logs:
        response = await client.get("/scim/v2/Users", headers=scim)
        respelled = await client.get("/scim/v2/users/", headers=scim)
    line = logs.one(event="request", request_id=response.headers["X-Request-Id"])
    assert line["route"] == "/scim/v2/Users" and line["org_id"] == org["id"]
    # A path spelled otherwise than its route is logged under the route it reached.
    line = logs.one(event="request", request_id=respelled.headers["X-Request-Id"])
    assert line["route"] == "/scim/v2/Users" and line["status"] == 200


async def test_the_workers_lines_name_the_org_and_outbox_message_they_deliver(
    client: TestClient, settings: Settings
) -> None:
    org = await create_org(client, seat_limit=0, admin_emails=["admin@acme.test"])
    scim = await scim_headers_for(client, org["id"])
    await client.post("/scim/v2/Users", json=user_body("ann@acme.test"), headers=scim)

    async def smtp_down(message: OutboxMessage) -> str:
        logging.getLogger("seatgate.test").info("sending")
        raise DeliveryError("connection refused")

    with captured_logs(settings) as logs:
        await deliver_due(client.app[DATABASE], {"email": smtp_down})
        logging.getLogger("seatgate.test").info("after delivery")
    sending = logs.one(event="sending")
    retry = logs.one(logger="seatgate.worker", level="info")
    assert "will retry: connection refused" in retry["event"]
    assert sending["org_id"] == retry["org_id"] == org["id"]
    assert sending["outbox_id"] == retry["outbox_id"]
    assert "org_id" not in logs.one(event="after delivery")
