"""The overview's picture of usage: an inline SVG of the seats used per day, with its text."""

import re

from aiohttp.test_utils import TestClient

from tests.gateway.console.support import sign_in
from tests.helpers import create_org, scim_headers_for


async def test_the_overview_draws_ninety_days_of_seats_used_with_a_text_alternative(
    client: TestClient,
):
    org = await create_org(client, name="Acme", seat_limit=5)
    headers = await scim_headers_for(client, org["id"])
    for name in ("ada", "grace"):
        response = await client.post(
            "/scim/v2/Users",
            json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name},
            headers=headers,
        )
        assert response.status == 201
    overview = await sign_in(client, org["id"])

    page = await (await client.get(overview)).text()

    svg = re.search(r'<svg class="usage-chart".*?</svg>', page, re.S)
    assert svg, "no usage chart on the overview"
    assert '<title id="usage-title">Seats used per day, last 90 days</title>' in svg.group(0)
    assert 'aria-labelledby="usage-title usage-desc"' in svg.group(0)
    assert re.search(r"from 0 on \w+ \d+, \d{4} to 2 today", page)
    assert "style=" not in svg.group(0)
