"""Tests of nk_desktop.text: NFC storage form, search folding, name parts, class-list order.

The expected orders below were worked out by hand from the rules (domain rules §11.2),
not produced by the code under test.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nk_desktop.text import (
    ALPHABET,
    TONE_ORDERS,
    fold,
    full_name_sort_key,
    join_name,
    name_sort_key,
    nfc,
    person_sort_key,
    split_full_name,
)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def given_key(given_name: str, **kwargs) -> tuple:
    return name_sort_key("", "", given_name, **kwargs)


def primary(key: tuple) -> tuple:
    """The letter/tone part of a name_sort_key (tên, đệm, họ), without the NFC tiebreak."""
    return key[:3]


def sort_given(names: list[str], **kwargs) -> list[str]:
    return sorted(names, key=lambda name: given_key(name, **kwargs))


# --- nfc -------------------------------------------------------------------------------


def test_nfc_none_stays_none():
    assert nfc(None) is None


def test_nfc_strips_and_collapses_whitespace():
    assert nfc("  Nguyễn\u00a0 Văn\t\tAn \n") == "Nguyễn Văn An"
    assert nfc("   ") == ""


def test_nfc_composes_nfd_input():
    decomposed = nfd("Đặng Thị Hồng Nhung")
    assert decomposed != "Đặng Thị Hồng Nhung"
    assert nfc(decomposed) == "Đặng Thị Hồng Nhung"


def test_nfc_keeps_the_users_tone_placement():
    assert nfc("Hoà") == "Hoà"
    assert nfc("Hòa") == "Hòa"
    assert nfc("Hoà") != nfc("Hòa")


# --- fold ------------------------------------------------------------------------------


def test_fold_examples():
    assert fold("Đặng Thị Hoà") == "dang thi hoa"
    assert fold("Đặng Thị Hoà") == fold("dang thi hoa") == fold("Đặng Thị Hòa")
    assert fold(" NGUYỄN\tVĂN  ÂN ") == "nguyen van an"
    assert fold(nfd("Trương Ưng Ơn")) == "truong ung on"
    assert fold("Giáo viên chủ nhiệm") == "giao vien chu nhiem"
    assert fold("Weiß") == fold("WEISS") == "weiss"  # full case folding, not lower()


def test_caseless_forms_are_canonical():
    # casefold() is not closed under canonical equivalence: U+0345 folds to the letter ι,
    # and NFD moves it after U+0301, so only NFD(casefold(NFD(s))) is input-form blind.
    text = "\u0345\u0301"
    assert fold(text) == fold(nfd(text))
    assert given_key(text) == given_key(nfd(text))


def test_fold_treats_legacy_eth_as_d():
    # TCVN3/VNI conversions often produce Icelandic Ð (U+00D0) where Đ was meant.
    assert fold("\u00d0ào") == fold("Đào") == "dao"


# --- split_full_name / join_name -------------------------------------------------------


@pytest.mark.parametrize(
    ("full", "parts"),
    [
        ("Nguyễn Văn An", ("Nguyễn", "Văn", "An")),
        ("  Nguyễn   Thị Ngọc\tÁnh ", ("Nguyễn", "Thị Ngọc", "Ánh")),
        ("Lê An", ("Lê", "", "An")),
        ("Bình", ("", "", "Bình")),
        ("", ("", "", "")),
        ("   ", ("", "", "")),
    ],
)
def test_split_full_name(full, parts):
    assert split_full_name(full) == parts


def test_split_full_name_returns_nfc():
    assert split_full_name(nfd("Trần Thị Thuỷ")) == ("Trần", "Thị", "Thuỷ")


def test_join_name():
    assert join_name("Nguyễn", "Văn", "An") == "Nguyễn Văn An"
    assert join_name("Lê", "", "An") == "Lê An"
    assert join_name(None, None, "An") == "An"
    assert join_name(" Trần ", nfd("Thị  Ngọc"), "Ánh ") == "Trần Thị Ngọc Ánh"
    assert join_name("", "", "") == ""


# --- the official order: explicit rules ------------------------------------------------


@pytest.mark.parametrize(
    ("smaller", "larger"),
    [
        ("An", "Anh"),  # a prefix comes first
        ("Anh", "Ánh"),  # same letters: ngang < sắc
        ("Ánh", "Ân"),  # letters before tones: a < â decides, the tone on Ánh does not
        ("An", "Ân"),  # a < â
        ("Ăn", "Ân"),  # ă < â
        ("Anh", "Ăn"),  # a < ă at the first letter
        ("Mạ", "Man"),  # letters first: "ma" < "man" although nặng is the last tone
        ("Dũng", "Đức"),  # d < đ
        ("Dương", "Đào"),  # the first letter decides: d < đ
        ("Dung", "Dũng"),
        ("Dũng", "Dương"),  # u < ư
        ("Hùng", "Hưng"),  # u < ư
        ("Long", "Lộc"),  # o < ô
        ("Lộc", "Lợi"),  # ô < ơ
        ("Long", "Lợi"),  # o < ơ
        ("Hen", "Hên"),  # e < ê
        ("Chi", "Cường"),  # h < ư: no "ch" digraph in school lists
        ("Nam", "Ngân"),  # a < g: no "ng" digraph either
        ("Ngọc", "Nhung"),
        ("Tú", "Tuấn"),  # "tu" is a prefix of "tuân"
        ("Yến", "Zoe"),
        ("Zoe", "李"),  # other scripts after Latin
        ("An2", "Anh"),  # digits before letters
        ("Muller", "Müller"),  # a foreign accent only breaks a tie of letters and tones
        ("Müller", "Mullet"),  # ... and does not count as a different letter
        ("Müra", "Mưa"),  # ü is a u, ư is a letter after u
        ("Mùa", "Müa"),  # a foreign accent counts before the tone (as in ICU)
        ("Mua", "Mùa"),
    ],
)
def test_pairs_in_vietnamese_order(smaller, larger):
    assert given_key(smaller) < given_key(larger)
    assert given_key(smaller.upper()) < given_key(larger.lower())


def test_alphabet_order_of_single_letters():
    letters = list(ALPHABET)
    assert "".join(letters) == unicodedata.normalize("NFC", "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")
    shuffled = random.Random(7).sample(letters, len(letters))
    assert sort_given(shuffled) == letters
    assert sort_given([letter.upper() for letter in shuffled]) == [letter.upper() for letter in letters]


def test_foreign_letters_sit_in_latin_order():
    names = ["Emma", "Fiona", "Giang", "Ích", "Ivy", "Jenny", "Kha", "Vy", "Wendy", "Xuân", "Yến", "Zoe"]
    assert sort_given(list(reversed(names))) == names


def test_tone_order_dictionary_is_the_default():
    expected = ["Ma", "Mà", "Mả", "Mã", "Má", "Mạ"]  # ngang huyền hỏi ngã sắc nặng
    assert sort_given(random.Random(1).sample(expected, 6)) == expected
    assert sort_given(list(reversed(expected)), tone_order="dictionary") == expected


def test_tone_order_school():
    expected = ["Ma", "Mà", "Má", "Mả", "Mã", "Mạ"]  # ngang huyền sắc hỏi ngã nặng
    assert sort_given(list(reversed(expected)), tone_order="school") == expected
    assert full_name_sort_key("Lê Thị Mả", tone_order="school") > full_name_sort_key("Lê Thị Má", tone_order="school")
    assert full_name_sort_key("Lê Thị Mả") < full_name_sort_key("Lê Thị Má")


def test_unknown_tone_order_is_refused():
    with pytest.raises(ValueError, match="tone_order"):
        name_sort_key("Lê", "Văn", "An", tone_order="alphabetical")
    assert set(TONE_ORDERS) == {"dictionary", "school"}


def test_given_name_then_middle_then_family():
    assert full_name_sort_key("Nguyễn Văn An") < full_name_sort_key("Trần Thị Bình")  # tên first
    assert full_name_sort_key("Trần Thị Bình") < full_name_sort_key("Lê Văn Bình")  # then đệm: t < v
    assert full_name_sort_key("Lê Văn Bình") < full_name_sort_key("Nguyễn Văn Bình")  # then họ
    assert full_name_sort_key("Phạm An") < full_name_sort_key("Trần Thị An")  # no đệm first


def test_syllable_by_syllable_within_a_part():
    # Tone of the first syllable decides before the letters of the second: hà < hạ.
    assert name_sort_key("Lê", "Hà Vy", "An") < name_sort_key("Lê", "Hạ An", "An")


def test_nfd_input_gives_the_same_key():
    for full in ["Đặng Thị Hồng Nhung", "Nguyễn Ngọc Ước", "Trương Thị Thuỷ", "Phạm Đức Mạnh"]:
        assert full_name_sort_key(nfd(full)) == full_name_sort_key(full)
        assert person_sort_key(*map(nfd, split_full_name(full)), 3) == person_sort_key(*split_full_name(full), 3)


@pytest.mark.parametrize(
    ("old_style", "new_style"),
    [("Hoà", "Hòa"), ("Thuý", "Thúy"), ("Thuỷ", "Thủy"), ("Khoẻ", "Khỏe"), ("Loan Hoạ", "Loan Họa")],
)
def test_old_and_new_tone_placement_give_the_same_letter_tone_key(old_style, new_style):
    for tone_order in TONE_ORDERS:
        old = name_sort_key("Lê", "Thị", old_style, tone_order=tone_order)
        new = name_sort_key("Lê", "Thị", new_style, tone_order=tone_order)
        assert primary(old) == primary(new)
        assert old != new  # the NFC tiebreak still keeps the order total


def test_case_does_not_matter_until_the_final_tiebreak():
    assert primary(full_name_sort_key("NGUYỄN VĂN ĐỨC")) == primary(full_name_sort_key("nguyễn văn đức"))
    assert full_name_sort_key("NGUYỄN VĂN ĐỨC") != full_name_sort_key("nguyễn văn đức")


def test_legacy_eth_sorts_as_d_bar():
    assert primary(given_key("\u00d0ào")) == primary(given_key("Đào"))
    assert given_key("Dương") < given_key("\u00d0ào") < given_key("Đức")


def test_punctuation_digits_and_foreign_names_are_handled():
    assert primary(given_key("Jean-Pierre")) == primary(given_key("Jean Pierre"))
    assert primary(given_key("O'Brien")) == primary(given_key("O Brien"))
    assert primary(given_key("Strauß")) == primary(given_key("STRAUSS"))
    assert primary(given_key("An")) < primary(given_key("An2")) < primary(given_key("An3"))  # digits count
    assert primary(given_key("\u0301An")) == primary(given_key("An"))  # a stray mark is ignored
    assert primary(given_key("An -\u0301")) == primary(given_key("An"))  # so is a mark on a symbol
    names = ["Nguyễn Văn An 2", "Smith John", "José María", "Müller-Lüdenscheidt", "王小明", "Ali ibn-Sina", "---"]
    keys = [full_name_sort_key(name) for name in names]
    assert len(set(keys)) == len(sorted(keys)) == len(names)  # all comparable, no ties


def test_naive_python_sort_is_wrong():
    names = ["Đào", "Yến", "Ân", "Dương", "Bình"]
    assert sorted(names) == ["Bình", "Dương", "Yến", "Ân", "Đào"]  # Đ and Â after Z: wrong
    assert sort_given(names) == ["Ân", "Bình", "Dương", "Đào", "Yến"]


# A realistic class list, in the order worked out by hand (tên, then đệm, then họ).
REFERENCE = [
    "Phạm An",  # an, no đệm
    "Trần Thị An",  # an, thị
    "Lê Văn An",  # an, văn, lê
    "Nguyễn Văn An",  # an, văn, nguyễn (l < n)
    "Đỗ Hoàng Anh",  # "an" is a prefix of "anh"
    "Vũ Ngọc Ánh",  # anh ngang < ánh sắc
    "Hồ Minh Ân",  # a < â
    "Bùi Gia Bảo",
    "Lê Thanh Bình",  # bảo < bình (a < i); thanh < thị (a < i)
    "Trần Thị Bình",
    "Lê Văn Bình",  # thị < văn
    "Ngô Khánh Chi",
    "Đặng Quốc Cường",  # h < ư
    "Phan Tiến Dũng",
    "Lý Thùy Dương",  # u < ư
    "Mai Thị Đào",  # d < đ
    "Hoàng Minh Đức",  # a < ư
    "Trịnh Hương Giang",
    "Tạ Thu Hà",
    "Cao Thanh Hải",  # "ha" is a prefix of "hai"
    "Phí Mỹ Hạnh",  # i < n
    "Đinh Thị Hoà",  # old-style tone placement ...
    "Lương Thị Hòa",  # ... same tên as new-style; đ < l decides
    "Vương Đình Hùng",
    "Kiều Quang Hưng",  # u < ư
    "Lâm Đăng Khoa",
    "Đoàn Diệu Linh",
    "Triệu Bảo Long",  # i < o
    "Hà Phước Lộc",  # o < ô
    "Châu Tấn Lợi",  # ô < ơ
    "Quách Trà My",
    "La Thảo Mỹ",  # ngang < ngã
    "Nguyễn Hoài Nam",
    "Phùng Kim Ngân",  # a < g
    "Võ Bích Ngọc",  # â < o
    "Tăng Hồng Nhung",  # g < h
    "Ông Kiều Oanh",
    "Ưng Hoàng Phúc",
    "Lạc Minh Quân",
    "Đàm Thái Sơn",
    "Ninh Phương Thảo",
    "Mạc Anh Thư",  # a < ư
    "Trương Thu Trang",  # h < r
    "Doãn Cẩm Tú",  # r < u
    "Khúc Anh Tuấn",  # "tu" is a prefix of "tuân"
    "Lò Thị Uyên",
    "Giáp Tường Vy",
    "Bế Thị Xuân",
    "Hoàng Hải Yến",
]


def test_reference_class_list():
    assert len(REFERENCE) >= 30
    for seed in range(5):
        shuffled = random.Random(seed).sample(REFERENCE, len(REFERENCE))
        assert sorted(shuffled, key=full_name_sort_key) == REFERENCE
    assert sorted(map(nfd, REFERENCE), key=full_name_sort_key) == list(map(nfd, REFERENCE))
    keys = [full_name_sort_key(name) for name in REFERENCE]
    assert all(a < b for a, b in zip(keys, keys[1:]))  # strictly increasing: no ties
    assert sorted(REFERENCE) != REFERENCE


def test_reference_class_list_with_school_tone_order():
    # No pair in the list differs by a hỏi/ngã vs sắc tone only, so both orders agree.
    assert sorted(reversed(REFERENCE), key=lambda n: full_name_sort_key(n, tone_order="school")) == REFERENCE


def test_person_sort_key_tiebreakers_make_reprints_stable():
    pupils = [
        ("Nguyễn", "Văn", "An", date(2017, 5, 2), 31),
        ("Nguyễn", "Văn", "An", date(2017, 1, 9), 40),
        ("Nguyễn", "Văn", "An", date(2017, 1, 9), 12),
        ("Lê", "Thị", "An", date(2018, 1, 1), 7),
    ]
    ordered = sorted(pupils, key=lambda p: person_sort_key(*p))
    assert [p[4] for p in ordered] == [7, 12, 40, 31]
    assert person_sort_key("Lê", "Thị", "Mả", 1, tone_order="school") == (
        name_sort_key("Lê", "Thị", "Mả", tone_order="school") + (1,)
    )


def test_icu_oracle_agrees_on_single_syllable_given_names():
    icu = pytest.importorskip("icu")  # PyICU is optional; the project's key must not need it
    collator = icu.Collator.createInstance(icu.Locale("vi"))
    names = sorted({split_full_name(n)[2] for n in REFERENCE} - {"Hoà"}) + ["Ma", "Mà", "Mả", "Mã", "Má", "Mạ"]
    assert sorted(names, key=collator.getSortKey) == sort_given(names)


# --- properties ------------------------------------------------------------------------

_TONE_MARKS = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]
_VIET_LETTERS = [unicodedata.normalize("NFC", letter + tone) for letter in ALPHABET for tone in _TONE_MARKS]
_CHARS = _VIET_LETTERS + [c.upper() for c in _VIET_LETTERS] + list(" \t-'07") + _TONE_MARKS[1:] + ["\u00d0", "ü", "李"]
name_text = st.lists(st.sampled_from(_CHARS), max_size=12).map("".join)
person = st.tuples(name_text, name_text, name_text)
any_person = st.tuples(st.text(max_size=8), st.text(max_size=8), st.text(max_size=8))


@given(st.text())
def test_nfc_is_idempotent_and_normalisation_blind(text):
    once = nfc(text)
    assert nfc(once) == once
    assert nfc(nfd(text)) == once
    assert once == once.strip() and "  " not in once


@given(st.text())
def test_fold_is_idempotent_and_normalisation_blind(text):
    once = fold(text)
    assert fold(once) == once
    assert fold(nfd(text)) == fold(unicodedata.normalize("NFC", text)) == once


@given(name_text)
def test_fold_ignores_case_and_tones(text):
    assert fold(text.upper()) == fold(text.lower()) == fold(text)


@given(st.text())
def test_join_of_split_is_the_nfc_name(text):
    assert join_name(*split_full_name(text)) == nfc(text)


@given(st.lists(st.one_of(person, any_person), max_size=8))
def test_sorting_is_the_same_for_nfc_and_nfd_input(people):
    def order(rows):
        return sorted(range(len(rows)), key=lambda i: name_sort_key(*rows[i]))

    composed = [tuple(unicodedata.normalize("NFC", p) for p in row) for row in people]
    decomposed = [tuple(nfd(p) for p in row) for row in people]
    assert order(composed) == order(decomposed) == order(people)


@given(st.one_of(person, any_person), st.one_of(person, any_person), st.one_of(person, any_person))
def test_key_is_a_total_order(a, b, c):
    ka, kb, kc = (name_sort_key(*p) for p in (a, b, c))
    assert (ka < kb) + (ka == kb) + (ka > kb) == 1
    assert (ka == kb) == (tuple(map(nfc, a)) == tuple(map(nfc, b)))
    if ka <= kb and kb <= kc:
        assert ka <= kc


@given(person)
def test_key_ignores_case_before_the_tiebreak(row):
    upper = name_sort_key(*(p.upper() for p in row))
    lower = name_sort_key(*(p.lower() for p in row))
    assert primary(upper) == primary(lower) == primary(name_sort_key(*row))


_BASE_LETTERS = [letter for letter in ALPHABET if letter not in "fjwz"]
syllable = st.lists(st.sampled_from(_BASE_LETTERS), min_size=1, max_size=5).map("".join)


@given(syllable, st.sampled_from(_TONE_MARKS[1:]), st.data())
def test_tone_is_a_property_of_the_syllable_not_a_vowel(letters, tone, data):
    first = data.draw(st.integers(0, len(letters) - 1))
    second = data.draw(st.integers(0, len(letters) - 1))
    one = unicodedata.normalize("NFC", letters[: first + 1] + tone + letters[first + 1 :])
    other = unicodedata.normalize("NFC", letters[: second + 1] + tone + letters[second + 1 :])
    assert primary(given_key(one)) == primary(given_key(other))


@given(syllable, syllable, st.sampled_from(_TONE_MARKS), st.sampled_from(_TONE_MARKS))
def test_letters_decide_before_tones(s, t, tone_s, tone_t):
    toned_s = unicodedata.normalize("NFC", s + tone_s)
    toned_t = unicodedata.normalize("NFC", t + tone_t)
    if s != t:
        assert (given_key(toned_s) < given_key(toned_t)) == (given_key(s) < given_key(t))
    else:
        rank = TONE_ORDERS["dictionary"]
        assert (given_key(toned_s) < given_key(toned_t)) == (rank.get(tone_s, 0) < rank.get(tone_t, 0))
