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
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Spacer, TableStyle
from reportlab.platypus.flowables import TopPadder

from nk_desktop.printing.base import (
    DocumentInfo, GridTable, SchoolHeader, Signature, build_pdf, content_width, date_line, grid_style, header_block,
    signature_table, styles, text,
)

QUALITY_SHORT = ("Yêu nước", "Nhân ái", "Chăm chỉ", "Trung thực", "Trách nhiệm")
GENERAL_SHORT = ("Tự chủ và tự học", "Giao tiếp và hợp tác", "Giải quyết vấn đề và sáng tạo")
SPECIFIC_SHORT = ("Ngôn ngữ", "Tính toán", "Khoa học", "Công nghệ", "Tin học", "Thẩm mĩ", "Thể chất")
# TT27 Phụ lục 2: the competencies (general, then specific) before the qualities.  ``SummaryRow.traits``
# is in the order of assessment_rules.TRAITS (5 qualities, 3 general, 7 specific); this is the print order.
TRAIT_GROUPS = (("Năng lực chung", GENERAL_SHORT, range(5, 8)), ("Năng lực đặc thù", SPECIFIC_SHORT, range(8, 15)),
                ("Phẩm chất chủ yếu", QUALITY_SHORT, range(0, 5)))
TRAIT_PRINT_ORDER = tuple(n for _group, _names, indexes in TRAIT_GROUPS for n in indexes)
YEAR_END_HEADS = ("Đánh giá kết quả giáo dục", "Khen thưởng", "Hoàn thành chương trình lớp học/Lên lớp")
LEVEL_HEAD, SCORE_HEAD = "Mức đạt được", "Điểm KTĐK"


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
    keys += [f"T:{n}" for n in TRAIT_PRINT_ORDER]
    if summary.year_end:
        keys += ["overall", "award", "completion"]
    keys.append("note")
    return keys


def _break_lines(label: str, font: str, size: float, room: float) -> list[str] | None:
    """*label* broken between words into lines no wider than *room* (greedy, as a Paragraph would);
    None when one word alone is wider."""
    lines: list[str] = []
    for word in label.split():
        if stringWidth(word, font, size) > room:
            return None
        if lines and stringWidth(f"{lines[-1]} {word}", font, size) <= room:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _header_rows(summary: ClassSummary, keys: list[str], st,
                 widths: list[float] | None = None) -> tuple[list[list], list[tuple]]:
    """The two header rows and their spans.  Labels are plain strings drawn in the header font
    (grid_style's bold; the second row regular, see ``table``), broken between words into the lines
    of their (spanned) cell.  A word wider than its narrow column ("nghiệm") makes that label a little
    smaller (down to 6 pt) rather than split; only beyond that does it fall back to a Paragraph."""
    widths = widths or [0.0] * len(keys)
    top, sub, spans = [], [], []

    def cell(label: str, style: str, first: int, count: int = 1):
        room = sum(widths[first:first + count]) - 2 * CELL_PADDING
        font = st[style]
        row = 0 if style == "head" else 1
        size = font.fontSize
        while room > 0 and size >= 6:
            lines = _break_lines(label, font.fontName, size, room)
            if lines:
                if size != font.fontSize:
                    spans.extend([("FONTSIZE", (first, row), (first, row), size),
                                  ("LEADING", (first, row), (first, row), size + 1.2)])
                return "\n".join(lines)
            size -= 0.5
        return Paragraph(text(label), font)

    top += [cell("STT", "head", 0), cell("Họ và tên học sinh", "head", 1)]
    sub += ["", ""]
    spans += [("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (1, 1))]
    index = 2
    for subject in summary.subjects:
        width = 2 if subject.tested else 1
        top.append(cell(subject.name, "head", index, width))
        top += [""] * (width - 1)
        sub.append(cell(LEVEL_HEAD, "cell_center", index))
        if subject.tested:
            sub.append(cell(SCORE_HEAD, "cell_center", index + 1))
        if width == 2:
            spans.append(("SPAN", (index, 0), (index + 1, 0)))
        else:
            spans.append(("SPAN", (index, 0), (index, 0)))
        index += width
    for group, names, _indexes in TRAIT_GROUPS:
        top.append(cell(group, "head", index, len(names)))
        top += [""] * (len(names) - 1)
        sub += [cell(n, "cell_center", index + k) for k, n in enumerate(names)]
        spans.append(("SPAN", (index, 0), (index + len(names) - 1, 0)))
        index += len(names)
    if summary.year_end:
        for title in YEAR_END_HEADS:
            top.append(cell(title, "head", index))
            sub.append("")
            spans.append(("SPAN", (index, 0), (index, 1)))
            index += 1
    top.append(cell("Ghi chú", "head", index))
    sub.append("")
    spans.append(("SPAN", (index, 0), (index, 1)))
    return [top, sub], spans


NAME_WIDTH = 42 * mm
CELL_FONT = 7.5
CELL_PADDING = 1.5  # grid_style's left and right padding


def _fits(value: str, st, width: float) -> bool:
    """Whether *value* fits on one line of a cell *width* wide in the cell style (no wrapping needed)."""
    style = st["cell"]
    return stringWidth(value, style.fontName, style.fontSize) <= width - 2 * CELL_PADDING


def _wrapped(value: str, st, style: str, width: float):
    """A cell's text: the plain string when it fits on one line (drawn directly), else a wrapping
    Paragraph; "" for nothing (an empty cell is not drawn)."""
    if not value:
        return ""
    if "\n" not in value and _fits(value, st, width):
        return value
    return Paragraph(text(value), st[style])


def _cells(summary: ClassSummary, row: SummaryRow, keys: list[str], st, widths: dict[str, float] | None = None) -> list:
    widths = widths or {}
    traits = row.traits or [""] * 15
    values = []
    for key in keys:
        if key == "stt":
            values.append(str(row.number))
        elif key == "name":
            values.append(_wrapped(row.full_name, st, "cell", widths.get("name", NAME_WIDTH)))
        elif key.startswith("L:"):
            values.append(row.levels.get(key[2:], ""))
        elif key.startswith("S:"):
            values.append(row.scores.get(key[2:], ""))
        elif key.startswith("T:"):
            values.append(traits[int(key[2:])])
        elif key == "overall":
            values.append(row.overall)
        elif key == "award":
            values.append(Paragraph(text(row.award), st["cell_center"]) if row.award else "")
        elif key == "completion":
            values.append(row.completion)
        else:
            values.append(_wrapped(row.note, st, "cell", widths.get("note", 18 * mm)))
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
    fixed = {"stt": 8 * mm, "name": NAME_WIDTH, "note": 18 * mm, "overall": 13 * mm, "award": 17 * mm,
             "completion": 13 * mm}
    flexible = [k for k in keys if k not in fixed]
    rest = total - sum(fixed[k] for k in keys if k in fixed)
    each = rest / len(flexible)
    return [fixed.get(k, each) for k in keys]


def table(summary: ClassSummary, st, width: float) -> GridTable:
    """The class's grid: two header rows repeated on every page, one row per pupil (never split), totals."""
    keys = _columns(summary)
    col_widths = _widths(summary, keys, width)
    head, spans = _header_rows(summary, keys, st, col_widths)
    by_key = dict(zip(keys, col_widths))
    body = [_cells(summary, row, keys, st, by_key) for row in summary.rows]
    grid = GridTable(head + body + _totals(summary, keys, st), colWidths=col_widths, repeatRows=2, splitByRow=1,
                     cell_font_size=CELL_FONT)
    header_fonts = [("FONTSIZE", (0, 0), (-1, 0), st["head"].fontSize), ("LEADING", (0, 0), (-1, 0), st["head"].leading),
                    ("FONTNAME", (2, 1), (-1, 1), st["cell_center"].fontName)]
    grid.setStyle(TableStyle(grid_style(2, CELL_FONT, cells=False) + header_fonts + spans + [("ALIGN", (1, 2), (1, -1), "LEFT")]))
    return grid


def render(summary: ClassSummary) -> bytes:
    """The summary as PDF bytes (A3 landscape, header repeated on every page, rows never split)."""
    st = styles()
    width = content_width("A3", "landscape")
    story = [
        header_block(summary.header, width, st),
        Spacer(0, 4 * mm),
        Paragraph(TITLE, st["title"]),
        Paragraph(text(f"Lớp {summary.class_name} — {summary.milestone_name} — Năm học {summary.year_name}"),
                  st["subtitle"]),
        table(summary, st, width),
        Spacer(0, 6 * mm),
        TopPadder(signatures(summary, st, width)),
    ]
    info = DocumentInfo(
        title=f"Bảng tổng hợp kết quả đánh giá giáo dục lớp {summary.class_name}",
        school=summary.header.school_name,
        subject=f"Lớp {summary.class_name} — {summary.milestone_name} — {summary.year_name}",
        keywords="TT27/2020 Phụ lục 2")
    return build_pdf(story, info, paper="A3", orientation="landscape", footer=CONFIRMATION)


TITLE = "BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC CỦA LỚP"
CONFIRMATION = ("Xác nhận của giáo viên bộ môn: ................................................    "
                "Xác nhận của giáo viên chủ nhiệm: ................................................")


def signatures(summary: ClassSummary, st, width: float):
    return signature_table(
        [Signature("GIÁO VIÊN CHỦ NHIỆM", "(Kí, ghi rõ họ tên)", summary.homeroom_name),
         Signature("HIỆU TRƯỞNG", "(Kí tên, đóng dấu)", summary.principal_name)],
        width, st, date_text=date_line(summary.header.place_name, summary.sign_date))

