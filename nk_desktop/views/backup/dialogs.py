"""The backup and restore dialogs: the drive, the passphrase, progress with Hủy, and what a backup holds."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QStorageInfo
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QVBoxLayout, QWidget,
)

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import maintenance
from nk_desktop.sync import backup as backups
from nk_desktop.views.common import messages
from nk_desktop.views.common.background import BackgroundOperation, Cancelled

FOLDER_NAME = "NK Desktop - sao luu"


def removable_folders() -> list[tuple[str, Path]]:
    """Mounted volumes other than the system one, most likely the USB sticks, as (label, folder)."""
    system = Path(os.environ.get("SystemDrive", "C:") + "\\") if os.name == "nt" else Path("/")
    found = []
    for volume in QStorageInfo.mountedVolumes():
        root = Path(volume.rootPath())
        if not volume.isValid() or not volume.isReady() or volume.isReadOnly() or root == system:
            continue
        if os.name != "nt" and not str(root).startswith(("/media", "/mnt", "/run/media", "/Volumes")):
            continue
        name = volume.displayName() or str(root)
        free = volume.bytesAvailable() / 1024 ** 3
        found.append((_("{name} (còn trống {free:.1f} GB)").format(name=name, free=free), root / FOLDER_NAME))
    return found


def _error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet("color: #b00020;")
    label.setWordWrap(True)
    return label


class BackupDialog(QDialog):
    """Choose a drive (or any folder), type the school's passphrase, back up with progress and Hủy."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None, *,
                 choose_folder: Callable[[QWidget], str] | None = None,
                 volumes: Callable[[], list[tuple[str, Path]]] = removable_folders):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self._choose_folder = choose_folder or (lambda w: QFileDialog.getExistingDirectory(w, _("Chọn thư mục sao lưu")))
        self.setWindowTitle(_("Sao lưu dữ liệu ra USB"))
        self.target = QComboBox()
        for label, folder in volumes():
            self.target.addItem(label, str(folder))
        browse = QPushButton(_("Chọn thư mục khác…"))
        browse.clicked.connect(self._browse)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(_("cụm mật khẩu trên phiếu khôi phục của trường"))
        self.encrypt = QCheckBox(_("Mã hóa bản sao lưu (nên dùng: dữ liệu học sinh là dữ liệu cá nhân)"))
        self.encrypt.setChecked(True)
        self.encrypt.toggled.connect(self.passphrase.setEnabled)
        self.error = _error_label()
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.start_button = QPushButton(_("Sao lưu"))
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        close = QPushButton(_("Đóng"))
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.target, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow(_("Lưu vào:"), row)
        form.addRow(_("Cụm mật khẩu:"), self.passphrase)
        form.addRow("", self.encrypt)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.result)
        layout.addLayout(buttons)
        self.operation: BackgroundOperation | None = None
        self.resize(620, 220)

    def _browse(self) -> None:
        folder = self._choose_folder(self)
        if folder:
            self.target.addItem(folder, folder)
            self.target.setCurrentIndex(self.target.count() - 1)

    def start(self) -> BackgroundOperation | None:
        self.error.clear()
        folder = self.target.currentData()
        if not folder:
            self.error.setText(_("Hãy cắm USB hoặc chọn một thư mục."))
            return None
        passphrase = self.passphrase.text() if self.encrypt.isChecked() else None
        if self.encrypt.isChecked() and len(passphrase or "") < 8:
            self.error.setText(_("Cụm mật khẩu phải có ít nhất 8 kí tự (xem phiếu khôi phục của trường)."))
            return None
        db, actor = self.db, self.actor

        def work(progress, is_cancelled):
            try:
                return maintenance.backup_database(db, actor, Path(folder), passphrase=passphrase,
                                                   progress=progress, is_cancelled=is_cancelled)
            except backups.Cancelled:
                raise Cancelled() from None

        self.start_button.setEnabled(False)
        self.operation = BackgroundOperation(self, work, label=_("Đang sao lưu…"), on_success=self._done,
                                             on_failure=self._failed, on_cancelled=self._cancelled)
        return self.operation.start()

    def _done(self, info: backups.BackupInfo) -> None:
        self.start_button.setEnabled(True)
        self.result.setText(_("Đã sao lưu và kiểm tra lại: {path}\n{pupils} học sinh, {staff} cán bộ{enc}.").format(
            path=info.path, pupils=info.counts.get("pupil", 0), staff=info.counts.get("staff_member", 0),
            enc="" if info.encrypted else _(", KHÔNG mã hóa")))

    def _failed(self, error: BaseException) -> None:
        self.start_button.setEnabled(True)
        self.error.setText(str(error) if isinstance(error, NKError) else _("Lỗi: {e}").format(e=error))

    def _cancelled(self) -> None:
        self.start_button.setEnabled(True)
        self.result.setText(_("Đã hủy; không có gì được ghi."))


class RestoreDialog(QDialog):
    """Choose a backup, see what it holds against today's data, confirm, restore; then log in again."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None, *,
                 choose_file: Callable[[QWidget], str] | None = None,
                 confirm: Callable[[QWidget, str], bool] = messages.confirm):
        super().__init__(parent)
        self.db, self.actor, self._confirm = db, actor, confirm
        self._choose_file = choose_file or (lambda w: QFileDialog.getOpenFileName(
            w, _("Chọn bản sao lưu"), "", _("Bản sao lưu NK Desktop (*.nkb)"))[0])
        self.setWindowTitle(_("Khôi phục dữ liệu từ bản sao lưu"))
        self.path = QLineEdit()
        browse = QPushButton(_("Chọn tệp…"))
        browse.clicked.connect(self._browse)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.check_button = QPushButton(_("Kiểm tra"))
        self.check_button.clicked.connect(self.check)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.error = _error_label()
        self.restore_button = QPushButton(_("Khôi phục"))
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self.restore)
        close = QPushButton(_("Đóng"))
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow(_("Tệp sao lưu:"), row)
        form.addRow(_("Cụm mật khẩu:"), self.passphrase)
        buttons = QHBoxLayout()
        buttons.addWidget(self.check_button)
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.facts)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.info: backups.BackupInfo | None = None
        self.restored = False
        self.resize(640, 260)

    def _browse(self) -> None:
        chosen = self._choose_file(self)
        if chosen:
            self.path.setText(chosen)

    def check(self) -> None:
        self.error.clear()
        self.restore_button.setEnabled(False)
        try:
            self.info = maintenance.inspect_backup(self.db, self.actor, Path(self.path.text()),
                                                   passphrase=self.passphrase.text() or None)
        except NKError as error:
            self.facts.clear()
            self.error.setText(str(error))
            return
        _school, _schema, now = backups.facts(Path(self.db.location))
        self.facts.setText(_(
            "Bản sao lưu của “{school}” lúc {at}: {p} học sinh, {s} cán bộ, {a} mục nhật ký.\n"
            "Dữ liệu hiện tại trên máy: {p2} học sinh, {s2} cán bộ, {a2} mục nhật ký.").format(
            school=self.info.school, at=self.info.created_text, p=self.info.counts.get("pupil", 0),
            s=self.info.counts.get("staff_member", 0), a=self.info.counts.get("audit_entry", 0),
            p2=now.get("pupil", 0), s2=now.get("staff_member", 0), a2=now.get("audit_entry", 0)))
        self.restore_button.setEnabled(True)

    def restore(self) -> bool:
        if self.info is None:
            return False
        if not self._confirm(self, _("Thay toàn bộ dữ liệu trên máy này bằng bản sao lưu lúc {at}? "
                                     "Dữ liệu hiện tại được giữ lại thành một tệp riêng.").format(at=self.info.created_text)):
            return False
        try:
            _info, kept = maintenance.restore_database(self.db, self.actor, Path(self.path.text()),
                                                       passphrase=self.passphrase.text() or None)
        except NKError as error:
            self.error.setText(str(error))
            return False
        self.restored = True
        self.facts.setText(_("Đã khôi phục. Dữ liệu cũ để tại {kept}. Hãy đăng nhập lại.").format(
            kept=kept or _("(không có)")))
        self.restore_button.setEnabled(False)
        return True
