"""The pupil dialogs' common shape: OK calls one service; a refusal shows in red and the dialog stays open.

The services raise before they write (or roll back), so a refused form changes
nothing and the user corrects the field the message names (it gets the focus).
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from PySide6.QtWidgets import QLineEdit, QWidget

from nk_desktop.i18n import _
from nk_desktop.views.common.forms import ERROR_STYLE, InlineErrorDialog  # noqa: F401 (ERROR_STYLE re-exported)
from nk_desktop.views.common.forms import date_from_text as common_date_from_text
DATE_PLACEHOLDER = _("ngày/tháng/năm")
DATE_TOOLTIP = _("Ngày/tháng/năm, ví dụ 05/09/2026.")

Confirm = Callable[[QWidget | None, str], bool]  # (parent, question) -> yes?


class PupilFormDialog(InlineErrorDialog):
    """A pupil form with Save/Cancel; subclasses put their fields in ``self.body``."""

    def __init__(self, title: str, parent: QWidget | None = None, *, ok_text: str | None = None):
        super().__init__(title, parent, ok_text=ok_text or _("Lưu"))


def date_from_text(text: str, field: str, what: str) -> dt.date:
    """A required dd/mm/yyyy field as a date."""
    return common_date_from_text(text, field, required=True, what=what)


def date_edit(parent: QWidget, text: str = "") -> QLineEdit:
    """A line for a dd/mm/yyyy date (typed, as on paper forms)."""
    edit = QLineEdit(text, parent)
    edit.setPlaceholderText(DATE_PLACEHOLDER)
    edit.setToolTip(DATE_TOOLTIP)
    edit.setMaxLength(10)
    return edit
