"""How identifiers compare: the one comparison key behind every case-insensitive identifier
(userName, group displayName, email addresses used as identity, invite addresses).

Two spellings a person cannot tell apart name the same user: `STRASSE` and `straße`, `ﬁle` and
`file`, full-width `ABC` (U+FF21-FF23) and `abc`, `a<ZERO WIDTH SPACE>b` and `ab`. The key
follows RFC 8265's PRECIS approach for usernames (width mapping, case mapping, normalization),
with Unicode's full case folding instead of lowercasing and the invisible default-ignorable code
points removed.
Stored rows keep what the IdP sent; only their key columns hold `fold(value)`.
"""

import re
import unicodedata

from seats.errors import InvalidValue

# Unicode's Default_Ignorable_Code_Point property (DerivedCoreProperties.txt):
# soft hyphen, combining grapheme joiner, Arabic letter mark, Hangul fillers, Khmer inherent
# vowels, Mongolian variation selectors, zero-width space/joiners, bidi marks and controls,
# word joiner and invisible operators, variation selectors, BOM, reserved U+FFF0-FFF8, shorthand
# format controls, musical symbol formatting, tags and the rest of plane 14. They render as
# nothing, so they cannot make two identifiers different.
_DEFAULT_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
# The width of the key columns (members.user_name_key, groups.display_name_key, the email keys).
MAX_KEY_LENGTH = 512
# Marks the key of a row the 0005 migration set aside (a second row with one key, or a key too
# long for its column). fold() strips it (WORD JOINER, default-ignorable) and NFKC never makes
# it, so no identifier's key can ever equal a set-aside key.
SET_ASIDE_MARK = "\u2060"


def fold(value: str) -> str:
    """The comparison key: NFKC (width and compatibility forms), full case fold, without
    default-ignorable code points, NFKC again (case folding can un-normalize: 'ΐ' folds to
    three code points)."""
    if value.isascii():
        # Most identifiers: ASCII is NFKC already, folds as it lowercases, and holds no
        # default-ignorable code point.
        return value.lower()
    folded = unicodedata.normalize("NFKC", value).casefold()
    return unicodedata.normalize("NFKC", _DEFAULT_IGNORABLE.sub("", folded))


def identifier_key(value: str, attribute: str) -> str:
    """fold(value) as written to a key column; InvalidValue if nothing visible is left or the
    key (NFKC can expand a character up to 18-fold) is wider than the column."""
    key = fold(value)
    if not key:
        raise InvalidValue(f"{attribute} must contain a visible character")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidValue(
            f"{attribute} is longer than {MAX_KEY_LENGTH} characters once normalized (NFKC)"
        )
    return key


def set_aside_key(key: str, row_id: str, reason: str) -> str:
    """A key no identifier folds to, unique by `row_id`, that still starts with (most of) the
    row's own key, so `sw` and `co` filters and sorting still find it next to its namesake."""
    mark = f"{SET_ASIDE_MARK}{reason}:{row_id}"
    return key[: MAX_KEY_LENGTH - len(mark)] + mark
