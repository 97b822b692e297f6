"""The admin pages' grids: a read-only table model over precomputed rows, and a view set up for it.

Every cell's text, tooltip and sort key is computed once when the rows are loaded, so
``data()`` is a tuple lookup (TECH-NOTES "Grids").  Sorting reorders the rows in Python by
the precomputed key; filtering keeps the rows whose folded search text contains the
folded query ("dang" finds "Đặng").
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from nk_desktop.text import fold

_DIM = QBrush(QColor("#777777"))


@dataclasses.dataclass(frozen=True)
class Row:
    """One grid row: display strings, one sort key per column, and what the row stands for."""

    cells: tuple[str, ...]
    keys: tuple[Any, ...]
    payload: Any = None
    search: str = ""  # folded text the search box matches
    dim: bool = False  # greyed out (a locked account, a make-up day…)
    tooltips: tuple[str, ...] = ()  # per column; "" = none


def text_key(value: str) -> tuple:
    """Sort key of a free-text cell: accents and case ignored, the exact text breaking ties."""
    return (fold(value), value)


def date_key(day) -> int:
    """Sort key of a date cell; an empty date sorts first."""
    return day.toordinal() if day else 0


@dataclasses.dataclass(frozen=True)
class Column:
    title: str
    align_right: bool = False
    tooltip: bool = False  # show the full text as tooltip (long sentences)


class RowTableModel(QAbstractTableModel):
    """Read-only rows with precomputed display values; sorting and filtering in Python."""

    def __init__(self, columns: Sequence[Column], parent=None):
        super().__init__(parent)
        self._columns = tuple(columns)
        self._all: list[Row] = []
        self._rows: list[Row] = []
        self._query = ""
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder

    # --- loading -------------------------------------------------------------------

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Replace every row (rows come in the services' order, e.g. the official name order)."""
        for row in rows:
            assert len(row.cells) == len(self._columns) == len(row.keys), row
        self.beginResetModel()
        self._all = list(rows)
        self._rows = self._visible()
        self.endResetModel()

    def set_filter(self, query: str) -> None:
        """Keep only the rows whose search text contains *query* (accents and case ignored)."""
        folded = fold(query or "")
        if folded == self._query:
            return
        self.beginResetModel()
        self._query = folded
        self._rows = self._visible()
        self.endResetModel()

    def _visible(self) -> list[Row]:
        rows = [r for r in self._all if self._query in r.search] if self._query else list(self._all)
        return self._sorted(rows)

    def _sorted(self, rows: list[Row]) -> list[Row]:
        if self._sort_column < 0:
            position = {id(r): n for n, r in enumerate(self._all)}
            return sorted(rows, key=lambda r: position[id(r)])
        column = self._sort_column
        return sorted(rows, key=lambda r: r.keys[column],
                      reverse=self._sort_order == Qt.SortOrder.DescendingOrder)

    # --- access ----------------------------------------------------------------------

    def row_at(self, row: int) -> Row | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def payload(self, row: int) -> Any:
        found = self.row_at(row)
        return found.payload if found else None

    def total(self) -> int:
        """How many rows are loaded, shown or filtered out."""
        return len(self._all)

    def rows(self) -> list[Row]:
        """The visible rows, in display order."""
        return list(self._rows)

    def find(self, predicate) -> int:
        """The display position of the first row whose payload satisfies *predicate*, or -1."""
        for n, row in enumerate(self._rows):
            if predicate(row.payload):
                return n
        return -1

    # --- QAbstractTableModel --------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.tooltips and row.tooltips[column]:
                return row.tooltips[column]
            if self._columns[column].tooltip and row.cells[column]:
                return row.cells[column]
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and self._columns[column].align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and row.dim:
            return _DIM
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self._columns[section].title
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort_column = column if 0 <= column < len(self._columns) else -1
        self._sort_order = order
        self.layoutAboutToBeChanged.emit()
        before = {id(r): n for n, r in enumerate(self._rows)}
        self._rows = self._sorted(self._rows)
        new_position = {before[id(r)]: n for n, r in enumerate(self._rows)}
        old_indexes = self.persistentIndexList()
        new_indexes = [
            self.index(new_position[i.row()], i.column()) if i.isValid() else QModelIndex()
            for i in old_indexes
        ]
        self.changePersistentIndexList(old_indexes, new_indexes)
        self.layoutChanged.emit()


def make_table(model: RowTableModel, parent: QWidget | None = None, *, stretch: int | None = None,
               sortable: bool = True) -> QTableView:
    """A row-selecting, read-only table with fixed row height; *stretch* is the column that takes the rest."""
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTabKeyNavigation(False)  # Tab leaves the grid for the buttons; arrows move inside it
    vertical = view.verticalHeader()
    vertical.setVisible(False)
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(view.fontMetrics().height() + 8)
    horizontal = view.horizontalHeader()
    horizontal.setResizeContentsPrecision(50)
    horizontal.setHighlightSections(False)
    horizontal.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    if stretch is not None:
        horizontal.setStretchLastSection(False)
        horizontal.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    else:
        horizontal.setStretchLastSection(True)
    if sortable:
        horizontal.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the services' order until a click
        view.setSortingEnabled(True)
    return view


def fit_columns(view: QTableView) -> None:
    """Size columns to their contents (sampled: 50 rows) after a load; the stretch column keeps stretching."""
    header = view.horizontalHeader()
    for column in range(view.model().columnCount()):
        if header.sectionResizeMode(column) != QHeaderView.ResizeMode.Stretch:
            view.resizeColumnToContents(column)
            header.resizeSection(column, min(header.sectionSize(column) + 12, 420))


def natural_width(view: QTableView) -> int:
    """The width that shows every column of *view* without a horizontal scroll bar."""
    header = view.horizontalHeader()
    columns = sum(header.sectionSize(c) for c in range(header.count()))
    return columns + view.verticalScrollBar().sizeHint().width() + 2 * view.frameWidth() + 2


def selected_row(view: QTableView) -> int:
    """The selected row's position, or -1."""
    rows = view.selectionModel().selectedRows() if view.selectionModel() else []
    return rows[0].row() if rows else -1
