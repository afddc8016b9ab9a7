"""Check outcomes, the table printed per suite, the closing count line and the exit status.

Every suite, whatever runs it, reduces to a list of `CheckOutcome`s. A skipped check (a feature
the server says it does not serve, or a step whose prerequisite failed) is counted as skipped,
never as passed; only failures make the exit status non-zero.
"""

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class Outcome(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class CheckOutcome:
    suite: str
    name: str
    outcome: Outcome
    # Why it failed or was skipped; for a pass, what was verified (shown with --verbose).
    detail: str = ""


@dataclass(frozen=True)
class Counts:
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    def line(self) -> str:
        """`N passed, M failed` with `, K skipped` only when something was skipped."""
        text = f"{self.passed} passed, {self.failed} failed"
        return f"{text}, {self.skipped} skipped" if self.skipped else text


def count(outcomes: Iterable[CheckOutcome]) -> Counts:
    tally = {outcome: 0 for outcome in Outcome}
    for item in outcomes:
        tally[item.outcome] += 1
    return Counts(tally[Outcome.PASSED], tally[Outcome.FAILED], tally[Outcome.SKIPPED])


def exit_status(outcomes: Iterable[CheckOutcome]) -> int:
    """0 only when no check failed."""
    return 1 if count(outcomes).failed else 0


_MAX_NAME = 120
_MAX_DETAIL = 220


def render_table(suite: str, outcomes: Sequence[CheckOutcome], *, verbose: bool = False) -> str:
    """One suite as a plain-text table: check name, result, and the detail of what went wrong.

    Details are shown for failures and skips; with `verbose`, for passes too, and unabridged.
    """
    rows = [(_clip(o.name, _MAX_NAME), o.outcome.value, _detail(o, verbose)) for o in outcomes]
    width = max([len("check"), *(len(name) for name, _, _ in rows)])
    lines = [f"== {suite} ==", f"{'check':<{width}}  {'result':<7}  detail"]
    lines.append(f"{'-' * width}  {'-' * 7}  {'-' * 6}")
    for name, result, detail in rows:
        lines.append(f"{name:<{width}}  {result:<7}  {detail}".rstrip())
    if not rows:
        lines.append("(no checks ran)")
    lines.append(f"-- {suite}: {count(outcomes).line()}")
    return "\n".join(lines)


def _detail(outcome: CheckOutcome, verbose: bool) -> str:
    if outcome.outcome is Outcome.PASSED and not verbose:
        return ""
    flat = re.sub(r"\s+", " ", outcome.detail).strip()
    return flat if verbose else _clip(flat, _MAX_DETAIL)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
