"""The printing font: Liberation Serif (Times New Roman metrics, every Vietnamese letter), embedded."""

from __future__ import annotations

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from nk_desktop.paths import RESOURCES

SERIF = "NKSerif"
SERIF_BOLD = "NKSerif-Bold"
SERIF_ITALIC = "NKSerif-Italic"
SERIF_BOLD_ITALIC = "NKSerif-BoldItalic"
_FILES = {SERIF: "LiberationSerif-Regular.ttf", SERIF_BOLD: "LiberationSerif-Bold.ttf",
          SERIF_ITALIC: "LiberationSerif-Italic.ttf", SERIF_BOLD_ITALIC: "LiberationSerif-BoldItalic.ttf"}
_registered = False


def register() -> None:
    """Register the serif family once; bold/italic map so <b> and <i> in Paragraphs use it."""
    global _registered
    if _registered:
        return
    for name, filename in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(RESOURCES / "fonts" / filename)))
    addMapping(SERIF, 0, 0, SERIF)
    addMapping(SERIF, 1, 0, SERIF_BOLD)
    addMapping(SERIF, 0, 1, SERIF_ITALIC)
    addMapping(SERIF, 1, 1, SERIF_BOLD_ITALIC)
    _registered = True
