"""Danh sách học sinh của lớp (A4 portrait): the class list the school files and posts.

STT, Họ và tên, Ngày sinh, Giới tính, Dân tộc, Số định danh, Ghi chú in official order;
the class size by gender; the homeroom teacher's and the principal's signatures.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Sequence

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from nk_desktop.printing.base import (
    DocumentInfo, SchoolHeader, Signature, build_pdf, content_width, date_line, grid_style, header_block,
    signature_table, styles, text,
)
from nk_desktop.printing.sections import SetFooter, sections

CELL_FONT = 10


@dataclasses.dataclass(frozen=True)
class RosterRow:
    number: int
    full_name: str
    date_of_birth: dt.date
    gender: str
    ethnicity: str
    personal_id: str
    note: str = ""


@dataclasses.dataclass(frozen=True)
class ClassRoster:
    header: SchoolHeader
    year_name: str
    class_name: str
    on: dt.date                # the list as on this day
    rows: list[RosterRow]
    homeroom_name: str
    principal_name: str
    sign_date: dt.date | None

    @property
    def by_gender(self) -> dict[str, int]:
        counts = {"Nam": 0, "Nữ": 0}
        for row in self.rows:
            counts[row.gender] = counts.get(row.gender, 0) + 1
        return counts

    @property
    def minorities(self) -> int:
        return sum(1 for row in self.rows if row.ethnicity and row.ethnicity != "Kinh")


def roster_styles() -> dict:
    st = styles()
    from reportlab.lib.styles import ParagraphStyle

    # Leading as grid_style's (font + 1), so Paragraph cells and plain cells share a baseline.
    st["roster_cell"] = ParagraphStyle("roster_cell", parent=st["base"], fontSize=CELL_FONT, leading=CELL_FONT + 1)
    st["roster_head"] = ParagraphStyle("roster_head", parent=st["head"], fontSize=CELL_FONT, leading=CELL_FONT + 1)
    return st


def footer(roster: ClassRoster) -> str:
    return f"Danh sách học sinh lớp {roster.class_name} — Năm học {roster.year_name}"


def roster_table(rows: Sequence[RosterRow], st: dict, width: float) -> Table:
    """The list's grid: the header repeated on every page, a pupil's row never split, names wrapped."""
    head = [Paragraph(label, st["roster_head"]) for label in
            ("STT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Số định danh", "Ghi chú")]
    body = [[str(row.number), Paragraph(text(row.full_name), st["roster_cell"]),
             row.date_of_birth.strftime("%d/%m/%Y"), row.gender, Paragraph(text(row.ethnicity), st["roster_cell"]),
             row.personal_id, Paragraph(text(row.note), st["roster_cell"])] for row in rows]
    fixed = [9 * mm, None, 21 * mm, 14 * mm, 17 * mm, 27 * mm, 26 * mm]
    rest = width - sum(w for w in fixed if w)
    widths = [w if w else rest for w in fixed]
    table = Table([head] + body, colWidths=widths, repeatRows=1, splitByRow=1)
    table.setStyle(TableStyle(grid_style(1, CELL_FONT) + [
        ("ALIGN", (1, 1), (1, -1), "LEFT"), ("ALIGN", (4, 1), (4, -1), "LEFT"), ("ALIGN", (6, 1), (6, -1), "LEFT"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    return table


def story(roster: ClassRoster, st: dict, width: float) -> list:
    table = roster_table(roster.rows, st, width)
    counts = roster.by_gender
    others = "".join(f"; {text(g)}: {n}" for g, n in counts.items() if g not in ("Nam", "Nữ"))
    size = (f"Sĩ số: <b>{len(roster.rows)}</b> học sinh (Nam: {counts.get('Nam', 0)}; "
            f"Nữ: {counts.get('Nữ', 0)}{others}); dân tộc thiểu số: {roster.minorities}.")
    return [
        SetFooter(footer(roster)),
        header_block(roster.header, width, st),
        Spacer(0, 6 * mm),
        Paragraph("DANH SÁCH HỌC SINH", st["title"]),
        Paragraph(text(f"Lớp {roster.class_name} — Năm học {roster.year_name}"), st["subtitle"]),
        Paragraph(text(f"(Tính đến ngày {roster.on:%d/%m/%Y})"), st["italic_center"]),
        Spacer(0, 3 * mm),
        table,
        Spacer(0, 3 * mm),
        Paragraph(size, st["base"]),
        Spacer(0, 5 * mm),
        signature_table(
            [Signature("GIÁO VIÊN CHỦ NHIỆM", "(Kí, ghi rõ họ tên)", roster.homeroom_name),
             Signature("HIỆU TRƯỞNG", "(Kí tên, đóng dấu)", roster.principal_name)],
            width, st, date_text=date_line(roster.header.place_name, roster.sign_date)),
    ]


def render(rosters: ClassRoster | Sequence[ClassRoster]) -> bytes:
    """One class, or several bound in one file (each class from a new page)."""
    items = [rosters] if isinstance(rosters, ClassRoster) else list(rosters)
    st = roster_styles()
    width = content_width("A4", "portrait")
    first = items[0]
    names = ", ".join(r.class_name for r in items)
    info = DocumentInfo(title=f"Danh sách học sinh lớp {names}", school=first.header.school_name,
                        subject=f"Lớp {names} — Năm học {first.year_name}", keywords="Danh sách lớp")
    return build_pdf(sections(story(r, st, width) for r in items), info, paper="A4", orientation="portrait")
