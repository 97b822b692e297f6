"""Sổ điểm tab: reload-before-save.  A save made from a grid someone else changed since it was read opens
the one conflict dialog (their value, yours); "Tải lại" shows their values and keeps the typing, red,
unsaved, for the teacher to save again.  No dialog is exec()'d.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from nk_desktop.services import gradebook
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.views.gradebook.conflict_dialog import ConflictDialog
from nk_desktop.views.gradebook.grid_model import REFUSED_BRUSH
from nk_desktop.views.gradebook.tab import TRAITS_TITLE

from .test_gradebook_tab import TODAY, at, data, make_tab, stored, template, type_in  # noqa: F401  (fixtures)

LEVEL, SCORE = 2, 3


def test_a_stale_grid_opens_the_conflict_dialog_and_reload_keeps_the_typing(qtbot, data):
    tab = make_tab(qtbot, data)
    tab.choose("4A", "Toán", "CK1")
    at(tab, 0, LEVEL)
    type_in(qtbot, tab, "T")  # An: saved from this window, which now holds version 1
    assert stored(data)["Nguyễn Văn An"][0] == "HTT"
    # another window (or a sync, or a colleague on the server) saves An's level and Ánh's score
    gradebook.save_subject_cells(data.db, data.actors["gvcn4a"], data.class_4a, data.subjects["Toán"], "CK1",
                                 [CellEdit(data.ids["Nguyễn Văn An"], "level", "C")], on=TODAY)
    at(tab, 0, LEVEL)
    type_in(qtbot, tab, "H")
    dialog = tab.dialog
    assert isinstance(dialog, ConflictDialog) and dialog.isVisible()
    assert dialog.model.row_at(0).cells == ("Nguyễn Văn An", "Toán — Mức đạt được", "Chưa hoàn thành", "Hoàn thành")
    assert dialog.reload_button.text() == "Tải lại"
    # nothing was written; the typing is still on the cell, red, with the reason
    assert stored(data)["Nguyễn Văn An"][0] == "CHT"
    index = tab.model.index(0, LEVEL)
    assert index.data() == "H" and index.data(Qt.ItemDataRole.BackgroundRole) == REFUSED_BRUSH
    assert "giá trị của họ: Chưa hoàn thành" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert "người khác vừa sửa 1 ô" in tab.grid_page.message_label.text()

    dialog.reload_button.click()  # Tải lại: their value read, yours kept on the cell, unsaved
    index = tab.model.index(0, LEVEL)
    assert tab.model.value(0, LEVEL) == "CHT" and index.data() == "H"
    assert index.data(Qt.ItemDataRole.BackgroundRole) == REFUSED_BRUSH
    assert "giá trị đã lưu: C" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert "1 ô tô đỏ" in tab.grid_page.message_label.text()
    # F2, Enter saves it now, from the fresh versions
    at(tab, 0, LEVEL)
    qtbot.keyClick(tab.table, Qt.Key.Key_F2)
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    assert stored(data)["Nguyễn Văn An"][0] == "HT"
    assert tab.model.index(0, LEVEL).data(Qt.ItemDataRole.BackgroundRole) != REFUSED_BRUSH


def test_later_leaves_the_typing_marked_and_saves_nothing(qtbot, data):
    tab = make_tab(qtbot, data)
    tab.choose("4A", "Toán", "CK1")
    gradebook.save_subject_cells(data.db, data.actors["gvcn4a"], data.class_4a, data.subjects["Toán"], "CK1",
                                 [CellEdit(data.ids["Lê Thị Ánh"], "score", 6)], on=TODAY)
    at(tab, 1, SCORE)  # Ánh: empty when this grid was read
    tab.grid_page.paste("9\n10\n")  # Ánh and Hoà in one call: refused together
    dialog = tab.dialog
    assert dialog.model.row_at(0).cells[2:] == ("6", "9") and dialog.model.rowCount() == 1
    dialog.later_button.click()
    assert not dialog.isVisible()
    assert stored(data)["Lê Thị Ánh"][1] == 6 and stored(data)["Đặng Thị Hoà"][1] is None
    assert [tab.model.index(r, SCORE).data() for r in (1, 2)] == ["9", "10"]
    assert "cùng lần lưu" in tab.model.index(2, SCORE).data(Qt.ItemDataRole.ToolTipRole)
    assert not tab.grid_page.stack.canUndo()  # the refused paste is no undo step


def test_the_traits_grid_has_the_same_conflict_dialog(qtbot, data):
    tab = make_tab(qtbot, data)
    tab.choose("4A", TRAITS_TITLE, "CK1")
    gradebook.save_trait_cells(data.db, data.actors["gvcn4a"], data.class_4a, "CK1",
                               [CellEdit(data.ids["Nguyễn Văn An"], "level", "C", "YEU_NUOC")], on=TODAY)
    at(tab, 0, 2)
    type_in(qtbot, tab, "T")
    dialog = tab.dialog
    assert dialog.model.row_at(0).cells == ("Nguyễn Văn An", "Yêu nước", "Cần cố gắng", "Tốt")
    dialog.reload_button.click()
    assert tab.model.value(0, 2) == "CCG" and tab.model.index(0, 2).data() == "T"
