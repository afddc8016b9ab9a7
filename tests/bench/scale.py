"""Do reads stay fast as the database grows? seatgate on SQLite with 10,000 users in one org,
then with 1,000,000 users across 1,000 orgs, the same reads measured on both.

    python -m tests.bench.scale                          # 10,000 vs 1,000,000 users (~10 min)
    python -m tests.bench.scale --users 100000 --orgs 100  # a smaller second database

The databases are filled directly through the storage layer (seatgate's own tables and
migrations, rows shaped exactly as `POST /Users` writes them, from one user mapped by the
SCIM layer), because creating a million users over HTTP would take the better part of an hour
and measures the write path, which `python -m tests.bench` already does. The reads go over
HTTP to `seatgate serve`, one request at a time, each for a random user of a random org with
that org's SCIM token (each token used once before the measured requests):

- `GET /Users?filter=userName eq "..."` (Okta's look-up before a create);
- `GET /Users/{id}` (a single resource).

The goal (issue 6): at 1,000,000 users, each p50 within 2x of its figure at 10,000 users.
"""

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from scim2_models import Context

from auth.secrets import digest
from auth.storage.tables import scim_tokens
from gateway.migrate import upgrade
from scim.user_mapping import draft_from_user, user_from_payload
from seats.identifiers import fold
from seats.orgs import create_org
from seats.storage.database import Database
from seats.storage.tables import members
from tests.bench import load
from tests.bench.servers import ServerProcess, free_port
from tests.bench.steps import user_body, user_name
from tests.bench.targets import REPO, seatgate_argv, seatgate_env

REQUESTS = 1000
WARM_UP = 50
BATCH = 5_000
GOAL_RATIO = 2.0


@dataclass
class Loaded:
    """A filled database: per org, its SCIM token and a sample of (member id, userName)."""

    url: str
    users: int
    orgs: int
    seconds: float
    samples: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


def _template() -> dict[str, Any]:
    """The columns `POST /Users` stores for bench user 0, mapped by the SCIM layer itself."""
    user, _ = user_from_payload(json.loads(user_body(0)), Context.RESOURCE_CREATION_REQUEST)
    draft = draft_from_user(user)
    return {"draft": draft, "resource": draft.resource}


def _row(org_id: str, i: int, template: dict[str, Any], now: datetime) -> dict[str, Any]:
    name = user_name(i)
    resource = json.loads(json.dumps(template["resource"]))
    resource.update(
        userName=name,
        externalId=f"00u{i:017d}",
        displayName=f"Given{i} Family{i}",
        name={"givenName": f"Given{i}", "familyName": f"Family{i}"},
        emails=[{"value": name, "type": "work", "primary": True}],
    )
    return {
        "id": f"{i:08d}-0000-4000-8000-{org_id[:12]}",
        "org_id": org_id,
        "user_name": name,
        "user_name_key": fold(name),
        "external_id": resource["externalId"],
        "display_name": resource["displayName"],
        "given_name": f"Given{i}",
        "family_name": f"Family{i}",
        "email": name,
        "email_key": fold(name),
        "user_type": None,
        "active": True,
        "seat_status": "active",
        "exempt": False,
        "over_limit_since": None,
        "seat_since": now,
        "resource": resource,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


async def fill(path: Path, *, users: int, orgs: int) -> Loaded:
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url)
    started = time.perf_counter()
    loaded = Loaded(url=url, users=users, orgs=orgs, seconds=0.0)
    template = _template()
    database = Database(url)
    per_org = users // orgs
    try:
        for n in range(orgs):
            now = datetime.now(UTC)
            async with database.transaction() as conn:
                org = await create_org(conn, name=f"Org {n}")
                token = f"sgscim_bench_{n}"
                await conn.execute(
                    scim_tokens.insert(),
                    {
                        "id": org.id,
                        "org_id": org.id,
                        "name": "bench",
                        "token_hash": digest(token),
                        "created_at": now,
                    },
                )
                first = n * per_org
                rows = [_row(org.id, i, template, now) for i in range(first, first + per_org)]
                for start in range(0, len(rows), BATCH):
                    await conn.execute(members.insert(), rows[start : start + BATCH])
            loaded.tokens[org.id] = token
            picked = random.sample(rows, min(len(rows), 50))
            loaded.samples[org.id] = [(row["id"], row["user_name"]) for row in picked]
            if n % max(orgs // 10, 1) == 0:
                print(f"  org {n + 1}/{orgs} loaded", file=sys.stderr, flush=True)
    finally:
        await database.dispose()
    loaded.seconds = time.perf_counter() - started
    return loaded


async def measure(loaded: Loaded, workdir: Path) -> dict[str, load.Result]:
    port = free_port()
    server = ServerProcess(
        "seatgate/sqlite",
        seatgate_argv(port, loaded.url),
        port=port,
        log_path=workdir / f"server-{loaded.users}.log",
        env=seatgate_env(),
        cwd=REPO,
    )
    try:
        await server.wait_ready("/.well-known/jwks.json")
        rng = random.Random(7)
        picks = [
            (org_id, *rng.choice(loaded.samples[org_id]))
            for org_id in rng.choices(list(loaded.samples), k=REQUESTS + WARM_UP)
        ]
        base = f"http://127.0.0.1:{port}/scim/v2"

        def headers(org_id: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {loaded.tokens[org_id]}"}

        def by_filter(i: int) -> load.Req:
            org_id, _, name = picks[i]
            params = {"filter": f'userName eq "{name}"'}
            return load.Req("GET", f"{base}/Users", params=params, headers=headers(org_id))

        def by_id(i: int) -> load.Req:
            org_id, member_id, _ = picks[i]
            return load.Req("GET", f"{base}/Users/{member_id}", headers=headers(org_id))

        def one_found(i: int, body: Any) -> str | None:
            return None if body.get("totalResults") == 1 else f"totalResults {body}"

        steps = {
            "GET /Users?filter=userName eq": (by_filter, load.expect(200, then=one_found)),
            "GET /Users/{id}": (by_id, load.expect(200)),
        }
        results = {}
        async with aiohttp.ClientSession() as http:
            # Each org's token seen once, as an identity provider's sync session would have
            # (tokens are cached per process, auth/scim_tokens.py): the 10,000-user figure has
            # its one token warm too.
            for org_id in loaded.tokens:
                async with http.get(f"{base}/ServiceProviderConfig", headers=headers(org_id)):
                    pass
            for name, (make, check) in steps.items():
                await load.run(
                    http, count=WARM_UP, concurrency=1, make=make, check=check, time_limit=60
                )
                results[name] = await load.run(
                    http,
                    count=REQUESTS,
                    concurrency=1,
                    make=make,
                    check=check,
                    time_limit=120,
                    first_index=WARM_UP,
                    cpu_clock=server.cpu_seconds,
                )
        return results
    finally:
        server.stop()


def report(
    small: Loaded, big: Loaded, before: dict[str, load.Result], after: dict[str, load.Result]
) -> str:
    def p50(result: load.Result) -> float | None:
        return result.percentile_ms(50)

    lines = [
        f"## seatgate read latency as the database grows, {datetime.now(UTC):%Y-%m-%d}",
        "",
        f"`python -m tests.bench.scale --users {big.users} --orgs {big.orgs}`: seatgate on SQLite,"
        f" {REQUESTS} requests per step, one at a time, a random user of a random org each.",
        "",
        f"| step | p50 ms, {small.users:,} users / {small.orgs} org | p50 ms, {big.users:,} users /"
        f" {big.orgs:,} orgs | p99 ms, {big.users:,} | ratio | goal | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, result in after.items():
        small_p50, big_p50 = p50(before[name]), p50(result)
        failures = before[name].failures + result.failures
        if small_p50 is None or big_p50 is None or failures:
            why = result.first_failure or before[name].first_failure
            lines.append(f"| {name} | | | | | ≤ {GOAL_RATIO:g}x | NO DATA ({failures}: {why}) |")
            continue
        ratio = big_p50 / small_p50
        verdict = "PASS" if ratio <= GOAL_RATIO else "FAIL"
        lines.append(
            f"| {name} | {small_p50:.2f} | {big_p50:.2f} | {result.percentile_ms(99):.2f} |"
            f" {ratio:.2f}x | ≤ {GOAL_RATIO:g}x | {verdict} |"
        )
    lines += [
        "",
        f"Loading: {small.users:,} users in {small.seconds:.0f} s; {big.users:,} users in"
        f" {big.seconds:.0f} s (through the storage layer, in transactions of one org).",
    ]
    return "\n".join(lines)


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.scale", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--users", type=int, default=1_000_000, help="users in the big database")
    parser.add_argument("--orgs", type=int, default=1_000, help="orgs in the big database")
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="seatgate-scale-") as tmp:
        workdir = Path(tmp)
        print("filling 10,000 users", file=sys.stderr, flush=True)
        small = await fill(workdir / "small.db", users=10_000, orgs=1)
        before = await measure(small, workdir)
        print(f"filling {args.users:,} users in {args.orgs:,} orgs", file=sys.stderr, flush=True)
        big = await fill(workdir / "big.db", users=args.users, orgs=args.orgs)
        after = await measure(big, workdir)
    text = report(small, big, before, after)
    print(text)
    if args.output:
        args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
