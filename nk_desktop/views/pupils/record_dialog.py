"""The pupil record (Điều 7.1): every field of the form, for a new pupil or an existing one.

A new pupil also gets how and when they joined the class (at the start of the year,
or transferred in from another school).  Saving calls ``add_pupil`` or ``update_pupil``
with only the changed fields; a same-name-and-birthday warning asks "Vẫn thêm?".
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette, QPixmap
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit,
    QPushButton, QVBoxLayout, QWidget,
)

from nk_desktop.actor import Actor
from nk_desktop.clock import format_date
from nk_desktop.db import Database
from nk_desktop.errors import ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.pupils import Pupil
from nk_desktop.services import pupils
from nk_desktop.services.pupils import PupilRow
from nk_desktop.views.common.messages import confirm as ask
from nk_desktop.views.pupils.form import Confirm, PupilFormDialog, date_edit, date_from_text

# Plain one-line text fields: service name → label (in the order of the paper record).
# A form label reads "&&" as one "&" (a single "&" marks a keyboard shortcut).
_LINES = {
    "family_name": _("Họ:"), "middle_name": _("Tên đệm:"), "given_name": _("Tên:"),
    "birthplace": _("Nơi sinh:"), "personal_id": _("Số định danh cá nhân:"),
    "moet_code": _("Mã định danh Bộ GD&&ĐT:"), "school_code": _("Mã học sinh:"),
    "permanent_address": _("Địa chỉ thường trú:"), "current_address": _("Chỗ ở hiện nay:"),
    "father_name": _("Họ tên cha"), "father_job": _("Nghề nghiệp cha"), "father_phone": _("Điện thoại cha"),
    "mother_name": _("Họ tên mẹ"), "mother_job": _("Nghề nghiệp mẹ"), "mother_phone": _("Điện thoại mẹ"),
    "contact_phone": _("Điện thoại liên hệ:"), "policy_kind": _("Diện chính sách:"),
}
_MAX_LENGTH = {"family_name": 50, "middle_name": 80, "given_name": 50, "birthplace": 200, "personal_id": 14,
               "moet_code": 20, "school_code": 20, "permanent_address": 300, "current_address": 300,
               "father_name": 100, "father_job": 100, "father_phone": 20, "mother_name": 100,
               "mother_job": 100, "mother_phone": 20, "contact_phone": 20, "policy_kind": 100}
NEW_START_REASONS = ("dau_nam", "chuyen_den")  # a pupil with no record yet starts the year or transfers in
PHOTO_SIZE = (90, 120)  # a 3×4 portrait, as on the paper record
ChoosePhoto = Callable[[QWidget | None], str]  # (parent) -> image path, or "" when cancelled


def choose_photo_file(parent: QWidget | None) -> str:
    from PySide6.QtWidgets import QFileDialog

    path, _filter = QFileDialog.getOpenFileName(parent, _("Chọn ảnh học sinh"), "", _("Ảnh (*.jpg *.jpeg *.png)"))
    return path


class PupilRecordDialog(PupilFormDialog):
    """Add a pupil to a class (``pupil`` None) or show / edit an existing pupil's record."""

    def __init__(self, db: Database, actor: Actor, *, class_id: uuid.UUID, class_name: str,
                 year_start: dt.date, on: dt.date, pupil: Pupil | None = None, row: PupilRow | None = None,
                 read_only: bool = False, confirm: Confirm = ask, parent: QWidget | None = None,
                 choose_photo: ChoosePhoto = choose_photo_file):
        if pupil is None:
            title = _("Thêm học sinh vào lớp {name}").format(name=class_name)
        else:
            title = _("Hồ sơ học sinh {name} — lớp {cls}").format(name=pupil.full_name, cls=class_name)
        super().__init__(title, parent)
        self.setMinimumWidth(1060)
        self.db, self.actor, self.class_id = db, actor, class_id
        self.pupil, self.read_only, self.confirm = pupil, read_only, confirm
        self._year_start, self._on = year_start, on
        self.choose_photo = choose_photo
        self.photo: bytes | None = pupil.photo if pupil is not None else None
        self.photo_changed = False
        self.lines: dict[str, QLineEdit] = {}
        columns = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)
        self.body.addLayout(columns)
        left.addWidget(self._person_group())
        left.addWidget(self._enrolment_group(row))
        left.addWidget(self._photo_group())
        left.addStretch(1)
        right.addWidget(self._address_group())
        right.addWidget(self._family_group())
        right.addWidget(self._notes_group(), 1)
        self._fill()
        if read_only:
            self._make_read_only()
        self.lines["family_name"].setFocus()

    # --- building ----------------------------------------------------------------------

    def _line(self, key: str, form: QFormLayout | None = None) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setMaxLength(_MAX_LENGTH[key])
        self.lines[key] = edit
        self.fields[key] = edit
        if form is not None:
            form.addRow(_LINES[key], edit)
        return edit

    def _person_group(self) -> QGroupBox:
        group = QGroupBox(_("Học sinh"), self)
        form = QFormLayout(group)
        for key in ("family_name", "middle_name", "given_name"):
            self._line(key, form)
        self.birth_edit = date_edit(self)
        self.fields["date_of_birth"] = self.birth_edit
        form.addRow(_("Ngày sinh:"), self.birth_edit)
        self.gender_combo = QComboBox(self)
        self.gender_combo.addItems(list(pupils.GENDERS))
        self.gender_combo.setPlaceholderText(_("— chọn —"))
        self.gender_combo.setCurrentIndex(-1)
        self.fields["gender"] = self.gender_combo
        form.addRow(_("Giới tính:"), self.gender_combo)
        self.ethnicity_combo = QComboBox(self)
        self.ethnicity_combo.setEditable(True)
        self.ethnicity_combo.addItems(list(pupils.ETHNIC_GROUPS))
        self.ethnicity_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.ethnicity_combo.setMaxVisibleItems(15)
        self.fields["ethnicity"] = self.ethnicity_combo
        form.addRow(_("Dân tộc:"), self.ethnicity_combo)
        for key in ("birthplace", "personal_id", "moet_code", "school_code"):
            self._line(key, form)
        return group

    def _enrolment_group(self, row: PupilRow | None) -> QGroupBox:
        group = QGroupBox(_("Vào lớp"), self)
        form = QFormLayout(group)
        self.reason_combo = QComboBox(self)
        self.came_from_edit = QLineEdit(self)
        self.came_from_edit.setMaxLength(200)
        self.came_from_edit.setPlaceholderText(_("tên trường, xã/phường, tỉnh/thành phố"))
        self.start_edit = date_edit(self)
        self.fields.update(start_reason=self.reason_combo, came_from=self.came_from_edit, date=self.start_edit)
        if self.pupil is None:
            for key in NEW_START_REASONS:
                self.reason_combo.addItem(pupils.START_REASONS[key], key)
            self.start_edit.setText(format_date(self._year_start))
            self.reason_combo.currentIndexChanged.connect(self._reason_changed)
            form.addRow(_("Hình thức vào lớp:"), self.reason_combo)
            form.addRow(_("Chuyển đến từ:"), self.came_from_edit)
            form.addRow(_("Ngày vào lớp:"), self.start_edit)
            self._reason_changed()
        else:  # how the pupil joined is history: shown, changed only by the class moves
            self.reason_combo.hide()
            self.came_from_edit.hide()
            self.start_edit.hide()
            how = pupils.START_REASONS.get(row.start_reason, row.start_reason) if row else ""
            form.addRow(_("Hình thức vào lớp:"), QLabel(how, self))
            form.addRow(_("Ngày vào lớp:"), QLabel(format_date(row.start_date) if row else "", self))
        return group

    def _photo_group(self) -> QGroupBox:
        group = QGroupBox(_("Ảnh (không bắt buộc)"), self)
        layout = QHBoxLayout(group)
        self.photo_label = QLabel(self)
        self.photo_label.setFixedSize(*PHOTO_SIZE)
        self.photo_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo_label.setFrameShape(QLabel.Shape.StyledPanel)
        layout.addWidget(self.photo_label)
        buttons = QVBoxLayout()
        self.photo_button = QPushButton(_("Chọn ảnh…"), self)
        self.photo_button.setAutoDefault(False)
        self.photo_button.clicked.connect(self.pick_photo)
        self.remove_photo_button = QPushButton(_("Bỏ ảnh"), self)
        self.remove_photo_button.setAutoDefault(False)
        self.remove_photo_button.clicked.connect(lambda: self.set_photo(None))
        self.photo_hint = QLabel(_("JPEG hoặc PNG, tối đa 1 MB."), self)
        self.photo_hint.setWordWrap(True)
        for widget in (self.photo_button, self.remove_photo_button, self.photo_hint):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        layout.addLayout(buttons, 1)
        self._show_photo()
        return group

    def pick_photo(self) -> bool:
        """Ask for an image file and show it; the photo is saved with the record (the service checks it)."""
        path = self.choose_photo(self)
        if not path:
            return False
        try:
            data = Path(path).read_bytes()
            pupils.check_photo(data)
        except OSError as error:
            self.show_error(_("Không đọc được tệp ảnh ({error}).").format(error=error))
            return False
        except ValidationError as error:
            self.show_error(str(error))
            return False
        self.set_photo(data)
        return True

    def set_photo(self, data: bytes | None) -> None:
        self.photo, self.photo_changed = data, True
        self._show_photo()

    def _show_photo(self) -> None:
        pixmap = QPixmap()
        if self.photo and pixmap.loadFromData(self.photo):
            self.photo_label.setPixmap(pixmap.scaled(*PHOTO_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                                     Qt.TransformationMode.SmoothTransformation))
        else:
            self.photo_label.setPixmap(QPixmap())
            self.photo_label.setText(_("Chưa có ảnh") if not self.photo else _("Ảnh hỏng"))
        self.remove_photo_button.setEnabled(bool(self.photo) and not self.read_only)

    def _address_group(self) -> QGroupBox:
        group = QGroupBox(_("Nơi ở"), self)
        form = QFormLayout(group)
        for key in ("permanent_address", "current_address"):
            self._line(key, form)
        return group

    def _family_group(self) -> QGroupBox:
        group = QGroupBox(_("Gia đình"), self)
        outer = QVBoxLayout(group)
        grid = QGridLayout()
        grid.setColumnStretch(1, 5)
        grid.setColumnStretch(2, 3)
        grid.setColumnStretch(3, 2)
        for column, title in enumerate((_("Họ và tên"), _("Nghề nghiệp"), _("Điện thoại")), start=1):
            grid.addWidget(QLabel(title, self), 0, column)
        phone_width = self.fontMetrics().horizontalAdvance("0000 000 0000") + 16
        for line, (who, label) in enumerate((("father", _("Cha:")), ("mother", _("Mẹ:"))), start=1):
            grid.addWidget(QLabel(label, self), line, 0)
            for column, part in enumerate(("name", "job", "phone"), start=1):
                key = f"{who}_{part}"
                edit = self._line(key)
                edit.setToolTip(_LINES[key])
                if part == "phone":
                    edit.setMinimumWidth(phone_width)
                grid.addWidget(edit, line, column)
        outer.addLayout(grid)
        form = QFormLayout()
        outer.addLayout(form)
        self._line("contact_phone", form)
        self.policy_check = QCheckBox(_("Con gia đình chính sách"), self)
        self.fields["policy_family"] = self.policy_check
        form.addRow("", self.policy_check)
        policy_kind = self._line("policy_kind", form)
        policy_kind.setPlaceholderText(_("ví dụ: con thương binh, hộ nghèo"))
        self.policy_check.toggled.connect(policy_kind.setEnabled)
        return group

    def _notes_group(self) -> QGroupBox:
        group = QGroupBox(_("Ghi chú"), self)
        layout = QVBoxLayout(group)
        self.notes_edit = QPlainTextEdit(self)
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setMinimumHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        self.fields["notes"] = self.notes_edit
        layout.addWidget(self.notes_edit)
        return group

    def _fill(self) -> None:
        pupil = self.pupil
        if pupil is None:
            self.ethnicity_combo.setCurrentText("Kinh")
            self.policy_check.setChecked(False)
            self.lines["policy_kind"].setEnabled(False)
            return
        for key, edit in self.lines.items():
            edit.setText(getattr(pupil, key) or "")
            edit.setCursorPosition(0)
        self.birth_edit.setText(format_date(pupil.date_of_birth))
        self.gender_combo.setCurrentIndex(self.gender_combo.findText(pupil.gender))
        self.ethnicity_combo.setCurrentText(pupil.ethnicity or "")
        self.policy_check.setChecked(bool(pupil.policy_family))
        self.lines["policy_kind"].setEnabled(bool(pupil.policy_family))
        self.notes_edit.setPlainText(pupil.notes or "")
        if pupil.moet_code:
            moet = self.lines["moet_code"]
            _lock(moet)
            moet.setToolTip(_("Mã do hệ thống CSDL ngành cấp; đã có thì không sửa được."))

    def _make_read_only(self) -> None:
        for edit in (*self.lines.values(), self.birth_edit, self.notes_edit):
            _lock(edit)
        for widget in (self.gender_combo, self.ethnicity_combo, self.policy_check, self.photo_button,
                       self.remove_photo_button):
            widget.setEnabled(False)
        self.ok_button.hide()
        self.cancel_button.setText(_("Đóng"))
        self.cancel_button.setDefault(True)

    def _reason_changed(self) -> None:
        transfer = self.reason_combo.currentData() == "chuyen_den"
        self.came_from_edit.setEnabled(transfer)
        year_start = format_date(self._year_start)
        if transfer and self.start_edit.text() == year_start:
            self.start_edit.setText(format_date(max(self._on, self._year_start)))
        elif not transfer:
            self.start_edit.setText(year_start)

    # --- saving ------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """The record's fields as the services name them (the date parsed, or a ``ValidationError``)."""
        values: dict[str, Any] = {key: edit.text() for key, edit in self.lines.items()}
        values["date_of_birth"] = date_from_text(self.birth_edit.text(), "date_of_birth", _("ngày sinh"))
        values["gender"] = self.gender_combo.currentText()
        values["ethnicity"] = self.ethnicity_combo.currentText()
        values["policy_family"] = self.policy_check.isChecked()
        if not values["policy_family"]:
            values["policy_kind"] = ""
        values["notes"] = self.notes_edit.toPlainText().strip()
        if self.photo_changed:
            values["photo"] = self.photo
        return values

    def submit(self) -> uuid.UUID | None:
        if self.read_only:
            return None
        values = self.values()
        if self.pupil is None:
            return self._add(values)
        changed = {key: value for key, value in values.items() if value != _current(self.pupil, key)}
        if changed:
            pupils.update_pupil(self.db, self.actor, self.pupil.id, **changed)
        return self.pupil.id

    def _add(self, values: dict[str, Any]) -> uuid.UUID:
        reason = self.reason_combo.currentData()
        start = date_from_text(self.start_edit.text(), "date", _("ngày vào lớp"))
        came_from = self.came_from_edit.text() if reason == "chuyen_den" else ""
        call = dict(start_date=start, start_reason=reason, came_from=came_from)
        try:
            return pupils.add_pupil(self.db, self.actor, self.class_id, values, **call)
        except ValidationError as error:
            if error.field != "duplicate":
                raise
            if not self.confirm(self, f"{error}\n\n{_('Vẫn thêm?')}"):
                raise
        return pupils.add_pupil(self.db, self.actor, self.class_id, values, allow_same_name=True, **call)


def _lock(edit: QLineEdit | QPlainTextEdit) -> None:
    """Read-only, and looking it: the window's colour instead of the white of a field to fill in."""
    edit.setReadOnly(True)
    palette = edit.palette()
    palette.setColor(QPalette.ColorRole.Base, palette.color(QPalette.ColorRole.Window))
    edit.setPalette(palette)


def _current(pupil: Pupil, key: str) -> Any:
    value = getattr(pupil, key)
    if key == "policy_family":
        return bool(value)
    return "" if value is None else value
