"""The entry page: one grid (a subject or the traits) with its undo stack, clipboard and comment bank.

Each commit, paste, clear, undo and redo is one service call (see ``editing``); the
message under the grid says what was saved and how many cells were refused.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QPoint, Qt
from PySide6.QtGui import QGuiApplication, QUndoStack
from PySide6.QtWidgets import QLabel, QMenu, QVBoxLayout, QWidget

from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import gradebook
from nk_desktop.services.gradebook import BankPhrase
from nk_desktop.views.common.messages import error_text
from nk_desktop.views.gradebook import comment_bank
from nk_desktop.views.gradebook.clipboard import format_block, parse_block
from nk_desktop.views.gradebook.editing import GridEditor
from nk_desktop.views.gradebook.grid_model import GradeGridModel
from nk_desktop.views.gradebook.grid_view import GradeTable
from nk_desktop.views.gradebook.sheets import COMMENT, Sheet
from nk_desktop.views.common.widgets import ERROR_STYLE

OK_STYLE = "color: #1b5e20;"


class GridPage(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        self.model = GradeGridModel(self)
        self.table = GradeTable(self)
        self.table.setModel(self.model)
        layout.addWidget(self.table, 1)
        self.message_label = QLabel(self)
        self.message_label.setWordWrap(True)
        layout.addWidget(self.message_label)
        self.stack = QUndoStack(self)
        self.editor = GridEditor(self.model, self.stack, self.report)
        self.read_only_reason = ""
        self._bank: tuple[object, list[BankPhrase]] | None = None  # (class, the school's phrases), read once
        self.table.copyRequested.connect(self.copy)
        self.table.pasteRequested.connect(self.paste)
        self.table.cutRequested.connect(self.cut)
        self.table.clearRequested.connect(self.clear)
        self.table.undoRequested.connect(self.stack.undo)
        self.table.redoRequested.connect(self.stack.redo)
        self.table.bankRequested.connect(self._show_bank)
        self.table.readOnlyTyped.connect(self._read_only_typed)
        self.table.customContextMenuRequested.connect(self._show_context_menu)

    @property
    def sheet(self) -> Sheet | None:
        return self.model.sheet

    def load(self, sheet: Sheet | None, read_only_reason: str = "") -> None:
        self.stack.clear()
        self.read_only_reason = read_only_reason
        self.model.set_sheet(sheet)
        self.report("", False)
        if sheet is not None:
            self.table.fit_columns(sheet)
            if self.model.rowCount():
                first = next((c for c in range(self.model.columnCount()) if self.model.is_editable(0, c)), 2)
                self.table.setCurrentIndex(self.model.index(0, min(first, self.model.columnCount() - 1)))

    def report(self, text: str, error: bool) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet(ERROR_STYLE if error else OK_STYLE)

    def _read_only_typed(self, index: QModelIndex) -> None:
        if self.sheet is None:
            return
        if index.column() < 2:
            self.report(_("Cột này không nhập được; hãy chọn một ô đánh giá."), True)
        else:
            self.report(self.read_only_reason or _("Ô này không sửa được."), True)

    # --- clipboard ----------------------------------------------------------------------

    def _selected(self) -> list[QModelIndex]:
        indexes = self.table.selectionModel().selectedIndexes() if self.table.selectionModel() else []
        if not indexes and self.table.currentIndex().isValid():
            indexes = [self.table.currentIndex()]
        return indexes

    def copy_text(self) -> str:
        """The selection (its bounding rectangle) as tab-separated text."""
        indexes = self._selected()
        if not indexes:
            return ""
        rows = [i.row() for i in indexes]
        columns = [i.column() for i in indexes]
        chosen = {(i.row(), i.column()) for i in indexes}
        block = [[self.model.text(r, c) if (r, c) in chosen else "" for c in range(min(columns), max(columns) + 1)]
                 for r in range(min(rows), max(rows) + 1)]
        return format_block(block)

    def copy(self) -> None:
        text = self.copy_text()
        if text:
            QGuiApplication.clipboard().setText(text)

    def paste(self, text: str | None = None) -> bool:
        """Paste a block copied from Excel at the current cell, in one service call (one undo step).

        A single value pasted over a selection of several cells fills them all, as in Excel.
        """
        if self.sheet is None:
            return False
        block = parse_block(QGuiApplication.clipboard().text() if text is None else text)
        if not block:
            return False
        indexes = self._selected()
        if not indexes:
            return False
        if len(block) == 1 and len(block[0]) == 1 and len(indexes) > 1:
            cells = [(i.row(), i.column(), block[0][0]) for i in indexes]
        else:
            top = min(i.row() for i in indexes)
            left = min(i.column() for i in indexes)
            cells = [(top + dr, left + dc, value) for dr, line in enumerate(block) for dc, value in enumerate(line)
                     if top + dr < self.model.rowCount() and left + dc < self.model.columnCount()]
        editable = [cell for cell in cells if self.model.is_editable(cell[0], cell[1])]
        if not editable:
            self.report(self.read_only_reason or _("Vùng dán không có ô nào nhập được."), True)
            return False
        self.editor.commit(editable, _("Dán {n} ô").format(n=len(editable)))
        self._select_cells(editable)
        skipped = len(cells) - len(editable)
        if skipped:
            self.message_label.setText(self.message_label.text() + " · " + _(
                "{n} ô ngoài vùng được nhập bị bỏ qua").format(n=skipped))
        return True

    def cut(self) -> None:
        self.copy()
        self.clear()

    def clear(self) -> bool:
        """Empty the selected cells that may be changed (one service call)."""
        cells = [(i.row(), i.column(), "") for i in self._selected() if self.model.is_editable(i.row(), i.column())]
        if not cells:
            return False
        return self.editor.commit(cells, _("Xóa {n} ô").format(n=len(cells)))

    def _select_cells(self, cells) -> None:
        rows = [r for r, _c, _v in cells]
        columns = [c for _r, c, _v in cells]
        selection = QItemSelection(self.model.index(min(rows), min(columns)),
                                   self.model.index(max(rows), max(columns)))
        self.table.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    # --- the comment bank and the context menu ------------------------------------------

    def is_comment(self, index: QModelIndex) -> bool:
        return (self.sheet is not None and index.isValid()
                and self.sheet.columns[index.column()].field == COMMENT)

    def bank_phrases(self, index: QModelIndex) -> list[str]:
        if not self.is_comment(index):
            return []
        return comment_bank.phrases(self.sheet.subject_code, self.sheet.level_of(index.row()),
                                    self.stored_phrases(), self.sheet.subject_id)

    def stored_phrases(self) -> list[BankPhrase]:
        """The school's comment bank (one read per class; read again after a phrase is added)."""
        sheet = self.sheet
        if sheet is None:
            return []
        if self._bank is None or self._bank[0] != sheet.class_id:
            try:
                found = gradebook.comment_bank(sheet.db, sheet.actor, sheet.class_id)
            except NKError:
                found = []
            self._bank = (sheet.class_id, found)
        return self._bank[1]

    def may_add_to_bank(self, index: QModelIndex) -> bool:
        return (self.is_comment(index) and self.sheet.subject_id is not None and self.sheet.may_edit
                and bool(self.model.text(index.row(), index.column()).strip()))

    def add_to_bank(self, index: QModelIndex) -> bool:
        """Keep the cell's comment in the bank for this subject at the row's level (the service checks the right)."""
        if not self.may_add_to_bank(index):
            return False
        level = self.sheet.level_of(index.row())
        if not level:
            self.report(_("Hãy nhập mức đạt được của dòng này trước: nhận xét mẫu được xếp theo mức."), True)
            return False
        try:
            gradebook.add_comment_phrase(self.sheet.db, self.sheet.actor, self.sheet.class_id,
                                         self.model.text(index.row(), index.column()), level,
                                         subject_id=self.sheet.subject_id)
        except NKError as error:
            self.report(error_text(error), True)
            return False
        self._bank = None
        self.report(_("Đã thêm vào nhận xét mẫu môn {s}, mức {l}.").format(
            s=self.sheet.subject_name, l=self.sheet.level_names.get(level, level)), False)
        return True

    def insert_phrase(self, index: QModelIndex, phrase: str) -> bool:
        """Open the cell's editor with the phrase added to its text, for the teacher to finish."""
        current = self.model.text(index.row(), index.column())
        return self.table.start_edit(index, f"{current} {phrase}" if current else phrase)

    def bank_menu(self, index: QModelIndex, menu: QMenu | None = None) -> QMenu | None:
        """The phrases for the row's level, as a menu (added to *menu* when given)."""
        phrases = self.bank_phrases(index)
        if not phrases or not self.model.is_editable(index.row(), index.column()):
            return menu
        menu = menu or QMenu(self)
        title = menu.addAction(_("Nhận xét mẫu (chọn rồi sửa tiếp):"))
        title.setEnabled(False)
        for phrase in phrases:
            action = menu.addAction(phrase)
            action.triggered.connect(lambda _checked=False, p=phrase, i=QModelIndex(index): self.insert_phrase(i, p))
        return menu

    def context_menu(self, index: QModelIndex) -> QMenu:
        menu = QMenu(self)
        if self.bank_menu(index, menu) is menu and not menu.isEmpty():
            menu.addSeparator()
        if self.may_add_to_bank(index):
            menu.addAction(_("Thêm nhận xét của ô vào nhận xét mẫu"),
                           lambda i=QModelIndex(index): self.add_to_bank(i))
            menu.addSeparator()
        menu.addAction(_("Chép\tCtrl+C"), self.copy)
        paste = menu.addAction(_("Dán\tCtrl+V"), self.paste)
        clear = menu.addAction(_("Xóa nội dung ô\tDelete"), self.clear)
        editable = self.sheet is not None and not self.sheet.read_only
        paste.setEnabled(editable)
        clear.setEnabled(editable)
        menu.addSeparator()
        undo = menu.addAction(_("Hoàn tác\tCtrl+Z"), self.stack.undo)
        undo.setEnabled(self.stack.canUndo())
        redo = menu.addAction(_("Làm lại\tCtrl+Y"), self.stack.redo)
        redo.setEnabled(self.stack.canRedo())
        return menu

    def _show_context_menu(self, position: QPoint) -> None:
        index = self.table.indexAt(position)
        if index.isValid():
            self.table.setCurrentIndex(index)
        menu = self.context_menu(index)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.table.viewport().mapToGlobal(position))

    def _show_bank(self, index: QModelIndex) -> None:
        menu = self.bank_menu(index)
        if menu is not None:
            rect = self.table.visualRect(index)
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            menu.popup(self.table.viewport().mapToGlobal(rect.bottomLeft()))
