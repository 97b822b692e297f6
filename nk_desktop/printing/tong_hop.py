"""Bảng tổng hợp kết quả đánh giá giáo dục của lớp (Thông tư 27/2020, Phụ lục 2), A3 landscape.

Pupils in official order; each subject's level and test score, the 5 qualities,
3 general and 7 specific competencies; at the end of the year the overall result,
awards and completion; totals per column; the homeroom teacher's and principal's
signatures; under every page the teachers' confirmation line (regulation Điều 12.2).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import TopPadder

from nk_desktop.printing.base import (
    DocumentInfo, SchoolHeader, Signature, build_pdf, content_width, date_line, grid_style, header_block,
    signature_table, styles, text,
)

QUALITY_SHORT = ("Yêu nước", "Nhân ái", "Chăm chỉ", "Trung thực", "Trách nhiệm")
GENERAL_SHORT = ("Tự chủ, tự học", "Giao tiếp, hợp tác", "GQVĐ, sáng tạo")
SPECIFIC_SHORT = ("Ngôn ngữ", "Tính toán", "Khoa học", "Công nghệ", "Tin học", "Thẩm mĩ", "Thể chất")


@dataclasses.dataclass(frozen=True)
class SubjectColumn:
    code: str
    name: str
    tested: bool


@dataclasses.dataclass(frozen=True)
class SummaryRow:
    number: int
    full_name: str
    levels: dict[str, str]   # subject code → "T" / "H" / "C" / ""
    scores: dict[str, str]   # subject code → "9" / ""
    traits: list[str]        # 15 letters "T" / "Đ" / "C" / "" in the order of assessment_rules.TRAITS
    overall: str = ""        # year end: "HTXS" … "CHT"
    award: str = ""
    completion: str = ""     # "HT CTLH" or "HT CTTH" (grade 5) or ""
    note: str = ""


@dataclasses.dataclass(frozen=True)
class ClassSummary:
    header: SchoolHeader
    year_name: str
    class_name: str
    milestone: str
    milestone_name: str
    subjects: list[SubjectColumn]
    rows: list[SummaryRow]
    homeroom_name: str
    principal_name: str
    sign_date: dt.date | None

    @property
    def year_end(self) -> bool:
        return self.milestone == "CN"


def _columns(summary: ClassSummary) -> list[str]:
    """Column keys in print order."""
    keys = ["stt", "name"]
    for subject in summary.subjects:
        keys.append(f"L:{subject.code}")
        if subject.tested:
            keys.append(f"S:{subject.code}")
    keys += [f"T:{n}" for n in range(15)]
    if summary.year_end:
        keys += ["overall", "award", "completion"]
    keys.append("note")
    return keys


def _header_rows(summary: ClassSummary, keys: list[str], st) -> tuple[list[list], list[tuple]]:
    head, small = st["head"], st["cell_center"]
    top, sub, spans = [], [], []
    index = 0
    top += [Paragraph("STT", head), Paragraph("Họ và tên học sinh", head)]
    sub += ["", ""]
    spans += [("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (1, 1))]
    index = 2
    for subject in summary.subjects:
        width = 2 if subject.tested else 1
        top.append(Paragraph(text(subject.name), head))
        top += [""] * (width - 1)
        sub.append(Paragraph("Mức", small))
        if subject.tested:
            sub.append(Paragraph("Điểm", small))
        if width == 2:
            spans.append(("SPAN", (index, 0), (index + 1, 0)))
        else:
            spans.append(("SPAN", (index, 0), (index, 0)))
        index += width
    for group, names in (("Phẩm chất chủ yếu", QUALITY_SHORT), ("Năng lực chung", GENERAL_SHORT),
                         ("Năng lực đặc thù", SPECIFIC_SHORT)):
        top.append(Paragraph(group, head))
        top += [""] * (len(names) - 1)
        sub += [Paragraph(text(n), small) for n in names]
        spans.append(("SPAN", (index, 0), (index + len(names) - 1, 0)))
        index += len(names)
    if summary.year_end:
        for title in ("Đánh giá kết quả giáo dục", "Khen thưởng", "Hoàn thành chương trình lớp học"):
            top.append(Paragraph(title, head))
            sub.append("")
            spans.append(("SPAN", (index, 0), (index, 1)))
            index += 1
    top.append(Paragraph("Ghi chú", head))
    sub.append("")
    spans.append(("SPAN", (index, 0), (index, 1)))
    return [top, sub], spans


def _cells(summary: ClassSummary, row: SummaryRow, keys: list[str], st) -> list:
    values = []
    for key in keys:
        if key == "stt":
            values.append(str(row.number))
        elif key == "name":
            values.append(Paragraph(text(row.full_name), st["cell"]))
        elif key.startswith("L:"):
            values.append(row.levels.get(key[2:], ""))
        elif key.startswith("S:"):
            values.append(row.scores.get(key[2:], ""))
        elif key.startswith("T:"):
            values.append(row.traits[int(key[2:])] if row.traits else "")
        elif key == "overall":
            values.append(row.overall)
        elif key == "award":
            values.append(Paragraph(text(row.award), st["cell_center"]))
        elif key == "completion":
            values.append(row.completion)
        else:
            values.append(Paragraph(text(row.note), st["cell"]))
    return values


def _totals(summary: ClassSummary, keys: list[str], st) -> list[list]:
    """Counts per column: T/Tốt, H/Đạt, C/Cần cố gắng, and scores below 5."""
    labels = (("T", "Số T / Tốt"), ("H", "Số H / Đạt"), ("C", "Số C / Cần cố gắng"))
    rows = []
    for letter, label in labels:
        line = ["", Paragraph(f"<b>{label}</b>", st["cell"])]
        for key in keys[2:]:
            if key.startswith("L:"):
                line.append(str(sum(1 for r in summary.rows if r.levels.get(key[2:]) == letter)))
            elif key.startswith("T:"):
                wanted = {"T": "T", "H": "Đ", "C": "C"}[letter]
                line.append(str(sum(1 for r in summary.rows if r.traits and r.traits[int(key[2:])] == wanted)))
            elif key.startswith("S:") and letter == "C":
                low = sum(1 for r in summary.rows if r.scores.get(key[2:], "").isdigit() and int(r.scores[key[2:]]) < 5)
                line.append(f"<5: {low}")
            else:
                line.append("")
        rows.append(line)
    if summary.year_end:
        overall = ["", Paragraph("<b>Kết quả giáo dục</b>", st["cell"])]
        counts = {code: sum(1 for r in summary.rows if r.overall == code) for code in ("HTXS", "HTT", "HT", "CHT")}
        overall += [""] * (len(keys) - 2)
        overall[keys.index("overall")] = Paragraph(
            "<br/>".join(f"{c}: {n}" for c, n in counts.items()), st["cell_center"])
        rows.append(overall)
    return rows


def _widths(summary: ClassSummary, keys: list[str], total: float) -> list[float]:
    fixed = {"stt": 8 * mm, "name": 42 * mm, "note": 18 * mm, "overall": 13 * mm, "award": 17 * mm,
             "completion": 13 * mm}
    flexible = [k for k in keys if k not in fixed]
    rest = total - sum(fixed[k] for k in keys if k in fixed)
    each = rest / len(flexible)
    return [fixed.get(k, each) for k in keys]


def render(summary: ClassSummary) -> bytes:
    """The summary as PDF bytes (A3 landscape, header repeated on every page, rows never split)."""
    st = styles()
    width = content_width("A3", "landscape")
    keys = _columns(summary)
    head, spans = _header_rows(summary, keys, st)
    body = [_cells(summary, row, keys, st) for row in summary.rows]
    totals = _totals(summary, keys, st)
    table = Table(head + body + totals, colWidths=_widths(summary, keys, width), repeatRows=2,
                  splitByRow=1)
    style = grid_style(2) + spans + [("ALIGN", (1, 2), (1, -1), "LEFT")]
    table.setStyle(TableStyle(style))
    story = [
        header_block(summary.header, width, st),
        Spacer(0, 4 * mm),
        Paragraph("BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC CỦA LỚP", st["title"]),
        Paragraph(text(f"Lớp {summary.class_name} — {summary.milestone_name} — Năm học {summary.year_name}"),
                  st["subtitle"]),
        table,
        Spacer(0, 6 * mm),
        TopPadder(signature_table(
            [Signature("GIÁO VIÊN CHỦ NHIỆM", "(Kí, ghi rõ họ tên)", summary.homeroom_name),
             Signature("HIỆU TRƯỞNG", "(Kí tên, đóng dấu)", summary.principal_name)],
            width, st, date_text=date_line(summary.header.place_name, summary.sign_date))),
    ]
    info = DocumentInfo(
        title=f"Bảng tổng hợp kết quả đánh giá giáo dục lớp {summary.class_name}",
        school=summary.header.school_name,
        subject=f"Lớp {summary.class_name} — {summary.milestone_name} — {summary.year_name}",
        keywords="TT27/2020 Phụ lục 2")
    footer = ("Xác nhận của giáo viên bộ môn: ................................................    "
              "Xác nhận của giáo viên chủ nhiệm: ................................................")
    return build_pdf(story, info, paper="A3", orientation="landscape", footer=footer)
