"""JSON from untrusted bytes: the one reader every edge of the gateway uses (SCIM, the admin
API, product tokens, Stripe webhooks), so they all refuse the same bodies the same way.

It lives in seats, the lowest layer, because scim and auth may not import each other and both
need it; it speaks no HTTP (each edge turns `InvalidJson` into its own error body).

A body is refused when it is
- larger than the caller's byte limit (`TOO_LARGE`), or empty (`EMPTY`);
- not JSON (`MALFORMED`): bad syntax, not UTF-8, or `NaN`/`Infinity`, which Python's parser
  takes but RFC 8259 §6 does not allow;
- nested deeper than `MAX_DEPTH` arrays and objects (`TOO_DEEP`): a body of 100000 `[` would
  otherwise exhaust the parser's recursion (RecursionError, a 500), and nothing the gateway
  accepts is nested anywhere near the limit;
- not of the top-level type the endpoint takes, by default an object (`WRONG_TYPE`);
- holding strings no database stores (`UNSTORABLE`): NUL (PostgreSQL refuses it in text) or
  unpaired surrogates (not UTF-8).
"""

import enum
import json
import re
from collections.abc import AsyncIterable
from typing import Any

# SCIM bodies (Bulk > operation > data > complex multi-valued attribute) nest about six deep.
MAX_DEPTH = 32
# The default for endpoints without a configured limit (SCIM has SEATGATE_SCIM_MAX_BODY_BYTES).
MAX_BODY_BYTES = 1024 * 1024

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_TYPE_NAMES = {dict: "object", list: "array"}


class JsonProblem(enum.StrEnum):
    TOO_LARGE = "too_large"
    EMPTY = "empty"
    MALFORMED = "malformed"
    TOO_DEEP = "too_deep"
    WRONG_TYPE = "wrong_type"
    UNSTORABLE = "unstorable"


class InvalidJson(ValueError):
    """A body refused by `parse_json` or `read_json`; `detail` is a sentence for the caller."""

    def __init__(self, problem: JsonProblem, detail: str) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail


def parse_json(
    raw: bytes | str, *, top_level: type | None = dict, max_depth: int = MAX_DEPTH
) -> Any:
    """The JSON value of `raw`, within the limits above (`top_level=None` takes any value)."""
    if not raw.strip():
        raise InvalidJson(JsonProblem.EMPTY, "the request needs a JSON body")
    try:
        value = json.loads(raw, parse_constant=_reject_constant)
    except RecursionError:
        raise _too_deep(max_depth) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidJson(JsonProblem.MALFORMED, f"the body is not valid JSON: {exc}") from None
    if top_level is not None and not isinstance(value, top_level):
        expected = _TYPE_NAMES.get(top_level, top_level.__name__)
        raise InvalidJson(JsonProblem.WRONG_TYPE, f"the body must be a JSON {expected}")
    _check_depth_and_strings(value, max_depth)
    return value


async def read_json(
    chunks: AsyncIterable[bytes],
    *,
    declared_length: int | None,
    max_bytes: int = MAX_BODY_BYTES,
    top_level: type | None = dict,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """Read a body chunk by chunk, refusing it as soon as it outgrows `max_bytes` (whatever
    Content-Length said), then `parse_json` it."""
    too_large = InvalidJson(JsonProblem.TOO_LARGE, f"the body exceeds the {max_bytes}-byte limit")
    if declared_length is not None and declared_length > max_bytes:
        raise too_large
    raw = bytearray()
    async for chunk in chunks:
        raw += chunk
        if len(raw) > max_bytes:
            raise too_large
    return parse_json(bytes(raw), top_level=top_level, max_depth=max_depth)


def _check_depth_and_strings(value: Any, max_depth: int) -> None:
    # Iterative: a body just under the parser's recursion limit must not exhaust the stack here.
    # Each value is named by its path ("emails[0].value"); "" is the body itself.
    pending: list[tuple[Any, int, str]] = [(value, 0, "")]
    while pending:
        item, depth, where = pending.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item) is not None:
                raise InvalidJson(
                    JsonProblem.UNSTORABLE,
                    f"{where or 'the body'} must be free of NUL characters and unpaired surrogates",
                )
        elif isinstance(item, dict | list):
            if depth >= max_depth:
                raise _too_deep(max_depth)
            pending.extend(_children(item, depth + 1, where))


def _children(
    item: dict[str, Any] | list[Any], depth: int, where: str
) -> list[tuple[Any, int, str]]:
    if isinstance(item, list):
        return [(child, depth, f"{where or 'the body'}[{i}]") for i, child in enumerate(item)]
    prefix = f"{where}." if where else ""
    keys = [(key, depth, f"a name in {where or 'the body'}") for key in item]
    return keys + [(child, depth, f"{prefix}{key}") for key, child in item.items()]


def _too_deep(max_depth: int) -> InvalidJson:
    return InvalidJson(
        JsonProblem.TOO_DEEP, f"the body nests arrays and objects deeper than {max_depth} levels"
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
