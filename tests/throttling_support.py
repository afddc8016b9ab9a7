"""What the throttling tests share: HTTP clients that connect from a chosen loopback address,
and a clock the test moves by hand.

The gateway keys failed authentications by the TCP peer address (`request.remote`; it trusts no
forwarding header), so a test shows what one caller's failures do, and do not do, to another by
connecting from two addresses: Linux routes all of 127.0.0.0/8 to the loopback interface.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import ClientSession, TCPConnector
from aiohttp.test_utils import TestClient

ATTACKER_ADDRESS = "127.0.0.2"


@asynccontextmanager
async def client_from(client: TestClient, address: str) -> AsyncIterator[ClientSession]:
    """A session to `client`'s server whose connections leave from `address`."""
    connector = TCPConnector(local_addr=(address, 0))
    async with ClientSession(base_url=str(client.make_url("/")), connector=connector) as session:
        yield session


class ManualClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
