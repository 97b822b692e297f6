"""Sổ điểm cá nhân of a teacher (regulation 39/QC-THNK Điều 12.3.b), A4 portrait.

Printed at the start of a term: a cover, then for each class × subject the teacher is
assigned, the pupils in official order with empty ruled columns for the teacher's own
notes, headed (on every page) by class, subject, term and year.  Handed in at the end
of the year.
"""

from __future__ import annotations

import dataclasses

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from nk_desktop.printing.base import (
    DocumentInfo, SchoolHeader, build_pdf, content_width, grid_style, header_block, styles, text,
)
from nk_desktop.printing.sections import SetFooter, sections

TERM_NAMES = {1: "Học kì I", 2: "Học kì II"}
FONT = 10
ROW_PADDING = 5  # points above and below a name: room to write by hand (rows grow with wrapped names)


@dataclasses.dataclass(frozen=True)
class MarkBookSection:
    class_name: str
    subject_name: str
    pupils: list[tuple[int, str]]   # (STT, full name), official order


@dataclasses.dataclass(frozen=True)
class PersonalBook:
    header: SchoolHeader
    year_name: str
    term: int
    teacher_name: str
    sections: list[MarkBookSection]
    note_columns: int = 12

    @property
    def term_name(self) -> str:
        return TERM_NAMES[self.term]


def _styles() -> dict:
    st = styles()
    st["pb"] = ParagraphStyle("pb", parent=st["base"], fontSize=FONT, leading=FONT + 1)
    st["pb_head"] = ParagraphStyle("pb_head", parent=st["head"], fontSize=FONT, leading=FONT + 1.5)
    st["pb_title"] = ParagraphStyle("pb_title", parent=st["head"], fontSize=11, leading=14)
    st["cover"] = ParagraphStyle("cover", parent=st["title"], fontSize=26, leading=32)
    st["line"] = ParagraphStyle("line", parent=st["center"], fontSize=14, leading=22)
    return st


def _cover(book: PersonalBook, st: dict, width: float) -> list:
    listing = "<br/>".join(f"Lớp {text(s.class_name)} — {text(s.subject_name)} ({len(s.pupils)} học sinh)"
                           for s in book.sections) or "(chưa được phân công)"
    return [
        SetFooter(f"Sổ điểm cá nhân — {book.teacher_name} — {book.term_name}, năm học {book.year_name}"),
        header_block(book.header, width, st),
        Spacer(0, 35 * mm),
        Paragraph("SỔ ĐIỂM CÁ NHÂN", st["cover"]),
        Spacer(0, 8 * mm),
        Paragraph(text(f"Giáo viên: {book.teacher_name}"), st["line"]),
        Paragraph(text(f"{book.term_name} — Năm học {book.year_name}"), st["line"]),
        Spacer(0, 10 * mm),
        Paragraph(listing, st["center"]),
        Spacer(0, 20 * mm),
        Paragraph("In vào đầu học kì, giáo viên tự ghi chép và được kiểm tra thường xuyên; cuối năm nộp về nhà "
                  "trường để lưu trữ (Quy chế, Điều 12 khoản 3 điểm b).", st["italic_center"]),
    ]


def section_story(book: PersonalBook, section: MarkBookSection, st: dict, width: float) -> list:
    columns = 2 + book.note_columns + 1
    title = [Paragraph(text(f"LỚP {section.class_name} — MÔN {section.subject_name.upper()} — "
                            f"{book.term_name.upper()} — NĂM HỌC {book.year_name}"), st["pb_title"])]
    title += [""] * (columns - 1)
    head = [Paragraph("STT", st["pb_head"]), Paragraph("Họ và tên học sinh", st["pb_head"])]
    head += [""] * book.note_columns + [Paragraph("Ghi chú", st["pb_head"])]
    body = [[str(number), Paragraph(text(name), st["pb"])] + [""] * (book.note_columns + 1)
            for number, name in section.pupils]
    number_w, name_w, note_w = 9 * mm, 48 * mm, 16 * mm
    each = (width - number_w - name_w - note_w) / book.note_columns
    table = Table([title, head] + body, colWidths=[number_w, name_w] + [each] * book.note_columns + [note_w],
                  rowHeights=[None, 9 * mm] + [None] * len(body), repeatRows=2, splitByRow=1)
    table.setStyle(TableStyle(grid_style(2, FONT) + [
        ("SPAN", (0, 0), (-1, 0)), ("ALIGN", (1, 2), (1, -1), "LEFT"), ("BOTTOMPADDING", (0, 0), (-1, 0), 3),
        ("TOPPADDING", (0, 2), (-1, -1), ROW_PADDING), ("BOTTOMPADDING", (0, 2), (-1, -1), ROW_PADDING)]))
    return [
        SetFooter(f"Sổ điểm cá nhân — {book.teacher_name} — lớp {section.class_name}, {section.subject_name}"),
        table,
        Spacer(0, 2 * mm),
        Paragraph("Các cột trống: giáo viên ghi ngày và nội dung theo dõi, đánh giá thường xuyên.", st["small"]),
    ]


def render(book: PersonalBook) -> bytes:
    st = _styles()
    width = content_width("A4", "portrait")
    parts = [_cover(book, st, width)] + [section_story(book, s, st, width) for s in book.sections]
    info = DocumentInfo(title=f"Sổ điểm cá nhân — {book.teacher_name}", school=book.header.school_name,
                        subject=f"{book.teacher_name} — {book.term_name} — {book.year_name}",
                        keywords="Quy chế 39/QC-THNK Điều 12.3.b")
    return build_pdf(sections(parts), info, paper="A4", orientation="portrait")
