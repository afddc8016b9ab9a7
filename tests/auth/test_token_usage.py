"""A SCIM token's last use: written off the request's path, at most once a minute per token."""

from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from auth.scim_tokens import issue_scim_token, list_scim_tokens, revoke_scim_token
from auth.token_usage import TokenUsage
from seats.orgs import create_org
from seats.storage.database import Database


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


async def _last_used(database: Database, org_id: str) -> list[datetime | None]:
    async with database.read() as conn:
        return [t.last_used_at for t in await list_scim_tokens(conn, org_id)]


async def test_a_use_is_written_once_a_minute_per_token(database: Database):
    async with database.transaction() as conn:
        org = await create_org(conn, name="Acme")
        first = await issue_scim_token(conn, org.id, name="okta")
    clock = Clock()
    usage = TokenUsage(database, clock=clock)
    assert await _last_used(database, org.id) == [None]

    usage.seen(first.token)
    await usage.settle()
    (written,) = await _last_used(database, org.id)
    clock.now += 59
    usage.seen(first.token)
    await usage.settle()
    assert await _last_used(database, org.id) == [written]
    clock.now += 2
    usage.seen(first.token)
    await usage.settle()

    (later,) = await _last_used(database, org.id)
    assert written is not None and later is not None and later > written


async def test_a_revoked_tokens_use_is_not_written(database: Database):
    async with database.transaction() as conn:
        org = await create_org(conn, name="Acme")
        issued = await issue_scim_token(conn, org.id)
        await revoke_scim_token(conn, org.id, issued.id)
    usage = TokenUsage(database)

    usage.seen(issued.token)
    await usage.settle()

    assert await _last_used(database, org.id) == [None]
