"""The school's recovery sheet: the sync key on paper, kept by the principal (sync-design §9.4–9.5).

One A4 page in Vietnamese: what the key is for, the key in 16 groups of 4 characters
plus a check group, where the sync folder is, and what to do with the sheet.  Typed
back when a PC joins or is reinstalled (``keys.parse_key`` accepts it with or without
the dashes).  Plain data in, PDF bytes out, like every printing function.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from nk_desktop.i18n import _
from nk_desktop.printing import fonts
from nk_desktop.sync.keys import groups


@dataclasses.dataclass(frozen=True)
class RecoverySheet:
    school_name: str
    share_path: str
    key: bytes
    made_on: dt.date
    made_by: str = ""


def render(sheet: RecoverySheet) -> bytes:
    """The recovery sheet as PDF bytes (fonts embedded; identical input gives identical bytes)."""
    fonts.register()
    body = ParagraphStyle("body", fontName=fonts.SERIF, fontSize=12, leading=16, spaceAfter=6)
    title = ParagraphStyle("title", parent=body, fontName=fonts.SERIF_BOLD, fontSize=16, leading=20,
                           alignment=TA_CENTER, spaceAfter=4)
    centred = ParagraphStyle("centred", parent=body, alignment=TA_CENTER)
    warn = ParagraphStyle("warn", parent=body, fontName=fonts.SERIF_BOLD)
    parts = groups(sheet.key)
    rows = [parts[i:i + 4] for i in range(0, 16, 4)] + [[_("Kiểm tra:"), parts[16], "", ""]]
    key_table = Table(rows, colWidths=[38 * mm] * 4, rowHeights=12 * mm)
    key_table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), fonts.SERIF_BOLD, 20),
        ("FONT", (0, 4), (0, 4), fonts.SERIF, 13),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BOX", (0, 0), (-1, 3), 1.2, colors.black),
        ("INNERGRID", (0, 0), (-1, 3), 0.4, colors.grey),
    ]))
    story = [
        Paragraph(escape(sheet.school_name.upper()), centred),
        Spacer(1, 6 * mm),
        Paragraph(_("PHIẾU KHÓA ĐỒNG BỘ DỮ LIỆU"), title),
        Paragraph(_("(giữ kín — Hiệu trưởng cất giữ cùng hồ sơ quan trọng của trường)"), centred),
        Spacer(1, 6 * mm),
        Paragraph(_("Các máy tính của trường trao đổi dữ liệu qua thư mục chung. Mọi tệp trong thư mục đó đều được "
                    "mã hóa bằng khóa dưới đây: người không có khóa mở thư mục cũng không đọc được tên, điểm hay hồ sơ "
                    "sức khỏe của học sinh."), body),
        Paragraph(_("Thư mục đồng bộ: <b>{path}</b>").format(path=escape(sheet.share_path)), body),
        Spacer(1, 4 * mm),
        key_table,
        Spacer(1, 6 * mm),
        Paragraph(_("Khi nào cần đến phiếu này"), warn),
        Paragraph(_("• Cài NK Desktop cho một máy mới của trường, hoặc cài lại một máy: chọn “Tham gia đồng bộ”, "
                    "nhập đường dẫn thư mục chung và gõ 17 nhóm kí tự trên (có hay không có dấu gạch đều được)."), body),
        Paragraph(_("• Chạy đồng bộ theo lịch trên máy không có kho khóa Windows: đặt biến môi trường NK_SHARE_KEY "
                    "bằng 64 kí tự của 16 nhóm đầu."), body),
        Paragraph(_("Lưu ý"), warn),
        Paragraph(_("• Mất khóa thì các máy mới không tham gia được và không đọc được dữ liệu trong thư mục chung. "
                    "Hãy cất phiếu nơi an toàn, không chụp ảnh, không gửi qua mạng."), body),
        Paragraph(_("• Ai có khóa và vào được thư mục chung thì đọc được dữ liệu: nếu phiếu bị lộ, báo quản trị "
                    "để khởi tạo lại thư mục đồng bộ với khóa mới."), body),
        Spacer(1, 8 * mm),
        Paragraph(_("Lập ngày {d:%d/%m/%Y}{by}").format(d=sheet.made_on, by=(_(", bởi ") + escape(sheet.made_by))
                                                         if sheet.made_by else ""), body),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=25 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=_("Phiếu khóa đồng bộ"), author=sheet.school_name,
                            invariant=1, initialFontName=fonts.SERIF)
    doc.build(story)
    return out.getvalue()
