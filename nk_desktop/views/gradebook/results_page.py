"""Kết quả cuối năm: each pupil's overall result with its reason (Điều 9), the proposed award and
completion; the homeroom teacher records them, the principal approves (Điều 3.4)."""

from __future__ import annotations

import uuid
from collections import Counter
from html import escape

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services import results
from nk_desktop.services.gradebook import ClassChoice
from nk_desktop.services.permissions import Action, may
from nk_desktop.views.admin.grid import Column, Row, RowTableModel, make_table
from nk_desktop.views.gradebook.prompts import Prompts

COLUMNS = (Column(_("STT"), align_right=True), Column(_("Họ và tên")), Column(_("Kết quả")),
           Column(_("Căn cứ")), Column(_("Khen thưởng đề xuất")), Column(_("Hoàn thành chương trình")))
_WIDTHS = (48, 220, 170, None, 200, 190)  # None: the reason takes the rest
ERROR_STYLE = "color: #b00020;"


def completion_text(completes: bool | None) -> str:
    return "" if completes is None else (_("Hoàn thành") if completes else _("Chưa hoàn thành"))


def summary_text(evaluations: list[results.Evaluation]) -> str:
    """"35 học sinh: Hoàn thành xuất sắc 6, … · Còn thiếu dữ liệu: 3"."""
    counts = Counter(e.overall for e in evaluations if e.overall)
    parts = [f"{rules.OVERALL[code]} {counts[code]}" for code in rules.OVERALL if counts[code]]
    text = _("{n} học sinh").format(n=len(evaluations))
    if parts:
        text += ": " + ", ".join(parts)
    missing = sum(1 for e in evaluations if e.overall is None)
    if missing:
        text += " · " + _("Còn thiếu dữ liệu: {n}").format(n=missing)
    return text


class ResultsPage(QWidget):
    def __init__(self, db: Database, actor: Actor, prompts: Prompts, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor, self.prompts = db, actor, prompts
        self.choice: ClassChoice | None = None
        self.evaluations: list[results.Evaluation] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        self.model = RowTableModel(COLUMNS, self)
        self.table = make_table(self.model, self, stretch=3, sortable=False)
        header = self.table.horizontalHeader()
        for column, width in enumerate(_WIDTHS):
            if width is not None:
                header.resizeSection(column, width)
        layout.addWidget(self.table, 1)
        self.summary_label = QLabel(self)
        self.notice_label = QLabel(self)
        self.notice_label.setWordWrap(True)
        self.notice_label.setStyleSheet(ERROR_STYLE)
        self.notice_label.hide()
        layout.addWidget(self.summary_label)
        layout.addWidget(self.notice_label)
        buttons = QHBoxLayout()
        self.record_button = QPushButton(_("Ghi kết quả"), self)
        self.record_button.setToolTip(_("Giáo viên chủ nhiệm ghi kết quả đã tính vào sổ (khi đã nhập đủ)."))
        self.approve_button = QPushButton(_("Phê duyệt"), self)
        self.approve_button.setToolTip(_("Hiệu trưởng phê duyệt kết quả của lớp; sau đó sổ cuối năm bị khóa."))
        self.approve_button.setVisible(may(actor, Action.RESULTS_APPROVE))
        for button in (self.record_button, self.approve_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.record_button.clicked.connect(self.record)
        self.approve_button.clicked.connect(self.approve)

    def load(self, choice: ClassChoice | None) -> None:
        """One ``evaluate_class`` call for the chosen class."""
        self.choice = choice
        self.evaluations = []
        self._notice("")
        if choice is not None and choice.results:
            try:
                self.evaluations = results.evaluate_class(self.db, self.actor, choice.id)
            except NKError as error:
                self._notice(str(error))
        self.model.set_rows([self._row(e) for e in self.evaluations])
        self.summary_label.setText(summary_text(self.evaluations) if self.evaluations else "")
        self.record_button.setEnabled(bool(choice and choice.may_record_results and self.evaluations))
        self.approve_button.setEnabled(bool(choice and self.evaluations))

    @staticmethod
    def _row(e: results.Evaluation) -> Row:
        award = rules.AWARDS.get(e.award, "")
        cells = (str(e.number), e.full_name, e.overall_label or _("Chưa đủ dữ liệu"), e.reason, award,
                 completion_text(e.completes))
        tips = ("", "", "", f"<p>{escape(e.reason)}</p>" if e.reason else "", award, "")
        return Row(cells, (e.number,) * len(cells), payload=e.pupil_id, tooltips=tips, dim=e.overall is None)

    def _notice(self, text: str) -> None:
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))

    def record(self) -> bool:
        if self.choice is None:
            return False
        if not self.prompts.confirm(self, _("Ghi kết quả cuối năm của lớp {c} vào sổ?").format(c=self.choice.name)):
            return False
        try:
            written = results.record_results(self.db, self.actor, self.choice.id)
        except NKError as error:
            self.prompts.error(self, error)
            return False
        self.load(self.choice)
        self.prompts.inform(self, _("Đã ghi kết quả của {n} học sinh lớp {c}.").format(n=written, c=self.choice.name))
        return True

    def approve(self) -> bool:
        if self.choice is None:
            return False
        if not self.prompts.confirm(self, _("Phê duyệt kết quả cuối năm của lớp {c}? Sau khi duyệt, sổ cuối năm "
                                            "của lớp bị khóa.").format(c=self.choice.name)):
            return False
        try:
            results.approve_results(self.db, self.actor, self.choice.id)
        except NKError as error:
            self.prompts.error(self, error)
            return False
        self.load(self.choice)
        self.prompts.inform(self, _("Đã phê duyệt kết quả của lớp {c}.").format(c=self.choice.name))
        return True

    def pupil_ids(self) -> list[uuid.UUID]:
        return [e.pupil_id for e in self.evaluations]
