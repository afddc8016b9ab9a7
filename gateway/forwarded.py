"""The client's address and scheme behind a reverse proxy.

Throttling counts failures per client address (auth/rate_limit.py), and the console's cookie is
`Secure` on https. Behind a proxy every request comes from the proxy's address over plain
http, so the proxy must say who the client was. Only proxies named in
`SEATGATE_TRUSTED_PROXIES` are believed: from anyone else `X-Forwarded-For` is a header any
caller can write, and believing it would let a guesser pick a fresh address per attempt.
"""

import ipaddress
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from gateway.proxy_networks import Network, parse_networks

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def trusted_proxies_middleware(setting: str) -> Handler:
    """The middleware for a `SEATGATE_TRUSTED_PROXIES` value (checked with the settings)."""
    trusted = parse_networks(setting)

    @web.middleware
    async def from_trusted_proxies(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not is_trusted_proxy(request.remote, trusted):
            return await handler(request)
        client = _client_address(request.headers.getall("X-Forwarded-For", []), trusted)
        proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        changes: dict[str, str] = {}
        if client is not None:
            changes["remote"] = client
        if proto in ("http", "https"):
            changes["scheme"] = proto
        return await handler(request.clone(**changes) if changes else request)

    return from_trusted_proxies  # type: ignore[return-value]


def _client_address(headers: list[str], trusted: Sequence[Network]) -> str | None:
    """The right-most address that is not a trusted proxy: each proxy appends the address it
    was reached from, so everything left of the first untrusted hop may be forged."""
    hops = [hop.strip() for header in headers for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return None
        if not is_trusted_proxy(hop, trusted):
            return hop
    return hops[0] if hops else None


def is_trusted_proxy(address: str | None, trusted: Sequence[Network]) -> bool:
    if not address or not trusted:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)
