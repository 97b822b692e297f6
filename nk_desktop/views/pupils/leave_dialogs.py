"""Leaving the class: transfer to another school, dropping out, change of class.

Nothing is deleted: each closes the pupil's stay in the class on a date (their first
day away), so the class size on any earlier date stays what it was.
"""

from __future__ import annotations

import datetime as dt
import html
import uuid
from typing import Sequence

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QWidget

from nk_desktop.actor import Actor
from nk_desktop.clock import format_date
from nk_desktop.db import Database
from nk_desktop.errors import ValidationError
from nk_desktop.i18n import _
from nk_desktop.services import pupils
from nk_desktop.services.pupils import PupilRow
from nk_desktop.views.pupils.form import PupilFormDialog, date_edit, date_from_text


class _LeaveDialog(PupilFormDialog):
    """A pupil's name, a date and what the action needs besides."""

    def __init__(self, title: str, db: Database, actor: Actor, row: PupilRow, on: dt.date, date_label: str,
                 parent: QWidget | None = None):
        super().__init__(title, parent, ok_text=_("Đồng ý"))
        self.setMinimumWidth(520)
        self.db, self.actor, self.row = db, actor, row
        self.form = QFormLayout()
        self.body.addLayout(self.form)
        name = QLabel(f"<b>{html.escape(row.full_name)}</b>, {_('sinh ngày')} {format_date(row.date_of_birth)}", self)
        self.form.addRow(_("Học sinh:"), name)
        self.date_edit = date_edit(self, format_date(on))
        self.date_edit.setToolTip(_("Ngày đầu tiên học sinh không còn học ở lớp (ngày/tháng/năm)."))
        self.fields["date"] = self.date_edit
        self.form.addRow(date_label, self.date_edit)

    def day(self) -> dt.date:
        return date_from_text(self.date_edit.text(), "date", _("ngày"))

    def _text_line(self, label: str, field: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(self)
        edit.setMaxLength(200)
        edit.setPlaceholderText(placeholder)
        self.fields[field] = edit
        self.form.addRow(label, edit)
        return edit


class TransferOutDialog(_LeaveDialog):
    """The pupil moves to another school (``transfer_out``)."""

    def __init__(self, db: Database, actor: Actor, row: PupilRow, on: dt.date, parent: QWidget | None = None):
        super().__init__(_("Chuyển trường"), db, actor, row, on, _("Chuyển đi từ ngày:"), parent)
        self.school_edit = self._text_line(_("Chuyển đến trường:"), "went_to",
                                           _("tên trường, xã/phường, tỉnh/thành phố"))
        self.school_edit.setFocus()

    def submit(self) -> None:
        pupils.transfer_out(self.db, self.actor, self.row.id, self.day(), self.school_edit.text())


class DropOutDialog(_LeaveDialog):
    """The pupil stops coming to school (``drop_out``)."""

    def __init__(self, db: Database, actor: Actor, row: PupilRow, on: dt.date, parent: QWidget | None = None):
        super().__init__(_("Bỏ học"), db, actor, row, on, _("Bỏ học từ ngày:"), parent)
        self.reason_edit = self._text_line(_("Lí do:"), "note")
        self.reason_edit.setFocus()

    def submit(self) -> None:
        pupils.drop_out(self.db, self.actor, self.row.id, self.day(), self.reason_edit.text())


class MoveClassDialog(_LeaveDialog):
    """The pupil changes class within the year (``move_to_class``)."""

    def __init__(self, db: Database, actor: Actor, row: PupilRow, on: dt.date,
                 classes: Sequence[tuple[uuid.UUID, str]], parent: QWidget | None = None):
        super().__init__(_("Chuyển lớp"), db, actor, row, on, _("Học lớp mới từ ngày:"), parent)
        self.class_combo = QComboBox(self)
        for class_id, name in classes:
            self.class_combo.addItem(name, class_id)
        self.fields["class"] = self.class_combo
        self.form.insertRow(1, _("Chuyển sang lớp:"), self.class_combo)
        self.note_edit = self._text_line(_("Ghi chú:"), "note")
        if not classes:
            self.show_error(_("Không có lớp nào khác trong năm học mà bạn được chuyển học sinh đến."))
            self.ok_button.setEnabled(False)
        self.class_combo.setFocus()

    def submit(self) -> None:
        target = self.class_combo.currentData()
        if target is None:
            raise ValidationError(_("Hãy chọn lớp mới."), field="class")
        pupils.move_to_class(self.db, self.actor, self.row.id, target, self.day(), self.note_edit.text())
