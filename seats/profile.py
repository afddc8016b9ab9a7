"""A member's emails and name as the product sees them (directory API and events alike), read
from the stored SCIM resource with the member's own columns as the fallback."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Email:
    value: str
    type: str | None
    primary: bool


def emails_of(stored: object, column: str | None) -> tuple[Email, ...]:
    """The stored SCIM resource's `emails`; the member's email column when it holds none."""
    found = tuple(
        Email(
            value=entry["value"],
            type=entry.get("type") if isinstance(entry.get("type"), str) else None,
            primary=entry.get("primary") is True,
        )
        for entry in (stored if isinstance(stored, list) else [])
        if isinstance(entry, dict) and isinstance(entry.get("value"), str)
    )
    if found or column is None:
        return found
    return (Email(value=column, type=None, primary=True),)


def formatted_name(formatted: object, given: str | None, family: str | None) -> str | None:
    """The name as the IdP formatted it, or the given and family names joined."""
    if isinstance(formatted, str):
        return formatted
    return " ".join(part for part in (given, family) if part) or None


def iso_time(value: datetime) -> str:
    """An instant as the product's APIs write it: ISO 8601, UTC, with a Z."""
    return value.isoformat().replace("+00:00", "Z")
