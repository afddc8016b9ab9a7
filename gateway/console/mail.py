"""Sign-in links by email, sent in the background so that an address on an admin list and an
unknown one get their answer equally fast.

The links do not pass through the outbox: an outbox row would keep a live credential readable
in the database until it is pruned. A lost email costs the person one more request.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from auth.console_access import IssuedLink
from gateway.config import Settings
from gateway.integrations.delivery import DeliveryError
from gateway.integrations.email import EmailSender
from gateway.keys import SETTINGS
from gateway.worker import smtp_config

log = logging.getLogger("seatgate.console")


class SignInMail:
    """The sign-in emails under way; the application waits for them when it stops."""

    def __init__(self) -> None:
        self._sending: set[asyncio.Task[None]] = set()

    def send_later(
        self,
        settings: Settings,
        email: str,
        links: list[IssuedLink],
        *,
        on_failure: Callable[[], None],
    ) -> None:
        """Send in the background; `on_failure` counts an email the SMTP server did not take."""
        config = smtp_config(settings)
        if config is None or not links:
            return
        task = asyncio.create_task(
            _send(EmailSender(config), settings, email, links, on_failure=on_failure)
        )
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def drain(self) -> None:
        if self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)


SIGN_IN_MAIL = web.AppKey("console_sign_in_mail", SignInMail)


async def sign_in_mail_lifecycle(app: web.Application) -> AsyncIterator[None]:
    app[SIGN_IN_MAIL] = SignInMail()
    yield
    await app[SIGN_IN_MAIL].drain()


def email_configured(request: web.Request) -> bool:
    return smtp_config(request.config_dict[SETTINGS]) is not None


def message_body(settings: Settings, links: list[IssuedLink]) -> str:
    minutes = settings.console_link_lifetime_seconds // 60
    lines = ["Someone (we hope you) asked to sign in to the seatgate console.", ""]
    for link in links:
        lines += [f"{link.org_name}:", f"  {settings.base_url}/console/login/{link.token}", ""]
    lines += [
        f"Each link works once, within {minutes} minutes.",
        "If you did not ask for this, ignore this email: nobody can sign in without the link.",
    ]
    return "\n".join(lines)


async def _send(
    sender: EmailSender,
    settings: Settings,
    email: str,
    links: list[IssuedLink],
    *,
    on_failure: Callable[[], None],
) -> None:
    try:
        await sender.send(
            [email],
            "Your seatgate console sign-in link",
            message_body(settings, links),
            message_id=f"<seatgate-sign-in-{links[0].token[-12:]}@seatgate.invalid>",
        )
    except DeliveryError as error:
        log.warning("console sign-in email to %s failed: %s", email, error)
        on_failure()
