"""The database, opened on a background thread while the login dialog is on screen.

Importing the database layer (SQLAlchemy, the models, the services, argon2) and opening the
file cost several times a bare Qt window; the login dialog needs none of it until the user
presses Đăng nhập.  So ``app.py`` shows the dialog first and a ``DatabaseOpening`` does the
rest on a Python thread; ``finished`` is delivered on the UI thread.  This module imports
nothing of the database layer at import time (only for type checking).
"""

from __future__ import annotations

import importlib
import logging
import threading
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QObject, Signal  # not Qt: slow to load, see login.py

from nk_desktop.i18n import _

if TYPE_CHECKING:
    from nk_desktop.db import Database
    from nk_desktop.views.app_shell.info import ShellInfo

log = logging.getLogger(__name__)

# What the steps after the login need, imported by the thread once the database is open (the
# user is still typing), so that the login does not wait for these imports.  Never a module
# that uses Qt: PySide6 creates its types on first use, and not thread-safely (a Qt namespace
# half-created by this thread was seen as "Qt has no attribute CursorShape" on the UI thread).
WARM_MODULES = ("nk_desktop.services.accounts",)


class DatabaseOpening(QObject):
    """Opens the database with *open_database* (called on a thread) and reads the ``ShellInfo``.

    Nothing run on the thread may touch Qt (see WARM_MODULES); it only emits a signal.

    ``start()`` may be called any number of times; ``finished`` is emitted once, on the UI
    thread, after which ``done`` is True and either ``db`` and ``info`` or ``error`` are set.
    """

    finished = Signal()
    _opened = Signal()  # emitted by the thread, delivered (queued) on the UI thread

    def __init__(self, open_database: Callable[[], Database], *, warm: tuple[str, ...] = WARM_MODULES):
        super().__init__()
        self._open_database = open_database
        self._warm = warm
        self.db: Database | None = None
        self.info: ShellInfo | None = None
        self.error: BaseException | None = None
        self.warm_errors: list[str] = []  # modules that failed to import (a packaging fault)
        self.done = False  # set on the UI thread, just before ``finished``
        self._thread: threading.Thread | None = None
        self._opened.connect(self._deliver)  # queued: emitted on the thread, received on the UI thread

    @classmethod
    def already_open(cls, db: Database) -> DatabaseOpening:
        """An opening that is done: *db* is open (tests; the login again after a logout)."""
        opening = cls(lambda: db, warm=())
        opening._open()
        opening.done = True
        return opening

    @property
    def started(self) -> bool:
        return self._thread is not None or self.done

    def start(self) -> None:
        if self.started:
            return
        self._thread = threading.Thread(target=self._run, name="nk-open-database", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the thread has ended (opening and warm-up); True when it has."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return self.done

    def close(self) -> None:
        """At the end of the program: let the thread finish (never cut a migration short), then
        release the database."""
        self.wait()
        if self.db is not None:
            self.db.dispose()

    def refresh_info(self) -> None:
        """Read the ``ShellInfo`` again (on the UI thread: the database is open, this is one query)."""
        if self.db is not None:
            from nk_desktop.views.app_shell.info import load_shell_info

            self.info = load_shell_info(self.db)

    # --- what the login dialog shows ----------------------------------------------------------

    def problem(self) -> str | None:
        """Why nobody can log in on this database (shown in the login dialog), or None."""
        if self.error is not None:
            # DatabaseVersionError carries its own explanation; others are shown as they come.
            return _("Không mở được tệp dữ liệu.\n\n{error}").format(error=self.error)
        if self.info is not None and self.info.school_name is None:
            return _(
                "Tệp dữ liệu {path} chưa có trường nào.\n\n"
                "Người quản trị hãy tạo trường bằng lệnh:\n"
                "    nk-admin --db \"{path}\" init --school \"Tên trường\"\n"
                "(mật khẩu của tài khoản hieutruong đặt trong biến NK_PASSWORD),\n"
                "hoặc tạo trường mẫu để dùng thử:\n"
                "    nk-admin --db \"{path}\" demo --password MẬT_KHẨU"
            ).format(path=self.info.location)
        return None

    # --- on the thread ---------------------------------------------------------------------

    def _open(self) -> None:
        try:
            from nk_desktop.views.app_shell.info import load_shell_info

            db = self._open_database()
            try:
                info = load_shell_info(db)
            except BaseException:
                db.dispose()
                raise
            self.db, self.info = db, info
        except Exception as error:  # whatever it is, the dialog shows it instead of waiting forever
            if not _expected(error):
                log.exception("opening the database")
            self.error = error

    def _run(self) -> None:
        self._open()
        try:
            self._opened.emit()
        except RuntimeError:  # the program is ending: the QObject is gone
            return
        if self.error is not None:
            return
        for name in self._warm:
            try:
                importlib.import_module(name)
            except Exception as error:
                log.exception("importing %s", name)
                self.warm_errors.append(f"{name}: {error}")

    # --- on the UI thread ------------------------------------------------------------------

    def _deliver(self) -> None:
        if not self.done:
            self.done = True
            self.finished.emit()


def _expected(error: BaseException) -> bool:
    """Errors a person can act on (a newer file, a locked or missing folder): no traceback in the log."""
    from nk_desktop.errors import NKError

    if isinstance(error, (NKError, OSError)):
        return True
    try:
        from sqlalchemy.exc import SQLAlchemyError
    except ImportError:
        return False
    return isinstance(error, SQLAlchemyError)
