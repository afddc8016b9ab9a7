"""Progress of long commands (export, import, billing reconcile, identifiers set-aside): a
rich progress bar on stderr when stderr is a terminal, nothing at all when it is piped or
redirected, so logs and scripts see only the command's own output."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # rich is imported only when a bar is drawn
    from rich.progress import Progress, TaskID


class Ticker:
    """What a job reports its progress to; it does nothing when no bar is drawn."""

    def __init__(self, bar: Progress | None = None, task: TaskID | None = None) -> None:
        self._bar, self._task = bar, task

    def advance(self, steps: int = 1) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task, steps)

    def update(self, done: int, total: int | None) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done, total=total)


@contextmanager
def progress(description: str, total: int | None, stream: TextIO | None = None) -> Iterator[Ticker]:
    """A bar of `total` steps (None: not known yet) drawn on `stream` (stderr) if it is a
    terminal; the bar stays on screen, finished, when the block ends."""
    stream = stream or sys.stderr
    if not stream.isatty():
        yield Ticker()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=Console(file=stream)) as bar:
        yield Ticker(bar, bar.add_task(description, total=total))
