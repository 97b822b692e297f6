"""Phiếu thông báo gửi phụ huynh: attendance (and results at a milestone) per pupil, A4 portrait.

One block per pupil, several per page, separated by cut lines; a block never splits
across pages.  The attendance sentence is the one the roll-call service writes for the
school's messaging app, so the paper and the message say the same thing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Sequence

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import KeepTogether, Paragraph, Table, TableStyle

from nk_desktop.printing import fonts
from nk_desktop.printing.base import DocumentInfo, SchoolHeader, build_pdf, content_width, date_line, styles, text
from nk_desktop.printing.sections import CutLine, SetFooter, sections

RESULTS_PER_LINE = 3


@dataclasses.dataclass(frozen=True)
class NoticeResult:
    subject_name: str
    level: str      # "Hoàn thành tốt" … or ""
    score: str      # "9" or ""


@dataclasses.dataclass(frozen=True)
class ParentNotice:
    number: int
    full_name: str
    parent_phone: str
    attendance: str                 # the sentence from services.attendance.parent_notices
    results: list[NoticeResult]


@dataclasses.dataclass(frozen=True)
class NoticeSheet:
    header: SchoolHeader
    year_name: str
    class_name: str
    period: str                     # "từ 01/10 đến 31/10/2026"
    milestone_name: str             # "" when no results are given
    homeroom_name: str
    notices: list[ParentNotice]
    sign_date: dt.date | None = None


def _styles() -> dict:
    st = styles()
    st["n"] = ParagraphStyle("n", parent=st["base"], fontSize=10.5, leading=13)
    st["n_small"] = ParagraphStyle("n_small", parent=st["base"], fontSize=9.5, leading=11.5)
    st["n_title"] = ParagraphStyle("n_title", parent=st["center_bold"], fontSize=11.5, leading=14)
    st["n_school"] = ParagraphStyle("n_school", parent=st["base"], fontName=fonts.SERIF_BOLD, fontSize=9,
                                    leading=11)
    return st


def _lower_first(value: str) -> str:
    """"Cuối học kì I" → "cuối học kì I" (mid-sentence; the roman numeral keeps its case)."""
    return value[:1].lower() + value[1:]


def _attendance_label(sheet: NoticeSheet, notice: ParentNotice) -> str:
    """"Chuyên cần:" when the sentence already names the period (the roll-call service's does), else with it."""
    return "Chuyên cần:" if sheet.period in notice.attendance else f"Chuyên cần ({sheet.period}):"


def block(sheet: NoticeSheet, notice: ParentNotice, st: dict, width: float) -> Table:
    rows: list[list] = [
        [Paragraph(f"{text(sheet.header.school_name.upper())}<br/>Lớp {text(sheet.class_name)} — năm học "
                   f"{text(sheet.year_name)}", st["n_school"]),
         Paragraph("PHIẾU THÔNG BÁO GỬI CHA MẸ HỌC SINH", st["n_title"])],
        [Paragraph(f"Học sinh: <b>{text(notice.full_name)}</b> (STT {notice.number})"
                   + (f" — điện thoại phụ huynh: {text(notice.parent_phone)}" if notice.parent_phone else ""),
                   st["n"]), ""],
        [Paragraph(f"<b>{text(_attendance_label(sheet, notice))}</b> {text(notice.attendance)}", st["n"]), ""],
    ]
    spans = [("SPAN", (0, 1), (1, 1)), ("SPAN", (0, 2), (1, 2))]
    if notice.results:
        items = [f"{text(r.subject_name)}: <b>{text(r.level) or '—'}</b>" + (f" ({text(r.score)} điểm)" if r.score
                                                                               else "")
                 for r in notice.results]
        lines = ["; ".join(items[i:i + RESULTS_PER_LINE]) for i in range(0, len(items), RESULTS_PER_LINE)]
        rows.append([Paragraph(f"<b>Kết quả đánh giá {text(_lower_first(sheet.milestone_name))}:</b><br/>" + ";<br/>".join(lines)
                               + ".", st["n_small"]), ""])
        spans.append(("SPAN", (0, len(rows) - 1), (1, len(rows) - 1)))
    rows.append([Paragraph("Ý kiến của cha mẹ học sinh: ..............................................................."
                           "..........", st["n_small"]),
                 Paragraph(f"<i>{text(date_line(sheet.header.place_name, sheet.sign_date))}</i><br/>"
                           f"Giáo viên chủ nhiệm<br/><br/><b>{text(sheet.homeroom_name)}</b>", st["n_small"])])
    table = Table(rows, colWidths=[width * 0.55, width * 0.45])
    table.setStyle(TableStyle(spans + [
        ("FONTNAME", (0, 0), (-1, -1), fonts.SERIF), ("BOX", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, -1), (1, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    return table


def story(sheet: NoticeSheet, st: dict, width: float) -> list:
    out: list = [SetFooter(f"Thông báo gửi cha mẹ học sinh — lớp {sheet.class_name} — {sheet.period}")]
    for index, notice in enumerate(sheet.notices):
        parts = [block(sheet, notice, st, width)]
        if index < len(sheet.notices) - 1:
            parts.append(CutLine(width))
        out.append(KeepTogether(parts))
    return out


def render(sheets: NoticeSheet | Sequence[NoticeSheet]) -> bytes:
    items = [sheets] if isinstance(sheets, NoticeSheet) else list(sheets)
    st = _styles()
    width = content_width("A4", "portrait")
    first = items[0]
    names = ", ".join(s.class_name for s in items)
    info = DocumentInfo(title=f"Thông báo gửi cha mẹ học sinh lớp {names}", school=first.header.school_name,
                        subject=f"Lớp {names} — {first.period}" + (f" — {first.milestone_name}"
                                                                   if first.milestone_name else ""),
                        keywords="Thông báo phụ huynh")
    return build_pdf(sections(story(s, st, width) for s in items), info, paper="A4", orientation="portrait")
