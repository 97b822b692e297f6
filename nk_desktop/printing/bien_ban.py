"""Biên bản sửa chữa điểm, sửa chữa mức đánh giá (regulation Điều 11.2), A4.

Old and new value, the reason, the evidence list and the three signatures
(principal, DB admin, teacher), kept with the evidence until the pupil leaves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from nk_desktop.printing import fonts
from nk_desktop.printing.base import (
    DocumentInfo, SchoolHeader, Signature, build_pdf, content_width, date_line, grid_style, header_block,
    signature_table, styles, text,
)


FACT_FONT = 11


@dataclasses.dataclass(frozen=True)
class CorrectionMinutes:
    header: SchoolHeader
    year_name: str
    class_name: str
    pupil_name: str
    date_of_birth: dt.date
    topic: str             # "Toán" or "Chăm chỉ"
    column: str            # "Điểm kiểm tra định kì" / "Mức đạt được" / "Nhận xét"
    milestone_name: str
    old_value: str
    new_value: str
    reason: str
    evidence: list[str]    # "Sổ cá nhân của giáo viên (bản chụp): so-ca-nhan.jpg"
    teacher_name: str
    admin_name: str
    principal_name: str
    requested_on: dt.date
    decided_on: dt.date | None
    remark: str
    applied_on: dt.date | None
    related_books: list[str]


def render(minutes: CorrectionMinutes) -> bytes:
    st = styles()
    width = content_width("A4", "portrait")
    facts_style = ParagraphStyle("bb_fact", parent=st["base"], fontSize=FACT_FONT, leading=FACT_FONT + 1)
    facts = [
        ["Lớp", minutes.class_name, "Năm học", minutes.year_name],
        ["Học sinh", Paragraph(text(minutes.pupil_name), facts_style), "Ngày sinh",
         minutes.date_of_birth.strftime("%d/%m/%Y")],
        ["Môn học / nội dung", Paragraph(text(minutes.topic), facts_style), "Thời điểm", minutes.milestone_name],
        ["Cột sửa", minutes.column, "", ""],
        ["Giá trị đã nhập", minutes.old_value or "(trống)", "Giá trị sửa lại", minutes.new_value or "(trống)"],
    ]
    table = Table(facts, colWidths=[width * 0.22, width * 0.33, width * 0.18, width * 0.27])
    # labels (columns 0 and 2) bold, the values regular
    table.setStyle(TableStyle(grid_style(0, FACT_FONT) + [("ALIGN", (0, 0), (-1, -1), "LEFT"),
                                                   ("FONTNAME", (0, 0), (-1, -1), fonts.SERIF),
                                                   ("FONTNAME", (0, 0), (0, -1), fonts.SERIF_BOLD),
                                                   ("FONTNAME", (2, 0), (2, -1), fonts.SERIF_BOLD),
                                                   ("SPAN", (1, 3), (3, 3))]))
    evidence = "".join(f"<br/>- {text(item)}" for item in minutes.evidence) or "<br/>- (không có)"
    story = [
        header_block(minutes.header, width, st),
        Spacer(0, 6 * mm),
        Paragraph("BIÊN BẢN SỬA CHỮA ĐIỂM, SỬA CHỮA MỨC ĐÁNH GIÁ", st["title"]),
        Paragraph("(Theo Điều 11 khoản 2 Quy chế quản lí, sử dụng hệ thống quản trị trong nhà trường)",
                  st["italic_center"]),
        Spacer(0, 4 * mm),
        table,
        Spacer(0, 4 * mm),
        Paragraph(f"<b>Lí do sửa:</b> {text(minutes.reason)}", st["base"]),
        Paragraph(f"<b>Hồ sơ minh chứng kèm theo:</b>{evidence}", st["base"]),
        Paragraph(text(f"Giáo viên đề nghị ngày {minutes.requested_on:%d/%m/%Y}.")
                  + (text(f" Hiệu trưởng phê duyệt ngày {minutes.decided_on:%d/%m/%Y}.") if minutes.decided_on else "")
                  + (text(f" Ý kiến: {minutes.remark.rstrip('. ')}.") if minutes.remark else "")
                  + (text(f" Đã sửa trên phần mềm ngày {minutes.applied_on:%d/%m/%Y} và khóa lại ngay.")
                     if minutes.applied_on else ""), st["base"]),
    ]
    if minutes.related_books:
        story.append(Paragraph("<b>Các sổ liên quan phải sửa theo cùng quy trình:</b>" + "".join(
            f"<br/>- {text(book)}" for book in minutes.related_books), st["base"]))
    story += [
        Spacer(0, 8 * mm),
        signature_table(
            [Signature("GIÁO VIÊN MÔN HỌC", "(Kí, ghi rõ họ tên)", minutes.teacher_name),
             Signature("CÁN BỘ QUẢN TRỊ HỆ THỐNG", "(Kí, ghi rõ họ tên)", minutes.admin_name),
             Signature("HIỆU TRƯỞNG", "(Kí tên, đóng dấu)", minutes.principal_name)],
            width, st, date_text=date_line(minutes.header.place_name, minutes.applied_on)),
    ]
    info = DocumentInfo(title="Biên bản sửa chữa điểm", school=minutes.header.school_name,
                        subject=f"Lớp {minutes.class_name} — {minutes.pupil_name} — {minutes.year_name}")
    return build_pdf(story, info, paper="A4", orientation="portrait")
