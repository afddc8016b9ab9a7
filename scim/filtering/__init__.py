"""SCIM filtering and sorting of Users and Groups, translated into SQLAlchemy expressions.

`user_filter` / `group_filter` turn a `filter` (RFC 7644 §3.4.2.2) into a condition over the
`members` / `groups` table; `user_sort` / `group_sort` turn a `sortBy` (RFC 7644 §3.4.2.3) into
a sort key. The caller scopes to its organization, applies `sortOrder` (`sort_clause` puts
missing values where the RFC wants them) and breaks ties with `id`:

    where = sa.and_(members.c.org_id == org_id, user_filter('userName eq "bjensen"'))
    order = [sort_clause(user_sort("name.familyName"), descending=False), members.c.id]

Bad input raises a scim2-models `SCIMException`: `InvalidFilterException` (400 invalidFilter)
for filters, `InvalidValueException` (400 invalidValue) for sortBy. Nothing else is raised for
any filter text, and the expressions run on SQLite and PostgreSQL alike.

Modules: `visitor` (the FilterVisitor), `storage` (which attribute lives in which column or
JSON key), `operands` (what each operator means on one value), `sql` (the per-engine JSON SQL),
`sorting`.
"""

from typing import Any

import sqlalchemy as sa

from scim.filtering.sorting import sort_clause, sort_key
from scim.filtering.storage import GROUPS, USERS
from scim.filtering.visitor import translate

__all__ = ["group_filter", "group_sort", "sort_clause", "user_filter", "user_sort"]


def user_filter(filter_text: str) -> sa.ColumnElement[bool]:
    """The condition on `members` that selects the Users matching `filter_text`."""
    return translate(USERS, filter_text)


def group_filter(filter_text: str) -> sa.ColumnElement[bool]:
    """The condition on `groups` that selects the Groups matching `filter_text`."""
    return translate(GROUPS, filter_text)


def user_sort(sort_by: str) -> sa.ColumnElement[Any]:
    """The sort key on `members` for a User `sortBy`."""
    return sort_key(USERS, sort_by)


def group_sort(sort_by: str) -> sa.ColumnElement[Any]:
    """The sort key on `groups` for a Group `sortBy`."""
    return sort_key(GROUPS, sort_by)
