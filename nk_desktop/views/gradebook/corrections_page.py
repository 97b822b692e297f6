"""Biên bản sửa điểm: the year's correction requests; the principal approves or rejects (with a
remark), the DB admin applies an approved one (Điều 11.2).  A teacher sees their own requests."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services import corrections
from nk_desktop.services.corrections import STATUS_LABELS, RequestRow
from nk_desktop.services.permissions import Action, may
from nk_desktop.views.admin.grid import Column, Row, RowTableModel, make_table, selected_row
from nk_desktop.views.gradebook.prompts import Prompts
from nk_desktop.views.common.widgets import ERROR_STYLE

COLUMNS = (Column(_("Lớp")), Column(_("Học sinh")), Column(_("Nội dung")), Column(_("Giá trị cũ")),
           Column(_("Giá trị mới")), Column(_("Lí do"), tooltip=True), Column(_("Trạng thái")))
_WIDTHS = (60, 200, 280, 120, 120, None, 170)


def value_text(value: str) -> str:
    """A stored value as people read it: level codes by name, empty as "(trống)"."""
    if not value:
        return _("(trống)")
    return rules.SUBJECT_LEVELS.get(value) or rules.TRAIT_LEVELS.get(value) or value


class CorrectionsPage(QWidget):
    def __init__(self, db: Database, actor: Actor, prompts: Prompts, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor, self.prompts = db, actor, prompts
        self.year_id: uuid.UUID | None = None
        self.rows: list[RequestRow] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        self.model = RowTableModel(COLUMNS, self)
        self.table = make_table(self.model, self, stretch=5, sortable=False)
        header = self.table.horizontalHeader()
        for column, width in enumerate(_WIDTHS):
            if width is not None:
                header.resizeSection(column, width)
        layout.addWidget(self.table, 1)
        self.notice_label = QLabel(self)
        self.notice_label.setWordWrap(True)
        self.notice_label.setStyleSheet(ERROR_STYLE)
        self.notice_label.hide()
        layout.addWidget(self.notice_label)
        buttons = QHBoxLayout()
        self.approve_button = QPushButton(_("Duyệt…"), self)
        self.reject_button = QPushButton(_("Không duyệt…"), self)
        self.apply_button = QPushButton(_("Sửa theo biên bản"), self)
        deciding, applying = may(actor, Action.CORRECTION_DECIDE), may(actor, Action.CORRECTION_APPLY)
        self.approve_button.setVisible(deciding)
        self.reject_button.setVisible(deciding)
        self.apply_button.setVisible(applying)
        for button in (self.approve_button, self.reject_button, self.apply_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.approve_button.clicked.connect(lambda: self.decide(True))
        self.reject_button.clicked.connect(lambda: self.decide(False))
        self.apply_button.clicked.connect(self.apply)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.applied = False  # a correction changed a mark: the grid should be read again
        self._update_buttons()

    def load(self, year_id: uuid.UUID | None, select: uuid.UUID | None = None) -> None:
        self.year_id = year_id
        self.rows = []
        self._notice("")
        if year_id is not None:
            try:
                self.rows = corrections.list_requests(self.db, self.actor, year_id)
            except NKError as error:
                self._notice(str(error))
        self.model.set_rows([self._row(r) for r in self.rows])
        if select is not None:
            position = self.model.find(lambda payload: payload.id == select)
            if position >= 0:
                self.table.selectRow(position)
        self._update_buttons()

    @staticmethod
    def _row(r: RequestRow) -> Row:
        status = r.status + (_(" (sau khi sổ hoàn tất)") if r.after_final else "")
        cells = (r.class_name, r.pupil_name, r.what, value_text(r.old_value), value_text(r.new_value), r.reason,
                 status)
        return Row(cells, cells, payload=r, dim=r.status in (STATUS_LABELS["applied"], STATUS_LABELS["rejected"]))

    def selected(self) -> RequestRow | None:
        row = selected_row(self.table)
        return self.model.payload(row) if row >= 0 else None

    def select_request(self, request_id: uuid.UUID) -> bool:
        position = self.model.find(lambda payload: payload.id == request_id)
        if position >= 0:
            self.table.selectRow(position)
        return position >= 0

    def _update_buttons(self) -> None:
        chosen = self.selected()
        waiting = chosen is not None and chosen.status == STATUS_LABELS["requested"]
        self.approve_button.setEnabled(waiting)
        self.reject_button.setEnabled(waiting)
        self.apply_button.setEnabled(chosen is not None and chosen.status == STATUS_LABELS["approved"])

    def _notice(self, text: str) -> None:
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))

    def decide(self, approve: bool) -> bool:
        chosen = self.selected()
        if chosen is None:
            return False
        label = (_("Ý kiến của Hiệu trưởng (không bắt buộc):") if approve
                 else _("Lí do không duyệt (giáo viên sẽ đọc):"))
        remark = self.prompts.ask_text(self, _("Duyệt biên bản sửa điểm") if approve
                                       else _("Không duyệt biên bản sửa điểm"), label)
        if remark is None:
            return False
        try:
            corrections.decide_correction(self.db, self.actor, chosen.id, approve=approve, remark=remark)
        except NKError as error:
            self.prompts.error(self, error)
            return False
        self.load(self.year_id, select=chosen.id)
        return True

    def apply(self) -> list[str] | None:
        chosen = self.selected()
        if chosen is None:
            return None
        question = _("Sửa {what} của {pupil} từ “{old}” thành “{new}” theo biên bản đã duyệt? Sổ sẽ được khóa lại "
                     "ngay sau khi sửa.").format(what=chosen.what, pupil=chosen.pupil_name,
                                                   old=value_text(chosen.old_value), new=value_text(chosen.new_value))
        if not self.prompts.confirm(self, question):
            return None
        try:
            books = corrections.apply_correction(self.db, self.actor, chosen.id)
        except NKError as error:
            self.prompts.error(self, error)
            return None
        self.applied = True
        self.load(self.year_id, select=chosen.id)
        text = _("Đã sửa theo biên bản và khóa lại sổ.")
        if books:
            text += "\n\n" + _("Sổ đã hoàn tất: cần sửa cả các sổ sau (Điều 11.2.b):") + "\n" + "\n".join(
                f"• {book}" for book in books)
        self.prompts.inform(self, text)
        return books
