"""identifier keys re-keyed with the PRECIS-style fold of seats/identifiers.py

The key columns (members.user_name_key and email_key, groups.display_name_key, invites.email_key,
owner_subscriptions.owner_email_key) held NFC + lowercase; they now hold seats.identifiers.fold:
NFKC, full case fold, default-ignorables removed, NFKC. The stored values themselves (what the
IdP sent) do not change.

Two rows of one organization that were different before may now share a key (`STRASSE` and
`straße`), which the unique index refuses. The migration does not fail then: the oldest row
(created_at, then id) takes the key, and each later one is *set aside* with a key no identifier
folds to (`seats.identifiers.set_aside_key`: its own key, a WORD JOINER, `collision:` and its
id), so it stays readable, updatable and deletable by id, but `userName eq` and new users with
the name find the oldest. A key wider than its 512-character column is set aside as `too-long`.
Each set-aside row is logged as a warning here; `seatgate identifiers set-aside` lists the ones
still set aside (docs/seats.md says how to resolve them). The keys are computed by the fold the
code has: a later change to it needs a migration of its own that re-keys again.

Revision ID: 0005
Revises: 0004
"""

import logging
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

from seats.identifiers import MAX_KEY_LENGTH, fold, set_aside_key

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000
log = logging.getLogger("seatgate.migrations")
KeyOf = Callable[[str], str]


class _Keyed(NamedTuple):
    """A key column and the column it is computed from, as they are at revision 0004."""

    table: str
    row_id: str
    value: str
    key: str
    attribute: str = ""

    def columns(self) -> tuple[sa.TableClause, sa.ColumnClause, sa.ColumnClause, sa.ColumnClause]:
        names = dict.fromkeys((self.row_id, self.value, self.key, "org_id", "created_at"))
        table = sa.table(self.table, *(sa.column(name, sa.String) for name in names))
        return table, table.c[self.row_id], table.c[self.value], table.c[self.key]


_UNIQUE_KEYS = (
    _Keyed("members", "id", "user_name", "user_name_key", "userName"),
    _Keyed("groups", "id", "display_name", "display_name_key", "displayName"),
)
_PLAIN_KEYS = (
    _Keyed("members", "id", "email", "email_key"),
    _Keyed("invites", "id", "email", "email_key"),
    # Only the old key is stored: folding it is folding the address (the old key was the
    # address lowercased, which the full case fold folds on the same way).
    _Keyed("owner_subscriptions", "subscription_id", "owner_email_key", "owner_email_key"),
)


def upgrade() -> None:
    _rekey(fold)


def downgrade() -> None:
    # The same walk with 0004's key: rows apart under fold are apart lowercased too, and a row
    # set aside by the upgrade gets its old key back (it collided only under the fold).
    _rekey(_lowered)


def _lowered(value: str) -> str:
    """seats.identifiers.fold as it was at revision 0004."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", value).lower())


def _rekey(key_of: KeyOf) -> None:
    conn = op.get_bind()
    for keyed in _UNIQUE_KEYS:
        table = keyed.columns()[0]
        for org_id in conn.execute(sa.select(table.c.org_id).distinct()).scalars().all():
            _rekey_unique(conn, keyed, org_id, key_of)
    for keyed in _PLAIN_KEYS:
        _rekey_plain(conn, keyed, key_of)


def _rekey_unique(conn: sa.Connection, keyed: _Keyed, org_id: str, key_of: KeyOf) -> None:
    """One organization's keys under a unique index: the oldest row of each key keeps it."""
    table, row_id, value, key = keyed.columns()
    rows = conn.execute(
        sa.select(row_id, value, key)
        .where(table.c.org_id == org_id)
        .order_by(table.c.created_at, row_id)
    ).all()
    holders: dict[str, str] = {}
    final: dict[str, str] = {}
    for identity, name, stored in rows:
        new = key_of(name)
        if len(new) > MAX_KEY_LENGTH:
            new = set_aside_key(new, identity, "too-long")
            _report(keyed, org_id, identity, name, "its key is longer than the column")
        elif new in holders:
            _report(keyed, org_id, identity, name, f"its key is {holders[new]}'s")
            new = set_aside_key(new, identity, "collision")
        else:
            holders[new] = identity
        if new != stored:
            final[identity] = new
    # Two steps, so no intermediate state breaks the unique index ('ß' may become 'ss' while
    # another row still holds 'ss' until it is set aside): every changing row first moves to a
    # key of its own, then to its final key.
    _write(conn, keyed, {identity: set_aside_key("", identity, "migrating") for identity in final})
    _write(conn, keyed, final)


def _rekey_plain(conn: sa.Connection, keyed: _Keyed, key_of: KeyOf) -> None:
    """Keys without a unique index, in batches by primary key."""
    for rows in _batches(conn, keyed):
        final = {}
        for identity, source, stored in rows:
            if source is None:
                continue
            new = key_of(source)
            if len(new) > MAX_KEY_LENGTH:
                new = set_aside_key(new, identity, "too-long")
            if new != stored:
                final[identity] = new
        _write(conn, keyed, final)


def _batches(conn: sa.Connection, keyed: _Keyed) -> Iterator[Sequence[sa.Row]]:
    _, row_id, value, key = keyed.columns()
    last = None
    while True:
        query = sa.select(row_id, value, key).order_by(row_id).limit(_BATCH)
        if last is not None:
            query = query.where(row_id > last)
        rows = conn.execute(query).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _write(conn: sa.Connection, keyed: _Keyed, keys: dict[str, str]) -> None:
    table, row_id, _, key = keyed.columns()
    statement = (
        sa.update(table)
        .where(row_id == sa.bindparam("row_id"))
        .values({key.name: sa.bindparam("new_key")})
    )
    updates = [{"row_id": identity, "new_key": new} for identity, new in keys.items()]
    for start in range(0, len(updates), _BATCH):
        conn.execute(statement, updates[start : start + _BATCH])


def _report(keyed: _Keyed, org_id: str, row_id: str, value: str, why: str) -> None:
    log.warning(
        "0005: set aside %s %s of org %s (%s %r): %s; `seatgate identifiers set-aside` lists "
        "what is still set aside",
        keyed.table,
        row_id,
        org_id,
        keyed.attribute,
        value,
        why,
    )
