"""Sổ gọi tên và ghi điểm of a class for a term (regulation 39/QC-THNK Điều 12), A4 or A3 landscape.

Assembled in the order of the Ministry's book: the cover, the certification ("Sổ này có …
trang", counted in a second pass), the pupil list, Part I — the monthly roll sheets (pupils ×
days with P/K/M, days off shaded, the month's totals; under every sheet the homeroom
teacher's and principal's signature line, Điều 12.1), Part II — one score page per subject
(each milestone of the term: level, test score, comment; under every page the subject
teachers' and homeroom teacher's confirmation line, Điều 12.2), then the qualities and
competencies, and last the vice-principal's dated monthly remarks (Điều 4.1).  ``render_months``
prints the roll sheets alone, as the office does in the first week of the next month.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Sequence

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from nk_desktop.printing import fonts
from nk_desktop.printing.base import (
    DocumentInfo, SchoolHeader, Signature, build_pdf, certification, content_width, date_line, grid_style,
    header_block, signature_table, styles, text,
)
from nk_desktop.printing.danh_sach_lop import RosterRow, roster_styles, roster_table
from nk_desktop.printing.sections import SetFooter, check_paper, page_count, sections
from nk_desktop.printing.tong_hop import GENERAL_SHORT, QUALITY_SHORT, SPECIFIC_SHORT

WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")
TERM_NAMES = {1: "Học kì I", 2: "Học kì II"}
TERM_MILESTONES = {1: ("GK1", "CK1"), 2: ("GK2", "CN")}
OFF_SHADE = colors.Color(0.78, 0.78, 0.78)
HEAD_SHADE = colors.Color(0.93, 0.93, 0.93)


@dataclasses.dataclass(frozen=True)
class RollLine:
    number: int
    full_name: str
    cells: dict[int, str]   # day of month → "", "P", "K", "M", "K/P" (two sessions), "-" (not in the class)
    excused: int            # sessions, this month
    unexcused: int
    late: int
    note: str = ""


@dataclasses.dataclass(frozen=True)
class RollSheet:
    month: str              # "2026-10"
    days: list[dt.date]
    day_off: dict[int, str]  # day of month → why there is no school
    rows: list[RollLine]

    @property
    def label(self) -> str:
        return f"{self.month[5:]}/{self.month[:4]}"


@dataclasses.dataclass(frozen=True)
class ScoreLine:
    number: int
    full_name: str
    levels: dict[str, str]    # milestone → "T" / "H" / "C"
    scores: dict[str, str]    # milestone → "8"
    comments: dict[str, str]  # milestone → the teacher's comment


@dataclasses.dataclass(frozen=True)
class ScorePage:
    subject_name: str
    teachers: list[str]       # who teaches the subject in the class (confirmation line)
    tested: list[str]         # milestones of the term with a periodic test for this subject
    rows: list[ScoreLine]


    def missing(self, milestones: Sequence[str]) -> tuple[int, int]:
        """(levels, test scores) not entered yet for *milestones*: blank cells of a page to be signed."""
        levels = sum(1 for line in self.rows for m in milestones if not line.levels.get(m))
        scores = sum(1 for line in self.rows for m in milestones if m in self.tested and not line.scores.get(m))
        return levels, scores


@dataclasses.dataclass(frozen=True)
class TraitPage:
    milestone: str
    rows: list[tuple[int, str, list[str]]]  # (STT, name, 15 letters T/Đ/C in assessment_rules.TRAITS order)


@dataclasses.dataclass(frozen=True)
class CheckLine:
    """A vice-principal's monthly check of the book and its remark (Điều 4.1), printed at the end of the book."""

    month: str                # "2026-11"
    checked_on: dt.date
    checker_name: str
    remark: str


@dataclasses.dataclass(frozen=True)
class TermBook:
    header: SchoolHeader
    year_name: str
    class_name: str
    term: int
    homeroom_name: str
    principal_name: str
    milestone_names: dict[str, str]
    pupils: list[RosterRow]
    months: list[RollSheet]
    score_pages: list[ScorePage]
    trait_pages: list[TraitPage]
    paper: str = "A4"
    sign_date: dt.date | None = None
    checks: list[CheckLine] = dataclasses.field(default_factory=list)  # the term's monthly checks (Điều 4.1)

    @property
    def term_name(self) -> str:
        return TERM_NAMES[self.term]

    @property
    def milestones(self) -> tuple[str, ...]:
        return TERM_MILESTONES[self.term]

    def incomplete(self) -> list[tuple[str, int, int]]:
        """(subject, missing levels, missing scores) of every score page not fully entered (Điều 12.2)."""
        found = []
        for page in self.score_pages:
            levels, scores = page.missing(self.milestones)
            if levels or scores:
                found.append((page.subject_name, levels, scores))
        return found


# --- layout helpers ------------------------------------------------------------------------

class _Layout:
    """Sizes for the chosen paper: A3 gets larger type, the same columns."""

    def __init__(self, paper: str):
        self.paper = check_paper(paper)
        self.width = content_width(self.paper, "landscape")
        self.font = 7.5 if self.paper == "A4" else 10
        self.name_width = (40 if self.paper == "A4" else 60) * mm
        self.number_width = (8 if self.paper == "A4" else 10) * mm
        st = styles()
        st["c"] = ParagraphStyle("c", parent=st["cell"], fontSize=self.font, leading=self.font + 1)
        st["cc"] = ParagraphStyle("cc", parent=st["cell_center"], fontSize=self.font, leading=self.font + 1)
        st["h"] = ParagraphStyle("h", parent=st["head"], fontSize=self.font, leading=self.font + 1.5)
        st["t"] = ParagraphStyle("t", parent=st["head"], fontSize=self.font + 3, leading=self.font + 5)
        st["legend"] = ParagraphStyle("legend", parent=st["small"], fontSize=self.font + 0.5,
                                      leading=self.font + 2.5)
        self.st = st

    def title_row(self, text_: str, columns: int) -> list:
        return [Paragraph(text(text_), self.st["t"])] + [""] * (columns - 1)

    def grid(self, rows: list[list], widths: list[float], header_rows: int, extra: list) -> Table:
        table = Table(rows, colWidths=widths, repeatRows=header_rows, splitByRow=1)
        table.setStyle(TableStyle(grid_style(header_rows, self.font) + [
            ("SPAN", (0, 0), (-1, 0)), ("BACKGROUND", (0, 1), (-1, header_rows - 1), HEAD_SHADE),
            ("ALIGN", (1, header_rows), (1, -1), "LEFT"), ("TOPPADDING", (0, 0), (-1, 0), 2),
            ("BOTTOMPADDING", (0, 0), (-1, 0), 3)] + extra))
        return table


def _sign_line(role: str, names: Sequence[str], verb: str) -> str:
    who = ", ".join(n for n in names if n)
    return f"{role}{f' ({who})' if who else ''} {verb}: ......................................"


def _roll_footer(book: TermBook, sheet: RollSheet) -> str:
    return (f"Lớp {book.class_name} — tháng {sheet.label}.   "
            + _sign_line("Giáo viên chủ nhiệm", [book.homeroom_name], "kí xác nhận") + "     "
            + _sign_line("Hiệu trưởng", [book.principal_name], "kí duyệt"))


def _score_footer(book: TermBook, page: ScorePage) -> str:
    return (f"Lớp {book.class_name} — {page.subject_name}.   "
            + _sign_line("Giáo viên bộ môn", page.teachers, "kí xác nhận") + "     "
            + _sign_line("Giáo viên chủ nhiệm", [book.homeroom_name], "kí xác nhận"))


def _trait_footer(book: TermBook, page: TraitPage) -> str:
    return (f"Lớp {book.class_name} — {book.milestone_names.get(page.milestone, page.milestone)}.   "
            + _sign_line("Giáo viên chủ nhiệm", [book.homeroom_name], "kí xác nhận") + "     "
            + _sign_line("Hiệu trưởng", [book.principal_name], "kí duyệt"))


# --- sections ------------------------------------------------------------------------------

def _cover(book: TermBook, layout: _Layout) -> list:
    st = layout.st
    big = ParagraphStyle("big", parent=st["title"], fontSize=30, leading=38)
    line = ParagraphStyle("line", parent=st["center"], fontSize=16, leading=24)
    return [
        SetFooter(""),
        header_block(book.header, layout.width, st),
        Spacer(0, 28 * mm if layout.paper == "A4" else 60 * mm),
        Paragraph("SỔ GỌI TÊN VÀ GHI ĐIỂM", big),
        Spacer(0, 12 * mm),
        Paragraph(text(f"Lớp: {book.class_name}"), line),
        Paragraph(text(f"{book.term_name} — Năm học: {book.year_name}"), line),
        Paragraph(text(f"Giáo viên chủ nhiệm: {book.homeroom_name or '..............................'}"), line),
        Spacer(0, 10 * mm),
        Paragraph(f"<b>{text(book.header.school_name.upper())}</b>", line),
    ]


def _missing_text(levels: int, scores: int) -> str:
    parts = [f"{levels} ô mức đạt được" if levels else "", f"{scores} ô điểm KTĐK" if scores else ""]
    return " và ".join(p for p in parts if p)


def _certification(book: TermBook, layout: _Layout, pages: int) -> list:
    st = layout.st
    incomplete = book.incomplete()
    if incomplete:
        # Quy chế Điều 12.2: the score pages are printed for signing once every column is entered; until then
        # the book is a draft for checking, and the principal has nothing to certify.
        return [
            SetFooter(""),
            Spacer(0, 25 * mm),
            Paragraph("BẢN NHÁP — CHƯA ĐỦ ĐIỂM ĐỂ KÍ DUYỆT", st["title"]),
            Spacer(0, 6 * mm),
            Paragraph(text(f"Sổ gọi tên và ghi điểm lớp {book.class_name}, {book.term_name}, năm học "
                           f"{book.year_name} còn thiếu điểm ở {len(incomplete)} môn; theo Quy chế (Điều 12.2), "
                           "sổ được in để kí sau khi nhập đầy đủ các cột điểm của từng môn:"), st["base"]),
            *[Paragraph(text(f"– {subject}: còn thiếu {_missing_text(levels, scores)}."), st["base"])
              for subject, levels, scores in incomplete],
            Spacer(0, 4 * mm),
            Paragraph(text(f"Bản in này có {pages} trang, chỉ dùng để kiểm tra."), st["base"]),
        ]
    return [
        SetFooter(""),
        Spacer(0, 25 * mm),
        Paragraph("XÁC NHẬN CỦA HIỆU TRƯỞNG", st["title"]),
        Spacer(0, 6 * mm),
        certification(pages, st),
        Paragraph("Các trang có đóng dấu giáp lai của nhà trường.", st["base"]),
        Paragraph(text(f"Sổ gọi tên và ghi điểm lớp {book.class_name}, {book.term_name}, "
                       f"năm học {book.year_name}."), st["base"]),
        Spacer(0, 10 * mm),
        signature_table([Signature("", "", ""), Signature("HIỆU TRƯỞNG", "(Kí tên, đóng dấu)", book.principal_name)],
                        layout.width, st, date_text=date_line(book.header.place_name, book.sign_date)),
    ]


def _pupil_list(book: TermBook, layout: _Layout) -> list:
    st = roster_styles()
    return [
        SetFooter(f"Lớp {book.class_name} — danh sách học sinh — {book.term_name}, năm học {book.year_name}"),
        Paragraph("DANH SÁCH HỌC SINH", st["title"]),
        Paragraph(text(f"Lớp {book.class_name} — {book.term_name} — Năm học {book.year_name}"), st["subtitle"]),
        roster_table(book.pupils, st, layout.width),
        Spacer(0, 3 * mm),
        Paragraph(text(f"Sĩ số: {len(book.pupils)} học sinh (Nam: "
                       f"{sum(1 for p in book.pupils if p.gender == 'Nam')}; Nữ: "
                       f"{sum(1 for p in book.pupils if p.gender == 'Nữ')})."), st["base"]),
    ]


def roll_sheet(book: TermBook, sheet: RollSheet, layout: _Layout) -> list:
    """One month: pupils × days, the month's sessions missed per pupil and pupils absent per day."""
    st = layout.st
    days = sheet.days
    columns = 2 + len(days) + 3
    title = layout.title_row(
        f"PHẦN GỌI TÊN — THÁNG {sheet.label} — LỚP {book.class_name} — NĂM HỌC {book.year_name}", columns)
    head1 = [Paragraph("STT", st["h"]), Paragraph("Họ và tên học sinh", st["h"])]
    head1 += [str(d.day) for d in days] + [Paragraph("Số buổi trong tháng", st["h"]), "", ""]
    head2 = ["", ""] + [("N" if d.day in sheet.day_off and d.weekday() < 5 else WEEKDAYS[d.weekday()])
                        for d in days] + ["P", "K", "M"]
    body = []
    for line in sheet.rows:
        body.append([str(line.number), Paragraph(text(line.full_name), st["c"])]
                    + [line.cells.get(d.day, "") for d in days]
                    + [str(line.excused or ""), str(line.unexcused or ""), str(line.late or "")])
    absent = ["", Paragraph("<b>Số học sinh vắng</b>", st["c"])]
    for d in days:
        if d.day in sheet.day_off:
            absent.append("")
            continue
        count = sum(1 for line in sheet.rows if any(c in ("P", "K") for c in line.cells.get(d.day, "").split("/")))
        absent.append(str(count) if count else "")  # a day without absences (or without a roll) stays blank
    absent += [str(sum(r.excused for r in sheet.rows)), str(sum(r.unexcused for r in sheet.rows)),
               str(sum(r.late for r in sheet.rows))]
    rest = layout.width - layout.number_width - layout.name_width
    day_width = rest / (len(days) + 3)
    widths = [layout.number_width, layout.name_width] + [day_width] * (len(days) + 3)
    extra = [("SPAN", (0, 1), (0, 2)), ("SPAN", (1, 1), (1, 2)),
             ("SPAN", (2 + len(days), 1), (4 + len(days), 1)),
             ("FONTNAME", (0, 3 + len(body)), (-1, -1), fonts.SERIF_BOLD)]
    last = 3 + len(body)
    for index, d in enumerate(days):
        if d.day in sheet.day_off:
            extra.append(("BACKGROUND", (2 + index, 1), (2 + index, last), OFF_SHADE))
    table = layout.grid([title, head1, head2] + body + [absent], widths, 3, extra)
    holidays = [f"{day:02d}/{sheet.month[5:]} ({text(why)})" for day, why in sorted(sheet.day_off.items())
                if why and dt.date(int(sheet.month[:4]), int(sheet.month[5:]), day).weekday() < 5]
    legend = ("Kí hiệu: <b>P</b> vắng có phép; <b>K</b> vắng không phép; <b>M</b> đi muộn; hai kí hiệu trong một ô "
              "(K/P): hai buổi học trong ngày; <b>-</b> chưa vào lớp hoặc đã rời lớp; cột tô xám: ngày không học "
              "(<b>N</b>: ngày nghỉ trong tuần)."
              + (f" Ngày nghỉ: {'; '.join(holidays)}." if holidays else ""))
    return [SetFooter(_roll_footer(book, sheet)), table, Spacer(0, 2 * mm), Paragraph(legend, st["legend"])]


def score_page(book: TermBook, page: ScorePage, layout: _Layout) -> list:
    """One subject for the term: each milestone's level, test score (where tested) and comment."""
    st = layout.st
    milestones = book.milestones
    keys: list[tuple[str, str]] = []
    for milestone in milestones:
        keys.append((milestone, "level"))
        if milestone in page.tested:
            keys.append((milestone, "score"))
        keys.append((milestone, "comment"))
    columns = 2 + len(keys)
    title = layout.title_row(f"PHẦN GHI ĐIỂM — MÔN {page.subject_name.upper()} — {book.term_name.upper()} — "
                             f"LỚP {book.class_name} — NĂM HỌC {book.year_name}", columns)
    head1 = [Paragraph("STT", st["h"]), Paragraph("Họ và tên học sinh", st["h"])]
    head2 = ["", ""]
    spans = [("SPAN", (0, 1), (0, 2)), ("SPAN", (1, 1), (1, 2))]
    index = 2
    for milestone in milestones:
        width = sum(1 for m, _k in keys if m == milestone)
        head1 += [Paragraph(text(book.milestone_names.get(milestone, milestone)), st["h"])] + [""] * (width - 1)
        spans.append(("SPAN", (index, 1), (index + width - 1, 1)))
        index += width
    labels = {"level": "Mức đạt được", "score": "Điểm KTĐK", "comment": "Nhận xét"}
    head2 += [Paragraph(labels[kind], st["h"]) for _m, kind in keys]
    body = []
    for line in page.rows:
        cells = [str(line.number), Paragraph(text(line.full_name), st["c"])]
        for milestone, kind in keys:
            if kind == "level":
                cells.append(line.levels.get(milestone, ""))
            elif kind == "score":
                cells.append(line.scores.get(milestone, ""))
            else:
                cells.append(Paragraph(text(line.comments.get(milestone, "")), st["c"]))
        body.append(cells)
    totals = ["", Paragraph("<b>Số T / H / C</b>", st["c"])]
    for milestone, kind in keys:
        if kind == "level":
            counts = [sum(1 for r in page.rows if r.levels.get(milestone) == letter) for letter in "THC"]
            totals.append("/".join(str(n) for n in counts))
        elif kind == "score":
            low = sum(1 for r in page.rows if r.scores.get(milestone, "").isdigit() and int(r.scores[milestone]) < 5)
            totals.append(f"<5: {low}")
        else:
            totals.append("")
    small = 13 * mm if layout.paper == "A4" else 18 * mm
    fixed = sum(small for _m, kind in keys if kind != "comment")
    comments = sum(1 for _m, kind in keys if kind == "comment")
    comment_width = (layout.width - layout.number_width - layout.name_width - fixed) / comments
    widths = [layout.number_width, layout.name_width] + [comment_width if kind == "comment" else small
                                                         for _m, kind in keys]
    extra = spans + [("FONTNAME", (0, 3 + len(body)), (-1, -1), fonts.SERIF_BOLD)]
    table = layout.grid([title, head1, head2] + body + [totals], widths, 3, extra)
    legend = "Mức đạt được: <b>T</b> Hoàn thành tốt; <b>H</b> Hoàn thành; <b>C</b> Chưa hoàn thành."
    if page.tested:
        legend += " Điểm KTĐK: điểm bài kiểm tra định kì (thang 10)."
    parts = [SetFooter(_score_footer(book, page)), table, Spacer(0, 2 * mm), Paragraph(legend, st["legend"])]
    levels, scores = page.missing(milestones)
    if levels or scores:
        parts.append(Paragraph(f"<b>BẢN NHÁP: còn thiếu {_missing_text(levels, scores)}; trang này chưa đủ để kí "
                               "xác nhận (Quy chế, Điều 12.2).</b>", st["legend"]))
    return parts


def trait_page(book: TermBook, page: TraitPage, layout: _Layout) -> list:
    st = layout.st
    groups = (("Phẩm chất chủ yếu", QUALITY_SHORT), ("Năng lực chung", GENERAL_SHORT),
              ("Năng lực đặc thù", SPECIFIC_SHORT))
    columns = 2 + 15
    name = book.milestone_names.get(page.milestone, page.milestone)
    title = layout.title_row(f"PHẨM CHẤT CHỦ YẾU VÀ NĂNG LỰC CỐT LÕI — {name.upper()} — LỚP {book.class_name} — "
                             f"NĂM HỌC {book.year_name}", columns)
    head1 = [Paragraph("STT", st["h"]), Paragraph("Họ và tên học sinh", st["h"])]
    head2 = ["", ""]
    spans = [("SPAN", (0, 1), (0, 2)), ("SPAN", (1, 1), (1, 2))]
    index = 2
    for group, names in groups:
        head1 += [Paragraph(group, st["h"])] + [""] * (len(names) - 1)
        head2 += [Paragraph(text(n), st["h"]) for n in names]
        spans.append(("SPAN", (index, 1), (index + len(names) - 1, 1)))
        index += len(names)
    body = [[str(number), Paragraph(text(full_name), st["c"])] + list(letters or [""] * 15)
            for number, full_name, letters in page.rows]
    totals = ["", Paragraph("<b>Số T / Đ / C</b>", st["c"])]
    for column in range(15):
        counts = [sum(1 for _n, _f, letters in page.rows if letters and letters[column] == letter)
                  for letter in ("T", "Đ", "C")]
        totals.append("/".join(str(n) for n in counts))
    each = (layout.width - layout.number_width - layout.name_width) / 15
    widths = [layout.number_width, layout.name_width] + [each] * 15
    extra = spans + [("FONTNAME", (0, 3 + len(body)), (-1, -1), fonts.SERIF_BOLD)]
    table = layout.grid([title, head1, head2] + body + [totals], widths, 3, extra)
    legend = "Mức đạt được: <b>T</b> Tốt; <b>Đ</b> Đạt; <b>C</b> Cần cố gắng."
    return [SetFooter(_trait_footer(book, page)), table, Spacer(0, 2 * mm), Paragraph(legend, st["legend"])]


def checks_page(book: TermBook, layout: _Layout) -> list:
    """The last page: the vice-principal's dated monthly remarks (Điều 4.1), a ruled empty row per month unchecked."""
    st = layout.st
    size = layout.font + 2
    cell = ParagraphStyle("check", parent=st["c"], fontSize=size, leading=size + 3)
    centre = ParagraphStyle("check_c", parent=st["cc"], fontSize=size, leading=size + 3)
    head = ParagraphStyle("check_h", parent=st["h"], fontSize=size, leading=size + 3)
    by_month = {c.month: c for c in book.checks}
    months = list(dict.fromkeys([sheet.month for sheet in book.months] + sorted(by_month)))
    title = layout.title_row(f"NHẬN XÉT CỦA BAN GIÁM HIỆU — LỚP {book.class_name} — {book.term_name.upper()} — "
                             f"NĂM HỌC {book.year_name}", 5)
    labels = ("Tháng", "Ngày kiểm tra", "Người kiểm tra", "Nhận xét", "Kí tên")
    body = []
    for month in months:
        check = by_month.get(month)
        label = f"{month[5:]}/{month[:4]}"
        if check is None:
            body.append([Paragraph(label, centre), "", "", Spacer(0, 22 * mm), ""])
        else:  # the sign cell keeps room for a signature
            body.append([Paragraph(label, centre), Paragraph(check.checked_on.strftime("%d/%m/%Y"), centre),
                         Paragraph(text(check.checker_name), cell), Paragraph(text(check.remark), cell),
                         Spacer(0, 14 * mm)])
    fixed = [22 * mm, 28 * mm, 48 * mm, 0, 38 * mm]
    fixed[3] = layout.width - sum(fixed)
    table = layout.grid([title, [Paragraph(h, head) for h in labels]] + body, fixed, 2,
                        [("VALIGN", (0, 2), (-1, -1), "TOP"), ("ALIGN", (2, 2), (3, -1), "LEFT")])
    note = ("Quy chế 39/QC-THNK, Điều 4.1: Phó hiệu trưởng hằng tháng kiểm tra, quản lý sổ điểm và ghi nhận xét "
            "vào cuối sổ; chú ý những thay đổi về sĩ số lớp, việc vào điểm của giáo viên.")
    footer = f"Lớp {book.class_name} — nhận xét của Ban giám hiệu — {book.term_name}, năm học {book.year_name}"
    return [SetFooter(footer), table, Spacer(0, 2 * mm), Paragraph(text(note), st["legend"])]


# --- documents -----------------------------------------------------------------------------

def _info(book: TermBook, what: str) -> DocumentInfo:
    return DocumentInfo(title=f"{what} lớp {book.class_name}", school=book.header.school_name,
                        subject=f"Lớp {book.class_name} — {book.term_name} — {book.year_name}",
                        keywords="Quy chế 39/QC-THNK Điều 12")


def _book_parts(book: TermBook, layout: _Layout, pages: int) -> list[list]:
    parts = [_cover(book, layout), _certification(book, layout, pages), _pupil_list(book, layout)]
    parts += [roll_sheet(book, sheet, layout) for sheet in book.months]
    parts += [score_page(book, page, layout) for page in book.score_pages]
    parts += [trait_page(book, page, layout) for page in book.trait_pages]
    parts.append(checks_page(book, layout))
    return parts


def render(book: TermBook) -> bytes:
    """The whole term book; the certification states the book's own page count (built twice)."""
    layout = _Layout(book.paper)
    pages = 0
    for _attempt in range(3):
        pdf = build_pdf(sections(_book_parts(book, layout, pages)), _info(book, "Sổ gọi tên và ghi điểm"),
                        paper=layout.paper, orientation="landscape")
        counted = page_count(pdf)
        if counted == pages:
            return pdf
        pages = counted
    raise RuntimeError("the page count of the book does not settle")  # pragma: no cover


def render_months(books: TermBook | Sequence[TermBook]) -> bytes:
    """Only the roll sheets of ``book.months``: what the office prints each month (Điều 12.1).

    Several classes' sheets may be bound in one file (each sheet from a new page).
    """
    items = [books] if isinstance(books, TermBook) else list(books)
    first = items[0]
    layout = _Layout(first.paper)
    months = ", ".join(dict.fromkeys(sheet.label for book in items for sheet in book.months))
    classes = ", ".join(book.class_name for book in items)
    info = DocumentInfo(title=f"Sổ gọi tên lớp {classes} tháng {months}", school=first.header.school_name,
                        subject=f"Lớp {classes} — tháng {months} — {first.year_name}",
                        keywords="Quy chế 39/QC-THNK Điều 12.1")
    return build_pdf(sections(roll_sheet(book, sheet, layout) for book in items for sheet in book.months), info,
                     paper=layout.paper, orientation="landscape")
