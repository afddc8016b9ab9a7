"""The planners' choice for a storage statement, for tests that hold a hot query to its index."""

from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.storage.database import Database


async def plan_of_last_statement(
    database: Database, run: Callable[[AsyncConnection], Awaitable[Any]]
) -> list[str]:
    """The lines of the query plan of the last statement `run` executes in a read transaction."""
    executed: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        executed.append((statement, parameters))

    async with database.read() as conn:
        if database.is_sqlite:
            # sqlite3 itself tells every statement, those run past SQLAlchemy included
            # (seats/storage/direct_statements.py DirectStatement), with its parameters inlined.
            sqlite = (await conn.get_raw_connection()).driver_connection._conn
            sqlite.set_trace_callback(lambda statement: executed.append((statement, ())))
            try:
                await run(conn)
            finally:
                sqlite.set_trace_callback(None)
            plan = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {executed[-1][0]}")
            return [row[-1] for row in plan]
        sa.event.listen(conn.sync_engine, "before_cursor_execute", keep)
        try:
            await run(conn)
        finally:
            sa.event.remove(conn.sync_engine, "before_cursor_execute", keep)
        statement, parameters = executed[-1]
        # The tables are tiny: only a planner kept off sequential scans shows its choice.
        await conn.exec_driver_sql("SET enable_seqscan = off")
        plan = await conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        await conn.exec_driver_sql("RESET enable_seqscan")
        return [row[0] for row in plan]
