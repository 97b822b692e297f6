"""The bundled fonts must draw every Vietnamese letter, or names print as boxes.

Checked glyph by glyph with reportlab (a product dependency) on the shipped files in
nk_desktop/resources/fonts: DejaVu Sans for the UI, Liberation Serif for printing.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parents[1] / "nk_desktop" / "resources" / "fonts"
FONTS = [
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "LiberationSerif-Regular.ttf",
    "LiberationSerif-Bold.ttf",
    "LiberationSerif-Italic.ttf",
    "LiberationSerif-BoldItalic.ttf",
]
LICENCES = ["LICENSE-DejaVu.txt", "LICENSE-Liberation-OFL.txt"]

BASE_VOWELS = "aăâeêioôơuưy"
# grave (huyền), acute (sắc), tilde (ngã), hook above (hỏi), dot below (nặng)
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
COMBINING_ONLY = TONE_MARKS + "\u0302\u0306\u031b"  # for NFD text pasted from elsewhere


def vietnamese_letters() -> set[str]:
    """Every Vietnamese letter, both cases, every tone, in NFC (one code point each)."""
    letters = set("bcdđghklmnpqrstvx")
    for vowel in BASE_VOWELS:
        letters.add(vowel)
        for tone in TONE_MARKS:
            letters.add(unicodedata.normalize("NFC", vowel + tone))
    letters |= {ch.upper() for ch in letters}
    letters |= {chr(cp) for cp in range(0x1EA0, 0x1EFA)}  # Latin Extended Additional: Vietnamese block
    letters |= set("₫")  # đồng sign, for fees
    return letters


def test_letter_set_is_complete() -> None:
    letters = vietnamese_letters()
    assert all(len(ch) == 1 for ch in letters), "every toned vowel must have a precomposed NFC form"
    # 12 vowels x 6 tones x 2 cases + 17 consonants x 2 cases + ₫
    assert len(letters) == 12 * 6 * 2 + 17 * 2 + 1
    assert {"đ", "Đ", "ặ", "Ặ", "ữ", "Ữ", "ỹ", "Ỹ", "ơ", "Ư"} <= letters


@pytest.mark.parametrize("filename", FONTS)
def test_font_has_every_vietnamese_glyph(filename: str) -> None:
    path = FONT_DIR / filename
    assert path.is_file(), f"missing bundled font {path}"
    char_to_glyph = TTFont(filename, str(path)).face.charToGlyph
    wanted = sorted(vietnamese_letters() | set(COMBINING_ONLY))
    missing = [f"U+{ord(ch):04X} {ch!r}" for ch in wanted if ord(ch) not in char_to_glyph]
    assert not missing, f"{filename} lacks glyphs: {missing}"


@pytest.mark.parametrize("filename", LICENCES)
def test_licence_text_is_shipped(filename: str) -> None:
    text = (FONT_DIR / filename).read_text(encoding="utf-8")
    assert "Permission" in text or "PERMISSION" in text
