"""Every curl in README.md and docs/*.md runs against a live gateway (`seatgate serve`, both
engines), page by page in order, with the variables the pages assume ($ORG, $SCIM,
$CLIENT_ID/$CLIENT_SECRET, $ENDPOINT, $CURSOR) already set: each must exit 0 with no HTTP status
of 400 or more, so the docs cannot drift from the API (docs/tokens.md once answered 415).
Blocks marked `# illustrative:` are not run (tests/docs/doc_blocks.py)."""

import asyncio
import os
from typing import Any

import aiohttp

from tests.auth.conftest import basic
from tests.docs.doc_blocks import ILLUSTRATIVE, curl_blocks, pages, script
from tests.gateway.gateway_process import gateway_process
from tests.helpers import ADMIN_TOKEN

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def _variables(base: str) -> dict[str, str]:
    """What the pages take as given: an org with a member, its credentials and an endpoint."""
    async with aiohttp.ClientSession(base) as http:

        async def post(path: str, body: dict[str, Any], **options: Any) -> Any:
            async with http.post(path, json=body, **options) as response:
                assert response.status == 201, await response.text()
                return await response.json()

        org = await post("/admin/v1/orgs", {"name": "Docs", "seat_limit": 5}, headers=ADMIN)
        scim = (await post(f"/admin/v1/orgs/{org['id']}/scim-tokens", {}, headers=ADMIN))["token"]
        client = await post(f"/admin/v1/orgs/{org['id']}/clients", {"name": "docs"}, headers=ADMIN)
        await post(
            "/scim/v2/Users",
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "ada@example.com",
            },
            headers={"Authorization": f"Bearer {scim}", "Content-Type": "application/scim+json"},
        )
        endpoint = await post(
            "/admin/v1/event-endpoints", {"url": "http://127.0.0.1:9/hook"}, headers=ADMIN
        )
        product = basic(client["client_id"], client["client_secret"])
        async with http.get("/directory/v1/events?limit=1", headers=product) as response:
            cursor = (await response.json())["data"][0]["id"]
    return {
        "SEATGATE_ADMIN_TOKEN": ADMIN_TOKEN,
        "ORG": org["id"],
        "SCIM": scim,
        "CLIENT_ID": client["client_id"],
        "CLIENT_SECRET": client["client_secret"],
        "ENDPOINT": endpoint["id"],
        "CURSOR": cursor,
    }


def test_the_docs_have_curls_to_run_and_say_why_others_are_not_run() -> None:
    blocks = [block for page in pages() for block in curl_blocks(page)]
    runnable = [block for block in blocks if not block.illustrative]
    assert len(runnable) >= 12
    for block in blocks:
        if block.illustrative:
            reason = block.text.lstrip().splitlines()[0].removeprefix(ILLUSTRATIVE).strip()
            assert reason, f"{block.where}: say why the block is not run"


async def test_every_curl_in_the_docs_succeeds_against_a_live_gateway(database_url: str) -> None:
    async with gateway_process(database_url) as (base, _process):
        variables = await _variables(base)
        failures = []
        for page in pages():
            blocks = [block for block in curl_blocks(page) if not block.illustrative]
            if not blocks:
                continue
            run = await asyncio.create_subprocess_exec(
                "bash",
                "-c",
                script(blocks, base),
                env={**os.environ, **variables},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await asyncio.wait_for(run.communicate(), timeout=60)
            if run.returncode != 0:
                failures.append(f"{err.decode()[-1500:]}\n{out.decode()[-500:]}")
    assert not failures, "\n\n".join(failures)
