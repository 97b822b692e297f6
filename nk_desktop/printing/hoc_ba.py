"""Học bạ (Thông tư 27/2020, Phụ lục 1), A4 portrait: the identity page and one page per school year.

The identity page: the school, the pupil as on the birth certificate (họ tên, giới tính,
ngày sinh, dân tộc, nơi sinh, quê quán / chỗ ở, cha, mẹ, mã định danh) and the course of
study, confirmed by the principal.  Each year: the class; every subject's level, end-of-year
test score and comment; the qualities and competencies with their levels; the overall
result, awards, completion ("Hoàn thành chương trình lớp học / tiểu học"); the homeroom
teacher's and the principal's signatures.  One pupil, or a whole class in one file
(pupils in official order, each from a new page).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Sequence

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from nk_desktop.printing import fonts
from nk_desktop.printing.base import (
    DocumentInfo, SchoolHeader, Signature, build_pdf, content_width, date_line, grid_style, header_block,
    signature_table, styles, text,
)
from nk_desktop.printing.sections import SetFooter, sections

FONT = 9


@dataclasses.dataclass(frozen=True)
class PupilIdentity:
    full_name: str
    gender: str
    date_of_birth: dt.date
    ethnicity: str
    nationality: str
    birthplace: str
    hometown: str           # quê quán / địa chỉ thường trú
    current_address: str
    father_name: str
    mother_name: str
    moet_code: str          # mã định danh học sinh (Bộ GD&ĐT)
    personal_id: str        # số định danh cá nhân


@dataclasses.dataclass(frozen=True)
class StudyLine:
    """A line of "Quá trình học tập": year, class, school, how and when the pupil came."""

    year_name: str
    class_name: str
    school_name: str
    note: str


@dataclasses.dataclass(frozen=True)
class SubjectLine:
    name: str
    level: str     # "T" / "H" / "C" / ""
    score: str     # end-of-year test score ("" where there is no test)
    comment: str


@dataclasses.dataclass(frozen=True)
class TraitLine:
    name: str
    level: str     # "T" / "Đ" / "C" / ""
    comment: str


@dataclasses.dataclass(frozen=True)
class YearRecord:
    header: SchoolHeader           # that year's governing body
    year_name: str
    class_name: str
    grade: int
    subjects: list[SubjectLine]
    qualities: list[TraitLine]
    general: list[TraitLine]       # năng lực chung
    specific: list[TraitLine]      # năng lực đặc thù
    overall: str                   # "Hoàn thành tốt" …
    award: str
    completion: str                # "Hoàn thành chương trình lớp học" / "… tiểu học" / ""
    homeroom_name: str
    principal_name: str
    sign_date: dt.date | None = None


@dataclasses.dataclass(frozen=True)
class HocBa:
    header: SchoolHeader
    identity: PupilIdentity
    history: list[StudyLine]
    years: list[YearRecord]
    principal_name: str
    current_class: str = ""


def _styles() -> dict:
    st = styles()
    st["hb"] = ParagraphStyle("hb", parent=st["base"], fontSize=FONT, leading=FONT + 1)
    st["hb_head"] = ParagraphStyle("hb_head", parent=st["head"], fontSize=FONT, leading=FONT + 1.5)
    st["hb_section"] = ParagraphStyle("hb_section", parent=st["base"], fontName=fonts.SERIF_BOLD, fontSize=10.5,
                                      leading=13, spaceBefore=3, spaceAfter=1)
    st["hb_line"] = ParagraphStyle("hb_line", parent=st["base"], fontSize=10.5, leading=13, spaceBefore=2)
    st["hb_top"] = ParagraphStyle("hb_top", parent=st["center"], fontSize=11, leading=14)
    st["hb_legend"] = ParagraphStyle("hb_legend", parent=st["small"], fontSize=8, leading=9.5, spaceBefore=2)
    st["field"] = ParagraphStyle("field", parent=st["base"], fontSize=12, leading=19)
    st["cover"] = ParagraphStyle("cover", parent=st["title"], fontSize=26, leading=32)
    return st


def _footer(book: HocBa) -> str:
    where = f" — lớp {book.current_class}" if book.current_class else ""
    return f"Học bạ của học sinh {book.identity.full_name}{where}"


def _field(label: str, value: str, st: dict) -> Paragraph:
    shown = text(value) if value else "...................................................."
    return Paragraph(f"{text(label)}: <b>{shown}</b>", st["field"])


def identity_page(book: HocBa, st: dict, width: float) -> list:
    who = book.identity
    pairs = [
        [_field("Giới tính", who.gender, st), _field("Ngày, tháng, năm sinh", who.date_of_birth.strftime("%d/%m/%Y"), st)],
        [_field("Dân tộc", who.ethnicity, st), _field("Quốc tịch", who.nationality, st)],
    ]
    facts = Table(pairs, colWidths=[width * 0.45, width * 0.55])
    facts.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.SERIF), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                               ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    lines = [
        _field("Mã định danh học sinh", who.moet_code, st),
        _field("Số định danh cá nhân", who.personal_id, st),
        _field("Nơi sinh", who.birthplace, st),
        _field("Quê quán (nơi thường trú)", who.hometown, st),
        _field("Nơi ở hiện nay", who.current_address, st),
        _field("Họ và tên cha", who.father_name, st),
        _field("Họ và tên mẹ", who.mother_name, st),
    ]
    head = [Paragraph(label, st["hb_head"]) for label in ("Năm học", "Lớp", "Tên trường", "Ghi chú")]
    rows = [[line.year_name, line.class_name, Paragraph(text(line.school_name), st["hb"]),
             Paragraph(text(line.note), st["hb"])] for line in book.history]
    history = Table([head] + rows, colWidths=[24 * mm, 16 * mm, width * 0.42, None], repeatRows=1)
    history.setStyle(TableStyle(grid_style(1, FONT) + [("TOPPADDING", (0, 0), (-1, -1), 2),
                                                       ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    return [
        SetFooter(_footer(book)),
        header_block(book.header, width, st),
        Spacer(0, 14 * mm),
        Paragraph("HỌC BẠ", st["cover"]),
        Paragraph("HỌC SINH TIỂU HỌC", st["title"]),
        Spacer(0, 10 * mm),
        _field("Họ và tên học sinh", who.full_name, st),
        facts,
        *lines,
        Spacer(0, 6 * mm),
        Paragraph("QUÁ TRÌNH HỌC TẬP", st["subtitle"]),
        history,
        Spacer(0, 8 * mm),
        signature_table([Signature("", "", ""), Signature("HIỆU TRƯỞNG", "(Kí tên, đóng dấu)", book.principal_name)],
                        width, st, date_text=date_line(book.header.place_name, None)),
    ]


def _grid(head: list[str], rows: list[list], widths: list[float], st: dict, *, group_rows: Sequence[int] = ()) -> Table:
    table = Table([[Paragraph(h, st["hb_head"]) for h in head]] + rows, colWidths=widths, repeatRows=1, splitByRow=1)
    style = grid_style(1, FONT) + [("ALIGN", (0, 1), (0, -1), "LEFT"), ("ALIGN", (-1, 1), (-1, -1), "LEFT"),
                                   ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2)]
    for row in group_rows:
        style += [("SPAN", (0, row), (-1, row))]
    table.setStyle(TableStyle(style))
    return table


def year_page(book: HocBa, year: YearRecord, st: dict, width: float) -> list:
    """One school year (TT27 Phụ lục 1, "kết quả đánh giá")."""
    level_w, score_w, name_w = 20 * mm, 18 * mm, 48 * mm
    subject_rows = [[Paragraph(text(s.name), st["hb"]), s.level, s.score, Paragraph(text(s.comment), st["hb"])]
                    for s in year.subjects]
    subjects = _grid(["Môn học và hoạt động giáo dục", "Mức đạt được", "Điểm KTĐK", "Nhận xét"], subject_rows,
                     [name_w, level_w, score_w, width - name_w - level_w - score_w], st)

    def trait_rows(lines: list[TraitLine]) -> list[list]:
        return [[Paragraph(text(t.name), st["hb"]), t.level, Paragraph(text(t.comment), st["hb"])] for t in lines]

    trait_widths = [name_w, level_w, width - name_w - level_w]
    qualities = _grid(["Phẩm chất chủ yếu", "Mức đạt được", "Nhận xét"], trait_rows(year.qualities), trait_widths,
                      st)
    competency_rows = ([[Paragraph("<b>Năng lực chung</b>", st["hb"]), "", ""]] + trait_rows(year.general)
                       + [[Paragraph("<b>Năng lực đặc thù</b>", st["hb"]), "", ""]] + trait_rows(year.specific))
    competencies = _grid(["Năng lực cốt lõi", "Mức đạt được", "Nhận xét"], competency_rows, trait_widths, st,
                         group_rows=(1, 2 + len(year.general)))
    blank = "...................................................................."
    return [
        SetFooter(_footer(book) + f" — năm học {year.year_name}"),
        Paragraph(f"<b>{text(year.header.school_name.upper())}</b>", st["hb_top"]),
        Paragraph(f"Họ và tên học sinh: <b>{text(book.identity.full_name)}</b>  —  Lớp: <b>{text(year.class_name)}</b>"
                  f"  —  Năm học: <b>{text(year.year_name)}</b>", st["hb_top"]),
        Paragraph("1. Các môn học và hoạt động giáo dục", st["hb_section"]),
        subjects,
        Paragraph("2. Những phẩm chất chủ yếu", st["hb_section"]),
        qualities,
        Paragraph("3. Những năng lực cốt lõi", st["hb_section"]),
        competencies,
        Paragraph(f"<b>4. Đánh giá kết quả giáo dục:</b> {text(year.overall) or blank}", st["hb_line"]),
        Paragraph(f"<b>5. Khen thưởng:</b> {text(year.award) or blank}", st["hb_line"]),
        Paragraph(f"<b>6. Hoàn thành chương trình lớp học / chương trình tiểu học:</b> "
                  f"{text(year.completion) or blank}", st["hb_line"]),
        Paragraph("Mức đạt được: môn học T (Hoàn thành tốt), H (Hoàn thành), C (Chưa hoàn thành); phẩm chất, năng "
                  "lực T (Tốt), Đ (Đạt), C (Cần cố gắng). Điểm KTĐK: bài kiểm tra định kì cuối năm học.",
                  st["hb_legend"]),
        signature_table(
            [Signature("XÁC NHẬN CỦA HIỆU TRƯỞNG", "(Kí tên, đóng dấu)", year.principal_name),
             Signature("GIÁO VIÊN CHỦ NHIỆM", "(Kí, ghi rõ họ tên)", year.homeroom_name)],
            width, st, date_text=date_line(year.header.place_name, year.sign_date)),
    ]


def story(book: HocBa, st: dict, width: float) -> list:
    return sections([identity_page(book, st, width)] + [year_page(book, year, st, width) for year in book.years])


def render(books: HocBa | Sequence[HocBa]) -> bytes:
    """One pupil's học bạ, or a class's in one file (each pupil from a new page)."""
    items = [books] if isinstance(books, HocBa) else list(books)
    st = _styles()
    width = content_width("A4", "portrait")
    first = items[0]
    if len(items) == 1:
        title = f"Học bạ — {first.identity.full_name}"
        subject = f"{first.identity.full_name} — lớp {first.current_class}"
    else:
        title = f"Học bạ lớp {first.current_class}"
        subject = f"Lớp {first.current_class} — {len(items)} học sinh"
    info = DocumentInfo(title=title, school=first.header.school_name, subject=subject,
                        keywords="TT27/2020 Phụ lục 1")
    return build_pdf(sections(story(book, st, width) for book in items), info, paper="A4", orientation="portrait")
