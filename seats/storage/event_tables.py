"""The event log's tables: the append-only `events`, the one-row `event_sequence` that hands out
their positions in commit order, and the product's webhook endpoints with their delivery log.

They share the MetaData of seats/storage/tables.py, which the migrations mirror.
"""

import sqlalchemy as sa

from seats.storage.tables import Json, UTCDateTime, metadata

_BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")

events = sa.Table(
    "events",
    metadata,
    # The position in the feed, handed out by `event_sequence` (not autoincrement: see
    # seats/storage/event_store.py for why the order is the commit order).
    sa.Column("id", _BIG_ID, primary_key=True, autoincrement=False),
    sa.Column("org_id", sa.String(36), nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("data", Json, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Index("ix_events_org_id", "org_id", "id"),
    sa.Index("ix_events_created_at", "created_at"),
    # SQLite numbers the rows itself (never reusing a pruned position); PostgreSQL's positions
    # come from event_sequence.
    sqlite_autoincrement=True,
)

event_sequence = sa.Table(
    "event_sequence",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    # The position of the last event appended (committed, as any reader sees it); PostgreSQL
    # only: SQLite's own sequence of `events` says it there.
    sa.Column("last_id", _BIG_ID, nullable=False),
    # Events up to this position were pruned: a cursor before it has lost events (410).
    sa.Column("pruned_through", _BIG_ID, nullable=False),
)

event_endpoints = sa.Table(
    "event_endpoints",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("url", sa.String(2000), nullable=False),
    # null: every org's events
    sa.Column("org_id", sa.String(36), sa.ForeignKey("orgs.id", ondelete="CASCADE")),
    # null: every type
    sa.Column("types", Json, nullable=True),
    # The Standard Webhooks signing secret (whsec_...): the sender needs it to sign.
    sa.Column("secret", sa.String(200), nullable=False),
    # enabled or disabled
    sa.Column("state", sa.String(10), nullable=False),
    # The position of the last event delivered (or skipped by the filter).
    sa.Column("cursor", _BIG_ID, nullable=False),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("failing_since", UTCDateTime(), nullable=True),
    sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
    sa.Column("disabled_reason", sa.Text, nullable=True),
    # A worker's lease while it delivers (SKIP LOCKED picks unclaimed endpoints only).
    sa.Column("claimed_by", sa.String(36), nullable=True),
    sa.Column("claimed_until", UTCDateTime(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

event_deliveries = sa.Table(
    "event_deliveries",
    metadata,
    sa.Column("id", _BIG_ID, primary_key=True),
    sa.Column(
        "endpoint_id",
        sa.String(36),
        sa.ForeignKey("event_endpoints.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("event_id", _BIG_ID, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Index("ix_event_deliveries_endpoint_id", "endpoint_id", "id"),
)
