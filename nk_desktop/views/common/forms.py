"""The shape of every form dialog: OK calls one service; a refusal shows in red and the dialog stays open.

The services raise before they write (or roll back), so a refused form changes
nothing; the field the message names gets the focus so the user corrects it.
Subclasses put their fields in ``self.body`` and implement ``submit()``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from nk_desktop.clock import parse_date
from nk_desktop.errors import NKError, ValidationError
from nk_desktop.i18n import _

from nk_desktop.views.common.widgets import ERROR_STYLE  # noqa: F401 (re-exported)


class InlineErrorDialog(QDialog):
    """A form with an inline error line and OK/Cancel (or custom texts)."""

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
        if ok_text:
            self.buttons = QDialogButtonBox(self)
            self.ok_button = self.buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
            self.cancel_button = self.buttons.addButton(_("Hủy"), QDialogButtonBox.ButtonRole.RejectRole)
            self.ok_button.setDefault(True)
        else:
            self.buttons = QDialogButtonBox(
                QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
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


def date_from_text(text: str, field: str, *, required: bool = False, what: str = "") -> dt.date | None:
    """A dd/mm/yyyy field as a date; ``parse_date``'s Vietnamese message on a bad one."""
    if not (text or "").strip():
        if required:
            raise ValidationError(_("Hãy nhập {what}.").format(what=what or _("ngày")), field=field)
        return None
    try:
        return parse_date(text)
    except ValueError as error:
        raise ValidationError(str(error), field=field) from None
