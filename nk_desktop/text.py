"""Vietnamese text: normalisation, search keys, name parts and the official list order.

Pure Python (``unicodedata`` only), so printed and exported class lists come out in the
same order on every OS: ``QCollator`` follows the OS collation on Windows (TECH-NOTES
"Sorting"; domain rules §11).  Stored text keeps the user's spelling in NFC; only
:func:`fold` and the sort keys treat variants ("Hoà"/"Hòa", NFD input, case) alike.
"""

from __future__ import annotations

import unicodedata
from typing import Any

__all__ = [
    "ALPHABET",
    "TONE_ORDERS",
    "fold",
    "full_name_sort_key",
    "join_name",
    "name_sort_key",
    "nfc",
    "person_sort_key",
    "split_full_name",
]

#: Vietnamese alphabet order; f j w z (foreign names only) sit where Latin puts them.
ALPHABET: tuple[str, ...] = tuple(
    unicodedata.normalize("NFC", "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z").split()
)
_LETTER_RANK = {letter: rank for rank, letter in enumerate(ALPHABET)}
# Legacy (TCVN3/VNI) conversions often yield Icelandic Ð (U+00D0, folds to ð) for Đ.
_LETTER_RANK["ð"] = _LETTER_RANK["đ"]
_TO_D = str.maketrans({"đ": "d", "ð": "d"})

# Combining tone marks (NFD) and each tone order's rank; ngang (no mark) ranks first.
_GRAVE, _HOOK, _TILDE, _ACUTE, _DOT = "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"
#: ``"dictionary"`` is the CLDR/ICU and dictionary order; ``"school"`` the order taught in class.
TONE_ORDERS: dict[str, dict[str, int]] = {
    "dictionary": {_GRAVE: 1, _HOOK: 2, _TILDE: 3, _ACUTE: 4, _DOT: 5},  # huyền hỏi ngã sắc nặng
    "school": {_GRAVE: 1, _ACUTE: 2, _HOOK: 3, _TILDE: 4, _DOT: 5},  # huyền sắc hỏi ngã nặng
}

# Rank groups inside a syllable: numbers before letters, other scripts after Latin.
_NUMBER, _LATIN, _OTHER = 0, 1, 2


def nfc(value: str | None) -> str | None:
    """NFC with outer whitespace stripped and inner runs collapsed to one space; None stays None.

    This is the storage form: it keeps the user's spelling (old- or new-style tone placement).
    """
    if value is None:
        return None
    return " ".join(unicodedata.normalize("NFC", value).split())


def _caseless_nfd(value: str) -> str:
    """Unicode canonical caseless form NFD(casefold(NFD(s))), the same for NFC and NFD input."""
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", value).casefold())


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M")


def fold(value: str) -> str:
    """Search key: no diacritics, đ→d, casefolded, single spaces ("Đặng Thị Hoà" → "dang thi hoa").

    SQLite's ``lower()``/``NOCASE`` are ASCII-only and FTS5 keeps Đ, so searches compare folds.
    """
    bare = "".join(ch for ch in _caseless_nfd(value) if not _is_mark(ch))
    return " ".join(bare.translate(_TO_D).split())


def split_full_name(full: str) -> tuple[str, str, str]:
    """(họ, đệm, tên) by the usual heuristic: first word, middle words, last word.

    A single word is taken as the given name.  Only a first guess: compound given names
    and foreign names break it, so confirmed parts are stored, not re-split (rules §11.1).
    """
    words = (nfc(full) or "").split(" ")
    if len(words) == 1:
        return "", "", words[0]
    return words[0], " ".join(words[1:-1]), words[-1]


def join_name(family: str | None, middle: str | None, given: str | None) -> str:
    """The full name "Họ Đệm Tên" in NFC, skipping empty parts."""
    return " ".join(part for part in (nfc(family), nfc(middle), nfc(given)) if part)


def _clusters(text: str) -> list[tuple[str, str]]:
    """Split NFD text into (base character, its combining marks); stray leading marks get base ""."""
    clusters: list[tuple[str, str]] = []
    for ch in text:
        if _is_mark(ch) and clusters:
            base, marks = clusters[-1]
            clusters[-1] = (base, marks + ch)
        elif _is_mark(ch):
            clusters.append(("", ch))
        else:
            clusters.append((ch, ""))
    return clusters


def _field_key(value: str, tones: dict[str, int]) -> tuple:
    """Key of one name part: per syllable (letter ranks, foreign marks, tone ranks).

    Syllables are runs of letters and digits; spaces, hyphens, apostrophes and other
    symbols separate them.  The tone is collected from wherever its mark sits, so "Hoà"
    and "Hòa" get the same key.  Marks that are neither tones nor ă/â/ê/ô/ơ/ư modifiers
    (ü, ç in foreign names) keep their base letter's rank and only break ties of letters,
    before the tone, as ICU does ("Mùa" < "Müa"); Vietnamese names never have them.
    """
    syllables = []
    letters: list[tuple[int, int]] = []
    tone: list[int] = []
    extras: list[tuple[int, ...]] = []
    for base, marks in _clusters(_caseless_nfd(value)) + [("", "")]:
        if base.isalnum():
            tone.extend(tones[m] for m in marks if m in tones)
            modifiers = "".join(m for m in marks if m not in tones)
            letter = unicodedata.normalize("NFC", base + modifiers)
            if letter in _LETTER_RANK:
                letters.append((_LATIN, _LETTER_RANK[letter]))
                extras.append(())
                continue
            if base in _LETTER_RANK:
                letters.append((_LATIN, _LETTER_RANK[base]))
            elif base.isalpha():
                letters.append((_OTHER, ord(base)))
            else:
                letters.append((_NUMBER, ord(base)))
            extras.append(tuple(map(ord, modifiers)))
        else:  # a separator (its marks, and stray marks, are ignored) or the end
            if letters:
                syllables.append((tuple(letters), tuple(extras), tuple(tone)))
            letters, tone, extras = [], [], []
    return tuple(syllables)


def name_sort_key(
    family: str | None, middle: str | None, given: str | None, *, tone_order: str = "dictionary"
) -> tuple:
    """Key for the official class-list order: tên, then đệm, then họ (rules §11.2).

    Each part compares syllable by syllable, letters first in the Vietnamese alphabet,
    then the tone (``TONE_ORDERS[tone_order]``), case-insensitively.  The NFC parts end
    the key, so only identically spelled names tie and the order is total.
    """
    try:
        tones = TONE_ORDERS[tone_order]
    except KeyError:
        raise ValueError(f"tone_order must be one of {sorted(TONE_ORDERS)}, not {tone_order!r}") from None
    parts = (given or "", middle or "", family or "")
    return tuple(_field_key(part, tones) for part in parts) + tuple(nfc(part) for part in parts)


def person_sort_key(
    family: str | None, middle: str | None, given: str | None, *extra: Any, tone_order: str = "dictionary"
) -> tuple:
    """:func:`name_sort_key` followed by tie-breakers (date of birth, id) so reprints are stable.

    The extras are compared as given: pass values that compare with each other (not None).
    """
    return name_sort_key(family, middle, given, tone_order=tone_order) + tuple(extra)


def full_name_sort_key(full_name: str, *, tone_order: str = "dictionary") -> tuple:
    """:func:`name_sort_key` of a full name split by :func:`split_full_name`."""
    return name_sort_key(*split_full_name(full_name), tone_order=tone_order)
