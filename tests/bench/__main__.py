"""seatgate against the reference peer and the framework's ceiling, side by side, on loopback.

    python -m tests.bench              # the full run: 100,000 users per server (~20 min, 2 cores)
    python -m tests.bench --quick      # a smoke run: 1,000 users per server (several minutes)
    python -m tests.bench --targets sqlite,peer --users 20000
    python -m tests.bench --no-feed    # POST /Users without the event-feed consumer alongside

Servers (one at a time, each in its own process on a free 127.0.0.1 port): seatgate on SQLite
(`sqlite`), seatgate on a throwaway PostgreSQL cluster (`postgres`), scim2-server under uvicorn
(`peer`), django-scim2 on SQLite under gunicorn (`django`, the durable peer), a bare
aiohttp handler (`ceiling`). docs/benchmarks.md explains every row.
"""

import argparse
import asyncio
import datetime
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from tests.bench import scenario
from tests.bench.plan import CREATE_CONCURRENCY, Plan, plan_for
from tests.bench.report import render
from tests.bench.targets import LABELS, TARGETS

log = logging.getLogger("tests.bench")


def _targets(value: str) -> list[str]:
    chosen = [name.strip() for name in value.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(TARGETS))
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose among {', '.join(TARGETS)}; got {value!r}")
    return [name for name in TARGETS if name in chosen]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]),
    )
    parser.add_argument("--quick", action="store_true", help="small smoke run (1,000 users)")
    parser.add_argument("--users", type=int, help="users created per server (default 100,000)")
    parser.add_argument(
        "--create-seconds",
        type=float,
        help="time limit for all POST /Users on one server (default 150; --quick 30)",
    )
    parser.add_argument(
        "--targets",
        type=_targets,
        default=list(TARGETS),
        help=f"comma-separated servers to measure (default all: {','.join(TARGETS)})",
    )
    parser.add_argument(
        "--no-feed",
        action="store_true",
        help="no consumer follows seatgate's event feed during POST /Users (as before the feed)",
    )
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    parser.add_argument("--keep-logs", type=Path, help="copy the servers' logs to this directory")
    return parser


def _measuring_args(argv: list[str]) -> list[str]:
    """The command line without the options that only say where output goes."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--output", "--keep-logs"):
            skip = True
        elif not arg.startswith(("--output=", "--keep-logs=")):
            kept.append(arg)
    return kept


def _preface(plan: Plan, argv: list[str], chosen: list[str], seconds: float) -> list[str]:
    day = datetime.date.today().isoformat()
    return [
        f"## seatgate benchmark, {day}",
        "",
        f"`{' '.join(['python -m tests.bench', *_measuring_args(argv)])}` — "
        f"{plan.users:,} users per server, POST /Users at concurrency {CREATE_CONCURRENCY}, "
        f"latency steps one request at a time; "
        f"{'one consumer following the event feed during POST /Users; ' if plan.feed else ''}"
        f"{os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {seconds:.0f} s in all. "
        f"Servers: {', '.join(LABELS[key] for key in chosen)}.",
    ]


async def _run(plan: Plan, chosen: list[str], workdir: Path) -> dict[str, scenario.TargetRun]:
    runs = {}
    for key in chosen:
        log.info("== %s", LABELS[key])
        target_dir = workdir / key
        target_dir.mkdir()
        runs[key] = await scenario.measure(key, target_dir, plan)
    return runs


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    if args.users is not None and args.users < 1:
        raise SystemExit("--users must be at least 1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    plan = plan_for(
        quick=args.quick,
        users=args.users,
        create_seconds=args.create_seconds,
        feed=not args.no_feed,
    )
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="seatgate-bench.") as tmp:
        runs = asyncio.run(_run(plan, args.targets, Path(tmp)))
        if args.keep_logs:
            args.keep_logs.mkdir(parents=True, exist_ok=True)
            for log_file in Path(tmp).glob("*/*.log"):
                (args.keep_logs / log_file.name).write_bytes(log_file.read_bytes())
    text = render(plan, runs, _preface(plan, argv, args.targets, time.monotonic() - started))
    print(text)
    if args.output:
        args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
