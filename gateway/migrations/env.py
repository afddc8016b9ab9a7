"""Alembic environment: runs migrations on the async engine named by the configured URL."""

import asyncio

from alembic import context
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine

# auth's tables live with auth's storage, on the same metadata: import them so Alembic sees them.
import auth.storage.tables  # noqa: F401
from seats.storage import (
    connection_telemetry_store,  # noqa: F401  (SCIM connection telemetry's tables)
    deprovision_store,  # noqa: F401  (the mass-deprovisioning guard's tables)
    event_tables,  # noqa: F401  (its tables join the metadata)
    scim_error_store,  # noqa: F401  (the SCIM error log's table)
)
from seats.storage.tables import metadata

config = context.config
# An arbitrary constant naming seatgate's migration lock among PostgreSQL advisory locks.
_MIGRATION_LOCK = 0x5EA7_6A7E


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # SQLite runs DDL in transactions; without this Alembic commits after each migration
        # on SQLite, which would release the write lock below between migrations.
        transactional_ddl=True,
    )
    # Gateway processes started together all migrate on start: the first holds a lock until
    # its migration commits, the others wait for it and then find the schema at head.
    if connection.dialect.name == "sqlite":
        # SQLite's write lock, for the whole migration (the others wait in the busy handler).
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        context.run_migrations()


async def _run_async() -> None:
    engine = create_async_engine(config.get_main_option("sqlalchemy.url"))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
