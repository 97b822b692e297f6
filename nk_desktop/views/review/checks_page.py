"""Kiểm tra sổ điểm (Điều 4.1): each class's monthly check by the vice-principal, and the remark dialog.

The month picker lists the year's months begun by today; the grid shows every class, checked
(green, with the date, who and the remark) or not yet (yellow).  "Ghi nhận xét…" (or Enter /
double-click on a row) opens the dialog: the month's facts of the class on the left (read-only:
class size, arrivals and leavers, who entered marks, corrections), the remark on the right.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
    QVBoxLayout, QWidget,
)

from nk_desktop.actor import Actor
from nk_desktop.clock import today
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import gradebook_checks as checks
from nk_desktop.services.gradebook_checks import BoardRow
from nk_desktop.text import fold
from nk_desktop.views.admin.grid import Column, Row, date_key, make_table, selected_row, text_key
from nk_desktop.views.review.common import StatusTableModel, date_edit, edit_date, notice_label

COLUMNS = (Column(_("Lớp")), Column(_("Giáo viên chủ nhiệm")), Column(_("Kiểm tra")),
           Column(_("Người kiểm tra")), Column(_("Nhận xét"), tooltip=True))
NOT_CHECKED = _("Chưa kiểm tra")


def board_row(row: BoardRow) -> Row:
    check = row.check
    status = _("Đã kiểm tra ngày {d:%d/%m/%Y}").format(d=check.checked_on) if check else NOT_CHECKED
    cells = (row.class_name, row.homeroom_name, status, check.checker_name if check else "",
             check.remark.replace("\n", " ") if check else "")
    keys = ((row.grade, row.class_name), text_key(row.homeroom_name), date_key(check.checked_on if check else None),
            text_key(cells[3]), text_key(cells[4]))
    return Row(cells, keys, payload=row, search=fold(" ".join(cells)),
               tooltips=("", "", "", "", check.remark if check else ""))


class CheckDialog(QDialog):
    """The month's facts of a class beside the remark box; Lưu records the check through the service."""

    def __init__(self, db: Database, actor: Actor, row: BoardRow, month: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor, self.row, self.month = db, actor, row, month
        self.setWindowTitle(_("Nhận xét sổ điểm lớp {c} — tháng {m}").format(
            c=row.class_name, m=checks.month_name(month)))
        layout = QVBoxLayout(self)
        body = QHBoxLayout()
        left = QVBoxLayout()
        facts_label = QLabel(_("Những điều cần &chú ý trong tháng (Điều 4.1):"), self)
        self.facts = QPlainTextEdit(self)
        self.facts.setReadOnly(True)
        self.facts.setTabChangesFocus(True)
        facts_label.setBuddy(self.facts)
        try:
            self.facts.setPlainText("\n".join(checks.month_facts(db, actor, row.class_id, month).lines()))
        except NKError as error:
            self.facts.setPlainText(str(error))
        left.addWidget(facts_label)
        left.addWidget(self.facts, 1)
        right = QVBoxLayout()
        form = QFormLayout()
        self.date_edit = date_edit(self, row.check.checked_on if row.check else today())
        form.addRow(_("&Ngày kiểm tra:"), self.date_edit)
        right.addLayout(form)
        remark_label = QLabel(_("Nhận &xét ghi vào cuối sổ:"), self)
        self.remark = QPlainTextEdit(self)
        self.remark.setTabChangesFocus(True)
        self.remark.setPlaceholderText(_("Ví dụ: Sổ ghi đủ, sạch; sĩ số giảm 1 (chuyển trường); môn … vào điểm chậm."))
        if row.check:
            self.remark.setPlainText(row.check.remark)
        remark_label.setBuddy(self.remark)
        right.addWidget(remark_label)
        right.addWidget(self.remark, 1)
        if row.check:
            right.addWidget(QLabel(_("Đã có nhận xét tháng này: lưu sẽ sửa nhận xét đó (nhật ký giữ bản cũ)."), self))
        body.addLayout(left, 1)
        body.addLayout(right, 1)
        layout.addLayout(body, 1)
        self.notice = notice_label(self)
        layout.addWidget(self.notice)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                   self)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(_("&Lưu"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Hủy"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.saved_id: uuid.UUID | None = None
        self.resize(860, 420)
        self.remark.setFocus()

    def save(self) -> None:
        try:
            self.saved_id = checks.record_check(self.db, self.actor, self.row.class_id, self.month,
                                                self.remark.toPlainText(), on=edit_date(self.date_edit))
        except NKError as error:
            self.notice.setText(str(error))
            self.notice.show()
            return
        self.accept()


class ChecksPage(QWidget):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.year_id: uuid.UUID | None = None
        self.dialog: CheckDialog | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.month_combo = QComboBox(self)
        self.month_combo.setMinimumContentsLength(8)
        label = QLabel(_("&Tháng:"), self)
        label.setBuddy(self.month_combo)
        top.addWidget(label)
        top.addWidget(self.month_combo)
        top.addSpacing(12)
        self.summary = QLabel(self)
        top.addWidget(self.summary, 1)
        self.write_button = QPushButton(_("&Ghi nhận xét…"), self)
        self.write_button.setAutoDefault(False)
        top.addWidget(self.write_button)
        layout.addLayout(top)
        self.notice = notice_label(self)
        layout.addWidget(self.notice)
        self.model = StatusTableModel(COLUMNS, lambda row: "done" if row.check else "missing", self)
        self.table = make_table(self.model, self, stretch=4)
        layout.addWidget(self.table, 1)
        hint = QLabel(_("Quy chế Điều 4.1: Phó hiệu trưởng hằng tháng kiểm tra, quản lý sổ điểm và ghi nhận xét "
                        "vào cuối sổ (in ở trang cuối Sổ gọi tên và ghi điểm)."), self)
        hint.setWordWrap(True)
        layout.addWidget(hint)
        metrics = self.fontMetrics()
        header = self.table.horizontalHeader()
        for column, sample in ((0, "Lớp 00"), (1, "Nguyễn Thị Thanh Hương"), (2, "Đã kiểm tra ngày 00/00/0000"),
                               (3, "Nguyễn Thị Thanh Hương")):
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 18)

        self.month_combo.currentIndexChanged.connect(self.reload)
        self.write_button.clicked.connect(self.open_dialog)
        self.table.doubleClicked.connect(self.open_dialog)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut = QShortcut(QKeySequence(key), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.open_dialog)

    @property
    def month(self) -> str | None:
        return self.month_combo.currentData()

    def set_year(self, year_id: uuid.UUID, _milestone: str | None = None) -> None:
        self.year_id = year_id
        self.month_combo.blockSignals(True)
        self.month_combo.clear()
        try:
            months = checks.check_months(self.db, self.actor, year_id)
        except NKError as error:
            self._warn(str(error))
            months = []
        for month in months:
            self.month_combo.addItem(_("Tháng {m}").format(m=checks.month_name(month)), month)
        self.month_combo.setCurrentIndex(self.month_combo.count() - 1)
        self.month_combo.blockSignals(False)
        self.reload()

    def reload(self) -> None:
        if self.year_id is None or self.month is None:
            self.model.set_rows([])
            self.summary.setText(_("Năm học chưa bắt đầu: chưa có tháng nào để kiểm tra."))
            return
        try:
            board = checks.month_board(self.db, self.actor, self.year_id, self.month)
        except NKError as error:
            self._warn(str(error))
            board = []
        else:
            self.notice.hide()
        self.model.set_rows([board_row(r) for r in board])
        done = sum(1 for r in board if r.check)
        self.summary.setText(_("Đã kiểm tra {d}/{n} lớp; chưa kiểm tra: {rest}").format(
            d=done, n=len(board), rest=", ".join(r.class_name for r in board if not r.check) or _("không còn lớp nào")))
        if board and selected_row(self.table) < 0:
            self.table.selectRow(0)

    def open_dialog(self, *_args) -> CheckDialog | None:
        row = self.model.payload(selected_row(self.table))
        if row is None or self.month is None:
            self._warn(_("Hãy chọn một lớp trong bảng."))
            return None
        self.dialog = CheckDialog(self.db, self.actor, row, self.month, self)
        self.dialog.accepted.connect(self._saved)
        self.dialog.open()
        return self.dialog

    def _saved(self) -> None:
        picked = selected_row(self.table)
        self.reload()
        if picked >= 0:
            self.table.selectRow(picked)

    def _warn(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()
