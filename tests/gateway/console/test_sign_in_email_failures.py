"""A console sign-in email the SMTP server does not take is logged and counted at /metrics
(these emails bypass the outbox, so the outbox failure counter never sees them)."""

import socket
from typing import Any

from gateway.app import create_app
from gateway.config import Settings
from gateway.console.mail import SIGN_IN_MAIL
from tests.gateway.log_capture import captured_logs
from tests.gateway.test_metrics import scrape, value
from tests.helpers import create_org


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_a_sign_in_email_smtp_refuses_is_counted_and_logged(
    aiohttp_client: Any, settings: Settings
) -> None:
    down = settings.replace(smtp_host="127.0.0.1", smtp_port=closed_port())
    client = await aiohttp_client(create_app(down))
    await create_org(client, admin_emails=["it@acme.test"])
    assert value(await scrape(client), "seatgate_console_sign_in_email_failures_total") == 0

    with captured_logs(down) as logs:
        response = await client.post("/console/login", data={"email": "it@acme.test"})
        assert response.status == 200
        console = next(app for app in client.app._subapps if SIGN_IN_MAIL in app)
        await console[SIGN_IN_MAIL].drain()

    assert value(await scrape(client), "seatgate_console_sign_in_email_failures_total") == 1
    failed = logs.one(logger="seatgate.console", level="warning")
    assert "sign-in email to it@acme.test failed" in failed["event"]
