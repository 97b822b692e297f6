"""The "Học sinh" tab: class list in official order, accent-free search, counts, the record and leaving dialogs.

Real services on a database in tmp_path; no dialog is ever exec()'d (their accept logic is called);
the "Vẫn thêm?" question is answered by an injected confirm function.
"""

from __future__ import annotations

import datetime as dt
import shutil
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel

from nk_desktop.actor import SYSTEM
from nk_desktop.clock import format_date
from nk_desktop.db import open_database
from nk_desktop.services import accounts, pupils, school, staff
from nk_desktop.services.permissions import Role
from nk_desktop.services.setup import init_school
from nk_desktop.views.pupils import PupilsTab
from nk_desktop.views.pupils.history_dialog import HistoryDialog
from nk_desktop.views.pupils.leave_dialogs import DropOutDialog, MoveClassDialog, TransferOutDialog
from nk_desktop.views.pupils.record_dialog import PupilRecordDialog
from nk_desktop.views.pupils.table_model import NAME_COLUMN, NOTE_COLUMN

SCHOOL = "Trường Tiểu học Nguyễn Khuyến"
PASSWORD = "matkhau123"
# Điều 7.1's minimum beyond name, birth date, gender and ethnicity: every fixture pupil has it
COMPLETE = {"permanent_address": "Thôn 3, xã Cầu Đất", "mother_name": "Nguyễn Thị Hạnh", "contact_phone": "0912345678"}
OFFICIAL_ORDER = ["Nguyễn Văn An", "Lê Thị Ánh", "Đặng Thị Hoà", "Trần Văn Hòa", "Lò Văn Páo"]


def _teacher(db, username, family, middle, given, gender, role):
    staff_id = staff.create_staff(db, SYSTEM, family_name=family, middle_name=middle, given_name=given,
                                  gender=gender, position="Giáo viên")
    accounts.create_account(db, SYSTEM, username=username, staff_id=staff_id, roles=[role], password=PASSWORD,
                            must_change=False)
    return staff_id


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Class 4A (homeroom: Cô Lan) with five pupils, class 4B taught English by Thầy Bình; built once."""
    path = tmp_path_factory.mktemp("pupils") / "t.sqlite"
    db = open_database(path)
    init_school(db, SCHOOL, PASSWORD)
    year = next(year for year, is_current in school.list_years(db, SYSTEM) if is_current)
    lan = _teacher(db, "gvcn4a", "Trần", "Thị", "Lan", "Nữ", Role.GV_CHU_NHIEM)
    binh = _teacher(db, "gvbomon", "Phạm", "Văn", "Bình", "Nam", Role.GV_BO_MON)
    _teacher(db, "gvmoi", "Đỗ", "Thu", "Hà", "Nữ", Role.GV_CHU_NHIEM)  # no class yet
    class_4a = school.create_class(db, SYSTEM, year.id, "4A", homeroom_id=lan)
    class_4b = school.create_class(db, SYSTEM, year.id, "4B")
    with db.read() as session:
        english = school.subject_by_name(session, "Ngoại ngữ 1").id
    school.assign_teacher(db, SYSTEM, class_4b, english, binh)
    ids = {}
    for name, gender, extra in (("Đặng Thị Hoà", "Nữ", {"moet_code": "3101234567"}), ("Nguyễn Văn An", "Nam", {}),
                                ("Lê Thị Ánh", "Nữ", {}), ("Trần Văn Hòa", "Nam", {}),
                                ("Lò Văn Páo", "Nam", {"ethnicity": "Tày"})):
        ids[name] = pupils.add_pupil(db, SYSTEM, class_4a, {"full_name": name, "date_of_birth": dt.date(2016, 3, 2),
                                                            "gender": gender, **COMPLETE, **extra})
    ids["Vũ Minh Châu"] = pupils.add_pupil(db, SYSTEM, class_4b, {
        "full_name": "Vũ Minh Châu", "date_of_birth": dt.date(2016, 8, 9), "gender": "Nữ", **COMPLETE})
    actors = {name: accounts.login(db, name, PASSWORD).actor for name in ("hieutruong", "gvcn4a", "gvbomon", "gvmoi")}
    db.dispose()
    mid_year = min(year.start_date + dt.timedelta(days=70), year.end_date)
    return path, SimpleNamespace(year=year, class_4a=class_4a, class_4b=class_4b, ids=ids, actors=actors,
                                 mid_year=mid_year)


@pytest.fixture
def school_data(template, tmp_path):
    path, data = template
    copy = tmp_path / "t.sqlite"
    shutil.copy(path, copy)
    database = open_database(copy)
    yield SimpleNamespace(db=database, **vars(data))
    database.dispose()


class Answers:
    """The injected confirm function: records the questions, answers with ``self.answer``."""

    def __init__(self, answer=True):
        self.answer = answer
        self.questions: list[str] = []

    def __call__(self, parent, text):
        self.questions.append(text)
        return self.answer


def make_tab(qtbot, data, username="hieutruong", confirm=None, class_name="4A"):
    tab = PupilsTab(data.db, data.actors[username], confirm=confirm or Answers())
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    if class_name is not None:
        tab.class_combo.setCurrentIndex(tab.class_combo.findText(class_name))
    tab.date_edit.setDate(data.mid_year)
    return tab


def names(tab):
    return tab.model.column_texts(NAME_COLUMN)


def class_names(tab):
    return [tab.class_combo.itemText(n) for n in range(tab.class_combo.count())]


def select(tab, full_name):
    row = names(tab).index(full_name)
    tab.table.selectRow(row)
    return row


def fill_record(dialog, *, family="Hoàng", middle="Thị", given="Mai", born="15/04/2016", gender="Nữ", **lines):
    dialog.lines["family_name"].setText(family)
    dialog.lines["middle_name"].setText(middle)
    dialog.lines["given_name"].setText(given)
    dialog.birth_edit.setText(born)
    dialog.gender_combo.setCurrentText(gender)
    for key, text in lines.items():
        dialog.lines[key].setText(text)


def enrolled(data, class_id):
    return [row.full_name for row in pupils.class_list(data.db, SYSTEM, class_id, on=data.mid_year).rows]


# --- the list ----------------------------------------------------------------------------------


def test_list_in_official_order_with_counts(qtbot, qtmodeltester, school_data):
    tab = make_tab(qtbot, school_data)
    assert class_names(tab) == ["4A", "4B"]
    assert tab.year_combo.currentText() == school_data.year.name
    assert names(tab) == OFFICIAL_ORDER
    model = tab.model
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["1", "2", "3", "4", "5"]
    hoa = names(tab).index("Đặng Thị Hoà")
    assert [model.index(hoa, c).data() for c in (2, 3, 4, 6)] == ["02/03/2016", "Nữ", "Kinh", "3101234567"]
    assert model.headerData(6, Qt.Orientation.Horizontal) == "Mã định danh Bộ GD&ĐT"
    assert tab.counts_label.text() == "Sĩ số: 5 (Nữ: 2, Nam: 3) · Dân tộc: Kinh 4, Tày 1"
    qtmodeltester.check(model)


def test_a_class_over_the_national_limit_is_said_in_red(qtbot, school_data):
    """Điều lệ trường tiểu học (TT28/2020) Điều 16: at most 35 pupils a class. At 35 nothing is said; the 36th
    pupil is enrolled (the school answers for it) and the counts line says why it is red."""
    for n in range(30):
        pupils.add_pupil(school_data.db, SYSTEM, school_data.class_4a, {
            "full_name": f"Hoàng Văn Bình {n}", "date_of_birth": dt.date(2016, 5, 1 + n % 28), "gender": "Nam"},
            allow_same_name=True)
    tab = make_tab(qtbot, school_data)
    assert tab.counts_label.text().startswith("Sĩ số: 35 ")
    assert tab.counts_label.styleSheet() == "" and tab.counts_label.toolTip() == ""
    pupils.add_pupil(school_data.db, SYSTEM, school_data.class_4a, {
        "full_name": "Hoàng Thị Cúc", "date_of_birth": dt.date(2016, 6, 1), "gender": "Nữ"})
    tab.reload()
    warning = "Lớp 4A có 36 học sinh, vượt mức tối đa 35 học sinh/lớp của Điều lệ trường tiểu học (Thông tư 28/2020, Điều 16)."
    assert tab.counts_label.text().endswith(" · " + warning)
    assert tab.counts_label.toolTip() == warning and tab.counts_label.styleSheet() != ""
    assert len(names(tab)) == 36


def test_default_date_is_today_within_the_year(qtbot, school_data):
    tab = PupilsTab(school_data.db, school_data.actors["hieutruong"])
    qtbot.addWidget(tab)
    year = school_data.year
    assert tab.date_edit.displayFormat() == "dd/MM/yyyy"
    assert tab.on_date() == min(max(dt.date.today(), year.start_date), year.end_date)


@pytest.mark.parametrize("query, expected", [
    ("dang", ["Đặng Thị Hoà"]),
    ("hoa", ["Đặng Thị Hoà", "Trần Văn Hòa"]),  # both tone placements
    ("HOÀ", ["Đặng Thị Hoà", "Trần Văn Hòa"]),
    ("  van  ", ["Nguyễn Văn An", "Trần Văn Hòa", "Lò Văn Páo"]),
    ("xyz", []),
    ("", OFFICIAL_ORDER),
])
def test_search_ignores_accents_and_case(qtbot, qtmodeltester, school_data, query, expected):
    tab = make_tab(qtbot, school_data)
    tab.search_edit.setText(query)
    assert names(tab) == expected
    assert tab.found_label.text() == (f"Tìm thấy {len(expected)}/5 học sinh" if query.strip() else "")
    assert tab.counts_label.text().startswith("Sĩ số: 5 ")  # the class size does not depend on the search
    qtmodeltester.check(tab.model)


def test_search_keeps_the_selected_pupil_and_its_number(qtbot, school_data):
    tab = make_tab(qtbot, school_data)
    select(tab, "Trần Văn Hòa")
    tab.search_edit.setText("hoa")
    assert tab.selected_row().full_name == "Trần Văn Hòa"
    assert tab.model.column_texts(0) == ["3", "4"]  # STT stays the pupil's number in the class


# --- adding and editing ----------------------------------------------------------------------------


def test_add_pupil_through_the_record_dialog(qtbot, school_data):
    tab = make_tab(qtbot, school_data)
    dialog = tab.add_pupil()
    assert isinstance(dialog, PupilRecordDialog) and dialog.isVisible()
    assert dialog.ethnicity_combo.currentText() == "Kinh"
    assert dialog.start_edit.text() == format_date(school_data.year.start_date)
    fill_record(dialog, contact_phone="0912 345 678", birthplace="Hải Phòng", father_name="Hoàng Văn Tú",
                permanent_address="Số 5 Lê Lợi, Hải Phòng")
    dialog.policy_check.setChecked(True)
    dialog.lines["policy_kind"].setText("Hộ nghèo")
    dialog.notes_edit.setPlainText("Dị ứng hải sản")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.error() == ""
    assert "Hoàng Thị Mai" in names(tab)
    assert tab.selected_row().full_name == "Hoàng Thị Mai"
    assert tab.counts_label.text() == "Sĩ số: 6 (Nữ: 3, Nam: 3) · Dân tộc: Kinh 5, Tày 1"
    saved = pupils.get_pupil(school_data.db, SYSTEM, tab.selected_row().id)
    assert (saved.contact_phone, saved.birthplace, saved.father_name, saved.policy_family, saved.policy_kind,
            saved.notes) == ("0912345678", "Hải Phòng", "Hoàng Văn Tú", True, "Hộ nghèo", "Dị ứng hải sản")


def test_bad_birth_date_is_shown_inline_and_nothing_is_added(qtbot, school_data):
    tab = make_tab(qtbot, school_data)
    dialog = tab.add_pupil()
    fill_record(dialog, born="31/02/2016")
    dialog.accept()
    assert dialog.error() == "Ngày không tồn tại: “31/02/2016”."
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error_label.styleSheet() == "color: #b00020;"
    assert enrolled(school_data, school_data.class_4a) == OFFICIAL_ORDER
    assert names(tab) == OFFICIAL_ORDER
    dialog.birth_edit.setText("31/03/2016")  # corrected in the same dialog
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted and "Hoàng Thị Mai" in names(tab)


def test_service_refusal_is_shown_inline(qtbot, school_data):
    tab = make_tab(qtbot, school_data)
    dialog = tab.add_pupil()
    fill_record(dialog, gender="Nữ", personal_id="031216001234")  # 4th digit 2 = a boy
    dialog.accept()
    assert "giới tính Nam" in dialog.error() and dialog.isVisible()
    assert enrolled(school_data, school_data.class_4a) == OFFICIAL_ORDER


def test_transfer_in_needs_the_previous_school(qtbot, school_data):
    tab = make_tab(qtbot, school_data)
    dialog = tab.add_pupil()
    fill_record(dialog)
    dialog.reason_combo.setCurrentIndex(dialog.reason_combo.findData("chuyen_den"))
    assert dialog.came_from_edit.isEnabled()
    assert dialog.start_edit.text() == format_date(school_data.mid_year)
    dialog.accept()
    assert "chuyển đến từ trường nào" in dialog.error()
    dialog.came_from_edit.setText("Trường Tiểu học Kim Đồng")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    row = names(tab).index("Hoàng Thị Mai")
    # the dialog filled only the name, birth date and gender: the note also says what Điều 7.1 still wants
    assert tab.model.index(row, NOTE_COLUMN).data() == (
        f"Chuyển đến {format_date(school_data.mid_year)}; thiếu địa chỉ thường trú, họ tên cha hoặc mẹ, "
        "điện thoại liên hệ")
    assert tab.counts_label.text().endswith(" · Hồ sơ còn thiếu thông tin tối thiểu (Điều 7.1): 1")


@pytest.mark.parametrize("answer", [False, True])
def test_same_name_and_birthday_asks_before_adding(qtbot, school_data, answer):
    confirm = Answers(answer)
    tab = make_tab(qtbot, school_data, confirm=confirm)
    dialog = tab.add_pupil()
    fill_record(dialog, family="Nguyễn", middle="Văn", given="An", born="02/03/2016", gender="Nam")
    dialog.accept()
    assert len(confirm.questions) == 1 and confirm.questions[0].endswith("Vẫn thêm?")
    assert "Nguyễn Văn An sinh ngày 02/03/2016" in confirm.questions[0]
    if answer:
        assert dialog.result() == QDialog.DialogCode.Accepted
        assert names(tab).count("Nguyễn Văn An") == 2
    else:
        assert dialog.isVisible() and "Nguyễn Văn An" in dialog.error()
        assert names(tab) == OFFICIAL_ORDER


def test_enter_opens_the_record_prefilled_and_saves_changes(qtbot, school_data):
    tab = make_tab(qtbot, school_data)
    select(tab, "Đặng Thị Hoà")
    tab.table.setFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    dialog = tab.dialog
    assert isinstance(dialog, PupilRecordDialog) and dialog.isVisible()
    assert [dialog.lines[k].text() for k in ("family_name", "middle_name", "given_name")] == ["Đặng", "Thị", "Hoà"]
    assert dialog.birth_edit.text() == "02/03/2016" and dialog.gender_combo.currentText() == "Nữ"
    assert dialog.lines["moet_code"].isReadOnly()  # given by the national database: never changed
    assert dialog.ok_button.isVisible()
    dialog.lines["contact_phone"].setText("+84 912 345 678")
    dialog.lines["given_name"].setText("Hoa")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = pupils.get_pupil(school_data.db, SYSTEM, school_data.ids["Đặng Thị Hoà"])
    assert (saved.full_name, saved.contact_phone, saved.moet_code) == ("Đặng Thị Hoa", "0912345678", "3101234567")
    row = names(tab).index("Đặng Thị Hoa")
    assert tab.model.index(row, 7).data() == "0912345678"
    assert tab.selected_row().full_name == "Đặng Thị Hoa"


def test_double_click_opens_the_record_and_edit_errors_stay_inline(qtbot, school_data):
    tab = make_tab(qtbot, school_data)
    row = select(tab, "Lê Thị Ánh")
    rect = tab.table.visualRect(tab.model.index(row, NAME_COLUMN))
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # a real double
    qtbot.mouseDClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialog = tab.dialog
    assert isinstance(dialog, PupilRecordDialog) and dialog.lines["given_name"].text() == "Ánh"
    assert not dialog.lines["moet_code"].isReadOnly()  # not given yet: may be filled in
    dialog.lines["given_name"].setText("")
    dialog.accept()
    assert dialog.error() == "Thiếu tên của học sinh." and dialog.isVisible()
    assert "Lê Thị Ánh" in enrolled(school_data, school_data.class_4a)


# --- leaving the class -----------------------------------------------------------------------------


def test_transfer_out_hides_the_pupil_unless_left_pupils_are_shown(qtbot, qtmodeltester, school_data):
    tab = make_tab(qtbot, school_data)
    select(tab, "Lê Thị Ánh")
    dialog = tab.transfer_out()
    assert isinstance(dialog, TransferOutDialog)
    assert dialog.date_edit.text() == format_date(school_data.mid_year)
    dialog.accept()
    assert dialog.error() == "Hãy ghi trường học sinh chuyển đến." and dialog.isVisible()
    dialog.school_edit.setText("Trường Tiểu học Lê Lợi, Hải Phòng")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert "Lê Thị Ánh" not in names(tab)
    assert tab.counts_label.text() == "Sĩ số: 4 (Nữ: 1, Nam: 3) · Dân tộc: Kinh 3, Tày 1"

    tab.left_check.setChecked(True)
    assert names(tab) == OFFICIAL_ORDER
    row = names(tab).index("Lê Thị Ánh")
    model = tab.model
    assert model.index(row, NOTE_COLUMN).data() == f"Đã chuyển đi {format_date(school_data.mid_year)}"
    assert model.index(row, 0).data() == ""  # no number in the class any more
    assert [model.index(r, 0).data() for r in range(model.rowCount()) if r != row] == ["1", "2", "3", "4"]
    grey = model.index(row, NAME_COLUMN).data(Qt.ItemDataRole.ForegroundRole)
    assert grey is not None and grey.color().name() == "#8a8a8a"
    assert model.index(0, NAME_COLUMN).data(Qt.ItemDataRole.ForegroundRole) is None
    assert tab.counts_label.text().endswith("· Đã rời lớp: 1")
    qtmodeltester.check(model)

    tab.table.selectRow(row)  # a pupil who left can be read and corrected, but not moved again
    assert tab.edit_button.isEnabled() and tab.history_button.isEnabled()
    assert not any(b.isEnabled() for b in (tab.transfer_button, tab.dropout_button, tab.move_button))

    tab.date_edit.setDate(school_data.mid_year - dt.timedelta(days=1))  # the day before: still in class
    tab.left_check.setChecked(False)
    assert "Lê Thị Ánh" in names(tab)
    note = tab.model.index(names(tab).index("Lê Thị Ánh"), NOTE_COLUMN).data()
    assert note == f"Chuyển đi từ {format_date(school_data.mid_year)}"


def test_drop_out_needs_a_reason(qtbot, school_data):
    tab = make_tab(qtbot, school_data)
    select(tab, "Lò Văn Páo")
    dialog = tab.drop_out()
    assert isinstance(dialog, DropOutDialog)
    dialog.date_edit.setText("32/13/2026")
    dialog.reason_edit.setText("Theo gia đình về quê")
    dialog.accept()
    assert dialog.error() == "Ngày không tồn tại: “32/13/2026”."
    dialog.date_edit.setText(format_date(school_data.mid_year))
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert "Lò Văn Páo" not in names(tab)
    assert tab.counts_label.text() == "Sĩ số: 4 (Nữ: 2, Nam: 2) · Dân tộc: Kinh 4"


def test_move_to_another_class_and_history(qtbot, qtmodeltester, school_data):
    tab = make_tab(qtbot, school_data)
    select(tab, "Nguyễn Văn An")
    dialog = tab.move_to_class()
    assert isinstance(dialog, MoveClassDialog)
    assert [dialog.class_combo.itemText(n) for n in range(dialog.class_combo.count())] == ["4B"]
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert "Nguyễn Văn An" not in names(tab)
    tab.class_combo.setCurrentIndex(tab.class_combo.findText("4B"))
    assert names(tab) == ["Nguyễn Văn An", "Vũ Minh Châu"]
    assert tab.model.index(0, NOTE_COLUMN).data() == f"Từ lớp khác {format_date(school_data.mid_year)}"
    tab.table.selectRow(0)
    history = tab.show_history()
    assert isinstance(history, HistoryDialog)
    model = history.model
    qtmodeltester.check(model)
    rows = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]
    start, moved = format_date(school_data.year.start_date), format_date(school_data.mid_year)
    assert rows == [
        [school_data.year.name, "4A", start, "Đầu năm học", moved, "Chuyển lớp", ""],
        [school_data.year.name, "4B", moved, "Chuyển lớp", "", "", ""],
    ]


# --- who may do what -------------------------------------------------------------------------------


def test_principal_may_edit_every_class(qtbot, school_data):
    tab = make_tab(qtbot, school_data)
    assert tab.may_edit and tab.add_button.isEnabled()
    assert not tab.edit_button.isEnabled()  # nothing selected yet
    select(tab, "Lê Thị Ánh")
    assert all(button.isEnabled() for button in tab.buttons)


def test_homeroom_teacher_sees_and_edits_only_their_class(qtbot, school_data):
    tab = make_tab(qtbot, school_data, username="gvcn4a")
    assert class_names(tab) == ["4A"]
    assert names(tab) == OFFICIAL_ORDER and tab.may_edit
    select(tab, "Lê Thị Ánh")
    assert all(button.isEnabled() for button in tab.buttons)
    # Another class, even reached by hand, is refused by the service and the refusal shows inline.
    dialog = PupilRecordDialog(school_data.db, school_data.actors["gvcn4a"], class_id=school_data.class_4b,
                               class_name="4B", year_start=school_data.year.start_date, on=school_data.mid_year,
                               parent=tab)
    fill_record(dialog)
    dialog.accept()
    assert dialog.error() == "Tài khoản của bạn không có quyền sửa hồ sơ học sinh của lớp này."
    assert enrolled(school_data, school_data.class_4b) == ["Vũ Minh Châu"]
    dialog.close()
    move = tab.move_to_class()  # no other class of theirs to move a pupil to
    assert move.class_combo.count() == 0 and not move.ok_button.isEnabled() and move.error()


def test_subject_teacher_sees_the_taught_class_read_only(qtbot, school_data):
    tab = make_tab(qtbot, school_data, username="gvbomon", class_name="4B")
    assert class_names(tab) == ["4B"]
    assert names(tab) == ["Vũ Minh Châu"] and not tab.may_edit
    select(tab, "Vũ Minh Châu")
    assert tab.history_button.isEnabled()
    assert not any(b.isEnabled() for b in (tab.add_button, tab.edit_button, tab.transfer_button,
                                           tab.dropout_button, tab.move_button))
    assert tab.add_pupil() is None and tab.transfer_out() is None
    dialog = tab.open_record()  # Enter still shows the record, read-only
    assert isinstance(dialog, PupilRecordDialog) and dialog.read_only
    assert dialog.lines["given_name"].isReadOnly() and not dialog.gender_combo.isEnabled()
    assert dialog.ok_button.isHidden() and dialog.cancel_button.text() == "Đóng"


def test_teacher_without_a_class_is_told_so(qtbot, school_data):
    tab = make_tab(qtbot, school_data, username="gvmoi", class_name=None)
    assert class_names(tab) == [] and not tab.class_combo.isEnabled()
    assert tab.notice_label.text() == f"Bạn không có lớp nào để xem trong năm học {school_data.year.name}."
    assert tab.model.rowCount() == 0 and tab.counts_label.text() == ""
    assert not any(button.isEnabled() for button in tab.buttons)


# --- keyboard -------------------------------------------------------------------------------------


def test_tab_order_and_keyboard(qtbot, school_data):
    tab = make_tab(qtbot, school_data)
    order = [tab.year_combo, tab.class_combo, tab.date_edit, tab.left_check, tab.search_edit, tab.table,
             *tab.buttons]
    chain, widget = [], tab.year_combo
    for _step in range(200):
        if widget in order and widget not in chain:
            chain.append(widget)
        widget = widget.nextInFocusChain()
        if widget is tab.year_combo:
            break
    assert chain == order

    tab.activateWindow()
    qtbot.waitUntil(tab.isActiveWindow)  # shortcuts reach only the active window
    tab.table.setFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert tab.search_edit.hasFocus()
    qtbot.keyClicks(tab.search_edit, "hoa")
    assert names(tab) == ["Đặng Thị Hoà", "Trần Văn Hòa"]
    qtbot.keyClick(tab.search_edit, Qt.Key.Key_Down)  # on to the list, at the first match
    assert tab.selected_row().full_name == "Đặng Thị Hoà"
    qtbot.keyClick(tab.table, Qt.Key.Key_Down)
    qtbot.keyClick(tab.table, Qt.Key.Key_Enter)
    assert isinstance(tab.dialog, PupilRecordDialog) and tab.dialog.lines["given_name"].text() == "Hòa"


# --- Excel in and out --------------------------------------------------------------------------


class Paths:
    """The injected file chooser: answers with the queued paths, records the titles asked."""

    def __init__(self, *answers):
        self.answers = [str(a) for a in answers]
        self.asked: list[str] = []

    def __call__(self, parent, title, suggested):
        self.asked.append(title)
        return self.answers.pop(0) if self.answers else ""


def excel_tab(qtbot, data, username="hieutruong", *, open_path=None, save_path=None, class_name="4A"):
    tab = PupilsTab(data.db, data.actors[username], confirm=Answers(), open_path=open_path or Paths(),
                    save_path=save_path or Paths())
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    if class_name is not None:
        tab.class_combo.setCurrentIndex(tab.class_combo.findText(class_name))
    tab.date_edit.setDate(data.mid_year)
    return tab


def finish(qtbot, operation):
    qtbot.waitUntil(lambda: not operation.running, timeout=20000)


def pupil_sheet(path, rows):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.cell(1, 1, "DANH SÁCH HỌC SINH LỚP 4A")
    sheet.append([])
    sheet.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc"])
    for number, row in enumerate(rows, start=1):
        sheet.append([number, *row])
    book.save(path)
    return path


def test_excel_buttons_follow_the_role(qtbot, school_data):
    principal = excel_tab(qtbot, school_data)
    assert principal.import_button.isVisibleTo(principal) and principal.import_button.isEnabled()
    assert principal.export_button.isEnabled() and principal.export_school_button.isVisibleTo(principal)
    homeroom = excel_tab(qtbot, school_data, "gvcn4a")
    assert homeroom.import_button.isVisibleTo(homeroom)
    assert homeroom.export_button.isEnabled() and not homeroom.export_school_button.isVisibleTo(homeroom)
    reader = excel_tab(qtbot, school_data, "gvbomon", class_name="4B")
    assert not reader.import_button.isVisibleTo(reader)  # reads the class it teaches, may not write it
    assert reader.export_button.isEnabled()
    assert reader.import_file() is None


def test_export_then_import_the_same_file_changes_nothing(qtbot, qtmodeltester, school_data, tmp_path):
    out = tmp_path / "4A.xlsx"
    tab = excel_tab(qtbot, school_data, open_path=Paths(out), save_path=Paths(out))
    finish(qtbot, tab.export_file())
    assert "Đã xuất 5 học sinh" in tab.notice_label.text()
    finish(qtbot, tab.import_file())
    dialog = tab.dialog
    qtmodeltester.check(dialog.model)
    assert dialog.model.texts(1) == OFFICIAL_ORDER
    assert set(dialog.model.texts(3)) == {"Không đổi"}
    assert dialog.counts_label.text() == "5 dòng: thêm mới 0, cập nhật 0, không đổi 5, lỗi 0."
    assert not dialog.import_button.isEnabled() and not dialog.save_errors_button.isEnabled()
    assert "không có gì mới" in dialog.notice_label.text()


def test_whole_school_export(qtbot, school_data, tmp_path):
    import openpyxl

    out = tmp_path / "truong.xlsx"
    tab = excel_tab(qtbot, school_data, save_path=Paths(out))
    finish(qtbot, tab.export_file(whole_school=True))
    rows = list(openpyxl.load_workbook(out, read_only=True).active.iter_rows(min_row=4, values_only=True))
    assert [(r[1], r[2]) for r in rows] == [("4A", n) for n in OFFICIAL_ORDER] + [("4B", "Vũ Minh Châu")]


def test_import_preview_shows_each_row_and_saves_the_errors(qtbot, school_data, tmp_path):
    import openpyxl

    source = pupil_sheet(tmp_path / "moi.xlsx", [
        ("Hoàng Thị Mai", "15/04/2016", "Nữ", "Kinh"),
        ("Nguyễn Văn An", dt.date(2016, 3, 2), "Nam", "Kinh"),  # already in 4A
        ("Phạm Văn Minh", "31/02/2016", "Nam", "Kinh"),  # no such day
    ])
    errors = tmp_path / "moi-loi.xlsx"
    tab = excel_tab(qtbot, school_data, open_path=Paths(source), save_path=Paths(errors))
    finish(qtbot, tab.import_file())
    dialog = tab.dialog
    assert dialog.counts_label.text() == "3 dòng: thêm mới 1, cập nhật 0, không đổi 1, lỗi 1."
    assert dialog.errors_only.isChecked() and dialog.model.texts(1) == ["Phạm Văn Minh"]
    dialog.errors_only.setChecked(False)
    assert dialog.model.texts(3) == ["Thêm mới", "Không đổi", "Lỗi"]
    assert "Ngày sinh, ô C6" in dialog.model.texts(4)[2]
    assert not dialog.import_button.isEnabled()  # all or nothing: one bad row blocks the file
    assert dialog.run_import() is None
    assert dialog.save_errors() == str(errors)
    sheet = openpyxl.load_workbook(errors).active
    assert sheet.cell(3, 6).value == "Lỗi" and "Ngày sinh" in sheet.cell(6, 6).value
    assert sheet.cell(4, 6).value is None
    assert "Hoàng Thị Mai" not in enrolled(school_data, school_data.class_4a)


def test_import_writes_every_row_after_the_preview(qtbot, school_data, tmp_path):
    source = pupil_sheet(tmp_path / "moi.xlsx", [("Hoàng Thị Mai", "15/04/2016", "Nữ", "Kinh"),
                                                 ("Bùi Văn Bảo", dt.date(2016, 7, 1), "Nam", "Mường")])
    tab = excel_tab(qtbot, school_data, "gvcn4a", open_path=Paths(source))
    finish(qtbot, tab.import_file())
    dialog = tab.dialog
    assert dialog.model.texts(3) == ["Thêm mới", "Thêm mới"] and dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.accepted, timeout=20000):
        dialog.run_import()
    assert dialog.result_counts == {"new": 2, "updated": 0, "unchanged": 0, "error": 0}
    assert "Đã nhập: thêm mới 2" in tab.notice_label.text()
    assert {"Hoàng Thị Mai", "Bùi Văn Bảo"} <= set(names(tab))


def test_a_file_without_a_header_is_refused_inline(qtbot, school_data, tmp_path):
    import openpyxl

    path = tmp_path / "rong.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Không có gì"])
    book.save(path)
    tab = excel_tab(qtbot, school_data, open_path=Paths(path))
    finish(qtbot, tab.import_file())
    assert tab.dialog is None
    assert "Không tìm thấy dòng tiêu đề cột" in tab.notice_label.text()
    assert tab.import_button.isEnabled()


def test_cancelled_file_choice_does_nothing(qtbot, school_data):
    tab = excel_tab(qtbot, school_data)
    assert tab.import_file() is None and tab.export_file() is None and tab.dialog is None


def test_a_key_that_keeps_the_same_matches_does_not_reset_the_grid(qtbot, qtmodeltester, school_data):
    tab = make_tab(qtbot, school_data)
    tab.search_edit.setText("ho")
    assert names(tab) == ["Đặng Thị Hoà", "Trần Văn Hòa"]
    with qtbot.assertNotEmitted(tab.model.modelReset):
        tab.search_edit.setText("hoa")
    assert names(tab) == ["Đặng Thị Hoà", "Trần Văn Hòa"]
    tab.search_edit.setText("hoan")
    assert names(tab) == [] and tab.found_label.text() == "Tìm thấy 0/5 học sinh"
    tab.search_edit.setText("a")  # shorter again: searched over every pupil
    assert names(tab) == ["Nguyễn Văn An", "Lê Thị Ánh", "Đặng Thị Hoà", "Trần Văn Hòa", "Lò Văn Páo"]
    qtmodeltester.check(tab.model)


def test_photo_is_optional_checked_and_saved_with_the_record(qtbot, school_data, tmp_path):
    from PySide6.QtGui import QColor, QImage

    image = QImage(60, 80, QImage.Format.Format_RGB32)
    image.fill(QColor("#4a7bb7"))
    good = tmp_path / "anh.png"
    assert image.save(str(good))
    bad = tmp_path / "anh.txt"
    bad.write_text("không phải ảnh")
    tab = make_tab(qtbot, school_data)
    select(tab, "Lê Thị Ánh")
    dialog = tab.open_record()
    assert dialog.photo_label.text() == "Chưa có ảnh" and not dialog.remove_photo_button.isEnabled()
    dialog.choose_photo = lambda parent: str(bad)
    assert not dialog.pick_photo() and dialog.error() == "Ảnh phải là tệp JPEG hoặc PNG."
    dialog.choose_photo = lambda parent: str(good)
    assert dialog.pick_photo() and not dialog.photo_label.pixmap().isNull()
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = pupils.get_pupil(school_data.db, SYSTEM, school_data.ids["Lê Thị Ánh"])
    assert saved.photo == good.read_bytes()
    dialog = tab.open_record()
    assert not dialog.photo_label.pixmap().isNull() and dialog.remove_photo_button.isEnabled()
    dialog.set_photo(None)
    dialog.accept()
    assert pupils.get_pupil(school_data.db, SYSTEM, school_data.ids["Lê Thị Ánh"]).photo is None
    reader = make_tab(qtbot, school_data, username="gvbomon", class_name="4B")
    select(reader, "Vũ Minh Châu")
    assert not reader.open_record().photo_button.isEnabled()


def test_a_whole_school_file_goes_into_its_classes_for_the_principal_only(qtbot, school_data, tmp_path):
    import openpyxl

    path = tmp_path / "truong.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["STT", "Lớp", "Họ và tên", "Ngày sinh", "Giới tính"])
    sheet.append([1, "4A", "Hoàng Thị Mai", "15/04/2016", "Nữ"])
    sheet.append([2, "4B", "Bùi Văn Bảo", "01/07/2016", "Nam"])
    book.save(path)
    principal = excel_tab(qtbot, school_data, open_path=Paths(path))
    finish(qtbot, principal.import_file())
    dialog = principal.dialog
    assert dialog.plan.class_id is None and "các lớp ghi ở cột “Lớp”" in dialog.findChildren(QLabel)[0].text()
    assert [(r.class_name, r.status) for r in dialog.plan.rows] == [("4A", "new"), ("4B", "new")]
    with qtbot.waitSignal(dialog.accepted, timeout=20000):
        dialog.run_import()
    assert "Bùi Văn Bảo" in enrolled(school_data, school_data.class_4b)
    homeroom = excel_tab(qtbot, school_data, "gvcn4a", open_path=Paths(path))
    finish(qtbot, homeroom.import_file())
    plan = homeroom.dialog.plan
    assert plan.class_id == school_data.class_4a and [r.status for r in plan.rows] == ["unchanged", "error"]
    assert "khác lớp đang nhập (4A)" in plan.rows[1].reason
