"""Small pieces the books add to ``base``: per-section page footers, cut lines, page counts, binding.

A book is assembled from sections (a month's roll sheet, a subject's score page, one
pupil's học bạ).  Each section starts on a new page with a ``SetFooter`` marker: from
that page on, the line under every page (``NumberedCanvas`` draws it at save time)
names who signs that section (regulation Điều 12.1–12.2), until the next marker.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak

from nk_desktop.printing import fonts

PAPERS = ("A4", "A3")


class SetFooter(Flowable):
    """Zero-size marker: the pages from the one it is drawn on carry *text* as their footer line.

    Put it first in the story and right after each ``PageBreak`` (a zero-height flowable
    fits at the bottom of the previous page otherwise).
    """

    def __init__(self, text: str):
        super().__init__()
        self.text = text
        self.width = self.height = 0

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self):
        # NumberedCanvas saves the instance dict per page and draws ``footer_text`` at save time.
        self.canv.footer_text = self.text


class CutLine(Flowable):
    """A dashed line across the frame with "cắt theo đường này", between notices on one sheet."""

    def __init__(self, width: float, space: float = 3 * mm):
        super().__init__()
        self.width = width
        self.space = space
        self.height = 2 * space

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        canvas = self.canv
        y = self.space
        label = "cắt theo đường này"
        canvas.setFont(fonts.SERIF_ITALIC, 7)
        label_width = canvas.stringWidth(label, fonts.SERIF_ITALIC, 7)
        gap_start = (self.width - label_width) / 2 - 2 * mm
        gap_end = (self.width + label_width) / 2 + 2 * mm
        canvas.saveState()
        canvas.setStrokeColor(colors.grey)
        canvas.setDash(3, 2)
        canvas.setLineWidth(0.5)
        canvas.line(0, y, gap_start, y)
        canvas.line(gap_end, y, self.width, y)
        canvas.restoreState()
        canvas.setFillColor(colors.grey)
        canvas.drawCentredString(self.width / 2, y - 2.3, label)
        canvas.setFillColor(colors.black)


_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def page_count(pdf: bytes) -> int:
    """Pages in a PDF this package made (reportlab writes each page object's /Type plainly)."""
    return len(_PAGE.findall(pdf))


def sections(parts: Iterable[Sequence]) -> list:
    """Join stories, each starting on a new page (the first on the first page)."""
    story: list = []
    for part in parts:
        if story:
            story.append(PageBreak())
        story.extend(part)
    return story


def check_paper(paper: str) -> str:
    value = (paper or "A4").upper()
    if value not in PAPERS:
        from nk_desktop.errors import ValidationError

        raise ValidationError(f"Khổ giấy “{paper}” không hợp lệ; chọn A4 hoặc A3.", field="paper")
    return value
