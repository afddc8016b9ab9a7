"""How POST /Users throughput grows with gateway processes on one PostgreSQL, and whether the
seat invariant holds across them.

    python -m tests.bench.processes                  # 1, 2 and 3 gateways, 3,000 creates each
    python -m tests.bench.processes --max 4 --users 5000
    python -m tests.bench.processes --max 1 --orgs 1 --concurrency 1   # the uncontended hold

For each count N: a throwaway PostgreSQL cluster (fsync on, tests/bench/postgres.py), N
`seatgate serve` processes on it, 8 organizations (`--orgs`) each with a seat limit of a third
of its users, and Okta-shaped POST /Users at concurrency 16 (`--concurrency`) spread over the
orgs and, round-robin, over the N gateways. The table gives the throughput, its ratio to one
gateway, and the seat counts afterwards, summed over the orgs: in every org exactly `limit`
active and the rest over_limit, or the invariant broke. From the gateways' `/metrics` it adds
their CPU per create and how long each create held its org's lock, and ends with the arithmetic
of docs/benchmarks.md ("Scale and processes") worked out from the one-gateway row.

Creates into one organization serialize on its row lock (that is how no two requests can take
the same last seat), so one org's sync does not go faster with more processes; several orgs'
syncs do.

Every process shares this machine's cores with PostgreSQL and with the load generator, so the
ratio says what more processes buy on this machine, not on a server with a core per process.
"""

import argparse
import asyncio
import json
import math
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import aiohttp

from tests.bench import load, server_metrics
from tests.bench.postgres import throwaway_cluster
from tests.bench.servers import ServerProcess, free_port
from tests.bench.steps import user_body
from tests.bench.targets import ADMIN_TOKEN, REPO, seatgate_argv, seatgate_env


@dataclass(frozen=True)
class Shape:
    users: int
    orgs: int = 8
    concurrency: int = 16


ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def _org_and_token(http: aiohttp.ClientSession, base: str, seats: int) -> tuple[str, str]:
    async with http.post(
        f"{base}/admin/v1/orgs", json={"name": "Bench", "seat_limit": seats}, headers=ADMIN
    ) as response:
        org_id = (await response.json())["id"]
    async with http.post(f"{base}/admin/v1/orgs/{org_id}/scim-tokens", headers=ADMIN) as response:
        return org_id, (await response.json())["token"]


async def _seats(http: aiohttp.ClientSession, base: str, org_id: str) -> dict[str, Any]:
    async with http.get(f"{base}/admin/v1/orgs/{org_id}/seats", headers=ADMIN) as response:
        return dict(await response.json())


async def run_with(gateways: int, shape: Shape, workdir: Path) -> dict[str, Any]:
    with ExitStack() as stack:
        url = stack.enter_context(throwaway_cluster())
        servers = []
        for n in range(gateways):
            port = free_port()
            server = ServerProcess(
                f"gateway {n + 1}",
                seatgate_argv(port, url),
                port=port,
                log_path=workdir / f"gateway-{gateways}-{n + 1}.log",
                env=seatgate_env(),
                cwd=REPO,
            )
            stack.callback(server.stop)
            servers.append(server)
        for server in servers:
            await server.wait_ready("/.well-known/jwks.json")
        seats = shape.users // shape.orgs // 3
        async with aiohttp.ClientSession() as http:
            orgs = [
                await _org_and_token(http, servers[0].base_url, seats) for _ in range(shape.orgs)
            ]

            def make(i: int) -> load.Req:
                base = servers[(i // shape.orgs) % gateways].base_url
                headers = {
                    "Authorization": f"Bearer {orgs[i % shape.orgs][1]}",
                    "Content-Type": "application/scim+json",
                }
                return load.Req("POST", f"{base}/scim/v2/Users", user_body(i), headers=headers)

            before = await _snapshot(http, servers)
            result = await load.run(
                http,
                count=shape.users,
                concurrency=shape.concurrency,
                make=make,
                check=load.expect(201),
                time_limit=600,
            )
            spent = await _snapshot(http, servers) - before
            counts = [await _seats(http, servers[0].base_url, org_id) for org_id, _ in orgs]
    return {
        "gateways": gateways,
        "result": result,
        "seats": seats,
        "counts": counts,
        "spent": spent,
    }


async def _snapshot(
    http: aiohttp.ClientSession, servers: list[ServerProcess]
) -> server_metrics.Snapshot:
    """The gateways' CPU and lock-hold histograms, summed over the processes."""
    snapshots = [await server_metrics.scrape(http, server.base_url) for server in servers]
    total = snapshots[0]
    for snapshot in snapshots[1:]:
        total += snapshot
    return total


def report(rows: list[dict[str, Any]], shape: Shape) -> str:
    one = rows[0]["result"].throughput or 0.0
    lines = [
        "## seatgate on PostgreSQL: gateway processes and POST /Users throughput",
        "",
        f"`python -m tests.bench.processes`: {shape.users:,} creates per run at concurrency"
        f" {shape.concurrency}, over {shape.orgs} orgs of seat limit {rows[0]['seats']:,} each,"
        " round-robin over the gateways.",
        "",
        "| gateways | created | req/s | ÷ 1 gateway | p50 ms | p99 ms | gateway CPU ms/create |"
        " lock held p50 ms | lock held mean ms | active | over_limit | invariant |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        result, counts = row["result"], row["counts"]
        active = sum(org["active"] for org in counts)
        over = sum(org["over_limit"] for org in counts)
        holds = all(org["active"] == row["seats"] for org in counts) and over == result.ok - active
        rate = result.throughput or 0.0
        cpu_ms, held_p50_ms, held_mean_ms = _per_create(row["spent"], result.ok)
        lines.append(
            f"| {row['gateways']} | {result.ok:,} | {rate:.0f} | {rate / one:.2f}x |"
            f" {result.percentile_ms(50):.1f} | {result.percentile_ms(99):.1f} | {cpu_ms:.2f} |"
            f" {held_p50_ms:.2f} | {held_mean_ms:.2f} | {active} |"
            f" {over} | {'holds' if holds else 'BROKEN: ' + json.dumps(counts)} |"
        )
    return "\n".join([*lines, "", *arithmetic(rows[0]["spent"], rows[0]["result"].ok)])


def _per_create(spent: server_metrics.Snapshot, created: int) -> tuple[float, float, float]:
    """Gateway CPU per create, the lock-hold p50 and mean, all in ms."""
    mean = spent.held_sum / spent.held_count if spent.held_count else math.nan
    return 1000 * spent.cpu_seconds / max(created, 1), 1000 * spent.held_quantile(0.5), 1000 * mean


def arithmetic(spent: server_metrics.Snapshot, created: int) -> list[str]:
    """docs/benchmarks.md's arithmetic from one gateway's figures: cores for a rate across many
    orgs (CPU per create), and one org's ceiling (the lock serializes its creates)."""
    cpu_ms, held_p50_ms, held_mean_ms = _per_create(spent, created)
    cores = ", ".join(f"{rate:,}/s: {rate * cpu_ms / 1000:.1f}" for rate in (1_000, 10_000))
    return [
        f"One gateway: C = {cpu_ms:.2f} ms of gateway CPU per create, so 1000 / C ="
        f" {1000 / cpu_ms:.0f} creates/s per core; gateway cores (processes) = rate x C / 1000"
        f" for many orgs: {cores} (PostgreSQL's own CPU not included).",
        f"One org: its creates queue on the org lock, held {held_p50_ms:.2f} ms p50"
        f" ({held_mean_ms:.2f} ms mean): ceiling 1 / hold = {1000 / held_mean_ms:.0f} creates/s"
        " (by the mean), whatever the number of processes.",
    ]


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.processes", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--max", type=int, default=3, help="most gateway processes (default 3)")
    parser.add_argument("--users", type=int, default=3000, help="creates per run")
    parser.add_argument("--orgs", type=int, default=8, help="organizations (default 8)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    shape = Shape(args.users, args.orgs, args.concurrency)
    rows = []
    with TemporaryDirectory(prefix="seatgate-processes-") as tmp:
        for gateways in range(1, args.max + 1):
            print(f"{gateways} gateway(s)", file=sys.stderr, flush=True)
            rows.append(await run_with(gateways, shape, Path(tmp)))
    text = report(rows, shape)
    print(text)
    if args.output:
        args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
