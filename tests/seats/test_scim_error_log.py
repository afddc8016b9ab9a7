"""The SCIM error log keeps each org's newest errors, and no more."""

from datetime import UTC, datetime, timedelta

from seats import scim_error_log
from seats.storage.database import Database
from tests.seats.world import World

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


async def _record(database: Database, org_id: str, count: int, *, path: str = "/Users") -> None:
    async with database.transaction() as conn:
        for n in range(count):
            await scim_error_log.record(
                conn,
                org_id,
                at=T0 + timedelta(seconds=n),
                method="POST",
                path=f"{path}/{n}",
                status=400,
                scim_type="invalidValue",
                detail=f"error {n}",
                user_agent="Okta SCIM Client 1.0.0",
            )


async def test_only_the_newest_200_errors_of_an_org_are_kept(database: Database):
    acme, globex = await World.create(database), await World.create(database)
    await _record(database, globex.org_id, 3)
    await _record(database, acme.org_id, scim_error_log.KEEP + 5)

    async with database.read() as conn:
        kept = await scim_error_log.newest(conn, acme.org_id, limit=1000)
        theirs = await scim_error_log.newest(conn, globex.org_id, limit=1000)

    assert len(kept) == 200
    assert kept[0].detail == "error 204" and kept[-1].detail == "error 5"
    assert kept[0].at == T0 + timedelta(seconds=204)
    assert (kept[0].method, kept[0].status, kept[0].scim_type) == ("POST", 400, "invalidValue")
    assert kept[0].user_agent == "Okta SCIM Client 1.0.0"
    assert [e.detail for e in theirs] == ["error 2", "error 1", "error 0"]


async def test_overlong_values_are_cut_to_their_columns_rather_than_refused(database: Database):
    org = await World.create(database)
    async with database.transaction() as conn:
        await scim_error_log.record(
            conn,
            org.org_id,
            at=T0,
            method="PATCH",
            path="/Users/" + "x" * 5000,
            status=404,
            scim_type=None,
            detail="d" * 9000,
            user_agent="u" * 900,
        )

    async with database.read() as conn:
        (entry,) = await scim_error_log.newest(conn, org.org_id)
    assert (len(entry.path), len(entry.detail), len(entry.user_agent or "")) == (2048, 2000, 512)
    assert entry.scim_type is None
