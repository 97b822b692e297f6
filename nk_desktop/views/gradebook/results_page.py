"""Kết quả cuối năm: each pupil's overall result with its reason (Điều 9), the proposed award and
completion; the homeroom teacher records them, the principal approves (Điều 3.4).

Under the table, for the selected pupil: what the class recognised (Điều 13: with Hoàn thành
tốt, the award Học sinh Tiêu biểu), the summer re-assessment of a pupil who did not complete
the programme and its outcome (Điều 11.1.d, before 31 August), and the principal's decision
(lên lớp / ở lại lớp).  Each is one service call; the services check the rights and rules.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from html import escape
from typing import Callable

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox, QDateEdit, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget,
)

from nk_desktop import clock
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
from nk_desktop.views.common.widgets import ERROR_STYLE

COLUMNS = (Column(_("STT"), align_right=True), Column(_("Họ và tên")), Column(_("Kết quả")),
           Column(_("Căn cứ")), Column(_("Khen thưởng đề xuất")), Column(_("Hoàn thành chương trình")),
           Column(_("Đánh giá bổ sung")), Column(_("Quyết định của Hiệu trưởng")))
_WIDTHS = (40, 170, 165, None, 150, 185, 165, 200)  # None: the reason takes the rest (and its tooltip)


def completion_text(completes: bool | None) -> str:
    return "" if completes is None else (_("Hoàn thành") if completes else _("Chưa hoàn thành"))


def reassessment_text(e: results.Evaluation) -> str:
    """"Hoàn thành (20/08/2027)"; empty when there was none."""
    if not e.reassessment:
        return ""
    text = results.REASSESSMENT_OUTCOMES.get(e.reassessment, rules.OVERALL.get(e.reassessment, e.reassessment))
    return f"{text} ({clock.format_date(e.reassessed_on)})" if e.reassessed_on else text


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
    def __init__(self, db: Database, actor: Actor, prompts: Prompts, parent: QWidget | None = None, *,
                 today: Callable[[], dt.date] = clock.today):
        super().__init__(parent)
        self.db, self.actor, self.prompts, self.today = db, actor, prompts, today
        self.choice: ClassChoice | None = None
        self.evaluations: list[results.Evaluation] = []
        self._summer: tuple | None = None  # ((class, today), reassessment_days) read last
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
        layout.addWidget(self._build_pupil_box())
        self.record_button.clicked.connect(self.record)
        self.approve_button.clicked.connect(self.approve)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._pupil_changed())
        self._pupil_changed()

    def _build_pupil_box(self) -> QGroupBox:
        box = self.pupil_box = QGroupBox(_("Học sinh đang chọn"), self)
        grid = QGridLayout(box)
        self.recognition_edit = QLineEdit(box)
        self.recognition_edit.setPlaceholderText(_("Ví dụ: tiêu biểu môn Toán; tích cực giúp đỡ bạn"))
        self.recognition_button = QPushButton(_("Ghi công nhận"), box)
        self.recognition_button.setToolTip(_("Tập thể lớp công nhận (Điều 13): học sinh Hoàn thành tốt được công "
                                             "nhận thì được đề nghị khen Học sinh Tiêu biểu."))
        self.outcome_combo = QComboBox(box)
        for code, name in results.REASSESSMENT_OUTCOMES.items():
            self.outcome_combo.addItem(name, code)
        self.reassessed_edit = QDateEdit(box)
        self.reassessed_edit.setDisplayFormat("dd/MM/yyyy")
        self.reassessed_edit.setCalendarPopup(True)
        self.reassessment_button = QPushButton(_("Ghi đánh giá bổ sung"), box)
        self.reassessment_button.setToolTip(_("Đánh giá bổ sung trong hè cho học sinh chưa hoàn thành chương trình "
                                              "lớp học, xong trước ngày 31/8 (Điều 11.1.d)."))
        self.decision_combo = QComboBox(box)
        for code, name in results.DECISIONS.items():
            self.decision_combo.addItem(name, code)
        self.decision_button = QPushButton(_("Ghi quyết định"), box)
        self.decision_button.setToolTip(_("Quyết định của Hiệu trưởng: lên lớp (hoặc hoàn thành chương trình tiểu "
                                          "học) hay ở lại lớp; số buổi nghỉ không làm học sinh phải ở lại."))
        principal = may(self.actor, Action.RESULTS_APPROVE)
        for widget in (self.decision_combo, self.decision_button):
            widget.setVisible(principal)
        rows = ((_("Tập thể lớp công nhận:"), (self.recognition_edit,), self.recognition_button),
                (_("Đánh giá bổ sung:"), (self.outcome_combo, self.reassessed_edit), self.reassessment_button),
                (_("Quyết định:"), (self.decision_combo,), self.decision_button))
        for number, (title, widgets, button) in enumerate(rows):
            label = QLabel(title, box)
            label.setBuddy(widgets[0])
            if number == 2:
                label.setVisible(principal)
            grid.addWidget(label, number, 0)
            line = QHBoxLayout()
            for widget in widgets:
                line.addWidget(widget, 1 if isinstance(widget, QLineEdit) else 0)
            if not isinstance(widgets[0], QLineEdit):
                line.addStretch(1)
            grid.addLayout(line, number, 1)
            button.setAutoDefault(False)
            grid.addWidget(button, number, 2)
        grid.setColumnStretch(1, 1)
        self.recognition_button.clicked.connect(self.save_recognition)
        self.reassessment_button.clicked.connect(self.save_reassessment)
        self.decision_button.clicked.connect(self.save_decision)
        return box

    # --- the selected pupil ------------------------------------------------------------------

    def selected(self) -> results.Evaluation | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        pupil_id = self.model.payload(index.row())
        return next((e for e in self.evaluations if e.pupil_id == pupil_id), None)

    def select_pupil(self, pupil_id: uuid.UUID) -> None:
        row = next((r for r in range(self.model.rowCount()) if self.model.payload(r) == pupil_id), -1)
        if row >= 0:
            self.table.selectRow(row)
            self.table.setCurrentIndex(self.model.index(row, 1))

    def _pupil_changed(self) -> None:
        e = self.selected()
        self.pupil_box.setTitle(_("Học sinh đang chọn: {name}").format(name=e.full_name) if e
                                else _("Chọn một học sinh trong bảng"))
        may_record = bool(self.choice and self.choice.may_record_results)
        self.recognition_edit.setText(e.recognition if e else "")
        editable = bool(e and e.recorded and not e.approved and may_record)
        self.recognition_edit.setEnabled(editable)
        self.recognition_button.setEnabled(editable)
        needs = bool(e and e.recorded and e.overall == "CHT" and may_record)
        for widget in (self.outcome_combo, self.reassessed_edit, self.reassessment_button):
            widget.setEnabled(needs)
        if e and e.reassessment:
            self.outcome_combo.setCurrentIndex(max(self.outcome_combo.findData(e.reassessment), 0))
        day = e.reassessed_on if e and e.reassessed_on else (self._summer_day() if needs else self.today())
        self.reassessed_edit.setDate(QDate(day.year, day.month, day.day))
        self.decision_combo.setEnabled(bool(e and e.recorded))
        self.decision_button.setEnabled(bool(e and e.recorded))
        if e is not None:
            wanted = e.decision or (("hoan_thanh_tieu_hoc" if self.choice and self.choice.grade == 5 else "len_lop")
                                    if e.completes else "o_lai")
            self.decision_combo.setCurrentIndex(max(self.decision_combo.findData(wanted), 0))

    def _summer_day(self) -> dt.date:
        """The day the re-assessment box offers: today within the summer (after the school year, by 31 August),
        else the nearest end of it.  Read once per class."""
        if self.choice is None:
            return self.today()
        if self._summer is None or self._summer[0] != (self.choice.id, self.today()):
            try:
                days = results.reassessment_days(self.db, self.actor, self.choice.id, on=self.today())
            except NKError:
                return self.today()
            self._summer = ((self.choice.id, self.today()), days)
        return self._summer[1][2]

    def _after(self, pupil_id: uuid.UUID, message: str) -> None:
        self.load(self.choice)
        self.select_pupil(pupil_id)
        self.prompts.inform(self, message)

    def save_recognition(self) -> bool:
        e = self.selected()
        if e is None or self.choice is None:
            return False
        try:
            award = results.set_recognition(self.db, self.actor, self.choice.id, e.pupil_id,
                                            self.recognition_edit.text())
        except NKError as error:
            self.prompts.error(self, error)
            return False
        what = rules.AWARDS.get(award)
        self._after(e.pupil_id, _("Đã ghi: {name} — đề nghị khen {award}.").format(name=e.full_name, award=what)
                    if what else _("Đã ghi nội dung công nhận của {name}.").format(name=e.full_name))
        return True

    def save_reassessment(self) -> bool:
        e = self.selected()
        if e is None or self.choice is None:
            return False
        day = self.reassessed_edit.date().toPython()
        outcome = self.outcome_combo.currentData()
        try:
            results.record_reassessment(self.db, self.actor, self.choice.id, e.pupil_id, outcome, day)
        except NKError as error:
            self.prompts.error(self, error)
            return False
        self._after(e.pupil_id, _("Đã ghi đánh giá bổ sung của {name}: {outcome} ({day}).").format(
            name=e.full_name, outcome=results.REASSESSMENT_OUTCOMES[outcome], day=clock.format_date(day)))
        return True

    def save_decision(self) -> bool:
        e = self.selected()
        if e is None or self.choice is None:
            return False
        decision = self.decision_combo.currentData()
        if not self.prompts.confirm(self, _("Ghi quyết định “{d}” cho học sinh {name}?").format(
                d=results.DECISIONS[decision], name=e.full_name)):
            return False
        try:
            results.decide_promotion(self.db, self.actor, self.choice.id, e.pupil_id, decision)
        except NKError as error:
            self.prompts.error(self, error)
            return False
        self._after(e.pupil_id, _("Đã ghi quyết định của Hiệu trưởng: {name} — {d}.").format(
            name=e.full_name, d=results.DECISIONS[decision]))
        return True

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
        self._pupil_changed()

    @staticmethod
    def _row(e: results.Evaluation) -> Row:
        award = rules.AWARDS.get(e.award, "")
        cells = (str(e.number), e.full_name, e.overall_label or _("Chưa đủ dữ liệu"), e.reason, award,
                 completion_text(e.completes), reassessment_text(e), results.DECISIONS.get(e.decision, ""))
        award_tip = award + (f" — {_('tập thể lớp công nhận')}: {e.recognition}" if e.recognition else "")
        tips = ("", "", "", f"<p>{escape(e.reason)}</p>" if e.reason else "", award_tip, "", "", "")
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
