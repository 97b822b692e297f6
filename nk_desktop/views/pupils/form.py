"""The pupil dialogs' common shape: OK calls one service; a refusal shows in red and the dialog stays open.

The services raise before they write (or roll back), so a refused form changes
nothing and the user corrects the field the message names (it gets the focus).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from nk_desktop.clock import parse_date
from nk_desktop.errors import NKError, ValidationError
from nk_desktop.i18n import _

ERROR_STYLE = "color: #b00020;"
DATE_PLACEHOLDER = _("ngày/tháng/năm")
DATE_TOOLTIP = _("Ngày/tháng/năm, ví dụ 05/09/2026.")

Confirm = Callable[[QWidget | None, str], bool]  # (parent, question) -> yes?


class PupilFormDialog(QDialog):
    """A form with an inline error line and Save/Cancel; subclasses put their fields in ``self.body``."""

    def __init__(self, title: str, parent: QWidget | None = None, *, ok_text: str | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.fields: dict[str, QWidget] = {}  # service field name → widget, to focus the refused one
        self.result_value: Any = None
        layout = QVBoxLayout(self)
        self.body = QVBoxLayout()
        layout.addLayout(self.body)
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton(ok_text or _("Lưu"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(_("Hủy"), QDialogButtonBox.ButtonRole.RejectRole)
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def error(self) -> str:
        """The message shown inline ("" when none)."""
        return "" if self.error_label.isHidden() else self.error_label.text()

    def show_error(self, message: str, field: str | None = None) -> None:
        self.error_label.setText(message)
        self.error_label.show()
        widget = self.fields.get(field or "")
        if widget is not None and widget.isEnabled():
            widget.setFocus()
            if isinstance(widget, QLineEdit):
                widget.selectAll()

    def submit(self) -> Any:
        """Read the fields and call the service; raise ``NKError`` to refuse."""
        raise NotImplementedError

    def accept(self) -> None:
        try:
            self.result_value = self.submit()
        except ValidationError as error:
            self.show_error(str(error), error.field)
            return
        except NKError as error:
            self.show_error(str(error))
            return
        self.error_label.hide()
        super().accept()


def date_from_text(text: str, field: str, what: str) -> dt.date:
    """A dd/mm/yyyy field as a date; ``parse_date``'s Vietnamese message when it is not one."""
    if not (text or "").strip():
        raise ValidationError(_("Hãy nhập {what}.").format(what=what), field=field)
    try:
        return parse_date(text)
    except ValueError as error:
        raise ValidationError(str(error), field=field) from None


def date_edit(parent: QWidget, text: str = "") -> QLineEdit:
    """A line for a dd/mm/yyyy date (typed, as on paper forms)."""
    edit = QLineEdit(text, parent)
    edit.setPlaceholderText(DATE_PLACEHOLDER)
    edit.setToolTip(DATE_TOOLTIP)
    edit.setMaxLength(10)
    return edit
