"""The "Quản trị" tab: pages per role, the staff and account forms, years, classes, assignments, audit log."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from PySide6.QtCore import QAbstractTableModel, Qt

from nk_desktop.actor import SYSTEM
from nk_desktop.db import open_database
from nk_desktop.services import accounts, audit, school, staff
from nk_desktop.services.permissions import Role
from nk_desktop.services.setup import init_school
from nk_desktop.views.admin import AdminTab, has_admin_pages, visible_pages
from nk_desktop.views.admin.assignments_page import AssignDialog
from nk_desktop.views.admin.classes_page import ClassDialog, HomeroomDialog
from nk_desktop.views.admin.forms import find_data
from nk_desktop.views.admin.grid import RowTableModel
from nk_desktop.views.admin.staff_dialogs import AccountDialog, ResetPasswordDialog, RolesDialog, StaffDialog, \
    suggest_username
from nk_desktop.views.admin.years_page import DayOffDialog, RolloverDialog, YearDialog

SCHOOL = "Trường Tiểu học Nguyễn Khuyến"
PASSWORD = "matkhau123"
ALL_PAGES = ["Cán bộ và tài khoản", "Năm học và lịch", "Lớp học", "Phân công giảng dạy", "Nhật ký thay đổi"]


class FakeMessages:
    """Records what would have been shown; answers confirmations with ``self.answer``."""

    def __init__(self):
        self.warnings: list[str] = []
        self.infos: list[str] = []
        self.questions: list[str] = []
        self.answer = True

    def warn(self, parent, text):
        self.warnings.append(text)

    def inform(self, parent, text):
        self.infos.append(text)

    def confirm(self, parent, text):
        self.questions.append(text)
        return self.answer


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A school with a few staff, accounts for two office roles, class 4A with its homeroom teacher."""
    path = tmp_path_factory.mktemp("admin") / "t.sqlite"
    db = open_database(path)
    init_school(db, SCHOOL, PASSWORD, address="số 2 Lê Lợi, phường Cầu Đất, thành phố Hải Phòng")
    hoa = staff.create_staff(db, SYSTEM, family_name="Đặng", middle_name="Thị", given_name="Hoa", gender="Nữ",
                             position="Giáo viên", phone="0912345678")
    staff.create_staff(db, SYSTEM, family_name="Nguyễn", middle_name="Văn", given_name="An", gender="Nam",
                       position="Giáo viên")
    for username, given, role in (("thuvien", "Thư", Role.THU_VIEN), ("vanthu", "Vân", Role.VAN_THU)):
        staff_id = staff.create_staff(db, SYSTEM, family_name="Lê", middle_name="Thị", given_name=given,
                                      gender="Nữ", position="Nhân viên")
        accounts.create_account(db, SYSTEM, username=username, staff_id=staff_id, roles=[role],
                                password=PASSWORD, must_change=False)
    year_id = current_year_id(db)
    school.create_class(db, SYSTEM, year_id, "4A", homeroom_id=hoa)
    school.create_class(db, SYSTEM, year_id, "1B")
    db.dispose()
    return path


def current_year_id(db):
    return next(year.id for year, is_current in school.list_years(db, SYSTEM) if is_current)


@pytest.fixture
def db(template, tmp_path):
    path = tmp_path / "t.sqlite"
    shutil.copy(template, path)
    database = open_database(path)
    yield database
    database.dispose()


def login(db, username):
    return accounts.login(db, username, PASSWORD).actor


@pytest.fixture
def principal(db):
    return login(db, "hieutruong")


@pytest.fixture
def messages():
    return FakeMessages()


@pytest.fixture
def tab(qtbot, db, principal, messages):
    widget = AdminTab(db, principal, messages=messages)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    return widget


def staff_names(db):
    return [s.full_name for s in staff.list_staff(db, SYSTEM, include_inactive=True)]


def column(model, number):
    return [model.index(r, number).data() for r in range(model.rowCount())]


def select_where(page, predicate):
    row = page.model.find(predicate)
    assert row >= 0
    page.table.selectRow(row)


# --- pages per role -------------------------------------------------------------------


def test_principal_sees_every_page(tab):
    assert tab.page_titles() == ALL_PAGES


def test_librarian_sees_no_admin_page(qtbot, db):
    librarian = login(db, "thuvien")
    assert not has_admin_pages(librarian)
    widget = AdminTab(db, librarian)
    qtbot.addWidget(widget)
    assert widget.page_titles() == []


def test_clerk_sees_staff_and_years_read_only(qtbot, db, messages):
    clerk = login(db, "vanthu")
    assert [spec.title for spec in visible_pages(clerk)] == ALL_PAGES[:2]
    widget = AdminTab(db, clerk, messages=messages)
    qtbot.addWidget(widget)
    widget.show()
    staff_page = widget.show_page("staff")
    assert staff_page.add_button.isVisibleTo(widget)  # the office keeps the staff records
    assert not staff_page.account_button.isVisibleTo(widget)  # but not the accounts
    assert staff_page.policy_group is None
    years = widget.show_page("years")
    assert years.governing_body.isReadOnly()
    for button in (years.new_year_button, years.rollover_button, years.save_body_button, years.add_day_button):
        assert not button.isVisibleTo(widget)
    assert years.weeks_model.rowCount() == 35
    assert messages.warnings == []


def test_db_admin_manages_accounts_only_when_the_principal_allows_it(qtbot, db, principal, messages):
    staff_id = staff.create_staff(db, SYSTEM, family_name="Phạm", given_name="Quân", gender="Nam")
    accounts.create_account(db, SYSTEM, username="quantri", staff_id=staff_id, roles=[Role.QUAN_TRI_CSDL],
                            password=PASSWORD, must_change=False)
    admin = login(db, "quantri")
    widget = AdminTab(db, admin, messages=messages)
    qtbot.addWidget(widget)
    widget.show()
    assert widget.page_titles() == ALL_PAGES
    page = widget.show_page("staff")
    assert page.policy_group is None  # the policy and the delegation are the principal's
    assert not page.roles_button.isVisibleTo(widget)
    accounts.set_db_admin_delegation(db, principal, True)
    page.refresh()
    assert page.roles_button.isVisibleTo(widget)
    select_where(page, lambda e: e.account is not None and e.account.username == "vanthu")
    dialog = page.open_roles()
    dialog.roles.boxes[Role.HIEU_TRUONG].setChecked(True)
    dialog.accept()
    assert dialog.error() == "Chỉ Hiệu trưởng mới giao được vai trò Hiệu trưởng." and dialog.isVisible()
    dialog.reject()
    assert messages.warnings == []


def test_every_grid_passes_the_model_tester(tab, qtmodeltester):
    models = []
    for key in tab.page_keys():
        page = tab.show_page(key)
        models += [m for m in page.findChildren(QAbstractTableModel) if isinstance(m, RowTableModel)]
    assert len(models) == 8
    for model in models:
        qtmodeltester.check(model)
        if model.columnCount():
            model.sort(model.columnCount() - 1, Qt.SortOrder.DescendingOrder)
            qtmodeltester.check(model)


# --- staff and accounts -------------------------------------------------------------


def test_staff_table_columns(tab):
    page = tab.show_page("staff")
    names = column(page.model, 0)
    assert names[:4] == ["Nguyễn Văn An", "Đặng Thị Hoa", "Lê Thị Thư", "Lê Thị Vân"]  # official order
    row = names.index("Lê Thị Vân")
    cells = [page.model.index(row, c).data() for c in range(page.model.columnCount())]
    assert cells[1] == "Nữ" and cells[5] == "vanthu" and cells[6] == Role.VAN_THU.label
    hoa = names.index("Đặng Thị Hoa")
    assert page.model.index(hoa, 7).data() == ""  # no account: no homeroom column from accounts
    assert "(tài khoản chưa gắn cán bộ)" in names  # the principal's own account
    assert page.table.verticalHeader().defaultSectionSize() > 0


def test_search_ignores_accents(tab):
    page = tab.show_page("staff")
    page.search.setText("dang")
    assert column(page.model, 0) == ["Đặng Thị Hoa"]
    page.search.setText("LE THI")
    assert column(page.model, 0) == ["Lê Thị Thư", "Lê Thị Vân"]
    page.search.clear()
    assert page.model.rowCount() == page.model.total()


def test_add_staff_through_the_dialog(tab, db, messages):
    page = tab.show_page("staff")
    dialog = page.open_add_staff()
    assert isinstance(dialog, StaffDialog) and dialog.isVisible()
    dialog.family_name.setText("Trịnh")
    dialog.middle_name.setText("Thu")
    dialog.given_name.setText("Hằng")
    dialog.gender.setCurrentIndex(dialog.gender.findData("Nữ"))
    dialog.date_of_birth.setText("05/09/1990")
    dialog.phone.setText("0987 654 321")
    dialog.position.setCurrentText("Giáo viên")
    dialog.accept()
    assert dialog.error() == ""
    assert not dialog.isVisible()
    assert "Trịnh Thu Hằng" in staff_names(db)
    names = column(page.model, 0)
    assert "Trịnh Thu Hằng" in names
    row = names.index("Trịnh Thu Hằng")
    assert page.model.index(row, 2).data() == "05/09/1990"
    assert page.model.index(row, 4).data() == "0987654321"
    assert page.current().staff.full_name == "Trịnh Thu Hằng"  # the new row is selected
    assert messages.warnings == []


def test_bad_date_is_shown_in_the_dialog_and_nothing_is_created(tab, db):
    page = tab.show_page("staff")
    before = staff_names(db)
    dialog = page.open_add_staff()
    dialog.family_name.setText("Trịnh")
    dialog.given_name.setText("Hằng")
    dialog.date_of_birth.setText("31/02/2020")
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.error() == "Ngày không tồn tại: “31/02/2020”."
    assert staff_names(db) == before
    dialog.date_of_birth.setText("1/2/1990")
    dialog.phone.setText("12345")
    dialog.accept()
    assert "Số điện thoại" in dialog.error() and dialog.isVisible()
    assert staff_names(db) == before
    dialog.reject()


def test_edit_staff_with_enter_changes_only_what_changed(qtbot, tab, db):
    page = tab.show_page("staff")
    select_where(page, lambda e: e.staff is not None and e.staff.given_name == "Hoa")
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(page.model.find(lambda e: e.staff and e.staff.given_name == "Hoa"), 0))
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    dialog = page.dialog
    assert isinstance(dialog, StaffDialog) and dialog.given_name.text() == "Hoa"
    dialog.phone.setText("0911111111")
    dialog.accept()
    assert not dialog.isVisible()
    entries = audit.list_entries(db, SYSTEM, kind="staff", limit=1)
    assert "Điện thoại từ 0912345678 thành 0911111111" in entries[0].sentence
    assert "Họ" not in entries[0].sentence.split(" của ")[0].replace("Điện thoại", "")


def test_create_account_roles_password_and_lock(tab, db, messages):
    page = tab.show_page("staff")
    select_where(page, lambda e: e.staff is not None and e.staff.given_name == "Hoa")
    dialog = page.open_create_account()
    assert isinstance(dialog, AccountDialog)
    assert dialog.username.text() == "hoa.dt"
    dialog.accept()
    assert dialog.error() == "Hãy chọn ít nhất một vai trò." and dialog.isVisible()
    dialog.roles.boxes[Role.GV_CHU_NHIEM].setChecked(True)
    dialog.password.setText("ngan")
    dialog.accept()
    assert "ít nhất 8 kí tự" in dialog.error()
    password = "hoa" + "x7k2p9q"
    dialog.password.setText(password)
    dialog.accept()
    assert not dialog.isVisible()
    entry = page.current()
    assert entry.account.username == "hoa.dt"
    row = page.model.find(lambda e: e.account is not None and e.account.username == "hoa.dt")
    assert page.model.index(row, 6).data() == "Giáo viên chủ nhiệm"
    assert page.model.index(row, 7).data() == "4A"
    assert accounts.login(db, "hoa.dt", password).password_change_reason

    roles = page.open_roles()
    assert isinstance(roles, RolesDialog)
    roles.roles.boxes[Role.TO_TRUONG_CM].setChecked(True)
    roles.accept()
    row = page.model.find(lambda e: e.account is not None and e.account.username == "hoa.dt")
    assert page.model.index(row, 6).data() == "Tổ trưởng chuyên môn, Giáo viên chủ nhiệm"

    reset = page.open_reset_password()
    assert isinstance(reset, ResetPasswordDialog)
    reset.password.setText("moi12345x")
    reset.accept()
    assert accounts.login(db, "hoa.dt", "moi12345x").actor.username == "hoa.dt"

    messages.answer = False
    page.toggle_active()
    assert page.current().account.active
    messages.answer = True
    page.toggle_active()
    assert not page.current().account.active
    assert page.active_button.text() == "Mở khóa tài khoản"
    row = page.model.find(lambda e: e.account is not None and e.account.username == "hoa.dt")
    assert page.model.index(row, 5).data() == "hoa.dt (đã khóa)"
    page.toggle_active()
    assert page.current().account.active
    assert messages.warnings == []


def test_principal_cannot_lock_own_account(tab, messages):
    page = tab.show_page("staff")
    select_where(page, lambda e: e.account is not None and e.account.username == "hieutruong")
    page.toggle_active()
    assert messages.warnings == ["Không thể tự khóa tài khoản của chính mình."]


def test_password_policy_and_delegation(tab, db, messages):
    page = tab.show_page("staff")
    assert page.policy_group is not None and page.delegation is not None
    page.min_length.setValue(10)
    page.max_age.setValue(0)
    page.save_policy()
    assert messages.infos == ["Đã lưu chính sách mật khẩu."]
    with db.read() as session:
        profile = school.school_profile(session)
        assert (profile.password_min_length, profile.password_max_age_days) == (10, 0)
    page.delegation.setChecked(True)
    with db.read() as session:
        assert school.school_profile(session).db_admin_manages_accounts


def test_username_suggestion():
    member = staff.StaffMember(family_name="Đặng", middle_name="Thị Ngọc", given_name="Ánh")
    assert suggest_username(member) == "anh.dtn"


# --- years ----------------------------------------------------------------------------


def test_years_page_shows_weeks_days_off_and_holidays(tab, db, messages):
    page = tab.show_page("years")
    year = page.selected_year()
    assert page.year_list.currentItem().text() == f"{year.name} (năm hiện tại)"
    assert page.weeks_model.rowCount() == 35
    assert column(page.weeks_model, 0)[:2] == ["1", "2"] and column(page.weeks_model, 1)[-1] == "II"
    holidays = column(page.holidays_model, 2)
    assert any("Quốc khánh" in name for name in holidays)
    assert any("Tết" in name for name in holidays)

    dialog = page.open_add_day_off()
    assert isinstance(dialog, DayOffDialog)
    dialog.day.setText("30/02/" + year.name[5:])
    dialog.reason.setText("Nghỉ bù")
    dialog.accept()
    assert dialog.error().startswith("Ngày không tồn tại") and dialog.isVisible()
    assert page.days_model.rowCount() == 0
    day = f"20/11/{year.name[:4]}"
    dialog.day.setText(day)
    dialog.reason.setText("")
    dialog.accept()
    assert dialog.error() == "Hãy ghi lí do của ngày nghỉ hoặc ngày làm bù."
    dialog.reason.setText("Ngày Nhà giáo Việt Nam")
    dialog.accept()
    assert not dialog.isVisible()
    assert column(page.days_model, 0) == [day] and column(page.days_model, 3) == ["Nghỉ"]

    page.days_table.selectRow(0)
    page.remove_day_off()
    assert page.days_model.rowCount() == 0
    assert len(messages.questions) == 1

    page.governing_body.setText("UBND PHƯỜNG CẦU ĐẤT")
    page.save_governing_body()
    assert page.selected_year().governing_body == "UBND PHƯỜNG CẦU ĐẤT"
    assert page.body_status.text() == "Đã lưu."
    assert messages.warnings == []


def test_new_year_and_rollover(tab, db):
    page = tab.show_page("years")
    current = page.selected_year()
    first = int(current.name[:4])
    rollover = page.open_rollover()
    assert isinstance(rollover, RolloverDialog)
    assert rollover.name.text() == f"{first + 1}-{first + 2}"
    rollover.keep_homerooms.setChecked(True)
    rollover.first_monday.setText("")
    rollover.accept()
    assert rollover.error() == "Hãy nhập ngày Thứ Hai của tuần 1." and rollover.isVisible()
    rollover.first_monday.setText(f"07/09/{first + 1}")
    rollover.accept()
    assert not rollover.isVisible()
    assert page.selected_year().name == f"{first + 1}-{first + 2}"
    classes = school.list_classes(db, SYSTEM, page.selected_year().id)
    assert [(c.name, c.homeroom_name) for c in classes] == [("1B", ""), ("4A", "Đặng Thị Hoa")]

    dialog = page.open_new_year()
    assert isinstance(dialog, YearDialog) and dialog.name.text() == f"{first + 2}-{first + 3}"
    dialog.name.setText(f"{first + 1}-{first + 2}")
    dialog.accept()
    assert dialog.error() == f"Năm học {first + 1}-{first + 2} đã có." and dialog.isVisible()
    dialog.name.setText(f"{first + 2}-{first + 3}")
    dialog.accept()
    assert not dialog.isVisible()
    assert [y.name for y, _c in school.list_years(db, SYSTEM)][-1] == f"{first + 2}-{first + 3}"


# --- classes and assignments ----------------------------------------------------------


def test_classes_page_adds_a_class_and_changes_the_homeroom(tab, db):
    page = tab.show_page("classes")
    assert column(page.model, 0) == ["1B", "4A"]
    assert column(page.model, 2) == ["", "Đặng Thị Hoa"]
    dialog = page.open_add_class()
    assert isinstance(dialog, ClassDialog)
    dialog.name.setText("6A")
    dialog.accept()
    assert "không hợp lệ" in dialog.error()
    dialog.name.setText("2c")
    dialog.homeroom.setCurrentIndex(find_data(dialog.homeroom,
        next(s.id for s in staff.list_staff(db, SYSTEM) if s.given_name == "Hoa")))
    dialog.accept()
    assert "đã chủ nhiệm lớp 4A" in dialog.error() and dialog.isVisible()
    dialog.homeroom.setCurrentIndex(0)
    dialog.accept()
    assert not dialog.isVisible()
    assert column(page.model, 0) == ["1B", "2C", "4A"]
    assert page.current().name == "2C"

    homeroom = page.open_homeroom()
    assert isinstance(homeroom, HomeroomDialog)
    combo_names = [homeroom.homeroom.itemText(i) for i in range(homeroom.homeroom.count())]
    assert combo_names[:3] == ["(chưa có)", "Nguyễn Văn An — Giáo viên", "Đặng Thị Hoa — Giáo viên"]
    homeroom.homeroom.setCurrentIndex(1)
    homeroom.accept()
    assert column(page.model, 2) == ["", "Nguyễn Văn An", "Đặng Thị Hoa"]


def test_assignments_page_assigns_a_teacher(tab, db):
    year_id = current_year_id(db)
    an = next(s.id for s in staff.list_staff(db, SYSTEM) if s.given_name == "An")
    hoa = next(s.id for s in staff.list_staff(db, SYSTEM) if s.given_name == "Hoa")
    school.create_group(db, SYSTEM, year_id, "Tổ 4", head_id=hoa, member_ids=[an])
    page = tab.show_page("assignments")
    page.class_combo.setCurrentIndex(page.class_combo.findText("4A"))
    subjects = column(page.model, 0)
    assert subjects[:2] == ["Tiếng Việt", "Toán"] and "Khoa học" in subjects
    assert set(column(page.model, 3)) == {"(chưa phân công)"}
    assert page.model.index(0, 2).data() == "GK1, CK1, GK2, CN"
    page.table.selectRow(1)
    dialog = page.open_assign()
    assert isinstance(dialog, AssignDialog)
    dialog.teacher.setCurrentIndex(find_data(dialog.teacher, an))
    dialog.accept()
    assert not dialog.isVisible()
    assert page.model.index(1, 3).data() == "Nguyễn Văn An"
    assert [a.subject_name for a in school.list_assignments(db, SYSTEM, year_id)] == ["Toán"]
    assert column(page.groups_model, 0) == ["Tổ 4"]
    assert column(page.groups_model, 1) == ["Đặng Thị Hoa"]
    assert column(page.groups_model, 2) == ["Nguyễn Văn An, Đặng Thị Hoa"]
    page.class_combo.setCurrentIndex(page.class_combo.findText("1B"))
    assert "Khoa học" not in column(page.model, 0)


# --- audit log --------------------------------------------------------------------------


def test_audit_page_lists_sentences_and_filters_by_kind(tab, db, principal):
    hoa = next(s.id for s in staff.list_staff(db, SYSTEM) if s.given_name == "Hoa")
    staff.update_staff(db, principal, hoa, position="Tổ trưởng")
    page = tab.show_page("audit")
    sentences = column(page.model, 3)
    wanted = "hieutruong sửa Chức vụ từ Giáo viên thành Tổ trưởng của Đặng Thị Hoa"
    assert sentences[0].startswith(wanted)
    assert page.model.index(0, 3).data(Qt.ItemDataRole.ToolTipRole) == sentences[0]
    assert page.model.index(0, 1).data() == "hieutruong"
    assert page.model.index(0, 2).data() == "Cán bộ"
    assert len(page.model.index(0, 0).data()) == len("31/12/2025 08:00")
    page.kind.setCurrentIndex(page.kind.findData("accounts"))
    assert not any(s.startswith(wanted) for s in column(page.model, 3))
    assert set(column(page.model, 2)) == {"Tài khoản"}
    page.kind.setCurrentIndex(page.kind.findData("staff"))
    assert column(page.model, 3)[0].startswith(wanted)
    page.person.setCurrentIndex(find_data(page.person, principal.account_id))
    assert column(page.model, 3) == [sentences[0]]
    page.use_since.setChecked(True)
    page.since.setDate(page.since.date().addDays(60))
    assert page.model.rowCount() == 0
    page.use_since.setChecked(False)
    assert page.model.rowCount() == 1
    page.school_class.setCurrentIndex(page.school_class.findText("4A"))
    assert page.model.rowCount() == 0


def test_verify_button_reports_intact_and_broken_log(tab, db, messages):
    page = tab.show_page("audit")
    page.verify_button.click()
    report = audit.verify(db, SYSTEM)
    assert messages.infos == [f"Nhật ký nguyên vẹn ({report.entries} mục)."]
    connection = sqlite3.connect(db.location)
    connection.execute("UPDATE audit_entry SET actor_name = 'Người lạ' WHERE seq = 3")
    connection.commit()
    connection.close()
    page.verify_button.click()
    assert messages.warnings == ["Nhật ký KHÔNG nguyên vẹn: nội dung mục số 3 đã bị sửa. Hãy báo ngay cho Hiệu trưởng."]
    assert page.verify_label.text() == "Nhật ký không nguyên vẹn (mục số 3)."
