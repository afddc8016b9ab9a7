"""How the gateway, the worker and the CLI log: one structured line per event, through structlog.

The code logs with the standard library (`logging.getLogger("seatgate....")`), seats/ too,
which keeps the domain free of a logging framework; structlog is the formatter of the one
handler on the root logger, so every line, the gateway's and every library's, passes the same
processors:
- the context bound for the request under way (structlog.contextvars: `request_id`, `route`,
  `org_id` once known; gateway/request_log.py binds them), so a line logged deep in seats/
  carries them;
- `timestamp` (ISO 8601, UTC), `level`, `logger`, `event` (the message), any `extra=` fields;
- the exception, rendered to text;
- redaction (gateway/redaction.py), last before rendering, so nothing skips it;
- JSON, one object per line, or a coloured console rendering for a person at a terminal.

`SEATGATE_LOG_FORMAT` (json|console; default console when stderr is a terminal, else json)
and `SEATGATE_LOG_LEVEL` (debug|info|warning|error; debug for seatgate's own loggers only)
choose.
"""

import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

import structlog

from gateway.config import Settings
from gateway.redaction import Redactor, settings_secrets


class GatewayLogHandler(logging.StreamHandler[TextIO]):
    """The handler `configure_logging` installs (a second call replaces it)."""


def configure_process_logging(settings: Settings) -> None:
    """What a `seatgate` command does first: as `logging.basicConfig`, nothing when the root
    logger already has a handler someone else installed (a test runner, or an application
    that runs a command in its own process and logs its own way)."""
    handlers = logging.getLogger().handlers
    if all(isinstance(handler, GatewayLogHandler) for handler in handlers):
        configure_logging(settings)


def configure_logging(settings: Settings, stream: TextIO | None = None) -> GatewayLogHandler:
    stream = stream if stream is not None else sys.stderr
    handler = GatewayLogHandler(stream)
    handler.setFormatter(_formatter(settings, interactive=_is_terminal(stream)))
    root = logging.getLogger()
    for previous in [h for h in root.handlers if isinstance(h, GatewayLogHandler)]:
        root.removeHandler(previous)
    root.addHandler(handler)
    # Debug is for seatgate's own lines: the libraries' debug output (SQLAlchemy, asyncio,
    # the Stripe SDK) stays off.
    level = logging.getLevelNamesMapping()[settings.log_level.upper()]
    logging.getLogger("seatgate").setLevel(level)
    root.setLevel(max(level, logging.INFO))
    # Alembic announces each of its plugins at INFO on every start; its migrations stay.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    return handler


def _formatter(settings: Settings, *, interactive: bool) -> structlog.stdlib.ProcessorFormatter:
    console = settings.log_format == "console" or (settings.log_format is None and interactive)
    renderer: structlog.typing.Processor = (
        structlog.dev.ConsoleRenderer(
            colors=interactive, exception_formatter=structlog.dev.plain_traceback
        )
        if console
        else structlog.processors.JSONRenderer(default=str)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            _drop_other_formatters_fields,
            _timestamp,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            Redactor(settings_secrets(settings)),
            renderer,
        ],
    )


def _timestamp(
    _logger: object, _method: str, event: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    """ISO 8601 in UTC, of the moment the record was made (structlog's TimeStamper would read
    the clock again, at twice the cost)."""
    created = datetime.fromtimestamp(event["_record"].created, UTC)
    event["timestamp"] = created.isoformat(timespec="microseconds").replace("+00:00", "Z")
    return event


def _drop_other_formatters_fields(
    _logger: object, _method: str, event: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    # Another handler's formatter (pytest's, say) may have run first and left these on the
    # record, where ExtraAdder would take them for `extra=` fields.
    event.pop("message", None)
    event.pop("asctime", None)
    return event


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
