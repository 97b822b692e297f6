"""Quá trình học: every stay of a pupil in a class, oldest first (read-only)."""

from __future__ import annotations

from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget,
)

from nk_desktop.clock import format_date
from nk_desktop.i18n import _
from nk_desktop.services.pupils import StayRow

HISTORY_COLUMNS = (_("Năm học"), _("Lớp"), _("Từ ngày"), _("Hình thức vào lớp"), _("Đến ngày"),
                   _("Lí do rời lớp"), _("Ghi chú"))


def stay_cells(stay: StayRow) -> tuple[str, ...]:
    notes = []
    if stay.came_from:
        notes.append(_("Chuyển đến từ: {s}").format(s=stay.came_from))
    if stay.went_to:
        notes.append(_("Chuyển đến: {s}").format(s=stay.went_to))
    if stay.note:
        notes.append(stay.note)
    return (stay.year_name, stay.class_name, format_date(stay.start_date), stay.start_reason,
            format_date(stay.end_date), stay.end_reason, "; ".join(notes))


class HistoryModel(QAbstractTableModel):
    """The stays as rows of display strings, computed once."""

    def __init__(self, stays: Sequence[StayRow], parent=None):
        super().__init__(parent)
        self._cells = [stay_cells(stay) for stay in stays]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._cells)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(HISTORY_COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = self._cells[index.row()][index.column()]
            return text if role == Qt.ItemDataRole.DisplayRole else (text or None)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(HISTORY_COLUMNS):
            return HISTORY_COLUMNS[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class HistoryDialog(QDialog):
    """A read-only list of the pupil's stays; ``Đóng`` closes it."""

    def __init__(self, full_name: str, stays: Sequence[StayRow], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Quá trình học của {name}").format(name=full_name))
        self.resize(960, 280)
        layout = QVBoxLayout(self)
        if not stays:
            layout.addWidget(QLabel(_("Chưa có quá trình học nào được ghi."), self))
        self.model = HistoryModel(stays, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(50)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.resizeColumnsToContents()
        for column in range(len(HISTORY_COLUMNS) - 1):
            header.resizeSection(column, header.sectionSize(column) + 16)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(self)
        close = buttons.addButton(_("Đóng"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setDefault(True)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
