"""Small widgets shared by every tab."""

from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QWidget

ERROR_STYLE = "color: #b00020;"
INFO_STYLE = "color: #1f4e79;"


class ElidedLabel(QLabel):
    """A one-line label that shortens its text in the middle ("/home/…/nk.sqlite") instead of
    widening the window; ``text()`` and the tooltip keep the whole text."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(text, parent)
        self.setToolTip(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        super().setText(text)
        self.setToolTip(text)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        hint = super().minimumSizeHint()
        return QSize(self.fontMetrics().horizontalAdvance("…") * 4, hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideMiddle, rect.width())
        painter.drawText(rect, int(self.alignment()), shown)


def bold_label(text: str, parent: QWidget | None = None) -> QLabel:
    """A label in the bold of the current font (the counts line above an import preview)."""
    label = QLabel(text, parent)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def report_table(model, headers: Sequence[str], samples: Sequence[str], parent: QWidget | None = None) -> QTableView:
    """A read-only, row-selecting table of an import's dry run: fixed row height, no wrapping, the first
    columns as wide as their longest expected *samples* (or header), the last one stretched."""
    table = QTableView(parent)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    header = table.horizontalHeader()
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setStretchLastSection(True)
    metrics = table.fontMetrics()
    for column, sample in enumerate(samples):
        header.resizeSection(column, max(metrics.horizontalAdvance(sample),
                                         metrics.horizontalAdvance(headers[column])) + 28)
    return table


def show_notice(label: QLabel, text: str, *, error: bool = True) -> None:
    """A page's one-line notice: red for a refusal, blue for news; hidden when there is nothing to say."""
    label.setText(text)
    label.setStyleSheet(ERROR_STYLE if error else INFO_STYLE)
    label.setVisible(bool(text))
