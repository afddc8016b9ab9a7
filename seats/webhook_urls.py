"""Where outgoing webhooks may point: the rule for an org's alert `webhook_url` and for the
product's event endpoint URLs, so that an admin cannot make the gateway send requests into its
own network (loopback services, cloud metadata at 169.254.169.254, private ranges).

Refused unless the deployment opts in (`SEATGATE_ALLOW_PRIVATE_WEBHOOK_URLS`, which the tests
set for their loopback receivers):
- a host that is an IP address not globally reachable (`ipaddress`'s `is_global`: loopback,
  RFC 1918 private, link-local, shared address space, unspecified, reserved, documentation) or
  multicast, IPv4-mapped IPv6 addresses judged as their IPv4 address, and the legacy numeric
  spellings resolvers still accept (`127.1`, `2130706433`, `0x7f.0.0.1`);
- `localhost` and names under it (RFC 6761 §6.3 reserves them for loopback).

Only the URL is judged: a public name that resolves to a private address is not caught here.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from seats.errors import InvalidValue

OPT_IN = "SEATGATE_ALLOW_PRIVATE_WEBHOOK_URLS"


class PrivateWebhookUrl(InvalidValue):
    """A webhook URL names a loopback, private or otherwise non-public host."""

    code = "private_address"


def refuse_private_host(url: str, *, field: str) -> None:
    """Raise `PrivateWebhookUrl` when `url` (already checked to be http(s) with a host) points
    at a host that is not public."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    reason = _why_not_public(host)
    if reason is not None:
        raise PrivateWebhookUrl(
            f"{field} points at {host}, {reason}; webhooks go to public addresses only "
            f"(set {OPT_IN}=true to allow private ones, e.g. for a receiver on this network)"
        )


def _why_not_public(host: str) -> str | None:
    if host == "localhost" or host.endswith(".localhost"):
        return "a loopback name"
    address = _address(host)
    if address is None:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private address"
    if not address.is_global or address.is_multicast:
        return "not a public address"
    return None


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        # inet_aton takes the short and numeric forms getaddrinfo would resolve: 127.1, 0x7f.1.
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None
