"""Hypothesis strategies for bad (and nearly good) input: JSON of any shape, SCIM filters,
PATCH documents, resource bodies, header values and raw bytes."""

from typing import Any

from hypothesis import strategies as st

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SEAT_SCHEMA = "urn:seatgate:params:scim:schemas:extension:seat:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BULK_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"

short_text = st.text(max_size=12)
# Strings that tend to break parsers: quotes, escapes, brackets, operators, odd Unicode.
nasty_text = st.sampled_from(
    [
        "",
        " ",
        '"',
        "\\",
        "'",
        "[",
        "]",
        "(",
        ")",
        ".",
        ":",
        "$ref",
        "\x00",
        "\u200b",
        "\ufb01",  # the fi ligature
        "\uff21\uff22\uff23",  # full-width ABC
        "straße",
        "null",
        "true",
        "1e999",
        "-0",
        "9" * 40,
        "2026-13-45T25:61:61Z",
        "a" * 300,
    ]
)
any_text = short_text | nasty_text
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | any_text
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=12,
)

# Bodies that are not JSON, or JSON no parser should have to follow.
raw_bodies = (
    st.binary(max_size=64)
    | st.integers(min_value=1, max_value=100_000).map(lambda depth: b"[" * depth + b"]" * depth)
    | st.integers(min_value=1, max_value=100_000).map(lambda depth: b'{"a":' * depth + b"1")
    | st.sampled_from([b"", b"null", b"[]", b"1", b'"x"', b"{", b'{"a":NaN}', b"\xff\xfe{}"])
)

ATTRIBUTE_PATHS = [
    "userName",
    "displayName",
    "active",
    "externalId",
    "userType",
    "title",
    "name",
    "name.givenName",
    "name.familyName",
    "emails",
    "emails.value",
    "emails.type",
    "emails.primary",
    'emails[type eq "work"]',
    'emails[type eq "work"].value',
    "emails[value pr]",
    "phoneNumbers",
    "addresses.country",
    "members",
    "members.value",
    'members[value eq "x"]',
    "groups",
    "groups.value",
    "meta",
    "meta.created",
    "meta.lastModified",
    "id",
    "schemas",
    f"{ENTERPRISE_SCHEMA}:manager.value",
    f"{ENTERPRISE_SCHEMA}:employeeNumber",
    SEAT_SCHEMA,
    f"{SEAT_SCHEMA}:seatStatus",
    "urn:unknown:schema:attr",
    "nosuchattribute",
]
attribute_paths = st.sampled_from(ATTRIBUTE_PATHS) | any_text

_OPERATORS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Eq", "xx"]
_filter_values = st.one_of(
    any_text.map(lambda text: '"' + text.replace('"', '\\"') + '"'),
    any_text.map(lambda text: '"' + text + '"'),
    st.sampled_from(["true", "false", "null", "1", "-1.5", "1e400", '"2026-01-01T00:00:00Z"']),
    any_text,
)
_comparisons = st.builds(
    lambda path, op, value: f"{path} {op} {value}",
    attribute_paths,
    st.sampled_from(_OPERATORS),
    _filter_values,
) | attribute_paths.map(lambda path: f"{path} pr")
scim_filters = (
    st.recursive(
        _comparisons,
        lambda children: st.one_of(
            st.builds(lambda a, b: f"{a} and {b}", children, children),
            st.builds(lambda a, b: f"{a} or {b}", children, children),
            children.map(lambda a: f"not ({a})"),
            children.map(lambda a: f"({a})"),
            st.builds(lambda path, inner: f"{path}[{inner}]", attribute_paths, children),
        ),
        max_leaves=6,
    )
    | any_text
    | st.text(alphabet='()[]"\\ .:andorteqprnx', max_size=30)
)

list_parameters = st.fixed_dictionaries(
    {},
    optional={
        "filter": scim_filters,
        "sortBy": attribute_paths,
        "sortOrder": st.sampled_from(["ascending", "descending", "sideways"]) | any_text,
        "startIndex": st.integers(min_value=-(2**40), max_value=2**40).map(str) | any_text,
        "count": st.integers(min_value=-(2**40), max_value=2**40).map(str) | any_text,
        "attributes": attribute_paths,
        "excludedAttributes": attribute_paths,
        "cursor": any_text,
    },
)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return strategy | json_values


_multi_valued = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "value": _maybe(any_text),
            "type": _maybe(st.sampled_from(["work", "home", "other"])),
            "primary": _maybe(st.booleans()),
            "display": _maybe(any_text),
            "$ref": _maybe(any_text),
        },
    )
    | json_values,
    max_size=3,
)
_schemas = st.lists(
    st.sampled_from([USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_SCHEMA, SEAT_SCHEMA]) | any_text,
    max_size=3,
)
_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz.@-_", min_size=1, max_size=20)
# Nearly good: the right schema and a userName, the other attributes drawn from what an IdP
# sends (so that writes succeed often enough for the refused ones to be interesting).
_near_valid_user = st.fixed_dictionaries(
    {"schemas": st.just([USER_SCHEMA]), "userName": _names},
    optional={
        "active": st.booleans() | st.sampled_from(["True", "False", "yes"]),
        "externalId": _names,
        "displayName": any_text,
        "userType": st.sampled_from(["Guest", "ServiceAccount", "Employee"]),
        "name": st.fixed_dictionaries({}, optional={"givenName": any_text, "familyName": any_text}),
        "emails": st.lists(
            st.fixed_dictionaries(
                {"value": _names},
                optional={"type": st.sampled_from(["work", "home"]), "primary": st.booleans()},
            ),
            max_size=2,
        ),
        ENTERPRISE_SCHEMA: st.fixed_dictionaries({}, optional={"employeeNumber": any_text}),
    },
)
_loose_user = st.fixed_dictionaries(
    {},
    optional={
        "schemas": _maybe(_schemas),
        "userName": _maybe(any_text),
        "externalId": _maybe(any_text),
        "active": json_scalars,
        "userType": _maybe(st.sampled_from(["Guest", "ServiceAccount", "Employee"])),
        "displayName": _maybe(any_text),
        "name": _maybe(st.fixed_dictionaries({}, optional={"givenName": json_values})),
        "emails": _maybe(_multi_valued),
        "phoneNumbers": _maybe(_multi_valued),
        "groups": _maybe(_multi_valued),
        "id": json_values,
        "meta": json_values,
        ENTERPRISE_SCHEMA: json_values,
        SEAT_SCHEMA: json_values,
    },
)
user_bodies = _near_valid_user | _loose_user
_near_valid_group = st.fixed_dictionaries(
    {"schemas": st.just([GROUP_SCHEMA]), "displayName": _names},
    optional={
        "externalId": _names,
        "members": st.lists(st.fixed_dictionaries({"value": any_text}), max_size=2),
    },
)
_loose_group = st.fixed_dictionaries(
    {},
    optional={
        "schemas": _maybe(_schemas),
        "displayName": _maybe(any_text),
        "externalId": _maybe(any_text),
        "members": _maybe(_multi_valued),
        "id": json_values,
    },
)
group_bodies = _near_valid_group | _loose_group
_near_valid_operation = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "replace", "remove", "Add", "Replace", "Remove"])},
    optional={
        "path": st.sampled_from(ATTRIBUTE_PATHS),
        "value": json_scalars
        | _multi_valued
        | st.dictionaries(
            st.sampled_from(["displayName", "active", "externalId", "title", "emails"]),
            json_scalars,
            max_size=2,
        ),
    },
)
_patch_operations = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "op": _maybe(st.sampled_from(["add", "replace", "remove", "Add", "Replace", "move"])),
            "path": _maybe(attribute_paths),
            "value": json_values | user_bodies | _multi_valued,
        },
    )
    | json_values,
    max_size=4,
)
_near_valid_patch = st.fixed_dictionaries(
    {
        "schemas": st.just([PATCH_SCHEMA]),
        "Operations": st.lists(_near_valid_operation, min_size=1, max_size=3),
    }
)
patch_bodies = _near_valid_patch | st.fixed_dictionaries(
    {},
    optional={
        "schemas": _maybe(st.lists(st.just(PATCH_SCHEMA) | any_text, max_size=2)),
        "Operations": _maybe(_patch_operations),
    },
)


def bulk_bodies(user_id: str, group_id: str) -> st.SearchStrategy[dict[str, Any]]:
    paths = (
        st.sampled_from(
            ["/Users", "/Groups", f"/Users/{user_id}", f"/Groups/{group_id}", "/Users/bulkId:u1"]
        )
        | any_text
    )
    operation = st.fixed_dictionaries(
        {},
        optional={
            "method": _maybe(st.sampled_from(["POST", "PUT", "PATCH", "DELETE", "GET", "post"])),
            "path": _maybe(paths),
            "bulkId": _maybe(st.sampled_from(["u1", "u2"]) | any_text),
            "version": json_values,
            "data": user_bodies | group_bodies | patch_bodies | json_values,
        },
    )
    near_valid_operation = st.fixed_dictionaries(
        {
            "method": st.sampled_from(["POST", "PUT", "PATCH", "DELETE"]),
            "path": paths,
        },
        optional={
            "bulkId": st.sampled_from(["u1", "u2"]),
            "data": _near_valid_user | _near_valid_group | _near_valid_patch,
        },
    )
    near_valid = st.fixed_dictionaries(
        {
            "schemas": st.just([BULK_SCHEMA]),
            "Operations": st.lists(near_valid_operation, min_size=1, max_size=4),
        },
        optional={"failOnErrors": st.integers(min_value=0, max_value=3)},
    )
    return near_valid | st.fixed_dictionaries(
        {},
        optional={
            "schemas": _maybe(st.lists(st.just(BULK_SCHEMA) | any_text, max_size=2)),
            "failOnErrors": json_scalars,
            "Operations": _maybe(st.lists(operation | json_values, max_size=4)),
        },
    )


# Header values an HTTP client can send: visible ASCII and Latin-1, no line breaks.
header_values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_categories=["Cc"]),
    max_size=40,
)
