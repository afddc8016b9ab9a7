"""Who may open an org's console, and for how long.

- A *portal link* is made through the admin API (by the operator, or by a product client
  allowed for the org, so the product can put a "Manage seats" button in its own settings).
- A *magic link* is asked for at /console/login by an address on an org's admin list and
  arrives by email; asking for an unknown address looks exactly the same.

Both are single use, expire after minutes, and only their SHA-256 is stored. Redeeming one
opens a *session*: a random token in the browser's cookie, its digest here, ended by sign-out,
by an idle timeout and by an absolute one. The CSRF token of a session is derived from the
session token, so it needs no storage and changes with every session.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from auth.model import ConsoleRole, ConsoleSession
from auth.secrets import digest, new_secret
from auth.storage import console_store
from seats import audit
from seats.clock import new_id, utcnow
from seats.errors import InvalidValue
from seats.model import Org
from seats.orgs import get_org, orgs_listing_admin

LINK_PREFIX = "sglink"
SESSION_PREFIX = "sgsess"
PORTAL = "portal"
MAGIC = "magic"


@dataclass(frozen=True)
class IssuedLink:
    org_id: str
    org_name: str
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class SessionTimeouts:
    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class OpenedSession:
    token: str
    session: ConsoleSession


def parse_role(value: object) -> ConsoleRole:
    try:
        return ConsoleRole(value)
    except ValueError:
        roles = ", ".join(f"'{role.value}'" for role in ConsoleRole)
        raise InvalidValue(f"role must be one of {roles}", field="role") from None


async def issue_portal_link(
    conn: AsyncConnection,
    org_id: str,
    *,
    email: str,
    role: ConsoleRole,
    lifetime: timedelta,
    actor: str,
) -> IssuedLink:
    """A single-use link that opens `org_id`'s console as `email`. Returned here once."""
    org = await get_org(conn, org_id)
    link = await _issue(conn, org, email=email, role=role, kind=PORTAL, lifetime=lifetime)
    await audit.record(
        conn, org_id, actor=actor, action="portal_link.created", detail={"email": email}
    )
    return link


async def issue_magic_links(
    conn: AsyncConnection, email: str, *, lifetime: timedelta
) -> list[IssuedLink]:
    """One link per org whose admin list holds `email` (none for an unknown address)."""
    return [
        await _issue(conn, org, email=email, role=ConsoleRole.ADMIN, kind=MAGIC, lifetime=lifetime)
        for org in await orgs_listing_admin(conn, email)
    ]


async def redeem_link(conn: AsyncConnection, token: str) -> OpenedSession | None:
    """Use a link up and open a session with it; None if it is unknown, used or expired."""
    now = utcnow()
    redeemed = await console_store.redeem_link(conn, digest(token), at=now)
    if redeemed is None:
        return None
    org_id, email, role = redeemed
    session_token = new_secret(SESSION_PREFIX)
    session = ConsoleSession(id=new_id(), org_id=org_id, email=email, role=role, created_at=now)
    await console_store.insert_session(
        conn,
        session_id=session.id,
        token_hash=digest(session_token),
        org_id=org_id,
        email=email,
        role=role,
        at=now,
    )
    await audit.record(conn, org_id, actor=session.actor, action="console.signed_in")
    return OpenedSession(session_token, session)


async def live_session(
    conn: AsyncConnection, token: str, timeouts: SessionTimeouts
) -> ConsoleSession | None:
    """The session of a cookie's token if it is still live (and it stays live a while longer)."""
    now = utcnow()
    return await console_store.touch_live_session(
        conn,
        digest(token),
        at=now,
        seen_after=now - timeouts.idle,
        created_after=now - timeouts.absolute,
    )


async def end_session(conn: AsyncConnection, token: str, session: ConsoleSession) -> None:
    await console_store.end_session(conn, digest(token), at=utcnow())
    await audit.record(conn, session.org_id, actor=session.actor, action="console.signed_out")


def csrf_token(session_token: str) -> str:
    return hashlib.sha256(f"csrf:{session_token}".encode()).hexdigest()


def csrf_matches(session_token: str, presented: str) -> bool:
    return hmac.compare_digest(csrf_token(session_token), presented)


async def _issue(
    conn: AsyncConnection,
    org: Org,
    *,
    email: str,
    role: ConsoleRole,
    kind: str,
    lifetime: timedelta,
) -> IssuedLink:
    token = new_secret(LINK_PREFIX)
    now = utcnow()
    link = IssuedLink(org_id=org.id, org_name=org.name, token=token, expires_at=now + lifetime)
    await console_store.insert_link(
        conn,
        link_id=new_id(),
        org_id=org.id,
        email=email,
        role=role.value,
        kind=kind,
        token_hash=digest(token),
        created_at=now,
        expires_at=link.expires_at,
    )
    return link
