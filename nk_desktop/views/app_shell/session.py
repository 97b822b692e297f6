"""One sitting at the PC: login → (forced password change) → main window → logout → login again."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

from nk_desktop.db import Database
from nk_desktop.services import accounts
from nk_desktop.services.accounts import LoginResult
from nk_desktop.views import registry
from nk_desktop.views.app_shell.change_password import ChangeFunction, ChangePasswordDialog
from nk_desktop.views.app_shell.info import load_shell_info
from nk_desktop.views.app_shell.login import LoginDialog, LoginFunction
from nk_desktop.views.app_shell.main_window import MainWindow


class SessionFlow(QObject):
    """Shows the window that comes next and holds a Python reference to it (Qt does not).

    Leaving the login or the forced password change, or closing the main window,
    calls *quit*; logging out shows the login again.
    """

    def __init__(self, db: Database, *, quit: Callable[[], None], username: str | None = None,
                 login: LoginFunction = accounts.login, change_password: ChangeFunction = accounts.change_password,
                 tabs: tuple[registry.TabSpec, ...] = registry.TABS,
                 settings_factory: Callable[[], QSettings] | None = None):
        super().__init__()
        self._db = db
        self._quit = quit
        self._username = username
        self._login = login
        self._change_password = change_password
        self._tabs = tabs
        self._settings_factory = settings_factory
        self.login_dialog: LoginDialog | None = None
        self.password_dialog: ChangePasswordDialog | None = None
        self.window: MainWindow | None = None
        self._pending: LoginResult | None = None  # logged in, waiting for the forced password change
        self._retired: list[QWidget] = []

    def start(self) -> LoginDialog:
        info = load_shell_info(self._db)
        dialog = LoginDialog(self._db, info, username=self._username, login=self._login)
        dialog.accepted.connect(self._logged_in)
        dialog.rejected.connect(self._quit)
        self.login_dialog = dialog
        dialog.show()
        return dialog

    def _logged_in(self) -> None:
        result = self.login_dialog.login_result
        self._retire(self.login_dialog)
        self.login_dialog = None
        self._username = result.actor.username
        if result.password_change_reason is None:
            self._open_window(result)
            return
        info = load_shell_info(self._db)
        dialog = ChangePasswordDialog(self._db, result.actor, min_length=info.password_min_length,
                                      reason=result.password_change_reason, change_password=self._change_password)
        dialog.accepted.connect(self._password_changed)
        dialog.rejected.connect(self._quit)
        self._pending = result
        self.password_dialog = dialog
        dialog.show()

    def _password_changed(self) -> None:
        self._retire(self.password_dialog)
        self.password_dialog = None
        result, self._pending = self._pending, None
        self._open_window(result)

    def _open_window(self, result: LoginResult) -> None:
        settings = self._settings_factory() if self._settings_factory else None
        window = MainWindow(self._db, result.actor, tabs=self._tabs, settings=settings,
                            change_password=self._change_password)
        window.logout_requested.connect(self._logout)
        window.closed.connect(self._quit)
        self.window = window
        window.show()

    def _logout(self) -> None:
        window = self.window
        self.window = None
        self.start()  # the login first, so there is always a window on screen
        if window is not None:
            window.closed.disconnect(self._quit)
            window.close()
            self._retire(window)

    def _retire(self, widget: QWidget) -> None:
        """Delete *widget* once control is back in the event loop.

        The flow runs inside the widget's own signal (accepted, logout_requested):
        dropping the last Python reference there would delete it mid-emission.
        """
        self._retired = [w for w in self._retired if isValid(w)]
        widget.deleteLater()
        self._retired.append(widget)
