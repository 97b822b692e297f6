"""Form dialogs: OK runs the service call; a refusal shows in red inside the dialog, which stays open.

A dialog's ``submit()`` reads its fields and calls one service.  The services raise
before they write (or roll back), so a refused form leaves the data unchanged and the
user can correct the field named in the message.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any, Sequence

from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QWidget

from nk_desktop.clock import format_date
from nk_desktop.i18n import _
from nk_desktop.models.staff import StaffMember
from nk_desktop.views.common.forms import InlineErrorDialog, date_from_text  # noqa: F401 (re-exported)

DATE_PLACEHOLDER = _("ngày/tháng/năm, ví dụ 05/09/2025")


class FormDialog(InlineErrorDialog):
    """A titled form (label: field rows) with OK/Cancel and an inline error line."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(title, parent)
        self.setMinimumWidth(460)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.body.addLayout(self.form)

    def add_field(self, label: str, widget: QWidget, name: str | None = None) -> QWidget:
        self.form.addRow(label, widget)
        if name:
            self.fields[name] = widget
        return widget

    def line(self, label: str, name: str | None = None, text: str = "", *, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(text, self)
        if placeholder:
            edit.setPlaceholderText(placeholder)
        self.add_field(label, edit, name)
        return edit


def date_text(day: dt.date | None) -> str:
    return format_date(day)


def staff_label(staff: StaffMember) -> str:
    """How a colleague appears in a choice list: the full name, with the position when known."""
    return f"{staff.full_name} — {staff.position}" if staff.position else staff.full_name


def find_data(combo: QComboBox, value: Any) -> int:
    """The index of the item holding *value*, or -1.

    ``QComboBox.findData`` cannot match Python objects such as ``uuid.UUID`` (they are
    stored as opaque PyObject variants), so compare in Python.
    """
    for index in range(combo.count()):
        if combo.itemData(index) == value:
            return index
    return -1


def staff_combo(parent: QWidget, staff: Sequence[StaffMember], current: uuid.UUID | None, *,
                none_label: str | None = None) -> QComboBox:
    """A combo of colleagues in the order given (the services' official name order)."""
    combo = QComboBox(parent)
    if none_label is not None:
        combo.addItem(none_label, None)
    for member in staff:
        combo.addItem(staff_label(member), member.id)
    position = find_data(combo, current) if current is not None else (0 if none_label is not None else -1)
    combo.setCurrentIndex(max(position, 0))
    return combo


_LETTERS = "abcdefghijkmnpqrstuvwxyz"  # no l: it reads like 1 on paper
_DIGITS = "23456789"  # no 0 or 1: they read like o and l


def temporary_password(length: int = 10) -> str:
    """A random password with letters and digits, easy to read out or copy onto paper."""
    length = max(length, 8)
    chars = [secrets.choice(_LETTERS) for _n in range(length - 3)] + [secrets.choice(_DIGITS) for _n in range(3)]
    secrets.SystemRandom().shuffle(chars)
    if not chars[0].isalpha():  # start with a letter; both kinds stay present
        first_letter = next(n for n, c in enumerate(chars) if c.isalpha())
        chars[0], chars[first_letter] = chars[first_letter], chars[0]
    return "".join(chars)
