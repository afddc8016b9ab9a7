"""Fixtures the gateway tests of event webhooks share: a sender of deliveries and a receiver."""

from collections.abc import AsyncIterator

import aiohttp
import pytest

from gateway.event_delivery import EventPoster
from tests.gateway.alert_receivers import WebhookSink


@pytest.fixture
async def poster() -> AsyncIterator[EventPoster]:
    async with aiohttp.ClientSession() as session:
        yield EventPoster(session, timeout_seconds=5)


@pytest.fixture
async def hook() -> AsyncIterator[WebhookSink]:
    sink = await WebhookSink().start()
    yield sink
    await sink.stop()
