"""The SCIM errors answered to an org's identity provider, so its admins can see why Okta or
Entra reports a failed push without asking the operator for logs.

Only the newest `KEEP` per org are kept: each insert prunes the older ones in the same short
transaction, so the table stays small however long an IdP keeps sending a bad request.
"""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from seats.storage import scim_error_store
from seats.storage.scim_error_store import ScimErrorEntry

__all__ = ["KEEP", "ScimErrorEntry", "newest", "record"]

KEEP = 200
# Column widths (seats/storage/scim_error_store.py): longer values are cut, never refused.
_WIDTHS = {"method": 16, "path": 2048, "scim_type": 64, "user_agent": 512, "detail": 2000}


async def record(
    conn: AsyncConnection,
    org_id: str,
    *,
    at: datetime,
    method: str,
    path: str,
    status: int,
    scim_type: str | None,
    detail: str,
    user_agent: str | None,
    keep: int = KEEP,
) -> None:
    entry = ScimErrorEntry(
        at=at,
        method=method[: _WIDTHS["method"]],
        path=path[: _WIDTHS["path"]],
        status=status,
        scim_type=scim_type[: _WIDTHS["scim_type"]] if scim_type else None,
        detail=detail[: _WIDTHS["detail"]],
        user_agent=user_agent[: _WIDTHS["user_agent"]] if user_agent else None,
    )
    await scim_error_store.insert(conn, org_id, entry)
    await scim_error_store.prune(conn, org_id, keep=keep)


async def newest(conn: AsyncConnection, org_id: str, *, limit: int = 50) -> list[ScimErrorEntry]:
    """An org's SCIM errors, newest first."""
    return await scim_error_store.newest(conn, org_id, limit=limit)
