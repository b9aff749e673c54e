"""What member search counts as a word, the same for every search index.

Staff type part of a name, an email, a phone or card number as they remember it: "somsak.r@mail",
"081-234", "JOSÉ". A word is a run of letters and digits; everything else (spaces, punctuation,
symbols, "_", "@", "+") separates words. Case does not matter, nor do accents on Latin letters
("josé" is "jose", "Müller" is "muller"); other scripts keep their letters as written, and their
combining vowel marks separate words (as SQLite's unicode61 tokenizer does), so a Thai name is
found by its first letters whichever index serves the search. Numbers are also kept as their
digits alone, so "0812345678" finds "081-234-5678".

Search indexes store these words and match every word of the query as a prefix of one of them;
computing them here, not in each index's own text analysis, is what makes the embedded index and
Azure AI Search answer a query alike.
"""

from __future__ import annotations

import unicodedata

from mosaic.domain.membership import MembershipSummary


def words(text: str | None) -> list[str]:
    """The words of `text`, folded: lower case, Latin letters without their accents."""
    found: list[str] = []
    current: list[str] = []
    latin = False
    for char in unicodedata.normalize("NFC", (text or "").casefold()):
        kind = unicodedata.category(char)[0]
        if kind in "LN":
            latin = unicodedata.name(char, "").startswith("LATIN ")
            current.append(_without_accents(char) if latin else char)
        elif kind == "M" and latin:
            continue  # an accent NFC could not join to its Latin letter
        else:
            if current:
                found.append("".join(current))
            current, latin = [], False
    if current:
        found.append("".join(current))
    return found


def digits(text: str | None) -> str:
    return "".join(char for char in text or "" if char.isdecimal())


def summary_words(summary: MembershipSummary) -> list[str]:
    """Every word a search may match for this membership: of the member's name, email, phone,
    card number, membership number and activation code, and the numbers' digits alone."""
    texts = (
        summary.member_name,
        summary.email,
        summary.phone,
        summary.card_number,
        summary.membership_number,
        summary.activation_code,
    )
    numbers = (summary.phone, summary.card_number, summary.activation_code)
    found = [word for text in texts for word in words(text)]
    found.extend(number for number in map(digits, numbers) if number)
    return list(dict.fromkeys(found))


def _without_accents(char: str) -> str:
    return "".join(part for part in unicodedata.normalize("NFD", char) if not _is_mark(part))


def _is_mark(char: str) -> bool:
    return unicodedata.category(char).startswith("M")
