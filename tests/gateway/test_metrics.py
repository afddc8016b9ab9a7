"""Prometheus metrics at /metrics: Prometheus text from the app's own registry, requests counted
by route template and status, seat and outbox gauges read at scrape time, delivery failures
counted by the workers, and the optional bearer token."""

from typing import Any

from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from gateway.app import create_app
from gateway.config import Settings, reveal
from gateway.integrations.delivery import DeliveryError
from gateway.keys import DATABASE
from gateway.metrics import METRICS
from gateway.settings_sources import load_settings
from gateway.worker import deliver_due
from scim.telemetry import profile_of_user_agent
from seats.outbox import OutboxMessage
from tests.gateway.storage_outage import user_body
from tests.helpers import ADMIN_HEADERS, create_org, scim_headers_for

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: TestClient, headers: dict[str, str] | None = None) -> Samples:
    response = await client.get("/metrics", headers=headers)
    assert response.status == 200, await response.text()
    assert response.content_type == "text/plain"
    samples: Samples = {}
    for family in text_string_to_metric_families(await response.text()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def provision(client: TestClient, org_id: str, *names: str, **headers: str) -> None:
    scim = {**await scim_headers_for(client, org_id), **headers}
    for name in names:
        response = await client.post("/scim/v2/Users", json=user_body(name), headers=scim)
        assert response.status == 201, await response.text()


async def test_a_scim_post_is_counted_under_its_route_template_and_status(
    client: TestClient, org: dict[str, Any]
) -> None:
    await provision(client, org["id"], "ann@acme.test", **{"User-Agent": "Okta SCIM Client 1.0"})
    samples = await scrape(client)
    route = {"method": "POST", "route": "/scim/v2/Users"}
    assert value(samples, "seatgate_http_requests_total", **route, status="201") == 1
    assert value(samples, "seatgate_http_request_duration_seconds_count", route="/scim/v2/Users")
    assert value(samples, "seatgate_scim_operations_total", idp="okta", **route) == 1


async def test_paths_with_ids_share_one_route_template(client: TestClient) -> None:
    for org_id in ("one", "two"):
        response = await client.get(f"/admin/v1/orgs/{org_id}/seats", headers=ADMIN_HEADERS)
        assert response.status == 404
    await client.get("/no/such/path")
    samples = await scrape(client)
    seats_route = {"method": "GET", "route": "/admin/v1/orgs/{org_id}/seats", "status": "404"}
    assert value(samples, "seatgate_http_requests_total", **seats_route) == 2
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(samples, "seatgate_http_requests_total", **unmatched) == 1
    assert not any("one" in dict(labels).get("route", "") for _, labels in samples)


async def test_seat_gauges_are_the_seat_summaries_summed_over_orgs(client: TestClient) -> None:
    small = await create_org(client, seat_limit=1)
    large = await create_org(client, seat_limit=5)
    await provision(client, small["id"], "a@small.test", "b@small.test")
    await provision(client, large["id"], "c@large.test", "d@large.test", "e@large.test")
    summaries = []
    for org in (small, large):
        response = await client.get(f"/admin/v1/orgs/{org['id']}/seats", headers=ADMIN_HEADERS)
        summaries.append(await response.json())
    samples = await scrape(client)
    for gauge, field in (("used", "used"), ("capacity", "capacity"), ("over_limit", "over_limit")):
        expected = sum(summary[field] for summary in summaries)
        assert value(samples, f"seatgate_seats_{gauge}") == expected, gauge
    assert (value(samples, "seatgate_seats_used"), value(samples, "seatgate_seats_over_limit")) == (
        4,
        1,
    )


async def test_outbox_depth_shows_an_alert_waiting_for_delivery(client: TestClient) -> None:
    assert value(await scrape(client), "seatgate_outbox_pending") == 0
    org = await create_org(client, seat_limit=0, admin_emails=["admin@acme.test"])
    await provision(client, org["id"], "ann@acme.test")
    samples = await scrape(client)
    assert value(samples, "seatgate_outbox_pending") == 1
    assert value(samples, "seatgate_outbox_oldest_pending_age_seconds") >= 0


async def test_a_failed_outbox_attempt_is_counted_by_channel(client: TestClient) -> None:
    org = await create_org(client, seat_limit=0, admin_emails=["admin@acme.test"])
    await provision(client, org["id"], "ann@acme.test")

    async def smtp_down(message: OutboxMessage) -> str:
        raise DeliveryError("connection refused")

    app = client.app
    assert app is not None
    report = await deliver_due(app[DATABASE], {"email": smtp_down}, metrics=app[METRICS])
    assert report.retrying == 1
    samples = await scrape(client)
    failures = {"channel": "email", "outcome": "retrying"}
    assert value(samples, "seatgate_outbox_delivery_failures_total", **failures) == 1


async def test_the_database_pool_is_reported(client: TestClient) -> None:
    samples = await scrape(client)
    assert value(samples, "seatgate_database_pool_size") > 0
    assert ("seatgate_database_pool_checked_out", frozenset()) in samples


async def test_each_app_counts_in_its_own_registry(aiohttp_client: Any, settings: Settings) -> None:
    first = await aiohttp_client(create_app(settings))
    second = await aiohttp_client(create_app(settings))
    await first.get("/healthz")
    healthz = {"method": "GET", "route": "/healthz", "status": "200"}
    assert value(await scrape(first), "seatgate_http_requests_total", **healthz) == 1
    assert value(await scrape(second), "seatgate_http_requests_total", **healthz) == 0


async def test_with_a_metrics_token_a_scrape_needs_it(
    aiohttp_client: Any, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings.with_overrides(metrics_token="s3cret")))
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret"}):
        response = await client.get("/metrics", headers=headers)
        assert response.status == 401
        assert (await response.json())["error"] == "unauthorized"
        assert response.headers["WWW-Authenticate"] == "Bearer"
    samples = await scrape(client, {"Authorization": "Bearer s3cret"})
    assert ("seatgate_seats_used", frozenset()) in samples


async def test_scim_paths_are_named_by_the_scim_route_they_reach(
    client: TestClient, org: dict[str, Any]
) -> None:
    scim = await scim_headers_for(client, org["id"])
    requests = [
        ("GET", "/scim/v2/Users/2819c223-7f76", 404),
        ("GET", "/scim/v2/users", 200),  # spelled otherwise: the route it reaches
        ("GET", "/scim/v2/Groups/", 200),
        ("POST", "/scim/v2/Users/.search", 200),
        ("POST", "/scim/v2/.search", 200),
        ("GET", "/scim/v2/Nope/1/2", 404),
        ("DELETE", "/scim/v2/Users", 405),
    ]
    for method, path, status in requests:
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}
        response = await client.request(method, path, headers=scim, json=body)
        assert response.status == status, (path, await response.text())
    samples = await scrape(client)
    routes = {
        dict(labels)["route"]
        for (name, labels) in samples
        if name == "seatgate_http_requests_total" and "/scim/" in dict(labels)["route"]
    }
    assert routes == {
        "/scim/v2/Users/{id}",
        "/scim/v2/Users",
        "/scim/v2/Groups",
        "/scim/v2/Users/.search",
        "/scim/v2/.search",
        "/scim/v2/unmatched",
    }


def test_the_idp_profile_comes_from_the_user_agent() -> None:
    assert profile_of_user_agent("Okta SCIM Client 1.0.0") == "okta"
    assert profile_of_user_agent("Azure Active Directory SCIM Client") == "entra"
    assert profile_of_user_agent("Microsoft.Identity.Provisioning/1.0") == "entra"
    assert profile_of_user_agent("curl/8.5") == "other"


def test_metrics_settings_come_from_the_environment() -> None:
    assert reveal(load_settings({"SEATGATE_METRICS_TOKEN": "t"}).settings.metrics_token) == "t"
    assert load_settings({}).settings.metrics_token is None
