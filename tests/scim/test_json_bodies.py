"""SCIM bodies go through the gateway's one JSON reader (seats/json_input.py) and keep RFC
7644 §3.12 error bodies: too deep, the wrong top-level type and not JSON are 400
invalidSyntax; a string no database stores is 400 invalidValue."""

import pytest
from aiohttp.test_utils import TestClient

from tests.scim.support import BASE, scim_error


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("[" * 100_000, "deeper than 32 levels"),
        ('{"userName": ' + "[" * 40 + "]" * 40 + "}", "deeper than 32 levels"),
        ('[{"userName": "ann"}]', "must be a JSON object"),
        ('{"userName": "ann", "x": Infinity}', "Infinity is not JSON"),
        ("", "needs a JSON body"),
    ],
)
async def test_a_body_the_reader_refuses_is_400_invalid_syntax(
    client: TestClient, scim: dict[str, str], raw: str, fragment: str
) -> None:
    for path in ("/Users", "/Groups", "/Bulk"):
        response = await client.post(f"{BASE}{path}", data=raw, headers=scim)

        error = await scim_error(response, 400, "invalidSyntax")
        assert fragment in error["detail"], path


async def test_a_nul_in_a_scim_body_is_400_invalid_value_naming_where(
    client: TestClient, scim: dict[str, str]
) -> None:
    response = await client.post(
        f"{BASE}/Users", data='{"userName": "ann", "name": {"givenName": "A\\u0000"}}', headers=scim
    )

    error = await scim_error(response, 400, "invalidValue")
    assert error["detail"].startswith("name.givenName must be free of NUL")
