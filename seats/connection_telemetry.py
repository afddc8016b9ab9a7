"""Per SCIM connection (token) telemetry: which identity provider a connection is, when it
last asked, how many requests and errors it made, and how often each IdP quirk was normalized.

The SCIM layer counts in memory per process and hands over what it counted since its last
flush as `Increment`s (scim/telemetry.py); `add` folds them into the stored totals, adding to
the counters in one upsert per table, so several gateway processes can flush into the same
rows. The totals therefore lag the requests by up to the flush interval.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from seats.storage import connection_telemetry_store as store

# The kinds of counters kept next to the request count.
STATUS_CLASS = "status_class"
SCIM_TYPE = "scim_type"
NORMALIZATION = "normalization"


@dataclass(frozen=True)
class Profile:
    """Which IdP a connection looks like, the signal that decided, and how strong it is:
    a newer signal replaces the stored one unless that one is stronger."""

    name: str
    signal: str
    strength: int


@dataclass
class Increment:
    """What one process saw of one connection since its last flush."""

    token_id: str
    org_id: str
    profile: Profile
    last_request_at: datetime
    requests: int = 0
    # (kind, name) -> count, e.g. ("status_class", "4xx"), ("normalization", "remove_with_value").
    counts: dict[tuple[str, str], int] = field(default_factory=dict)


@dataclass(frozen=True)
class ConnectionTelemetry:
    """A connection's stored totals."""

    idp_profile: str | None = None
    profile_signal: str | None = None
    last_request_at: datetime | None = None
    requests: int = 0
    errors_by_status_class: Mapping[str, int] = field(default_factory=dict)
    errors_by_scim_type: Mapping[str, int] = field(default_factory=dict)
    normalizations: Mapping[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(self.errors_by_status_class.values())


NO_TELEMETRY = ConnectionTelemetry()


async def add(conn: AsyncConnection, increments: Sequence[Increment]) -> None:
    """Add a flush's increments to the stored totals."""
    if not increments:
        return
    await store.add_totals(
        conn,
        [
            store.TotalsRow(
                token_id=item.token_id,
                org_id=item.org_id,
                requests=item.requests,
                last_request_at=item.last_request_at,
                idp_profile=item.profile.name,
                profile_signal=item.profile.signal[: store.SIGNAL_LENGTH],
                profile_strength=item.profile.strength,
            )
            for item in increments
        ],
    )
    await store.add_counts(
        conn,
        [
            store.CountRow(item.token_id, kind, name[: store.NAME_LENGTH], count)
            for item in increments
            for (kind, name), count in item.counts.items()
            if count
        ],
    )


async def for_tokens(
    conn: AsyncConnection, org_id: str, token_ids: Iterable[str]
) -> dict[str, ConnectionTelemetry]:
    """The totals of an org's connections, by token id; a token never used has none."""
    ids = list(token_ids)
    totals = await store.totals_of(conn, org_id, ids)
    counts = await store.counts_of(conn, ids)
    found = {}
    for token_id, row in totals.items():
        by_kind: dict[str, dict[str, int]] = {STATUS_CLASS: {}, SCIM_TYPE: {}, NORMALIZATION: {}}
        for kind, name, count in counts.get(token_id, []):
            by_kind.setdefault(kind, {})[name] = count
        found[token_id] = ConnectionTelemetry(
            idp_profile=row.idp_profile,
            profile_signal=row.profile_signal,
            last_request_at=row.last_request_at,
            requests=row.requests,
            errors_by_status_class=by_kind[STATUS_CLASS],
            errors_by_scim_type=by_kind[SCIM_TYPE],
            normalizations=by_kind[NORMALIZATION],
        )
    return found
