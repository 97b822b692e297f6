"""The correction request (Điều 11.2): a cell that can no longer be changed directly, its new value,
the reason and the two pieces of evidence; filed with ``corrections.request_correction``."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton,
    QVBoxLayout, QWidget,
)

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services import corrections
from nk_desktop.views.common.messages import error_text
from nk_desktop.views.gradebook.sheets import Sheet
from nk_desktop.views.common.widgets import ERROR_STYLE



class CorrectionDialog(QDialog):
    """Filled in by the cell's teacher; ``submit`` files it (tests call it instead of clicking)."""

    def __init__(self, db: Database, actor: Actor, sheet: Sheet, row: int, column: int, *, on: dt.date,
                 pick_file: Callable[[QWidget | None, str], str], parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor, self.sheet, self.row, self.column, self.on = db, actor, sheet, row, column, on
        self.pick_file = pick_file
        self.request_id: uuid.UUID | None = None
        self.setWindowTitle(_("Lập biên bản sửa điểm"))
        pupil = sheet.rows[row]
        current = sheet.shown(column, pupil.values[column]) or _("(trống)")
        layout = QVBoxLayout(self)
        intro = QLabel(_("Ô này đã quá hạn nhập hoặc đã khóa: muốn sửa phải có biên bản được Hiệu trưởng duyệt "
                         "(Điều 11.2), kèm minh chứng."), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        form.addRow(_("Học sinh:"), QLabel(f"{pupil.full_name} — {_('lớp')} {sheet.class_name}", self))
        form.addRow(_("Nội dung:"), QLabel(f"{sheet.what(column)} ({rules.MILESTONE_NAMES[sheet.milestone]})", self))
        form.addRow(_("Giá trị hiện tại:"), QLabel(current, self))
        self.new_value = QLineEdit(self)
        form.addRow(_("Giá trị mới:"), self.new_value)
        self.reason = QPlainTextEdit(self)
        self.reason.setPlaceholderText(_("Ví dụ: nhập nhầm điểm của học sinh khác."))
        self.reason.setFixedHeight(self.fontMetrics().height() * 4 + 12)
        form.addRow(_("Lí do sửa:"), self.reason)
        self.evidence: dict[str, QLineEdit] = {}
        for kind, label in corrections.EVIDENCE_KINDS.items():
            path = QLineEdit(self)
            path.setReadOnly(True)
            path.setPlaceholderText(_("Chưa chọn tệp"))
            choose = QPushButton(_("Chọn tệp…"), self)
            choose.setAutoDefault(False)
            choose.clicked.connect(lambda _checked=False, k=kind, t=label: self.choose(k, t))
            line = QHBoxLayout()
            line.addWidget(path, 1)
            line.addWidget(choose)
            form.addRow(label + ":", line)
            self.evidence[kind] = path
        layout.addLayout(form)
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(self)
        self.submit_button = buttons.addButton(_("Gửi đề nghị"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(_("Hủy"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(max(self.sizeHint().width(), 620), self.sizeHint().height())

    def choose(self, kind: str, title: str) -> None:
        path = self.pick_file(self, title)
        if path:
            self.evidence[kind].setText(path)

    def submit(self) -> bool:
        """Read the evidence files and file the request; shows the refusal in the dialog."""
        try:
            evidence = []
            for kind, path_edit in self.evidence.items():
                text = path_edit.text().strip()
                if text:
                    path = Path(text)
                    try:
                        evidence.append((kind, path.name, path.read_bytes()))
                    except OSError as error:
                        raise NKError(_("Không đọc được tệp “{f}”: {e}").format(f=path.name, e=error.strerror))
            spec = self.sheet.columns[self.column]
            self.request_id = corrections.request_correction(
                self.db, self.actor, class_id=self.sheet.class_id, pupil_id=self.sheet.rows[self.row].pupil_id,
                milestone=self.sheet.milestone, field=spec.field, new_value=self.new_value.text(),
                reason=self.reason.toPlainText(), subject_id=self.sheet.subject_id, trait=spec.trait,
                evidence=evidence, on=self.on)
        except Exception as error:  # noqa: BLE001 - every refusal is shown in the dialog
            self.error_label.setText(error_text(error))
            self.error_label.show()
            return False
        self.accept()
        return True
