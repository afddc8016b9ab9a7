"""SCIM filtering and sorting of Users and Groups, translated into seats.query descriptions.

`user_filter` / `group_filter` turn a `filter` (RFC 7644 §3.4.2.2) into a condition on members
/ groups; `user_sort` / `group_sort` turn a `sortBy` and `sortOrder` (RFC 7644 §3.4.2.3) into a
sort. seats/storage/member_queries.py and group_queries.py run them, scoped to an organization
and with ties broken by creation time and id:

    list_members(conn, org_id, ListQuery(user_filter('userName eq "bjensen"'),
                                         user_sort("name.familyName")))

Bad input raises a scim2-models `SCIMException`: `InvalidFilterException` (400 invalidFilter)
for filters, `InvalidValueException` (400 invalidValue) for sortBy. Nothing else is raised for
any filter text, and whatever is returned runs on SQLite and PostgreSQL alike.

Modules: `visitor` (the FilterVisitor), `fields` (which domain field answers which attribute),
`sorting`.
"""

from scim.filtering.fields import GROUPS, USERS
from scim.filtering.sorting import sort_key
from scim.filtering.visitor import translate
from seats.query import Condition, Sort

__all__ = ["group_filter", "group_sort", "user_filter", "user_sort"]


def user_filter(filter_text: str) -> Condition:
    """The condition that selects the Users matching `filter_text`."""
    return translate(USERS, filter_text)


def group_filter(filter_text: str) -> Condition:
    """The condition that selects the Groups matching `filter_text`."""
    return translate(GROUPS, filter_text)


def user_sort(sort_by: str, *, descending: bool = False) -> Sort:
    """The order of Users a `sortBy` asks for."""
    return sort_key(USERS, sort_by, descending=descending)


def group_sort(sort_by: str, *, descending: bool = False) -> Sort:
    """The order of Groups a `sortBy` asks for."""
    return sort_key(GROUPS, sort_by, descending=descending)
