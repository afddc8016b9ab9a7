"""Outgoing webhooks go to public addresses: an org's alert webhook_url and an event endpoint's
url at loopback, private or link-local hosts are refused with 400 `private_address`, unless the
deployment sets SEATGATE_ALLOW_PRIVATE_WEBHOOK_URLS (as the other tests do for their loopback
receivers)."""

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.config import Settings
from gateway.settings_sources import load_settings
from tests.helpers import ADMIN_HEADERS

NOT_PUBLIC = [
    "http://127.0.0.1:9000/hook",
    "http://localhost/hook",
    "http://api.localhost./hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://169.254.169.254/latest/meta-data",
    "https://10.0.0.7/hook",
    "https://172.16.5.4/hook",
    "https://192.168.1.20/hook",
    "http://100.64.0.1/hook",
    "http://0.0.0.0:8000/hook",
    "http://127.1/hook",
    "http://2130706433/hook",
    "http://0x7f.0.0.1/hook",
    "http://[fd00::1]/hook",
    "http://[fe80::1]/hook",
]
PUBLIC = [
    "https://hooks.example.com/seatgate",
    "https://8.8.8.8/hook",
    "https://[2001:4860::8888]/",
]


@pytest.fixture
async def strict(aiohttp_client: Any, settings: Settings) -> TestClient:
    """A gateway with the default: private webhook URLs refused."""
    return await aiohttp_client(create_app(settings.replace(allow_private_webhook_urls=False)))


async def refusal(response: Any) -> tuple[int, str, str]:
    body = await response.json()
    return response.status, body["error"], body["detail"]


@pytest.mark.parametrize("url", NOT_PUBLIC)
async def test_an_org_cannot_be_created_with_a_webhook_url_at_a_non_public_host(
    strict: TestClient, url: str
) -> None:
    response = await strict.post(
        "/admin/v1/orgs", json={"name": "Acme", "webhook_url": url}, headers=ADMIN_HEADERS
    )

    status, code, detail = await refusal(response)
    assert (status, code) == (400, "private_address")
    assert detail.startswith("webhook_url points at ")
    assert "SEATGATE_ALLOW_PRIVATE_WEBHOOK_URLS" in detail


async def test_an_org_patch_to_a_loopback_webhook_url_is_refused_and_keeps_the_old_one(
    strict: TestClient,
) -> None:
    created = await strict.post(
        "/admin/v1/orgs",
        json={"name": "Acme", "webhook_url": "https://hooks.example.com/acme"},
        headers=ADMIN_HEADERS,
    )
    org = await created.json()
    path = f"/admin/v1/orgs/{org['id']}"

    response = await strict.patch(
        path, json={"webhook_url": "http://127.0.0.1:8080/steal"}, headers=ADMIN_HEADERS
    )

    assert (await refusal(response))[:2] == (400, "private_address")
    after = await (await strict.get(path, headers=ADMIN_HEADERS)).json()
    assert after["webhook_url"] == "https://hooks.example.com/acme"


@pytest.mark.parametrize("url", NOT_PUBLIC)
async def test_an_event_endpoint_at_a_non_public_host_is_refused(
    strict: TestClient, url: str
) -> None:
    response = await strict.post(
        "/admin/v1/event-endpoints", json={"url": url}, headers=ADMIN_HEADERS
    )

    status, code, detail = await refusal(response)
    assert (status, code) == (400, "private_address")
    assert detail.startswith("url points at ")
    listed = await strict.get("/admin/v1/event-endpoints", headers=ADMIN_HEADERS)
    assert (await listed.json())["data"] == []


@pytest.mark.parametrize("url", PUBLIC)
async def test_public_hosts_are_taken_for_both(strict: TestClient, url: str) -> None:
    org = await strict.post(
        "/admin/v1/orgs", json={"name": "Acme", "webhook_url": url}, headers=ADMIN_HEADERS
    )
    endpoint = await strict.post(
        "/admin/v1/event-endpoints", json={"url": url}, headers=ADMIN_HEADERS
    )

    assert org.status == 201, await org.text()
    assert endpoint.status == 201, await endpoint.text()


async def test_with_the_opt_in_loopback_receivers_are_taken(client: TestClient) -> None:
    org = await client.post(
        "/admin/v1/orgs",
        json={"name": "Acme", "webhook_url": "http://127.0.0.1:9000/hook"},
        headers=ADMIN_HEADERS,
    )
    endpoint = await client.post(
        "/admin/v1/event-endpoints",
        json={"url": "http://localhost:9000/hook"},
        headers=ADMIN_HEADERS,
    )

    assert org.status == 201, await org.text()
    assert endpoint.status == 201, await endpoint.text()


def test_the_opt_in_is_off_unless_the_environment_turns_it_on() -> None:
    assert Settings().allow_private_webhook_urls is False
    environ = {"SEATGATE_ALLOW_PRIVATE_WEBHOOK_URLS": "true"}
    assert load_settings(environ).settings.allow_private_webhook_urls is True
