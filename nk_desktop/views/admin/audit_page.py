"""Page "Nhật ký thay đổi": who changed what and when, as sentences; and the integrity check."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDateEdit, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget,
)

from nk_desktop.actor import Actor
from nk_desktop.clock import today
from nk_desktop.db import Database
from nk_desktop.errors import PermissionDenied
from nk_desktop.i18n import _
from nk_desktop.services import accounts, audit, school
from nk_desktop.views.admin.grid import Column, Row, RowTableModel, fit_columns, make_table, text_key
from nk_desktop.views.admin.forms import find_data
from nk_desktop.views.admin.messages import Messages
from nk_desktop.views.admin.page import AdminPage, load_years

COLUMNS = (Column(_("Thời gian")), Column(_("Người thực hiện")), Column(_("Loại")),
           Column(_("Nội dung"), tooltip=True))
ALL = _("Tất cả")
LIMIT = 2000


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


def date_edit(parent: QWidget, day: dt.date) -> QDateEdit:
    edit = QDateEdit(_qdate(day), parent)
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setCalendarPopup(True)
    edit.setEnabled(False)
    return edit


def audit_rows(entries: list[audit.AuditRow]) -> list[Row]:
    return [
        Row((e.at.strftime("%d/%m/%Y %H:%M"), e.actor_name, e.kind_label, e.sentence),
            (e.seq, text_key(e.actor_name), text_key(e.kind_label), text_key(e.sentence)), e)
        for e in entries
    ]


class AuditPage(AdminPage):
    def __init__(self, db: Database, actor: Actor, messages: Messages, parent: QWidget | None = None):
        super().__init__(db, actor, messages, parent)
        self._loading = True  # no reload per filter widget while the lists are being filled
        layout = QVBoxLayout(self)
        filters = QGridLayout()
        self.person = QComboBox(self)
        self.person.setMinimumContentsLength(24)
        self.kind = QComboBox(self)
        self.kind.addItem(ALL, None)
        for code, label in audit.KIND_LABELS.items():
            self.kind.addItem(label, code)
        self.school_class = QComboBox(self)
        self.school_class.setMinimumContentsLength(6)
        self.use_since = QCheckBox(_("Từ ngày:"), self)
        self.since = date_edit(self, today() - dt.timedelta(days=30))
        self.use_until = QCheckBox(_("Đến ngày:"), self)
        self.until = date_edit(self, today())
        filters.addWidget(QLabel(_("Người thực hiện:"), self), 0, 0)
        filters.addWidget(self.person, 0, 1)
        filters.addWidget(QLabel(_("Loại:"), self), 0, 2)
        filters.addWidget(self.kind, 0, 3)
        filters.addWidget(QLabel(_("Lớp:"), self), 0, 4)
        filters.addWidget(self.school_class, 0, 5)
        dates = QHBoxLayout()
        for widget in (self.use_since, self.since, self.use_until, self.until):
            dates.addWidget(widget)
        dates.addStretch(1)
        filters.addLayout(dates, 1, 0, 1, 6)
        filters.setColumnStretch(6, 1)
        layout.addLayout(filters)

        self.model = RowTableModel(COLUMNS, self)
        self.table = make_table(self.model, self, stretch=3)
        layout.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        self.count_label = QLabel(self)
        bottom.addWidget(self.count_label)
        bottom.addStretch(1)
        self.verify_label = QLabel(self)
        bottom.addWidget(self.verify_label)
        self.verify_button = QPushButton(_("Kiểm tra tính toàn vẹn"), self)
        self.verify_button.setAutoDefault(False)
        self.verify_button.setToolTip(_("Tính lại chuỗi mã băm của toàn bộ nhật ký để phát hiện mục bị sửa hoặc xóa "
                                        "ngoài phần mềm."))
        bottom.addWidget(self.verify_button)
        layout.addLayout(bottom)

        for combo in (self.person, self.kind, self.school_class):
            combo.currentIndexChanged.connect(lambda _i: self.load_entries())
        for box, edit in ((self.use_since, self.since), (self.use_until, self.until)):
            box.toggled.connect(edit.setEnabled)
            box.toggled.connect(lambda _on: self.load_entries())
            edit.dateChanged.connect(lambda _d: self.load_entries())
        self.verify_button.clicked.connect(self.verify)
        self.refresh()

    def refresh(self) -> None:
        """Reload the choice lists (people, classes of the current year) and the entries."""
        self._loading = True
        keep_person, keep_class = self.person.currentData(), self.school_class.currentData()
        self.person.clear()
        self.person.addItem(ALL, None)
        try:
            for account in accounts.list_accounts(self.db, self.actor):
                label = f"{account.full_name} ({account.username})" if account.full_name else account.username
                self.person.addItem(label, account.id)
        except PermissionDenied:
            pass  # the entries still show each person's name
        self.school_class.clear()
        self.school_class.addItem(ALL, None)
        current = next((year for year, is_current in load_years(self) if is_current), None)
        if current is not None:
            ok, classes = self.call(school.list_classes, self.db, self.actor, current.id)
            for c in classes if ok else []:
                self.school_class.addItem(c.name, c.id)
        self.person.setCurrentIndex(max(find_data(self.person, keep_person), 0))
        self.school_class.setCurrentIndex(max(find_data(self.school_class, keep_class), 0))
        self._loading = False
        self.load_entries()

    def filters(self) -> dict:
        return {
            "actor_id": self.person.currentData(),
            "since": _pydate(self.since.date()) if self.use_since.isChecked() else None,
            "until": _pydate(self.until.date()) if self.use_until.isChecked() else None,
            "class_id": self.school_class.currentData(),
            "kind": self.kind.currentData(),
        }

    def load_entries(self) -> None:
        if self._loading:
            return
        ok, entries = self.call(audit.list_entries, self.db, self.actor, limit=LIMIT, **self.filters())
        entries = entries if ok else []
        self.model.set_rows(audit_rows(entries))
        fit_columns(self.table)
        text = _("{n} mục").format(n=len(entries))
        if len(entries) >= LIMIT:
            text += " " + _("(chỉ hiện {n} mục mới nhất; hãy lọc bớt)").format(n=LIMIT)
        self.count_label.setText(text)

    def verify(self) -> None:
        ok, report = self.call(audit.verify, self.db, self.actor)
        if not ok:
            return
        if report.intact:
            message = _("Nhật ký nguyên vẹn ({n} mục).").format(n=report.entries)
            self.verify_label.setText(message)
            self.messages.inform(self, message)
        else:
            message = _("Nhật ký KHÔNG nguyên vẹn: {reason} Hãy báo ngay cho Hiệu trưởng.").format(
                reason=report.reason)
            self.verify_label.setText(_("Nhật ký không nguyên vẹn (mục số {n}).").format(n=report.first_broken))
            self.messages.warn(self, message)
