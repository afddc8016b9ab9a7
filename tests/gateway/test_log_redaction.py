"""Secrets never reach the logs (gateway/redaction.py): each kind is sent through the real app
at log level debug, where the access line also carries the request's headers, and the captured
output holds the line but not the secret."""

import base64
import logging
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config import Settings, reveal
from gateway.console.keys import COOKIE
from gateway.keys import SETTINGS
from gateway.redaction import MASK
from tests.auth.conftest import basic, new_product_client
from tests.billing.support import API_KEY, SECRET, Billed
from tests.gateway.console.support import path_of, portal_link
from tests.gateway.log_capture import captured_logs
from tests.gateway.storage_outage import user_body
from tests.helpers import ADMIN_HEADERS, ADMIN_TOKEN

pytest_plugins = ["tests.billing.support"]
WEBHOOK = "/billing/stripe/webhook"


def assert_absent(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text, f"{secret!r} is in the logs:\n{text}"


async def test_scim_tokens_right_and_wrong_are_masked_in_the_request_lines(
    client: TestClient, settings: Settings, org: dict[str, Any]
) -> None:
    made = await client.post(f"/admin/v1/orgs/{org['id']}/scim-tokens", headers=ADMIN_HEADERS)
    token = (await made.json())["token"]
    wrong = token[:-6] + "abcdef"
    with captured_logs(settings, log_level="debug") as logs:
        created = await client.post(
            "/scim/v2/Users",
            json=user_body("ann@acme.test"),
            headers={"Authorization": f"Bearer {token}"},
        )
        refused = await client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {wrong}"})
    assert (created.status, refused.status) == (201, 401)
    assert_absent(logs.text, token, wrong, token.partition("_")[2], wrong.partition("_")[2])
    line = logs.one(event="request", request_id=refused.headers["X-Request-Id"])
    assert line["status"] == 401 and line["headers"]["Authorization"] == MASK
    assert logs.one(event="request", request_id=created.headers["X-Request-Id"])["status"] == 201


async def test_the_admin_token_and_encryption_keys_are_masked_without_a_known_prefix(
    client: TestClient, settings: Settings, org: dict[str, Any]
) -> None:
    encryption_key = reveal(settings.key_encryption_keys)
    assert encryption_key
    with captured_logs(settings, log_level="debug") as logs:
        response = await client.get(f"/admin/v1/orgs/{org['id']}", headers=ADMIN_HEADERS)
        logging.getLogger("seatgate.test").warning(
            "operator pasted %s and %s", ADMIN_TOKEN, encryption_key
        )
    assert_absent(logs.text, ADMIN_TOKEN, encryption_key)
    assert logs.one(event="request", request_id=response.headers["X-Request-Id"])["status"] == 200
    assert logs.one(event=f"operator pasted {MASK} and {MASK}")


async def test_product_client_secrets_right_and_wrong_never_appear(
    client: TestClient, settings: Settings, org: dict[str, Any]
) -> None:
    product = await new_product_client(client, org["id"])
    secret = product["client_secret"]
    wrong = secret[:-4] + "zzzz"
    encoded = [
        base64.b64encode(f"{product['client_id']}:{s}".encode()).decode() for s in (secret, wrong)
    ]
    with captured_logs(settings, log_level="debug") as logs:
        for presented in (secret, wrong):
            await client.post(
                "/auth/v1/tokens",
                json={"org_id": org["id"], "user_name": "nobody@acme.test"},
                headers=basic(product["client_id"], presented),
            )
    assert_absent(logs.text, secret, wrong, *encoded)
    failed = logs.one(logger="seatgate.auth", level="info")
    assert "failed client authentication" in failed["event"]
    statuses = [line["status"] for line in logs.lines(event="request", route="/auth/v1/tokens")]
    assert statuses == [404, 401]


async def test_console_links_and_session_cookies_never_appear(
    client: TestClient, settings: Settings, org: dict[str, Any]
) -> None:
    link = (await portal_link(client, org["id"]))["url"]
    with captured_logs(settings, log_level="debug") as logs:
        opened = await client.get(path_of(link), allow_redirects=False)
        cookie = opened.cookies[COOKIE].value
        page = await client.get(f"/console/orgs/{org['id']}")
    assert page.status == 200
    link_token = link.rsplit("/", 1)[1]
    assert_absent(logs.text, link_token, cookie)
    line = logs.one(event="request", request_id=page.headers["X-Request-Id"])
    assert line["headers"]["Cookie"] == MASK


async def test_stripe_webhooks_signed_right_or_wrong_leave_no_secret_or_signature(
    billed: Billed,
) -> None:
    org = await billed.org()
    billed.fake.hold_webhooks()
    billed.fake.create_subscription(
        [(billed.seat_price()["id"], 3)], metadata={"seatgate_org_id": org["id"]}
    )
    payload = billed.fake.event_payload(billed.fake.pending[0])
    good = billed.fake.sign(payload)
    forged = billed.fake.sign(payload, secret="whsec_someone_elses_secret")
    with captured_logs(billed.app[SETTINGS], log_level="debug") as logs:
        for signature in (good, forged):
            await billed.client.post(
                "/billing/stripe/webhook",
                data=payload.encode(),
                headers={"Stripe-Signature": signature},
            )
    assert_absent(logs.text, SECRET, "someone_elses_secret", API_KEY, *_digests(good, forged))
    assert "Stripe webhook refused" in logs.one(logger="seatgate.billing", level="warning")["event"]
    statuses = [line["status"] for line in logs.lines(event="request", route=WEBHOOK)]
    assert statuses == [200, 400]


async def test_an_exception_message_and_nested_values_are_masked_where_they_stand(
    settings: Settings,
) -> None:
    token = "sgscim_" + "A" * 43
    with captured_logs(settings) as logs:
        try:
            raise RuntimeError(f"lookup of {token} failed at postgresql://app:hunter22@db/x")
        except RuntimeError:
            logging.getLogger("seatgate.test").exception("token lookup failed")
        attempt = {"url": "https://h/x", "headers": {"webhook-secret": "s"}}
        logging.getLogger("seatgate.test").info("delivery", extra={"attempt": attempt})
    assert_absent(logs.text, token, "hunter22")
    failed = logs.one(event="token lookup failed")
    assert f"lookup of sgscim_{MASK} failed" in failed["exception"]
    assert f"app:{MASK}@db" in failed["exception"]
    assert logs.one(event="delivery")["attempt"] == {
        "url": "https://h/x",
        "headers": {"webhook-secret": MASK},
    }


def _digests(*headers: str) -> list[str]:
    return [part.removeprefix("v1=") for h in headers for part in h.split(",") if "v1=" in part]
