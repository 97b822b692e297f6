"""The "Điểm danh" tab: a roll taken with the keyboard only, the month as the roll book, closing, the paper
trail, alerts and parent notices.

Real services on a database in tmp_path.  "Today" is Monday 30/11/2026; 24/11/2026 is a public holiday.
No dialog is exec()'d: questions, reasons and file names come from injected functions.
"""

from __future__ import annotations

import datetime as dt
import shutil
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from nk_desktop.actor import SYSTEM
from nk_desktop.db import open_database
from nk_desktop.services import accounts, attendance, clubs, pupils, school, staff
from nk_desktop.services.permissions import Action, Role
from nk_desktop.services.setup import init_school
from nk_desktop.views import registry
from nk_desktop.views.attendance import AttendanceTab
from nk_desktop.views.attendance.models import DIM, MARK, OFF_BACKGROUND, REASON

D = dt.date
NOV_30 = D(2026, 11, 30)
PASSWORD = "matkhau123"
NAMES = ["Nguyễn Văn An", "Phạm Thị Bình", "Lê Văn Cường", "Trần Thị Dung", "Hoàng Văn Em"]
KEY = Qt.Key


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """4A (homeroom: Cô Lan) with five pupils, one joined on 16/11; 4B; a clerk; built once."""
    path = tmp_path_factory.mktemp("attendance") / "t.sqlite"
    db = open_database(path)
    init_school(db, "Trường Tiểu học Nguyễn Khuyến", PASSWORD, on=NOV_30)
    with db.read() as session:
        year = school.current_year(session, NOV_30)
    people = {}
    for username, given, role in (("gvcn4a", "Lan", Role.GV_CHU_NHIEM), ("vanthu", "Hoa", Role.VAN_THU),
                                  ("phohieutruong", "Minh", Role.PHO_HIEU_TRUONG)):
        people[username] = staff.create_staff(db, SYSTEM, family_name="Trần", middle_name="Thị", given_name=given,
                                              gender="Nữ")
        accounts.create_account(db, SYSTEM, username=username, staff_id=people[username], roles=[role],
                                password=PASSWORD, must_change=False)
    class_4a = school.create_class(db, SYSTEM, year.id, "4A", homeroom_id=people["gvcn4a"])
    class_4b = school.create_class(db, SYSTEM, year.id, "4B")
    ids = {}
    for name in NAMES:
        extra = {"start_date": D(2026, 11, 16), "start_reason": "chuyen_den", "came_from": "Trường Tiểu học Kim Đồng"} \
            if name == "Hoàng Văn Em" else {}
        ids[name] = pupils.add_pupil(db, SYSTEM, class_4a, {"full_name": name, "date_of_birth": D(2016, 5, 5),
                                                            "gender": "Nam", "contact_phone": "0912345678"}, **extra)
    pupils.add_pupil(db, SYSTEM, class_4b, {"full_name": "Vũ Minh Châu", "date_of_birth": D(2016, 8, 9),
                                            "gender": "Nữ"})
    actors = {name: accounts.login(db, name, PASSWORD).actor
              for name in ("hieutruong", "gvcn4a", "vanthu", "phohieutruong")}
    teacher = actors["gvcn4a"]
    for day in (D(2026, 11, 23), D(2026, 11, 25), D(2026, 11, 26), D(2026, 11, 27)):
        attendance.take_roll(db, teacher, class_4a, day, "sang", {ids["Trần Thị Dung"]: ("K", "")}, on=NOV_30)
    attendance.take_roll(db, teacher, class_4a, D(2026, 11, 20), "sang", {ids["Nguyễn Văn An"]: ("P", "Ốm")},
                         on=NOV_30)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path, SimpleNamespace(year=year, class_4a=class_4a, class_4b=class_4b, ids=ids, actors=actors)


@pytest.fixture
def data(template, tmp_path):
    path, built = template
    copy = tmp_path / "t.sqlite"
    shutil.copy(path, copy)
    database = open_database(copy)
    yield SimpleNamespace(db=database, **vars(built))
    database.dispose()


class Answers:
    """Injected confirm / reason / path functions: record what was asked, answer with ``self.answer``."""

    def __init__(self, answer=True):
        self.answer = answer
        self.questions: list[str] = []

    def __call__(self, parent, *texts):
        self.questions.append(" | ".join(texts))
        return self.answer


def make_tab(qtbot, data, username="gvcn4a", *, confirm=None, reason=None, path=None, choose=None, edit=None):
    tab = AttendanceTab(data.db, data.actors[username], today=lambda: NOV_30, confirm=confirm or Answers(),
                        ask_reason=reason or Answers(None), ask_path=path or Answers(None),
                        choose=choose or Answers(None), edit=edit or Answers(None))
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    return tab


def focus_table(qtbot, tab):
    tab.activateWindow()
    qtbot.waitUntil(tab.isActiveWindow)  # shortcuts reach only the active window
    tab.roll_page.table.setFocus()
    return tab.roll_page.table


def statuses(data, day=NOV_30, session="sang", actor="gvcn4a"):
    roll = attendance.roll_for(data.db, data.actors[actor], data.class_4a, day, session, on=NOV_30)
    return {r.full_name: (r.status, r.reason) for r in roll.rows if r.status}, roll


# --- today's roll ---------------------------------------------------------------------------------------

def test_a_roll_is_taken_with_the_keyboard_only(qtbot, data, qtmodeltester):
    tab = make_tab(qtbot, data)
    page = tab.roll_page
    assert tab.page_titles() == ["Điểm danh hôm nay", "Theo tháng", "Câu lạc bộ", "Thông báo phụ huynh"]
    assert page.class_combo.currentText() == "4A" and page.date_edit.text() == "30/11/2026"
    assert page.session_combo.currentText() == "Sáng" and page.weekday_label.text() == "Thứ Hai"
    assert page.state_label.text() == "Chưa điểm danh buổi này"
    assert page.summary_label.text() == "Sĩ số 5 · Vắng có phép 0 · Không phép 0 · Muộn 0"
    assert [page.model.index(r, 1).data() for r in range(5)] == NAMES  # official order: An, Bình, Cường, Dung, Em
    qtmodeltester.check(page.model)

    table = focus_table(qtbot, tab)
    qtbot.keyClick(table, KEY.Key_Down)
    qtbot.keyClick(table, "K")
    qtbot.keyClick(table, KEY.Key_Down)
    qtbot.keyClick(table, KEY.Key_Down)
    qtbot.keyClick(table, "M")
    assert page.summary_label.text() == "Sĩ số 5 · Vắng có phép 0 · Không phép 1 · Muộn 1"
    assert page.state_label.text() == "Có thay đổi chưa lưu"
    assert statuses(data)[0] == {}  # nothing saved before Ctrl+S
    qtbot.keyClick(table, KEY.Key_S, Qt.KeyboardModifier.ControlModifier)

    marks, roll = statuses(data)
    assert roll.taken and marks == {"Phạm Thị Bình": ("K", ""), "Trần Thị Dung": ("M", "")}
    assert page.state_label.text() == "Đã điểm danh" and not page.save_button.isEnabled()
    assert page.saved_label.text() == "Đã lưu điểm danh lớp 4A, buổi sáng ngày 30/11/2026 (2 thay đổi)."
    assert page.model.index(1, MARK).data() == "K · Vắng không phép"
    assert table.currentIndex().row() == 3  # the cursor stays where it was


def test_space_clears_a_mark_and_typing_writes_the_reason(qtbot, data):
    tab = make_tab(qtbot, data)
    page = tab.roll_page
    table = focus_table(qtbot, tab)
    qtbot.keyClick(table, "p")  # lower case too
    qtbot.keyClick(table, KEY.Key_Down)
    qtbot.keyClick(table, "k")
    qtbot.keyClick(table, KEY.Key_Space)  # back to present
    qtbot.keyClick(table, KEY.Key_Up)
    qtbot.keyClick(table, KEY.Key_Right)  # on to "Lí do"
    assert table.currentIndex().column() == REASON
    qtbot.keyClick(table, "S")  # typing opens the reason's editor
    editor = QApplication.focusWidget()
    assert editor is not table and table.isAncestorOf(editor)
    editor.insert("ốt xuất huyết")
    qtbot.keyClick(editor, KEY.Key_S, Qt.KeyboardModifier.ControlModifier)  # saves what is being typed too
    assert statuses(data)[0] == {"Nguyễn Văn An": ("P", "Sốt xuất huyết")}
    qtbot.keyClick(table, KEY.Key_Left)
    qtbot.keyClick(table, KEY.Key_Delete)  # present again: the reason goes with the mark
    assert page.model.reason_at(0) == ""
    page.save_button.click()
    assert statuses(data)[0] == {}


def test_changing_the_day_with_unsaved_marks_asks_then_saves(qtbot, data):
    answers = Answers(True)
    tab = make_tab(qtbot, data, confirm=answers)
    page = tab.roll_page
    table = focus_table(qtbot, tab)
    qtbot.keyClick(table, "K")
    page.date_edit.setDate(D(2026, 11, 27))
    assert answers.questions == ["Buổi điểm danh lớp 4A, sáng ngày 30/11/2026 có thay đổi chưa lưu. "
                                 "Lưu trước khi chuyển?"]
    assert statuses(data)[0] == {"Nguyễn Văn An": ("K", "")}
    assert page.saved_label.text().startswith("Đã lưu điểm danh lớp 4A, buổi sáng ngày 30/11/2026")
    assert page.model.status_at(3) == "K" and page.weekday_label.text() == "Thứ Sáu"  # 27/11: Dung was absent
    # Answering no discards the marks.
    answers.answer = False
    qtbot.keyClick(table, KEY.Key_Down)
    qtbot.keyClick(table, "M")
    page.session_combo.setCurrentIndex(1)
    assert statuses(data, D(2026, 11, 27))[0] == {"Trần Thị Dung": ("K", "")}
    assert page.chosen()[2] == "chieu" and not page.model.is_dirty()


def test_a_day_off_is_read_only_with_its_reason(qtbot, data):
    tab = make_tab(qtbot, data)
    page = tab.roll_page
    page.date_edit.setDate(D(2026, 11, 24))
    assert not page.model.editable and not page.save_button.isEnabled()
    assert page.notice_label.text() == "Ngày 24/11/2026 là ngày nghỉ (Ngày Văn hóa Việt Nam)."
    table = focus_table(qtbot, tab)
    qtbot.keyClick(table, "K")
    assert page.model.counts()["K"] == 0 and not page.model.is_dirty()
    assert page.date_edit.maximumDate().toPython() == NOV_30  # no roll for days to come


def test_the_principal_reads_the_roll_and_its_buttons_stay_off(qtbot, data):
    tab = make_tab(qtbot, data, "hieutruong")
    assert tab.page_titles() == ["Điểm danh hôm nay", "Theo tháng", "Câu lạc bộ", "Sổ giấy", "Cảnh báo",
                                 "Thông báo phụ huynh"]
    page = tab.roll_page
    assert [page.class_combo.itemText(i) for i in range(page.class_combo.count())] == ["4A", "4B"]
    assert not page.model.editable and not page.save_button.isEnabled()
    assert page.notice_label.text() == "Chỉ giáo viên chủ nhiệm lớp 4A điểm danh được; bạn đang xem."
    assert not tab.month_page.confirm_button.isVisible()


# --- the month ------------------------------------------------------------------------------------------

def test_the_month_is_the_roll_book_with_shading_and_tooltips(qtbot, data, qtmodeltester):
    tab = make_tab(qtbot, data)
    page = tab.show_page(tab.month_page)
    model = page.model
    qtmodeltester.check(model)
    assert page.month_combo.currentText() == "Tháng 11/2026" and model.day_count == 30
    header = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert header[:3] == ["STT", "Họ và tên", "1\nCN"] and header[model.day_column(30)] == "30\nT2"
    assert header[-9:] == ["P\nT", "K\nT", "M\nT", "P\nHK", "K\nHK", "M\nHK", "P\nN", "K\nN", "M\nN"]
    holiday, saturday, monday = model.day_column(24), model.day_column(28), model.day_column(23)
    assert model.headerData(holiday, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == \
        "Thứ Ba 24/11/2026: Ngày Văn hóa Việt Nam"
    assert model.headerData(holiday, Qt.Orientation.Horizontal, Qt.ItemDataRole.BackgroundRole) == OFF_BACKGROUND
    for column, tip in ((holiday, "Ngày Văn hóa Việt Nam"), (saturday, "Thứ Bảy")):
        index = model.index(0, column)
        assert index.data(Qt.ItemDataRole.BackgroundRole) == OFF_BACKGROUND
        assert index.data(Qt.ItemDataRole.ToolTipRole).endswith(tip)
    assert model.index(0, monday).data(Qt.ItemDataRole.BackgroundRole) is None
    rows = {model.index(r, 1).data(): r for r in range(model.rowCount())}
    dung, em, an = rows["Trần Thị Dung"], rows["Hoàng Văn Em"], rows["Nguyễn Văn An"]
    assert model.index(dung, monday).data() == "K"
    assert model.index(dung, monday).data(Qt.ItemDataRole.ToolTipRole) == "Vắng không phép"
    assert model.index(em, model.day_column(13)).data() == "-"
    assert model.index(em, model.day_column(13)).data(Qt.ItemDataRole.ForegroundRole) == DIM
    assert model.index(em, 1).data(Qt.ItemDataRole.ToolTipRole) == "Hoàng Văn Em — Vào lớp 16/11"
    first_total = model.first_day_column + model.day_count
    assert [model.index(dung, first_total + n).data() for n in range(9)] == ["0", "4", "0"] * 3
    assert [model.index(an, first_total + n).data() for n in range(3)] == ["1", "0", "0"]
    # 5 rolls; pupil-sessions 4×5 + Em 5 (from 16/11) = 25; absences 4 (Dung) + 1 (An) = 5 → 80%.
    assert page.rate_label.text() == "Tỉ lệ chuyên cần: 80,0% · Đã điểm danh 5 buổi · Sổ tháng: Đang điểm danh"
    width = sum(page.table.horizontalHeader().sectionSize(c) for c in range(model.columnCount()))
    room = page.table.width() - 2 * page.table.frameWidth() - page.table.verticalScrollBar().sizeHint().width()
    assert width <= room  # all the days and the totals fit at 1280 px, even with a vertical scroll bar
    page.month_combo.setCurrentIndex(page.month_combo.findText("Tháng 10/2026"))
    assert model.day_count == 31 and model.rowCount() == 4  # Em joined in November
    assert sum(page.table.horizontalHeader().sectionSize(c) for c in range(model.columnCount())) <= room


def test_confirming_the_month_makes_the_roll_read_only_until_reopened(qtbot, data):
    answers = Answers(True)
    tab = make_tab(qtbot, data, confirm=answers)
    page = tab.show_page(tab.month_page)
    assert page.confirm_button.isVisible() and page.confirm_button.isEnabled()
    assert page.step_buttons == {} and not page.reopen_button.isVisible()  # the teacher has no paper steps
    page.confirm_button.click()
    assert answers.questions[-1].startswith("Chốt sổ điểm danh lớp 4A, tháng 11/2026?")
    assert page.notice_label.text() == "Đã chốt sổ điểm danh lớp 4A, tháng 11/2026."
    assert page.rate_label.text().endswith("Sổ tháng: GVCN đã chốt") and not page.confirm_button.isEnabled()

    roll = tab.show_page(tab.roll_page)
    assert not roll.model.editable and not roll.save_button.isEnabled()
    assert "đã chốt (GVCN đã chốt); muốn sửa phải đề nghị Hiệu trưởng mở lại" in roll.notice_label.text()
    table = focus_table(qtbot, tab)
    qtbot.keyClick(table, "K")
    assert not roll.model.is_dirty()

    principal = make_tab(qtbot, data, "hieutruong", reason=Answers("GVCN ghi nhầm ngày 27/11"))
    month = principal.show_page(principal.month_page)
    assert month.reopen_button.isEnabled()
    assert [b.text() for b in month.step_buttons.values()] == [
        "Đã in", "GVCN đã kí", "Văn phòng đã nhận", "Hiệu trưởng đã kí", "Đã đóng tập"]
    assert [b.isEnabled() for b in month.step_buttons.values()] == [True, False, False, False, False]
    month.reopen_button.click()
    assert month.rate_label.text().endswith("Sổ tháng: Đang điểm danh")
    tab.show_page(tab.month_page)
    tab.show_page(tab.roll_page)
    assert tab.roll_page.model.editable


# --- clubs ------------------------------------------------------------------------------------------------

def test_a_club_is_opened_filled_and_its_roll_taken_with_the_keyboard(qtbot, data, qtmodeltester):
    lan = data.actors["gvcn4a"].staff_id
    edits = []

    answers = [("  Cờ vua ", lan), ("Bóng đá mini", None), ("Bóng đá", None)]

    def edit(parent, title, name, teacher_id, teachers):
        edits.append((title, name, teacher_id, [n for _i, n in teachers]))
        return answers.pop(0)

    boss = make_tab(qtbot, data, "hieutruong", edit=edit,
                    choose=lambda parent, found: [m.pupil_id for m in found if m.class_name == "4A"][:2]
                    + [m.pupil_id for m in found if m.full_name == "Vũ Minh Châu"])
    page = boss.show_page(boss.clubs_page)
    assert page.notice_label.text() == "Chưa có câu lạc bộ nào bạn được xem trong năm học này."
    assert page.new_button.isVisible() and not page.add_button.isVisible()
    page.new_button.click()
    assert edits[0][:3] == ("Mở câu lạc bộ", "", None) and "Trần Thị Lan" in edits[0][3]
    assert page.club_combo.currentText() == "Cờ vua"
    assert page.teacher_label.text() == "Phụ trách: Trần Thị Lan"
    page.new_button.click()  # a second club: the list shows the one just opened, then the renamed one
    assert page.club_combo.currentText() == "Bóng đá mini" and page.teacher_label.text() == "Phụ trách: chưa phân công"
    page.rename_button.click()
    assert edits[2][:3] == ("Sửa câu lạc bộ Bóng đá mini", "Bóng đá mini", None)
    assert [page.club_combo.itemText(i) for i in range(2)] == ["Bóng đá", "Cờ vua"]
    assert page.club_combo.currentText() == "Bóng đá"
    assert page.select_club(page.infos[1].club_id) and page.club_combo.currentText() == "Cờ vua"
    page.member_date.setDate(D(2026, 11, 2))  # members from then: the 28/11 session lists them
    page.add_button.click()
    assert page.saved_label.text() == "Đã thêm 3 thành viên vào câu lạc bộ Cờ vua từ ngày 02/11/2026."
    assert [r.cells[:2] for r in page.members_model.rows()] == [
        ("Nguyễn Văn An", "4A"), ("Phạm Thị Bình", "4A"), ("Vũ Minh Châu", "4B")]
    assert not page.model.editable  # the principal reads; the teacher in charge takes the roll
    assert page.notice_label.text() == "Chỉ giáo viên phụ trách câu lạc bộ Cờ vua điểm danh được; bạn đang xem."

    tab = make_tab(qtbot, data)
    page = tab.show_page(tab.clubs_page)
    qtmodeltester.check(page.model)
    qtmodeltester.check(page.totals_model)
    assert not page.new_button.isVisible() and page.add_button.isVisible()
    page.date_edit.setDate(D(2026, 11, 28))  # a Saturday: clubs meet then
    assert page.weekday_label.text() == "Thứ Bảy" and page.state_label.text() == "Chưa điểm danh buổi sinh hoạt này"
    assert [page.model.index(r, 1).data() for r in range(3)] == [
        "Nguyễn Văn An (4A)", "Phạm Thị Bình (4A)", "Vũ Minh Châu (4B)"]
    tab.activateWindow()
    qtbot.waitUntil(tab.isActiveWindow)
    page.table.setFocus()
    qtbot.keyClick(page.table, "K")
    qtbot.keyClick(page.table, KEY.Key_Down)
    qtbot.keyClick(page.table, KEY.Key_Down)
    qtbot.keyClick(page.table, "m")
    assert page.summary_label.text() == "Sĩ số 3 · Vắng có phép 0 · Không phép 1 · Muộn 1"
    qtbot.keyClick(page.table, KEY.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert page.saved_label.text() == "Đã lưu điểm danh câu lạc bộ Cờ vua ngày 28/11/2026 (2 thay đổi)."
    assert page.state_label.text() == "Đã điểm danh buổi sinh hoạt này"
    totals = {r.cells[0]: r.cells for r in page.totals_model.rows()}
    assert totals["Nguyễn Văn An"][2:] == ("1", "0", "0", "1", "0", "0,0%")
    assert totals["Vũ Minh Châu"][2:] == ("1", "1", "0", "0", "1", "100,0%")
    assert page.totals_label.text() == "1 buổi sinh hoạt đã điểm danh · tỉ lệ chuyên cần 66,7%"
    # Bình leaves; the session she attended keeps her, the next one does not list her.
    page.members_table.setCurrentIndex(page.members_model.index(1, 0))
    page.remove_button.click()
    assert [r.cells[4] != "" for r in page.members_model.rows()] == [False, False, True]
    assert page.model.rowCount() == 3
    page.date_edit.setDate(D(2026, 11, 30))
    assert [page.model.index(r, 1).data() for r in range(page.model.rowCount())] == [
        "Nguyễn Văn An (4A)", "Vũ Minh Châu (4B)"]


def test_club_members_join_and_leave_and_a_club_closes_on_the_dates_chosen(qtbot, data):
    boss = data.actors["hieutruong"]
    club_id = clubs.create_club(data.db, boss, data.year.id, "Cờ vua", teacher_id=data.actors["gvcn4a"].staff_id)
    wanted, offered = [["Nguyễn Văn An", "Phạm Thị Bình"]], []

    def choose(parent, found):
        offered[:] = [m.full_name for m in found]
        return [m.pupil_id for m in found if m.full_name in wanted[0]]

    confirm = Answers()
    tab = make_tab(qtbot, data, confirm=confirm, choose=choose)
    page = tab.show_page(tab.clubs_page)
    assert not page.manage_row.isVisible() and page.member_date.isVisible()
    assert page.member_date.displayFormat() == "dd/MM/yyyy" and page.member_date.text() == "30/11/2026"
    assert page.member_date.maximumDate().toPython() == NOV_30  # never ahead
    assert page.member_date.minimumDate().toPython() == data.year.start_date
    page.member_date.setDate(D(2026, 11, 2))
    page.add_button.click()
    assert page.saved_label.text() == "Đã thêm 2 thành viên vào câu lạc bộ Cờ vua từ ngày 02/11/2026."
    assert "Hoàng Văn Em" not in offered  # in 4A from 16/11 only: not a pupil of the school on 2/11
    assert [r.cells[2] for r in page.members_model.rows()] == ["02/11/2026", "02/11/2026"]
    for day in (D(2026, 11, 14), D(2026, 11, 21)):
        clubs.take_club_roll(data.db, data.actors["gvcn4a"], club_id, day, {data.ids["Phạm Thị Bình"]: ("K", "")},
                             on=NOV_30)
    # A leaving before the joining is refused with the service's message; nothing changes.
    page.members_table.setCurrentIndex(page.members_model.index(0, 0))
    page.member_date.setDate(D(2026, 11, 1))
    page.remove_button.click()
    assert page.notice_label.text() == "Ngày rời câu lạc bộ 01/11/2026 trước ngày em vào (02/11/2026)."
    assert all(r.cells[4] == "" for r in page.members_model.rows())
    # Bình stopped coming after 10/11, recorded late: the two sessions taken keep her marks.
    page.members_table.setCurrentIndex(page.members_model.index(1, 0))
    page.member_date.setDate(D(2026, 11, 10))
    page.remove_button.click()
    assert confirm.questions[-1] == ("Phạm Thị Bình rời câu lạc bộ Cờ vua từ ngày 10/11/2026? Các buổi em đã dự vẫn "
                                     "giữ.")
    assert page.saved_label.text() == ("Phạm Thị Bình đã rời câu lạc bộ Cờ vua từ ngày 10/11/2026. 2 buổi đã điểm "
                                       "danh từ ngày đó vẫn có tên em (điểm danh giữ nguyên; sửa buổi đó nếu cần).")
    gone = page.members_model.rows()[-1]
    assert gone.cells[0] == "Phạm Thị Bình" and gone.cells[2:] == ("02/11/2026", "2", "10/11/2026")
    assert "2 buổi đã điểm danh sau ngày rời" in page.members_model.index(1, 4).data(Qt.ItemDataRole.ToolTipRole)
    # Dung joins, recorded now but dated 2/11: the session of 14/11 lists him, to be saved.
    wanted[0] = ["Trần Thị Dung"]
    page.member_date.setDate(D(2026, 11, 2))
    page.add_button.click()
    page.date_edit.setDate(D(2026, 11, 14))
    assert [page.model.index(r, 1).data() for r in range(page.model.rowCount())] == [
        "Nguyễn Văn An (4A)", "Phạm Thị Bình (4A)", "Trần Thị Dung (4A)"]
    assert page.state_label.text() == "Đã điểm danh; 1 thành viên vào CLB từ trước ngày này chưa được ghi: lưu để ghi"
    assert page.save_button.isEnabled()
    page.save_button.click()
    assert page.state_label.text() == "Đã điểm danh buổi sinh hoạt này" and not page.save_button.isEnabled()
    page.date_edit.setDate(D(2026, 11, 28))
    assert [page.model.index(r, 1).data() for r in range(page.model.rowCount())] == [
        "Nguyễn Văn An (4A)", "Trần Thị Dung (4A)"]

    # The principal closes it: not on the day of its last session, then the day after.
    chief = make_tab(qtbot, data, "hieutruong", confirm=confirm)
    page = chief.show_page(chief.clubs_page)
    assert page.manage_row.isVisible() and page.close_date.displayFormat() == "dd/MM/yyyy"
    page.close_date.setDate(D(2026, 11, 21))
    page.close_button.click()
    assert page.notice_label.text() == ("Câu lạc bộ Cờ vua đã điểm danh buổi sinh hoạt ngày 21/11/2026: ngày đóng "
                                        "phải sau ngày đó.")
    page.close_date.setDate(D(2026, 11, 22))
    page.close_button.click()
    assert confirm.questions[-1].startswith("Đóng câu lạc bộ Cờ vua từ ngày 22/11/2026?")
    assert page.saved_label.text() == "Đã đóng câu lạc bộ Cờ vua từ ngày 22/11/2026."
    assert page.club_combo.count() == 0
    closed = clubs.list_clubs(data.db, boss, data.year.id, include_closed=True)
    assert [(c.name, c.closed_on) for c in closed] == [("Cờ vua", D(2026, 11, 22))]


# --- the paper trail, alerts, notices --------------------------------------------------------------------

def test_the_clerk_follows_the_paper_trail_late_classes_in_red(qtbot, data, qtmodeltester):
    attendance.confirm_month(data.db, data.actors["gvcn4a"], data.class_4a, "2026-11", on=NOV_30)
    tab = make_tab(qtbot, data, "vanthu")
    assert tab.page_titles() == ["Điểm danh hôm nay", "Theo tháng", "Câu lạc bộ", "Sổ giấy", "Thông báo phụ huynh"]
    page = tab.show_page(tab.paper_page)
    qtmodeltester.check(page.model)
    assert page.month_combo.currentText() == "Tháng 11/2026"  # its last day: this month's sheet is in play
    rows = {r.cells[0]: r for r in page.model.rows()}
    assert rows["4A"].cells[1:3] == ("GVCN đã chốt", "Đã in") and not rows["4A"].red
    assert rows["4B"].cells[1] == "Đang điểm danh" and not rows["4B"].red  # the month is not over yet
    page.table.selectRow(0)
    assert page.step_button.text() == "Lớp 4A: ghi nhận “Đã in”" and page.step_button.isEnabled()
    page.step_button.click()
    assert page.notice_label.text() == "Lớp 4A: đã ghi nhận “Đã in”."
    assert page.model.rows()[0].cells[1] == "Đã in"
    assert page.step_button.text() == "Lớp 4A: ghi nhận “GVCN đã kí”"
    page.table.selectRow(1)
    assert page.step_button.text() == "Lớp 4B: chờ GVCN chốt tháng" and not page.step_button.isEnabled()
    page.month_combo.setCurrentIndex(page.month_combo.findText("Tháng 10/2026"))
    assert all(r.red for r in page.model.rows())  # October: neither class confirmed
    assert page.model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole).color().name() == "#b00020"
    assert page.count_label.text() == "Tháng 10/2026: 2 lớp, 2 lớp trễ hạn (4A, 4B)"


def test_alerts_for_the_principal(qtbot, data, qtmodeltester):
    tab = make_tab(qtbot, data, "phohieutruong")
    page = tab.show_page(tab.alerts_page)
    qtmodeltester.check(page.model)
    cells = [r.cells for r in page.model.rows()]
    assert cells[0][:2] == ("Chưa điểm danh", "4A") and cells[1][:2] == ("Chưa điểm danh", "4B")
    assert [r.red for r in page.model.rows()] == [True, True] + [False] * (len(cells) - 2)  # missing rolls: red
    assert ("Vắng liên tiếp", "4A", "Trần Thị Dung",
            "Trần Thị Dung (lớp 4A) vắng 4 ngày học liên tiếp đến ngày 27/11/2026.") in cells
    assert page.count_label.text().startswith("Ngày 30/11/2026: 1 học sinh vắng liên tiếp")


def test_the_principal_sets_the_alert_thresholds_others_read_them(qtbot, data):
    tab = make_tab(qtbot, data, "hieutruong")
    page = tab.show_page(tab.alerts_page)
    assert (page.percent_spin.value(), page.streak_spin.value()) == (20, 3)
    assert not page.percent_spin.isReadOnly() and not page.save_limits_button.isEnabled()
    streaks = [r for r in page.model.rows() if r.cells[0] == "Vắng liên tiếp"]
    assert [r.cells[2] for r in streaks] == ["Trần Thị Dung"]  # 4 days in a row
    page.streak_spin.setValue(5)
    page.percent_spin.setValue(50)
    assert page.save_limits_button.isEnabled()
    page.save_limits_button.click()
    limits = attendance.alert_thresholds(data.db, data.actors["hieutruong"], data.year.id)
    assert (limits.percent, limits.streak_days) == (50, 5)
    assert page.limits_label.text() == "Đã lưu: vắng quá 50% số ngày học hoặc 5 ngày liên tiếp."
    assert not [r for r in page.model.rows() if r.cells[0] == "Vắng liên tiếp"]  # 4 < 5: the alert is gone
    # The vice-principal sees the thresholds, read-only, and no button.
    vice = make_tab(qtbot, data, "phohieutruong")
    other = vice.show_page(vice.alerts_page)
    assert (other.percent_spin.value(), other.streak_spin.value()) == (50, 5)
    assert other.percent_spin.isReadOnly() and other.streak_spin.isReadOnly()
    assert not other.save_limits_button.isVisible() and other.limits_label.text() == "Hiệu trưởng đặt các ngưỡng này."


def test_parent_notices_copied_and_exported(qtbot, data, tmp_path, qtmodeltester):
    out = tmp_path / "thong-bao.xlsx"
    tab = make_tab(qtbot, data, path=Answers(str(out)))
    page = tab.show_page(tab.notices_page)
    qtmodeltester.check(page.model)
    assert page.period_label.text() == "Từ 30/11/2026 đến 06/12/2026"
    page.date_edit.setDate(D(2026, 11, 27))
    assert page.period_label.text() == "Từ 23/11/2026 đến 29/11/2026"
    dung = next(r for r in page.model.rows() if r.cells[1] == "Trần Thị Dung")
    assert dung.cells[3] == ("Lớp 4A, từ 23/11 đến 29/11/2026: em Trần Thị Dung đi học 0/4 buổi; 23/11 sáng: vắng "
                             "không phép; 25/11 sáng: vắng không phép; 26/11 sáng: vắng không phép; 27/11 sáng: vắng "
                             "không phép.")
    assert dung.cells[2] == "0912345678"
    page.period_combo.setCurrentIndex(page.period_combo.findData("month"))
    assert page.period_label.text() == "Từ 01/11/2026 đến 30/11/2026"
    page.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert copied.count("\n\n") == 4 and "04/11" not in copied and "20/11 sáng: vắng có phép (Ốm)" in copied
    page.export_button.click()
    qtbot.waitUntil(lambda: page.notice_label.text().startswith("Đã lưu 5 thông báo"), timeout=10000)
    import openpyxl

    sheet = openpyxl.load_workbook(out).active
    assert sheet.cell(1, 1).value == "THÔNG BÁO CHUYÊN CẦN LỚP 4A — TỪ 01/11 ĐẾN 30/11/2026"
    assert [sheet.cell(4, c).value for c in range(1, 4)] == [1, "Nguyễn Văn An", "0912345678"]


def test_the_class_chosen_on_one_page_is_followed_by_the_others(qtbot, data):
    tab = make_tab(qtbot, data, "hieutruong")
    tab.show_page(tab.month_page).class_combo.setCurrentIndex(1)
    assert tab.show_page(tab.notices_page).class_combo.currentText() == "4B"
    assert tab.show_page(tab.roll_page).class_combo.currentText() == "4B"
    assert [r.full_name for r in tab.roll_page.roll.rows] == ["Vũ Minh Châu"]


def test_the_tab_is_registered_for_roll_viewers():
    spec = next(s for s in registry.TABS if s.key == "attendance")
    assert (spec.title, spec.actions) == ("Điểm danh", (Action.ROLL_VIEW,))


# --- screenshots (on request) ----------------------------------------------------------------------------

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
DEMO_PASSWORD = "demo1234"


def _demo_rolls(db):
    """The demo school already has its rolls up to today; 4A's homeroom teacher adds two marks to today's."""
    principal = accounts.login(db, "hieutruong", DEMO_PASSWORD).actor
    username = next(a.username for a in accounts.list_accounts(db, principal) if "4A" in a.classes)
    teacher = accounts.login(db, username, DEMO_PASSWORD).actor
    with db.read() as session:
        class_id = school.class_by_name(session, school.current_year(session, NOV_30).id, "4A").id
    roll = attendance.roll_for(db, teacher, class_id, NOV_30, on=NOV_30)
    marks = {r.pupil_id: (r.status, r.reason) for r in roll.rows if r.status}
    marks[roll.rows[1].pupil_id] = ("M", "Tắc đường")
    marks[roll.rows[4].pupil_id] = ("P", "Sốt, gia đình xin phép")
    attendance.take_roll(db, teacher, class_id, NOV_30, "sang", marks, on=NOV_30)
    return principal, teacher


@pytest.mark.slow
@pytest.mark.skipif(not __import__("os").environ.get("NK_SCREENSHOTS"),
                    reason="screenshots only on request (NK_SCREENSHOTS=1)")
def test_attendance_screenshots(qtbot, qapp, tmp_path):
    """docs/screenshots/attendance-*.png: each sub-tab on the demo school, 1280×800, with the bundled fonts."""
    from PySide6.QtGui import QFont, QFontDatabase

    from nk_desktop.services.demo import build_demo_school

    for font in sorted((ROOT / "nk_desktop" / "resources" / "fonts").glob("*.ttf")):
        assert QFontDatabase.addApplicationFont(str(font)) >= 0, font
    previous = qapp.font()
    qapp.setFont(QFont("DejaVu Sans", 10))
    db = open_database(tmp_path / "demo.sqlite")
    try:
        build_demo_school(db, DEMO_PASSWORD, on=NOV_30)
        principal, teacher = _demo_rolls(db)
        SHOTS.mkdir(parents=True, exist_ok=True)

        def shoot(tab, page, name):
            tab.show_page(page)
            qapp.processEvents()
            assert tab.grab().save(str(SHOTS / f"attendance-{name}.png"))

        mine = AttendanceTab(db, teacher, today=lambda: NOV_30, confirm=Answers(), ask_reason=Answers(None),
                             ask_path=Answers(None))
        qtbot.addWidget(mine)
        mine.resize(1280, 800)
        mine.show()
        page = mine.roll_page
        page.table.setFocus()
        page.table.setCurrentIndex(page.model.index(2, MARK))
        shoot(mine, page, "today")
        mine.notices_page.period_combo.setCurrentIndex(0)
        mine.notices_page.date_edit.setDate(D(2026, 11, 27))
        shoot(mine, mine.notices_page, "notices")

        boss = AttendanceTab(db, principal, today=lambda: NOV_30, confirm=Answers(), ask_reason=Answers(None),
                             ask_path=Answers(None))
        qtbot.addWidget(boss)
        boss.resize(1280, 800)
        boss.show()
        boss.month_page.class_combo.setCurrentIndex(boss.month_page.class_combo.findText("4A"))
        shoot(boss, boss.month_page, "month")
        for month in ("Tháng 10/2026", "Tháng 11/2026"):  # 31 days too, with the bundled font
            boss.month_page.month_combo.setCurrentIndex(boss.month_page.month_combo.findText(month))
            qapp.processEvents()
            assert boss.month_page.table.horizontalScrollBar().maximum() == 0, month
        paper = boss.paper_page
        paper.month_combo.setCurrentIndex(paper.month_combo.findText("Tháng 10/2026"))
        paper.table.selectRow(1)
        shoot(boss, paper, "paper")
        shoot(boss, boss.alerts_page, "alerts")

        # A club of the demo, as its teacher in charge sees it on its latest session.
        with db.read() as session:
            year_id = school.current_year(session, NOV_30).id
        club = clubs.list_clubs(db, principal, year_id)[0]
        runner = next(a for a in accounts.list_accounts(db, principal) if a.staff_id == club.teacher_id)
        runner = accounts.login(db, runner.username, DEMO_PASSWORD).actor
        last = clubs.club_totals(db, principal, club.club_id).sessions[-1]
        theirs = AttendanceTab(db, runner, today=lambda: NOV_30, confirm=Answers(), ask_reason=Answers(None),
                               ask_path=Answers(None))
        qtbot.addWidget(theirs)
        theirs.resize(1280, 800)
        theirs.show()
        theirs.show_page(theirs.clubs_page)
        assert theirs.clubs_page.select_club(club.club_id)
        theirs.clubs_page.date_edit.setDate(last)
        shoot(theirs, theirs.clubs_page, "clubs-members")
        theirs.clubs_page.side.setCurrentIndex(1)
        shoot(theirs, theirs.clubs_page, "clubs")
    finally:
        qapp.setFont(previous)
        db.dispose()
