"""Identifiers compare by one key (RFC 8265 PRECIS-style: NFKC, full case fold, without
default-ignorable code points): spellings a person cannot tell apart are the same user,
group, or invited address."""

import sys
import unicodedata

import pytest

from seats.errors import Conflict, DuplicateInvite, InvalidValue
from seats.groups import create_group
from seats.identifiers import MAX_KEY_LENGTH, SET_ASIDE_MARK, fold, identifier_key, set_aside_key
from seats.invites import get_invite
from seats.model import GroupDraft, SeatStatus
from seats.storage.database import Database
from tests.seats.world import World


def _wide(text: str) -> str:
    """Full-width forms of ASCII letters (U+FF01...), as East Asian input methods type them."""
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


SAME = [
    ("STRASSE", "straße"),  # full case folding: ß is ss
    ("\ufb01le", "file"),  # the ﬁ ligature is f + i (NFKC)
    (_wide("ABC"), "abc"),  # full-width letters are the ASCII ones (NFKC)
    ("a\u200bb", "ab"),  # a zero-width space renders as nothing
    ("Ann\u00adMarie", "annmarie"),  # a soft hyphen only shows at a line break
    ("e\u0301", "\u00e9"),  # decomposed and composed é
    ("\u0130", "i\u0307"),  # İ folds to i + combining dot, as its lowercase does
    ("\u212bngstr\u00f6m", "\u00e5ngstr\u00f6m"),  # ANGSTROM SIGN is Å
]


@pytest.mark.parametrize(("one", "other"), SAME)
def test_spellings_that_look_the_same_have_one_key(one: str, other: str) -> None:
    assert fold(one) == fold(other)


@pytest.mark.parametrize(("one", "other"), [("ann", "anne"), ("a-b", "ab"), ("o", "\u00f6")])
def test_different_identifiers_keep_different_keys(one: str, other: str) -> None:
    assert fold(one) != fold(other)


@pytest.mark.parametrize("value", [value for pair in SAME for value in pair])
def test_the_key_is_its_own_key(value: str) -> None:
    assert fold(fold(value)) == fold(value)


def test_no_code_point_folds_to_a_default_ignorable_or_the_set_aside_mark() -> None:
    # Every code point, one at a time: the key of a set-aside row can never be an identifier's.
    for code_point in range(sys.maxunicode + 1):
        if 0xD800 <= code_point <= 0xDFFF:
            continue  # surrogates are not characters
        key = fold(chr(code_point))
        assert SET_ASIDE_MARK not in key
        assert fold(key) == key, hex(code_point)
        assert unicodedata.is_normalized("NFKC", key), hex(code_point)


def test_a_key_written_needs_a_visible_character_and_to_fit_its_column() -> None:
    assert identifier_key("Ann", "userName") == "ann"
    with pytest.raises(InvalidValue, match="userName must contain a visible character"):
        identifier_key("\u200b\u2060", "userName")
    # U+FDFA (one Arabic ligature) is 18 characters under NFKC.
    with pytest.raises(InvalidValue, match="longer than 512 characters once normalized"):
        identifier_key("\ufdfa" * 29, "userName")


def test_a_set_aside_key_fits_its_column_and_no_identifier_folds_to_it() -> None:
    key = set_aside_key("x" * MAX_KEY_LENGTH, "5d0c7c1e-0000-4000-8000-000000000000", "collision")
    assert len(key) == MAX_KEY_LENGTH
    assert key.endswith(f"{SET_ASIDE_MARK}collision:5d0c7c1e-0000-4000-8000-000000000000")
    assert fold(key) != key


@pytest.mark.parametrize(("first", "second"), SAME[:4])
async def test_a_second_user_spelled_the_same_way_is_refused_and_takes_no_seat(
    database: Database, first: str, second: str
) -> None:
    world = await World.create(database, seat_limit=5)
    await world.add(first)
    with pytest.raises(Conflict, match="userName"):
        await world.add(second)
    assert (await world.seats()).used == 1


async def test_a_group_named_like_another_is_refused(database: Database) -> None:
    world = await World.create(database)
    async with database.transaction() as conn:
        await create_group(conn, world.org_id, GroupDraft(display_name="\ufb01nance"))
    with pytest.raises(Conflict, match="already exists"):
        async with database.transaction() as conn:
            await create_group(conn, world.org_id, GroupDraft(display_name="Finance"))


async def test_an_invite_for_an_address_spelled_like_a_members_is_refused(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=5)
    await world.add("ann@acme.test", email="ann@acme.test")
    with pytest.raises(DuplicateInvite, match="already a member"):
        await world.invite(_wide("ANN") + "@acme.test")


async def test_a_user_provisioned_with_another_spelling_of_an_invited_address_takes_its_seat(
    database: Database,
) -> None:
    world = await World.create(database, seat_limit=1)
    invite = await world.invite("stra\u00dfe@acme.test")
    member = await world.add("STRASSE@acme.test")
    assert member.seat_status is SeatStatus.ACTIVE
    assert (await world.seats()).pending_invites == 0
    async with database.read() as conn:
        assert (await get_invite(conn, world.org_id, invite.id)).status == "accepted"


async def test_a_user_name_whose_key_is_empty_or_too_long_is_refused(database: Database) -> None:
    world = await World.create(database)
    with pytest.raises(InvalidValue, match="visible character"):
        await world.add("\u200b")
    with pytest.raises(InvalidValue, match="once normalized"):
        await world.add("\ufdfa" * 29)
