"""POST /Users before and after a change: two commits' gateways, alternating, in one run.

    python -m tests.bench.compare --before 01ed354 --after HEAD      # ~4-6 min on 2 cores
    python -m tests.bench.compare --before 01ed354 --after HEAD --quick
    python -m tests.bench.compare --before HEAD~1 --after HEAD --engines sqlite --rounds 8
    python -m tests.bench.compare --before HEAD~1 --after HEAD --limited --warm-up 10000

Each commit is checked out into a temporary git worktree (removed at the end) and runs as
`python -m gateway.cli serve` from it, with the same venv (worktrees.py). Per engine, both
gateways start at once, each on a fresh database of its own (a SQLite file; a throwaway
PostgreSQL cluster each, fsync on), set up like the main benchmark (one org without a seat
limit, a SCIM token) and warmed up with unmeasured creates. Then rounds of Okta-shaped POST
/Users at concurrency 16 alternate between them, the order flipping every round (before after,
after before, ...), so a burst of other work on the machine, or the databases' growth, falls on
both sides alike. Both databases hold the same number of users at every round's end.
`--limited` creates into the org with a seat limit (plan.LIMITED_SEATS) instead, where every
create counts the org's seats; `--warm-up` sets how many members it holds before round one.

The table gives each side's req/s and p50 over all its rounds, its req/s round by round, and the
server's CPU time per request (PostgreSQL's own processes not counted), then after ÷ before:
for req/s above 1 is faster, for p50 and CPU below 1 is cheaper.
"""

import argparse
import asyncio
import datetime
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from textwrap import shorten

import aiohttp

from tests.bench import steps
from tests.bench.load import Result
from tests.bench.plan import CREATE_CONCURRENCY, LIMITED_SEATS
from tests.bench.postgres import throwaway_cluster
from tests.bench.servers import ServerProcess, free_port
from tests.bench.targets import Session, add_limited_org, seatgate_env, seatgate_session
from tests.bench.worktrees import Tree, checked_out

log = logging.getLogger("tests.bench.compare")
ENGINES = ("sqlite", "postgres")
SIDES = ("before", "after")
WARM_UP = 200  # unmeasured creates per side before the first round


@dataclass(frozen=True)
class Settings:
    rounds: int
    creates: int  # per side and round
    round_seconds: float  # time limit of one side's creates in one round
    warm_up: int = WARM_UP  # unmeasured creates per side before the first round
    limited: bool = False  # into the org with a seat limit


DEFAULT = Settings(rounds=6, creates=1_500, round_seconds=12)
QUICK = Settings(rounds=2, creates=500, round_seconds=10)


@dataclass
class Side:
    tree: Tree
    rounds: list[Result] = field(default_factory=list)
    warmed: int = 0  # users the warm-up created

    def total(self) -> Result:
        total = Result(planned=0, concurrency=CREATE_CONCURRENCY, server_cpu=0.0)
        for leg in self.rounds:
            total.merge(leg)
        return total


@dataclass
class EngineRun:
    engine: str
    sides: dict[str, Side]
    load: tuple[float, float] = (float("nan"), float("nan"))
    error: str | None = None


@contextmanager
def _gateway(tree: Tree, engine: str, workdir: Path) -> Iterator[ServerProcess]:
    with ExitStack() as stack:
        if engine == "sqlite":
            url = f"sqlite+aiosqlite:///{workdir / f'{tree.name}.db'}"
        else:
            url = stack.enter_context(throwaway_cluster())
        port = free_port()
        argv = [sys.executable, "-m", "gateway.cli", "serve", "--host", "127.0.0.1"]
        argv += ["--port", str(port), "--database-url", url]
        server = ServerProcess(
            f"{engine} {tree.name} {tree.short}",
            argv,
            port=port,
            log_path=workdir / f"{engine}-{tree.name}.log",
            env={**seatgate_env(), **tree.env()},
            cwd=tree.path,
        )
        stack.callback(server.stop)
        yield server


async def _measure_engine(
    engine: str, trees: dict[str, Tree], settings: Settings, workdir: Path
) -> EngineRun:
    run = EngineRun(engine, {name: Side(tree) for name, tree in trees.items()})
    total = settings.warm_up + settings.rounds * settings.creates
    users = {name: steps.Users(total) for name in SIDES}
    with ExitStack() as processes:
        servers = {
            name: processes.enter_context(_gateway(trees[name], engine, workdir)) for name in SIDES
        }
        async with AsyncExitStack() as clients:
            sessions: dict[str, tuple[aiohttp.ClientSession, Session]] = {}
            for name, server in servers.items():
                await server.wait_ready("/healthz")
                session = await seatgate_session(engine, server.base_url)
                if settings.limited:
                    await add_limited_org(session, server.base_url)
                    session = replace(session, scim_headers=session.limited_scim_headers or {})
                if "users" in session.broken:
                    raise RuntimeError(f"{name} {trees[name].short}: {session.broken['users']}")
                session.cpu_clock = server.cpu_seconds
                http = await clients.enter_async_context(
                    aiohttp.ClientSession(
                        server.base_url,
                        connector=aiohttp.TCPConnector(limit=CREATE_CONCURRENCY),
                        timeout=aiohttp.ClientTimeout(total=60),
                    )
                )
                sessions[name] = (http, session)
            for name in SIDES:
                http, session = sessions[name]
                # Time enough for the slowest side: both start round one at the same size.
                seconds = max(60, settings.warm_up / 10)
                warm = await steps.create_users(
                    http, session, users[name], settings.warm_up, seconds
                )
                run.sides[name].warmed = warm.ok
            started_load = os.getloadavg()[0]
            for number in range(settings.rounds):
                order = SIDES if number % 2 == 0 else tuple(reversed(SIDES))
                for name in order:
                    http, session = sessions[name]
                    log.info("%s round %d/%d: %s", engine, number + 1, settings.rounds, name)
                    upto = users[name].attempted + settings.creates
                    leg = await steps.create_users(
                        http, session, users[name], upto, settings.round_seconds
                    )
                    run.sides[name].rounds.append(leg)
            run.load = (started_load, os.getloadavg()[0])
    return run


def _fmt(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _ratio(after: float | None, before: float | None) -> str:
    return "n/a" if after is None or not before else f"{after / before:.2f}x"


def _engine_lines(run: EngineRun) -> list[str]:
    if run.error:
        return [f"| {run.engine} | error | | | | | | | | {run.error} |"]
    totals = {name: side.total() for name, side in run.sides.items()}
    lines = []
    for name, side in run.sides.items():
        total = totals[name]
        by_round = ", ".join(_fmt(leg.throughput, 0) for leg in side.rounds)
        failed = [leg for leg in side.rounds if leg.failures]
        notes = [f"{side.warmed:,} users before round one"]
        notes += [f"{leg.failures:,} failed: {leg.first_failure}" for leg in failed]
        notes += ["time-capped"] if any(leg.stopped_by_time for leg in side.rounds) else []
        lines.append(
            f"| {run.engine} | {name} | {side.tree.short} | {total.ok:,} |"
            f" {_fmt(total.throughput, 0)} | {by_round} | {_fmt(total.percentile_ms(50), 2)} |"
            f" {_fmt(total.percentile_ms(99), 2)} | {_fmt(total.server_cpu_ms, 2)} |"
            f" {'; '.join(notes)[:300]} |"
        )
    before, after = totals["before"], totals["after"]
    pairs = list(zip(run.sides["before"].rounds, run.sides["after"].rounds, strict=True))
    per_round = [a.throughput / b.throughput for b, a in pairs if a.throughput and b.throughput]
    slower = sum(1 for ratio in per_round if ratio < 1)
    spread = f"{min(per_round):.2f}x to {max(per_round):.2f}x" if per_round else "n/a"
    median = f"median {statistics.median(per_round):.2f}x; " if per_round else ""
    lines.append(
        f"| {run.engine} | after ÷ before | | | {_ratio(after.throughput, before.throughput)} |"
        f" {spread} | {_ratio(after.percentile_ms(50), before.percentile_ms(50))} |"
        f" {_ratio(after.percentile_ms(99), before.percentile_ms(99))} |"
        f" {_ratio(after.server_cpu_ms, before.server_cpu_ms)} |"
        f" {median}after slower in {slower} of {len(per_round)} rounds;"
        f" load avg {run.load[0]:.1f} → {run.load[1]:.1f} |"
    )
    return lines


def _subject(tree: Tree) -> str:
    return shorten(tree.subject, 60, placeholder="...")


def report(
    runs: list[EngineRun],
    trees: dict[str, Tree],
    settings: Settings,
    argv: list[str],
    seconds: float,
) -> str:
    day = datetime.date.today().isoformat()
    out = [
        f"## POST /Users before and after, alternating in one run, {day}",
        "",
        f"`{' '.join(['python -m tests.bench.compare', *argv])}` — "
        + "; ".join(f"{name} {tree.short} ({_subject(tree)})" for name, tree in trees.items())
        + f". Per engine: {settings.rounds} rounds of {settings.creates:,} creates per side at "
        f"concurrency {CREATE_CONCURRENCY}, order flipped every round, after "
        f"{settings.warm_up:,} unmeasured creates each"
        + (f", into an org with a seat limit of {LIMITED_SEATS:,}" if settings.limited else "")
        + f"; {os.cpu_count()} CPUs, {seconds:.0f} s in all.",
        "",
        "| engine | side | commit | creates | req/s | req/s by round | p50 ms | p99 ms |"
        " server CPU ms/req | notes |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        out += _engine_lines(run)
    return "\n".join(out)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.compare",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]),
    )
    parser.add_argument("--before", required=True, help="the commit before the change")
    parser.add_argument("--after", default="HEAD", help="the commit with it (default HEAD)")
    parser.add_argument(
        "--engines", default=",".join(ENGINES), help="sqlite,postgres (default both)"
    )
    parser.add_argument("--quick", action="store_true", help="2 rounds of 500 creates")
    parser.add_argument("--rounds", type=int, help=f"default {DEFAULT.rounds}")
    parser.add_argument(
        "--creates", type=int, help=f"per side and round, default {DEFAULT.creates}"
    )
    parser.add_argument(
        "--limited",
        action="store_true",
        help=f"create into an org with a seat limit of {LIMITED_SEATS:,}",
    )
    parser.add_argument(
        "--warm-up", type=int, default=WARM_UP, help=f"creates before round one (default {WARM_UP})"
    )
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    if not engines or set(engines) - set(ENGINES):
        raise SystemExit(f"--engines: choose among {', '.join(ENGINES)}")
    base = QUICK if args.quick else DEFAULT
    settings = Settings(
        args.rounds or base.rounds,
        args.creates or base.creates,
        base.round_seconds,
        warm_up=args.warm_up,
        limited=args.limited,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    started = time.monotonic()
    runs = []
    with tempfile.TemporaryDirectory(prefix="seatgate-compare.") as tmp, ExitStack() as stack:
        trees = {
            name: stack.enter_context(checked_out(name, ref, Path(tmp)))
            for name, ref in (("before", args.before), ("after", args.after))
        }
        for engine in engines:
            workdir = Path(tmp) / f"run-{engine}"
            workdir.mkdir()
            try:
                runs.append(asyncio.run(_measure_engine(engine, trees, settings, workdir)))
            except Exception as exc:  # one engine failing still reports the other
                log.exception("%s failed", engine)
                sides = {name: Side(tree) for name, tree in trees.items()}
                runs.append(EngineRun(engine, sides, error=f"{type(exc).__name__}: {exc}"[:300]))
    text = report(runs, trees, settings, argv, time.monotonic() - started)
    print(text)
    if args.output:
        args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
