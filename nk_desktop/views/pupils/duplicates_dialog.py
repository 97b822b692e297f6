"""Học sinh có thể trùng: pairs of pupil records that look like one child, to merge or to mark as two children.

The list is ``duplicates.possible_duplicates`` (one call; quick, so on the UI thread).  "Gộp…" opens
``MergeDialog``: which record to keep, and what the merge would do (``merge_plan``) before doing it;
"Không trùng…" asks a reason (``mark_not_duplicate``).  Both reload the list when done.
"""

from __future__ import annotations

import uuid
from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QButtonGroup, QDialog, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit,
    QPushButton, QRadioButton, QTableView, QVBoxLayout, QWidget,
)

from nk_desktop.actor import Actor
from nk_desktop.clock import format_date
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import duplicates
from nk_desktop.services.duplicates import LEFTOVERS, DuplicatePair, MergePlan, PupilSide
from nk_desktop.views.common.forms import ERROR_STYLE, InlineErrorDialog

COLUMNS = (_("Hồ sơ thứ nhất"), _("Ngày sinh"), _("Lớp"), _("Số định danh / mã"),
           _("Hồ sơ thứ hai"), _("Ngày sinh"), _("Lớp"), _("Số định danh / mã"), _("Vì sao"))


def _ids(side: PupilSide) -> str:
    return " · ".join(v for v in (side.personal_id, side.moet_code) if v) or "—"


def _made(side: PupilSide) -> str:
    """Who entered the record and when (the tooltip of its cells)."""
    parts = [side.full_name]
    if side.created_by or side.created_at:
        parts.append(_("Nhập bởi {who} lúc {at}").format(
            who=side.created_by or _("hệ thống"),
            at=side.created_at.strftime("%H:%M %d/%m/%Y") if side.created_at else "?"))
    if side.contact_phone:
        parts.append(_("Điện thoại liên hệ: {p}").format(p=side.contact_phone))
    if side.deleted:
        parts.append(_("Hồ sơ đã gộp"))
    return "\n".join(parts)


def pair_cells(pair: DuplicatePair) -> tuple[str, ...]:
    second_name = pair.second.full_name + (" " + _("(đã gộp)") if pair.second.deleted else "")
    why = pair.reason_text
    if LEFTOVERS in pair.reasons:
        why = _("{n} bản ghi nhập cho hồ sơ đã gộp").format(n=pair.leftovers)
    return (pair.first.full_name, format_date(pair.first.date_of_birth), pair.first.class_name, _ids(pair.first),
            second_name, format_date(pair.second.date_of_birth), pair.second.class_name, _ids(pair.second), why)


class DuplicatesModel(QAbstractTableModel):
    """The pairs as rows of display strings, computed once per load."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pairs: list[DuplicatePair] = []
        self._cells: list[tuple[str, ...]] = []
        self._tips: list[tuple[str, str]] = []

    def load(self, pairs: Sequence[DuplicatePair]) -> None:
        self.beginResetModel()
        self.pairs = list(pairs)
        self._cells = [pair_cells(p) for p in self.pairs]
        self._tips = [(_made(p.first), _made(p.second)) for p in self.pairs]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._cells)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            column = index.column()
            if column < 4:
                return self._tips[index.row()][0]
            if column < 8:
                return self._tips[index.row()][1]
            return self._cells[index.row()][column]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


def _side_text(side: PupilSide) -> str:
    ids = _ids(side)
    return _("{name}, sinh {dob}, lớp {cls}{ids}").format(
        name=side.full_name, dob=format_date(side.date_of_birth), cls=side.class_name or "—",
        ids="" if ids == "—" else f", {ids}")


class MergeDialog(InlineErrorDialog):
    """Choose the record to keep, read what the merge does, then "Gộp"."""

    def __init__(self, db: Database, actor: Actor, pair: DuplicatePair, parent: QWidget | None = None):
        super().__init__(_("Gộp hai hồ sơ học sinh"), parent, ok_text=_("Gộp"))
        self.db, self.actor, self.pair = db, actor, pair
        self.resize(720, 420)
        self.body.addWidget(QLabel(_("Giữ lại hồ sơ nào? Hồ sơ kia được gộp vào (không xóa hẳn)."), self))
        self.keep_first = QRadioButton(_side_text(pair.first), self)
        self.keep_second = QRadioButton(_side_text(pair.second), self)
        group = QButtonGroup(self)
        for button in (self.keep_first, self.keep_second):
            group.addButton(button)
            self.body.addWidget(button)
        self.keep_first.setChecked(True)
        self.keep_second.setEnabled(not pair.second.deleted)  # a merged record is never kept
        self.summary = QPlainTextEdit(self)
        self.summary.setReadOnly(True)
        self.summary.setTabChangesFocus(True)
        self.body.addWidget(QLabel(_("Việc sẽ làm:"), self))
        self.body.addWidget(self.summary, 1)
        self.keep_first.toggled.connect(lambda _on: self._show_plan())
        self.plan: MergePlan | None = None
        self._show_plan()

    def chosen(self) -> tuple[uuid.UUID, uuid.UUID]:
        first, second = self.pair.first.id, self.pair.second.id
        return (first, second) if self.keep_first.isChecked() else (second, first)

    def _show_plan(self) -> None:
        keep, duplicate = self.chosen()
        try:
            self.plan = duplicates.merge_plan(self.db, self.actor, keep, duplicate)
        except NKError as error:
            self.plan = None
            self.summary.setPlainText("")
            self.show_error(str(error))
            self.ok_button.setEnabled(False)
            return
        lines = self.plan.summary() or [_("Không có dữ liệu nào cần chuyển.")]
        if self.plan.possible and not self.plan.duplicate.deleted:
            lines.append(_("Hồ sơ {name} được đánh dấu đã gộp (còn lưu vết trong nhật ký).").format(
                name=self.plan.duplicate.full_name))
        self.summary.setPlainText("\n".join(f"• {line}" for line in lines))
        self.ok_button.setEnabled(self.plan.possible)
        if self.plan.possible:
            self.error_label.hide()
        else:
            self.show_error(_("Chưa gộp được: xem các dòng cuối ở trên."))

    def submit(self) -> MergePlan:
        keep, duplicate = self.chosen()
        return duplicates.merge_pupils(self.db, self.actor, keep, duplicate)


class NotDuplicateDialog(InlineErrorDialog):
    """Two different children: a reason, then every PC stops listing the pair."""

    def __init__(self, db: Database, actor: Actor, pair: DuplicatePair, parent: QWidget | None = None):
        super().__init__(_("Hai học sinh khác nhau"), parent, ok_text=_("Ghi nhận"))
        self.db, self.actor, self.pair = db, actor, pair
        self.resize(560, 200)
        text = QLabel(_("{a}\nvà\n{b}\nlà hai học sinh khác nhau. Lí do:").format(
            a=_side_text(pair.first), b=_side_text(pair.second)), self)
        text.setWordWrap(True)
        self.body.addWidget(text)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setPlaceholderText(_("ví dụ: hai chị em sinh đôi; khác cha mẹ, khác địa chỉ"))
        text.setBuddy(self.reason_edit)
        self.fields["reason"] = self.reason_edit
        self.body.addWidget(self.reason_edit)

    def submit(self) -> uuid.UUID:
        return duplicates.mark_not_duplicate(self.db, self.actor, self.pair.first.id, self.pair.second.id,
                                             self.reason_edit.text())


class DuplicatesDialog(QDialog):
    """The possible duplicates of a school year, with "Gộp…", "Không trùng…" and "Đóng"."""

    def __init__(self, db: Database, actor: Actor, year_id: uuid.UUID, year_name: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor, self.year_id = db, actor, year_id
        self.setWindowTitle(_("Học sinh có thể trùng — năm học {y}").format(y=year_name))
        self.resize(1180, 420)
        self.changed = False  # a merge or a decision was saved: the class list must reload
        self.child: QDialog | None = None  # the merge / reason dialog opened last (tests drive it)
        layout = QVBoxLayout(self)
        intro = QLabel(_("Các cặp hồ sơ có thể là của cùng một học sinh (thường do hai máy cùng nhập một em trước "
                         "khi đồng bộ). Gộp nếu đúng là một em; nếu là hai em khác nhau, chọn “Không trùng…”."), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = DuplicatesModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        metrics = self.table.fontMetrics()
        for column, sample in enumerate(("Nguyễn Thị Phương Thảo", "00/00/0000", "4A0", "000000000000",
                                         "Nguyễn Thị Phương Thảo", "00/00/0000", "4A0", "000000000000")):
            header.resizeSection(column, max(metrics.horizontalAdvance(sample),
                                             header.fontMetrics().horizontalAdvance(COLUMNS[column])) + 24)
        layout.addWidget(self.table, 1)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        buttons = QHBoxLayout()
        self.merge_button = QPushButton(_("Gộp…"), self)
        self.distinct_button = QPushButton(_("Không trùng…"), self)
        self.close_button = QPushButton(_("Đóng"), self)
        for button in (self.merge_button, self.distinct_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.merge_button.clicked.connect(self.merge)
        self.distinct_button.clicked.connect(self.mark_distinct)
        self.close_button.clicked.connect(self.accept)
        self.table.doubleClicked.connect(lambda _index: self.merge())
        self.table.selectionModel().selectionChanged.connect(lambda *_args: self._update_buttons())
        self.reload()

    def reload(self) -> None:
        try:
            pairs = duplicates.possible_duplicates(self.db, self.actor, self.year_id)
        except NKError as error:
            pairs = []
            self.status_label.setStyleSheet(ERROR_STYLE)
            self.status_label.setText(str(error))
        else:
            self.status_label.setStyleSheet("")
            self.status_label.setText(_("Không có cặp hồ sơ nào cần xem.") if not pairs
                                      else _("{n} cặp cần xem. Di chuột lên tên để biết ai nhập, lúc nào.").format(
                                          n=len(pairs)))
        self.model.load(pairs)
        if pairs:
            self.table.selectRow(0)
            self.table.setFocus()
        self._update_buttons()

    def selected(self) -> DuplicatePair | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.pairs[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        pair = self.selected()
        self.merge_button.setEnabled(pair is not None)
        self.distinct_button.setEnabled(pair is not None and LEFTOVERS not in pair.reasons)
        (self.merge_button if pair is not None else self.close_button).setDefault(True)

    def _open(self, dialog: QDialog) -> QDialog:
        if self.child is not None:
            self.child.deleteLater()
        self.child = dialog

        def accepted() -> None:
            self.changed = True
            self.reload()

        dialog.accepted.connect(accepted)
        dialog.open()
        return dialog

    def merge(self) -> QDialog | None:
        pair = self.selected()
        return self._open(MergeDialog(self.db, self.actor, pair, self)) if pair else None

    def mark_distinct(self) -> QDialog | None:
        pair = self.selected()
        if pair is None or LEFTOVERS in pair.reasons:
            return None
        return self._open(NotDuplicateDialog(self.db, self.actor, pair, self))
