"""An organization under test, driven through the domain services only (each call is its own
transaction, as an HTTP request would be), so seat tests read like the scenarios they check."""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from seats import alerts, capacity, invites, ledger, members, outbox, summary
from seats.alerts import Alert, AlertKind
from seats.ledger import LedgerEntry
from seats.model import Member, MemberDraft, SeatStatus
from seats.orgs import create_org, update_org
from seats.storage.database import Database


@dataclass
class World:
    database: Database
    org_id: str

    @classmethod
    async def create(cls, database: Database, **org_fields: Any) -> "World":
        org_fields.setdefault("admin_emails", ("admin@acme.test",))
        async with database.transaction() as conn:
            org = await create_org(conn, name="Acme", **org_fields)
        return cls(database, org.id)

    # --- members ---------------------------------------------------------------------------

    async def add(self, user_name: str, **fields: Any) -> Member:
        async with self.database.transaction() as conn:
            draft = MemberDraft(user_name=user_name, **fields)
            return await members.create_member(conn, self.org_id, draft, actor="idp")

    async def add_many(self, count: int, prefix: str = "user") -> list[Member]:
        return [await self.add(f"{prefix}{i:03}") for i in range(count)]

    async def change(self, member: Member, **fields: Any) -> Member:
        async with self.database.transaction() as conn:
            current = await members.get_member(conn, self.org_id, member.id)
            draft = replace(members.draft_of(current), **fields)
            return await members.replace_member(conn, self.org_id, member.id, draft, actor="idp")

    async def deactivate(self, member: Member) -> Member:
        return await self.change(member, active=False)

    async def reactivate(self, member: Member) -> Member:
        return await self.change(member, active=True)

    async def delete(self, member: Member) -> None:
        async with self.database.transaction() as conn:
            await members.delete_member(conn, self.org_id, member.id, actor="idp")

    async def status(self, member: Member) -> SeatStatus:
        async with self.database.read() as conn:
            return (await members.get_member(conn, self.org_id, member.id)).seat_status

    async def statuses(self, people: list[Member]) -> list[SeatStatus]:
        return [await self.status(m) for m in people]

    # --- capacity and invites --------------------------------------------------------------

    async def set_capacity(self, seat_limit: int | None) -> None:
        async with self.database.transaction() as conn:
            await capacity.change_capacity(conn, self.org_id, seat_limit, actor="admin")

    async def schedule(self, seat_limit: int | None, at: datetime, *, now: datetime) -> None:
        async with self.database.transaction() as conn:
            await capacity.schedule_capacity_change(
                conn, self.org_id, seat_limit, effective_at=at, actor="admin", now=now
            )

    async def settings(self, **changes: Any) -> None:
        async with self.database.transaction() as conn:
            await update_org(conn, self.org_id, changes)

    async def invite(self, email: str, *, now: datetime | None = None) -> invites.Invite:
        async with self.database.transaction() as conn:
            return await invites.create_invite(conn, self.org_id, email, actor="admin", now=now)

    async def revoke(self, invite: invites.Invite) -> None:
        async with self.database.transaction() as conn:
            await invites.revoke_invite(conn, self.org_id, invite.id, actor="admin")

    async def accept(self, invite: invites.Invite) -> Member:
        async with self.database.transaction() as conn:
            return await invites.accept_invite(conn, self.org_id, invite.id, actor="invitee")

    # --- what an admin sees ----------------------------------------------------------------

    async def seats(self, *, now: datetime | None = None) -> summary.SeatSummary:
        async with self.database.read() as conn:
            return await summary.seat_summary(conn, self.org_id, now=now)

    async def alerts(self, kind: AlertKind | None = None) -> list[Alert]:
        async with self.database.read() as conn:
            return await alerts.list_alerts(conn, self.org_id, kind=kind)

    async def ledger(self) -> list[LedgerEntry]:
        async with self.database.read() as conn:
            return await ledger.list_entries(conn, self.org_id, limit=10_000)

    async def pending_messages(self, channel: str | None = None) -> int:
        async with self.database.read() as conn:
            return await outbox.count_pending(conn, channel=channel)
