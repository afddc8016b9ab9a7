"""A full disk under the SQLite database: every write answers 503 with Retry-After (SCIM error
body under /scim/v2), /readyz says not ready, reads keep working; once space is freed the same
gateway process serves writes again, and every user it acknowledged with 201 is there.

The disk is a 16 MiB tmpfs mounted for the test (the suite runs as root). Where mounting is
not permitted, the database's growth is capped with `PRAGMA max_page_count` instead: then only
writes that need new pages fail (a deletion reuses pages), so the test sends large users and
checks deletions and admin writes only on the tmpfs.
"""

import errno
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.app import create_app
from gateway.config import Settings
from gateway.keys import DATABASE
from seats.storage.database import Database
from tests.gateway.storage_outage import assert_json_unavailable, assert_scim_unavailable
from tests.helpers import ADMIN_HEADERS, ADMIN_TOKEN, create_org, scim_headers_for

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
# Big enough to need pages of its own (overflow pages), so the page cap stops it too.
PADDING = "x" * 20_000


class SmallDisk:
    """The directory of a database whose storage the test fills and then frees."""

    every_write_fails = True

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._filler = directory / "filler"

    def fill(self, database: Database) -> None:
        """Take every free block, so each commit (which appends to the WAL) meets ENOSPC."""
        with self._filler.open("wb", buffering=0) as filler:
            for chunk in (1 << 20, 1 << 12, 1):
                try:
                    while True:
                        filler.write(b"\0" * chunk)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC, exc

    def free(self) -> None:
        self._filler.unlink()


class CappedDatabase(SmallDisk):
    """The fallback where mounting is refused: the database may not grow past its size."""

    every_write_fails = False

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self._cap = 1 << 30

    def fill(self, database: Database) -> None:
        path = database.engine.url.database
        with sqlite3.connect(path) as connection:
            self._cap = connection.execute("PRAGMA page_count").fetchone()[0]

        # max_page_count is a per-connection setting, and the writer connection is kept
        # across transactions: every transaction's connection gets the current cap.
        @sa.event.listens_for(database.engine.sync_engine, "begin")
        def _cap_pages(conn: sa.Connection) -> None:
            conn.connection.driver_connection.run_now(f"PRAGMA max_page_count = {self._cap}")

    def free(self) -> None:
        self._cap = 1 << 30


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    directory = tmp_path / "small-disk"
    directory.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(directory)]
    if subprocess.run(mount, capture_output=True).returncode != 0:
        yield CappedDatabase(directory)
        return
    try:
        yield SmallDisk(directory)
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=True)


@pytest.fixture
def small_disk_settings(small_disk: SmallDisk, sqlite_template: Path) -> Settings:
    path = small_disk.directory / "seatgate.db"
    shutil.copyfile(sqlite_template, path)
    return Settings(
        database_url=f"sqlite+aiosqlite:///{path}",
        admin_token=ADMIN_TOKEN,
        public_url="http://127.0.0.1",
        run_worker=False,
        scim_rate_limit_per_second=10_000,
        scim_rate_limit_burst=10_000,
    )


def _user(user_name: str) -> dict[str, Any]:
    return {"schemas": [USER], "userName": user_name, "nickName": PADDING, "active": True}


async def test_a_full_disk_answers_503_until_space_is_freed_and_keeps_every_acknowledged_user(
    aiohttp_client: Any, small_disk: SmallDisk, small_disk_settings: Settings
) -> None:
    app = create_app(small_disk_settings)
    client = await aiohttp_client(app)
    org = await create_org(client)
    scim = await scim_headers_for(client, org["id"])
    acknowledged: dict[str, str] = {}
    for i in range(5):
        response = await client.post(
            "/scim/v2/Users", json=_user(f"before{i}@acme.test"), headers=scim
        )
        assert response.status == 201, await response.text()
        acknowledged[f"before{i}@acme.test"] = (await response.json(content_type=None))["id"]

    small_disk.fill(app[DATABASE])

    await assert_scim_unavailable(
        await client.post("/scim/v2/Users", json=_user("during@acme.test"), headers=scim)
    )
    await assert_json_unavailable(await client.get("/readyz"))
    if small_disk.every_write_fails:
        first = acknowledged["before0@acme.test"]
        await assert_scim_unavailable(await client.delete(f"/scim/v2/Users/{first}", headers=scim))
        await assert_json_unavailable(
            await client.post("/admin/v1/orgs", json={"name": "Initech"}, headers=ADMIN_HEADERS)
        )
    assert (await client.get("/healthz")).status == 200
    listed = await client.get("/scim/v2/Users?count=100", headers=scim)
    assert listed.status == 200
    assert (await listed.json(content_type=None))["totalResults"] == 5

    small_disk.free()

    assert (await client.get("/readyz")).status == 200
    response = await client.post("/scim/v2/Users", json=_user("during@acme.test"), headers=scim)
    assert response.status == 201, await response.text()
    acknowledged["during@acme.test"] = (await response.json(content_type=None))["id"]
    response = await client.delete(
        f"/scim/v2/Users/{acknowledged.pop('before0@acme.test')}", headers=scim
    )
    assert response.status == 204
    response = await client.post("/admin/v1/orgs", json={"name": "Initech"}, headers=ADMIN_HEADERS)
    assert response.status == 201
    for user_name, user_id in acknowledged.items():
        response = await client.get(f"/scim/v2/Users/{user_id}", headers=scim)
        assert response.status == 200, user_name
        assert (await response.json(content_type=None))["userName"] == user_name
    listed = await client.get("/scim/v2/Users?count=100", headers=scim)
    assert (await listed.json(content_type=None))["totalResults"] == len(acknowledged)
