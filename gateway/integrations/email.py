"""The one place seatgate sends email: `EmailSender` wraps aiosmtplib.

Failures become `DeliveryError`: permanent when the server refused the message or every
recipient for good (a 5xx reply), transient otherwise (connection refused, timeout, 4xx), so
the outbox worker knows whether to retry.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from gateway.integrations.delivery import DeliveryError


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    sender: str = "seatgate@localhost"
    starttls: bool = False
    timeout_seconds: float = 30.0


class EmailSender:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    async def send(
        self, recipients: Sequence[str], subject: str, body: str, *, message_id: str
    ) -> str:
        """Send a plain-text message; returns the server's reply for the delivery log."""
        message = EmailMessage()
        message["From"] = self.config.sender
        message["To"] = ", ".join(recipients)
        message["Subject"] = subject
        # Stable per outbox message, so a resend after a crash can be recognized as one.
        message["Message-ID"] = message_id
        message.set_content(body)
        try:
            replies, reply = await aiosmtplib.send(
                message,
                sender=self.config.sender,
                recipients=list(recipients),
                hostname=self.config.host,
                port=self.config.port,
                username=self.config.username,
                password=self.config.password,
                start_tls=self.config.starttls or None,
                timeout=self.config.timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [error.code for error in exc.recipients]
            raise DeliveryError(
                f"all recipients refused: {exc}", permanent=all(code >= 500 for code in codes)
            ) from None
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"SMTP {exc.code}: {exc.message}", permanent=exc.code >= 500
            ) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise DeliveryError(f"SMTP server unreachable: {exc}") from None
        refused = {address: str(r) for address, r in replies.items()}
        return f"sent to {len(recipients) - len(refused)} of {len(recipients)}: {reply}"
