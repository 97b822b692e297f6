"""What the sync screens share: where the share is, the school key, the status, one exchange in the background.

Nothing here blocks the window: the status (which lists the share's folders) and the
exchange both run on the thread pool (``views/common/background.py``).  The exchange
can be cancelled: the share it reads through raises ``Cancelled`` at the next file, so
at most the segment being imported rolls back (one transaction per segment) and the
next sync repeats it.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.errors import NKError, ValidationError
from nk_desktop.i18n import _
from nk_desktop.views.common import messages
from nk_desktop.views.common.background import BackgroundOperation, Cancelled

STATUS_EVERY_MS = 60_000        # the status bar's refresh (a few COUNTs and one listing of the share)
AUTO_SYNC_EVERY_MS = 5 * 60_000  # a quiet exchange in the background (the design polls every 30–60 s)
SESSION: dict[str, bytes] = {}    # the key typed in this run, on a PC without a keyring ("key")


def local_setting(db: Database, key: str) -> str | None:
    """One row of this PC's ``local_state`` (a primary-key read: cheap enough for the UI thread)."""
    with db.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT value FROM local_state WHERE key = ?", (key,)).scalar()


def make_share(path: str, progress: Callable[..., None] | None = None, cancelled: Callable[[], bool] | None = None):
    """The share, read through a view that reports each file read and stops at the next file when cancelled."""
    from nk_desktop.sync.share import Share

    class WatchedShare(Share):
        files = 0

        def _check(self) -> None:
            if cancelled is not None and cancelled():
                raise Cancelled()

        def read(self, relative: str) -> bytes:
            self._check()
            data = super().read(relative)
            parts = relative.split("/")
            if progress is not None and len(parts) == 3 and parts[0] == "nodes":
                self.files += 1
                progress(self.files, 0, _("Đang nhận thay đổi từ máy {node} (tệp {name})…").format(
                    node=parts[1][:8], name=parts[2]))
            return data

        def publish(self, relative: str, data: bytes) -> bool:
            self._check()
            if progress is not None:
                progress(0, 0, _("Đang gửi thay đổi của máy này ({name})…").format(name=relative.rsplit("/", 1)[-1]))
            return super().publish(relative, data)

    return WatchedShare(path)


def failure_text(error: BaseException, share_path: str | None) -> str:
    """A clear Vietnamese message for what can go wrong in an exchange."""
    from nk_desktop.sync.share import ShareError

    if isinstance(error, (ShareError, OSError)) and not isinstance(error, ValidationError):
        return _("Không đồng bộ được với thư mục chung {path}: {reason}\n\n"
                 "Máy này vẫn làm việc bình thường; các thay đổi được giữ lại và sẽ gửi đi ở lần đồng bộ sau, "
                 "khi thư mục chung vào lại được.").format(path=share_path or "", reason=messages.error_text(error))
    if isinstance(error, ValidationError) and "Khóa" in str(error):
        return _("{reason}\n\nHãy nhập lại khóa của trường từ phiếu khóa đồng bộ (menu Đồng bộ → Nhập khóa "
                 "của trường…).").format(reason=error)
    return messages.error_text(error)


class SyncController(QObject):
    """Status and exchanges for one window.  ``status_changed(Status | None)``: None = not joined."""

    status_changed = Signal(object)
    synced = Signal(object)
    busy_changed = Signal(bool)
    join_requested = Signal()

    def __init__(self, db: Database, actor: Actor, parent: QWidget, *, timers: bool = True,
                 inform: Callable[[QWidget, str], None] = messages.show_info,
                 fail: Callable[[QWidget, str], None] = messages.show_error,
                 ask_key: Callable[[QWidget], str | None] | None = None,
                 key_loader: Callable[[], bytes | None] | None = None):
        super().__init__(parent)
        self.db, self.actor, self.window = db, actor, parent
        self._inform, self._fail, self._ask_key = inform, fail, ask_key or _ask_key
        self._key_loader = key_loader
        self.key: bytes | None = None          # typed in this session (a PC without a keyring)
        self.status = None
        self.last_report = None
        self.refreshing: BackgroundOperation | None = None
        self.syncing: BackgroundOperation | None = None
        self.timers: list[QTimer] = []
        if timers:
            for every, slot in ((STATUS_EVERY_MS, self.refresh), (AUTO_SYNC_EVERY_MS, self.auto_sync)):
                timer = QTimer(self)
                timer.setInterval(every)
                timer.timeout.connect(slot)
                timer.start()
                self.timers.append(timer)
            QTimer.singleShot(1500, self, self.refresh)  # after the window has painted

    # --- facts --------------------------------------------------------------------

    def share_path(self) -> str | None:
        return local_setting(self.db, "sync_share")

    def joined(self) -> bool:
        return bool(local_setting(self.db, "sync_epoch"))

    def school_key(self) -> bytes | None:
        if self.key is not None:
            return self.key
        if "key" in SESSION:
            return SESSION["key"]
        from nk_desktop.sync import keys

        try:
            return (self._key_loader or keys.load)()
        except NKError:
            return None  # a malformed NK_SHARE_KEY: asked for below

    # --- status -------------------------------------------------------------------

    def refresh(self) -> BackgroundOperation | None:
        """Gather the status off the UI thread; ``status_changed`` when it is in."""
        if self.refreshing is not None and self.refreshing.running:
            return None
        if not self.joined():
            self.status = None
            self.status_changed.emit(None)
            return None
        path, db = self.share_path(), self.db

        def work(_progress, _cancelled):
            from nk_desktop.sync import status

            return status.gather(db, make_share(path) if path else None)

        self.refreshing = BackgroundOperation(self.window, work, label="", show_progress=False,
                                              on_success=self._status_in, on_failure=lambda _e: None).start()
        return self.refreshing

    def _status_in(self, status) -> None:
        self.status = status
        self.status_changed.emit(status)

    # --- one exchange ---------------------------------------------------------------

    def auto_sync(self) -> BackgroundOperation | None:
        """The timer's quiet exchange: no dialog, no message box (the status bar tells)."""
        key = self.school_key()
        if key is None or not self.joined() or (self.syncing is not None and self.syncing.running):
            return None
        return self._start(key, quiet=True)

    def sync_now(self) -> BackgroundOperation | None:
        """"Đồng bộ ngay": progress with Hủy; counts when done; a clear message when it fails."""
        if self.syncing is not None and self.syncing.running:
            return self.syncing
        if not self.joined():
            self.join_requested.emit()
            return None
        key = self.school_key()
        if key is None:
            key = self.enter_key()
            if key is None:
                return None
        return self._start(key, quiet=False)

    def enter_key(self) -> bytes | None:
        """Ask for the key from the recovery sheet; keep it in the keyring (or for this session)."""
        from nk_desktop.sync import keys

        typed = self._ask_key(self.window)
        if not typed:
            return None
        try:
            key = keys.parse_key(typed)
        except ValidationError as error:
            self._fail(self.window, str(error))
            return None
        self.key = key
        if not keys.remember(key):
            SESSION["key"] = key
            self._inform(self.window, no_keyring_text())
        return key

    def _start(self, key: bytes, *, quiet: bool) -> BackgroundOperation:
        path, db = self.share_path(), self.db

        def work(progress, cancelled):
            from nk_desktop.sync import engine

            progress(0, 0, _("Đang kiểm tra thư mục chung…"))
            return engine.sync(db, make_share(path, progress, cancelled), key)

        def failed(error: BaseException) -> None:
            self.refresh()
            if not quiet:
                self._fail(self.window, failure_text(error, path))

        self.syncing = BackgroundOperation(
            self.window, work, label=_("Đang đồng bộ với thư mục chung…"), show_progress=not quiet,
            on_success=lambda report: self._done(report, quiet), on_failure=failed,
            on_cancelled=lambda: self._cancelled(quiet))
        self.syncing.finished.connect(lambda: self.busy_changed.emit(False))
        self.busy_changed.emit(True)
        return self.syncing.start()

    def _cancelled(self, quiet: bool) -> None:
        self.refresh()
        if not quiet:
            self._inform(self.window, _("Đã dừng đồng bộ. Phần đã nhận được giữ lại; lần sau tiếp tục từ đó."))

    def _done(self, report, quiet: bool) -> None:
        self.last_report = report
        self.synced.emit(report)
        self.refresh()
        if not quiet:
            self._inform(self.window, "\n".join([_("Đồng bộ xong."), *report.lines(), *report.warnings]))


def no_keyring_text() -> str:
    return _("Máy này không có kho khóa của Windows nên không nhớ được khóa của trường. Khóa chỉ được giữ "
             "đến khi thoát chương trình; để đồng bộ tự động (tác vụ theo lịch, lần mở sau), hãy đặt biến môi "
             "trường NK_SHARE_KEY bằng 64 chữ số trên phiếu khóa đồng bộ.")


def _ask_key(parent: QWidget) -> str | None:
    from PySide6.QtWidgets import QInputDialog, QLineEdit

    text, ok = QInputDialog.getText(parent, _("Khóa của trường"),
                                    _("Gõ khóa trên phiếu khóa đồng bộ (17 nhóm, dấu gạch tùy ý):"),
                                    QLineEdit.EchoMode.Normal, "")
    return text if ok else None
