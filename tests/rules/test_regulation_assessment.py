"""Thông tư 27/2020 and the 2018 curriculum (TT32/2018, amended TT13/2022) as written in vn-primary-rules §1–2:
the tables copied here by hand from the rules document, compared with what the app stores for a school year."""

import datetime as dt
import itertools

import pytest

from nk_desktop.errors import ValidationError
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services import gradebook, school

D = dt.date
ENDS = ("CK1", "CN")
FOUR = ("GK1", "CK1", "GK2", "CN")

# vn-primary-rules §1.5 (TT27 Điều 7.1) and §2.2 (TT32): subject code → (periods per year, tested milestones).
# Tin học và Công nghệ and Nghệ thuật are taught and assessed by part (35 + 35 periods each).
CURRICULUM = {
    1: {"TV": (420, ENDS), "TOAN": (105, ENDS), "DD": (35, ()), "TNXH": (70, ()), "GDTC": (70, ()),
        "AN": (35, ()), "MT": (35, ()), "HDTN": (105, ())},
    2: {"TV": (350, ENDS), "TOAN": (175, ENDS), "DD": (35, ()), "TNXH": (70, ()), "GDTC": (70, ()),
        "AN": (35, ()), "MT": (35, ()), "HDTN": (105, ())},
    3: {"TV": (245, ENDS), "TOAN": (175, ENDS), "NN1": (140, ENDS), "DD": (35, ()), "TNXH": (70, ()),
        "TH": (35, ENDS), "CN": (35, ENDS), "GDTC": (70, ()), "AN": (35, ()), "MT": (35, ()), "HDTN": (105, ())},
    4: {"TV": (245, FOUR), "TOAN": (175, FOUR), "NN1": (140, ENDS), "DD": (35, ()), "LSDL": (70, ENDS),
        "KH": (70, ENDS), "TH": (35, ENDS), "CN": (35, ENDS), "GDTC": (70, ()), "AN": (35, ()), "MT": (35, ()),
        "HDTN": (105, ())},
}
CURRICULUM[5] = dict(CURRICULUM[4])
TOTAL_PERIODS = {1: 875, 2: 875, 3: 980, 4: 1050, 5: 1050}  # §2.2 "Total periods (excl. optional)"


@pytest.mark.parametrize("grade", [1, 2, 3, 4, 5])
def test_each_grades_subjects_periods_and_periodic_tests(db, year_id, grade):
    """TT27 Điều 7.1: tests at the end of each term in Tiếng Việt, Toán, Ngoại ngữ 1, Lịch sử và Địa lí, Khoa học,
    Tin học và Công nghệ where taught, plus mid-term tests in Tiếng Việt and Toán in grades 4–5; TT32: the subjects
    and periods of each grade."""
    with db.read() as session:
        stored = {subject.code: (entry.periods_per_year, tuple(m for m in entry.tested_milestones.split(",") if m))
                  for subject, entry in school.grade_subjects(session, year_id, grade)}
    assert stored == CURRICULUM[grade]
    assert sum(periods for periods, _tests in stored.values()) == TOTAL_PERIODS[grade]


@pytest.mark.parametrize("grade, code, milestone", [(3, "TV", "GK1"), (3, "TOAN", "GK2"), (4, "KH", "GK1"),
                                                    (5, "NN1", "GK2"), (4, "DD", "CK1"), (2, "TNXH", "CN")])
def test_no_test_date_where_the_circular_sets_no_test(db, principal, year_id, grade, code, milestone):
    """TT27 Điều 7.1: mid-term tests only in grades 4–5 and only for Tiếng Việt and Toán; never in subjects assessed
    by levels alone (Đạo đức, Tự nhiên và Xã hội …)."""
    with db.read() as session:
        subject = next(s for s, _e in school.grade_subjects(session, year_id, grade) if s.code == code)
    with pytest.raises(ValidationError, match="không có bài kiểm tra định kì"):
        gradebook.set_test_date(db, principal, year_id, grade, subject.id, milestone, D(2026, 11, 9))


def test_the_fifteen_traits_are_the_circulars():
    """TT27 Điều 5 (vn-primary-rules §1.2): 5 qualities, 3 general and 7 specific competencies, by name."""
    assert [n for _c, n in rules.QUALITIES] == ["Yêu nước", "Nhân ái", "Chăm chỉ", "Trung thực", "Trách nhiệm"]
    assert [n for _c, n in rules.GENERAL_COMPETENCIES] == ["Tự chủ và tự học", "Giao tiếp và hợp tác",
                                                           "Giải quyết vấn đề và sáng tạo"]
    assert [n for _c, n in rules.SPECIFIC_COMPETENCIES] == ["Ngôn ngữ", "Tính toán", "Khoa học", "Công nghệ",
                                                            "Tin học", "Thẩm mĩ", "Thể chất"]
    assert len(rules.TRAIT_NAMES) == 15


def test_level_names_are_the_circulars():
    """TT27 Điều 6–9 (vn-primary-rules §1.3): the two three-level scales, the four year-end results, the awards."""
    assert list(rules.SUBJECT_LEVELS.values()) == ["Hoàn thành tốt", "Hoàn thành", "Chưa hoàn thành"]
    assert list(rules.TRAIT_LEVELS.values()) == ["Tốt", "Đạt", "Cần cố gắng"]
    assert list(rules.OVERALL.values()) == ["Hoàn thành xuất sắc", "Hoàn thành tốt", "Hoàn thành", "Chưa hoàn thành"]
    assert rules.AWARDS["XUAT_SAC"] == "Học sinh Xuất sắc"
    assert list(rules.MILESTONE_NAMES.values()) == ["Giữa học kì I", "Cuối học kì I", "Giữa học kì II",
                                                    "Cuối năm học"]


def _reference(subject_levels, trait_levels, cn_scores):
    """vn-primary-rules §1.6 "Reference algorithm", transcribed (HTT/HT/CHT for T/H/C)."""
    all_t = all(v == "HTT" for v in subject_levels.values())
    all_th = all(v in ("HTT", "HT") for v in subject_levels.values())
    all_tot = all(v == "TOT" for v in trait_levels.values())
    all_td = all(v in ("TOT", "DAT") for v in trait_levels.values())
    m = min(cn_scores.values()) if cn_scores else 10
    if all_t and all_tot and m >= 9:
        return "HTXS"
    if all_t and all_tot and m >= 7:
        return "HTT"
    if all_th and all_td and m >= 5:
        return "HT"
    return "CHT"


TRAIT_CASES = {"all Tốt": {}, "one Đạt": {"NHAN_AI": "DAT"}, "one Cần cố gắng": {"THE_CHAT": "CCG"},
               "Đạt and Cần cố gắng": {"YEU_NUOC": "DAT", "TIN_HOC": "CCG"}}


@pytest.mark.parametrize("traits", list(TRAIT_CASES), ids=list(TRAIT_CASES))
def test_year_end_result_matches_the_reference_on_every_combination(traits):
    """TT27 Điều 9 khoản 2: every combination of three subjects' levels, the trait cases and two year-end scores
    0–10 gives the result of the rules document's reference algorithm (HTXS ≥ 9, HTT ≥ 7, HT ≥ 5, else CHT)."""
    trait_levels = {code: TRAIT_CASES[traits].get(code, "TOT") for code, _n in rules.TRAITS}
    for levels in itertools.product(("HTT", "HT", "CHT"), repeat=3):
        subject_levels = dict(zip(("TV", "TOAN", "AN"), levels))
        for tv, toan in itertools.product(range(11), repeat=2):
            scores = {"TV": tv, "TOAN": toan}
            got = rules.classify_year_end(subject_levels, trait_levels, scores).overall
            assert got == _reference(subject_levels, trait_levels, scores), (subject_levels, traits, scores)
            assert rules.completes_grade(got) == (got != "CHT")
