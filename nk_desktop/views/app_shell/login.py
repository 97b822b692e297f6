"""The login dialog: user name and password, refusals shown inline in red.

It is the program's first window, so it is shown before the database layer is loaded: it
imports only Qt, and it is given a ``DatabaseOpening`` that is still running.  The school's
name and the database location appear when the database is ready; Đăng nhập pressed before
then waits (busy cursor, the dialog keeps painting) and goes on by itself.  The remembered
user name is read from the keyring on a thread too (its backend discovery is slow).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Callable

# Not ``Qt`` (the namespace costs a sixth of a bare window's start-up to load) nor
# ``views.common`` (which loads it): both are imported where used, after the first paint.
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget,
)

from nk_desktop import keystore
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.views.app_shell.opening import DatabaseOpening

if TYPE_CHECKING:
    from nk_desktop.db import Database
    from nk_desktop.services.accounts import LoginResult

LoginFunction = Callable[["Database", str, str], "LoginResult"]

ERROR_STYLE = "color: #b00020;"


class LoginDialog(QDialog):
    """Ask for the user name and password; on success ``login_result`` holds the ``LoginResult``.

    *username* pre-fills the name (``--user``); None reads the name remembered on this PC.
    *login* defaults to ``services.accounts.login``.  ``first_painted`` is emitted once, on
    the event-loop turn after the dialog was first painted: the moment it is usable.
    """

    first_painted = Signal()

    def __init__(self, opening: DatabaseOpening, *, username: str | None = None,
                 login: LoginFunction | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.opening = opening
        self._login = login
        self._painted = False
        self._waiting = False  # Đăng nhập was pressed before the database was ready
        self.login_result: LoginResult | None = None
        self.setWindowTitle(_("Đăng nhập — NK Desktop"))

        heading = QLabel(_("Đăng nhập NK Desktop"))
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)

        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.username.setMaxLength(32)
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(_("Tên đăng &nhập:"), self.username)
        form.addRow(_("&Mật khẩu:"), self.password)

        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()

        buttons = QDialogButtonBox()
        self.login_button = buttons.addButton(_("Đăng nhập"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.quit_button = buttons.addButton(_("Thoát"), QDialogButtonBox.ButtonRole.RejectRole)
        self.login_button.setDefault(True)  # Enter in either field submits
        self.login_button.clicked.connect(self.submit)
        self.quit_button.clicked.connect(self.reject)

        self.school = QLabel(_("Đang mở tệp dữ liệu…"))
        self.school.setObjectName("school")
        self.school.setWordWrap(True)
        _small_print(self.school)
        self.location: QLabel | None = None  # an ElidedLabel, once the database is known

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        layout.addSpacing(8)
        layout.addWidget(self.school)
        self._layout = layout
        self.setMinimumWidth(420)

        if username:
            self.username.setText(username)
            self.password.setFocus()
        else:
            self.username.setFocus()
        self._look_up_user = username is None

        # Connected before looking at ``done``: a result delivered in between is not lost.
        opening.finished.connect(self._database_finished)
        if opening.done:
            self._database_finished()

    # --- the first paint and the remembered user name ------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            # On the next turn of the event loop: after the children have painted too.
            QTimer.singleShot(0, self, self._after_first_paint)

    def _after_first_paint(self) -> None:
        self.first_painted.emit()  # its receivers first (the database opening, a stopwatch)
        if self._look_up_user:
            mailbox = _Mailbox()
            mailbox.delivered.connect(self._show_remembered)  # queued: the dialog lives on the UI thread
            threading.Thread(target=lambda: mailbox.delivered.emit(keystore.last_user()),
                             name="nk-last-user", daemon=True).start()

    def _show_remembered(self, name: str | None) -> None:
        if not name or self.username.text() or self.username.isModified():
            return  # the user has started typing: leave it alone
        self.username.setText(name)
        if self.focusWidget() in (None, self.username):
            self.password.setFocus()

    # --- the database --------------------------------------------------------------------------

    def _database_finished(self) -> None:
        opening = self.opening
        if opening.info is not None:
            self.school.setText(opening.info.school_name or _("(tệp dữ liệu chưa có trường)"))
            self._show_location(_("Dữ liệu: {location}").format(location=opening.info.location))
        else:
            self.school.setText("")
        waiting, self._waiting = self._waiting, False
        if waiting:
            QGuiApplication.restoreOverrideCursor()
        problem = opening.problem()
        if problem is not None:
            from PySide6.QtCore import Qt

            self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # the nk-admin commands
            self.show_error(problem)
            for widget in (self.username, self.password, self.login_button):
                widget.setEnabled(False)
            self.quit_button.setDefault(True)
            self.quit_button.setFocus()
            return
        self.login_button.setEnabled(True)
        if waiting:
            self.submit()

    def _show_location(self, text: str) -> None:
        if self.location is None:
            from nk_desktop.views.common import ElidedLabel

            self.location = ElidedLabel()
            self.location.setObjectName("location")
            _small_print(self.location)
            self._layout.addWidget(self.location)
        self.location.setText(text)

    # --- logging in ----------------------------------------------------------------------------

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def submit(self) -> None:
        username = self.username.text().strip().lower()
        if not username:
            self.show_error(_("Hãy nhập tên đăng nhập."))
            self.username.setFocus()
            return
        if not self.opening.done:
            if not self._waiting:
                self._waiting = True
                self.login_button.setEnabled(False)
                _busy_cursor()
                self.school.setText(_("Đang mở tệp dữ liệu, xin chờ một chút…"))
                self.opening.start()  # in case it has not started yet
            return
        if self.opening.db is None:
            return  # the reason is shown and the button disabled
        login = self._login
        if login is None:
            from nk_desktop.services.accounts import login  # already loaded by the opening thread
        _busy_cursor()  # checking a password takes a moment
        try:
            result = login(self.opening.db, username, self.password.text())
        except NKError as error:
            self.show_error(str(error))
            self.password.clear()
            self.password.setFocus()
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        # Off the UI thread: the keyring may be slow (and is not loaded yet after --user).
        threading.Thread(target=keystore.remember_last_user, args=(username,), name="nk-remember-user").start()
        self.login_result = result
        self.show_error("")
        self.accept()

    def done(self, result: int) -> None:  # noqa: D102 (Qt override: accept, reject, close all end here)
        if self._waiting:
            self._waiting = False
            QGuiApplication.restoreOverrideCursor()
        super().done(result)


class _Mailbox(QObject):
    """Carries one value from a thread to the UI thread.  No Qt parent: the thread's reference
    keeps it alive, so the thread never emits on an object the dialog's deletion took away."""

    delivered = Signal(object)


def _small_print(label: QLabel) -> None:
    small = label.font()
    small.setPointSizeF(small.pointSizeF() * 0.85)
    label.setFont(small)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)


def _busy_cursor() -> None:
    from PySide6.QtCore import Qt

    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
