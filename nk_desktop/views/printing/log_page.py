"""The print log ("Sổ đã in") and the principal's queue ("Chờ Hiệu trưởng kí").

One service call per load (``books.print_log`` / ``books.print_queue``); the buttons record the
paper's next step (teachers signed → principal signed → archived), strictly in order.
"""

from __future__ import annotations

import uuid
from typing import Any, Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget,
)

from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import books
from nk_desktop.services.books import PrintRow
from nk_desktop.views.common.widgets import show_notice

Index = QModelIndex | QPersistentModelIndex
COLUMNS = (_("In lúc"), _("Loại sổ"), _("Bản in"), _("Lớp"), _("Kì"), _("Số trang"), _("Người in"),
           _("Trạng thái"))
AWAITS = {"teachers": _("chờ giáo viên kí"), "principal": _("chờ Hiệu trưởng kí"), "archive": _("chờ lưu trữ")}


class RowsModel(QAbstractTableModel):
    """Print rows shown as text computed once per load."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[PrintRow] = []
        self._cells: list[tuple[str, ...]] = []

    def set_rows(self, rows: Sequence[PrintRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self._cells = [(row.printed_at.strftime("%d/%m/%Y %H:%M"), row.kind_label, row.title, row.class_name,
                        row.period, str(row.pages), row.printed_by,
                        row.state_label + (f" ({AWAITS[row.awaits]})" if row.awaits else "")) for row in self.rows]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._cells)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (4, 5):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None


class LogPage(QWidget):
    """Every print of the year (newest first), or (``queue=True``) what awaits the principal."""

    def __init__(self, db, actor, year_id: Callable[[], uuid.UUID | None], parent: QWidget | None = None, *,
                 queue: bool = False, may_sign: bool = False):
        super().__init__(parent)
        self.db, self.actor, self.year_id, self.queue, self.may_sign = db, actor, year_id, queue, may_sign
        layout = QVBoxLayout(self)
        self.intro = QLabel(_("Bản in đã giáo viên kí chờ Hiệu trưởng kí duyệt (đứng trước), rồi bản in chờ giáo viên "
                              "kí. In lại một sổ thì bản mới thay bản cũ.") if queue else
                            _("Mỗi lần in hoặc lưu PDF được ghi lại: ai in, lúc nào, bao nhiêu trang, và sổ giấy đã "
                              "đến bước nào (giáo viên kí → Hiệu trưởng kí → lưu trữ)."), self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.model = RowsModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.notice_label = QLabel(self)
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        layout.addWidget(self.notice_label)
        buttons = QHBoxLayout()
        self.teachers_button = QPushButton(_("Giáo viên đã kí"), self)
        self.principal_button = QPushButton(_("Hiệu trưởng đã kí"), self)
        self.archive_button = QPushButton(_("Đã lưu trữ"), self)
        self.refresh_button = QPushButton(_("Làm mới"), self)
        steps = ((self.teachers_button, "signed_teachers"), (self.principal_button, "signed_principal"),
                 (self.archive_button, "archived"))
        for button, state in steps:
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, s=state: self.advance(s))
            buttons.addWidget(button)
        if queue:
            self.archive_button.hide()
        self.principal_button.setVisible(may_sign)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        layout.addLayout(buttons)
        self.refresh_button.clicked.connect(self.load)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._enable())
        self._enable()

    def refresh(self) -> None:
        self.load()

    def load(self) -> None:
        year_id = self.year_id()
        rows: list[PrintRow] = []
        if year_id is not None:
            try:
                rows = (books.print_queue if self.queue else books.print_log)(self.db, self.actor, year_id)
            except NKError as error:
                self._notice(str(error))
        self.model.set_rows(rows)
        self._enable()

    def selected(self) -> PrintRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def advance(self, state: str) -> None:
        row = self.selected()
        if row is None:
            return
        try:
            books.advance_print_state(self.db, self.actor, row.id, state)
        except NKError as error:
            self._notice(str(error))
            return
        self.load()
        self._notice(_("Đã ghi “{s}” cho {t}.").format(s=books.PRINT_STATE_LABELS[state], t=row.title), error=False)

    def _enable(self) -> None:
        row = self.selected()
        state = row.state if row else ""
        self.teachers_button.setEnabled(state == "printed")
        self.principal_button.setEnabled(state == "signed_teachers" and self.may_sign)
        self.archive_button.setEnabled(state == "signed_principal")

    def _notice(self, text: str, *, error: bool = True) -> None:
        show_notice(self.notice_label, text, error=error)
