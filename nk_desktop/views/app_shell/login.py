"""The login dialog: user name and password, refusals shown inline in red."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget,
)

from nk_desktop import keystore
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import accounts
from nk_desktop.services.accounts import LoginResult
from nk_desktop.views.app_shell.info import ShellInfo
from nk_desktop.views.common import ElidedLabel

LoginFunction = Callable[[Database, str, str], LoginResult]

ERROR_STYLE = "color: #b00020;"


class LoginDialog(QDialog):
    """Ask for the user name and password; on success ``login_result`` holds the ``LoginResult``."""

    def __init__(self, db: Database, info: ShellInfo, *, username: str | None = None,
                 login: LoginFunction = accounts.login, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self._login = login
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

        school = QLabel(info.school_name or _("(tệp dữ liệu chưa có trường)"))
        school.setObjectName("school")
        school.setWordWrap(True)
        location = ElidedLabel(_("Dữ liệu: {location}").format(location=info.location))
        location.setObjectName("location")
        for label in (school, location):
            small = label.font()
            small.setPointSizeF(small.pointSizeF() * 0.85)
            label.setFont(small)
            label.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        layout.addSpacing(8)
        layout.addWidget(school)
        layout.addWidget(location)
        self.setMinimumWidth(420)

        remembered = username if username is not None else keystore.last_user()
        if remembered:
            self.username.setText(remembered)
            self.password.setFocus()
        else:
            self.username.setFocus()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def submit(self) -> None:
        username = self.username.text().strip().lower()
        if not username:
            self.show_error(_("Hãy nhập tên đăng nhập."))
            self.username.setFocus()
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # checking a password takes a moment
        try:
            result = self._login(self._db, username, self.password.text())
        except NKError as error:
            self.show_error(str(error))
            self.password.clear()
            self.password.setFocus()
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        keystore.remember_last_user(username)
        self.login_result = result
        self.show_error("")
        self.accept()
