"""Fixtures for the domain tests: a Database on each engine, no HTTP."""

from collections.abc import AsyncIterator

import pytest

from seats.storage.database import Database


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()
