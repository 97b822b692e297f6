"""The 2018 general-education curriculum for primary school, as data.

Sources: Thông tư 32/2018/TT-BGDĐT (amended by Thông tư 13/2022/TT-BGDĐT) for
the subjects and periods per year; Thông tư 27/2020/TT-BGDĐT Điều 7.1 for the
subjects with periodic tests and their milestones (GK1 = giữa học kì I,
CK1 = cuối học kì I, GK2 = giữa học kì II, CN = cuối năm học).  A changed
circular is an edit here; years already created keep their own copy.
"""

from __future__ import annotations

import dataclasses

SOURCE_CT = "TT 32/2018/TT-BGDĐT (sửa đổi bởi TT 13/2022/TT-BGDĐT)"
SOURCE_TEST = "TT 27/2020/TT-BGDĐT, Điều 7 khoản 1"

MILESTONES = ("GK1", "CK1", "GK2", "CN")
MILESTONE_NAMES = {
    "GK1": "Giữa học kì I",
    "CK1": "Cuối học kì I",
    "GK2": "Giữa học kì II",
    "CN": "Cuối năm học",
}


@dataclasses.dataclass(frozen=True)
class SubjectDef:
    code: str
    name: str
    kind: str  # subject | activity
    parent: str | None = None


SUBJECTS: tuple[SubjectDef, ...] = (
    SubjectDef("TV", "Tiếng Việt", "subject"),
    SubjectDef("TOAN", "Toán", "subject"),
    SubjectDef("NN1", "Ngoại ngữ 1", "subject"),
    SubjectDef("DD", "Đạo đức", "subject"),
    SubjectDef("TNXH", "Tự nhiên và Xã hội", "subject"),
    SubjectDef("LSDL", "Lịch sử và Địa lí", "subject"),
    SubjectDef("KH", "Khoa học", "subject"),
    SubjectDef("THCN", "Tin học và Công nghệ", "subject"),
    SubjectDef("TH", "Tin học", "subject", parent="THCN"),
    SubjectDef("CN", "Công nghệ", "subject", parent="THCN"),
    SubjectDef("GDTC", "Giáo dục thể chất", "subject"),
    SubjectDef("NT", "Nghệ thuật", "subject"),
    SubjectDef("AN", "Âm nhạc", "subject", parent="NT"),
    SubjectDef("MT", "Mĩ thuật", "subject", parent="NT"),
    SubjectDef("HDTN", "Hoạt động trải nghiệm", "activity"),
)

_FINAL = ("CK1", "CN")
_FOUR = ("GK1", "CK1", "GK2", "CN")

# (subject code, {grade: periods per year}, tested milestones per grade).
# Subjects taught in parts are listed by part: those are what teachers are assigned and assess.
PLAN: tuple[tuple[str, dict[int, int], dict[int, tuple[str, ...]]], ...] = (
    ("TV", {1: 420, 2: 350, 3: 245, 4: 245, 5: 245}, {1: _FINAL, 2: _FINAL, 3: _FINAL, 4: _FOUR, 5: _FOUR}),
    ("TOAN", {1: 105, 2: 175, 3: 175, 4: 175, 5: 175}, {1: _FINAL, 2: _FINAL, 3: _FINAL, 4: _FOUR, 5: _FOUR}),
    ("NN1", {3: 140, 4: 140, 5: 140}, {3: _FINAL, 4: _FINAL, 5: _FINAL}),
    ("DD", {g: 35 for g in range(1, 6)}, {}),
    ("TNXH", {1: 70, 2: 70, 3: 70}, {}),
    ("LSDL", {4: 70, 5: 70}, {4: _FINAL, 5: _FINAL}),
    ("KH", {4: 70, 5: 70}, {4: _FINAL, 5: _FINAL}),
    ("TH", {3: 35, 4: 35, 5: 35}, {3: _FINAL, 4: _FINAL, 5: _FINAL}),
    ("CN", {3: 35, 4: 35, 5: 35}, {3: _FINAL, 4: _FINAL, 5: _FINAL}),
    ("GDTC", {g: 70 for g in range(1, 6)}, {}),
    ("AN", {g: 35 for g in range(1, 6)}, {}),
    ("MT", {g: 35 for g in range(1, 6)}, {}),
    ("HDTN", {g: 105 for g in range(1, 6)}, {}),
)


def plan_for_grade(grade: int) -> list[tuple[str, int, tuple[str, ...]]]:
    """(subject code, periods per year, tested milestones) taught in *grade*, in book order."""
    return [
        (code, periods[grade], tests.get(grade, ()))
        for code, periods, tests in PLAN
        if grade in periods
    ]
