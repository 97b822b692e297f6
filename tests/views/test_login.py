"""The login dialog, the password change dialog and the login → password change → window flow,
including the database opened on a thread behind the login dialog.

Real services on a database in tmp_path; keyring in memory; no dialog is ever exec()'d.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading

import keyring
import keyring.backend
import keyring.backends.fail
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QWidget

from nk_desktop import keystore
from nk_desktop.actor import SYSTEM
from nk_desktop.db import open_database
from nk_desktop.services import accounts
from nk_desktop.services.accounts import LoginResult
from nk_desktop.services.permissions import Role
from nk_desktop.services.setup import init_school
from nk_desktop.views import registry
from nk_desktop.views.app_shell import ChangePasswordDialog, DatabaseOpening, LoginDialog, SessionFlow

SCHOOL = "Trường Tiểu học Nguyễn Khuyến"
PASSWORD = "matkhau123"


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring():
    """Never touch the developer's real keyring."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A school file built once (password hashing is slow); each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "t.sqlite"
    db = open_database(path)
    init_school(db, SCHOOL, PASSWORD)
    accounts.create_account(db, SYSTEM, username="thuvien", staff_id=None, roles=[Role.THU_VIEN],
                            password=PASSWORD, must_change=False)
    accounts.create_account(db, SYSTEM, username="giaovien", staff_id=None, roles=[Role.GV_CHU_NHIEM],
                            password=PASSWORD, must_change=True)
    db.dispose()  # checkpoints the WAL into the file
    return path


@pytest.fixture
def db(template, tmp_path):
    path = tmp_path / "t.sqlite"
    shutil.copy(template, path)
    database = open_database(path)
    yield database
    database.dispose()


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def make_login(qtbot, db, **kwargs) -> LoginDialog:
    dialog = LoginDialog(DatabaseOpening.already_open(db), **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def attempt(dialog: LoginDialog, username: str, password: str) -> None:
    dialog.username.setText(username)
    dialog.password.setText(password)
    dialog.login_button.click()


# --- the login dialog -------------------------------------------------------------------

def test_labels_are_vietnamese_and_footer_shows_school_and_database(qtbot, db):
    dialog = make_login(qtbot, db)
    assert dialog.login_button.text() == "Đăng nhập"
    assert dialog.quit_button.text() == "Thoát"
    assert dialog.findChild(QWidget, "school").text() == SCHOOL
    assert db.location in dialog.findChild(QWidget, "location").text()
    assert not dialog.error.isVisible()


def test_success_accepts_and_remembers_the_user(qtbot, db):
    dialog = make_login(qtbot, db)
    assert dialog.username.text() == ""
    assert dialog.focusWidget() is dialog.username
    attempt(dialog, "  HieuTruong ", PASSWORD)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.login_result.actor.username == "hieutruong"
    assert dialog.login_result.password_change_reason is None
    qtbot.waitUntil(lambda: keystore.last_user() == "hieutruong")  # written on a thread


def test_remembered_user_is_prefilled_and_focus_is_on_password(qtbot, db):
    keystore.remember_last_user("thuvien")
    dialog = make_login(qtbot, db)
    qtbot.waitUntil(lambda: dialog.username.text() == "thuvien")  # read on a thread after the first paint
    assert dialog.focusWidget() is dialog.password


def test_the_remembered_user_does_not_overwrite_typing(qtbot, db):
    keystore.remember_last_user("thuvien")
    dialog = make_login(qtbot, db)
    qtbot.keyClicks(dialog.username, "hi")
    with qtbot.waitSignal(dialog.first_painted, timeout=5000):
        pass
    qtbot.wait(200)  # the keyring lookup has come back by now
    assert dialog.username.text() == "hi"


def test_user_option_overrides_the_remembered_user(qtbot, db):
    keystore.remember_last_user("thuvien")
    dialog = make_login(qtbot, db, username="hieutruong")
    assert dialog.username.text() == "hieutruong"
    qtbot.wait(200)
    assert dialog.username.text() == "hieutruong"


def test_enter_in_the_password_field_submits(qtbot, db):
    dialog = make_login(qtbot, db, username="hieutruong")
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.login_result is not None
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_wrong_password_is_shown_inline_and_the_user_name_kept(qtbot, db):
    dialog = make_login(qtbot, db)
    attempt(dialog, "hieutruong", "saimatkhau1")
    assert dialog.error.isVisible()
    assert dialog.error.text() == "Sai tên đăng nhập hoặc mật khẩu (còn 4 lần thử trước khi bị khóa)."
    assert "color" in dialog.error.styleSheet()  # red, inline: no message box
    assert dialog.username.text() == "hieutruong"
    assert dialog.password.text() == ""
    assert dialog.focusWidget() is dialog.password
    assert dialog.isVisible() and dialog.login_result is None
    assert keystore.last_user() is None


def test_unknown_user_and_empty_user_name(qtbot, db):
    dialog = make_login(qtbot, db)
    attempt(dialog, "khongco", PASSWORD)
    assert dialog.error.text() == "Sai tên đăng nhập hoặc mật khẩu."
    attempt(dialog, "   ", PASSWORD)
    assert dialog.error.text() == "Hãy nhập tên đăng nhập."


def test_five_failures_lock_the_account(qtbot, db):
    dialog = make_login(qtbot, db)
    for left in (4, 3, 2, 1):
        attempt(dialog, "thuvien", "saimatkhau1")
        assert f"còn {left} lần thử" in dialog.error.text()
    attempt(dialog, "thuvien", "saimatkhau1")
    assert dialog.error.text() == "Nhập sai mật khẩu 5 lần: tài khoản bị khóa 15 phút."
    attempt(dialog, "thuvien", PASSWORD)  # even the right password is refused now
    assert dialog.error.text().startswith("Tài khoản đang bị khóa tạm thời do nhập sai mật khẩu 5 lần")
    assert dialog.login_result is None


def test_the_login_function_is_injectable(qtbot, db):
    calls = []

    def fake_login(database, username, password):
        calls.append((database, username, password))
        return LoginResult(actor=SYSTEM, password_change_reason=None)

    dialog = make_login(qtbot, db, login=fake_login)
    attempt(dialog, "Ai.Do", "x")
    assert calls == [(db, "ai.do", "x")]
    assert dialog.login_result.actor is SYSTEM


def test_works_without_a_keyring_backend(qtbot, db):
    keyring.set_keyring(keyring.backends.fail.Keyring())
    dialog = make_login(qtbot, db)
    qtbot.wait(100)
    assert dialog.username.text() == ""
    attempt(dialog, "hieutruong", PASSWORD)
    assert dialog.result() == QDialog.DialogCode.Accepted


# --- the password change dialog ---------------------------------------------------------

def principal(db):
    return accounts.login(db, "hieutruong", PASSWORD).actor


def make_change(qtbot, db, actor, **kwargs) -> ChangePasswordDialog:
    dialog = ChangePasswordDialog(db, actor, min_length=8, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def fill(dialog: ChangePasswordDialog, old: str, new: str, again: str | None = None) -> None:
    dialog.old_password.setText(old)
    dialog.new_password.setText(new)
    dialog.confirm_password.setText(new if again is None else again)
    dialog.ok_button.click()


def test_change_password_errors_are_inline(qtbot, db):
    dialog = make_change(qtbot, db, principal(db))
    assert "ít nhất 8 kí tự" in dialog.hint.text()
    assert dialog.cancel_button.text() == "Hủy"
    fill(dialog, PASSWORD, "matkhaumoi1", "matkhaumoi2")
    assert dialog.error.text() == "Mật khẩu nhập lại không khớp với mật khẩu mới."
    fill(dialog, "saimatkhau1", "matkhaumoi1")
    assert dialog.error.text() == "Mật khẩu hiện tại không đúng."
    fill(dialog, PASSWORD, "ngan1")
    assert dialog.error.text() == "Mật khẩu phải có ít nhất 8 kí tự."
    assert dialog.focusWidget() is dialog.new_password
    assert dialog.isVisible()


def test_change_password_success(qtbot, db):
    dialog = make_change(qtbot, db, principal(db))
    fill(dialog, PASSWORD, "matkhaumoi1")
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert accounts.login(db, "hieutruong", "matkhaumoi1").password_change_reason is None


# --- the flow: login → forced change → main window → logout ---------------------------------

def fake_admin_tab(db, actor, parent):
    return QWidget(parent)


TEST_TABS = (registry.TabSpec("admin", "Quản trị", registry.TABS[0].actions, fake_admin_tab),)


@pytest.fixture
def flow(db, settings):
    quits: list[bool] = []
    flow = SessionFlow(db, quit=lambda: quits.append(True), tabs=TEST_TABS, settings_factory=lambda: settings)
    flow.quits = quits
    yield flow
    if flow.window is not None:
        flow.window.closed.disconnect()
        flow.window.close()
    for dialog in (flow.login_dialog, flow.password_dialog):
        if dialog is not None:
            dialog.close()


def test_forced_password_change_comes_before_the_window(qtbot, flow):
    login = flow.start()
    attempt(login, "giaovien", PASSWORD)
    change = flow.password_dialog
    assert change is not None and change.isVisible()
    assert flow.window is None
    assert "lần đăng nhập đầu tiên" in change.reason.text()
    assert change.cancel_button.text() == "Thoát"
    fill(change, PASSWORD, "matkhaumoi1")
    assert flow.window is not None and flow.window.isVisible()
    assert flow.window.actor.username == "giaovien"
    assert flow.quits == []


def test_leaving_the_forced_change_ends_the_program(qtbot, flow):
    attempt(flow.start(), "giaovien", PASSWORD)
    flow.password_dialog.cancel_button.click()
    assert flow.quits == [True]
    assert flow.window is None


def test_quit_on_the_login_dialog_ends_the_program(qtbot, flow):
    flow.start().quit_button.click()
    assert flow.quits == [True]


def test_logout_shows_the_login_again_with_the_user_prefilled(qtbot, flow):
    attempt(flow.start(), "hieutruong", PASSWORD)
    window = flow.window
    assert window.isVisible()
    window.logout_action.trigger()
    assert not window.isVisible()
    assert flow.window is None
    assert flow.login_dialog.isVisible()
    assert flow.login_dialog.username.text() == "hieutruong"
    assert flow.quits == []


def test_closing_the_window_ends_the_program(qtbot, flow):
    attempt(flow.start(), "hieutruong", PASSWORD)
    flow.window.quit_action.trigger()
    assert flow.quits == [True]


# --- the database opened behind the login dialog ------------------------------------------------

class Gate:
    """An open function that waits for the test to let it through (the database opening "slowly")."""

    def __init__(self, open_function):
        self.open_function = open_function
        self.release = threading.Event()
        self.calls = 0

    def __call__(self):
        self.calls += 1
        assert self.release.wait(10), "the test never released the opening"
        return self.open_function()


@pytest.fixture
def slow_opening(db):
    gate = Gate(lambda: db)
    opening = DatabaseOpening(gate, warm=())
    opening.gate = gate
    yield opening
    gate.release.set()
    opening.wait(10)


def test_the_dialog_is_usable_while_the_database_opens(qtbot, slow_opening):
    dialog = LoginDialog(slow_opening)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.first_painted, timeout=5000):
        pass
    assert dialog.school.text() == "Đang mở tệp dữ liệu…"
    assert dialog.login_button.isEnabled() and not dialog.error.isVisible()
    qtbot.keyClicks(dialog.username, "hieutruong")  # typing works before the database is there
    assert dialog.username.text() == "hieutruong"
    slow_opening.start()
    slow_opening.gate.release.set()
    qtbot.waitUntil(lambda: dialog.school.text() == SCHOOL)
    assert slow_opening.db is not None and slow_opening.db.location in dialog.location.text()


def test_login_pressed_early_waits_with_a_busy_cursor_then_goes_on(qtbot, slow_opening):
    dialog = LoginDialog(slow_opening)
    qtbot.addWidget(dialog)
    dialog.show()
    attempt(dialog, "hieutruong", PASSWORD)
    assert slow_opening.started  # pressing Đăng nhập starts the opening if no paint did yet
    assert dialog.login_result is None and dialog.isVisible()
    assert not dialog.login_button.isEnabled()
    assert QGuiApplication.overrideCursor() is not None
    assert "xin chờ" in dialog.school.text()
    dialog.login_button.click()  # a second press changes nothing
    slow_opening.gate.release.set()
    qtbot.waitUntil(lambda: dialog.login_result is not None)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.login_result.actor.username == "hieutruong"
    assert QGuiApplication.overrideCursor() is None
    assert slow_opening.gate.calls == 1


def test_wrong_password_pressed_early_is_shown_once_the_database_is_ready(qtbot, slow_opening):
    dialog = LoginDialog(slow_opening)
    qtbot.addWidget(dialog)
    dialog.show()
    attempt(dialog, "hieutruong", "saimatkhau1")
    slow_opening.gate.release.set()
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert dialog.error.text() == "Sai tên đăng nhập hoặc mật khẩu (còn 4 lần thử trước khi bị khóa)."
    assert dialog.login_result is None and dialog.login_button.isEnabled()
    assert QGuiApplication.overrideCursor() is None
    attempt(dialog, "hieutruong", PASSWORD)
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_quitting_while_waiting_restores_the_cursor(qtbot, slow_opening):
    dialog = LoginDialog(slow_opening)
    qtbot.addWidget(dialog)
    dialog.show()
    attempt(dialog, "hieutruong", PASSWORD)
    assert QGuiApplication.overrideCursor() is not None
    dialog.quit_button.click()
    assert QGuiApplication.overrideCursor() is None


def test_a_newer_database_file_is_reported_in_the_dialog(qtbot, tmp_path):
    path = tmp_path / "newer.sqlite"
    open_database(path).dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'f00dcafe9999'")
    conn.close()
    before = path.read_bytes()
    opening = DatabaseOpening(lambda: open_database(path))
    dialog = LoginDialog(opening)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(opening.finished, timeout=10000):
        opening.start()
    assert opening.db is None and opening.error is not None
    assert dialog.error.isVisible()
    assert dialog.error.text().startswith("Không mở được tệp dữ liệu.")
    assert "phiên bản NK Desktop mới hơn" in dialog.error.text() and "f00dcafe9999" in dialog.error.text()
    assert not dialog.login_button.isEnabled() and not dialog.password.isEnabled()
    assert dialog.quit_button.isEnabled() and dialog.quit_button.isDefault()
    opening.wait(10)
    assert path.read_bytes() == before  # refused untouched


def test_a_file_without_a_school_says_how_to_create_one(qtbot, tmp_path):
    opening = DatabaseOpening(lambda: open_database(tmp_path / "empty.sqlite"))
    dialog = LoginDialog(opening)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(opening.finished, timeout=10000):
        opening.start()
    text = dialog.error.text()
    assert "chưa có trường" in text and "nk-admin" in text and " init " in text and " demo " in text
    assert not dialog.login_button.isEnabled()
    opening.close()


def test_the_flow_opens_the_database_once_the_login_is_on_screen(qtbot, db, settings):
    gate = Gate(lambda: db)
    gate.release.set()
    opening = DatabaseOpening(gate)
    flow = SessionFlow(opening, quit=lambda: None, tabs=TEST_TABS, settings_factory=lambda: settings)
    login = flow.start()
    assert not opening.started  # nothing competes with the first paint
    with qtbot.waitSignal(flow.login_shown, timeout=5000):
        pass
    assert opening.started
    with qtbot.waitSignal(opening.finished, timeout=10000):
        pass
    opening.wait(30)  # the modules needed after the login are imported on the thread too
    assert opening.warm_errors == []
    with qtbot.waitSignal(flow.window_opened, timeout=5000):
        attempt(login, "hieutruong", PASSWORD)
    assert flow.window.isVisible() and flow.window.info.school_name == SCHOOL
    flow.window.closed.disconnect()
    flow.window.close()
