"""auth's tables: SCIM bearer tokens, admin tokens, product clients and signing keys.

They sit on the one `metadata` of seats.storage.tables, so Alembic (gateway/migrations/env.py
imports this module) sees every table of seatgate; the column types `UTCDateTime` and `Json`
are shared from there too. Only auth's storage modules read and write these tables.
"""

import sqlalchemy as sa

from seats.storage.tables import Json, UTCDateTime, metadata

scim_tokens = sa.Table(
    "scim_tokens",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column(
        "org_id", sa.String(36), sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    # sha256 of the token: the token itself is shown once and never stored.
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("revoked_at", UTCDateTime(), nullable=True),
    sa.Column("last_used_at", UTCDateTime(), nullable=True),
)

admin_tokens = sa.Table(
    "admin_tokens",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

product_clients = sa.Table(
    "product_clients",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    # null: a global client that may ask for tokens for any org
    sa.Column("org_id", sa.String(36), sa.ForeignKey("orgs.id", ondelete="CASCADE")),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("secret_hash", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("revoked_at", UTCDateTime(), nullable=True),
)

signing_keys = sa.Table(
    "signing_keys",
    metadata,
    sa.Column("kid", sa.String(64), primary_key=True),
    sa.Column("algorithm", sa.String(10), nullable=False),
    # The private half as auth/key_encryption.py seals it: a Fernet token, or PEM when no
    # encryption key is configured (the column's name is from before encryption).
    sa.Column("private_pem", sa.Text, nullable=False),
    sa.Column("public_jwk", Json, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    # No longer signs new tokens after this; stays in the JWKS until `expires_at`.
    sa.Column("retired_at", UTCDateTime(), nullable=True),
    sa.Column("expires_at", UTCDateTime(), nullable=True),
)

# Console sign-in links: a portal link the operator or the product hands to an org's admin, or
# a magic link mailed to an address on the org's admin list. Single use; only the hash is kept.
console_links = sa.Table(
    "console_links",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column(
        "org_id", sa.String(36), sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    # `portal` (made through the admin API) or `magic` (asked for at /console/login).
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
    sa.Column("used_at", UTCDateTime(), nullable=True),
)

# Console sessions, kept server-side: the cookie holds a random token, this table its hash.
console_sessions = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column(
        "org_id", sa.String(36), sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("last_seen_at", UTCDateTime(), nullable=False),
    sa.Column("ended_at", UTCDateTime(), nullable=True),
)
