"""The rules of primary assessment (Thông tư 27/2020/TT-BGDĐT), as pure functions and data.

Kept apart from storage so that every boundary can be tested directly and a
changed circular is a new rule set here; each year's records name the rule set
they were made under and are never recomputed under another.
"""

from __future__ import annotations

import dataclasses
import functools
import re

from nk_desktop.errors import ValidationError
from nk_desktop.i18n import _
from nk_desktop.text import fold

RULE_SET = "TT27-2020"
SOURCE = "Thông tư 27/2020/TT-BGDĐT"

# Subjects: Điều 6 khoản 2 / Điều 7.  Stored as these codes, never as the letters T/H/C,
# because the traits' scale reuses T and C with another meaning.
SUBJECT_LEVELS = {"HTT": _("Hoàn thành tốt"), "HT": _("Hoàn thành"), "CHT": _("Chưa hoàn thành")}
SUBJECT_LETTERS = {"HTT": "T", "HT": "H", "CHT": "C"}
# Qualities and competencies: Điều 6 khoản 3.
TRAIT_LEVELS = {"TOT": _("Tốt"), "DAT": _("Đạt"), "CCG": _("Cần cố gắng")}
TRAIT_LETTERS = {"TOT": "T", "DAT": "Đ", "CCG": "C"}

OVERALL = {"HTXS": _("Hoàn thành xuất sắc"), "HTT": _("Hoàn thành tốt"), "HT": _("Hoàn thành"),
           "CHT": _("Chưa hoàn thành")}
AWARDS = {"XUAT_SAC": _("Học sinh Xuất sắc"),
          "TIEU_BIEU": _("Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện")}

# The 15 rated traits (Điều 5): 5 qualities, 3 general and 7 specific competencies.
QUALITIES = (("YEU_NUOC", "Yêu nước"), ("NHAN_AI", "Nhân ái"), ("CHAM_CHI", "Chăm chỉ"),
             ("TRUNG_THUC", "Trung thực"), ("TRACH_NHIEM", "Trách nhiệm"))
GENERAL_COMPETENCIES = (("TU_CHU", "Tự chủ và tự học"), ("GIAO_TIEP", "Giao tiếp và hợp tác"),
                        ("GQVD", "Giải quyết vấn đề và sáng tạo"))
SPECIFIC_COMPETENCIES = (("NGON_NGU", "Ngôn ngữ"), ("TINH_TOAN", "Tính toán"), ("KHOA_HOC", "Khoa học"),
                         ("CONG_NGHE", "Công nghệ"), ("TIN_HOC", "Tin học"), ("THAM_MI", "Thẩm mĩ"),
                         ("THE_CHAT", "Thể chất"))
TRAITS = QUALITIES + GENERAL_COMPETENCIES + SPECIFIC_COMPETENCIES
TRAIT_NAMES = dict(TRAITS)

MILESTONES = ("GK1", "CK1", "GK2", "CN")
MILESTONE_NAMES = {"GK1": _("Giữa học kì I"), "CK1": _("Cuối học kì I"), "GK2": _("Giữa học kì II"),
                   "CN": _("Cuối năm học")}
# The school's deadlines for regular-assessment levels (regulation 39/QC-THNK Điều 11.1.a).
DEFAULT_ENTRY_WEEKS = {"GK1": 8, "CK1": 17, "GK2": 26, "CN": 34}
SCORE_DEADLINE_WORKING_DAYS = 10  # Điều 11.1.b–c
CORRECTION_CLOSES_DAYS_BEFORE_TEST = 7  # Điều 11.2.a: one week before the end-of-term test


def parse_milestone(text: str) -> str:
    code = (text or "").strip().upper()
    if code not in MILESTONES:
        raise ValidationError(
            _("Thời điểm “{text}” không hợp lệ; dùng GK1, CK1, GK2 hoặc CN.").format(text=text), field="milestone")
    return code


def parse_score(raw) -> int | None:
    """A periodic test score: a whole number 0–10 (TT27 allows 0, has no decimals); blank is None."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValidationError(_("Điểm phải là số nguyên từ 0 đến 10."), field="score")
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValidationError(
                _("Điểm “{raw}” có phần thập phân; Thông tư 27 cho điểm số nguyên từ 0 đến 10.").format(
                    raw=f"{raw:g}".replace(".", ",")), field="score")
        raw = int(raw)
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip()
        if text == "":
            return None
        if re.fullmatch(r"\d+[.,]\d+", text):
            raise ValidationError(
                _("Điểm “{raw}” có phần thập phân; Thông tư 27 cho điểm số nguyên từ 0 đến 10.").format(raw=text),
                field="score")
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ValidationError(_("“{raw}” không phải là điểm; hãy nhập số nguyên từ 0 đến 10.").format(raw=text),
                                  field="score")
        value = int(text)
    if not 0 <= value <= 10:
        raise ValidationError(_("Điểm {v} nằm ngoài thang 0–10.").format(v=value), field="score")
    return value


@functools.lru_cache(maxsize=512)
def _level_key(text: str) -> str:
    """What a typed level is compared on (accents, case and spaces aside); cached: a grid sends the same few."""
    return fold(text).replace(" ", "")


def _parse_level(raw, levels: dict[str, str], letters: dict[str, str], what: str) -> str | None:
    text = (raw or "").strip() if isinstance(raw, str) else raw
    if text in (None, ""):
        return None
    key = _level_key(str(text))
    for code, name in levels.items():
        if key in (_level_key(code), _level_key(name), _level_key(letters[code])):
            return code
    choices = ", ".join(f"{letters[c]} ({n})" for c, n in levels.items())
    raise ValidationError(_("“{raw}” không phải mức {what}; chọn: {choices}.").format(
        raw=raw, what=what, choices=choices), field="level")


def parse_subject_level(raw) -> str | None:
    """T / H / C or the full words → HTT / HT / CHT."""
    return _parse_level(raw, SUBJECT_LEVELS, SUBJECT_LETTERS, _("đánh giá môn học"))


def parse_trait_level(raw) -> str | None:
    """T / Đ / C or the full words → TOT / DAT / CCG."""
    return _parse_level(raw, TRAIT_LEVELS, TRAIT_LETTERS, _("phẩm chất, năng lực"))


class IncompleteData(ValidationError):
    """The year-end result cannot be computed: something is missing (never classify partial data)."""


@dataclasses.dataclass(frozen=True)
class Classification:
    overall: str  # HTXS | HTT | HT | CHT
    reason: str


def classify_year_end(subject_levels: dict[str, str], trait_levels: dict[str, str],
                      final_scores: dict[str, int], *, subject_names: dict[str, str] | None = None) -> Classification:
    """Điều 9 khoản 2: the overall result of the year, with the reason in Vietnamese.

    *subject_levels*: every subject/activity of the grade → HTT/HT/CHT at the end of year;
    *trait_levels*: the 15 traits → TOT/DAT/CCG; *final_scores*: every tested subject → the
    end-of-year test score (the retest's where one was taken).
    """
    names = subject_names or {}
    missing = [names.get(s, s) for s, level in subject_levels.items() if level is None]
    missing += [TRAIT_NAMES.get(t, t) for t in (code for code, _n in TRAITS) if trait_levels.get(t) is None]
    missing += [_("điểm {s}").format(s=names.get(s, s)) for s, v in final_scores.items() if v is None]
    if missing:
        raise IncompleteData(_("Chưa đủ dữ liệu để đánh giá cuối năm: thiếu {m}.").format(m=", ".join(missing)))
    lowest = min(final_scores.values()) if final_scores else None
    not_t = [names.get(s, s) for s, level in subject_levels.items() if level != "HTT"]
    not_tot = [TRAIT_NAMES[t] for t, level in trait_levels.items() if level != "TOT"]
    chts = [names.get(s, s) for s, level in subject_levels.items() if level == "CHT"]
    ccgs = [TRAIT_NAMES[t] for t, level in trait_levels.items() if level == "CCG"]
    low = [f"{names.get(s, s)} {v}" for s, v in final_scores.items() if v < 5]
    if not not_t and not not_tot and (lowest is None or lowest >= 9):
        return Classification("HTXS", _("Mọi môn Hoàn thành tốt, mọi phẩm chất, năng lực Tốt, điểm KTĐK cuối năm "
                                        "từ 9 trở lên (Điều 9 khoản 2 điểm a)."))
    if not not_t and not not_tot and (lowest is None or lowest >= 7):
        return Classification("HTT", _("Mọi môn Hoàn thành tốt, mọi phẩm chất, năng lực Tốt, điểm KTĐK cuối năm "
                                       "từ 7 trở lên, có điểm dưới 9 (Điều 9 khoản 2 điểm b)."))
    if not chts and not ccgs and (lowest is None or lowest >= 5):
        because = []
        if not_t:
            because.append(_("môn chưa Hoàn thành tốt: {s}").format(s=", ".join(not_t)))
        if not_tot:
            because.append(_("phẩm chất, năng lực ở mức Đạt: {s}").format(s=", ".join(not_tot)))
        if lowest is not None and lowest < 7:
            because.append(_("điểm KTĐK cuối năm thấp nhất {v}").format(v=lowest))
        return Classification("HT", _("Hoàn thành (Điều 9 khoản 2 điểm c): {b}.").format(b="; ".join(because)))
    because = []
    if chts:
        because.append(_("môn Chưa hoàn thành: {s}").format(s=", ".join(chts)))
    if ccgs:
        because.append(_("phẩm chất, năng lực Cần cố gắng: {s}").format(s=", ".join(ccgs)))
    if low:
        because.append(_("điểm KTĐK cuối năm dưới 5: {s}").format(s=", ".join(low)))
    return Classification("CHT", _("Chưa hoàn thành (Điều 9 khoản 2 điểm d): {b}.").format(b="; ".join(because)))


def proposed_award(overall: str, class_recognition: str) -> str:
    """Điều 13: Xuất sắc ⇔ HTXS; Tiêu biểu ⇔ HTT and recognised by the class for a subject or a trait."""
    if overall == "HTXS":
        return "XUAT_SAC"
    if overall == "HTT" and class_recognition.strip():
        return "TIEU_BIEU"
    return ""


def completes_grade(overall: str) -> bool:
    """Điều 11: the grade's programme is completed with HTXS, HTT or HT.  Absences play no part."""
    return overall in ("HTXS", "HTT", "HT")
