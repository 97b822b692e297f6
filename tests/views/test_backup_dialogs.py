"""Backup and restore from the window: progress off the UI thread, inline errors, restore then log in again."""

import datetime as dt
from pathlib import Path

import pytest

from nk_desktop.db import open_database
from nk_desktop.services import accounts, school
from nk_desktop.services.setup import init_school
from nk_desktop.views.backup import BackupDialog, RestoreDialog

PASS = "cum-mat-khau-2026"


@pytest.fixture
def shell(tmp_path):
    db = open_database(tmp_path / "truong.sqlite")
    init_school(db, "Trường Tiểu học Nguyễn Khuyến", "matkhau123", on=dt.date(2026, 11, 29))
    actor = accounts.login(db, "hieutruong", "matkhau123").actor
    yield db, actor
    db.dispose()


def test_backup_runs_in_the_background_and_reports(qtbot, shell, tmp_path):
    db, actor = shell
    dialog = BackupDialog(db, actor, volumes=lambda: [("USB (còn trống 7.5 GB)", tmp_path / "usb")])
    qtbot.addWidget(dialog)
    dialog.passphrase.setText("ngan")
    assert dialog.start() is None and "ít nhất 8 kí tự" in dialog.error.text()
    dialog.passphrase.setText(PASS)
    operation = dialog.start()
    qtbot.waitUntil(lambda: not operation.running or "Đã sao lưu" in dialog.result.text(), timeout=30000)
    qtbot.waitUntil(lambda: "Đã sao lưu" in dialog.result.text(), timeout=30000)
    assert len(list((tmp_path / "usb").glob("*.nkb"))) == 1


def test_restore_shows_what_the_backup_holds_and_refuses_a_wrong_passphrase(qtbot, shell, tmp_path):
    from nk_desktop.services import maintenance

    db, actor = shell
    made = maintenance.backup_database(db, actor, tmp_path / "usb", passphrase=PASS)
    school.update_profile(db, actor, phone="0225 111 222")
    asked = []
    dialog = RestoreDialog(db, actor, confirm=lambda parent, text: asked.append(text) or True)
    qtbot.addWidget(dialog)
    dialog.path.setText(str(made.path))
    dialog.passphrase.setText("sai")
    dialog.check()
    assert "Sai cụm mật khẩu" in dialog.error.text() and not dialog.restore_button.isEnabled()
    dialog.passphrase.setText(PASS)
    dialog.check()
    assert "Bản sao lưu của “Trường Tiểu học Nguyễn Khuyến”" in dialog.facts.text()
    assert "Dữ liệu hiện tại trên máy" in dialog.facts.text() and dialog.restore_button.isEnabled()
    assert dialog.restore() and dialog.restored and asked
    with db.read() as session:
        assert school.school_profile(session).phone == ""


def test_the_menu_offers_backup_to_those_allowed(qtbot, shell):
    from nk_desktop.views.app_shell.main_window import MainWindow
    from PySide6.QtCore import QSettings

    db, actor = shell
    window = MainWindow(db, actor, settings=QSettings(str(Path(db.location).with_suffix(".ini")),
                                                      QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    assert window.backup_action is not None and window.restore_action is not None
