"""Errors the gateway answered, as exceptions carrying its `{"error", "detail"}` body."""

from typing import Any


class SeatgateError(Exception):
    """The gateway answered an error: `status` (HTTP), `error` (its code), `detail`."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(f"{status} {error}: {detail}")
        self.status = status
        self.error = error
        self.detail = detail


class CursorExpired(SeatgateError):
    """The feed no longer holds events after this cursor (410 `cursor_expired`: older than the
    gateway's retention). Resynchronize: read the directory again, then consume the feed from
    the start (cursor None); see docs/sdk.md."""


def error_from(status: int, body: Any, text: str) -> SeatgateError:
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        error, detail = body["error"], str(body.get("detail", ""))
    else:
        error, detail = "http_error", text[:200]
    kind = CursorExpired if status == 410 else SeatgateError
    return kind(status, error, detail)
