"""The editable grid's table model: display values computed once per load, refused cells kept visible.

``data()`` is a lookup into precomputed lists (TECH-NOTES "Grids").  The model never
writes marks itself: ``setData`` hands the typed text to ``edit_handler`` (the page's
editor, which saves through the service and an undo command), and the editor calls
``apply`` with what the service answered.  A refused cell keeps the typed text, on a
red background, with the service's reason as its tooltip, until it is corrected.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from nk_desktop.errors import ValidationError
from nk_desktop.views.gradebook.sheets import Sheet

Cell = tuple[int, int]
EditHandler = Callable[[list[tuple[int, int, Any]]], None]

REFUSED_BRUSH = QBrush(QColor("#f8c4c4"))
READ_ONLY_BRUSH = QBrush(QColor("#f1f1f1"))
_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


class GradeGridModel(QAbstractTableModel):
    """Rows of a ``Sheet``; editable cells follow the sheet's window and the actor's right."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.sheet: Sheet | None = None
        self.edit_handler: EditHandler | None = None
        self._values: list[list[Any]] = []
        self._display: list[list[str]] = []
        self._refused: dict[Cell, str] = {}
        self._editable: tuple[bool, ...] = ()
        self._align: tuple[int, ...] = ()
        self._header_tips: tuple[str, ...] = ()

    # --- loading ---------------------------------------------------------------------

    def set_sheet(self, sheet: Sheet | None) -> None:
        self.beginResetModel()
        self.sheet = sheet
        self._refused = {}
        if sheet is None:
            self._values, self._display, self._editable, self._align, self._header_tips = [], [], (), (), ()
        else:
            columns = range(len(sheet.columns))
            self._values = [list(row.values) for row in sheet.rows]
            self._display = [[str(row.number), row.full_name,
                              *(sheet.shown(c, row.values[c]) for c in columns if c >= 2)] for row in sheet.rows]
            self._editable = tuple(sheet.editable(c) for c in columns)
            self._align = tuple(_CENTER if spec.center else _LEFT for spec in sheet.columns)
            self._header_tips = tuple(spec.tooltip for spec in sheet.columns)
        self.endResetModel()

    # --- what the page reads -----------------------------------------------------------

    def value(self, row: int, column: int) -> Any:
        return self._values[row][column]

    def text(self, row: int, column: int) -> str:
        return self._display[row][column]

    def is_editable(self, row: int, column: int) -> bool:
        return 0 <= row < len(self._display) and 0 <= column < len(self._editable) and self._editable[column]

    def refused_reason(self, row: int, column: int) -> str:
        return self._refused.get((row, column), "")

    def refused_cells(self) -> dict[Cell, str]:
        return dict(self._refused)

    # --- what the editor writes back ---------------------------------------------------

    def apply(self, cells: Iterable[tuple[int, int, Any]], refused: dict[Cell, str]) -> None:
        """Show the outcome of a save: refused cells keep the typed text; the others the stored value."""
        touched = []
        for row, column, raw in cells:
            reason = refused.get((row, column))
            if reason is not None:
                self._refused[(row, column)] = reason
                self._display[row][column] = "" if raw is None else str(raw)
            else:
                try:
                    value = self.sheet.stored(column, raw)
                except ValidationError:  # the service accepted it, so this does not happen; keep the text
                    value = raw
                self._values[row][column] = value
                self._display[row][column] = self.sheet.shown(column, value)
                self._refused.pop((row, column), None)
            touched.append((row, column))
        if touched:
            rows = [r for r, _c in touched]
            columns = [c for _r, c in touched]
            self.dataChanged.emit(self.index(min(rows), min(columns)), self.index(max(rows), max(columns)))

    def clear_refused(self, cells: Iterable[Cell]) -> None:
        """Drop the marks of refused cells (an undone paste): they show the stored value again."""
        for row, column in cells:
            if self._refused.pop((row, column), None) is not None:
                self._display[row][column] = self.sheet.shown(column, self._values[row][column])
                index = self.index(row, column)
                self.dataChanged.emit(index, index)

    # --- QAbstractTableModel ------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._display)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() or self.sheet is None else len(self.sheet.columns)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._display[row][column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._align[column]
        if role == Qt.ItemDataRole.BackgroundRole:
            if (row, column) in self._refused:
                return REFUSED_BRUSH
            return None if self._editable[column] or column < 2 else READ_ONLY_BRUSH
        if role == Qt.ItemDataRole.ToolTipRole:
            reason = self._refused.get((row, column))
            if reason:
                return reason
            notes = self.sheet.rows[row].notes
            if notes and notes[column]:
                return notes[column]
            if column == 1 or self.sheet.columns[column].stretch:
                return self._display[row][column] or None
        return None

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any,  # noqa: N802
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (role != Qt.ItemDataRole.EditRole or not index.isValid() or self.edit_handler is None
                or not self.is_editable(index.row(), index.column())):
            return False
        text = "" if value is None else str(value)
        row, column = index.row(), index.column()
        if text == self._display[row][column] and (row, column) not in self._refused:
            return False  # F2 then Enter without a change: nothing to save
        self.edit_handler([(row, column, text)])
        return True

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or self.sheet is None \
                or not 0 <= section < len(self.sheet.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.sheet.columns[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._header_tips[section] or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._align[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
        if self._editable[index.column()]:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags
