"""The runner for IdP request sequences: named steps in order, shared state, clean-up at the end.

A sequence replays what an identity provider sends, step by step. Each step is one named check.
A step that needs something an earlier failed step should have produced (a user's id, say) is
reported as skipped with the reason, so one failure is counted once. Whatever a sequence creates
is tracked and deleted at the end even when steps fail, and names carry a per-run id, so a
sequence can run again and again against the same gateway.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2

from conformance import expect
from conformance.report import CheckOutcome, Outcome
from conformance.session import scim_body


class MissingPrerequisite(Exception):
    """A step needs a value an earlier step did not produce."""


@dataclass
class Run:
    """What the steps of one sequence run share: the client, a run id, state, clean-up list."""

    http: httpx2.Client
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    state: dict[str, Any] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)

    def need(self, key: str) -> Any:
        if key not in self.state:
            raise MissingPrerequisite(key)
        return self.state[key]

    def keep(self, key: str, value: Any) -> None:
        self.state[key] = value

    def track(self, path: str) -> None:
        """Delete `path` when the sequence ends, unless a step deletes it first."""
        self.created.append(path)

    def untrack(self, path: str) -> None:
        if path in self.created:
            self.created.remove(path)

    def get(self, path: str, params: dict[str, Any] | None = None) -> httpx2.Response:
        return self.http.get(path, params=params)

    def send(self, method: str, path: str, payload: Any) -> httpx2.Response:
        return self.http.request(method, path, **scim_body(payload))

    def delete(self, path: str) -> httpx2.Response:
        return self.http.delete(path)


StepFunction = Callable[[Run], str | None]


@dataclass(frozen=True)
class Step:
    name: str
    function: StepFunction


class Sequence:
    """An ordered list of steps; `@sequence.step("name")` adds one."""

    def __init__(self, suite: str) -> None:
        self.suite = suite
        self.steps: list[Step] = []

    def step(self, name: str) -> Callable[[StepFunction], StepFunction]:
        def register(function: StepFunction) -> StepFunction:
            self.steps.append(Step(name, function))
            return function

        return register

    def run(self, http: httpx2.Client, run_id: str | None = None) -> list[CheckOutcome]:
        run = Run(http) if run_id is None else Run(http, run_id)
        outcomes = [self._run_step(step, run) for step in self.steps]
        outcomes.extend(self._clean_up(run))
        return outcomes

    def _run_step(self, step: Step, run: Run) -> CheckOutcome:
        try:
            note = step.function(run)
        except MissingPrerequisite as missing:
            return self._outcome(
                step.name,
                Outcome.SKIPPED,
                f"not run: needs {missing.args[0]!r}, which an earlier step did not produce",
            )
        except expect.CheckFailed as failed:
            return self._outcome(step.name, Outcome.FAILED, str(failed))
        except httpx2.HTTPError as error:
            return self._outcome(step.name, Outcome.FAILED, f"HTTP error: {error!r}")
        except Exception as error:
            return self._outcome(step.name, Outcome.FAILED, f"{type(error).__name__}: {error}")
        return self._outcome(step.name, Outcome.PASSED, note or "")

    def _clean_up(self, run: Run) -> list[CheckOutcome]:
        """Delete what the steps left behind; only a failed deletion shows up as a check."""
        problems = []
        for path in reversed(run.created):
            name = f"clean-up: DELETE {path}"
            try:
                response = run.delete(path)
            except httpx2.HTTPError as error:
                problems.append(self._outcome(name, Outcome.FAILED, f"HTTP error: {error!r}"))
                continue
            if response.status_code not in (200, 204, 404):
                detail = f"HTTP {response.status_code}: {response.text[:300]}"
                problems.append(self._outcome(name, Outcome.FAILED, detail))
        run.created.clear()
        return problems

    def _outcome(self, name: str, outcome: Outcome, detail: str) -> CheckOutcome:
        return CheckOutcome(self.suite, name, outcome, detail)
