"""Benchmark: product tokens issued per second over HTTP, and verifications per second.

Starts a real gateway in a separate process on a loopback port (SQLite in a temporary directory
unless --database-url says otherwise), provisions members through the member service, then:

* issues tokens through POST /auth/v1/tokens with N concurrent HTTP clients,
* introspects a sample of them through POST /auth/v1/introspect,
* verifies them with auth.verify.TokenVerifier (JWKS fetched over HTTP once, then cached).

    python -m tests.bench.bench_tokens [--tokens 3000] [--concurrency 32] [--verifications 20000]
"""

import argparse
import asyncio
import base64
import logging
import multiprocessing
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script: make the repository root importable like `python -m` does.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import aiohttp
from aiohttp import web

from auth.verify import TokenVerifier
from gateway.app import create_app
from gateway.config import Settings
from gateway.migrate import upgrade
from seats.members import create_member
from seats.model import MemberDraft
from seats.storage.database import Database

ADMIN_TOKEN = "bench-admin-token"
MEMBERS = 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _timed(
    count: int, concurrency: int, one: Callable[[int], Awaitable[None]]
) -> tuple[float, list[float]]:
    """Run `one(i)` for i in range(count) on `concurrency` workers; wall time and latencies."""
    latencies: list[float] = []
    next_index = iter(range(count))

    async def worker() -> None:
        for i in next_index:
            started = time.perf_counter()
            await one(i)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


def _row(name: str, count: int, seconds: float, latencies: list[float] | None) -> str:
    if latencies:
        ordered = sorted(latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        lat = f"{p50:8.2f} {p99:8.2f}"
    else:
        lat = f"{'-':>8} {'-':>8}"
    return f"{name:<34} {count:>8} {seconds:>8.2f} {count / seconds:>10.0f} {lat}"


def _serve(settings: Settings) -> None:
    """The gateway under test, in a process of its own so client and server do not share a CPU."""
    logging.basicConfig(level=logging.WARNING)
    web.run_app(
        create_app(settings), host=settings.host, port=settings.port, access_log=None, print=None
    )


async def _wait_until_up(http: aiohttp.ClientSession) -> None:
    for _ in range(200):
        try:
            async with http.get("/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.05)
    raise RuntimeError("the gateway did not start")


async def _add_members(database_url: str, org_id: str) -> None:
    database = Database(database_url)
    try:
        async with database.transaction() as conn:
            for n in range(MEMBERS):
                draft = MemberDraft(user_name=f"user{n}@bench")
                await create_member(conn, org_id, draft, actor="bench")
    finally:
        await database.dispose()


async def run(args: argparse.Namespace, settings: Settings) -> None:
    base = settings.base_url
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    async with aiohttp.ClientSession(base, connector=connector) as http:
        await _wait_until_up(http)
        async with http.post(
            "/admin/v1/orgs", json={"name": "Bench", "seat_limit": MEMBERS // 2}, headers=admin
        ) as response:
            org_id = (await response.json())["id"]
        async with http.post(f"/admin/v1/orgs/{org_id}/clients", headers=admin) as response:
            product = await response.json()
        await _add_members(settings.database_url, org_id)
        credentials = f"{product['client_id']}:{product['client_secret']}"
        headers = {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}
        tokens: list[str] = []

        async def issue(i: int) -> None:
            body = {"org_id": org_id, "user_name": f"user{i % MEMBERS}@bench"}
            async with http.post("/auth/v1/tokens", json=body, headers=headers) as response:
                assert response.status == 200, await response.text()
                tokens.append((await response.json())["access_token"])

        async def introspect(i: int) -> None:
            form = {"token": tokens[i % len(tokens)]}
            async with http.post("/auth/v1/introspect", data=form, headers=headers) as resp:
                assert (await resp.json())["active"] is True

        await _timed(50, args.concurrency, issue)  # warm-up: connections, first key
        tokens.clear()
        issue_time, issue_lat = await _timed(args.tokens, args.concurrency, issue)
        intro_count = max(1, args.tokens // 2)
        intro_time, intro_lat = await _timed(intro_count, args.concurrency, introspect)

    async with TokenVerifier(base, audience=settings.token_audience) as verifier:
        await verifier.verify(tokens[0])  # the one JWKS fetch, over HTTP
        started = time.perf_counter()
        for i in range(args.verifications):
            claims = await verifier.verify(tokens[i % len(tokens)])
            assert claims["org_id"] == org_id
        verify_time = time.perf_counter() - started
        fetches = verifier.fetches

    engine = settings.database_url.split(":", 1)[0]
    print(f"\nseatgate product tokens — {engine}, {args.concurrency} concurrent HTTP clients")
    print(f"{'':<34} {'count':>8} {'seconds':>8} {'per sec':>10} {'p50 ms':>8} {'p99 ms':>8}")
    print(_row("POST /auth/v1/tokens (HTTP)", args.tokens, issue_time, issue_lat))
    print(_row("POST /auth/v1/introspect (HTTP)", intro_count, intro_time, intro_lat))
    print(_row("TokenVerifier.verify (in-process)", args.verifications, verify_time, None))
    print(f"JWKS fetches by the verifier: {fetches}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--verifications", type=int, default=20000)
    parser.add_argument("--database-url", help="default: SQLite in a temporary directory")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        database_url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        upgrade(database_url)
        port = _free_port()
        settings = Settings(
            database_url=database_url,
            host="127.0.0.1",
            port=port,
            admin_token=ADMIN_TOKEN,
            run_worker=False,
        )
        server = multiprocessing.get_context("spawn").Process(target=_serve, args=(settings,))
        server.start()
        try:
            asyncio.run(run(args, settings))
        finally:
            server.terminate()
            server.join(10)


if __name__ == "__main__":
    main()
