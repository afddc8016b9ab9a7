"""What a SCIM request needed normalized: the identity providers' departures from RFC 7643/7644
that the core accepts, tallied by the code that accepts them and returned with the response
(`ScimResponse.normalized`), so connection telemetry counts them without re-reading requests.

Each quirk names the identity provider known to send it; that is also a signal of which IdP a
connection is (scim/telemetry.py) when its User-Agent does not say.
"""

from collections import Counter
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from scim2_models import PatchOperation

Op = PatchOperation.Op


class Quirk(StrEnum):
    # "True"/"False" strings for booleans (Entra without aadOptscim062020; scim/booleans.py).
    ENTRA_STRING_BOOLEANS = "entra_string_booleans"
    # {"op": "Remove", "path": "members", "value": [...]}: remove the listed values only
    # (Entra; scim/group_patch.py, and scim2-models' remove_value_as_filter for Users).
    REMOVE_WITH_VALUE = "remove_with_value"
    # An Add through a filter, members[value eq "id"] or emails[type eq "work"].value, which
    # creates the entry when nothing matches yet (Entra; POLICY's unmatched_path_filter).
    ADD_THROUGH_FILTER = "add_through_filter"
    # The enterprise manager as a bare id string (Entra; scim/schemas.py Manager).
    MANAGER_AS_BARE_ID = "manager_as_bare_id"
    # A path-less PATCH value keyed by dotted paths or extension URNs (Entra).
    PATHLESS_KEYED_BY_PATHS = "pathless_keyed_by_paths"
    # Microsoft's ADSCIM Group schema URN next to the core one (Entra; scim/group_mapping.py).
    ENTRA_GROUP_SCHEMA = "entra_group_schema"
    # A PUT /Users sending back read-only id, meta or groups (Okta PUTs what it read).
    PUT_READ_ONLY_IGNORED = "put_read_only_ignored"
    # An active user deactivated by a full PUT with active false (Okta).
    OKTA_PUT_DEACTIVATION = "okta_put_deactivation"
    # Member ids of a PATCH /Groups add that name no user or group, skipped (one per id;
    # seats.group_members.skip_unknown_members).
    UNKNOWN_MEMBERS_SKIPPED = "unknown_members_skipped"


# Which identity provider each quirk points to.
QUIRK_PROFILES: dict[Quirk, str] = {
    Quirk.ENTRA_STRING_BOOLEANS: "entra",
    Quirk.REMOVE_WITH_VALUE: "entra",
    Quirk.ADD_THROUGH_FILTER: "entra",
    Quirk.ENTRA_GROUP_SCHEMA: "entra",
    Quirk.MANAGER_AS_BARE_ID: "entra",
    Quirk.PATHLESS_KEYED_BY_PATHS: "entra",
    Quirk.PUT_READ_ONLY_IGNORED: "okta",
    Quirk.OKTA_PUT_DEACTIVATION: "okta",
}

Normalized = Counter[Quirk]


def user_patch_quirks(operations: Iterable[Any]) -> Normalized:
    """The quirks of a User PatchOp's validated operations that POLICY (scim/schemas.py) and
    the Manager model let scim2-models apply."""
    found = Normalized()
    for operation in operations:
        path, value = operation.path, operation.value
        if operation.op == Op.remove and value is not None:
            found[Quirk.REMOVE_WITH_VALUE] += 1
        if operation.op == Op.add and path is not None and path.value_filter is not None:
            found[Quirk.ADD_THROUGH_FILTER] += 1
        if isinstance(value, str) and path is not None and str(path).lower().endswith("manager"):
            found[Quirk.MANAGER_AS_BARE_ID] += 1
        if path is None and isinstance(value, dict) and any(_is_path(key) for key in value):
            found[Quirk.PATHLESS_KEYED_BY_PATHS] += 1
    return found


def _is_path(key: Any) -> bool:
    return isinstance(key, str) and ("." in key or ":" in key)
