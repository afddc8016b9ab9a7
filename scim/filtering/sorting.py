"""`sortBy` (RFC 7644 §3.4.2.3) as a SQL sort key over the same storage as filters.

Strings sort by their comparison key, case-insensitively unless the attribute is caseExact, in
Unicode code point order. A multi-valued attribute sorts by its primary (else first) value: only
`emails` has that value promoted (`members.email_key`), the others are refused rather than
sorted by something the RFC did not ask for.
"""

from typing import Any

import sqlalchemy as sa
from scim2_models import InvalidValueException, Path, SCIMException
from scim2_models.path import AttributeBinding, AttrPath

from scim.filtering.sql import CodePointOrder
from scim.filtering.storage import ResourceStorage, is_complex, never_returned


def sort_key(storage: ResourceStorage, sort_by: str) -> sa.ColumnElement[Any]:
    """The expression to ORDER BY for `sort_by`; InvalidValueException if it cannot sort."""
    binding = _resolve(storage, sort_by)
    if binding.is_multivalued:
        primary = storage.primary_values.get(binding.urn)
        if primary is None:
            raise _refuse(sort_by, "sorting by this multi-valued attribute is not supported")
        # The primary values held in columns are folded keys (emails.value: caseExact false).
        return CodePointOrder(primary)
    if binding.sub_field_name is None and is_complex(binding):
        raise _refuse(sort_by, "name one of its sub-attributes, e.g. name.familyName")
    try:
        return storage.operand(binding).sort_key()
    except SCIMException as exc:
        raise _refuse(sort_by, exc.detail) from exc


def sort_clause(key: sa.ColumnElement[Any], *, descending: bool) -> sa.ColumnElement[Any]:
    """`key` ascending or descending, resources without a value last ascending and first
    descending, as RFC 7644 §3.4.2.3 asks (SQLite would otherwise put NULL first ascending)."""
    return sa.nulls_first(key.desc()) if descending else sa.nulls_last(key.asc())


def _resolve(storage: ResourceStorage, sort_by: str) -> AttributeBinding:
    try:
        path = Path[storage.model](sort_by)
    except SCIMException as exc:
        raise _refuse(sort_by, exc.detail) from exc
    if not isinstance(path.ast, AttrPath):
        raise _refuse(sort_by, "it must be an attribute path such as name.familyName")
    binding = path.resolve()
    if binding is None:
        raise _refuse(sort_by, "no such attribute")
    if never_returned(binding):
        raise _refuse(sort_by, "it is never returned")
    return binding


def _refuse(sort_by: str, reason: str) -> InvalidValueException:
    return InvalidValueException(detail=f"cannot sort by {sort_by!r}: {reason}")
