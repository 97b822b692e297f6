"""The "In sổ" tab: the print centre (preview, print, save PDF, the whole school), the print log, the queue."""

from nk_desktop.views.printing.tab import PrintingTab

__all__ = ["PrintingTab"]
