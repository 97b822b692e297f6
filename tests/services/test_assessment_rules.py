"""Thông tư 27/2020 rules on every boundary: scores, levels, the year-end result, awards."""

import pytest

from nk_desktop.errors import ValidationError
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services.assessment_rules import classify_year_end

ALL_TOT = {code: "TOT" for code, _name in rules.TRAITS}
SUBJECTS = {"TV": "HTT", "TOAN": "HTT", "DD": "HTT", "AN": "HTT"}
NAMES = {"TV": "Tiếng Việt", "TOAN": "Toán", "DD": "Đạo đức", "AN": "Âm nhạc"}


def classify(subjects=None, traits=None, scores=None):
    return classify_year_end(subjects or dict(SUBJECTS), traits or dict(ALL_TOT),
                             scores if scores is not None else {"TV": 10, "TOAN": 10}, subject_names=NAMES)


@pytest.mark.parametrize("raw, expected", [("0", 0), ("10", 10), (" 7 ", 7), (7, 7), (7.0, 7), ("", None),
                                           (None, None), ("+8", 8)])
def test_scores_are_whole_numbers_from_0_to_10(raw, expected):
    assert rules.parse_score(raw) == expected


@pytest.mark.parametrize("raw, message", [("7,5", "phần thập phân"), ("7.5", "phần thập phân"), (7.5, "phần thập phân"),
                                          ("11", "ngoài thang"), ("-1", "ngoài thang"), ("abc", "không phải là điểm"),
                                          (True, "số nguyên")])
def test_invalid_scores_say_why(raw, message):
    with pytest.raises(ValidationError, match=message):
        rules.parse_score(raw)


def test_the_two_scales_are_different_values():
    assert rules.parse_subject_level("T") == "HTT" and rules.parse_trait_level("T") == "TOT"
    assert rules.parse_subject_level("C") == "CHT" and rules.parse_trait_level("C") == "CCG"
    assert rules.parse_subject_level("Hoàn thành") == "HT" and rules.parse_trait_level("Đạt") == "DAT"
    assert rules.parse_trait_level("đ") == "DAT" and rules.parse_subject_level("h") == "HT"
    with pytest.raises(ValidationError, match="đánh giá môn học"):
        rules.parse_subject_level("Đ")
    with pytest.raises(ValidationError, match="phẩm chất"):
        rules.parse_trait_level("H")
    assert len(rules.TRAITS) == 15


def test_excellent_needs_all_t_all_tot_and_nine():
    assert classify().overall == "HTXS"
    assert classify(scores={"TV": 9, "TOAN": 9}).overall == "HTXS"
    assert classify(scores={"TV": 8, "TOAN": 10}).overall == "HTT"


def test_good_needs_seven():
    assert classify(scores={"TV": 7, "TOAN": 10}).overall == "HTT"
    result = classify(scores={"TV": 6, "TOAN": 10})
    assert result.overall == "HT" and "thấp nhất 6" in result.reason


def test_one_h_in_any_subject_blocks_excellent_and_good():
    result = classify(subjects={**SUBJECTS, "AN": "HT"})
    assert result.overall == "HT" and "Âm nhạc" in result.reason


def test_one_dat_blocks_excellent_and_good():
    result = classify(traits={**ALL_TOT, "TRUNG_THUC": "DAT"})
    assert result.overall == "HT" and "Trung thực" in result.reason


def test_completed_needs_five():
    assert classify(subjects={**SUBJECTS, "TV": "HT"}, scores={"TV": 5, "TOAN": 5}).overall == "HT"
    result = classify(scores={"TV": 4, "TOAN": 10})
    assert result.overall == "CHT" and "Tiếng Việt 4" in result.reason


def test_any_c_or_needs_effort_is_not_completed():
    assert classify(subjects={**SUBJECTS, "DD": "CHT"}).overall == "CHT"
    result = classify(traits={**ALL_TOT, "CHAM_CHI": "CCG"})
    assert result.overall == "CHT" and "Chăm chỉ" in result.reason


def test_score_zero_is_a_valid_score_and_gives_not_completed():
    assert classify(scores={"TV": 0, "TOAN": 10}).overall == "CHT"


def test_never_classify_partial_data():
    with pytest.raises(rules.IncompleteData, match="Toán"):
        classify(subjects={**SUBJECTS, "TOAN": None})
    with pytest.raises(rules.IncompleteData, match="Nhân ái"):
        classify(traits={k: v for k, v in ALL_TOT.items() if k != "NHAN_AI"})
    with pytest.raises(rules.IncompleteData, match="điểm Tiếng Việt"):
        classify(scores={"TV": None, "TOAN": 9})


def test_awards_and_completion():
    assert rules.proposed_award("HTXS", "") == "XUAT_SAC"
    assert rules.proposed_award("HTT", "") == ""  # needs the class's recognition (Điều 13)
    assert rules.proposed_award("HTT", "Tiến bộ rõ về Chăm chỉ") == "TIEU_BIEU"
    assert rules.proposed_award("HT", "Giỏi Toán") == ""
    assert [rules.completes_grade(x) for x in ("HTXS", "HTT", "HT", "CHT")] == [True, True, True, False]


def test_milestones():
    assert rules.parse_milestone("ck1") == "CK1"
    with pytest.raises(ValidationError, match="GK1, CK1, GK2 hoặc CN"):
        rules.parse_milestone("HK1")
