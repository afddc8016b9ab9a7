"""A console form body aiohttp cannot read is a 400 page, not a 500: on the sign-in form, which
anyone can reach, and on a signed-in page, whose CSRF check reads the form first. Found by
tests/fuzz: `request.post()` raised UnicodeDecodeError on the byte 0x80."""

from aiohttp.test_utils import TestClient

from tests.gateway.console.support import sign_in

URLENCODED = {"Content-Type": "application/x-www-form-urlencoded"}


async def test_a_sign_in_form_that_is_not_utf8_is_a_400_page(client: TestClient) -> None:
    response = await client.post("/console/login", data=b"email=\x80", headers=URLENCODED)
    assert response.status == 400
    assert response.content_type == "text/html"
    assert "The form could not be read" in await response.text()


async def test_a_signed_in_form_that_is_not_utf8_is_a_400_page(
    client: TestClient, org: dict
) -> None:
    overview = await sign_in(client, org["id"])
    response = await client.post(f"{overview}/sign-out", data=b"\xff\xfe", headers=URLENCODED)
    assert response.status == 400
    assert "The form could not be read" in await response.text()
