"""Tiến độ nhập điểm: each class × subject (and the traits) of a milestone against its deadlines, per teacher."""

from __future__ import annotations

import datetime as dt
import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QHBoxLayout, QLabel, QLineEdit, QSplitter, QVBoxLayout, QWidget,
)

from nk_desktop.actor import Actor
from nk_desktop.clock import format_date, today
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import review
from nk_desktop.services.review import CompletionBoard, CompletionRow, TeacherProgress
from nk_desktop.text import fold
from nk_desktop.views.admin.grid import Column, Row, make_table, text_key
from nk_desktop.views.review.common import (
    StatusTableModel, data_index, date_edit, edit_date, grade_combo, milestone_combo, notice_label,
)

BOARD_COLUMNS = (
    Column(_("Lớp")), Column(_("Môn")), Column(_("Giáo viên")), Column(_("Mức"), align_right=True),
    Column(_("Điểm"), align_right=True), Column(_("Hạn nhập")), Column(_("Hạn điểm")), Column(_("Trạng thái")),
)
TEACHER_COLUMNS = (
    Column(_("Giáo viên")), Column(_("Đủ"), align_right=True), Column(_("Còn thiếu"), align_right=True),
    Column(_("Quá hạn"), align_right=True),
)
_STATE_RANK = {"overdue": 0, "missing": 1, "done": 2}


def board_row(row: CompletionRow, on: dt.date) -> Row:
    """A board line; on *on* a test not yet sat shows its day instead of a count of scores."""
    tested = row.scores is not None
    waiting = tested and row.test_day is not None and on < row.test_day
    if not tested:
        scores = "—"
    elif waiting:
        scores = _("KT {d:%d/%m}").format(d=row.test_day)
    else:
        scores = f"{row.scores}/{row.pupils}"
    score_due = format_date(row.score_deadline or row.level_deadline) if tested else "—"
    cells = (row.class_name, row.subject_name, row.teacher_name or _("(chưa phân công)"),
             f"{row.levels}/{row.pupils}", scores, format_date(row.level_deadline), score_due, row.status)
    keys = ((row.grade, len(row.class_name), row.class_name), text_key(row.subject_name), text_key(cells[2]),
            row.levels, row.scores if tested else -1, row.level_deadline.toordinal(),
            (row.score_deadline or row.level_deadline).toordinal() if tested else 0,
            (_STATE_RANK[row.state], -row.missing))
    tooltip = _("Sĩ số {n} (tính ngày tính sĩ số của bảng)").format(n=row.pupils)
    if tested and row.score_deadline is None:
        score_tip = _("Chưa có lịch kiểm tra: tạm lấy hạn nhập mức đánh giá.")
    elif tested:
        score_tip = _("Kiểm tra ngày {t}; nhập điểm trong 10 ngày làm việc, đến hết {d}.").format(
            t=format_date(row.test_day), d=format_date(row.score_deadline))
    else:
        score_tip = ""
    score_cell_tip = _("Bài kiểm tra định kì làm ngày {t}: chưa đến lúc nhập điểm.").format(
        t=format_date(row.test_day)) if waiting else tooltip
    return Row(cells, keys, payload=row, search=fold(" ".join(cells[:3])),
               tooltips=("", "", "", tooltip, score_cell_tip, "", score_tip, ""))


def teacher_row(progress: TeacherProgress) -> Row:
    cells = (progress.teacher_name, f"{progress.done}/{progress.rows}", str(progress.missing_rows),
             str(progress.overdue_rows))
    keys = (text_key(progress.teacher_name), (progress.done, progress.rows), progress.missing_rows,
            progress.overdue_rows)
    tip = _("{name}: {done} trên {rows} ô nhập đã đủ, {open} còn thiếu, {late} quá hạn; {n} lượt học sinh còn "
            "thiếu.").format(name=progress.teacher_name, done=progress.done, rows=progress.rows,
                             open=progress.missing_rows, late=progress.overdue_rows, n=progress.missing)
    return Row(cells, keys, payload=progress, search=fold(progress.teacher_name), tooltips=(tip,) * 4)


class CompletionPage(QWidget):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.year_id: uuid.UUID | None = None
        self.board: CompletionBoard | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.milestone_combo = milestone_combo(self)
        self.date_edit = date_edit(self, today())
        self.grade_combo = grade_combo(self, _("Mọi khối"))
        self.open_only = QCheckBox(_("Chỉ hiện dòng còn thiếu"), self)
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(_("Tìm lớp, môn, giáo viên…"))
        self.search_edit.setClearButtonEnabled(True)
        for text, widget in ((_("Thời điểm:"), self.milestone_combo), (_("Tính đến ngày:"), self.date_edit),
                             (_("Khối:"), self.grade_combo)):
            label = QLabel(text, self)
            label.setBuddy(widget)
            top.addWidget(label)
            top.addWidget(widget)
            top.addSpacing(6)
        top.addWidget(self.open_only)
        top.addStretch(1)
        top.addWidget(self.search_edit)
        layout.addLayout(top)
        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.summary_label)
        self.notice = notice_label(self)
        layout.addWidget(self.notice)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.model = StatusTableModel(BOARD_COLUMNS, lambda r: r.state if r else None, self)
        self.table = make_table(self.model, splitter, stretch=1)
        self.table.setMinimumWidth(600)
        self.table.setAlternatingRowColors(False)
        self.teacher_model = StatusTableModel(TEACHER_COLUMNS, lambda t: t.state if t else None, self)
        holder = QWidget(splitter)
        side = QVBoxLayout(holder)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(QLabel(_("Theo giáo viên"), holder))
        self.teacher_table = make_table(self.teacher_model, holder, stretch=0)
        self.teacher_table.setAlternatingRowColors(False)
        side.addWidget(self.teacher_table)
        splitter.addWidget(self.table)
        splitter.addWidget(holder)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        layout.addWidget(splitter, 1)
        self._set_widths()
        splitter.setSizes([2000, self._teacher_width])

        self.milestone_combo.currentIndexChanged.connect(self.reload)
        self.date_edit.dateChanged.connect(self.reload)
        self.grade_combo.currentIndexChanged.connect(self._show)
        self.open_only.toggled.connect(self._show)
        self.search_edit.textChanged.connect(self._filter)
        self.teacher_table.doubleClicked.connect(self._pick_teacher)

    def _set_widths(self) -> None:
        metrics = self.fontMetrics()
        header = self.table.horizontalHeader()
        for column, sample in ((0, "Lớp"), (2, "Nguyễn Thị Phương Thảo"), (3, "00/00"), (4, "KT 00/00"),
                               (5, "00/00/0000"), (6, "00/00/0000"), (7, "Quá hạn, thiếu 00")):
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 16)
        side = self.teacher_table.horizontalHeader()
        widths = [metrics.horizontalAdvance("Nguyễn Thị Phương Thảo") + 14]
        for column, sample in ((1, "00/00"), (2, "Còn thiếu"), (3, "Quá hạn")):
            widths.append(metrics.horizontalAdvance(sample) + 14)
            side.resizeSection(column, widths[-1])
        side.setMinimumSectionSize(20)
        self._teacher_width = sum(widths) + self.teacher_table.verticalScrollBar().sizeHint().width() + 6

    def set_year(self, year_id: uuid.UUID, milestone: str | None) -> None:
        self.year_id = year_id
        if milestone is not None:
            self.milestone_combo.blockSignals(True)
            self.milestone_combo.setCurrentIndex(max(data_index(self.milestone_combo, milestone), 0))
            self.milestone_combo.blockSignals(False)
        self.reload()

    def reload(self) -> None:
        if self.year_id is None:
            return
        try:
            self.board = review.completion_board(self.db, self.actor, self.year_id,
                                                 self.milestone_combo.currentData(), on=edit_date(self.date_edit))
        except NKError as error:
            self.board = None
            self.notice.setText(str(error))
            self.notice.show()
        else:
            self.notice.hide()
        self._show()

    def _show(self) -> None:
        board = self.board
        grade = self.grade_combo.currentData()
        rows = [] if board is None else [
            r for r in board.rows
            if (grade is None or r.grade == grade) and (not self.open_only.isChecked() or r.state != "done")]
        self.model.set_rows([board_row(r, board.on) for r in rows])
        self.model.set_filter(self.search_edit.text())
        teachers = [] if board is None else review.teacher_progress(
            [r for r in board.rows if grade is None or r.grade == grade])
        self.teacher_model.set_rows([teacher_row(t) for t in teachers])
        self.summary_label.setText(self._summary(board, rows))

    def _summary(self, board: CompletionBoard | None, rows: list[CompletionRow]) -> str:
        if board is None:
            return ""
        done = sum(r.state == "done" for r in rows)
        open_ = sum(r.state == "missing" for r in rows)
        late = sum(r.state == "overdue" for r in rows)
        return _("Hạn nhập mức đánh giá: {due} · sĩ số tính ngày {day} · {n} dòng: {done} đủ, {open} còn thiếu, "
                 "{late} quá hạn.").format(due=format_date(board.level_deadline), day=format_date(board.counted_on),
                                           n=len(rows), done=done, open=open_, late=late)

    def _filter(self, text: str) -> None:
        self.model.set_filter(text)

    def _pick_teacher(self, index) -> None:
        """Double-click a teacher: the board shows that teacher's rows."""
        progress = self.teacher_model.payload(index.row())
        if progress is not None:
            self.search_edit.setText(progress.teacher_name)

    def on_date(self) -> dt.date:
        return edit_date(self.date_edit)
