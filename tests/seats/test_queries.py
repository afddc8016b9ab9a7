"""Domain queries (seats/query.py) run against a real database, on every engine, with no SCIM
types: which members and groups a condition selects, in what order, and from which page."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.groups import create_group
from seats.members import create_member
from seats.model import GroupDraft, MemberDraft
from seats.orgs import create_org
from seats.query import (
    And,
    AnyElement,
    Comparison,
    Condition,
    Document,
    DocumentArray,
    ElementKey,
    GroupField,
    InvalidQuery,
    Kind,
    ListQuery,
    MemberField,
    MembershipField,
    Memberships,
    Not,
    Op,
    Position,
    Present,
    Sort,
)
from seats.storage.database import Database
from seats.storage.group_queries import count_groups, list_groups
from seats.storage.member_queries import count_members, list_members, member_sort_value
from tests.seats.plans import plan_of_last_statement


@dataclass
class Org:
    database: Database
    org_id: str
    ids: dict[str, str]

    async def user_names(self, query: ListQuery) -> list[str]:
        async with self.database.read() as conn:
            _, found = await list_members(conn, self.org_id, query)
        return [member.user_name for member in found]

    async def selected(self, condition: Condition) -> set[str]:
        return set(await self.user_names(ListQuery(condition)))


PEOPLE = [
    MemberDraft(
        "Ann",
        family_name="Zed",
        email="ann@work.example",
        resource={"title": "Pilot", "emails": [{"type": "work", "value": "ann@work.example"}]},
    ),
    MemberDraft(
        "bo",
        family_name="Young",
        resource={"emails": [{"type": "home", "value": "bo@home.example"}], "vip": True},
    ),
    MemberDraft("Cy", active=False, resource={"title": ""}),
]


@pytest.fixture
async def org(database: Database) -> AsyncIterator[Org]:
    async with database.transaction() as conn:
        created = await create_org(conn, name="Acme", seat_limit=1)
        ids = {}
        for draft in PEOPLE:
            ids[draft.user_name] = (await create_member(conn, created.id, draft, actor="t")).id
        other = await create_org(conn, name="Other")
        await create_member(conn, other.id, MemberDraft("ann"), actor="t")
        group = await create_group(conn, created.id, GroupDraft("Pilots"), [ids["Ann"]])
        ids["Pilots"] = group.id
        await create_group(conn, created.id, GroupDraft("Nobody"))
    yield Org(database, created.id, ids)


async def test_a_user_name_compares_case_insensitively_unless_case_exact(org: Org) -> None:
    assert await org.selected(Comparison(MemberField.USER_NAME, Op.EQ, "ANN")) == {"Ann"}
    exact = Comparison(MemberField.USER_NAME, Op.EQ, "ANN", case_exact=True)
    assert await org.selected(exact) == set()


async def test_the_seat_status_and_activity_are_fields(org: Org) -> None:
    # One seat: Ann has it, bo waits over the limit, Cy is deactivated.
    assert await org.selected(Comparison(MemberField.SEAT_STATUS, Op.EQ, "over_limit")) == {"bo"}
    assert await org.selected(Comparison(MemberField.ACTIVE, Op.EQ, False)) == {"Cy"}


async def test_a_document_path_is_read_from_the_stored_resource(org: Org) -> None:
    title = Document(("title",))
    assert await org.selected(Comparison(title, Op.SW, "pi")) == {"Ann"}
    # Present means a non-empty value: Cy's empty title is not one.
    assert await org.selected(Present(title)) == {"Ann"}
    assert await org.selected(Comparison(Document(("vip",), Kind.BOOLEAN), Op.EQ, True)) == {"bo"}


async def test_ne_and_not_also_select_rows_without_the_value(org: Org) -> None:
    pilot = Comparison(Document(("title",)), Op.EQ, "pilot")
    assert await org.selected(Comparison(Document(("title",)), Op.NE, "pilot")) == {"bo", "Cy"}
    assert await org.selected(Not(pilot)) == {"bo", "Cy"}


async def test_one_element_must_meet_every_condition_of_any_element(org: Org) -> None:
    emails = DocumentArray(("emails",))
    work = Comparison(ElementKey("type"), Op.EQ, "work")
    at_home = Comparison(ElementKey("value"), Op.CO, "home")
    assert await org.selected(AnyElement(emails, work)) == {"Ann"}
    assert await org.selected(AnyElement(emails, And((work, at_home)))) == set()


async def test_memberships_are_a_members_groups_and_a_groups_members(org: Org) -> None:
    in_pilots = Comparison(MembershipField.GROUP_DISPLAY_NAME, Op.EQ, "PILOTS")
    assert await org.selected(AnyElement(Memberships(), in_pilots)) == {"Ann"}
    has_ann = Comparison(MembershipField.MEMBER_ID, Op.EQ, org.ids["Ann"], case_exact=True)
    async with org.database.read() as conn:
        query = ListQuery(AnyElement(Memberships(), has_ann))
        total, found = await list_groups(conn, org.org_id, query)
        everyone = await count_groups(conn, org.org_id, None)
    assert (total, [group.display_name for group in found]) == (1, ["Pilots"])
    assert everyone == 2


async def test_missing_values_sort_last_ascending_and_first_descending(org: Org) -> None:
    by_family = Sort(MemberField.FAMILY_NAME)
    assert await org.user_names(ListQuery(sort=by_family)) == ["bo", "Ann", "Cy"]
    backwards = Sort(MemberField.FAMILY_NAME, descending=True)
    assert await org.user_names(ListQuery(sort=backwards)) == ["Cy", "Ann", "bo"]


async def test_a_keyset_position_resumes_after_the_row_it_names(org: Org) -> None:
    by_name = Sort(MemberField.USER_NAME)
    async with org.database.read() as conn:
        _, first = await list_members(conn, org.org_id, ListQuery(sort=by_name, limit=1))
        value = await member_sort_value(conn, org.org_id, first[0].id, by_name)
        after = Position(value, first[0].created_at, first[0].id)
        total, rest = await list_members(conn, org.org_id, ListQuery(sort=by_name, after=after))
    assert [first[0].user_name, *(m.user_name for m in rest)] == ["Ann", "bo", "Cy"]
    assert total == 3  # the count ignores the position: every row meeting the condition


async def test_an_offset_page_and_the_count_are_scoped_to_the_org(org: Org) -> None:
    async with org.database.read() as conn:
        total, page = await list_members(conn, org.org_id, ListQuery(offset=1, limit=1))
        named_ann = await count_members(
            conn, org.org_id, Comparison(MemberField.USER_NAME, Op.EQ, "ann")
        )
    assert total == 3 and len(page) == 1
    assert named_ann == 1  # the other org's "ann" is not counted


@pytest.mark.parametrize(
    ("attribute", "op", "value"),
    [
        (MemberField.ACTIVE, Op.GT, True),
        (MemberField.CREATED_AT, Op.CO, datetime(2024, 1, 1, tzinfo=UTC)),
        (MemberField.CREATED_AT, Op.EQ, datetime(2024, 1, 1)),
        (MemberField.VERSION, Op.GE, 1),
        (MemberField.USER_NAME, Op.EQ, "a\x00b"),
        (MemberField.USER_NAME, Op.GT, None),
        (GroupField.DISPLAY_NAME, Op.EQ, 7),
    ],
)
def test_a_comparison_the_kind_cannot_answer_is_refused_when_built(
    attribute: MemberField | GroupField, op: Op, value: object
) -> None:
    with pytest.raises(InvalidQuery):
        Comparison(attribute, op, value)  # type: ignore[arg-type]


async def test_counting_the_users_scim_sees_reads_the_members_created_index_alone(
    org: Org,
) -> None:
    # A SCIM list page counts the org's visible users for totalResults. Reading every member row
    # (its JSON and all) for it made the page's cost grow with the table, not the index.
    async def count_visible(conn: AsyncConnection) -> None:
        await count_members(conn, org.org_id, None, include_held=False)

    details = await plan_of_last_statement(org.database, count_visible)
    if org.database.is_sqlite:
        expected = "USING COVERING INDEX ix_members_org_created"
    else:
        expected = "Index Only Scan using ix_members_org_created"
    assert any(expected in line for line in details), details
