"""The gateway's real log handler (gateway/logs.py) writing into memory, for tests that read
the lines a deployment would get."""

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from gateway.config import Settings
from gateway.logs import configure_logging


class CapturedLogs:
    def __init__(self, stream: io.StringIO) -> None:
        self._stream = stream

    @property
    def text(self) -> str:
        return self._stream.getvalue()

    def lines(self, **fields: Any) -> list[dict[str, Any]]:
        """The JSON lines so far that hold every one of `fields`."""
        parsed = [json.loads(line) for line in self.text.splitlines()]
        return [line for line in parsed if all(line.get(k) == v for k, v in fields.items())]

    def one(self, **fields: Any) -> dict[str, Any]:
        found = self.lines(**fields)
        assert len(found) == 1, f"{len(found)} lines hold {fields}:\n{self.text}"
        return found[0]


@contextmanager
def captured_logs(settings: Settings, **overrides: Any) -> Iterator[CapturedLogs]:
    """Configure logging as `seatgate serve` would for `settings`, into memory; undone after."""
    root, gateway = logging.getLogger(), logging.getLogger("seatgate")
    levels = root.level, gateway.level
    stream = io.StringIO()
    handler = configure_logging(settings.replace(**{"log_format": "json", **overrides}), stream)
    try:
        yield CapturedLogs(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        gateway.setLevel(levels[1])
