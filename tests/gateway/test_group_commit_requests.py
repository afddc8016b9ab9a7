"""Concurrent SCIM creates through the gateway share the SQLite group commit's fsyncs
(seats/storage/group_commit.py), off the event loop.

Statements run inline (seats/storage/inline_sqlite.py), so a create runs from its request to
its COMMIT without yielding: the requests that arrived meanwhile have not started when it
commits. Counting only started requests, every commit looked alone and fsynced on the loop,
one fsync per create, and the loop served nothing during each."""

import asyncio
import os
import threading
from typing import Any

import pytest

from tests.scim.support import user_payload

CREATES = 32


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_concurrent_creates_share_fsyncs_on_a_worker_thread(
    client: Any, scim: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    on_the_loop = elsewhere = 0
    loop_thread = threading.get_ident()
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        nonlocal on_the_loop, elsewhere
        if threading.get_ident() == loop_thread:
            on_the_loop += 1
        else:
            elsewhere += 1
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)

    async def create(n: int) -> int:
        response = await client.post(
            "/scim/v2/Users", json=user_payload(f"user{n}@example.test"), headers=scim
        )
        return response.status

    statuses = await asyncio.gather(*(create(n) for n in range(CREATES)))
    assert statuses == [201] * CREATES
    # Every create was covered by an fsync, far fewer than one each, nearly all off the loop.
    assert 1 <= on_the_loop + elsewhere < CREATES / 2
    assert on_the_loop <= 2
