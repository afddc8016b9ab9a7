"""What a SCIM request needed normalized: the identity providers' departures from RFC 7643/7644
that the core accepts, tallied by the code that accepts them and returned with the response
(`ScimResponse.normalized`), so connection telemetry counts them without re-reading requests.

Each quirk names the identity provider known to send it; that is also a signal of which IdP a
connection is (scim/telemetry.py) when its User-Agent does not say.
"""

from collections import Counter
from enum import StrEnum


class Quirk(StrEnum):
    # "True"/"False" strings for booleans (Entra without aadOptscim062020; scim/booleans.py).
    ENTRA_STRING_BOOLEANS = "entra_string_booleans"
    # {"op": "Remove", "path": "members", "value": [...]}: remove the listed values only
    # (Entra; scim/group_patch.py, and scim2-models' remove_value_as_filter for Users).
    REMOVE_WITH_VALUE = "remove_with_value"
    # An Add through a filter that matches nothing yet, members[value eq "id"] (Entra).
    ADD_THROUGH_FILTER = "add_through_filter"
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
    Quirk.PUT_READ_ONLY_IGNORED: "okta",
    Quirk.OKTA_PUT_DEACTIVATION: "okta",
}

Normalized = Counter[Quirk]
