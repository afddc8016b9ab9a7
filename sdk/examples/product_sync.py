"""A product's backend on seatgate-sdk alone: sign a member in (ask for a token, verify it,
show the upgrade prompt beyond the seat limit), keep a copy of the directory current from the
event feed with the cursor kept in a file between runs, resync when the cursor has expired, and
take Standard Webhooks deliveries of the same events.

    pip install './sdk[webhooks]'
    python sdk/examples/product_sync.py --gateway http://127.0.0.1:8000 --org "$ORG" \\
        --client-id "$CLIENT_ID" --user ada@example.com --cursor-file cursor.txt
    # with SEATGATE_CLIENT_SECRET set; add --webhook-port 8090 --webhook-secret whsec_... to
    # receive webhooks and poll the feed until interrupted

tests/sdk/test_sdk_example.py runs it against a live gateway on SQLite and PostgreSQL.
"""

import argparse
import asyncio
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from seatgate_sdk import (
    AsyncDirectoryClient,
    AsyncEventFeed,
    AsyncTokenClient,
    CursorExpired,
    Event,
    InvalidWebhook,
    TokenVerifier,
    WebhookVerifier,
)


class CursorFile:
    """Where the feed's cursor waits between runs; written whole or not at all."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> str | None:
        if not self.path.exists():
            return None  # the first run: from the oldest event kept
        return self.path.read_text().strip() or None

    def save(self, cursor: str) -> None:
        partial = self.path.with_suffix(".partial")
        partial.write_text(cursor)
        partial.replace(self.path)


class Members:
    """The product's copy of an org's users and their seat status. Events arrive at least once
    (a feed page replayed after a crash, a webhook retried, both channels at once), so each is
    applied once per id; a real product records the applied ids in the same transaction as the
    change they make."""

    def __init__(self) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.applied: set[str] = set()
        self._lock = threading.Lock()

    def apply(self, event: Event) -> None:
        with self._lock:
            if event.id in self.applied:
                return
            data = event.data
            if event.type in ("member.created", "member.updated"):
                self.users[data["id"]] = {
                    "user_name": data["user_name"],
                    "seat_status": data["seat_status"],
                }
            elif event.type == "member.deleted":
                self.users.pop(data["id"], None)
            elif event.type == "member.seat_changed" and data["member_id"] in self.users:
                self.users[data["member_id"]]["seat_status"] = data["seat_status"]
            self.applied.add(event.id)

    def replace(self, users: list[dict[str, Any]]) -> None:
        with self._lock:
            self.users = {
                user["id"]: {"user_name": user["user_name"], "seat_status": user["seat_status"]}
                for user in users
            }


async def sign_in(
    tokens: AsyncTokenClient, verifier: TokenVerifier, org_id: str, user_name: str
) -> dict[str, Any]:
    """What the product does at sign-in: a token from seatgate, checked as on every request."""
    issued = await tokens.issue(org_id, user_name=user_name)
    claims = await verifier.verify(issued.access_token)
    if claims["seat_over_limit"]:
        # The member is in, beyond the seat limit: the product decides what they may do.
        print(f"{claims['user_name']}: your organization is out of seats; ask an admin to upgrade")
    return claims


async def resync(directory: AsyncDirectoryClient, members: Members, org_id: str) -> None:
    members.replace([user async for user in directory.users(org_id)])


async def follow_feed(
    feed: AsyncEventFeed,
    directory: AsyncDirectoryClient,
    members: Members,
    cursor_file: CursorFile,
    org_id: str,
    *,
    follow: bool = False,
) -> str:
    """Apply every event after the saved cursor, saving it after each page. The first run (no
    cursor yet), or a cursor past the gateway's retention (410): read the directory, then replay
    the feed from its start; events the fresh copy already shows change nothing, so it ends at
    the present state."""
    cursor = cursor_file.load()
    if cursor is not None:
        try:
            return await feed.consume(
                members.apply, cursor=cursor, save_cursor=cursor_file.save, follow=follow
            )
        except CursorExpired:
            pass
    await resync(directory, members, org_id)
    return await feed.consume(
        members.apply, cursor=None, save_cursor=cursor_file.save, follow=follow
    )


class WebhookReceiver:
    """POST /hooks/seatgate: verified per Standard Webhooks, then applied like a feed event."""

    def __init__(self, members: Members, port: int = 0) -> None:
        self.received: list[Event] = []
        self._verifier: WebhookVerifier | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    assert receiver._verifier is not None, "start() gives the secret"
                    event = receiver._verifier.verify(body, dict(self.headers.items()))
                except InvalidWebhook:
                    self.send_response(400)
                else:
                    receiver.received.append(event)
                    members.apply(event)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/seatgate"

    def start(self, secret: str) -> "WebhookReceiver":
        """Accept deliveries signed with the endpoint's secret (`whsec_...`)."""
        self._verifier = WebhookVerifier(secret)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


async def main() -> None:
    parser = argparse.ArgumentParser(description="an example product backend on seatgate-sdk")
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument("--org", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--user", required=True, help="the userName of a member to sign in")
    parser.add_argument("--audience", default="seatgate-product", help="SEATGATE_TOKEN_AUDIENCE")
    parser.add_argument("--cursor-file", type=Path, default=Path("seatgate-cursor.txt"))
    parser.add_argument("--webhook-port", type=int)
    parser.add_argument("--webhook-secret", default=os.environ.get("SEATGATE_WEBHOOK_SECRET"))
    args = parser.parse_args()
    credentials = (args.gateway, args.client_id, os.environ["SEATGATE_CLIENT_SECRET"])
    members = Members()
    async with (
        AsyncTokenClient(*credentials) as tokens,
        AsyncDirectoryClient(*credentials) as directory,
        AsyncEventFeed(*credentials, org_id=args.org) as feed,
    ):
        verifier = TokenVerifier(args.gateway, args.audience)
        claims = await sign_in(tokens, verifier, args.org, args.user)
        print(f"signed in {claims['user_name']}: seat status {claims['seat_status']}")
        receiver = None
        if args.webhook_port is not None:
            receiver = WebhookReceiver(members, args.webhook_port).start(args.webhook_secret)
            print(f"receiving webhooks at {receiver.url}")
        cursor_file = CursorFile(args.cursor_file)
        cursor = await follow_feed(
            feed, directory, members, cursor_file, args.org, follow=receiver is not None
        )
        print(f"{len(members.users)} members known; the feed is read up to {cursor}")


if __name__ == "__main__":
    asyncio.run(main())
