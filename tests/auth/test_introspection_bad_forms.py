"""POST /auth/v1/introspect with a form body aiohttp cannot read is 400 invalid_request, not a
500. Found by tests/fuzz: aiohttp decodes a urlencoded form as UTF-8 and raised
UnicodeDecodeError on the single byte 0x80."""

from typing import Any

from aiohttp.test_utils import TestClient

from tests.auth.conftest import basic


async def test_a_form_body_that_is_not_utf8_is_400_invalid_request(
    client: TestClient, product: dict[str, str], org: dict[str, Any]
) -> None:
    headers = {
        **basic(product["client_id"], product["client_secret"]),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    for body in (b"\x80", b"token=\xff\xfe"):
        response = await client.post("/auth/v1/introspect", data=body, headers=headers)
        assert response.status == 400, await response.text()
        answer = await response.json()
        assert answer["error"] == "invalid_request"
        assert "UTF-8" in answer["detail"]
