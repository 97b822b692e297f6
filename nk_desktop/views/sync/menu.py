"""The "Đồng bộ" menu and the sync corner of the status bar, wired to one controller per window."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QWidget

from nk_desktop.i18n import _
from nk_desktop.services import permissions
from nk_desktop.services.permissions import Action
from nk_desktop.views.common import messages
from nk_desktop.views.sync.controller import SyncController
from nk_desktop.views.sync.status_widget import SyncStatusDialog, SyncStatusWidget


class SyncUi(QObject):
    def __init__(self, window: QMainWindow, *, timers: bool = True,
                 inform: Callable[[QWidget, str], None] = messages.show_info,
                 fail: Callable[[QWidget, str], None] = messages.show_error,
                 confirm: Callable[[QWidget, str], bool] = messages.confirm,
                 ask_key: Callable[[QWidget], str | None] | None = None):
        super().__init__(window)
        self.window, self.db, self.actor = window, window.db, window.actor
        self._inform, self._confirm = inform, confirm
        self.controller = SyncController(self.db, self.actor, window, timers=timers, inform=inform, fail=fail,
                                         ask_key=ask_key)
        self.widget = SyncStatusWidget()
        window.status_bar.add_sync_widget(self.widget)
        self.menu = QMenu(_("Đồng &bộ"), window)
        self.menu.setObjectName("syncMenu")
        actions = window.menuBar().actions()
        window.menuBar().insertMenu(actions[-1], self.menu) if actions else window.menuBar().addMenu(self.menu)
        self.sync_action = self.menu.addAction(_("Đồng bộ &ngay"))
        self.sync_action.setShortcut(QKeySequence("F9"))
        self.sync_action.triggered.connect(self.sync_now)
        self.status_action = self.menu.addAction(_("&Tình trạng đồng bộ…"))
        self.status_action.triggered.connect(self.open_status)
        self.may_review = permissions.may(self.actor, Action.AUDIT_VIEW)
        self.conflicts_action = self.quarantine_action = self.late_action = None
        if self.may_review:
            self.menu.addSeparator()
            self.conflicts_action = self.menu.addAction(_("&Xung đột cần giải quyết…"))
            self.conflicts_action.triggered.connect(self.open_conflicts)
            self.quarantine_action = self.menu.addAction(_("Thay đổi bị &giữ lại…"))
            self.quarantine_action.triggered.connect(self.open_quarantine)
            self.late_action = self.menu.addAction(_("&Sửa sau khi khóa…"))
            self.late_action.triggered.connect(self.open_late_edits)
        self.menu.addSeparator()
        self.key_action = self.menu.addAction(_("Nhập &khóa của trường…"))
        self.key_action.triggered.connect(self.controller.enter_key)
        self.join_action = self.init_action = None
        if permissions.may(self.actor, Action.RESTORE):  # joining replaces this PC's data, like a restore
            self.join_action = self.menu.addAction(_("Tham gia thư mục đồng bộ của trường…"))
            self.join_action.triggered.connect(lambda: self.open_wizard("join"))
        if permissions.may(self.actor, Action.SCHOOL_PROFILE_EDIT):
            self.init_action = self.menu.addAction(_("Tạo thư mục đồng bộ (máy đầu tiên)…"))
            self.init_action.triggered.connect(lambda: self.open_wizard("init"))
        self.widget.sync_clicked.connect(self.sync_now)
        self.widget.details_clicked.connect(self.open_status)
        self.widget.conflicts_clicked.connect(self._badge_clicked)
        self.controller.status_changed.connect(self._status)
        self.controller.busy_changed.connect(self._busy)
        self.controller.join_requested.connect(self._offer_join)
        self.dialog = None
        self._status(None if not self.controller.joined() else self.controller.status, gathered=False)

    # --- reactions --------------------------------------------------------------------

    def _status(self, status, gathered: bool = True) -> None:
        joined = status is not None or (not gathered and self.controller.joined())
        if status is not None or gathered:
            self.widget.show_status(status)
        elif joined:
            self.widget.summary.setText(_("Đồng bộ: đang xem…"))
            self.widget.sync_button.setText(_("Đồng bộ ngay"))
        for action in (self.join_action, self.init_action):
            if action is not None:
                action.setEnabled(not joined)
        self.sync_action.setEnabled(joined)
        self.key_action.setEnabled(joined)

    def _busy(self, busy: bool) -> None:
        self.widget.set_busy(busy)
        self.sync_action.setEnabled(not busy)
        if not busy:
            self.widget.show_status(self.controller.status)

    def _offer_join(self) -> None:
        if self.join_action is None and self.init_action is None:
            self._inform(self.window, _("Máy này chưa tham gia thư mục đồng bộ của trường. Hãy nhờ Hiệu trưởng hoặc "
                                        "người quản trị cho máy tham gia."))
            return
        self.open_wizard("join" if self.join_action is not None else "init")

    def _badge_clicked(self) -> None:
        status = self.controller.status
        only_late = status is not None and not status.conflicts and status.late_edits
        if self.may_review and only_late:
            self.open_late_edits()
        elif self.may_review:
            self.open_conflicts()
        elif only_late:
            self._inform(self.window, _("Có điểm được sửa trên máy chưa nhận lệnh khóa sổ. Hiệu trưởng xem xét và "
                                        "chọn “Giữ” hoặc “Hoàn lại” trong Đồng bộ → Sửa sau khi khóa."))
        else:
            self._inform(self.window, _("Có ô dữ liệu mang hai giá trị từ hai máy. Hiệu trưởng (hoặc người đã nhập "
                                        "một trong hai giá trị) chọn giá trị đúng trong Đồng bộ → Xung đột."))

    # --- what the menu opens ----------------------------------------------------------------

    def sync_now(self):
        return self.controller.sync_now()

    def open_status(self) -> SyncStatusDialog:
        self.dialog = SyncStatusDialog(self.controller.status if self.controller.joined() else None, self.window)
        self.dialog.open()
        self.controller.refresh()
        return self.dialog

    def open_conflicts(self):
        from nk_desktop.views.sync.queues import ConflictQueueDialog

        self.dialog = ConflictQueueDialog(self.db, self.actor, self.window, confirm=self._confirm)
        self.dialog.finished.connect(lambda _result: self.controller.refresh())
        self.dialog.open()
        return self.dialog

    def open_quarantine(self):
        from nk_desktop.views.sync.queues import QuarantineDialog

        self.dialog = QuarantineDialog(self.db, self.actor, self.window, confirm=self._confirm)
        self.dialog.finished.connect(lambda _result: self.controller.refresh())
        self.dialog.open()
        return self.dialog

    def open_late_edits(self):
        from nk_desktop.views.sync.queues import LateEditDialog

        self.dialog = LateEditDialog(self.db, self.actor, self.window, confirm=self._confirm)
        self.dialog.finished.connect(lambda _result: self.controller.refresh())
        self.dialog.open()
        return self.dialog

    def open_wizard(self, mode: str, **kwargs):
        from nk_desktop.views.sync.wizard import SyncWizard

        wizard = SyncWizard(self.db, self.actor, self.window, mode=mode, **kwargs)
        wizard.finished.connect(lambda _result: self._wizard_done(wizard))
        self.dialog = wizard
        wizard.open()
        return wizard

    def _wizard_done(self, wizard) -> None:
        if wizard.joined:
            self.window.logout_requested.emit()  # the data under this window was replaced
        else:
            self.controller.refresh()


def install(window: QMainWindow, **kwargs) -> SyncUi | None:
    """The sync menu and status for *window* (a SQLite database; PostgreSQL mode has no sync)."""
    if not window.db.is_sqlite:
        return None
    return SyncUi(window, **kwargs)
