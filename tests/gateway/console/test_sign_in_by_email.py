"""Magic-link sign-in at /console/login: a link by email for addresses on an org's admin list,
the same answer for everybody else, rate limited."""

import re
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.config import Settings
from gateway.console.mail import SIGN_IN_MAIL
from tests.gateway.alert_receivers import SmtpSink
from tests.helpers import create_org

_LINK = re.compile(r"http://127\.0\.0\.1(/console/login/sglink_[\w-]+)")


async def _ask(client: TestClient, email: str) -> tuple[int, str]:
    response = await client.post("/console/login", data={"email": email})
    return response.status, await response.text()


async def _mail_sent(client: TestClient) -> None:
    """Wait for the sign-in emails the gateway sends in the background."""
    console = next(app for app in client.app._subapps if SIGN_IN_MAIL in app)
    await console[SIGN_IN_MAIL].drain()


async def test_an_address_on_the_admin_list_gets_a_link_that_signs_in_once(
    client: TestClient, smtp: SmtpSink
):
    org = await create_org(client, name="Acme", admin_emails=["it@acme.test"])
    status, page = await _ask(client, "IT@acme.test")
    assert status == 200 and "a sign-in link is on its way" in page
    await _mail_sent(client)

    [mail] = smtp.messages
    assert mail["To"] == "IT@acme.test"
    body = mail.get_payload(decode=True).decode()
    assert "Acme:" in body and "within 10 minutes" in body
    path = _LINK.search(body).group(1)

    # Following the link (a mail scanner might) only shows a button; the POST signs in.
    confirm = await client.get(path)
    assert confirm.status == 200 and 'data-testid="confirm-sign-in"' in await confirm.text()
    signed_in = await client.post(path, allow_redirects=False)
    assert signed_in.status == 303 and signed_in.headers["Location"] == f"/console/orgs/{org['id']}"
    overview = await client.get(signed_in.headers["Location"])
    assert "IT@acme.test · admin" in await overview.text()

    again = await client.post(path, allow_redirects=False)
    assert again.status == 410


async def test_an_unknown_address_gets_the_same_answer_and_no_email(
    client: TestClient, smtp: SmtpSink
):
    await create_org(client, admin_emails=["it@acme.test"])
    _, known = await _ask(client, "it@acme.test")
    _, unknown = await _ask(client, "stranger@acme.test")
    await _mail_sent(client)
    assert known.replace("it@acme.test", "X") == unknown.replace("stranger@acme.test", "X")
    assert [m["To"] for m in smtp.messages] == ["it@acme.test"]


async def test_an_address_on_two_admin_lists_gets_one_email_with_both_links(
    client: TestClient, smtp: SmtpSink
):
    await create_org(client, name="Acme", admin_emails=["it@acme.test"])
    await create_org(client, name="Globex", admin_emails=["it@acme.test"])
    await _ask(client, "it@acme.test")
    await _mail_sent(client)
    [mail] = smtp.messages
    body = mail.get_payload(decode=True).decode()
    assert "Acme:" in body and "Globex:" in body and len(_LINK.findall(body)) == 2


async def test_sign_in_requests_are_rate_limited_per_address(client: TestClient):
    statuses = [(await _ask(client, "it@acme.test"))[0] for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    response = await client.post("/console/login", data={"email": "it@acme.test"})
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many sign-in requests" in await response.text()


async def test_a_malformed_address_is_answered_on_the_form(client: TestClient):
    status, page = await _ask(client, "not an address")
    assert status == 200 and "Enter the email address you use at work." in page
    assert 'aria-invalid="true"' in page


async def test_without_smtp_the_page_says_to_ask_for_a_console_link(
    aiohttp_client: Any, settings: Settings
):
    bare = await aiohttp_client(create_app(settings.replace(smtp_host=None)))
    page = await (await bare.get("/console/login")).text()
    assert "Sign-in by email is not set up on this gateway" in page
    assert "<form" not in page.split("<main")[1]
