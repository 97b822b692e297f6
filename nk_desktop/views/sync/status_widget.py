"""The sync corner of the status bar: last sync and pending changes (the other PCs in the tooltip and
the status window), "Đồng bộ ngay", and a conflict badge.  It only shows what the controller gathered
off the UI thread; nothing here queries the share."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QToolButton,
    QVBoxLayout, QWidget,
)

from nk_desktop.clock import to_local
from nk_desktop.i18n import _

NOT_JOINED = _("Chưa đồng bộ")


def when_text(moment) -> str:
    if not moment:
        return _("chưa lần nào")
    local = to_local(moment)
    import datetime as dt

    return local.strftime("%H:%M") if local.date() == dt.datetime.now(local.tzinfo).date() else local.strftime("%H:%M %d/%m")


def summary(status) -> str:
    """One line for the status bar."""
    if status is None:
        return NOT_JOINED
    parts = [_("Đồng bộ: {when}").format(when=when_text(status.last_sync))]
    if status.pending_ops:
        parts.append(_("chờ gửi {n}").format(n=status.pending_ops))
    if not status.share_reachable:
        parts.append(_("mất kết nối"))
    return " · ".join(parts)  # the other PCs are in the tooltip and the status window


class SyncStatusWidget(QWidget):
    """Emits ``sync_clicked`` (Đồng bộ ngay / Tham gia…), ``details_clicked`` and ``conflicts_clicked``."""

    sync_clicked = Signal()
    details_clicked = Signal()
    conflicts_clicked = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.summary = QToolButton()
        self.summary.setObjectName("syncSummary")
        self.summary.setAutoRaise(True)
        self.summary.setText(NOT_JOINED)
        self.summary.clicked.connect(self.details_clicked)
        self.sync_button = QToolButton()
        self.sync_button.setObjectName("syncNow")
        self.sync_button.setText(_("Tham gia…"))
        self.sync_button.clicked.connect(self.sync_clicked)
        self.badge = QToolButton()
        self.badge.setObjectName("conflictBadge")
        self.badge.setAutoRaise(True)
        self.badge.setStyleSheet("QToolButton { background: #c62828; color: white; border-radius: 8px; "
                                 "padding: 0 6px; font-weight: bold; }")
        self.badge.clicked.connect(self.conflicts_clicked)
        self.badge.hide()
        layout.addWidget(self.summary)
        layout.addWidget(self.sync_button)
        layout.addWidget(self.badge)
        # The window may be narrower than the whole status bar (1366×768 laptops, 640 px tests): this corner
        # gives way first instead of setting the window's minimum width.
        self.setMinimumSize(1, 1)
        self.show_status(None)

    def show_status(self, status) -> None:
        self.summary.setText(summary(status))
        if status is None:
            self.summary.setToolTip(_("Máy này chưa tham gia thư mục đồng bộ của trường. Bấm “Tham gia…” để "
                                      "chọn thư mục chung và nhập khóa của trường."))
            self.sync_button.setText(_("Tham gia…"))
            self.sync_button.setToolTip(_("Tham gia thư mục đồng bộ của trường"))
            self.badge.hide()
            return
        self.summary.setToolTip("\n".join(status.lines()))
        self.sync_button.setText(_("Đồng bộ ngay"))
        self.sync_button.setToolTip(_("Gửi thay đổi của máy này và nhận thay đổi của các máy khác"))
        late = status.late_edits
        if status.conflicts or late:
            parts = [_("{n} xung đột").format(n=status.conflicts)] if status.conflicts else []
            tips = [_("Có ô dữ liệu mang hai giá trị khác nhau từ hai máy: sổ liên quan chưa in, "
                      "chưa khóa được cho đến khi người có thẩm quyền chọn giá trị đúng.")] if status.conflicts else []
            if late:
                parts.append(_("{n} sửa sau khóa").format(n=late))
                tips.append(_("Có điểm được sửa trên máy chưa nhận lệnh khóa sổ: sổ đã khóa chưa in được cho đến khi "
                              "Hiệu trưởng xem xét (Đồng bộ → Sửa sau khi khóa)."))
            self.badge.setText(" · ".join(parts))
            self.badge.setToolTip("\n".join(tips))
            self.badge.show()
        else:
            self.badge.hide()

    def set_busy(self, busy: bool) -> None:
        self.sync_button.setEnabled(not busy)
        if busy:
            self.sync_button.setText(_("Đang đồng bộ…"))


class SyncStatusDialog(QDialog):
    """The whole status: this PC, pending changes, conflicts, and each other PC with when it was last heard from."""

    def __init__(self, status, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Tình trạng đồng bộ"))
        layout = QVBoxLayout(self)
        if status is None:
            self.text = QLabel(_("Máy này chưa tham gia thư mục đồng bộ của trường."))
            layout.addWidget(self.text)
            self.peers = None
        else:
            self.text = QLabel("\n".join(status.lines()[:4 if not status.share_reachable else 3]))
            self.text.setWordWrap(True)
            layout.addWidget(self.text)
            self.peers = QTableWidget(len(status.peers), 4)
            self.peers.setObjectName("peers")
            self.peers.setHorizontalHeaderLabels([_("Máy"), _("Liên lạc lần cuối"), _("Đã nhận đến tệp"),
                                                  _("Vấn đề")])
            self.peers.verticalHeader().hide()
            self.peers.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
            for row, peer in enumerate(status.peers):
                heard = to_local(peer.heard_at).strftime("%H:%M %d/%m/%Y") if peer.heard_at else _("chưa rõ")
                cells = (f"{peer.pc_name or '?'} ({peer.node[:8]})", heard,
                         f"{peer.applied_seq}/{peer.available_seq or '?'}", peer.problem or "—")
                for column, text in enumerate(cells):
                    item = QTableWidgetItem(text)
                    item.setToolTip(text)
                    self.peers.setItem(row, column, item)
            header = self.peers.horizontalHeader()
            for column, width in enumerate((200, 130, 125)):
                self.peers.setColumnWidth(column, width)
            header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
            layout.addWidget(self.peers)
            if status.clock_offset_ms is not None:
                from nk_desktop.sync.engine import clock_warning

                warning = clock_warning(status.clock_offset_ms)
                if warning:
                    label = QLabel(warning)
                    label.setStyleSheet("color: #b00020;")
                    label.setWordWrap(True)
                    layout.addWidget(label)
        buttons = QDialogButtonBox()
        buttons.addButton(_("Đóng"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(720, 320)
