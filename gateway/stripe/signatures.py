"""Stripe webhook signatures: `verify_webhook` checks `Stripe-Signature` over the raw body with
the SDK and picks out what seatgate acts on - the event id and type, and the subscription to
re-fetch (an event is a trigger; its payload is never trusted for capacity).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import stripe


class InvalidWebhook(Exception):
    """The body is not a Stripe event signed with our secret within the tolerance."""


@dataclass(frozen=True)
class VerifiedWebhook:
    event_id: str
    event_type: str
    object_id: str | None
    # The subscription to re-fetch, when the event concerns one (DESIGN: events only trigger
    # a re-fetch; their payload is never trusted for capacity).
    subscription_id: str | None
    created: int


def verify_webhook(
    payload: bytes | str,
    signature_header: str | None,
    secret: str,
    *,
    tolerance_seconds: int = 300,
) -> VerifiedWebhook:
    """Check `Stripe-Signature` over the raw body and pick out what seatgate acts on."""
    try:
        event = stripe.Webhook.construct_event(
            payload, signature_header, secret, tolerance=tolerance_seconds
        )
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhook(exc.user_message or "bad signature") from exc
    except ValueError as exc:  # not JSON, or not an event
        raise InvalidWebhook(f"not a Stripe event: {exc}") from exc
    data = event.to_dict()
    obj = (data.get("data") or {}).get("object") or {}
    return VerifiedWebhook(
        event_id=data["id"],
        event_type=data["type"],
        object_id=obj.get("id"),
        subscription_id=_subscription_of(obj),
        created=data.get("created", 0),
    )


def _subscription_of(obj: Mapping[str, Any]) -> str | None:
    kind = obj.get("object")
    if kind == "subscription":
        return obj.get("id")
    if kind in ("subscription_item", "checkout.session"):
        return _id(obj.get("subscription"))
    if kind == "invoice":
        # Current API versions name it under parent.subscription_details; older ones at the top.
        details = (obj.get("parent") or {}).get("subscription_details") or {}
        return _id(details.get("subscription") or obj.get("subscription"))
    return None


def _id(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return value.get("id")
    return value if isinstance(value, str) else None
