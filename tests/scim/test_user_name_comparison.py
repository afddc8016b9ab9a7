"""userName compares as the identifier it is (RFC 7643 §4.1.1: unique, caseExact false): by
seats.identifiers.fold, in uniqueness and in filters alike."""

from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient

from tests.scim.support import BASE, create_user, scim_error, user_payload

FULL_WIDTH_STRASSE = "".join(chr(ord(c) + 0xFEE0) for c in "STRASSE")


async def _filtered(client: TestClient, scim: dict[str, str], expression: str) -> list[Any]:
    response = await client.get(f"{BASE}/Users?filter={quote(expression)}", headers=scim)
    assert response.status == 200, await response.text()
    return [user["userName"] for user in (await response.json())["Resources"]]


@pytest.mark.parametrize(
    ("first", "second"),
    [("stra\u00dfe", "STRASSE"), ("\ufb01le", "file"), ("a\u200bb", "ab")],
)
async def test_a_second_user_spelled_the_same_way_gets_409_uniqueness(
    client: TestClient, scim: dict[str, str], first: str, second: str
) -> None:
    await create_user(client, scim, first)
    response = await client.post(f"{BASE}/Users", json=user_payload(second), headers=scim)
    await scim_error(response, 409, "uniqueness")


async def test_a_user_name_filter_matches_every_spelling_and_answers_the_stored_name(
    client: TestClient, scim: dict[str, str]
) -> None:
    await create_user(client, scim, "stra\u00dfe")
    await create_user(client, scim, "other")
    for spelling in ("STRASSE", FULL_WIDTH_STRASSE, "stra\u00dfe", "stras\u00adse"):
        assert await _filtered(client, scim, f'userName eq "{spelling}"') == ["stra\u00dfe"]
    assert await _filtered(client, scim, 'userName sw "STRA"') == ["stra\u00dfe"]


async def test_a_user_name_of_invisible_characters_only_is_a_400(
    client: TestClient, scim: dict[str, str]
) -> None:
    response = await client.post(f"{BASE}/Users", json=user_payload("\u200b\u2060"), headers=scim)
    await scim_error(response, 400, "invalidValue")
