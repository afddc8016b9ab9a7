"""sdk/examples/product_sync.py against a live `seatgate serve` process, on both engines: a
token asked for and verified, the feed consumed to the end, a later run resuming from the
persisted cursor, a crash mid-page replayed and deduplicated, a real webhook delivery verified,
and an expired cursor answered by a resync."""

import asyncio
import importlib.util
import os
import sys
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from aiohttp.test_utils import TestClient

from gateway.config import Settings
from gateway.keys import DATABASE
from seatgate_sdk import AsyncDirectoryClient, AsyncEventFeed, AsyncTokenClient, TokenVerifier
from seats import retention
from seats.clock import utcnow
from tests.auth.conftest import new_product_client
from tests.gateway.event_webhooks import create_endpoint
from tests.gateway.gateway_process import gateway_process
from tests.helpers import create_org, scim_headers_for
from tests.scim.support import user_payload

EXAMPLE = Path(__file__).parents[2] / "sdk" / "examples" / "product_sync.py"


@pytest.fixture(scope="module")
def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("product_sync", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def _provision(base: str, scim: dict[str, str], user_name: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base) as http:
        response = await http.post("/scim/v2/Users", json=user_payload(user_name), headers=scim)
    assert response.status_code == 201, response.text
    return response.json()


async def _wait_for(condition: Any, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not within the time limit")


async def test_the_example_product_follows_a_live_gateway(
    client: TestClient, settings: Settings, example: ModuleType, tmp_path: Path
) -> None:
    org = await create_org(client, seat_limit=1)
    org_id = org["id"]
    scim = await scim_headers_for(client, org_id)
    product = await new_product_client(client, org_id)
    webhook_copy = example.Members()
    receiver = None
    async with gateway_process(settings.database_url) as (base, _):
        credentials = (base, product["client_id"], product["client_secret"])
        tokens = AsyncTokenClient(*credentials)
        directory = AsyncDirectoryClient(*credentials)
        feed = AsyncEventFeed(*credentials, page_size=2)
        try:
            receiver = example.WebhookReceiver(webhook_copy)
            endpoint = await create_endpoint(client, receiver.url, org_id=org_id)
            receiver.start(endpoint["secret"])
            ada = await _provision(base, scim, "ada@example.test")
            bob = await _provision(base, scim, "bob@example.test")

            # Sign-in: a token from the live gateway, verified against its JWKS.
            verifier = TokenVerifier(base, "seatgate-product")
            assert (await example.sign_in(tokens, verifier, org_id, "ada@example.test"))[
                "seat_over_limit"
            ] is False
            claims = await example.sign_in(tokens, verifier, org_id, "bob@example.test")
            assert (claims["sub"], claims["seat_over_limit"]) == (bob["id"], True)

            # The feed to its end, two events a page, the cursor saved after each page.
            cursor_file = example.CursorFile(tmp_path / "cursor.txt")
            members = example.Members()
            first_cursor = await example.follow_feed(feed, directory, members, cursor_file, org_id)
            assert cursor_file.load() == first_cursor
            assert members.users == {
                ada["id"]: {"user_name": "ada@example.test", "seat_status": "active"},
                bob["id"]: {"user_name": "bob@example.test", "seat_status": "over_limit"},
            }

            # A later run resumes from the persisted cursor: only what happened since.
            carol = await _provision(base, scim, "carol@example.test")
            handled: list[Any] = []
            resumed = example.Members()
            crash = {"after": 1}

            def crash_once(event: Any) -> None:
                handled.append(event)
                resumed.apply(event)
                if crash["after"] and len(handled) == crash["after"]:
                    crash["after"] = 0
                    raise RuntimeError("the product crashed mid-page")

            with pytest.raises(RuntimeError):
                await feed.consume(
                    crash_once, cursor=cursor_file.load(), save_cursor=cursor_file.save
                )
            assert cursor_file.load() == first_cursor  # the page was not finished
            last = await feed.consume(
                crash_once, cursor=cursor_file.load(), save_cursor=cursor_file.save
            )
            # At least once: the event handled before the crash came again; applied once.
            assert handled[0].id == handled[1].id
            assert [e.type for e in handled[1:3]] == ["member.created", "member.seat_changed"]
            about = {e.data.get("id", e.data.get("member_id")) for e in handled[:3]}
            assert about == {carol["id"]}
            assert len(resumed.applied) == len({e.id for e in handled})
            assert resumed.users == {
                carol["id"]: {"user_name": "carol@example.test", "seat_status": "over_limit"}
            }
            assert cursor_file.load() == last != first_cursor

            # The same events as verified Standard Webhooks deliveries, id for id.
            feed_ids = {e.id for e in handled}
            await _wait_for(lambda: feed_ids <= {e.id for e in receiver.received})
            assert webhook_copy.users[carol["id"]]["seat_status"] == "over_limit"

            # A cursor past retention: 410, and the example resyncs from the directory.
            async with client.app[DATABASE].transaction() as conn:
                await retention.prune(
                    conn, retention=timedelta(days=30), now=utcnow() + timedelta(days=31)
                )
            cursor_file.save(first_cursor)
            fresh = example.Members()
            final = await example.follow_feed(feed, directory, fresh, cursor_file, org_id)
            assert {user["user_name"] for user in fresh.users.values()} == {
                "ada@example.test",
                "bob@example.test",
                "carol@example.test",
            }
            assert cursor_file.load() == final == last

            # And as a script, the way its docstring says to run it.
            script = await asyncio.create_subprocess_exec(
                sys.executable,
                str(EXAMPLE),
                *("--gateway", base, "--org", org_id, "--client-id", product["client_id"]),
                *("--user", "bob@example.test", "--cursor-file", str(tmp_path / "script.txt")),
                env={**os.environ, "SEATGATE_CLIENT_SECRET": product["client_secret"]},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await script.communicate()
            assert script.returncode == 0, err.decode()
            assert out.decode().splitlines() == [
                "bob@example.test: your organization is out of seats; ask an admin to upgrade",
                "signed in bob@example.test: seat status over_limit",
                f"3 members known; the feed is read up to {last}",
            ]
        finally:
            if receiver is not None:
                receiver.stop()
            for api in (tokens, directory, feed):
                await api.aclose()
