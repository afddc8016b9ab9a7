"""Fixtures for the domain tests: a Database on each engine, no HTTP."""

from collections.abc import AsyncIterator

import pytest

from seats.storage.database import Database


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def gateways(database_url: str) -> AsyncIterator[list[Database]]:
    """Two gateways sharing the database, each with its own engine and pool, as two `seatgate
    serve` processes would have; on SQLite one (its deployments run one gateway process)."""
    first = Database(database_url)
    second = first if first.is_sqlite else Database(database_url)
    yield [first, second]
    for database in {first, second}:
        await database.dispose()
