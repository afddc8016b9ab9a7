"""seatgate's product SDK: verify product tokens, ask for them, read the directory, follow the
event feed and verify event webhooks, with only pyjwt[crypto] and httpx (standardwebhooks for
webhooks). It never imports the gateway. docs/sdk.md in the repository shows each in use."""

from seatgate_sdk._version import __version__
from seatgate_sdk.directory import AsyncDirectoryClient, DirectoryClient
from seatgate_sdk.errors import CursorExpired, SeatgateError
from seatgate_sdk.events import Event, EventPage
from seatgate_sdk.feed import AsyncEventFeed, EventFeed
from seatgate_sdk.token_checks import InvalidToken
from seatgate_sdk.tokens import AsyncTokenClient, IssuedToken, TokenClient
from seatgate_sdk.verifier import BlockingTokenVerifier, KeysUnavailable, TokenVerifier
from seatgate_sdk.webhooks import InvalidWebhook, WebhookVerifier

__all__ = [
    "AsyncDirectoryClient",
    "AsyncEventFeed",
    "AsyncTokenClient",
    "BlockingTokenVerifier",
    "CursorExpired",
    "DirectoryClient",
    "Event",
    "EventFeed",
    "EventPage",
    "InvalidToken",
    "InvalidWebhook",
    "IssuedToken",
    "KeysUnavailable",
    "SeatgateError",
    "TokenClient",
    "TokenVerifier",
    "WebhookVerifier",
    "__version__",
]
