"""Joining the school's sync (a QWizard): the shared folder, the school key from the recovery sheet,
then the join in the background.  The same wizard, in "init" mode, makes the sync folder on the first
PC (principal or DB admin) and writes the recovery sheet PDF.

Joining from inside the app builds the school's database next to this PC's file (newest snapshot,
then one exchange), then sets the current file aside (``*.truoc-tham-gia-<time>.sqlite``) and puts
the joined one in its place; the window goes back to the login.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import tempfile
import uuid
from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import (
    QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton, QVBoxLayout, QWidget,
    QWizard, QWizardPage,
)

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.errors import NKError, ValidationError
from nk_desktop.i18n import _
from nk_desktop.views.common.background import BackgroundOperation
from nk_desktop.views.sync import controller

JOIN, INIT = "join", "init"


def check_folder(path: str, mode: str) -> dict | None:
    """The sync folder's target file (join) or None (init, an empty writable folder); ``NKError`` saying why not."""
    from nk_desktop.sync.share import TARGET_FILE, Share, ShareError
    from nk_desktop.sync.snapshot import snapshot_names

    path = (path or "").strip()
    if not path:
        raise ValidationError(_("Hãy chọn thư mục chung (ví dụ \\\\MAYCHU\\DuLieu\\nk-sync)."))
    root = Path(path)
    if not root.is_dir():
        raise ValidationError(_("Không vào được thư mục {path}: hãy kiểm tra đường dẫn, mạng và quyền truy cập "
                                "của máy này.").format(path=path))
    share = Share(root)
    if mode == JOIN:
        if not share.exists(TARGET_FILE):
            raise ValidationError(_("{path} không phải thư mục đồng bộ của NK Desktop (không có {f}). Máy đầu tiên "
                                    "của trường phải tạo nó trước (Đồng bộ → Tạo thư mục đồng bộ).").format(
                path=path, f=TARGET_FILE))
        target = share.read_target()
        try:
            names = snapshot_names(share)
        except OSError as error:
            raise ShareError(_("Không đọc được thư mục chung {path}: {e}").format(path=path, e=error)) from None
        if not names:
            raise ValidationError(_("Thư mục đồng bộ chưa có bản chụp nào để tham gia; hãy đồng bộ một lần trên "
                                    "máy đã tham gia rồi thử lại."))
        return target
    if share.exists(TARGET_FILE):
        raise ValidationError(_("{path} đã là thư mục đồng bộ của trường: máy này hãy chọn “Tham gia thư mục đồng "
                                "bộ”.").format(path=path))
    if any(not name.startswith(".") for name in os.listdir(root)):
        raise ValidationError(_("Hãy chọn một thư mục trống dành riêng cho đồng bộ (thư mục này đã có tệp)."))
    try:
        with tempfile.NamedTemporaryFile(dir=root, prefix=".tmp-kiem-tra-"):
            pass
    except OSError as error:
        raise ValidationError(_("Máy này không ghi được vào {path}: {e}").format(path=path, e=error)) from None
    return None


def put_in_place(db: Database, staged: Path, now: dt.datetime | None = None) -> Path | None:
    """Set this PC's current file aside and put the joined database in its place; returns where it was kept."""
    current = Path(db.location)
    now = now or dt.datetime.now()
    db.dispose()
    _checkpoint(staged)
    kept = None
    if current.exists():
        kept = current.with_name(f"{current.stem}.truoc-tham-gia-{now:%Y%m%d-%H%M%S}{current.suffix}")
        _checkpoint(current)
        shutil.move(current, kept)
    for suffix in ("-wal", "-shm"):
        Path(str(current) + suffix).unlink(missing_ok=True)
        Path(str(staged) + suffix).unlink(missing_ok=True)
    os.replace(staged, current)
    return kept


def _checkpoint(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _remove(staged: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(staged) + suffix).unlink(missing_ok=True)


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("error")
    label.setStyleSheet("color: #b00020;")
    label.setWordWrap(True)
    return label


class FolderPage(QWizardPage):
    def __init__(self, wizard: "SyncWizard"):
        super().__init__()
        self.w = wizard
        if wizard.mode == JOIN:
            self.setTitle(_("Thư mục chung của trường"))
            self.setSubTitle(_("Chọn thư mục đồng bộ trên máy chủ tệp của trường, thường là một đường dẫn mạng như "
                               "\\\\MAYCHU\\DuLieu\\nk-sync (hỏi người quản trị nếu chưa biết)."))
        else:
            self.setTitle(_("Tạo thư mục đồng bộ (máy đầu tiên)"))
            self.setSubTitle(_("Chọn một thư mục trống trên máy chủ tệp mà mọi máy của trường đều vào được. Dữ liệu "
                               "của máy này sẽ được đăng lên đó (đã mã hóa) để các máy khác tham gia."))
        self.path = QLineEdit()
        self.path.setObjectName("sharePath")
        self.path.setPlaceholderText("\\\\MAYCHU\\DuLieu\\nk-sync")
        browse = QPushButton(_("Chọn…"))
        browse.clicked.connect(self._browse)
        self.error = _error_label()
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Thư mục chung:")))
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def _browse(self) -> None:
        chosen = self.w.choose_folder(self)
        if chosen:
            self.path.setText(chosen)

    def validatePage(self) -> bool:  # noqa: N802 (Qt override)
        self.error.clear()
        try:
            self.w.target = check_folder(self.path.text(), self.w.mode)
        except NKError as error:
            self.error.setText(str(error))
            return False
        self.w.share_path = self.path.text().strip()
        return True


class KeyPage(QWizardPage):
    def __init__(self, wizard: "SyncWizard"):
        super().__init__()
        self.w = wizard
        self.error = _error_label()
        layout = QVBoxLayout(self)
        if wizard.mode == JOIN:
            self.setTitle(_("Khóa của trường"))
            self.setSubTitle(_("Gõ khóa in trên phiếu khóa đồng bộ của trường (17 nhóm 4 kí tự; nhóm cuối để kiểm "
                               "tra lỗi gõ). Khóa được nhập một lần và cất trong kho khóa của Windows."))
            self.key = QLineEdit()
            self.key.setObjectName("schoolKey")
            self.key.setPlaceholderText("xxxx-xxxx-xxxx-xxxx-…")
            layout.addWidget(self.key)
            warning = QLabel(_("Khi tham gia, dữ liệu đang có trên máy này ({path}) được cất sang một tệp riêng và "
                               "thay bằng dữ liệu chung của trường; sau đó cần đăng nhập lại.").format(
                path=wizard.db.location))
            warning.setWordWrap(True)
            layout.addWidget(warning)
        else:
            self.setTitle(_("Khóa của trường và phiếu khóa đồng bộ"))
            self.setSubTitle(_("Mọi tệp trên thư mục chung được mã hóa bằng khóa này. Phiếu khóa được ghi ra tệp "
                               "PDF: in ngay, đưa Hiệu trưởng cất giữ, rồi xóa tệp."))
            self.key = None
            shown = QLabel(_("Khóa: {key}").format(key=controller_key_text(wizard.new_key)))
            shown.setObjectName("newKey")
            shown.setWordWrap(True)
            shown.setStyleSheet("font-family: monospace; font-size: 13px;")
            layout.addWidget(shown)
            self.sheet = QLineEdit(str(Path.home() / "phieu-khoa-dong-bo.pdf"))
            self.sheet.setObjectName("sheetPath")
            form = QFormLayout()
            form.addRow(_("Ghi phiếu khóa ra:"), self.sheet)
            layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def validatePage(self) -> bool:  # noqa: N802
        from nk_desktop.sync import keys

        self.error.clear()
        try:
            if self.w.mode == JOIN:
                key = keys.parse_key(self.key.text())
                keys.verify_against(key, self.w.target or {})
                self.w.key = key
            else:
                folder = Path(self.sheet.text()).expanduser().parent
                if not folder.is_dir():
                    raise ValidationError(_("Không có thư mục {path} để ghi phiếu khóa.").format(path=folder))
                self.w.key = self.w.new_key
                self.w.sheet_path = str(Path(self.sheet.text()).expanduser())
        except NKError as error:
            self.error.setText(str(error))
            return False
        return True


def controller_key_text(key: bytes) -> str:
    from nk_desktop.sync import keys

    return keys.format_key(key)


class RunPage(QWizardPage):
    def __init__(self, wizard: "SyncWizard"):
        super().__init__()
        self.w = wizard
        self.setTitle(_("Tham gia đồng bộ") if wizard.mode == JOIN else _("Tạo thư mục đồng bộ"))
        self.label = QLabel()
        self.label.setObjectName("runText")
        self.label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.error = _error_label()
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.finished_ok = False

    def initializePage(self) -> None:  # noqa: N802
        self.finished_ok = False
        self.error.clear()
        self.bar.show()
        self.label.setText(_("Đang làm, xin chờ… (máy vẫn dùng được; bấm Hủy để dừng)"))
        self.w.start()

    def isComplete(self) -> bool:  # noqa: N802
        return self.finished_ok

    def progressed(self, done: int, total: int, text: str) -> None:
        self.bar.setRange(0, max(total, 0))
        if total:
            self.bar.setValue(done)
        if text:
            self.label.setText(text)

    def ended(self, ok: bool, text: str) -> None:
        self.bar.hide()
        if ok:
            self.label.setText(text)
        else:
            self.label.clear()
            self.error.setText(text)
        self.finished_ok = ok
        self.completeChanged.emit()


class SyncWizard(QWizard):
    """``mode`` JOIN (any PC; replaces this PC's data) or INIT (the first PC).  ``joined`` after a join: the
    caller sends the window back to the login."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None, *, mode: str = JOIN,
                 choose_folder: Callable[[QWidget], str] | None = None, new_key: bytes | None = None):
        super().__init__(parent)
        from nk_desktop.sync import keys

        self.db, self.actor, self.mode = db, actor, mode
        self.choose_folder = choose_folder or (lambda w: QFileDialog.getExistingDirectory(w, _("Chọn thư mục chung")))
        self.target: dict | None = None
        self.share_path = ""
        self.key: bytes | None = None
        self.new_key = new_key or (keys.from_environment() if mode == INIT else None) or keys.generate()
        self.sheet_path = ""
        self.operation: BackgroundOperation | None = None
        self.joined = False
        self.kept: Path | None = None
        self.result_text = ""
        self.setWindowTitle(_("Tham gia thư mục đồng bộ của trường") if mode == JOIN else _("Tạo thư mục đồng bộ"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setButtonText(QWizard.WizardButton.NextButton, _("Tiếp →"))
        self.setButtonText(QWizard.WizardButton.BackButton, _("← Quay lại"))
        self.setButtonText(QWizard.WizardButton.CancelButton, _("Hủy"))
        self.setButtonText(QWizard.WizardButton.FinishButton, _("Xong"))
        self.folder_page, self.key_page, self.run_page = FolderPage(self), KeyPage(self), RunPage(self)
        for page in (self.folder_page, self.key_page, self.run_page):
            self.addPage(page)
        self.resize(680, 400)

    # --- the work, off the UI thread ----------------------------------------------------

    def start(self) -> BackgroundOperation:
        if self.mode == JOIN:
            work = self._join_work()
        else:
            work = self._init_work()
        self.operation = BackgroundOperation(self, work, label="", show_progress=False,
                                             cancellable=self.mode == JOIN, on_success=self._succeeded,
                                             on_failure=self._failed, on_cancelled=self._cancelled)
        self.operation._signals.progressed.connect(self.run_page.progressed)
        return self.operation.start()

    def _join_work(self):
        current, share_path, key = Path(self.db.location), self.share_path, self.key

        def work(progress, cancelled):
            from nk_desktop.sync import engine, snapshot

            staged = current.with_name(f".tham-gia-{uuid.uuid4().hex}.sqlite")
            try:
                progress(0, 0, _("Đang tải và kiểm tra bản chụp mới nhất của trường…"))
                share = controller.make_share(share_path, progress, cancelled)
                joined = snapshot.join(staged, share, key)
                try:
                    report = engine.sync(joined, share, key, make_snapshot=False)
                finally:
                    joined.dispose()
            except BaseException:
                _remove(staged)
                raise
            return staged, report
        return work

    def _init_work(self):
        db, actor, share_path, key, sheet_path = self.db, self.actor, self.share_path, self.key, self.sheet_path

        def work(progress, _cancelled):
            from nk_desktop.services.permissions import Action, require
            from nk_desktop.services.school import school_profile
            from nk_desktop.sync import engine, sheet

            with db.read() as session:
                require(session, actor, Action.SCHOOL_PROFILE_EDIT)
                name = school_profile(session).name
            progress(0, 0, _("Đang tạo thư mục đồng bộ và đăng bản chụp đầu tiên…"))
            engine.init_share(db, controller.make_share(share_path, progress), key)
            data = sheet.render(sheet.RecoverySheet(name, share_path, key, dt.date.today(), actor.display_name))
            Path(sheet_path).write_bytes(data)
            return None
        return work

    # --- on the UI thread ---------------------------------------------------------------

    def _remember_key(self) -> str:
        from nk_desktop.sync import keys

        if keys.remember(self.key):
            return _("Khóa của trường đã được cất trong kho khóa của máy này.")
        controller.SESSION["key"] = self.key
        return controller.no_keyring_text()

    def _succeeded(self, result) -> None:
        stored = self._remember_key()
        if self.mode == JOIN:
            staged, report = result
            try:
                self.kept = put_in_place(self.db, staged)
            except OSError as error:
                _remove(staged)
                self.run_page.ended(False, _("Không thay được tệp dữ liệu của máy này: {e}").format(e=error))
                return
            self.joined = True
            self.result_text = "\n".join([
                _("Đã tham gia đồng bộ của trường."), *report.lines(), stored,
                _("Dữ liệu cũ của máy này được cất tại {kept}.").format(kept=self.kept) if self.kept else "",
                _("Bấm “Xong” rồi đăng nhập lại bằng tài khoản của bạn trong trường.")])
        else:
            self.result_text = "\n".join([
                _("Đã tạo thư mục đồng bộ {path} và đăng bản chụp đầu tiên.").format(path=self.share_path), stored,
                _("Phiếu khóa đồng bộ: {sheet} — hãy in ngay, đưa Hiệu trưởng cất giữ, rồi xóa tệp. Các máy "
                  "khác tham gia bằng menu Đồng bộ → Tham gia thư mục đồng bộ.").format(sheet=self.sheet_path)])
        self.run_page.ended(True, self.result_text)
        self.button(QWizard.WizardButton.BackButton).setEnabled(False)

    def _failed(self, error: BaseException) -> None:
        self.run_page.ended(False, controller.failure_text(error, self.share_path))

    def _cancelled(self) -> None:
        self.run_page.ended(False, _("Đã hủy. Máy này giữ nguyên dữ liệu như trước."))

    def reject(self) -> None:
        if self.operation is not None and self.operation.running:
            if self.mode == JOIN:
                self.operation.cancel()
                self.run_page.label.setText(_("Đang hủy…"))
            return  # the window stays until the job has stopped
        super().reject()
