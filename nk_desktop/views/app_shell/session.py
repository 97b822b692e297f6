"""One sitting at the PC: login → (forced password change) → main window → logout → login again.

Imported before the database layer exists (``app.py`` shows the login first): the modules of
the steps after the login (services, the main window, the tabs' registry) are imported where
they are used, by which time the opening thread has loaded them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

from nk_desktop.views.app_shell.login import LoginDialog, LoginFunction
from nk_desktop.views.app_shell.opening import DatabaseOpening

if TYPE_CHECKING:
    from nk_desktop.db import Database
    from nk_desktop.services.accounts import LoginResult
    from nk_desktop.views.app_shell.change_password import ChangeFunction, ChangePasswordDialog
    from nk_desktop.views.app_shell.main_window import MainWindow
    from nk_desktop.views.registry import TabSpec

OPEN_AT_THE_LATEST_MS = 1000


class SessionFlow(QObject):
    """Shows the window that comes next and holds a Python reference to it (Qt does not).

    *database* is a ``DatabaseOpening`` (possibly still running) or an open ``Database``.
    Leaving the login or the forced password change, or closing the main window, calls
    *quit*; logging out shows the login again.  ``login_shown`` is emitted when the login
    dialog has been painted (usable), ``window_opened`` after the main window's ``show()``.
    """

    login_shown = Signal()
    window_opened = Signal(object)

    def __init__(self, database: DatabaseOpening | Database, *, quit: Callable[[], None],
                 username: str | None = None, login: LoginFunction | None = None,
                 change_password: ChangeFunction | None = None, tabs: tuple[TabSpec, ...] | None = None,
                 settings_factory: Callable[[], QSettings] | None = None):
        super().__init__()
        if not isinstance(database, DatabaseOpening):
            database = DatabaseOpening.already_open(database)
        self.opening = database
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

    @property
    def db(self) -> Database | None:
        return self.opening.db

    def start(self) -> LoginDialog:
        """Show the login dialog; the database opening starts once it is on screen."""
        if self.opening.done:
            self.opening.refresh_info()  # the login again after a logout: the school may have changed
        dialog = LoginDialog(self.opening, username=self._username, login=self._login)
        dialog.first_painted.connect(self._login_painted)
        if not self.opening.started:  # in case no paint comes (a minimised start): not later than this
            QTimer.singleShot(OPEN_AT_THE_LATEST_MS, self, self.opening.start)
        dialog.accepted.connect(self._logged_in)
        dialog.rejected.connect(self._quit)
        self.login_dialog = dialog
        dialog.show()
        return dialog

    def _login_painted(self) -> None:
        self.login_shown.emit()
        # Only now: the thread's imports would otherwise compete with the first paint for the GIL.
        self.opening.start()

    def _change_function(self) -> ChangeFunction:
        if self._change_password is not None:
            return self._change_password
        from nk_desktop.services.accounts import change_password

        return change_password

    def _logged_in(self) -> None:
        result = self.login_dialog.login_result
        self._retire(self.login_dialog)
        self.login_dialog = None
        self._username = result.actor.username
        if result.password_change_reason is None:
            self._open_window(result)
            return
        from nk_desktop.views.app_shell.change_password import ChangePasswordDialog

        self.opening.refresh_info()
        dialog = ChangePasswordDialog(self.db, result.actor, min_length=self.opening.info.password_min_length,
                                      reason=result.password_change_reason, change_password=self._change_function())
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
        from nk_desktop.views import registry
        from nk_desktop.views.app_shell.main_window import MainWindow

        settings = self._settings_factory() if self._settings_factory else None
        window = MainWindow(self.db, result.actor, self.opening.info,
                            tabs=self._tabs if self._tabs is not None else registry.TABS,
                            settings=settings, change_password=self._change_function())
        window.logout_requested.connect(self._logout)
        window.closed.connect(self._quit)
        self.window = window
        window.show()
        self.window_opened.emit(window)

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
