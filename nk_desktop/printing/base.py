"""Pieces every official document shares (Nghị định 30/2020 layout, regulation Điều 12).

The administrative header (governing body and school left, national motto right),
the place-and-date line, signature blocks, "Trang x/y", the binding margin on the
bound edge, the book's certification page, PDF metadata and byte-identical output
for identical data (so a corrected page can be reprinted alone).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from typing import Sequence
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A3, A4, landscape, portrait
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus.tables import CellStyle
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer, Table, TableStyle

from nk_desktop.printing import fonts

# Binary (Flate) streams without the ASCII85 layer: smaller files, and no pure-Python encoding of the
# embedded font subsets on every save.
rl_config.useA85 = 0

NATIONAL_MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
INDEPENDENCE = "Độc lập - Tự do - Hạnh phúc"
# Nghị định 30/2020, Phụ lục I: margins top/bottom 20–25 mm, left 30–35 mm (bound edge), right 15–20 mm.
MARGIN_BOUND = 30 * mm
MARGIN_FREE = 15 * mm
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 20 * mm


@dataclasses.dataclass(frozen=True)
class SchoolHeader:
    governing_body: str  # "UBND PHƯỜNG CẦU ĐẤT" since 7/2025
    school_name: str     # "TRƯỜNG TIỂU HỌC NGUYỄN KHUYẾN"
    place_name: str      # "Cầu Đất"


@dataclasses.dataclass(frozen=True)
class Signature:
    title: str           # "HIỆU TRƯỞNG"
    note: str            # "(Kí tên, đóng dấu)"
    name: str            # typed name under the space for the signature


@dataclasses.dataclass(frozen=True)
class DocumentInfo:
    title: str
    school: str
    subject: str         # "Lớp 4A — Cuối học kì I — 2026-2027"
    keywords: str = ""


def text(value) -> str:
    """Escape text for a Paragraph ("TN&XH" must print as written)."""
    return escape("" if value is None else str(value))


_GRID_CELL_CLASSES: dict[float, type] = {}


def grid_cell_class(font_size: float) -> type:
    """A reportlab CellStyle whose defaults are the book grid's (serif, *font_size*, centred, middle, thin
    padding): the same as ``grid_style``'s whole-table commands, without applying them cell by cell."""
    found = _GRID_CELL_CLASSES.get(font_size)
    if found is None:
        found = _GRID_CELL_CLASSES[font_size] = type(f"GridCell{font_size}", (CellStyle,), {
            "fontname": fonts.SERIF, "fontsize": font_size, "leading": font_size + 1, "valign": "MIDDLE",
            "alignment": "CENTER", "leftPadding": 1.5, "rightPadding": 1.5, "topPadding": 0.6,
            "bottomPadding": 0.6})
    return found


class GridTable(Table):
    """A Table that draws its plain one-line cells fast and its empty cells not at all.

    With ``cell_font_size`` every cell starts with the grid's style (``grid_cell_class``), so the style
    given needs only what differs (``grid_style(..., cells=False)``): a few hundred thousand per-cell
    style updates fewer on a whole school's sheets.

    reportlab draws every plain cell through a new text object, an empty one as an empty text
    object.  A book's grid is mostly one- or two-letter cells ("T", "Đ", "9") and empty ones, so
    here the PDF code of each (font, size, text) is built once per document and reused, and empty
    cells are skipped.  The same text at the same positions; same data → same bytes.
    """

    def __init__(self, data, *args, cell_font_size: float | None = None, **kwargs):
        if cell_font_size is not None and kwargs.get("cellStyles") is None:
            cell = grid_cell_class(cell_font_size)
            kwargs["cellStyles"] = [[cell("") for _value in row] for row in data]
        super().__init__(data, *args, **kwargs)

    def _drawCell(self, cellval, cellstyle, pos, size):
        if cellstyle.href or cellstyle.destination:
            return super()._drawCell(cellval, cellstyle, pos, size)
        if cellval is None or cellval == "":
            return None
        if (type(cellval) is not str or "\n" in cellval or cellstyle.direction or cellstyle.shaping
                or not self.canv.bottomup):
            return super()._drawCell(cellval, cellstyle, pos, size)
        just, valign = cellstyle.alignment, cellstyle.valign
        if just not in ("LEFT", "CENTER", "CENTRE", "RIGHT") or valign not in ("MIDDLE", "TOP", "BOTTOM"):
            return super()._drawCell(cellval, cellstyle, pos, size)
        canv = self.canv
        if self._curcellstyle is not cellstyle:
            cur = self._curcellstyle
            if cur is None or cellstyle.color != cur.color:
                canv.setFillColor(cellstyle.color)
            if (cur is None or cellstyle.leading != cur.leading or cellstyle.fontname != cur.fontname
                    or cellstyle.fontsize != cur.fontsize):
                canv.setFont(cellstyle.fontname, cellstyle.fontsize, cellstyle.leading)
            self._curcellstyle = cellstyle
        cache = canv.__dict__.get("_nk_text_cache")
        if cache is None:  # per document: the font subsets the code refers to belong to it
            cache = canv.__dict__["_nk_text_cache"] = {}
        key = (canv._fontname, canv._fontsize, canv._leading, cellval)
        found = cache.get(key)
        if found is None:
            width = canv.stringWidth(cellval, canv._fontname, canv._fontsize)
            found = cache[key] = (width, canv.beginText(0, 0)._formatText(cellval))
        width, code = found
        colpos, rowpos = pos
        colwidth, rowheight = size
        if just == "LEFT":
            x = colpos + cellstyle.leftPadding
        elif just == "RIGHT":
            x = colpos + colwidth - cellstyle.rightPadding - width
        else:
            x = colpos + (colwidth + cellstyle.leftPadding - cellstyle.rightPadding) * 0.5 - 0.5 * width
        fontsize, leading = cellstyle.fontsize, cellstyle.leading
        if valign == "MIDDLE":
            y = rowpos + (cellstyle.bottomPadding + rowheight - cellstyle.topPadding + leading) / 2.0 - fontsize
        elif valign == "TOP":
            y = rowpos + rowheight - cellstyle.topPadding - fontsize
        else:
            y = rowpos + cellstyle.bottomPadding + leading - fontsize
        canv._code.append(f"BT 1 0 0 1 {fp_str(x, y)} Tm {code} T* ET")
        return None


_STYLES: dict[str, ParagraphStyle] | None = None


def styles() -> dict[str, ParagraphStyle]:
    """The shared paragraph styles, built once (a fresh dict each call: documents add their own)."""
    global _STYLES
    if _STYLES is None:
        _STYLES = _build_styles()
    return dict(_STYLES)


def _build_styles() -> dict[str, ParagraphStyle]:
    fonts.register()
    base = ParagraphStyle("base", fontName=fonts.SERIF, fontSize=12, leading=15)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=11),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=8.5),
        "cell_center": ParagraphStyle("cell_center", parent=base, fontSize=7.5, leading=8.5, alignment=TA_CENTER),
        "head": ParagraphStyle("head", parent=base, fontName=fonts.SERIF_BOLD, fontSize=8, leading=9.5,
                               alignment=TA_CENTER),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
        "center_bold": ParagraphStyle("center_bold", parent=base, fontName=fonts.SERIF_BOLD, alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=base, fontName=fonts.SERIF_BOLD, fontSize=14, leading=18,
                                alignment=TA_CENTER, spaceBefore=6, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontName=fonts.SERIF_BOLD, fontSize=12, leading=15,
                                   alignment=TA_CENTER, spaceAfter=6),
        "italic_right": ParagraphStyle("italic_right", parent=base, fontName=fonts.SERIF_ITALIC, alignment=TA_RIGHT),
        "italic_center": ParagraphStyle("italic_center", parent=base, fontName=fonts.SERIF_ITALIC,
                                        alignment=TA_CENTER),
        "left": ParagraphStyle("left", parent=base, alignment=TA_LEFT),
    }


def date_line(place: str, day: dt.date | None) -> str:
    """"Cầu Đất, ngày 05 tháng 01 năm 2027", "…, ngày 24 tháng 9 năm 2026" (dotted blanks when the date is to be
    written by hand).  Nghị định 30/2020: a zero before days under 10 and before months 1 and 2 only."""
    if day is None:
        return f"{place}, ngày ..... tháng ..... năm ........"
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def header_block(header: SchoolHeader, width: float, st: dict[str, ParagraphStyle]) -> Table:
    """Governing body and school on the left; the national motto on the right (Nghị định 30/2020).

    12 pt, the school name and the motto each on one line: on A4 portrait the two do not both fit at
    12 pt in the usual 42/58 split, so the columns follow the texts' widths and, if still needed, the
    header steps down to 11.5 or 11 pt (Nghị định 30 allows 12–13; a longer name wraps at 11 pt)."""
    left_lines = [(header.governing_body.upper(), fonts.SERIF), (header.school_name.upper(), fonts.SERIF_BOLD)]
    right_lines = [(NATIONAL_MOTTO, fonts.SERIF_BOLD), (INDEPENDENCE, fonts.SERIF_BOLD)]
    split, size = 0.42, 12.0
    for size in (12.0, 11.5, 11.0):
        left = max(stringWidth(t, f, size) for t, f in left_lines)
        right = max(stringWidth(t, f, size) for t, f in right_lines)
        if size == 12.0 and left <= width * 0.42 and right <= width * 0.58:
            break
        if left + right <= width - 4:
            split = (left + (width - left - right) / 2) / width
            break
    style = st["center"] if size == 12.0 else ParagraphStyle(
        f"center{size}", parent=st["center"], fontSize=size, leading=size * 1.25)
    left_cell = [Paragraph(text(header.governing_body.upper()), style),
                 Paragraph(f"<b>{text(header.school_name.upper())}</b>", style)]
    right_cell = [Paragraph(f"<b>{NATIONAL_MOTTO}</b>", style),
                  Paragraph(f"<b><u>{INDEPENDENCE}</u></b>", style)]
    table = Table([[left_cell, right_cell]], colWidths=[width * split, width * (1 - split)])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), fonts.SERIF),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def signature_table(signatures: Sequence[Signature], width: float, st: dict[str, ParagraphStyle], *,
                    date_text: str | None = None, date_column: int | None = None) -> Table:
    """Signature blocks side by side: title, note, space for the signature (and seal), typed name."""
    columns = len(signatures)
    top = []
    for index, _signature in enumerate(signatures):
        top.append(Paragraph(text(date_text), st["italic_center"]) if date_text and index == (
            columns - 1 if date_column is None else date_column) else "")
    titles = [[Paragraph(f"<b>{text(s.title)}</b>", st["center"]), Paragraph(text(s.note), st["italic_center"])]
              for s in signatures]
    blank = ["" for _ in signatures]
    names = [Paragraph(f"<b>{text(s.name)}</b>", st["center"]) for s in signatures]
    commands = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), fonts.SERIF),
                ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)]
    if date_text and columns >= 3 and date_column is None:
        # three blocks or more: the date line over the last two, so that it stays on one line
        top = [""] * (columns - 2) + [Paragraph(text(date_text), st["italic_center"]), ""]
        commands.append(("SPAN", (columns - 2, 0), (columns - 1, 0)))
    table = Table([top, titles, blank, names], colWidths=[width / columns] * columns,
                  rowHeights=[None, None, 16 * mm, None])
    table.setStyle(TableStyle(commands))
    return table


def certification(pages: int, st: dict[str, ParagraphStyle]) -> Paragraph:
    """The book's opening/closing certification."""
    return Paragraph(
        f"Sổ này có {pages} trang, được đánh số từ trang 1 đến trang {pages}.", st["base"])


class NumberedCanvas(pdf_canvas.Canvas):
    """Draws "Trang x/y" (and the page's footer) once the total is known, in one pass."""

    footer_text = ""
    page_size = A4
    bound_left = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved_pages: list[dict] = []

    def showPage(self):
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._saved_pages)
        for state in self._saved_pages:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        super().save()

    def _draw_footer(self, total: int) -> None:
        width, _height = self._pagesize
        self.setFont(fonts.SERIF, 9)
        self.drawRightString(width - MARGIN_FREE, 10 * mm, f"Trang {self._pageNumber}/{total}")
        if self.footer_text:
            self.drawString(MARGIN_BOUND, 10 * mm, self.footer_text)


def numbered_canvas(footer: str = "") -> type[NumberedCanvas]:
    return type("FooterCanvas", (NumberedCanvas,), {"footer_text": footer})


def page_size(paper: str, orientation: str) -> tuple[float, float]:
    size = {"A4": A4, "A3": A3}[paper]
    return landscape(size) if orientation == "landscape" else portrait(size)


def build_pdf(story: list, info: DocumentInfo, *, paper: str = "A4", orientation: str = "portrait",
              footer: str = "", on_page=None) -> bytes:
    """Lay out *story* on pages with the binding margin on the left; same input → same bytes."""
    fonts.register()
    buffer = io.BytesIO()
    size = page_size(paper, orientation)
    doc = BaseDocTemplate(
        buffer, pagesize=size, leftMargin=MARGIN_BOUND, rightMargin=MARGIN_FREE, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM, title=info.title, author=info.school, subject=info.subject,
        keywords=info.keywords, creator="NK Desktop", producer="NK Desktop", invariant=1,
        initialFontName=fonts.SERIF, initialFontSize=12)
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body", leftPadding=0,
                  rightPadding=0, topPadding=0, bottomPadding=0)
    template = PageTemplate(id="page", frames=[frame], onPage=on_page) if on_page else PageTemplate(
        id="page", frames=[frame])
    doc.addPageTemplates([template])
    doc.build(story, canvasmaker=numbered_canvas(footer))
    return buffer.getvalue()


def content_width(paper: str, orientation: str) -> float:
    return page_size(paper, orientation)[0] - MARGIN_BOUND - MARGIN_FREE


def grid_style(header_rows: int, font_size: float = 7.5, *, cells: bool = True) -> list:
    """Table style for a book's grid: thin lines, the header repeated, every cell in the serif font.

    ``cells=False``: only the header's bold font and the lines (for a ``GridTable`` made with
    ``cell_font_size=font_size``, whose cells already start with the rest)."""
    if not cells:
        return [("FONTNAME", (0, 0), (-1, header_rows - 1), fonts.SERIF_BOLD),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black)]
    return [
        ("FONTNAME", (0, 0), (-1, -1), fonts.SERIF),
        ("FONTSIZE", (0, 0), (-1, -1), font_size),
        ("LEADING", (0, 0), (-1, -1), font_size + 1),
        ("FONTNAME", (0, 0), (-1, header_rows - 1), fonts.SERIF_BOLD),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), 1.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 1.5),
        ("TOPPADDING", (0, 0), (-1, -1), 0.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0.6),
    ]


__all__ = ["SchoolHeader", "Signature", "DocumentInfo", "GridTable", "build_pdf", "header_block", "signature_table",
           "date_line", "styles", "text", "content_width", "grid_style", "certification", "Spacer", "mm"]
