"""The Activity page: the org's events by type and paged by cursor, alert deliveries, the audit
trail by action, and nothing of another org."""

import re

from aiohttp.test_utils import TestClient

from tests.gateway.console.support import sign_in
from tests.helpers import create_org, scim_headers_for

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
_ROW = re.compile(r'data-testid="event-row" data-event-type="([\w.]+)" data-event-id="(evt_\d+)"')


async def _provision(client: TestClient, org_id: str, *names: str) -> None:
    headers = await scim_headers_for(client, org_id)
    for name in names:
        response = await client.post(
            "/scim/v2/Users", json={"schemas": [USER], "userName": name}, headers=headers
        )
        assert response.status == 201


async def _rows(client: TestClient, path: str) -> tuple[list[tuple[str, str]], str]:
    html = await (await client.get(path)).text()
    return _ROW.findall(html), html


async def test_the_events_of_the_org_are_listed_newest_first_and_filtered_by_type(
    client: TestClient,
):
    ours, theirs = await create_org(client, name="Acme"), await create_org(client, name="Globex")
    await _provision(client, ours["id"], "ada@acme.test", "bo@acme.test")
    await _provision(client, theirs["id"], "eve@globex.test")
    page = await sign_in(client, ours["id"]) + "/activity"

    rows, html = await _rows(client, page)
    created, _ = await _rows(client, page + "?type=member.created")

    ids = [int(event_id[4:]) for _, event_id in rows]
    assert ids == sorted(ids, reverse=True) and rows
    assert "eve@globex.test" not in html
    assert [t for t, _ in created] == ["member.created", "member.created"]
    assert "bo@acme.test" in html


async def test_older_and_newer_pages_follow_each_other(client: TestClient):
    org = await create_org(client)
    await _provision(client, org["id"], *(f"user{n:02}@acme.test" for n in range(30)))
    page = await sign_in(client, org["id"]) + "/activity?type=member.created"

    first, html = await _rows(client, page)
    older = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    second, html = await _rows(client, older)
    newer = re.search(r'href="([^"]+)" rel="prev"', html).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    back, _ = await _rows(client, newer)

    assert (len(first), len(second)) == (25, 5)
    assert "type=member.created" in older
    assert back == first
    assert not set(first) & set(second)


async def test_the_audit_trail_is_filtered_by_action(client: TestClient):
    org = await create_org(client)
    page = await sign_in(client, org["id"]) + "/activity"
    await sign_in(client, org["id"], email="bill@example.com", role="billing")

    everything = await (await client.get(page)).text()
    signed_in = await (await client.get(page + "?action=console.signed_in")).text()

    def actions(html: str) -> list[str]:
        return re.findall(r'data-testid="audit-row" data-action="([\w.]+)"', html)

    assert {"portal_link.created", "console.signed_in"} <= set(actions(everything))
    assert actions(signed_in) == ["console.signed_in", "console.signed_in"]
    assert "console:bill@example.com" in signed_in


async def test_an_unknown_event_type_is_a_page_that_says_so(client: TestClient):
    org = await create_org(client)
    page = await sign_in(client, org["id"]) + "/activity?type=member.exploded"

    response = await client.get(page)

    assert response.status in (400, 422)
    assert "unknown event type member.exploded" in await response.text()


async def _activity_html(client: TestClient, org_id: str) -> str:
    return await (await client.get(await sign_in(client, org_id) + "/activity")).text()


async def test_the_page_says_how_the_alert_webhooks_are_signed(client: TestClient):
    standard = await create_org(client, webhook_url="https://ops.example/hook")
    legacy = await create_org(
        client,
        webhook_url="https://ops.example/old",
        webhook_secret="plain",
        webhook_signing="legacy",
    )
    standard_html = await _activity_html(client, standard["id"])
    legacy_html = await _activity_html(client, legacy["id"])
    quiet_html = await _activity_html(client, (await create_org(client))["id"])

    assert 'data-signing="standard"' in standard_html
    assert "signed per Standard Webhooks" in standard_html
    assert 'data-signing="legacy"' in legacy_html
    assert "Seatgate-Signature" in legacy_html
    assert 'data-testid="webhook-signing"' not in quiet_html
    # The URL may carry a credential (Slack's do): the page never shows it.
    assert "ops.example" not in standard_html + legacy_html
