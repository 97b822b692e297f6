"""The main window: the menus, the tabs this user may see (built when first opened), the status bar."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QVBoxLayout, QWidget

from nk_desktop import __version__
from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import accounts, permissions
from nk_desktop.views import registry
from nk_desktop.views.app_shell.change_password import ChangeFunction, ChangePasswordDialog
from nk_desktop.views.app_shell.info import ShellInfo, load_shell_info
from nk_desktop.views.app_shell.status_bar import ShellStatusBar
from nk_desktop.views.common import error_text
from nk_desktop.views.settings import UserSettings, open_settings

log = logging.getLogger(__name__)

DEFAULT_SIZE = (1100, 720)
NO_TABS_MESSAGE = _(
    "Tài khoản của bạn chưa được giao vai trò nào có màn hình làm việc trong NK Desktop.\n"
    "Hãy nhờ Hiệu trưởng hoặc người quản trị giao vai trò phù hợp, rồi đăng nhập lại."
)


class LazyPage(QWidget):
    """A tab's container: the module's widget is built into it the first time the tab is shown."""

    def __init__(self, spec: registry.TabSpec, parent: QWidget | None = None):
        super().__init__(parent)
        self.spec = spec
        self.page: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def build(self, db: Database, actor: Actor) -> QWidget:
        if self.page is None:
            try:
                self.page = self.spec.factory(db, actor, self)
            except Exception as error:  # one broken module must not take the window down
                if not isinstance(error, NKError):
                    log.exception("building tab %s", self.spec.key)
                self.page = _failed_page(self.spec.title, error)
            self.layout().addWidget(self.page)
        return self.page


def _failed_page(title: str, error: BaseException) -> QLabel:
    label = QLabel(_("Không mở được thẻ “{title}”: {reason}").format(title=title, reason=error_text(error)))
    label.setObjectName("tabError")
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    label.setMargin(16)
    return label


class MainWindow(QMainWindow):
    """What a logged-in user works in.  Emits ``logout_requested`` (Tệp → Đăng xuất) and
    ``closed`` when the window closes for any other reason."""

    logout_requested = Signal()
    closed = Signal()

    def __init__(self, db: Database, actor: Actor, info: ShellInfo | None = None, *,
                 tabs: tuple[registry.TabSpec, ...] = registry.TABS, settings: QSettings | None = None,
                 change_password: ChangeFunction = accounts.change_password, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.info = info or load_shell_info(db)
        self._change_password = change_password
        self._user_settings = UserSettings(settings if settings is not None else open_settings(), actor.username)
        self.password_dialog: ChangePasswordDialog | None = None
        self.setWindowTitle(_("NK Desktop — {school}").format(school=self.info.school_name or ""))

        self._build_menus()
        self.status_bar = ShellStatusBar(actor, self.info)
        self.setStatusBar(self.status_bar)
        from nk_desktop.views import sync as sync_views  # the Đồng bộ menu and status corner (issue 7)

        self.sync_ui = sync_views.install(self)

        visible = registry.tabs_for(actor, tabs)
        self.tabs: QTabWidget | None = None
        if visible:
            self.tabs = QTabWidget()
            self.tabs.setObjectName("tabs")
            for spec in visible:
                self.tabs.addTab(LazyPage(spec), spec.title)
            self._restore_last_tab()
            self.tabs.currentChanged.connect(self._tab_changed)
            self.setCentralWidget(self.tabs)
            self._current_page().build(db, actor)
        else:
            message = QLabel(NO_TABS_MESSAGE)
            message.setObjectName("noTabs")
            message.setWordWrap(True)
            message.setAlignment(Qt.AlignmentFlag.AlignCenter)
            message.setMargin(32)
            self.setCentralWidget(message)

        geometry = self._user_settings.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(self.default_size())

    def default_size(self) -> QSize:
        """1100×720, or less on a small screen (a 1366×768 laptop keeps its task bar visible)."""
        available = self.screen().availableGeometry()
        return QSize(min(DEFAULT_SIZE[0], int(available.width() * 0.9)),
                     min(DEFAULT_SIZE[1], int(available.height() * 0.9)))

    # --- menus ------------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(_("&Tệp"))
        self.change_password_action = file_menu.addAction(_("Đổi &mật khẩu…"))
        self.change_password_action.triggered.connect(self.change_password)
        self.logout_action = file_menu.addAction(_("Đăng &xuất"))
        self.logout_action.triggered.connect(lambda: self.logout_requested.emit())
        self.backup_action = self.restore_action = None
        if permissions.may(self.actor, permissions.Action.BACKUP) and self.db.is_sqlite:
            file_menu.addSeparator()
            self.backup_action = file_menu.addAction(_("&Sao lưu ra USB…"))
            self.backup_action.triggered.connect(self.open_backup)
        if permissions.may(self.actor, permissions.Action.RESTORE) and self.db.is_sqlite:
            self.restore_action = file_menu.addAction(_("&Khôi phục từ bản sao lưu…"))
            self.restore_action.triggered.connect(self.open_restore)
        file_menu.addSeparator()
        self.quit_action = file_menu.addAction(_("&Thoát"))
        # Spelled out: QKeySequence.Quit is empty on Windows.
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.quit_action.triggered.connect(self.close)

        help_menu = self.menuBar().addMenu(_("Trợ &giúp"))
        self.about_action: QAction = help_menu.addAction(_("&Giới thiệu"))
        self.about_action.triggered.connect(self.about)

    def open_backup(self):
        from nk_desktop.views.backup import BackupDialog

        dialog = BackupDialog(self.db, self.actor, self)
        dialog.open()
        return dialog

    def open_restore(self):
        from nk_desktop.views.backup import RestoreDialog

        dialog = RestoreDialog(self.db, self.actor, self)
        # After a restore the data under this window is gone: back to the login.
        dialog.finished.connect(lambda _result: dialog.restored and self.logout_requested.emit())
        dialog.open()
        return dialog

    def change_password(self) -> ChangePasswordDialog:
        """Open the (voluntary) password change, window-modal."""
        dialog = ChangePasswordDialog(self.db, self.actor, min_length=self.info.password_min_length,
                                      change_password=self._change_password, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.status_bar.showMessage(_("Đã đổi mật khẩu."), 8000))
        self.password_dialog = dialog
        dialog.open()
        return dialog

    def about(self) -> None:
        QMessageBox.about(self, _("Giới thiệu NK Desktop"), _(
            "<p><b>NK Desktop</b> {version}</p>"
            "<p>Phần mềm quản lý văn phòng trường tiểu học: hồ sơ, sổ điểm, điểm danh, in sổ.</p>"
            "<p>Phát hành theo giấy phép GNU GPL phiên bản 3 trở lên.</p>"
        ).format(version=__version__))

    # --- tabs -------------------------------------------------------------------------

    def tab_keys(self) -> list[str]:
        if self.tabs is None:
            return []
        return [self.tabs.widget(i).spec.key for i in range(self.tabs.count())]

    def current_tab_key(self) -> str | None:
        return self._current_page().spec.key if self.tabs is not None else None

    def select_tab(self, key: str) -> None:
        self.tabs.setCurrentIndex(self.tab_keys().index(key))

    def page(self, key: str) -> QWidget | None:
        """The tab's widget, or None while the tab has not been opened yet."""
        return self.tabs.widget(self.tab_keys().index(key)).page

    def _current_page(self) -> LazyPage:
        return self.tabs.currentWidget()

    def _restore_last_tab(self) -> None:
        last = self._user_settings.last_tab()
        keys = self.tab_keys()
        if last in keys:
            self.tabs.setCurrentIndex(keys.index(last))

    def _tab_changed(self, index: int) -> None:
        if index < 0:
            return
        page: LazyPage = self.tabs.widget(index)
        page.build(self.db, self.actor)
        self._user_settings.set_last_tab(page.spec.key)

    # --- closing ----------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self._user_settings.set_geometry(self.saveGeometry())
        self._user_settings.sync()
        super().closeEvent(event)
        self.closed.emit()
