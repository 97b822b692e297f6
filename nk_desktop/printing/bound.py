"""Several classes' Bảng tổng hợp bound in one file (the office prints the whole school at a milestone).

``tong_hop.render`` lays out one class; this puts each class's sheet on new pages in one
document, with the same table (built by ``tong_hop``'s own helpers), the same signatures and
the same confirmation line under every page.
"""

from __future__ import annotations

from typing import Sequence

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer
from reportlab.platypus.flowables import TopPadder

from nk_desktop.printing import tong_hop
from nk_desktop.printing.base import DocumentInfo, build_pdf, content_width, header_block, styles, text
from nk_desktop.printing.sections import SetFooter, sections

CONFIRMATION = tong_hop.CONFIRMATION


def tong_hop_story(summary: tong_hop.ClassSummary, st: dict, width: float) -> list:
    return [
        SetFooter(f"Lớp {summary.class_name} — {summary.milestone_name}.   {CONFIRMATION}"),
        header_block(summary.header, width, st),
        Spacer(0, 4 * mm),
        Paragraph(tong_hop.TITLE, st["title"]),
        Paragraph(text(f"Lớp {summary.class_name} — {summary.milestone_name} — Năm học {summary.year_name}"),
                  st["subtitle"]),
        tong_hop.table(summary, st, width),
        Spacer(0, 6 * mm),
        TopPadder(tong_hop.signatures(summary, st, width)),
    ]


def render_tong_hop(summaries: Sequence[tong_hop.ClassSummary]) -> bytes:
    """The classes' sheets in the order given, each from a new page (A3 landscape)."""
    st = styles()
    width = content_width("A3", "landscape")
    first = summaries[0]
    classes = ", ".join(s.class_name for s in summaries)
    info = DocumentInfo(title=f"Bảng tổng hợp kết quả đánh giá giáo dục — {first.milestone_name}",
                        school=first.header.school_name,
                        subject=f"Lớp {classes} — {first.milestone_name} — {first.year_name}",
                        keywords="TT27/2020 Phụ lục 2")
    return build_pdf(sections(tong_hop_story(s, st, width) for s in summaries), info, paper="A3",
                     orientation="landscape")
