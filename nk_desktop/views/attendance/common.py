"""Pieces the roll-call pages share: the context they work in, tables, class and month pickers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Callable

from PySide6.QtCore import QAbstractItemModel, QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QHeaderView, QInputDialog, QLabel, QLineEdit, QTableView,
    QWidget,
)

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.i18n import _
from nk_desktop.models.school import SchoolClass, SchoolYear
from nk_desktop.views.common.widgets import ERROR_STYLE, INFO_STYLE  # noqa: F401 (the pages take them from here)

Confirm = Callable[[QWidget | None, str], bool]  # (parent, question) -> yes?
AskText = Callable[[QWidget | None, str, str], "str | None"]  # (parent, title, label) -> text, None if cancelled
AskPath = Callable[[QWidget | None, str, str], "str | None"]  # (parent, title, suggested name) -> path or None


def ask_text(parent: QWidget | None, title: str, label: str) -> str | None:
    text, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, "")
    return text if ok else None


def ask_save_path(parent: QWidget | None, title: str, suggested: str) -> str | None:
    from PySide6.QtWidgets import QFileDialog

    path, _filter = QFileDialog.getSaveFileName(parent, title, suggested, _("Bảng tính Excel (*.xlsx)"))
    if not path:
        return None
    return path if path.lower().endswith(".xlsx") else path + ".xlsx"


@dataclasses.dataclass
class Context:
    """What every page works with: who, where, which year and classes, and what day it is."""

    db: Database
    actor: Actor
    today: Callable[[], dt.date]
    year: SchoolYear | None
    classes: list[SchoolClass]
    confirm: Confirm
    ask_text: AskText
    ask_path: AskPath

    def own_class_id(self) -> uuid.UUID | None:
        """The class the actor is homeroom teacher of this year (their default everywhere)."""
        if self.actor.staff_id is None:
            return None
        return next((c.id for c in self.classes if c.homeroom_id == self.actor.staff_id), None)

    def class_name(self, class_id: uuid.UUID | None) -> str:
        return next((c.name for c in self.classes if c.id == class_id), "")

    def months(self) -> list[str]:
        """The months of the school year up to this one ("2026-09" … "2026-11"), latest last."""
        if self.year is None:
            return []
        last = min(self.today(), self.year.end_date)
        months, day = [], self.year.start_date.replace(day=1)
        while day <= last:
            months.append(f"{day.year:04d}-{day.month:02d}")
            day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return months or [f"{self.year.start_date.year:04d}-{self.year.start_date.month:02d}"]


def month_label(month: str) -> str:
    return _("Tháng {m}/{y}").format(m=int(month[5:]), y=month[:4])


def qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def class_combo(context: Context, parent: QWidget) -> QComboBox:
    """The classes the actor may see, the own homeroom class chosen."""
    combo = QComboBox(parent)
    combo.setMinimumContentsLength(5)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    for school_class in context.classes:
        combo.addItem(school_class.name, school_class.id)
    own = combo.findData(context.own_class_id())
    if own >= 0:
        combo.setCurrentIndex(own)
    combo.setEnabled(bool(context.classes))
    return combo


def month_combo(context: Context, parent: QWidget, chosen: str | None = None) -> QComboBox:
    combo = QComboBox(parent)
    for month in context.months():
        combo.addItem(month_label(month), month)
    index = combo.findData(chosen) if chosen else combo.count() - 1
    combo.setCurrentIndex(max(index, 0))
    return combo


def select_data(combo: QComboBox, value) -> bool:
    """Choose the item holding *value* without emitting signals; False when there is none."""
    index = combo.findData(value)
    if index < 0:
        return False
    combo.blockSignals(True)
    combo.setCurrentIndex(index)
    combo.blockSignals(False)
    return True


def labelled(text: str, widget: QWidget, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setBuddy(widget)
    return label


def make_table(model: QAbstractItemModel, parent: QWidget, *, stretch: int | None = None,
               rows: QAbstractItemView.SelectionBehavior = QAbstractItemView.SelectionBehavior.SelectRows,
               extra_height: int = 10) -> QTableView:
    """A read-only table with fixed row heights; *stretch* is the column that takes the rest of the width."""
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(rows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(False)
    view.setTabKeyNavigation(False)  # Tab leaves the grid for the buttons; arrows move inside it
    vertical = view.verticalHeader()
    vertical.setVisible(False)
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(view.fontMetrics().height() + extra_height)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    if stretch is not None:
        header.setStretchLastSection(False)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    else:
        header.setStretchLastSection(True)
    return view


def set_widths(view: QTableView, samples: dict[int, str]) -> None:
    """Fixed column widths from a typical widest value (or the title, if wider): no pass over the rows."""
    header = view.horizontalHeader()
    cell, title = view.fontMetrics(), header.fontMetrics()
    model = view.model()
    for column, sample in samples.items():
        heading = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        width = max(cell.horizontalAdvance(sample),
                    max((title.horizontalAdvance(line) for line in heading.split("\n")), default=0)) + 20
        header.resizeSection(column, width)
