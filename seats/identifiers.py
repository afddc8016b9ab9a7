"""How identifiers compare: the one case fold behind every case-insensitive key (userName,
group displayName, email addresses used as identity, invite addresses)."""

import unicodedata


def fold(value: str) -> str:
    """The comparison key of a case-insensitive identifier: NFC, lowercased, NFC again
    (lowercasing can un-normalize, e.g. 'İ')."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", value).lower())
