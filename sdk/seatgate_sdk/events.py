"""What the gateway tells a product happened: an event of the feed (and of a webhook delivery),
and a page of the feed."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Event:
    """One change, as `GET /directory/v1/events` and webhook deliveries show it. `id` is unique
    and stable: the same event seen twice (a retry, a replay) has the same id."""

    id: str
    type: str
    org_id: str
    created_at: datetime
    data: dict[str, Any]

    @classmethod
    def from_json(cls, body: Any) -> "Event":
        if not isinstance(body, dict):
            raise ValueError("an event is a JSON object")
        try:
            return cls(
                id=str(body["id"]),
                type=str(body["type"]),
                org_id=str(body["org_id"]),
                created_at=datetime.fromisoformat(body["created_at"]),
                data=dict(body["data"]),
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"not a seatgate event: {error}") from None


@dataclass(frozen=True)
class EventPage:
    """A page of the feed. `next_cursor` is always set (also on an empty page): it is where the
    next poll starts. A page shorter than the limit asked for means the reader is up to date."""

    events: list[Event]
    next_cursor: str
