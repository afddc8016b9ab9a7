"""What the migration tests ask of a database's schema after an upgrade or a downgrade."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection


async def column_names(conn: AsyncConnection, table: str) -> set[str]:
    """The names of `table`'s columns as the database has them now."""
    return await conn.run_sync(
        lambda sync: {column["name"] for column in sa.inspect(sync).get_columns(table)}
    )
