"""`sortBy` / `sortOrder` (RFC 7644 §3.4.2.3) as a seats.query `Sort`, over the same fields as
filters.

Strings sort by their comparison key, case-insensitively unless the attribute is caseExact, in
Unicode code point order. A multi-valued attribute sorts by its primary (else first) value: only
`emails` has that value promoted (the member's primary email), the others are refused rather
than sorted by something the RFC did not ask for.
"""

from scim2_models import InvalidValueException, Path, SCIMException
from scim2_models.path import AttributeBinding, AttrPath

from scim.filtering.fields import ResourceFields, case_exact, is_complex, never_returned
from seats.query import Sort


def sort_key(fields: ResourceFields, sort_by: str, *, descending: bool) -> Sort:
    """The order `sort_by` asks for; InvalidValueException if it cannot sort."""
    binding = _resolve(fields, sort_by)
    if binding.is_multivalued:
        primary = fields.primary_values.get(binding.urn)
        if primary is None:
            raise _refuse(sort_by, "sorting by this multi-valued attribute is not supported")
        return Sort(primary, descending)
    if binding.sub_field_name is None and is_complex(binding):
        raise _refuse(sort_by, "name one of its sub-attributes, e.g. name.familyName")
    try:
        attribute = fields.attribute(binding)
    except SCIMException as exc:
        raise _refuse(sort_by, exc.detail) from exc
    return Sort(attribute, descending, case_exact=case_exact(binding))


def _resolve(fields: ResourceFields, sort_by: str) -> AttributeBinding:
    try:
        path = Path[fields.model](sort_by)
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
