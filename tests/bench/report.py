"""The printed report: a table of steps, a table of memory, and the targets with PASS/FAIL.

Everything is a Markdown table, readable in a terminal and pasted as-is into docs/benchmarks.md.
Ratios divide seatgate's figure (or any server's) by the peer's and by the ceiling's: above 1 is
more throughput, or more latency, than theirs.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tests.bench.load import Result
from tests.bench.plan import Plan
from tests.bench.scenario import TargetRun, rows
from tests.bench.targets import LABELS

NA = "n/a"


def _num(value: float | None, digits: int = 1) -> str:
    return NA if value is None else f"{value:,.{digits}f}"


def _ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return NA
    return f"{value / base:.2f}×"


def _throughput(result: Result | None) -> float | None:
    return None if result is None else result.throughput


def _p50(result: Result | None) -> float | None:
    return None if result is None else result.percentile_ms(50)


def _table(header: list[str], lines: Iterable[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |" for line in lines]
    return out


def _notes(result: Result) -> str:
    notes = []
    if result.note:
        notes.append(result.note)
    if result.stopped_by_time:
        notes.append(f"time-capped: {result.ok:,} of {result.planned:,}")
    if result.failures:
        notes.append(f"{result.failures:,} failed, first: {result.first_failure}")
    return "; ".join(notes)


def step_table(plan: Plan, runs: dict[str, TargetRun]) -> list[str]:
    header = ["step", "server", "ok", "c", "req/s", "p50 ms", "p99 ms"]
    header += ["req/s ÷ peer", "req/s ÷ ceiling", "p50 ÷ peer", "p50 ÷ ceiling", "notes"]
    lines = []
    for key, label in rows(plan):
        peer = runs["peer"].results.get(key) if "peer" in runs else None
        ceiling = runs["ceiling"].results.get(key) if "ceiling" in runs else None
        for target, run in runs.items():
            result = run.results.get(key)
            name = LABELS[target]
            if result is None:
                lines.append([label, name, NA, "", NA, NA, NA, NA, NA, NA, NA, ""])
                continue
            thr, p50 = result.throughput, result.percentile_ms(50)
            lines.append(
                [
                    label,
                    name,
                    f"{result.ok:,}",
                    str(result.concurrency),
                    _num(thr, 0),
                    _num(p50, 2),
                    _num(result.percentile_ms(99), 2),
                    _ratio(thr, _throughput(peer)),
                    _ratio(thr, _throughput(ceiling)),
                    _ratio(p50, _p50(peer)),
                    _ratio(p50, _p50(ceiling)),
                    _notes(result) if result.ok else f"error: {result.first_failure}",
                ]
            )
    return _table(header, lines)


def memory_table(runs: dict[str, TargetRun]) -> list[str]:
    def peak(key: str) -> float | None:
        return runs[key].memory.get("peak") if key in runs else None

    lines = []
    for target, run in runs.items():
        start, after = run.memory.get("rss_start"), run.memory.get("rss_after_creates")
        growth = after - start if start is not None and after is not None else None
        lines.append(
            [
                LABELS[target],
                _num(start),
                _num(after),
                _num(growth),
                _num(run.memory.get("peak")),
                _ratio(run.memory.get("peak"), peak("peer")),
                _ratio(run.memory.get("peak"), peak("ceiling")),
                f"error: {run.error}" if run.error else "",
            ]
        )
    header = ["server", "RSS before creates MB", "RSS after creates MB", "growth MB"]
    header += ["peak (VmHWM) MB", "peak ÷ peer", "peak ÷ ceiling", "notes"]
    return _table(header, lines)


@dataclass(frozen=True)
class Target:
    name: str
    goal: str
    measure: Callable[[TargetRun, dict[str, TargetRun]], float | None]
    shown: Callable[[float], str]
    passes: Callable[[float], bool]


def targets(plan: Plan) -> list[Target]:
    at = f"{plan.users:,} users"
    last = f"filter@{plan.checkpoints[-1]}"

    def vs(key: str, base: str, figure: Callable[[Result | None], float | None]):
        def measure(run: TargetRun, runs: dict[str, TargetRun]) -> float | None:
            mine = figure(run.results.get(key))
            theirs = figure(runs[base].results.get(key)) if base in runs else None
            return mine / theirs if mine is not None and theirs else None

        return measure

    def growth(run: TargetRun, runs: dict[str, TargetRun]) -> float | None:
        start, after = run.memory.get("rss_start"), run.memory.get("rss_after_creates")
        return after - start if start is not None and after is not None else None

    def row_p50(key: str):
        return lambda run, runs: _p50(run.results.get(key))

    times = "{:.2f}×".format
    return [
        Target("POST /Users throughput vs peer", "≥ 2×", vs("create", "peer", _throughput),
               times, lambda v: v >= 2),
        Target("POST /Users throughput vs ceiling", "≥ 25%", vs("create", "ceiling", _throughput),
               "{:.0%}".format, lambda v: v >= 0.25),
        Target("list page of 100, p50 vs peer", "≤ 0.25×", vs("list", "peer", _p50),
               times, lambda v: v <= 0.25),
        Target(f"PATCH remove 1 of {plan.group_size:,} members, p50", "< 5 ms",
               row_p50("patch_remove"), "{:.2f} ms".format, lambda v: v < 5),
        Target(f"filter userName eq at {plan.checkpoints[-1]:,} users, p50", "< 3 ms",
               row_p50(last), "{:.2f} ms".format, lambda v: v < 3),
        Target(f"RSS growth over {at} created", "< 50 MB", growth,
               "{:.1f} MB".format, lambda v: v < 50),
    ]  # fmt: skip


def target_table(plan: Plan, runs: dict[str, TargetRun]) -> list[str]:
    lines = []
    for key in ("sqlite", "postgres"):
        if key not in runs:
            continue
        for target in targets(plan):
            value = target.measure(runs[key], runs)
            if value is None:
                lines.append([LABELS[key], target.name, NA, target.goal, "NO DATA"])
            else:
                verdict = "PASS" if target.passes(value) else "FAIL"
                lines.append([LABELS[key], target.name, target.shown(value), target.goal, verdict])
    return _table(["server", "target", "measured", "goal", "result"], lines)


def render(plan: Plan, runs: dict[str, TargetRun], preface: list[str]) -> str:
    out = [*preface, "", "### Steps", "", *step_table(plan, runs)]
    out += ["", "### Server memory", "", *memory_table(runs)]
    out += ["", "### Targets", ""]
    if plan.quick:
        out += [
            f"(--quick run at {plan.users:,} users: the targets are set at 100,000 users and a "
            f"{plan.group_size:,}-member group here is smaller than 10,000; a smoke check only.)",
            "",
        ]
    out += target_table(plan, runs)
    return "\n".join(out)
