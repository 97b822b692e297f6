"""The "Sổ điểm" tab: keyboard entry like Excel, paste in one service call, undo through the service,
refused cells marked, read-only after the deadline with the correction request, traits, results.

Real services on a database in tmp_path, on a fixed day (30/11/2026: CK1 open, GK1 closed);
no dialog or menu is ever exec()'d: questions and messages go to injected callables.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QCoreApplication, QDate, QEvent, Qt
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QMenu

from nk_desktop.actor import SYSTEM
from nk_desktop.db import open_database
from nk_desktop.services import accounts, gradebook, pupils, school, staff
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Role
from nk_desktop.services.setup import init_school
from nk_desktop.views.gradebook import GradebookTab
from nk_desktop.views.gradebook.clipboard import format_block, parse_block
from nk_desktop.views.gradebook.comment_bank import phrases
from nk_desktop.views.gradebook.grid_model import REFUSED_BRUSH
from nk_desktop.views.gradebook.grid_view import GradeTable
from nk_desktop.views.gradebook.prompts import Prompts
from nk_desktop.views.gradebook.tab import TRAITS_TITLE

PASSWORD = "matkhau123"
TODAY = dt.date(2026, 11, 30)  # week 13 of 2026-2027: GK1 (week 8) closed, CK1 (week 17) open
ORDER = ["Nguyễn Văn An", "Lê Thị Ánh", "Đặng Thị Hoà"]
LEVEL, SCORE, COMMENT = 2, 3, 4  # columns of a tested subject's grid


def _account(db, username, family, middle, given, gender, role):
    staff_id = staff.create_staff(db, SYSTEM, family_name=family, middle_name=middle, given_name=given,
                                  gender=gender, position="Giáo viên")
    accounts.create_account(db, SYSTEM, username=username, staff_id=staff_id, roles=[role], password=PASSWORD,
                            must_change=False)
    return staff_id


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """4A (homeroom Cô Lan, who teaches Toán and Đạo đức there) with three pupils; Thầy Bình teaches
    English in 4A and 4B; a DB admin.  Built once, copied for each test."""
    path = tmp_path_factory.mktemp("gradebook") / "t.sqlite"
    db = open_database(path)
    init_school(db, "Trường Tiểu học Nguyễn Khuyến", PASSWORD, on=dt.date(2026, 11, 29))
    with db.read() as session:
        year = school.current_year(session, TODAY)
        subjects = {name: school.subject_by_name(session, name).id for name in ("Toán", "Đạo đức", "Ngoại ngữ 1")}
    lan = _account(db, "gvcn4a", "Trần", "Thị", "Lan", "Nữ", Role.GV_CHU_NHIEM)
    binh = _account(db, "gvbomon", "Phạm", "Văn", "Bình", "Nam", Role.GV_BO_MON)
    _account(db, "quantri", "Vũ", "Văn", "Hải", "Nam", Role.QUAN_TRI_CSDL)
    class_4a = school.create_class(db, SYSTEM, year.id, "4A", homeroom_id=lan)
    class_4b = school.create_class(db, SYSTEM, year.id, "4B")
    school.assign_teacher(db, SYSTEM, class_4a, subjects["Toán"], lan)
    school.assign_teacher(db, SYSTEM, class_4a, subjects["Đạo đức"], lan)
    school.assign_teacher(db, SYSTEM, class_4a, subjects["Ngoại ngữ 1"], binh)
    school.assign_teacher(db, SYSTEM, class_4b, subjects["Ngoại ngữ 1"], binh)
    ids = {}
    for n, (name, gender) in enumerate((("Đặng Thị Hoà", "Nữ"), ("Nguyễn Văn An", "Nam"), ("Lê Thị Ánh", "Nữ"))):
        ids[name] = pupils.add_pupil(db, SYSTEM, class_4a, {"full_name": name, "gender": gender,
                                                            "date_of_birth": dt.date(2016, 1, 1 + n)})
    actors = {name: accounts.login(db, name, PASSWORD).actor for name in ("hieutruong", "gvcn4a", "gvbomon", "quantri")}
    db.dispose()
    return path, SimpleNamespace(year=year, class_4a=class_4a, class_4b=class_4b, subjects=subjects, ids=ids,
                                 actors=actors)


@pytest.fixture
def data(template, tmp_path):
    path, built = template
    copy = tmp_path / "t.sqlite"
    shutil.copy(path, copy)
    database = open_database(copy)
    yield SimpleNamespace(db=database, **vars(built))
    database.dispose()


class Recorder(Prompts):
    """Answers every question yes (or as told), records what the user would have been shown."""

    def __init__(self, answer=True, text="Đồng ý, đề nghị sửa.", files=()):
        self.asked, self.told, self.errors = [], [], []
        self.files = list(files)
        super().__init__(confirm=lambda parent, text, **kw: self.asked.append(text) or answer,
                         inform=lambda parent, text: self.told.append(text),
                         error=lambda parent, error: self.errors.append(str(error)),
                         ask_text=lambda parent, title, label: text,
                         pick_file=lambda parent, title: self.files.pop(0) if self.files else "")


def make_tab(qtbot, data, who="gvcn4a", prompts=None, calls=None):
    if calls is not None:  # count only the tab's own saves, not the test's set-up
        for seen in calls.values():
            seen.clear()
    tab = GradebookTab(data.db, data.actors[who], today=lambda: TODAY, prompts=prompts or Recorder())
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    return tab


@pytest.fixture
def calls(monkeypatch):
    """Every save the views make, by kind: [number of cells in each call]."""
    seen = {"subject": [], "trait": []}
    real_subject, real_trait = gradebook.save_class_cells, gradebook.save_trait_cells

    def subject(db, actor, class_id, milestone, edits, **kw):  # the grid saves class-wide
        seen["subject"].append(len(edits))
        return real_subject(db, actor, class_id, milestone, edits, **kw)

    def trait(db, actor, class_id, milestone, edits, **kw):
        seen["trait"].append(len(edits))
        return real_trait(db, actor, class_id, milestone, edits, **kw)

    monkeypatch.setattr(gradebook, "save_class_cells", subject)
    monkeypatch.setattr(gradebook, "save_trait_cells", trait)
    return seen


def stored(data, subject="Toán", milestone="CK1"):
    grid = gradebook.subject_grid(data.db, SYSTEM, data.class_4a, data.subjects[subject], milestone, on=TODAY)
    return {r.full_name: (r.level, r.score, r.comment) for r in grid.rows}


def send_text(widget, text):
    """Typed characters, Vietnamese ones included (QTest's keyClicks knows only ASCII)."""
    for char in text:
        target = widget
        if isinstance(widget, GradeTable) and widget.delegate.editor is not None:
            target = widget.delegate.editor
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QCoreApplication.sendEvent(target, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char))


def type_in(qtbot, tab, text, key=Qt.Key.Key_Return, modifier=Qt.KeyboardModifier.NoModifier):
    send_text(tab.table, text)
    assert tab.table.delegate.editor is not None, "typing did not open the editor"
    qtbot.keyClick(tab.table.delegate.editor, key, modifier)


def at(tab, row, column):
    tab.table.setCurrentIndex(tab.model.index(row, column))


def current(tab):
    index = tab.table.currentIndex()
    return index.row(), index.column()


# --- the pure helpers -------------------------------------------------------------------

def test_clipboard_blocks_read_and_write_like_excel():
    assert parse_block("T\t9\r\nH\t7,5\r\n") == [["T", "9"], ["H", "7,5"]]
    assert parse_block("a\n\n") == [["a"]]  # one trailing empty row dropped
    assert parse_block('"Hai dòng\nmột ô"\t8\n') == [["Hai dòng\nmột ô", "8"]]
    assert parse_block("") == []
    assert format_block([["T", "Có tab\tbên trong"], ["H", ""]]) == 'T\t"Có tab\tbên trong"\nH\t\n'
    assert parse_block(format_block([["x", 'nói "tốt"']])) == [["x", 'nói "tốt"']]


def test_comment_bank_offers_the_level_phrases_subject_first():
    good = phrases("TOAN", "HTT")
    assert good[0].startswith("Tính toán nhanh") and "Hoàn thành tốt các nội dung học tập; tích cực phát biểu." in good
    assert "Chưa hoàn thành một số nội dung; cần luyện tập thêm." in phrases("DD", "CHT")
    assert len(phrases("DD", None)) == 9


def test_comment_bank_merges_the_schools_phrases():
    from nk_desktop.services.gradebook import BankPhrase

    math, other = object(), object()
    stored = [BankPhrase(math, "", "HTT", "Giải toán nhanh, nhiều cách."),
              BankPhrase(None, "", "HTT", "Em rất chăm ngoan."),
              BankPhrase(other, "", "HTT", "Môn khác."),
              BankPhrase(None, "", "TOT", "Phẩm chất tốt."),
              BankPhrase(None, "", "HTT", "Hoàn thành tốt các nội dung học tập; tích cực phát biểu.")]
    got = phrases("TOAN", "HTT", stored, math)
    assert got[:2] == ["Giải toán nhanh, nhiều cách.", "Tính toán nhanh, chính xác; giải toán có lời văn tốt."]
    assert got[2] == "Em rất chăm ngoan." and "Môn khác." not in got and "Phẩm chất tốt." not in got
    assert len(got) == len(set(got)) == 6  # 2 stored + 1 + 3 built-in: the school's copy of a built-in one once


@pytest.mark.qt_log_ignore("This plugin does not support raise", "This plugin does not support grabbing")
def test_a_teacher_adds_a_cells_comment_to_the_bank(qtbot, data):
    teacher = data.actors["gvcn4a"]
    gradebook.save_subject_cells(data.db, teacher, data.class_4a, data.subjects["Toán"], "CK1", [
        CellEdit(data.ids["Nguyễn Văn An"], "level", "HTT"),
        CellEdit(data.ids["Nguyễn Văn An"], "comment", "Làm  toán  nhanh, trình bày đẹp."),
        CellEdit(data.ids["Lê Thị Ánh"], "comment", "Chưa có mức")], on=TODAY)
    tab = make_tab(qtbot, data)
    tab.choose("4A", "Toán", "CK1")
    texts = [a.text() for a in tab.grid_page.context_menu(tab.model.index(0, COMMENT)).actions()]
    assert "Thêm nhận xét của ô vào nhận xét mẫu" in texts
    assert not tab.grid_page.add_to_bank(tab.model.index(1, COMMENT))  # no level on that row yet
    assert "mức đạt được" in tab.grid_page.message_label.text()
    assert tab.grid_page.add_to_bank(tab.model.index(0, COMMENT))
    assert tab.grid_page.message_label.text() == "Đã thêm vào nhận xét mẫu môn Toán, mức Hoàn thành tốt."
    assert "Làm toán nhanh, trình bày đẹp." in tab.grid_page.bank_phrases(tab.model.index(0, COMMENT))
    assert not tab.grid_page.add_to_bank(tab.model.index(0, COMMENT))  # already there
    assert "đã có" in tab.grid_page.message_label.text()
    principal = make_tab(qtbot, data, "hieutruong")  # reads the bank, adds nothing
    principal.choose("4A", "Toán", "CK1")
    assert not principal.grid_page.may_add_to_bank(principal.model.index(0, COMMENT))
    assert "Làm toán nhanh, trình bày đẹp." in principal.grid_page.bank_phrases(principal.model.index(0, COMMENT))


# --- choosing --------------------------------------------------------------------------

def test_models_pass_the_model_tester(qtbot, qtmodeltester, data):
    tab = make_tab(qtbot, data, "hieutruong")
    tab.choose("4A", "Toán", "CK1")
    qtmodeltester.check(tab.model)
    tab.choose("4A", TRAITS_TITLE, "CK1")
    qtmodeltester.check(tab.model)
    qtmodeltester.check(tab.results_page.model)
    qtmodeltester.check(tab.corrections_page.model)


def test_the_homeroom_teacher_opens_their_subjects_and_the_traits(qtbot, data):
    tab = make_tab(qtbot, data)
    assert [tab.class_combo.itemText(i) for i in range(tab.class_combo.count())] == ["4A"]
    assert [tab.subject_combo.itemText(i) for i in range(tab.subject_combo.count())] == [
        "Toán", "Đạo đức", TRAITS_TITLE]
    assert tab.milestone_combo.currentData() == "CK1"  # the milestone due now
    assert [tab.model.text(r, 1) for r in range(3)] == ORDER
    assert [tab.model.headerData(c, Qt.Orientation.Horizontal) for c in range(5)] == [
        "STT", "Họ và tên", "Mức đạt được", "Điểm KTĐK", "Nhận xét"]
    assert tab.status_label.text().startswith("Hạn nhập mức đánh giá: 03/01/2027 · Hạn nhập điểm:")
    assert not tab.correction_button.isVisible()
    assert tab.pages.isTabVisible(1)  # Kết quả cuối năm
    tab.choose("4A", "Đạo đức")
    assert tab.model.columnCount() == 4  # no periodic test in Đạo đức


def test_a_subject_teacher_sees_only_their_subjects(qtbot, data):
    tab = make_tab(qtbot, data, "gvbomon")
    assert [tab.class_combo.itemText(i) for i in range(tab.class_combo.count())] == ["4A", "4B"]
    assert [tab.subject_combo.itemText(i) for i in range(tab.subject_combo.count())] == ["Ngoại ngữ 1"]
    assert not tab.pages.isTabVisible(1)
    assert tab.model.flags(tab.model.index(0, LEVEL)) & Qt.ItemFlag.ItemIsEditable


def test_the_principal_reads_every_subject_but_enters_none(qtbot, data):
    tab = make_tab(qtbot, data, "hieutruong")
    assert tab.subject_combo.count() == 13  # the 12 subjects and parts of grade 4, and the traits
    tab.choose("4A", "Toán", "CK1")
    assert not tab.model.flags(tab.model.index(0, LEVEL)) & Qt.ItemFlag.ItemIsEditable
    assert "Chỉ xem" in tab.note_label.text()
    assert not tab.correction_button.isVisible()  # only the cell's teacher files corrections
    assert tab.results_page.approve_button.isVisibleTo(tab.results_page)


def test_the_class_is_read_once_for_all_its_subjects(qtbot, data, monkeypatch):
    reads = []
    real = gradebook.class_grid

    def counted(db, actor, class_id, milestone, subject_ids=None, **kw):
        reads.append(len(list(subject_ids)) if subject_ids is not None else None)
        return real(db, actor, class_id, milestone, subject_ids, **kw)

    monkeypatch.setattr(gradebook, "class_grid", counted)
    tab = make_tab(qtbot, data, "hieutruong")
    tab.choose("4A", "Toán", "CK1")
    for name in ("Tiếng Việt", "Đạo đức", "Toán"):
        tab.choose("4A", name)
    assert reads == [12]  # one read for the 12 subjects; choosing another subject reads nothing
    tab.choose("4A", "Toán", "GK1")
    assert reads == [12, 12]  # another milestone: read again


def test_a_saved_subject_is_read_again_when_chosen_again(qtbot, data, monkeypatch):
    tab = make_tab(qtbot, data)
    tab.choose("4A", "Toán", "CK1")
    at(tab, 0, LEVEL)
    type_in(qtbot, tab, "t")
    reads = []
    real = gradebook.class_grid
    monkeypatch.setattr(gradebook, "class_grid", lambda *a, **kw: reads.append(a[4]) or real(*a, **kw))
    tab.choose("4A", "Đạo đức")
    tab.choose("4A", "Toán")
    assert reads == [[data.subjects["Toán"]]] and tab.model.text(0, LEVEL) == "T"


# --- typing --------------------------------------------------------------------------------

def test_type_a_level_then_enter_saves_it_and_moves_down(qtbot, data, calls):
    tab = make_tab(qtbot, data, calls=calls)
    tab.choose("4A", "Toán", "CK1")
    at(tab, 0, LEVEL)
    type_in(qtbot, tab, "t")
    assert calls["subject"] == [1]
    assert current(tab) == (1, LEVEL)
    assert tab.model.text(0, LEVEL) == "T"
    assert stored(data)["Nguyễn Văn An"][0] == "HTT"
    assert tab.grid_page.message_label.text() == "Đã lưu 1 ô"
    type_in(qtbot, tab, "hoàn thành")  # full words work too
    assert tab.model.text(1, LEVEL) == "H" and current(tab) == (2, LEVEL)
    assert stored(data)["Lê Thị Ánh"][0] == "HT"


def test_f2_edits_the_text_in_place(qtbot, data, calls):
    gradebook.save_subject_cells(data.db, data.actors["gvcn4a"], data.class_4a, data.subjects["Toán"], "CK1",
                                 [CellEdit(data.ids["Nguyễn Văn An"], "comment", "Chăm chỉ")], on=TODAY)
    tab = make_tab(qtbot, data, calls=calls)
    tab.choose("4A", "Toán", "CK1")
    at(tab, 0, COMMENT)
    qtbot.keyClick(tab.table, Qt.Key.Key_F2)
    editor = tab.table.delegate.editor
    assert editor is not None and editor.text() == "Chăm chỉ"
    send_text(editor, ", ngoan")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert stored(data)["Nguyễn Văn An"][2] == "Chăm chỉ, ngoan"


def test_tab_moves_right_and_shift_tab_left(qtbot, data, calls):
    tab = make_tab(qtbot, data, calls=calls)
    tab.choose("4A", "Toán", "CK1")
    at(tab, 0, LEVEL)
    qtbot.keyClick(tab.table, Qt.Key.Key_Tab)
    assert current(tab) == (0, SCORE)
    type_in(qtbot, tab, "10", Qt.Key.Key_Tab)
    assert current(tab) == (0, COMMENT)
    assert stored(data)["Nguyễn Văn An"][1] == 10
    qtbot.keyClick(tab.table, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert current(tab) == (0, SCORE)
    type_in(qtbot, tab, "9", Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert current(tab) == (0, LEVEL) and stored(data)["Nguyễn Văn An"][1] == 9
    assert calls["subject"] == [1, 1]


def test_a_refused_value_stays_visible_in_red_with_the_reason(qtbot, data, calls):
    tab = make_tab(qtbot, data, calls=calls)
    tab.choose("4A", "Toán", "CK1")
    at(tab, 0, SCORE)
    type_in(qtbot, tab, "11")
    index = tab.model.index(0, SCORE)
    assert tab.model.data(index) == "11"
    assert "ngoài thang" in tab.model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert tab.model.data(index, Qt.ItemDataRole.BackgroundRole) == REFUSED_BRUSH
    assert tab.grid_page.message_label.text().startswith("Đã lưu 0 ô; 1 ô bị từ chối — Điểm 11 nằm ngoài thang")
    at(tab, 0, SCORE)
    type_in(qtbot, tab, "8")  # corrected: saved, mark gone
    assert tab.model.data(index, Qt.ItemDataRole.BackgroundRole) is None
    assert stored(data)["Nguyễn Văn An"][1] == 8


# --- the clipboard and undo ----------------------------------------------------------------

def test_paste_a_block_from_excel_in_one_call_then_undo_and_redo(qtbot, data, calls):
    tab = make_tab(qtbot, data, calls=calls)
    tab.choose("4A", "Toán", "CK1")
    at(tab, 0, LEVEL)
    QGuiApplication.clipboard().setText("T\t9\nH\t7,5\nc\t6\n")
    qtbot.keyClick(tab.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert calls["subject"] == [6]
    refused = tab.model.index(1, SCORE)
    assert tab.model.data(refused) == "7,5"
    assert "phần thập phân" in tab.model.data(refused, Qt.ItemDataRole.ToolTipRole)
    assert tab.model.data(refused, Qt.ItemDataRole.BackgroundRole) == REFUSED_BRUSH
    assert stored(data) == {"Nguyễn Văn An": ("HTT", 9, ""), "Lê Thị Ánh": ("HT", None, ""),
                            "Đặng Thị Hoà": ("CHT", 6, "")}
    assert tab.grid_page.message_label.text().startswith("Đã lưu 5 ô; 1 ô bị từ chối — Điểm “7,5” có phần thập phân")
    assert [tab.model.text(r, LEVEL) for r in range(3)] == ["T", "H", "C"]

    qtbot.keyClick(tab.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert calls["subject"] == [6, 5]  # the undo is a service call with the old values
    assert stored(data) == {name: (None, None, "") for name in ORDER}
    assert [tab.model.text(r, LEVEL) for r in range(3)] == ["", "", ""]
    assert tab.model.data(refused, Qt.ItemDataRole.BackgroundRole) is None
    assert tab.grid_page.message_label.text().startswith("Hoàn tác: Đã lưu 5 ô")

    qtbot.keyClick(tab.table, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert calls["subject"] == [6, 5, 6]
    assert stored(data)["Đặng Thị Hoà"] == ("CHT", 6, "")


def test_typing_then_undo_restores_the_previous_value(qtbot, data, calls):
    gradebook.save_subject_cells(data.db, data.actors["gvcn4a"], data.class_4a, data.subjects["Toán"], "CK1",
                                 [CellEdit(data.ids["Lê Thị Ánh"], "level", "HT")], on=TODAY)
    tab = make_tab(qtbot, data, calls=calls)
    tab.choose("4A", "Toán", "CK1")
    at(tab, 1, LEVEL)
    type_in(qtbot, tab, "C")
    assert stored(data)["Lê Thị Ánh"][0] == "CHT"
    tab.undo_button.click()
    assert stored(data)["Lê Thị Ánh"][0] == "HT" and tab.model.text(1, LEVEL) == "H"
    assert calls["subject"] == [1, 1]


def test_copy_and_delete_work_on_the_selection(qtbot, data, calls):
    gradebook.save_subject_cells(data.db, data.actors["gvcn4a"], data.class_4a, data.subjects["Toán"], "CK1", [
        CellEdit(data.ids[name], field, value) for name in ORDER for field, value in (("level", "T"), ("score", 9))
    ], on=TODAY)
    tab = make_tab(qtbot, data, calls=calls)
    tab.choose("4A", "Toán", "CK1")
    tab.table.selectionModel().clearSelection()
    at(tab, 0, LEVEL)
    qtbot.keyClick(tab.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(tab.table, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(tab.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "T\t9\nT\t9\n"
    qtbot.keyClick(tab.table, Qt.Key.Key_Delete)
    assert calls["subject"] == [4]
    assert stored(data)["Nguyễn Văn An"] == (None, None, "") and stored(data)["Đặng Thị Hoà"] == ("HTT", 9, "")


@pytest.mark.qt_log_ignore("This plugin does not support raise", "This plugin does not support grabbing")
def test_the_comment_bank_inserts_a_phrase_to_finish_by_hand(qtbot, data, calls):
    gradebook.save_subject_cells(data.db, data.actors["gvcn4a"], data.class_4a, data.subjects["Toán"], "CK1",
                                 [CellEdit(data.ids["Nguyễn Văn An"], "level", "HTT")], on=TODAY)
    tab = make_tab(qtbot, data, calls=calls)
    tab.choose("4A", "Toán", "CK1")
    index = tab.model.index(0, COMMENT)
    assert tab.grid_page.bank_menu(tab.model.index(0, LEVEL)) is None  # only in the comment column
    menu = tab.grid_page.context_menu(index)
    texts = [action.text() for action in menu.actions()]
    assert "Hoàn thành tốt các nội dung học tập; tích cực phát biểu." in texts
    chosen = next(a for a in menu.actions() if a.text().startswith("Hoàn thành tốt các nội dung"))
    chosen.trigger()
    editor = tab.table.delegate.editor
    assert editor is not None and editor.text() == chosen.text()
    send_text(editor, " Rất tiến bộ.")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert stored(data)["Nguyễn Văn An"][2] == chosen.text() + " Rất tiến bộ."
    assert calls["subject"] == [1]
    at(tab, 1, COMMENT)  # Ctrl+Space opens the same phrases at the cell (no level yet: every level's)
    qtbot.keyClick(tab.table, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    menus = [m for m in tab.grid_page.findChildren(QMenu) if m.isVisible()]
    assert len(menus) == 1 and len(menus[0].actions()) == 1 + len(phrases("TOAN", None))
    menus[0].close()


# --- closed windows and the correction procedure ------------------------------------------

def test_after_the_deadline_the_grid_is_read_only_and_a_correction_goes_by_request(qtbot, data, calls, tmp_path):
    teacher = data.actors["gvcn4a"]
    gradebook.save_subject_cells(data.db, teacher, data.class_4a, data.subjects["Toán"], "GK1",
                                 [CellEdit(data.ids["Nguyễn Văn An"], "level", "HT")], on=dt.date(2026, 10, 20))
    book, test = tmp_path / "so-ca-nhan.jpg", tmp_path / "bai-kiem-tra.pdf"
    book.write_bytes(b"\xff\xd8 anh chup so")
    test.write_bytes(b"%PDF-1.4 bai")
    prompts = Recorder(files=[str(book), str(test)])
    tab = make_tab(qtbot, data, prompts=prompts, calls=calls)
    tab.choose("4A", "Toán", "GK1")
    assert "quá hạn" in tab.status_label.text() and "b00020" in tab.status_label.styleSheet()
    assert not tab.model.flags(tab.model.index(0, LEVEL)) & Qt.ItemFlag.ItemIsEditable
    at(tab, 0, LEVEL)
    qtbot.keyClicks(tab.table, "T")
    assert tab.table.delegate.editor is None and calls["subject"] == []
    assert "biên bản" in tab.grid_page.message_label.text()
    assert tab.correction_button.isVisible()

    tab.correction_button.click()
    dialog = tab.dialog
    assert dialog is not None and dialog.isVisible()
    assert not dialog.submit()  # nothing filled in: refused with the reason
    assert dialog.error_label.text()
    for button in dialog.findChildren(type(dialog.submit_button)):
        if button.text() == "Chọn tệp…":
            button.click()
    dialog.new_value.setText("T")
    dialog.reason.setPlainText("Nhập nhầm mức của bạn khác.")
    assert dialog.submit(), dialog.error_label.text()
    assert tab.request_ids() == [dialog.request_id]
    row = tab.corrections_page.rows[0]
    assert (row.old_value, row.new_value, row.status) == ("HT", "HTT", "Chờ Hiệu trưởng duyệt")

    # The principal approves, the DB admin applies: exactly the approved value, then locked again.
    principal = make_tab(qtbot, data, "hieutruong", prompts=Recorder(text="Đồng ý."))
    principal.pages.setCurrentWidget(principal.corrections_page)
    assert principal.corrections_page.select_request(dialog.request_id)
    assert principal.corrections_page.approve_button.isEnabled()
    assert not principal.corrections_page.apply_button.isVisibleTo(principal.corrections_page)
    assert principal.corrections_page.decide(True)
    admin_prompts = Recorder()
    admin = make_tab(qtbot, data, "quantri", prompts=admin_prompts)
    admin.pages.setCurrentWidget(admin.corrections_page)
    assert admin.corrections_page.select_request(dialog.request_id)
    assert admin.corrections_page.apply_button.isEnabled()
    admin.corrections_page.apply_button.click()
    assert admin_prompts.told and admin_prompts.told[0].startswith("Đã sửa theo biên bản")
    assert stored(data, milestone="GK1")["Nguyễn Văn An"][0] == "HTT"
    assert admin.corrections_page.rows[0].status == "Đã sửa"


def test_a_rejection_needs_a_remark(qtbot, data):
    from nk_desktop.services import corrections

    gradebook.save_subject_cells(data.db, data.actors["gvcn4a"], data.class_4a, data.subjects["Toán"], "GK1",
                                 [CellEdit(data.ids["Lê Thị Ánh"], "score", 6)], on=dt.date(2026, 10, 20))
    request = corrections.request_correction(
        data.db, data.actors["gvcn4a"], class_id=data.class_4a, pupil_id=data.ids["Lê Thị Ánh"], milestone="GK1",
        field="score", new_value="8", reason="Cộng sai điểm.", subject_id=data.subjects["Toán"],
        evidence=[("so_ca_nhan", "so.jpg", b"1"), ("bai_kiem_tra", "bai.jpg", b"2")], on=TODAY)
    prompts = Recorder(text="")
    tab = make_tab(qtbot, data, "hieutruong", prompts=prompts)
    page = tab.corrections_page
    assert not page.approve_button.isEnabled()  # nothing selected yet
    tab.pages.setCurrentWidget(page)
    assert page.model.row_at(0).cells[3:5] == ("6", "8")
    assert page.select_request(request) and page.reject_button.isEnabled()
    assert not page.decide(False)
    assert "ghi ý kiến" in prompts.errors[-1]
    prompts.ask_text = lambda parent, title, label: "Bài kiểm tra không khớp với sổ."
    assert page.decide(False)
    assert page.selected().status == "Không duyệt" and not page.approve_button.isEnabled()


# --- traits --------------------------------------------------------------------------------

def test_traits_grid_saves_levels_with_the_same_keys(qtbot, qtmodeltester, data, calls):
    tab = make_tab(qtbot, data, calls=calls)
    tab.choose("4A", TRAITS_TITLE, "CK1")
    qtmodeltester.check(tab.model)
    assert tab.model.columnCount() == 2 + 15
    assert tab.model.headerData(2, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == "Phẩm chất: Yêu nước"
    assert "Năng lực chung" in tab.note_label.text()
    at(tab, 0, 2)
    type_in(qtbot, tab, "đ", Qt.Key.Key_Tab)
    type_in(qtbot, tab, "T", Qt.Key.Key_Tab)
    type_in(qtbot, tab, "x")
    assert calls["trait"] == [1, 1, 1]
    assert [tab.model.text(0, c) for c in (2, 3, 4)] == ["Đ", "T", "x"]
    assert "không phải mức phẩm chất" in tab.model.data(tab.model.index(0, 4), Qt.ItemDataRole.ToolTipRole)
    grid = gradebook.trait_grid(data.db, SYSTEM, data.class_4a, "CK1", on=TODAY)
    an = next(r for r in grid.rows if r.full_name == "Nguyễn Văn An")
    assert (an.levels.get("YEU_NUOC"), an.levels.get("NHAN_AI"), an.levels.get("CHAM_CHI")) == ("DAT", "TOT", None)
    tab.grid_page.paste("T\tĐ\tC\n")
    assert calls["trait"] == [1, 1, 1, 3]


def test_only_the_homeroom_teacher_enters_traits(qtbot, data):
    tab = make_tab(qtbot, data, "hieutruong")
    tab.choose("4A", TRAITS_TITLE, "CK1")
    assert not tab.model.flags(tab.model.index(0, 2)) & Qt.ItemFlag.ItemIsEditable
    assert "giáo viên chủ nhiệm" in tab.note_label.text()


# --- year-end results ----------------------------------------------------------------------

def _fill_end_of_year(data):
    """Every CN level, score and trait of 4A entered (SYSTEM, within the CN window)."""
    day = dt.date(2027, 4, 20)
    with data.db.read() as session:
        subjects = school.grade_subjects(session, data.year.id, 4)
    for subject, entry in subjects:
        edits = [CellEdit(pupil, "level", "HTT") for pupil in data.ids.values()]
        if "CN" in entry.tested_milestones.split(","):
            edits += [CellEdit(pupil, "score", 9 if name != "Đặng Thị Hoà" else 4) for name, pupil in data.ids.items()]
        gradebook.save_subject_cells(data.db, SYSTEM, data.class_4a, subject.id, "CN", edits, on=day)
    gradebook.save_trait_cells(data.db, SYSTEM, data.class_4a, "CN", [
        CellEdit(pupil, "level", "TOT", code) for pupil in data.ids.values() for code, _n in rules.TRAITS], on=day)


def test_year_end_results_are_recorded_by_the_homeroom_teacher_and_approved_by_the_principal(qtbot, data):
    prompts = Recorder()
    tab = make_tab(qtbot, data, prompts=prompts)
    tab.pages.setCurrentWidget(tab.results_page)
    page = tab.results_page
    assert page.model.rowCount() == 3 and page.model.row_at(0).cells[2] == "Chưa đủ dữ liệu"
    assert not page.approve_button.isVisibleTo(page)
    page.record_button.click()
    assert prompts.errors and "thiếu dữ liệu" in prompts.errors[0]

    _fill_end_of_year(data)
    page.load(tab.class_choice())
    cells = {page.model.row_at(r).cells[1]: page.model.row_at(r).cells for r in range(3)}
    assert cells["Nguyễn Văn An"][2:] [0] == "Hoàn thành xuất sắc"
    assert cells["Nguyễn Văn An"][4] == "Học sinh Xuất sắc" and cells["Nguyễn Văn An"][5] == "Hoàn thành"
    assert cells["Đặng Thị Hoà"][2] == "Chưa hoàn thành" and cells["Đặng Thị Hoà"][5] == "Chưa hoàn thành"
    tip = page.model.data(page.model.index(0, 3), Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("<p>") and "Điều 9" in tip
    assert "Hoàn thành xuất sắc 2" in page.summary_label.text()
    assert page.record()
    assert prompts.told[-1] == "Đã ghi kết quả của 3 học sinh lớp 4A."

    # the class's recognition, then the summer re-assessment of the pupil who did not complete
    page.select_pupil(data.ids["Nguyễn Văn An"])
    assert page.recognition_edit.isEnabled() and not page.reassessment_button.isEnabled()  # An completed
    assert not page.decision_button.isVisibleTo(page)  # the principal's
    page.recognition_edit.setText("Tiêu biểu môn Toán")
    assert page.save_recognition()
    assert prompts.told[-1] == "Đã ghi: Nguyễn Văn An — đề nghị khen Học sinh Xuất sắc."
    assert "Tiêu biểu môn Toán" in page.model.data(page.model.index(0, 4), Qt.ItemDataRole.ToolTipRole)
    page.select_pupil(data.ids["Đặng Thị Hoà"])
    assert page.reassessment_button.isEnabled()
    # the box offers the first day of the summer (the school year ends 31/5), not today in November
    assert page.reassessed_edit.date().toPython() == dt.date(2027, 6, 1)
    page.reassessed_edit.setDate(QDate(2027, 9, 2))
    assert not page.save_reassessment() and "31/8/2027" in prompts.errors[-1]
    page.reassessed_edit.setDate(QDate(2027, 8, 20))
    assert page.save_reassessment()
    assert prompts.told[-1] == "Đã ghi đánh giá bổ sung của Đặng Thị Hoà: Hoàn thành (20/08/2027)."
    hoa = page.model.row_at(2).cells
    assert hoa[5:] == ("Hoàn thành", "Hoàn thành (20/08/2027)", "")

    boss_prompts = Recorder()
    boss = make_tab(qtbot, data, "hieutruong", prompts=boss_prompts)
    boss.pages.setCurrentWidget(boss.results_page)
    other = boss.results_page
    other.select_pupil(data.ids["Đặng Thị Hoà"])
    assert other.decision_button.isVisibleTo(other) and other.decision_combo.currentData() == "len_lop"
    assert not other.recognition_button.isEnabled()  # the homeroom teacher's
    other.decision_combo.setCurrentIndex(other.decision_combo.findData("o_lai"))
    assert not other.save_decision() and "được lên lớp" in boss_prompts.errors[-1]
    other.decision_combo.setCurrentIndex(other.decision_combo.findData("len_lop"))
    assert other.save_decision()
    assert other.model.row_at(2).cells[7] == "Được lên lớp"
    assert boss.results_page.approve()
    assert boss_prompts.told[-1] == "Đã phê duyệt kết quả của lớp 4A."
    other.select_pupil(data.ids["Nguyễn Văn An"])
    page.load(tab.class_choice())
    page.select_pupil(data.ids["Nguyễn Văn An"])
    assert not page.recognition_button.isEnabled()  # approved: locked


# --- registry ------------------------------------------------------------------------------

def test_the_tab_is_registered_for_whoever_may_view_marks(qtbot, data):
    from nk_desktop.services.permissions import Action
    from nk_desktop.views import registry

    spec = next(s for s in registry.TABS if s.key == "gradebook")
    assert spec.title == "Sổ điểm" and spec.actions == (Action.MARKS_VIEW,)
    widget = spec.factory(data.db, data.actors["gvbomon"], None)
    qtbot.addWidget(widget)
    assert isinstance(widget, GradebookTab)


# --- screenshots (on request) ---------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("NK_SCREENSHOTS"), reason="screenshots only on request (NK_SCREENSHOTS=1)")
def test_gradebook_screenshots(qtbot, qapp, tmp_path):
    """docs/screenshots/gradebook-{subject,traits,results}.png on the demo school, 1280×800, bundled fonts.

    Run: ``NK_SCREENSHOTS=1 QT_QPA_PLATFORM=offscreen pytest tests/views/test_gradebook_tab.py -k screenshots``;
    then open the pictures: Vietnamese letters drawn, nothing clipped.
    """
    from nk_desktop.services.demo import build_demo_school

    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        assert QFontDatabase.addApplicationFont(str(ROOT / "nk_desktop" / "resources" / "fonts" / name)) >= 0
    previous = qapp.font()
    qapp.setFont(QFont("DejaVu Sans", 10))
    try:
        db = open_database(tmp_path / "demo.sqlite")
        build_demo_school(db, "demo1234", on=TODAY)
        principal = accounts.login(db, "hieutruong", "demo1234").actor
        year = next(y for y, is_current in school.list_years(db, principal, on=TODAY) if is_current)
        four_a = next(c for c in school.list_classes(db, principal, year.id) if c.name == "4A")
        teacher = accounts.login(db, four_a.homeroom_username, "demo1234").actor
        with db.read() as session:
            math = school.subject_by_name(session, "Toán").id
        # Make sure the grid shows marks: enter the first rows' CK1 Toán through the service, as the teacher.
        grid = gradebook.subject_grid(db, teacher, four_a.id, math, "CK1", on=TODAY)
        levels = ("HTT", "HT", "HTT", "HT", "CHT", "HTT")
        edits = []
        for n, row in enumerate(grid.rows[:6]):
            if row.level is None:
                edits.append(CellEdit(row.pupil_id, "level", levels[n]))
            if row.score is None and grid.tested:
                level = row.level or levels[n]
                edits.append(CellEdit(row.pupil_id, "score", {"HTT": 9 + n % 2, "HT": 7 + n % 2, "CHT": 4}[level]))
            if not row.comment:
                edits.append(CellEdit(row.pupil_id, "comment", phrases("TOAN", levels[n])[0]))
        if edits:
            gradebook.save_subject_cells(db, teacher, four_a.id, math, "CK1", edits, on=TODAY)
        _fill_class_end_of_year(db, year.id, four_a.id)

        tab = GradebookTab(db, teacher, today=lambda: TODAY, prompts=Recorder())
        qtbot.addWidget(tab)
        tab.resize(1280, 800)
        tab.show()
        qtbot.waitExposed(tab)
        SHOTS.mkdir(parents=True, exist_ok=True)

        tab.choose("4A", "Toán", "CK1")
        at(tab, 6, SCORE)
        type_in(qtbot, tab, "7,5")  # a refused cell, to show how it looks
        at(tab, 7, LEVEL)
        qapp.processEvents()
        assert tab.grab().save(str(SHOTS / "gradebook-subject.png"))

        tab.choose("4A", TRAITS_TITLE, "CK1")
        at(tab, 2, 4)
        qapp.processEvents()
        assert tab.grab().save(str(SHOTS / "gradebook-traits.png"))

        from nk_desktop.services import results

        results.record_results(db, teacher, four_a.id)
        tab.pages.setCurrentWidget(tab.results_page)
        page = tab.results_page
        weak = next((e for e in page.evaluations if e.overall == "CHT"), page.evaluations[1])
        page.select_pupil(weak.pupil_id)  # the re-assessment row is open for a pupil who did not complete
        qapp.processEvents()
        assert tab.grab().save(str(SHOTS / "gradebook-results.png"))
        db.dispose()
    finally:
        qapp.setFont(previous)


def _fill_class_end_of_year(db, year_id, class_id):
    """CN levels, scores and traits for a whole class (SYSTEM, inside the CN window), with some variety."""
    import random

    rng = random.Random(4)
    day = dt.date(2027, 4, 20)
    with db.read() as session:
        subjects = school.grade_subjects(session, year_id, 4)
    grid = gradebook.trait_grid(db, SYSTEM, class_id, "CN", on=day)
    ability = {row.pupil_id: rng.random() for row in grid.rows}
    for subject, entry in subjects:
        edits = []
        for pupil, a in ability.items():
            edits.append(CellEdit(pupil, "level", "HTT" if a > 0.45 else ("HT" if a > 0.05 else "CHT")))
            if "CN" in entry.tested_milestones.split(","):
                edits.append(CellEdit(pupil, "score", max(3, min(10, round(5 + 5 * a + rng.uniform(-1, 1))))))
        gradebook.save_subject_cells(db, SYSTEM, class_id, subject.id, "CN", edits, on=day)
    gradebook.save_trait_cells(db, SYSTEM, class_id, "CN", [
        CellEdit(pupil, "level", "TOT" if a > 0.3 else "DAT", code)
        for pupil, a in ability.items() for code, _n in rules.TRAITS], on=day)
