"""Migrations as `seatgate serve` applies them on start, including several processes at once."""

import asyncio
import sys

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.migrate import upgrade_async

UPGRADE = "import sys; from gateway.migrate import upgrade; upgrade(sys.argv[1])"
HEAD = "0014"


async def _version(url: str) -> str:
    engine = create_async_engine(url)
    query = sa.text("SELECT version_num FROM alembic_version")
    try:
        async with engine.connect() as conn:
            return (await conn.execute(query)).scalar_one()
    finally:
        await engine.dispose()


async def _upgrade_in_a_process(url: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        UPGRADE,
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()[-800:]


async def test_gateways_started_together_all_migrate_the_new_database(
    empty_database_url: str,
) -> None:
    finished = await asyncio.gather(*(_upgrade_in_a_process(empty_database_url) for _ in range(3)))
    assert [code for code, _ in finished] == [0, 0, 0], finished
    assert await _version(empty_database_url) == HEAD


async def test_migrating_a_database_at_head_again_changes_nothing(
    empty_database_url: str,
) -> None:
    await upgrade_async(empty_database_url)
    await upgrade_async(empty_database_url)
    assert await _version(empty_database_url) == HEAD
