"""Starting the program (app.py): the login dialog first, the database opened behind it.

``app.run`` is driven through its real event loop with timers (no dialog is exec()'d on its
own); what must not be loaded before the login dialog is checked in a fresh process.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import keyring
import keyring.backends.null
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from nk_desktop import app
from nk_desktop.db import open_database
from nk_desktop.services.setup import init_school
from nk_desktop.views import registry
from nk_desktop.views.app_shell import LoginDialog, MainWindow

SCHOOL = "Trường Tiểu học Nguyễn Khuyến"
PASSWORD = "matkhau123"
TEST_TABS = (registry.TabSpec("admin", "Quản trị", registry.TABS[0].actions, lambda db, actor, parent: QWidget(parent)),)


@pytest.fixture(autouse=True)
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.null.Keyring())
    yield
    keyring.set_keyring(previous)


def run_app(qapp, argv: list[str], step, **flow_options) -> int:
    """``app.run`` with *step* called every 20 ms on the UI thread until it returns True."""

    def tick():
        if not step():
            QTimer.singleShot(20, tick)

    safety = QTimer()
    safety.setSingleShot(True)
    safety.timeout.connect(lambda: qapp.exit(99))
    safety.start(30_000)
    QTimer.singleShot(0, tick)
    try:
        return app.run(qapp, app.build_parser().parse_args(argv), **flow_options)
    finally:
        safety.stop()
        qapp.setQuitOnLastWindowClosed(True)


def ready_login() -> LoginDialog | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, LoginDialog) and widget.isVisible() and widget.opening.done:
            return widget
    return None


def test_a_file_from_a_newer_version_is_refused_in_the_login_dialog(qapp, tmp_path):
    path = tmp_path / "newer.sqlite"
    open_database(path).dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'f00dcafe9999'")
    conn.close()
    shown = []

    def step():
        dialog = ready_login()
        if dialog is None:
            return False
        shown.append((dialog.error.text(), dialog.login_button.isEnabled()))
        dialog.quit_button.click()
        return True

    assert run_app(qapp, ["--db", str(path)], step) == 1
    [(text, login_enabled)] = shown
    assert "phiên bản NK Desktop mới hơn" in text and not login_enabled


def test_a_file_without_a_school_says_how_to_create_one(qapp, tmp_path):
    shown = []

    def step():
        dialog = ready_login()
        if dialog is None:
            return False
        shown.append(dialog.error.text())
        dialog.quit_button.click()
        return True

    assert run_app(qapp, ["--db", str(tmp_path / "empty.sqlite")], step) == 1
    [text] = shown
    assert "chưa có trường" in text and "nk-admin" in text and " init " in text and " demo " in text


def test_run_logs_in_once_the_database_is_ready_and_ends_with_the_window(qapp, tmp_path):
    path = tmp_path / "school.sqlite"
    db = open_database(path)
    init_school(db, SCHOOL, PASSWORD)
    db.dispose()
    seen = []

    def step():
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible():
                seen.append(widget.actor.username)
                widget.quit_action.trigger()
                return True
        dialog = ready_login()
        if dialog is not None and dialog.login_result is None and dialog.login_button.isEnabled():
            assert dialog.school.text() == SCHOOL
            dialog.username.setText("hieutruong")
            dialog.password.setText(PASSWORD)
            dialog.login_button.click()
        return False

    assert run_app(qapp, ["--db", str(path)], step, tabs=TEST_TABS) == 0
    assert seen == ["hieutruong"]


PROBE = r"""
import sys
from nk_desktop import app as nk

HEAVY = ("sqlalchemy", "alembic", "argon2", "keyring", "platformdirs", "reportlab", "openpyxl",
         "nk_desktop.db", "nk_desktop.models", "nk_desktop.services", "nk_desktop.sync", "nk_desktop.paths",
         "nk_desktop.views.app_shell.main_window", "nk_desktop.views.registry")
args = nk.build_parser().parse_args(["--db", sys.argv[1]])
qapp = nk.create_application(sys.argv[:1])
nk.load_resources(qapp)
flow = nk.start_session(qapp, args)


def shown():
    import PySide6.QtCore

    loaded = sorted(m for m in sys.modules if m.startswith(HEAVY))
    print("loaded:", " ".join(loaded) or "-")
    print("Qt namespace:", "Qt" in vars(PySide6.QtCore), flush=True)
    qapp.quit()


flow.login_shown.connect(shown)
qapp.exec()
flow.opening.close()
"""


def test_the_login_dialog_shows_before_the_database_layer_is_loaded(tmp_path):
    """What the first window must not wait for (bench/startup.py figure 1)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    done = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "probe.sqlite")],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "loaded: -\n" in done.stdout, done.stdout
    # Loading PySide6's Qt namespace costs about a sixth of a bare window: login.py defers it.
    assert "Qt namespace: False" in done.stdout, done.stdout


def test_smoke_test_fails_clearly_on_a_newer_file(tmp_path):
    path = tmp_path / "newer.sqlite"
    open_database(path).dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'f00dcafe9999'")
    conn.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    done = subprocess.run([sys.executable, "-m", "nk_desktop", "--smoke-test", "--db", str(path)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "smoke test FAILED: database:" in done.stderr and "mới hơn" in done.stderr


def test_the_opening_thread_never_loads_qt():
    """PySide6 creates its types on first use, and not thread-safely: nothing the opening thread
    imports (the database layer, the warm-up modules, the keyring) may use Qt."""
    code = (
        "import importlib, sys\n"
        "def qt(): return sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken')))\n"
        "import keyring, nk_desktop.db, nk_desktop.keystore, nk_desktop.views.app_shell.info\n"
        "print('database layer:', qt())\n"
        "from nk_desktop.views.app_shell.opening import WARM_MODULES\n"
        "before = qt()\n"
        "for name in WARM_MODULES: importlib.import_module(name)\n"
        "print('warm-up adds:', sorted(set(qt()) - set(before)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "database layer: []\n" in done.stdout and "warm-up adds: []\n" in done.stdout, done.stdout
