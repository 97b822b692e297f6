"""What the review pages share: a table model coloured by status, the milestone combo, the notice line."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from PySide6.QtCore import QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QComboBox, QDateEdit, QLabel, QWidget

from nk_desktop.i18n import _
from nk_desktop.services import assessment_rules as rules
from nk_desktop.views.admin.grid import RowTableModel
from nk_desktop.views.common.widgets import ERROR_STYLE

# Pale backgrounds that keep black text readable: done, still open, overdue.
STATE_COLOURS = {"done": QColor("#e3f2e1"), "missing": QColor("#fff4cc"), "overdue": QColor("#fbdcdc")}
STATE_BRUSHES = {state: QBrush(colour) for state, colour in STATE_COLOURS.items()}


class StatusTableModel(RowTableModel):
    """Read-only rows (see ``RowTableModel``) whose background tells a state taken from the payload."""

    def __init__(self, columns, state_of: Callable[[Any], str | None], parent=None):
        super().__init__(columns, parent)
        self._state_of = state_of

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole and index.isValid():
            row = self.row_at(index.row())
            return STATE_BRUSHES.get(self._state_of(row.payload)) if row else None
        return super().data(index, role)


def milestone_combo(parent: QWidget, *, whole_year: bool = False) -> QComboBox:
    """GK1…CN with their names; *whole_year* adds "Cả năm" (data None) first."""
    combo = QComboBox(parent)
    if whole_year:
        combo.addItem(_("Cả năm học"), None)
    for code in rules.MILESTONES:
        combo.addItem(f"{rules.MILESTONE_NAMES[code]} ({code})", code)
    return combo


def grade_combo(parent: QWidget, everything: str) -> QComboBox:
    combo = QComboBox(parent)
    combo.addItem(everything, None)
    for grade in range(1, 6):
        combo.addItem(_("Khối {g}").format(g=grade), grade)
    return combo


def date_edit(parent: QWidget, day: dt.date) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setCalendarPopup(True)
    edit.setDate(QDate(day.year, day.month, day.day))
    return edit


def edit_date(edit: QDateEdit) -> dt.date:
    value = edit.date()
    return dt.date(value.year(), value.month(), value.day())


def notice_label(parent: QWidget) -> QLabel:
    """A red line under the controls for refusals and errors (no modal box)."""
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.hide()
    return label


def current_milestone(day: dt.date, deadlines: dict[str, dt.date]) -> str:
    """The milestone being entered on *day*: the first whose level deadline has not passed (else CN)."""
    for code in rules.MILESTONES:
        if code in deadlines and day <= deadlines[code]:
            return code
    return rules.MILESTONES[-1]


def data_index(combo: QComboBox, value: Any) -> int:
    """The index of the item whose data equals *value* (Python equality: ``findData`` misses UUIDs), or -1."""
    for index in range(combo.count()):
        if combo.itemData(index) == value:
            return index
    return -1


def choose_data(combo: QComboBox, value: Any) -> bool:
    """Select the item whose data equals *value*; False (selection unchanged) when there is none."""
    index = data_index(combo, value)
    if index >= 0:
        combo.setCurrentIndex(index)
    return index >= 0
