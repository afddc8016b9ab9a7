"""The tables of seats, on the one SQLAlchemy MetaData that Alembic migrations mirror (auth's
tables join it from auth/storage/tables.py).

Columns that SCIM filters, sorts or uniqueness rules touch are real, indexed columns; the rest
of a SCIM resource lives in the `resource` JSON document, which only the SCIM layer interprets.
Sections are grouped by the domain that owns them.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from seats.model import MEMBER_DISPLAY_LENGTH

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

Json = sa.JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, also on SQLite (which stores naive text)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value if value.tzinfo else value.replace(tzinfo=UTC)


def _id() -> sa.Column[str]:
    return sa.Column("id", sa.String(36), primary_key=True)


def _org_fk() -> sa.Column[str]:
    return sa.Column(
        "org_id", sa.String(36), sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False
    )


def _created() -> sa.Column[datetime]:
    return sa.Column("created_at", UTCDateTime(), nullable=False)


# --- organizations ------------------------------------------------------------------------

orgs = sa.Table(
    "orgs",
    metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False),
    # Capacity: null means unlimited.
    sa.Column("seat_limit", sa.Integer, nullable=True),
    sa.Column("seat_policy", sa.String(20), nullable=False, server_default="over_limit"),
    sa.Column("max_seats", sa.Integer, nullable=True),
    sa.Column("exempt_user_types", Json, nullable=False),
    sa.Column("admin_emails", Json, nullable=False),
    sa.Column("webhook_url", sa.String(2000), nullable=True),
    sa.Column("webhook_secret", sa.String(200), nullable=True),
    # How alert webhooks are signed: "standard" (Standard Webhooks) or "legacy" (the
    # Seatgate-Signature HMAC, which the migration adding this column kept for the orgs that
    # already had an alert webhook).
    sa.Column("webhook_signing", sa.String(20), nullable=False, server_default="standard"),
    sa.Column("invite_expiry_days", sa.Integer, nullable=False, server_default="7"),
    sa.Column("stripe_customer_id", sa.String(255), nullable=True, index=True),
    sa.Column("stripe_subscription_id", sa.String(255), nullable=True, index=True),
    # The mass-deprovisioning guard's limits for this org; null: the gateway's defaults.
    sa.Column("deprovision_guard_share", sa.Float, nullable=True),
    sa.Column("deprovision_guard_count", sa.Integer, nullable=True),
    sa.Column("deprovision_guard_window_seconds", sa.Integer, nullable=True),
    # Non-exempt members in `active` and in `over_limit`, which every seat decision reads. Kept
    # by triggers on members (migration 0009), so that every writer keeps them, bulk or not;
    # never written by the application.
    sa.Column("seats_active", sa.Integer, nullable=False, server_default="0"),
    sa.Column("seats_over_limit", sa.Integer, nullable=False, server_default="0"),
    # Invites in status pending, expired or not (the org lock's statement asks separately
    # whether one expired). Kept by triggers on invites (migration 0013), read with the locked
    # row: on PostgreSQL a count in the lock's statement would predate its wait for the lock.
    sa.Column("invites_pending", sa.Integer, nullable=False, server_default="0"),
    _created(),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

# --- members and groups (SCIM Users and Groups) ----------------------------------------------

members = sa.Table(
    "members",
    metadata,
    _id(),
    _org_fk(),
    sa.Column("user_name", sa.String(512), nullable=False),
    # userName is unique per org case-insensitively (RFC 7643 §4.1.1: caseExact false).
    sa.Column("user_name_key", sa.String(512), nullable=False),
    sa.Column("external_id", sa.String(512), nullable=True),
    sa.Column("display_name", sa.String(512), nullable=True),
    sa.Column("given_name", sa.String(512), nullable=True),
    sa.Column("family_name", sa.String(512), nullable=True),
    sa.Column("email", sa.String(512), nullable=True),
    sa.Column("email_key", sa.String(512), nullable=True),
    sa.Column("user_type", sa.String(200), nullable=True),
    # What the IdP said (SCIM `active`); the seat status below is the gateway's own.
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("seat_status", sa.String(20), nullable=False),
    sa.Column("exempt", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("over_limit_since", UTCDateTime(), nullable=True),
    # Order of arrival among counted members: promotions go oldest-first, demotions newest-first.
    sa.Column("seat_since", UTCDateTime(), nullable=True),
    # Released by an admin: waits over the limit, skipped by promotions (seats/assignment.py).
    sa.Column("seat_held", sa.Boolean, nullable=False, server_default=sa.false()),
    # A deactivation or deletion the mass-deprovisioning guard holds for an admin: the member
    # keeps its seat and is hidden from SCIM (seats/deprovision_guard.py).
    sa.Column("deprovision_hold_id", sa.String(36), nullable=True),
    sa.Column("resource", Json, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    _created(),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("org_id", "user_name_key"),
    sa.Index("ix_members_org_external_id", "org_id", "external_id"),
    sa.Index("ix_members_org_email_key", "org_id", "email_key"),
    sa.Index("ix_members_org_seat_status", "org_id", "seat_status", "seat_since"),
    # Pages walk it in (created_at, id) order; with deprovision_hold_id it also answers whether
    # SCIM sees a member (seats/storage/deprovision_store.py VISIBLE_TO_IDP), so a list page's
    # count reads the index alone, not every member row with its JSON.
    sa.Index("ix_members_org_created", "org_id", "created_at", "id", "deprovision_hold_id"),
    sa.Index("ix_members_org_display_name", "org_id", "display_name"),
)

groups = sa.Table(
    "groups",
    metadata,
    _id(),
    _org_fk(),
    sa.Column("display_name", sa.String(512), nullable=False),
    sa.Column("display_name_key", sa.String(512), nullable=False),
    sa.Column("external_id", sa.String(512), nullable=True),
    sa.Column("resource", Json, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    # Its direct members (rows of group_members), kept by triggers (migration 0014): whether a
    # group is too big to list in a PATCH answer is read here, not by walking its members.
    sa.Column("member_count", sa.Integer, nullable=False, server_default="0"),
    _created(),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("org_id", "display_name_key"),
    sa.Index("ix_groups_org_external_id", "org_id", "external_id"),
    sa.Index("ix_groups_org_created", "org_id", "created_at", "id"),
)

group_members = sa.Table(
    "group_members",
    metadata,
    sa.Column(
        "group_id",
        sa.String(36),
        sa.ForeignKey("groups.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # A member of a group is a User (members.id) or a nested Group (groups.id).
    sa.Column("member_id", sa.String(36), primary_key=True),
    sa.Column("member_type", sa.String(10), nullable=False, server_default="User"),
    sa.Column("org_id", sa.String(36), nullable=False),
    # The `display` the identity provider sent with the member, if any; shown in its place of
    # the member's current name (RFC 7643 §4.2: what the client wrote is what it reads back).
    sa.Column("display", sa.String(MEMBER_DISPLAY_LENGTH), nullable=True),
    _created(),
    sa.Index("ix_group_members_member_id", "member_id"),
)

# --- seats: ledger, invites, scheduled capacity changes, alerts and the outbox ---------------

# The seat ledger entries the guard counts: deactivations, and deletions of members not already
# deactivated (seats/ledger.py Reason.DEACTIVATED, Reason.DELETED). The guard's query uses
# this text too, so that the planners use the partial index.
COUNTED_DEPROVISIONS = (
    "reason IN ('deactivated', 'deleted') AND (from_status IS NULL OR from_status != 'deactivated')"
)

seat_ledger = sa.Table(
    "seat_ledger",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    _org_fk(),
    sa.Column("member_id", sa.String(36), nullable=True),
    sa.Column("invite_id", sa.String(36), nullable=True),
    sa.Column("from_status", sa.String(20), nullable=True),
    sa.Column("to_status", sa.String(20), nullable=True),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Index("ix_seat_ledger_org_id", "org_id", "id"),
    sa.Index("ix_seat_ledger_member_id", "member_id"),
    # The mass-deprovisioning guard counts the members of an org's recent deprovisions
    # (deprovision_store.py) from this index alone; partial, so that the far more frequent other
    # entries do not maintain it (migration 0011).
    sa.Index(
        "ix_seat_ledger_deprovisions",
        "org_id",
        "at",
        "member_id",
        sqlite_where=sa.text(COUNTED_DEPROVISIONS),
        postgresql_where=sa.text(COUNTED_DEPROVISIONS),
    ),
)

invites = sa.Table(
    "invites",
    metadata,
    _id(),
    _org_fk(),
    sa.Column("email", sa.String(512), nullable=False),
    sa.Column("email_key", sa.String(512), nullable=False),
    sa.Column("role", sa.String(100), nullable=True),
    # pending, accepted, revoked, expired
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
    sa.Column("member_id", sa.String(36), nullable=True),
    _created(),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Index("ix_invites_org_status", "org_id", "status", "expires_at"),
    sa.Index("ix_invites_org_email_key", "org_id", "email_key"),
)

capacity_changes = sa.Table(
    "capacity_changes",
    metadata,
    _id(),
    _org_fk(),
    sa.Column("new_capacity", sa.Integer, nullable=True),
    sa.Column("effective_at", UTCDateTime(), nullable=False),
    # scheduled, applied, canceled
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    _created(),
    sa.Index("ix_capacity_changes_due", "status", "effective_at"),
)

alerts = sa.Table(
    "alerts",
    metadata,
    _id(),
    _org_fk(),
    sa.Column("kind", sa.String(40), nullable=False),
    # open while its episode lasts (seat_limit_reached), closed otherwise
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("details", Json, nullable=False),
    _created(),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("closed_at", UTCDateTime(), nullable=True),
    sa.Index("ix_alerts_org_kind_state", "org_id", "kind", "state"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("org_id", sa.String(36), nullable=True),
    # email, webhook, billing_push, ...
    sa.Column("channel", sa.String(30), nullable=False),
    sa.Column("alert_id", sa.String(36), nullable=True),
    sa.Column("payload", Json, nullable=False),
    sa.Column("available_at", UTCDateTime(), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("delivered_at", UTCDateTime(), nullable=True),
    sa.Column("failed_at", UTCDateTime(), nullable=True),
    # A worker's lease on a message while it sends it (SKIP LOCKED picks unclaimed rows only).
    sa.Column("claimed_by", sa.String(36), nullable=True),
    sa.Column("claimed_until", UTCDateTime(), nullable=True),
    # Sent as soon as it is due, past the alert digest window (a mass-deprovisioning hold).
    sa.Column("urgent", sa.Boolean, nullable=False, server_default=sa.false()),
    _created(),
    sa.Index("ix_outbox_pending", "delivered_at", "available_at"),
)

delivery_log = sa.Table(
    "delivery_log",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("outbox_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False),
    sa.Column("org_id", sa.String(36), nullable=True),
    sa.Column("channel", sa.String(30), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Index("ix_delivery_log_outbox_id", "outbox_id"),
)

# Who did what: every console action and every admin change to an org, with its actor
# (`console:<email>`, `admin`, `product:<client id>`). Written in the action's own transaction.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    _org_fk(),
    sa.Column("actor", sa.String(400), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.String(200), nullable=True),
    sa.Column("detail", Json, nullable=False),
    _created(),
    sa.Index("ix_audit_log_org_id_id", "org_id", "id"),
)

# --- billing (Stripe) ------------------------------------------------------------------------

stripe_events = sa.Table(
    "stripe_events",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("received_at", UTCDateTime(), nullable=False),
)

owner_subscriptions = sa.Table(
    "owner_subscriptions",
    metadata,
    sa.Column("subscription_id", sa.String(255), primary_key=True),
    sa.Column("owner_email_key", sa.String(512), nullable=False, index=True),
    sa.Column("customer_id", sa.String(255), nullable=False),
    sa.Column("attached_org_id", sa.String(36), nullable=True),
    _created(),
)

# What seatgate last applied from an org's subscription (seats/billing/state.py).
billing_state = sa.Table(
    "billing_state",
    metadata,
    sa.Column(
        "org_id", sa.String(36), sa.ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("subscription_id", sa.String(255), nullable=True),
    sa.Column("subscription_status", sa.String(30), nullable=True),
    # The capacity Stripe granted at the last sync (null: unlimited).
    sa.Column("stripe_capacity", sa.Integer, nullable=True),
    # When the applied snapshot was fetched: an older fetch never overwrites a newer one.
    sa.Column("fetched_at", UTCDateTime(), nullable=True),
    sa.Column("synced_at", UTCDateTime(), nullable=True),
    # Bumped by every seat push; part of the push's idempotency key.
    sa.Column("capacity_version", sa.Integer, nullable=False, server_default="0"),
)
