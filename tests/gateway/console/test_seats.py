"""The console's Seats page without a browser, on both engines: a billing contact previews and
changes a Stripe-managed org's seat quantity; the server refuses a quantity below usage or above
the cap with the sentence the page shows, the admin role only reads, an org without Stripe shows
its limit read-only, and every change lands in the audit trail."""

import re
from html import unescape
from typing import Any

from aiohttp.test_utils import TestClient

from tests.billing.support import Billed
from tests.gateway.console.support import csrf_token, sign_in
from tests.helpers import ADMIN_HEADERS, create_org

BILLING = "bill@acme.test"
PREVIEW = "/v1/invoices/create_preview"
ITEM_UPDATES = "/v1/subscription_items/"


async def billed_org(
    billed: Billed, seats: int, *, users: int = 0, **fields: Any
) -> tuple[str, dict[str, Any]]:
    org = await billed.org(**fields)
    sub = await billed.subscribe(org["id"], seats)
    if users:
        await billed.provision(org["id"], *(f"u{n}@acme.test" for n in range(users)))
    return org["id"], sub


async def signed_in(billed: Billed, org_id: str, role: str = "billing") -> str:
    """Sign the test client in; the Seats page's path."""
    await sign_in(billed.client, org_id, email=BILLING, role=role)
    return f"/console/orgs/{org_id}/seats"


async def confirm(client: TestClient, path: str, seats: Any, previewed: str = "yes") -> Any:
    token = await csrf_token(client, f"/console/orgs/{path.split('/')[3]}")
    return await client.post(
        path,
        data={"csrf_token": token, "seats": str(seats), "previewed": previewed},
        allow_redirects=False,
    )


async def audit_of(client: TestClient, org_id: str, action: str) -> list[dict[str, Any]]:
    response = await client.get(f"/admin/v1/orgs/{org_id}/audit", headers=ADMIN_HEADERS)
    return [e for e in (await response.json())["data"] if e["action"] == action]


def text_of(html: str) -> str:
    """What a reader sees of a page: no tags, no entities, one space between words."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return unescape(re.sub(r" ([,.:])", r"\1", text))


async def page_text(client: TestClient, path: str) -> tuple[int, str]:
    response = await client.get(path)
    return response.status, text_of(await response.text())


async def test_the_billing_contact_previews_more_seats_and_confirms_them(billed: Billed) -> None:
    org_id, sub = await billed_org(billed, 10, users=3)
    path = await signed_in(billed, org_id)

    page = await billed.client.get(path)
    html = await page.text()
    assert page.status == 200
    assert 'data-testid="seat-quantity"' in html and 'value="10"' in html and 'min="3"' in html
    assert "Billed monthly, $10.00 per seat." in (await page_text(billed.client, path))[1]

    status, preview = await page_text(billed.client, f"{path}?seats=12")
    assert status == 200
    assert "Change to 12 seats" in preview and "Charged for the rest of this period" in preview
    assert "Next invoice on" in preview
    assert billed.fake.requests("POST", PREVIEW)
    assert billed.fake.requests("POST", ITEM_UPDATES) == []  # a preview buys nothing

    answer = await confirm(billed.client, path, 12)

    assert answer.status == 303
    assert answer.headers["Location"] == f"{path}?changed=12"
    assert billed.item_of(sub)["quantity"] == 12
    assert (await billed.seats(org_id))["capacity"] == 12
    _, done = await page_text(billed.client, answer.headers["Location"])
    assert "Done: this organization now has 12 seats." in done
    [entry] = await audit_of(billed.client, org_id, "seats.quantity_changed")
    assert entry["actor"] == f"console:{BILLING}" and entry["target"] == sub["id"]
    assert entry["detail"] == {
        "seats": 12,
        "seats_before": 10,
        "effective": "now",
        "item_quantity": 12,
        "previewed": True,
    }


async def test_fewer_seats_are_previewed_without_a_credit_and_kept_until_the_period_end(
    billed: Billed,
) -> None:
    org_id, sub = await billed_org(billed, 10, users=2)
    path = await signed_in(billed, org_id)

    _, preview = await page_text(billed.client, f"{path}?seats=6")
    assert "No credit now" in preview and "$60.00" in preview

    assert (await confirm(billed.client, path, 6)).status == 303
    assert billed.item_of(sub)["quantity"] == 6
    _, done = await page_text(billed.client, f"{path}?changed=6")
    assert "Done: 6 seats from" in done and "The 10 seats paid for stay until then." in done


async def test_a_quantity_below_usage_is_refused_with_the_sentence_the_page_shows(
    billed: Billed,
) -> None:
    org_id, sub = await billed_org(billed, 5, users=4)
    path = await signed_in(billed, org_id)
    sentence = "Choose at least 4 seats: 4 in use."
    assert sentence in (await page_text(billed.client, path))[1]

    answer = await confirm(billed.client, path, 3)

    assert answer.status == 422
    html = await answer.text()
    assert sentence in html and 'aria-invalid="true"' in html and 'value="3"' in html
    assert billed.fake.requests("POST", ITEM_UPDATES) == []
    assert billed.item_of(sub)["quantity"] == 5
    assert (await billed.client.get(f"{path}?seats=3")).status == 422  # nor previewed


async def test_a_quantity_above_the_cap_is_refused(billed: Billed) -> None:
    org_id, sub = await billed_org(billed, 10, users=2, max_seats=12)
    path = await signed_in(billed, org_id)
    sentence = "Choose from 2 to 12 seats: 2 in use, and this organization's cap is 12."

    answer = await confirm(billed.client, path, 13)

    assert answer.status == 422
    assert sentence in text_of(await answer.text())
    assert billed.item_of(sub)["quantity"] == 10
    assert 'max="12"' in await (await billed.client.get(path)).text()


async def test_not_a_number_is_refused_without_reaching_stripe(billed: Billed) -> None:
    org_id, _ = await billed_org(billed, 3)
    path = await signed_in(billed, org_id)

    for seats in ("", "ten", "-1", "4.5", "²"):
        answer = await confirm(billed.client, path, seats)
        assert answer.status == 422, seats
        assert "whole number" in await answer.text()
    assert billed.fake.requests("POST", ITEM_UPDATES) == []


async def test_stripe_not_answering_the_preview_still_lets_the_change_through(
    billed: Billed,
) -> None:
    org_id, sub = await billed_org(billed, 4)
    path = await signed_in(billed, org_id)
    billed.fake.fail_next("server_error", times=5, path=PREVIEW)

    status, preview = await page_text(billed.client, f"{path}?seats=7")

    assert status == 200
    assert "Stripe did not answer the preview" in preview
    assert "Change to 7 seats without a preview" in preview
    assert (await confirm(billed.client, path, 7, previewed="no")).status == 303
    assert billed.item_of(sub)["quantity"] == 7
    [entry] = await audit_of(billed.client, org_id, "seats.quantity_changed")
    assert entry["detail"]["previewed"] is False


async def test_stripe_unreachable_on_confirmation_changes_nothing_and_says_so(
    billed: Billed,
) -> None:
    org_id, sub = await billed_org(billed, 4)
    path = await signed_in(billed, org_id)
    await csrf_token(billed.client, path)  # the page is read while Stripe still answers
    billed.fake.fail_next("disconnect", times=10)

    answer = await confirm(billed.client, path, 6)

    assert answer.status == 502
    assert "Stripe could not be reached, so nothing changed." in text_of(await answer.text())
    billed.fake.clear_failures()
    assert billed.item_of(sub)["quantity"] == 4
    assert await audit_of(billed.client, org_id, "seats.quantity_changed") == []


async def test_the_admin_role_sees_the_seats_but_may_not_change_them(billed: Billed) -> None:
    org_id, sub = await billed_org(billed, 4)
    path = await signed_in(billed, org_id, role="admin")

    html = await (await billed.client.get(path)).text()
    assert 'data-testid="seat-quantity"' not in html
    assert "Only the billing role changes the seat quantity" in html
    assert (await billed.client.get(f"{path}?seats=5")).status == 403

    answer = await confirm(billed.client, path, 5)

    assert answer.status == 403
    assert billed.item_of(sub)["quantity"] == 4


async def test_an_org_no_subscription_manages_shows_its_limit_read_only(billed: Billed) -> None:
    org = await billed.org(seat_limit=7)
    path = await signed_in(billed, org["id"])

    status, text = await page_text(billed.client, path)

    assert status == 200
    assert "Seat limit: 7" in text and "No Stripe subscription manages" in text
    assert 'data-testid="seat-quantity"' not in await (await billed.client.get(path)).text()
    assert (await confirm(billed.client, path, 8)).status == 409
    assert (await billed.seats(org["id"]))["capacity"] == 7


async def test_without_stripe_on_the_gateway_the_limit_is_read_only(client: TestClient) -> None:
    org = await create_org(client, seat_limit=5)
    await sign_in(client, org["id"], email=BILLING, role="billing")
    path = f"/console/orgs/{org['id']}/seats"

    status, text = await page_text(client, path)

    assert status == 200
    assert "Seat limit: 5" in text and "Seats are not billed through Stripe" in text
    assert (await client.get(f"{path}?seats=6")).status == 200  # no preview: nothing to buy
    assert (await confirm(client, path, 6)).status == 409
