"""The one JSON reader: what it refuses, and why, before any edge turns it into an error body."""

from collections.abc import AsyncIterator

import pytest

from seats.json_input import MAX_DEPTH, InvalidJson, JsonProblem, parse_json, read_json


def problem_of(raw: bytes, **limits: object) -> JsonProblem:
    with pytest.raises(InvalidJson) as refused:
        parse_json(raw, **limits)  # type: ignore[arg-type]
    return refused.value.problem


def test_an_object_is_read_as_a_dict() -> None:
    assert parse_json(b'{"org_id": "o1", "n": [1, 2.5, true, null]}') == {
        "org_id": "o1",
        "n": [1, 2.5, True, None],
    }


@pytest.mark.parametrize("raw", [b"[" * 100_000, b'{"a":' * 100_000, b"[" * 900 + b"]" * 900])
def test_a_body_nested_past_the_limit_is_too_deep_whatever_the_parser_would_do(raw: bytes) -> None:
    assert problem_of(raw, top_level=None) is JsonProblem.TOO_DEEP


def test_nesting_up_to_the_limit_is_read() -> None:
    raw = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert parse_json(raw, top_level=list) is not None
    assert problem_of(b"[" + raw + b"]", top_level=list) is JsonProblem.TOO_DEEP


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"text"', b"3", b"null", b"true"])
def test_anything_but_an_object_is_the_wrong_type_by_default(raw: bytes) -> None:
    assert problem_of(raw) is JsonProblem.WRONG_TYPE


@pytest.mark.parametrize(
    "raw",
    [b"{", b"{'a': 1}", b'{"a": NaN}', b'{"a": Infinity}', b'{"a": -Infinity}', b"\xff\xfe"],
)
def test_what_rfc_8259_does_not_allow_is_malformed(raw: bytes) -> None:
    assert problem_of(raw) is JsonProblem.MALFORMED


@pytest.mark.parametrize("raw", [b"", b"  \r\n"])
def test_an_empty_body_is_refused_as_empty(raw: bytes) -> None:
    assert problem_of(raw) is JsonProblem.EMPTY


@pytest.mark.parametrize("raw", [rb'{"a": "x\u0000y"}', rb'{"\ud800": 1}', rb'[["\udfff"]]'])
def test_strings_no_database_stores_are_refused(raw: bytes) -> None:
    assert problem_of(raw, top_level=None) is JsonProblem.UNSTORABLE


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_a_stream_is_read_and_parsed() -> None:
    assert await read_json(chunks(b'{"a"', b": 1}"), declared_length=None) == {"a": 1}


async def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    with pytest.raises(InvalidJson) as refused:
        await read_json(chunks(b"{}"), declared_length=11, max_bytes=10)
    assert refused.value.problem is JsonProblem.TOO_LARGE
    assert "10-byte limit" in refused.value.detail


async def test_a_stream_that_outgrows_the_limit_is_refused_whatever_it_declared() -> None:
    with pytest.raises(InvalidJson) as refused:
        await read_json(chunks(b'{"a": "', b"x" * 10, b'"}'), declared_length=2, max_bytes=10)
    assert refused.value.problem is JsonProblem.TOO_LARGE
