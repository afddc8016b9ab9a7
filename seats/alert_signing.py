"""Which secret an alert webhook can be signed with under each `WebhookSigning` scheme.

Standard Webhooks (standardwebhooks.com, "Signature scheme") keys are `whsec_` followed by the
base64 of 24 to 64 random bytes; the legacy Seatgate-Signature HMAC takes any string, as it
always has. An empty or absent secret means unsigned deliveries under either scheme.
"""

import base64
import binascii

from seats.errors import InvalidValue
from seats.model import WebhookSigning

SECRET_PREFIX = "whsec_"
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64


def check_webhook_secret(signing: WebhookSigning, secret: str | None) -> None:
    """Refuse a secret the scheme cannot sign with, saying what would do."""
    if not secret or signing is WebhookSigning.LEGACY:
        return
    if not is_standard_secret(secret):
        raise InvalidValue(
            "webhook_secret must be whsec_ followed by the base64 of "
            f"{MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} random bytes while webhook_signing is "
            "standard (docs/alerts.md shows how to make one); or set webhook_signing to "
            "legacy to keep the Seatgate-Signature HMAC"
        )


def is_standard_secret(secret: str) -> bool:
    if not secret.startswith(SECRET_PREFIX):
        return False
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        return False
    return MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES
