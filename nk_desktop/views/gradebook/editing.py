"""Saving what is typed: one service call per commit, paste or clear, each an undoable command.

Every change goes ``GridEditor.commit`` → a ``SaveCommand`` pushed on the page's
``QUndoStack`` → ``Sheet.save`` (the service: permission, window and validation
checked there) → ``GradeGridModel.apply`` with the service's answer.  Undo and redo
call the service again (the old values, then the new ones): an undo is a new,
checked, journaled change, never a poke at the model.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtGui import QUndoCommand, QUndoStack

from nk_desktop.db import StaleRecord
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services.gradebook import SaveResult
from nk_desktop.views.common.messages import error_text
from nk_desktop.views.gradebook.grid_model import Cell, GradeGridModel

log = logging.getLogger(__name__)

Report = Callable[[str, bool], None]  # (text, is_error) for the page's status message
# Told when a save was refused because someone else saved the same rows since the grid was read:
# (the error, the cells typed — (row, column, value) — that were not saved).
OnConflict = Callable[[StaleRecord, list[tuple[int, int, Any]]], None]


def save_message(result: SaveResult) -> str:
    """"Đã lưu 12 ô; 2 ô bị từ chối" after a save."""
    if result.saved == 0 and not result.refused:
        return _("Không có ô nào thay đổi")
    text = _("Đã lưu {n} ô").format(n=result.saved)
    if result.refused:
        text += "; " + _("{n} ô bị từ chối").format(n=len(result.refused))
        text += " — " + result.refused[0].reason + (_(" (rê chuột lên ô đỏ để xem lí do)")
                                                    if len(result.refused) > 1 else "")
    return text


class GridEditor:
    """Turns blocks of typed values into service calls and shows the answers in the model."""

    def __init__(self, model: GradeGridModel, stack: QUndoStack, report: Report):
        self.model, self.stack, self.report = model, stack, report
        self.on_conflict: OnConflict | None = None
        model.edit_handler = self.commit

    def commit(self, cells: list[tuple[int, int, Any]], label: str = "") -> bool:
        """Save *cells* ((row, column, typed value)) as one undoable step; False if nothing was sent."""
        cells = [(r, c, v) for r, c, v in cells if self.model.is_editable(r, c)]
        if not cells:
            return False
        self.stack.push(SaveCommand(self, cells, label or _("Nhập {n} ô").format(n=len(cells))))
        return True

    def run(self, cells: list[tuple[int, int, Any]], *, prefix: str = "",
            mark_refused: bool = True) -> tuple[SaveResult | None, set[Cell]]:
        """One service call for *cells*; returns the result and the cells that were not refused."""
        sheet = self.model.sheet
        try:
            result = sheet.save([sheet.edit(r, c, v) for r, c, v in cells])
        except Exception as error:  # noqa: BLE001 - a whole block refused (deadline, lock, right) or a fault
            if not isinstance(error, NKError):
                log.error("saving marks failed", exc_info=error)
            message = error_text(error)
            if isinstance(error, StaleRecord):
                return self._stale(error, cells, prefix, mark_refused)
            if mark_refused:
                self.model.apply(cells, {(r, c): message for r, c, _v in cells})
            self.report(prefix + message, True)
            return None, set()
        keys = {(row.pupil_id, row.field, row.trait): row.reason for row in result.refused}
        refused: dict[Cell, str] = {}
        for r, c, _v in cells:
            edit = sheet.edit(r, c, None)
            reason = keys.get((edit.pupil_id, edit.field, edit.trait))
            if reason is not None:
                refused[(r, c)] = reason
        if mark_refused:
            self.model.apply(cells, refused)
        else:  # an undo: show only what the service took back
            self.model.apply([(r, c, v) for r, c, v in cells if (r, c) not in refused], {})
        self.report(prefix + save_message(result), bool(result.refused))
        return result, {(r, c) for r, c, _v in cells if (r, c) not in refused}

    def _stale(self, error: StaleRecord, cells: list[tuple[int, int, Any]], prefix: str,
               mark_refused: bool) -> tuple[None, set[Cell]]:
        """Someone else saved these rows since the grid was read: keep the typing visible, say whose value is what."""
        sheet = self.model.sheet
        conflicts = {(c.key, c.field): c for c in getattr(error, "conflicts", ())}
        reasons: dict[Cell, str] = {}
        for r, c, _v in cells:
            edit = sheet.edit(r, c, None)
            found = conflicts.get((sheet.key_of(edit), edit.field))
            reasons[(r, c)] = (_("Chưa lưu: người khác vừa sửa ô này (giá trị của họ: {theirs}).").format(
                theirs=found.theirs) if found else _("Chưa lưu: cùng lần lưu có ô người khác vừa sửa."))
        if mark_refused:
            self.model.apply(cells, reasons)
        self.report(prefix + _("Chưa lưu: người khác vừa sửa {n} ô bạn đang nhập; hãy tải lại.").format(
            n=len(conflicts) or len(cells)), True)
        if self.on_conflict is not None:
            self.on_conflict(error, cells if mark_refused else [])
        return None, set()


class SaveCommand(QUndoCommand):
    """A block of cells saved together (a typed cell, a paste, a clear); undo saves the old values back."""

    def __init__(self, editor: GridEditor, cells: list[tuple[int, int, Any]], text: str):
        super().__init__(text)
        self.editor = editor
        self.cells = cells
        self.old = [(r, c, editor.model.value(r, c)) for r, c, _v in cells]
        self.kept: set[Cell] = set()
        self.first = True

    def redo(self) -> None:
        prefix = "" if self.first else _("Làm lại: ")
        result, self.kept = self.editor.run(self.cells, prefix=prefix)
        if self.first and (result is None or result.saved == 0):
            self.setObsolete(True)  # nothing changed: nothing to undo
        elif result is None:
            self.setObsolete(True)
        self.first = False

    def undo(self) -> None:
        back = [(r, c, old) for r, c, old in self.old if (r, c) in self.kept]
        self.editor.model.clear_refused([(r, c) for r, c, _v in self.cells if (r, c) not in self.kept])
        result, _kept = self.editor.run(back, prefix=_("Hoàn tác: "), mark_refused=False)
        if result is None or result.refused:
            self.setObsolete(True)
