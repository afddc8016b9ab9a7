"""The HTTP side shared by the SDK's clients: one httpx client per SDK client (or one passed
in), the product client's Basic credentials, and JSON answers or SeatgateError."""

from typing import Any, Self

import httpx

from seatgate_sdk._version import __version__
from seatgate_sdk.errors import error_from

USER_AGENT = f"seatgate-sdk/{__version__}"


def client_options(
    base_url: str, client_id: str, client_secret: str, timeout_seconds: float
) -> dict[str, Any]:
    return {
        "base_url": base_url.rstrip("/"),
        "auth": httpx.BasicAuth(client_id, client_secret),
        "timeout": timeout_seconds,
        "headers": {"User-Agent": USER_AGENT, "Accept": "application/json"},
    }


def answer(response: httpx.Response) -> Any:
    """The JSON body of a 2xx answer; SeatgateError (CursorExpired for 410) otherwise."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.is_success and body is not None:
        return body
    raise error_from(response.status_code, body, response.text)


class AsyncApi:
    """Base of the async clients: `async with` closes the httpx client it made."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout_seconds: float = 10.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(
            **client_options(base_url, client_id, client_secret, timeout_seconds)
        )

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return answer(await self._http.get(path, params=_present(params)))

    async def _post(self, path: str, body: dict[str, Any], *, form: bool = False) -> Any:
        sent = {"data": body} if form else {"json": body}
        return answer(await self._http.post(path, **sent))

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class Api:
    """Base of the blocking clients: `with` closes the httpx client it made."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout_seconds: float = 10.0,
        http: httpx.Client | None = None,
    ) -> None:
        self._own_http = http is None
        self._http = http or httpx.Client(
            **client_options(base_url, client_id, client_secret, timeout_seconds)
        )

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return answer(self._http.get(path, params=_present(params)))

    def _post(self, path: str, body: dict[str, Any], *, form: bool = False) -> Any:
        sent = {"data": body} if form else {"json": body}
        return answer(self._http.post(path, **sent))

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _present(params: dict[str, Any] | None) -> dict[str, Any]:
    return {name: value for name, value in (params or {}).items() if value is not None}
