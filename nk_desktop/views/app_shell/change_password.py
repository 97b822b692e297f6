"""Changing one's own password: asked for by the user, or forced after login (first login, expiry)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget,
)

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import accounts
from nk_desktop.views.app_shell.login import ERROR_STYLE

ChangeFunction = Callable[[Database, Actor, str, str], None]


class ChangePasswordDialog(QDialog):
    """Old, new and repeated password.  With a *reason* the change is forced: the only
    other way out is "Thoát", which ends the session."""

    def __init__(self, db: Database, actor: Actor, *, min_length: int, reason: str | None = None,
                 change_password: ChangeFunction = accounts.change_password, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._change = change_password
        self.forced = reason is not None
        self.setWindowTitle(_("Đổi mật khẩu — {user}").format(user=actor.username))

        layout = QVBoxLayout(self)
        if reason:
            self.reason = QLabel(reason)
            self.reason.setObjectName("reason")
            self.reason.setWordWrap(True)
            font = self.reason.font()
            font.setBold(True)
            self.reason.setFont(font)
            layout.addWidget(self.reason)

        self.old_password = self._password_field("old")
        self.new_password = self._password_field("new")
        self.confirm_password = self._password_field("confirm")
        form = QFormLayout()
        form.addRow(_("Mật khẩu &hiện tại:"), self.old_password)
        form.addRow(_("Mật khẩu &mới:"), self.new_password)
        form.addRow(_("&Nhập lại mật khẩu mới:"), self.confirm_password)
        layout.addLayout(form)

        self.hint = QLabel(_(
            "Mật khẩu mới cần ít nhất {n} kí tự, có cả chữ và số, không chứa tên đăng nhập."
        ).format(n=min_length))
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(self.hint)

        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)

        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton(_("Đổi mật khẩu"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(
            _("Thoát") if self.forced else _("Hủy"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)
        self.old_password.setFocus()

    @staticmethod
    def _password_field(name: str) -> QLineEdit:
        field = QLineEdit()
        field.setObjectName(name)
        field.setEchoMode(QLineEdit.EchoMode.Password)
        return field

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def submit(self) -> None:
        new = self.new_password.text()
        if new != self.confirm_password.text():
            self.show_error(_("Mật khẩu nhập lại không khớp với mật khẩu mới."))
            self.confirm_password.clear()
            self.confirm_password.setFocus()
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self._change(self._db, self._actor, self.old_password.text(), new)
        except NKError as error:
            self.show_error(str(error))
            field = getattr(error, "field", None)
            (self.new_password if field == "password" else self.old_password).setFocus()
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.show_error("")
        self.accept()
