"""A seats.query `ListQuery` run against one table of an organization: the page, the count,
and the sort value keyset paging resumes after.

Sorting puts rows without a value last ascending and first descending, on both engines
(RFC 7644 §3.4.2.3; SQLite alone would put NULL first ascending), and always ends on
(created_at, id), so every order is total and a keyset position names one place in it.
"""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.query import Condition, ListQuery, Position, Sort
from seats.storage.filter_sql import Target, condition_sql, sort_sql

Row = TypeVar("Row")


def _where(target: Target, org_id: str, condition: Condition | None) -> sa.ColumnElement[bool]:
    scoped = target.table.c.org_id == org_id
    if target.scope is not None:
        scoped = sa.and_(scoped, target.scope)
    return scoped if condition is None else sa.and_(scoped, condition_sql(target, condition))


def _nullable(target: Target, sort: Sort) -> bool:
    """Whether rows can lack the sort value. A NOT NULL column's order needs no "missing
    last" term, which would keep the planner from walking the column's index in order."""
    promoted = target.fields.get(sort.attribute)
    if promoted is None:
        return True
    if promoted.nullable is not None:
        return promoted.nullable
    return bool(getattr(promoted.expression, "nullable", True))


def _order_by(key: sa.ColumnElement[Any] | None, sort: Sort | None, nullable: bool) -> list[Any]:
    if key is None or sort is None:
        return []
    if not nullable:
        return [key.desc() if sort.descending else key.asc()]
    missing = sa.case((key.is_(None), 1), else_=0)
    if sort.descending:
        return [missing.desc(), key.desc()]
    return [missing.asc(), key.asc()]


def _after(
    target: Target,
    position: Position,
    key: sa.ColumnElement[Any] | None,
    descending: bool,
    nullable: bool,
) -> sa.ColumnElement[bool]:
    """The rows that follow `position` in `_order_by` + (created_at, id) order."""
    created_at, row_id = target.table.c.created_at, target.table.c.id
    tail = sa.or_(
        created_at > position.created_at,
        sa.and_(created_at == position.created_at, row_id > position.id),
    )
    if key is None:
        return tail
    value = position.sort_value
    if value is None:
        # Rows without a value come last ascending, first descending.
        same_group = sa.and_(key.is_(None), tail)
        return same_group if not descending else sa.or_(same_group, key.is_not(None))
    beyond = key < value if descending else key > value
    following = sa.or_(beyond, sa.and_(key == value, tail))
    return following if descending or not nullable else sa.or_(following, key.is_(None))


async def count_rows(
    conn: AsyncConnection, target: Target, org_id: str, condition: Condition | None
) -> int:
    query = sa.select(sa.func.count()).select_from(target.table)
    return (await conn.execute(query.where(_where(target, org_id, condition)))).scalar_one()


async def list_rows(
    conn: AsyncConnection,
    target: Target,
    org_id: str,
    query: ListQuery,
    to_domain: Callable[[Mapping[str, Any]], Row],
) -> tuple[int | None, list[Row]]:
    """The page `query` asks for, and the number of rows meeting its condition when
    `query.with_total`."""
    total = None
    if query.with_total:
        total = await count_rows(conn, target, org_id, query.condition)
    table = target.table
    key = sort_sql(target, query.sort) if query.sort is not None else None
    nullable = query.sort is None or _nullable(target, query.sort)
    where = _where(target, org_id, query.condition)
    if query.after is not None:
        descending = query.sort is not None and query.sort.descending
        where = sa.and_(where, _after(target, query.after, key, descending, nullable))
    statement = (
        sa.select(table)
        .where(where)
        .order_by(*_order_by(key, query.sort, nullable), table.c.created_at, table.c.id)
        .offset(query.offset)
    )
    if query.limit is not None:
        statement = statement.limit(query.limit)
    rows = (await conn.execute(statement)).mappings().all()
    return total, [to_domain(row) for row in rows]


async def sort_value(
    conn: AsyncConnection, target: Target, org_id: str, row_id: str, sort: Sort
) -> Any:
    """The value `sort` orders one row by: a keyset `Position` resumes after it. None when
    the row is gone or has no value."""
    table = target.table
    query = sa.select(sort_sql(target, sort)).where(table.c.org_id == org_id, table.c.id == row_id)
    return (await conn.execute(query)).scalar_one_or_none()
