"""The HTTP side of a conformance run: an httpx2 client aimed at one SCIM base URL and token.

Both the third-party suite (through scim2-client's httpx2 engine) and the IdP sequences send
their requests through `http_client`, so both behave like a real IdP towards throttling: a
`429 Too Many Requests` is retried after its `Retry-After` delay (Okta and Entra both back off on
429), a bounded number of times.
"""

import json
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

import httpx2

SCIM_JSON = "application/scim+json"

_MAX_RETRIES = 5
_MAX_WAIT_SECONDS = 10.0


class ThrottleRetryTransport(httpx2.BaseTransport):
    """Wraps a transport; answers 429 by waiting `Retry-After` seconds and sending again."""

    def __init__(
        self, inner: httpx2.BaseTransport, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._inner = inner
        self._sleep = sleep
        self.throttled = 0

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        for _ in range(_MAX_RETRIES):
            response = self._inner.handle_request(request)
            if response.status_code != 429:
                return response
            self.throttled += 1
            response.read()
            response.close()
            self._sleep(_retry_after(response.headers.get("Retry-After")))
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def _retry_after(header: str | None) -> float:
    try:
        return min(max(float(header or 1), 0.0), _MAX_WAIT_SECONDS)
    except ValueError:
        return 1.0


def http_client(
    base_url: str,
    token: str,
    *,
    verbose: bool = False,
    transport: httpx2.BaseTransport | None = None,
    log: TextIO = sys.stderr,
) -> httpx2.Client:
    """An httpx2 client for `base_url` (paths like "/Users" resolve under it) with the bearer."""
    hooks: dict[str, list[Any]] = {}
    if verbose:
        hooks = {"response": [lambda response: _log_exchange(response, log)]}
    return httpx2.Client(
        base_url=base_url.rstrip("/") + "/",
        headers={"Authorization": f"Bearer {token}", "Accept": SCIM_JSON},
        timeout=30.0,
        transport=ThrottleRetryTransport(transport or httpx2.HTTPTransport()),
        event_hooks=hooks,
    )


def _log_exchange(response: httpx2.Response, log: TextIO) -> None:
    response.read()
    request = response.request
    print(f"  -> {request.method} {request.url}", file=log)
    if request.content:
        print(f"     {request.content.decode(errors='replace')[:600]}", file=log)
    print(f"  <- {response.status_code} {response.text[:600]}", file=log)


def scim_body(payload: Any) -> dict[str, Any]:
    """Request arguments that send `payload` as a SCIM JSON body, as both IdPs do."""
    return {"content": json.dumps(payload), "headers": {"Content-Type": SCIM_JSON}}
