"""`seatgate billing reconcile`: every org's capacity against Stripe, drift as a table, fixed on
request, with a progress bar on stderr when it is a terminal."""

import asyncio
import io
import os
import sys

from gateway.keys import DATABASE
from gateway.stripe.commands import print_table, reconcile
from gateway.stripe.settings import BILLING
from tests.billing.support import API_KEY, ORG_META, Billed
from tests.terminal import plain, terminal


async def drifted_world(billed: Billed) -> dict[str, str]:
    """Three orgs: in sync, drifted (webhooks lost), and never billed."""
    synced = await billed.org(name="In sync")
    await billed.subscribe(synced["id"], 4)
    drifted = await billed.org(name="Drifted")
    sub = await billed.subscribe(drifted["id"], 5)
    billed.fake.hold_webhooks()
    await billed.fake.set_item_quantity(billed.item_of(sub)["id"], 9)
    billed.fake.discard_pending()  # the webhook never arrives
    manual = await billed.org(name="Manual", seat_limit=3)
    return {"synced": synced["id"], "drifted": drifted["id"], "manual": manual["id"]}


async def test_drift_is_reported_as_a_table_with_a_progress_bar(billed: Billed) -> None:
    orgs = await drifted_world(billed)
    table = io.StringIO()

    with terminal() as (progress, drawn):
        rows = await reconcile(billed.app[DATABASE], billed.app[BILLING], progress=progress)
        bar = plain(drawn())
    print_table(rows, table)

    by_org = {row.org_id: row for row in rows}
    assert (by_org[orgs["synced"]].status, by_org[orgs["synced"]].stripe) == ("ok", 4)
    drifted = by_org[orgs["drifted"]]
    assert (drifted.status, drifted.gateway, drifted.stripe) == ("drift", 5, 9)
    assert by_org[orgs["manual"]].status == "not billed"
    assert "reconciling" in bar and "3/3" in bar
    lines = table.getvalue().splitlines()
    assert lines[0].split() == ["ORG", "NAME", "GATEWAY", "STRIPE", "STATUS", "NOTE"]
    assert any(orgs["drifted"] in line and "drift" in line for line in lines)
    assert lines[-1] == "3 org(s): 1 drifting, 0 fixed, 0 error(s)"
    assert (await billed.seats(orgs["drifted"]))["capacity"] == 5  # reporting changes nothing


async def test_no_progress_bar_is_drawn_when_stderr_is_not_a_terminal(billed: Billed) -> None:
    await drifted_world(billed)
    piped = io.StringIO()

    rows = await reconcile(billed.app[DATABASE], billed.app[BILLING], progress=piped)

    assert len(rows) == 3
    assert piped.getvalue() == ""


async def test_fix_applies_stripes_capacity_and_a_second_run_is_clean(billed: Billed) -> None:
    orgs = await drifted_world(billed)

    rows = await reconcile(billed.app[DATABASE], billed.app[BILLING], fix=True)

    assert {r.org_id: r.status for r in rows}[orgs["drifted"]] == "fixed"
    assert (await billed.seats(orgs["drifted"]))["capacity"] == 9
    again = await reconcile(billed.app[DATABASE], billed.app[BILLING])
    assert {r.status for r in again} == {"ok", "not billed"}


async def test_an_org_tagged_in_stripe_but_never_linked_is_found_by_search(
    billed: Billed,
) -> None:
    org = await billed.org(name="Tagged by hand")
    billed.fake.hold_webhooks()
    billed.fake.create_subscription(
        [(billed.seat_price()["id"], 6)], metadata={ORG_META: org["id"]}
    )
    billed.fake.discard_pending()

    [row] = await reconcile(billed.app[DATABASE], billed.app[BILLING], org_ids=[org["id"]])
    assert row.status == "drift" and "not linked" in row.note

    [row] = await reconcile(
        billed.app[DATABASE], billed.app[BILLING], org_ids=[org["id"]], fix=True
    )
    assert row.status == "fixed"
    assert (await billed.seats(org["id"]))["capacity"] == 6


async def test_stripe_unreachable_is_an_error_row_not_a_crash(billed: Billed) -> None:
    orgs = await drifted_world(billed)
    billed.fake.fail_next("disconnect", times=1000)

    rows = await reconcile(billed.app[DATABASE], billed.app[BILLING], org_ids=[orgs["synced"]])

    assert [r.status for r in rows] == ["error"]


async def test_the_command_prints_the_table_and_exits_1_on_drift(
    billed: Billed, database_url: str
) -> None:
    orgs = await drifted_world(billed)
    env = {
        **os.environ,
        "SEATGATE_DATABASE_URL": database_url,
        "SEATGATE_STRIPE_SECRET_KEY": API_KEY,
        "SEATGATE_STRIPE_API_BASE": billed.fake.base_url or "",
    }
    code = "from gateway.cli import main; raise SystemExit(main())"

    async def run(*args: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            code,
            "billing",
            "reconcile",
            *args,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
        assert process.returncode is not None
        return process.returncode, out.decode(), err.decode()

    status, out, err = await run()
    assert status == 1, err
    assert "drift" in out and orgs["drifted"] in out
    assert "reconciling" not in err  # stderr is a pipe here: no progress bar

    status, out, _ = await run("--fix", "--org", orgs["drifted"])
    assert status == 0
    assert "fixed" in out
    assert (await billed.seats(orgs["drifted"]))["capacity"] == 9


async def test_a_lost_cancellation_and_a_new_subscription_are_picked_up(billed: Billed) -> None:
    org = await billed.org(name="Resubscribed")
    old = await billed.subscribe(org["id"], 2)
    billed.fake.hold_webhooks()
    await billed.fake.cancel_subscription(old["id"])
    new = billed.fake.create_subscription(
        [(billed.seat_price()["id"], 8)], metadata={ORG_META: org["id"]}
    )
    billed.fake.discard_pending()  # neither webhook arrives

    [row] = await reconcile(billed.app[DATABASE], billed.app[BILLING], fix=True)

    assert (row.status, row.gateway) == ("fixed", 8)
    billing = await billed.get(f"/orgs/{org['id']}/billing")
    assert billing["subscription"]["id"] == new["id"]
