"""Boolean attributes of a User payload: JSON `true`/`false` (RFC 7643 §2.3.2), plus the one
departure an IdP is documented to need, and nothing else.

scim2-models validates with pydantic's lax booleans, which also take "yes", "on", "1", 1 and
0.0: `"active": "yes"` would provision an active user from what is most likely a mapping
mistake. This check runs on the raw JSON before validation and lets through only
- `true`, `false` and `null` (unassigned, RFC 7643 §2.5);
- the strings "True" and "False", in any case: Microsoft Entra ID sends them unless the app
  uses the `aadOptscim062020` flag (Microsoft Learn, "Known issues and resolutions with SCIM
  2.0 protocol compliance of the Microsoft Entra user provisioning service"; docs/entra.md).

The boolean attributes of the schemas served are `active` (RFC 7643 §4.1.1) and the `primary`
sub-attribute of multi-valued attributes (§2.4); the enterprise and seat extensions have none.
"""

import re
from collections.abc import Iterator
from typing import Any

from scim2_models import InvalidValueException

from scim.schemas import ENTERPRISE_SCHEMA, SEAT_SCHEMA, USER_SCHEMA

_SCHEMA_PREFIXES = tuple(f"{urn.lower()}:" for urn in (USER_SCHEMA, ENTERPRISE_SCHEMA, SEAT_SCHEMA))
# A value filter such as [type eq "work"], quoted strings included.
_FILTER = re.compile(r'\[(?:[^\]"]|"(?:[^"\\]|\\.)*")*\]')
_ENTRA_STRINGS = frozenset({"true", "false"})


def check_user_booleans(payload: Any) -> int:
    """Refuse a POST/PUT body whose `active` or `primary` is not a boolean; the number of
    Entra string booleans let through."""
    return sum(_check(name, value) for name, value in _booleans_in([], payload))


def check_patch_booleans(payload: Any) -> int:
    """The same for each PATCH operation's value, at its path (RFC 7644 §3.5.2)."""
    operations = payload.get("Operations") if isinstance(payload, dict) else None
    entra_strings = 0
    for operation in operations if isinstance(operations, list) else []:
        if not isinstance(operation, dict):
            continue
        path = operation.get("path")
        segments = _segments(path) if isinstance(path, str) else []
        if segments is None:
            continue
        for name, value in _booleans_in(segments, operation.get("value")):
            entra_strings += _check(name, value)
    return entra_strings


def _booleans_in(segments: list[str], value: Any) -> Iterator[tuple[str, Any]]:
    """The (attribute, value) pairs of boolean attributes in `value`, set at `segments`."""
    match segments:
        case ["active"] | [_, "primary"]:
            yield ".".join(segments), value
        case []:
            # A whole resource, or a path-less PATCH value whose keys may be paths (Entra:
            # {"name.givenName": ...}).
            for key, item in value.items() if isinstance(value, dict) else []:
                key_segments = _segments(key) if isinstance(key, str) else None
                if key_segments is not None:
                    yield from _booleans_in(key_segments, item)
        case [attribute]:
            # A multi-valued attribute set whole or one entry of it: the entries' `primary`.
            entries = value if isinstance(value, list) else [value]
            for entry in entries:
                for key, item in entry.items() if isinstance(entry, dict) else []:
                    if isinstance(key, str) and key.lower() == "primary":
                        yield f"{attribute}.primary", item


def _segments(path: str) -> list[str] | None:
    """'urn:...:core:2.0:User:emails[type eq "work"].primary' -> ['emails', 'primary'];
    None for an extension's attributes (they hold no booleans, or are unknown and ignored)."""
    lowered = _FILTER.sub("", path).lower()
    for prefix in _SCHEMA_PREFIXES:
        if lowered.startswith(prefix):
            lowered = lowered[len(prefix) :]
            break
    else:
        if ":" in lowered:
            return None
    return lowered.split(".")


def _check(name: str, value: Any) -> bool:
    """True for an Entra string boolean let through; refuses what is no boolean at all."""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, str) and value.lower() in _ENTRA_STRINGS:
        return True
    raise InvalidValueException(
        detail=f"{name} must be a boolean (true or false), got {_shown(value)}"
    )


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
