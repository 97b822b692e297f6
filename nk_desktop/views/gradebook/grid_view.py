"""The grid as Excel users expect it: type to replace, F2 to edit, Enter down, Tab right, Shift+Tab left.

The view only turns keys into requests (``pasteRequested``, ``clearRequested``…) and
moves the cursor; the page decides what a request does.  Keys reaching the view while
an editor is open are passed to the editor, so a fast typist (or a test) never loses one.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemDelegate, QAbstractItemView, QHeaderView, QLineEdit, QStyledItemDelegate, QTableView, QWidget,
)

from nk_desktop.views.gradebook.sheets import Sheet

_CTRL = Qt.KeyboardModifier.ControlModifier
_NO_TEXT_MODIFIERS = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                      | Qt.KeyboardModifier.MetaModifier)
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _step(event: QKeyEvent, replacing: bool) -> tuple[int, int] | None:
    """Where a key moves the cursor from a cell being edited (None: the editor keeps the key)."""
    key, shift = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
    if key in _ENTER:
        return (-1, 0) if shift else (1, 0)
    if key == Qt.Key.Key_Tab:
        return (0, -1) if shift else (0, 1)
    if key == Qt.Key.Key_Backtab:
        return 0, -1
    if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
        return (-1 if key == Qt.Key.Key_Up else 1), 0
    if replacing and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):  # Excel's "Enter" mode: arrows leave the cell
        return 0, (-1 if key == Qt.Key.Key_Left else 1)
    return None


class CellDelegate(QStyledItemDelegate):
    """A plain line editor; Enter/Tab/arrows commit the cell and move like Excel."""

    def __init__(self, view: GradeTable):
        super().__init__(view)
        self.view = view
        self.pending_text: str | None = None  # typed over the cell: replaces its text
        self.editor: QLineEdit | None = None  # the open editor, if any
        self._fresh: QLineEdit | None = None  # created, its text not set yet
        self.replacing = False

    def createEditor(self, parent: QWidget, option, index: QModelIndex) -> QWidget:  # noqa: N802
        editor = QLineEdit(parent)
        editor.setFrame(False)
        self.editor = self._fresh = editor
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:  # noqa: N802
        # Only when the editor opens: the view calls this again on layout changes and saves,
        # which must not overwrite what is being typed.
        if editor is not self._fresh:
            return
        self._fresh = None
        if self.pending_text is not None:
            editor.setText(self.pending_text)
            self.pending_text = None
            self.replacing = True
        else:
            editor.setText(index.data(Qt.ItemDataRole.EditRole) or "")
            self.replacing = False

    def setModelData(self, editor: QWidget, model, index: QModelIndex) -> None:  # noqa: N802
        model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)

    def destroyEditor(self, editor: QWidget, index: QModelIndex) -> None:  # noqa: N802
        if editor is self.editor:
            self.editor = None
        super().destroyEditor(editor, index)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and watched is self.editor:
            step = _step(event, self.replacing)
            if step is not None:
                self.finish(step)
                return True
        return super().eventFilter(watched, event)

    def finish(self, step: tuple[int, int] | None = None) -> None:
        """Commit the open editor (one save), close it, then move by *step*."""
        editor = self.editor
        if editor is None:
            return
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)
        if step is not None:
            self.view.move(*step)


class GradeTable(QTableView):
    """Cell-selecting grid with fixed row height and widths; keyboard requests go out as signals."""

    copyRequested = Signal()
    pasteRequested = Signal()
    cutRequested = Signal()
    clearRequested = Signal()
    undoRequested = Signal()
    redoRequested = Signal()
    bankRequested = Signal(QModelIndex)  # Ctrl+Space in a comment cell
    readOnlyTyped = Signal(QModelIndex)  # typing on a cell that cannot be changed

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.delegate = CellDelegate(self)
        self.setItemDelegate(self.delegate)
        self._forwarding = False
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.DoubleClicked)
        self.setTabKeyNavigation(True)
        self.setWordWrap(False)
        self.setAlternatingRowColors(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        vertical = self.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsClickable(False)

    # --- layout --------------------------------------------------------------------------

    def fit_columns(self, sheet: Sheet) -> None:
        """Fixed widths from each column's sample text and title (no pass over the rows)."""
        header = self.horizontalHeader()
        cell, title = self.fontMetrics(), header.fontMetrics()
        header.setStretchLastSection(False)
        lines = 1
        for column, spec in enumerate(sheet.columns):
            if spec.stretch:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
                continue
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            parts = spec.title.split("\n")
            lines = max(lines, len(parts))
            width = max(cell.horizontalAdvance(spec.sample), *(title.horizontalAdvance(p) for p in parts)) + 18
            header.resizeSection(column, width)
        header.setFixedHeight(title.height() * lines + 12)

    # --- moving --------------------------------------------------------------------------

    def move(self, rows: int, columns: int) -> None:
        model = self.model()
        if model is None or model.rowCount() == 0:
            return
        current = self.currentIndex()
        row = current.row() if current.isValid() else 0
        column = current.column() if current.isValid() else 0
        row = min(max(row + rows, 0), model.rowCount() - 1)
        column = min(max(column + columns, 0), model.columnCount() - 1)
        target = model.index(row, column)
        self.setCurrentIndex(target)
        self.scrollTo(target)

    def edit(self, index: QModelIndex, trigger=None, event=None):  # noqa: D401 - Qt override
        """Open an editor with the cursor after the text (Qt selects it all, so the next key would erase it)."""
        if trigger is None:
            trigger, event = QAbstractItemView.EditTrigger.AllEditTriggers, None
        opened = super().edit(index, trigger, event)
        editor = self.delegate.editor
        if opened and editor is not None:
            editor.deselect()
            editor.end(False)
        return opened

    def start_edit(self, index: QModelIndex, text: str | None) -> bool:
        """Open the editor on *index*; *text* (when given) replaces the cell's text."""
        if not index.isValid():
            return False
        if not index.flags() & Qt.ItemFlag.ItemIsEditable:
            self.readOnlyTyped.emit(index)
            return False
        self.delegate.pending_text = text
        self.setCurrentIndex(index)
        self.edit(index)
        if self.state() != QAbstractItemView.State.EditingState:
            self.delegate.pending_text = None
            return False
        return True

    # --- keys ----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        editor = self.delegate.editor
        if self.state() == QAbstractItemView.State.EditingState and editor is not None:
            if self._forwarding:  # the editor did not want the key: it comes back up to us; drop it
                event.ignore()
                return
            self._forwarding = True
            try:
                QCoreApplication.sendEvent(editor, event)  # the editor's filter handles Enter, Tab, arrows
            finally:
                self._forwarding = False
            return
        key, modifiers = event.key(), event.modifiers()
        requests = ((QKeySequence.StandardKey.Copy, self.copyRequested),
                    (QKeySequence.StandardKey.Paste, self.pasteRequested),
                    (QKeySequence.StandardKey.Cut, self.cutRequested),
                    (QKeySequence.StandardKey.Undo, self.undoRequested),
                    (QKeySequence.StandardKey.Redo, self.redoRequested))
        for sequence, signal in requests:
            if event.matches(sequence):
                signal.emit()
                return
        if key == Qt.Key.Key_Y and modifiers == _CTRL:  # Ctrl+Y redoes on every platform, as in Excel
            self.redoRequested.emit()
            return
        if key == Qt.Key.Key_Space and modifiers == _CTRL:
            self.bankRequested.emit(self.currentIndex())
            return
        if key == Qt.Key.Key_Delete and not modifiers:
            self.clearRequested.emit()
            return
        step = None
        if key in _ENTER:
            step = (-1, 0) if modifiers & Qt.KeyboardModifier.ShiftModifier else (1, 0)
        elif key == Qt.Key.Key_Tab and not modifiers:
            step = (0, 1)
        elif key == Qt.Key.Key_Backtab or (key == Qt.Key.Key_Tab and modifiers & Qt.KeyboardModifier.ShiftModifier):
            step = (0, -1)
        if step is not None:
            self.move(*step)
            return
        if key == Qt.Key.Key_Backspace and not modifiers:
            self.start_edit(self.currentIndex(), "")
            return
        text = event.text()
        if text and text.isprintable() and not modifiers & _NO_TEXT_MODIFIERS:
            self.start_edit(self.currentIndex(), text)
            return
        super().keyPressEvent(event)
