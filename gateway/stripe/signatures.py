"""Stripe webhook signatures: `verify_webhook` checks `Stripe-Signature` over the raw body with
the SDK, refuses timestamps too far ahead, reads the body with seats.json_input and picks out
what seatgate acts on - the event id and type, and the subscription to re-fetch (an event is a
trigger; its payload is never trusted for capacity).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import stripe

from seats.json_input import InvalidJson, parse_json


class InvalidWebhook(Exception):
    """The body is not a Stripe event signed with our secret within the tolerance."""


class NotAnEvent(InvalidWebhook):
    """The signature verifies, but the body is not a Stripe event (not a JSON object, too
    deep, without an id and a type)."""


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
    now: float | None = None,
) -> VerifiedWebhook:
    """Check `Stripe-Signature` over the raw body and pick out what seatgate acts on.

    The signature's timestamp must lie within `tolerance_seconds` of our clock either way: the
    SDK refuses old ones but takes any time ahead, which would let a signed request be held
    and replayed later."""
    try:
        # The SDK checks the signature; the timestamp is checked below, both ways, at `now`.
        stripe.WebhookSignature.verify_header(payload, signature_header, secret, tolerance=None)
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhook(exc.user_message or "bad signature") from exc
    except UnicodeDecodeError as exc:
        raise InvalidWebhook(f"the body is not UTF-8: {exc}") from exc
    signed_at = _timestamp(signature_header or "")
    current = time.time() if now is None else now
    if signed_at < current - tolerance_seconds:
        raise InvalidWebhook(
            f"the signature's timestamp {signed_at} is outside the tolerance zone: more than "
            f"{tolerance_seconds} s old"
        )
    if signed_at > current + tolerance_seconds:
        raise InvalidWebhook(
            f"the signature's timestamp {signed_at} is more than {tolerance_seconds} s in the "
            "future; check the clocks"
        )
    try:
        data = parse_json(payload)
    except InvalidJson as exc:
        raise NotAnEvent(f"not a Stripe event: {exc.detail}") from exc
    event_id, event_type = data.get("id"), data.get("type")
    if not isinstance(event_id, str) or not isinstance(event_type, str):
        raise NotAnEvent("not a Stripe event: it needs a string id and type")
    inner = data.get("data")
    obj = inner.get("object") if isinstance(inner, Mapping) else None
    obj = obj if isinstance(obj, Mapping) else {}
    created = data.get("created")
    return VerifiedWebhook(
        event_id=event_id,
        event_type=event_type,
        object_id=_id(obj.get("id")),
        subscription_id=_subscription_of(obj),
        created=created if isinstance(created, int) else 0,
    )


def _timestamp(header: str) -> int:
    # verify_header has parsed this header already: `t=<unix seconds>,v1=<signature>,...`.
    for item in header.split(","):
        name, _, value = item.partition("=")
        if name.strip() == "t":
            return int(value)
    raise InvalidWebhook("the Stripe-Signature header has no timestamp")


def _subscription_of(obj: Mapping[str, Any]) -> str | None:
    kind = obj.get("object")
    if kind == "subscription":
        return obj.get("id")
    if kind in ("subscription_item", "checkout.session"):
        return _id(obj.get("subscription"))
    if kind == "invoice":
        # Current API versions name it under parent.subscription_details; older ones at the top.
        parent = obj.get("parent")
        details = parent.get("subscription_details") if isinstance(parent, Mapping) else None
        from_parent = details.get("subscription") if isinstance(details, Mapping) else None
        return _id(from_parent or obj.get("subscription"))
    return None


def _id(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return value.get("id")
    return value if isinstance(value, str) else None
