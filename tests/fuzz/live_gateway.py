"""The real gateway app behind an aiohttp test client, driven from synchronous hypothesis tests.

Hypothesis runs each example as a plain function call, so the app lives on an event loop of
its own thread and every request is handed to that loop: one app, one database and one set of
credentials per test, every example against them.
"""

import asyncio
import json
import threading
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from aiohttp.test_utils import TestClient, TestServer

from auth.storage.tables import product_clients, scim_tokens
from gateway.app import create_app
from gateway.config import Settings
from gateway.keys import DATABASE
from seats.storage.event_tables import event_endpoints, events
from seats.storage.tables import (
    alerts,
    audit_log,
    capacity_changes,
    group_members,
    groups,
    invites,
    members,
    orgs,
    outbox,
    seat_ledger,
)

T = TypeVar("T")
SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
# What a refused request must leave as it was. The SCIM error log is left out: recording a
# refused request there is its job.
COUNTED_TABLES = (
    orgs,
    members,
    groups,
    group_members,
    seat_ledger,
    events,
    invites,
    alerts,
    outbox,
    capacity_changes,
    audit_log,
    product_clients,
    scim_tokens,
    event_endpoints,
)


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class LiveGateway:
    def __init__(self, settings: Settings) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.client: TestClient = self.run(self._start(settings))

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=120)

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
    ) -> Answer:
        return self.run(self._request(method, path, headers, params, body, json_body, form))

    def counts(self) -> dict[str, int]:
        return self.run(self._counts())

    def close(self) -> None:
        self.run(self.client.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()

    async def _start(self, settings: Settings) -> TestClient:
        client = TestClient(TestServer(create_app(settings)))
        await client.start_server()
        return client

    async def _request(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str] | None,
        params: Mapping[str, str] | None,
        body: bytes | None,
        json_body: Any,
        form: Mapping[str, str] | None,
    ) -> Answer:
        data: Any = body
        headers = dict(headers or {})
        if json_body is not None:
            # NaN and Infinity are written as such: not JSON, which is the point.
            data = json.dumps(json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif form is not None:
            data = dict(form)
        async with self.client.request(
            method, path, headers=headers, params=params, data=data
        ) as response:
            return Answer(response.status, response.content_type, await response.read())

    async def _counts(self) -> dict[str, int]:
        async with self.client.app[DATABASE].read() as conn:
            row = (
                await conn.execute(
                    sa.select(
                        *(
                            sa.select(sa.func.count())
                            .select_from(table)
                            .scalar_subquery()
                            .label(table.name)
                            for table in COUNTED_TABLES
                        )
                    )
                )
            ).one()
        return dict(row._mapping)


def assert_scim_error(answer: Answer) -> None:
    """RFC 7644 §3.12: a SCIM error body, its `status` the HTTP status as a string."""
    assert answer.status < 500, answer
    assert answer.content_type == "application/scim+json", answer
    body = answer.json()
    assert SCIM_ERROR_SCHEMA in body["schemas"], body
    assert body["status"] == str(answer.status), body


def assert_json_error(answer: Answer) -> None:
    """The gateway's JSON error outside SCIM: {"error": code, "detail": sentence}."""
    assert answer.status < 500, answer
    assert answer.content_type == "application/json", answer
    body = answer.json()
    assert isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("detail"), str) and body["detail"], body
