"""The printed report: a table of steps, a table of memory, the event feed, and the targets with
PASS/FAIL.

Everything is a Markdown table, readable in a terminal and pasted as-is into docs/benchmarks.md.
Ratios divide seatgate's figure (or any server's) by the peer's and by the ceiling's: above 1 is
more throughput, or more latency, than theirs.
"""

from collections.abc import Callable, Iterable

from tests.bench import goals
from tests.bench.load import Result
from tests.bench.plan import Plan
from tests.bench.scenario import TargetRun, rows
from tests.bench.targets import LABELS

NA = "n/a"
# Past this share of its wall time on the CPU, the load generator may be what limits a figure.
CLIENT_BUSY = 0.8


def _num(value: float | None, digits: int = 1) -> str:
    return NA if value is None else f"{value:,.{digits}f}"


def _ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return NA
    return f"{value / base:.2f}x"


def _table(header: list[str], lines: Iterable[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |" for line in lines]
    return out


# Rows whose throughput is also divided by another row of the same server (issue 15: the
# deprovisioning rows at least the throughput of the POST /Users of their users, just before
# them; the limited org the same figures as the unlimited one's creates that alternated with
# its own), and that row's label.
_VERSUS = {
    "delete": ("delete_creates", "its users' POST /Users"),
    "deactivate": ("deactivate_creates", "its users' POST /Users"),
    "limited_create": ("unlimited_beside", "the unlimited org beside it"),
}


def _notes(result: Result, versus: Result | None = None, label: str = "") -> str:
    notes = []
    if versus is not None and result.throughput and versus.throughput:
        notes.append(f"req/s ÷ {label}: {result.throughput / versus.throughput:.2f}x")
    if result.note:
        notes.append(result.note)
    if result.stopped_by_time:
        notes.append(f"time-capped: {result.ok:,} of {result.planned:,}")
    if result.failures:
        notes.append(f"{result.failures:,} failed, first: {result.first_failure}")
    if result.client_busy > CLIENT_BUSY:
        notes.append(f"load generator on the CPU {result.client_busy:.0%} of the time")
    return "; ".join(notes)


# Each figure of a step, and whether it is compared with the peer's and the ceiling's.
_FIGURES: list[tuple[str, Callable[[Result], float | None], int]] = [
    ("req/s", lambda r: r.throughput, 0),
    ("p50 ms", lambda r: r.percentile_ms(50), 2),
    ("p99 ms", lambda r: r.percentile_ms(99), 2),
    ("server CPU ms/req", lambda r: r.server_cpu_ms, 2),
]
_COMPARED = ("req/s", "p50 ms", "server CPU ms/req")


def step_table(plan: Plan, runs: dict[str, TargetRun]) -> list[str]:
    header = ["step", "server", "ok", "c", *(name for name, _, _ in _FIGURES)]
    for name in _COMPARED:
        figure = name.split()[0] if name != "server CPU ms/req" else "CPU"
        header += [f"{figure} ÷ peer", f"{figure} ÷ ceiling"]
    header.append("notes")
    figures = {name: figure for name, figure, _ in _FIGURES}
    lines = []
    for key, label in rows(plan):
        bases = [runs[b].results.get(key) if b in runs else None for b in ("peer", "ceiling")]
        for target, run in runs.items():
            result = run.results.get(key)
            line = [label, LABELS[target]]
            if result is None or not result.ok:
                note = "" if result is None else f"error: {result.first_failure}"
                ok = NA if result is None else "0"
                lines.append([*line, ok, "", *[NA] * (len(header) - 5), note])
                continue
            line += [f"{result.ok:,}", str(result.concurrency)]
            line += [_num(figure(result), digits) for _, figure, digits in _FIGURES]
            for name in _COMPARED:
                mine = figures[name](result)
                line += [_ratio(mine, None if b is None else figures[name](b)) for b in bases]
            base, base_label = _VERSUS.get(key, ("", ""))
            line.append(_notes(result, run.results.get(base), base_label))
            lines.append(line)
    return _table(header, lines)


# The rows the durable peer answers, for the table of seatgate against it.
_DURABLE_ROWS = ("create", "delete", "deactivate", "filter", "list")


def durable_peer_table(plan: Plan, runs: dict[str, TargetRun]) -> list[str]:
    """seatgate's figures divided by django-scim2's, a peer that also writes every user to disk."""
    base = runs["django"]
    lines = []
    for key, label in rows(plan):
        if key.split("@")[0] not in _DURABLE_ROWS:
            continue
        theirs = base.results.get(key)
        for target in ("sqlite", "postgres"):
            mine = runs[target].results.get(key) if target in runs else None
            if mine is None:
                continue
            ratios = [
                _ratio(figure(mine), None if theirs is None else figure(theirs))
                for name, figure, _ in _FIGURES
                if name in _COMPARED
            ]
            lines.append([label, LABELS[target], *ratios])
    header = ["step", "server", "req/s ÷ durable peer", "p50 ÷ durable peer"]
    return _table([*header, "CPU ÷ durable peer"], lines)


def memory_table(runs: dict[str, TargetRun]) -> list[str]:
    def peak(key: str) -> float | None:
        return runs[key].memory.get("peak") if key in runs else None

    lines = []
    for target, run in runs.items():
        memory = run.memory
        start, after = memory.get("rss_start"), memory.get("rss_after_creates")
        growth = after - start if start is not None and after is not None else None
        load = f"{_num(memory.get('load_start'))} → {_num(memory.get('load_end'))}"
        lines.append(
            [
                LABELS[target],
                _num(start),
                _num(after),
                _num(growth),
                _num(run.users, 0),
                _num(memory.get("peak")),
                _ratio(memory.get("peak"), peak("peer")),
                _ratio(memory.get("peak"), peak("ceiling")),
                load,
                f"error: {run.error}" if run.error else "",
            ]
        )
    header = ["server", "RSS before creates MB", "RSS after creates MB", "growth MB", "users"]
    header += ["peak (VmHWM) MB", "peak ÷ peer", "peak ÷ ceiling", "load avg", "notes"]
    return _table(header, lines)


def feed_table(runs: dict[str, TargetRun]) -> list[str]:
    """One line per server whose event feed was followed during the creates (feed.py)."""
    lines = []
    for target, run in runs.items():
        feed = run.feed
        if feed is None:
            continue
        pages = feed.as_result()
        catch_up = feed.catch_up_seconds
        lines.append(
            [
                LABELS[target],
                f"{feed.read_during_creates:,}",
                _num(feed.events_per_second, 0),
                f"{len(feed.page_latencies):,}",
                _num(pages.percentile_ms(50), 2),
                _num(pages.percentile_ms(99), 2),
                NA if feed.lag_events is None else f"{feed.lag_events:,}",
                _num(feed.lag_seconds, 2),
                _num(catch_up, 2),
                f"{'yes' if feed.exactly_once else 'NO'} ({feed.seen:,} of {feed.expected:,})",
                "; ".join(feed.problems),
            ]
        )
    header = ["server", "events read during creates", "events/s", "pages", "page p50 ms"]
    header += ["page p99 ms", "lag at end, events", "lag at end, s of writes"]
    header += ["caught up after s", "every event once", "notes"]
    return _table(header, lines)


def render(plan: Plan, runs: dict[str, TargetRun], preface: list[str]) -> str:
    out = [*preface, "", "### Steps", "", *step_table(plan, runs)]
    if "django" in runs and {"sqlite", "postgres"} & set(runs):
        out += ["", "### seatgate ÷ the durable peer", "", *durable_peer_table(plan, runs)]
    out += ["", "### Server memory", "", *memory_table(runs)]
    if any(run.feed is not None for run in runs.values()):
        out += ["", "### Event feed", "", *feed_table(runs)]
    out += ["", "### Targets", ""]
    if plan.quick:
        out += [
            f"(--quick run at {plan.users:,} users: the targets are set at 100,000 users and a "
            f"{plan.group_size:,}-member group here is smaller than 10,000; a smoke check only.)",
            "",
        ]
    out += _table(goals.HEADER, goals.evaluate(plan, runs))
    return "\n".join(out)
