"""Page "Cán bộ và tài khoản": the staff list with each person's login, roles and homeroom class."""

from __future__ import annotations

import dataclasses
import uuid

from PySide6.QtWidgets import (
    QCheckBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
    QVBoxLayout, QWidget,
)

from nk_desktop.actor import Actor
from nk_desktop.clock import format_date
from nk_desktop.db import Database
from nk_desktop.errors import PermissionDenied
from nk_desktop.i18n import _
from nk_desktop.models.staff import StaffMember
from nk_desktop.services import accounts, school, staff as staff_service
from nk_desktop.services.accounts import AccountRow
from nk_desktop.services.permissions import Action, Role
from nk_desktop.text import fold
from nk_desktop.views.admin.grid import Column, Row, RowTableModel, date_key, fit_columns, make_table, \
    selected_row, text_key
from nk_desktop.views.admin.messages import Messages
from nk_desktop.views.admin.page import AdminPage
from nk_desktop.views.admin.staff_dialogs import AccountDialog, ResetPasswordDialog, RolesDialog, StaffDialog

COLUMNS = (
    Column(_("Họ và tên")), Column(_("Giới tính")), Column(_("Ngày sinh")), Column(_("Chức vụ")),
    Column(_("Điện thoại")), Column(_("Tên đăng nhập")), Column(_("Vai trò"), tooltip=True),
    Column(_("Lớp chủ nhiệm")),
)
ROLES_COLUMN = 6


@dataclasses.dataclass(frozen=True)
class StaffEntry:
    """A row of the page: a staff member, their account, or both."""

    staff: StaffMember | None
    account: AccountRow | None

    @property
    def key(self) -> tuple:
        return (self.staff.id if self.staff else None, self.account.id if self.account else None)


def role_labels(codes) -> str:
    return ", ".join(Role(code).label for code in codes if code in Role._value2member_map_)


def build_rows(staff: list[StaffMember], account_rows: list[AccountRow]) -> list[Row]:
    """One row per staff member (per account when they have several); accounts of no one at the end."""
    by_staff: dict[uuid.UUID, list[AccountRow]] = {}
    loose: list[AccountRow] = []
    for account in account_rows:
        if account.staff_id is None:
            loose.append(account)
        else:
            by_staff.setdefault(account.staff_id, []).append(account)
    entries = [StaffEntry(member, account) for member in staff for account in by_staff.get(member.id) or [None]]
    entries += [StaffEntry(None, account) for account in loose]
    rows = []
    for position, entry in enumerate(entries):
        member, account = entry.staff, entry.account
        name = member.full_name if member else (account.full_name or _("(tài khoản chưa gắn cán bộ)"))
        username = ""
        if account is not None:
            username = account.username if account.active else _("{name} (đã khóa)").format(name=account.username)
        cells = (
            name,
            member.gender if member else "",
            format_date(member.date_of_birth) if member else "",
            member.position if member else "",
            member.phone if member else "",
            username,
            role_labels(account.roles) if account else "",
            ", ".join(account.classes) if account else "",
        )
        keys = (position,) + tuple(text_key(c) for c in cells[1:2]) + (
            date_key(member.date_of_birth if member else None),) + tuple(text_key(c) for c in cells[3:])
        dim = (member is not None and not member.active) or (account is not None and not account.active)
        rows.append(Row(cells, keys, entry, search=fold(" ".join(cells)), dim=dim))
    return rows


class StaffPage(AdminPage):
    def __init__(self, db: Database, actor: Actor, messages: Messages, parent: QWidget | None = None):
        super().__init__(db, actor, messages, parent)
        self.settings = school.SchoolSettings(8, 90, False)
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(_("Tìm theo tên, tên đăng nhập, chức vụ, vai trò (gõ không dấu cũng được)"))
        self.search.setClearButtonEnabled(True)
        top.addWidget(self.search, 1)
        self.show_inactive = QCheckBox(_("Hiện cả người đã nghỉ công tác"), self)
        top.addWidget(self.show_inactive)
        self.count_label = QLabel(self)
        top.addWidget(self.count_label)
        layout.addLayout(top)

        self.model = RowTableModel(COLUMNS, self)
        self.table = make_table(self.model, self, stretch=ROLES_COLUMN)
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.add_button = QPushButton(_("Thêm cán bộ…"), self)
        self.edit_button = QPushButton(_("Sửa…"), self)
        self.account_button = QPushButton(_("Tạo tài khoản…"), self)
        self.roles_button = QPushButton(_("Vai trò…"), self)
        self.password_button = QPushButton(_("Cấp lại mật khẩu…"), self)
        self.active_button = QPushButton(_("Khóa tài khoản"), self)
        for button in (self.add_button, self.edit_button, self.account_button, self.roles_button,
                       self.password_button, self.active_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.policy_group: QGroupBox | None = None
        self.delegation: QCheckBox | None = None
        if self.may(Action.SETTINGS_EDIT) or self.may(Action.ACCOUNT_DELEGATE):
            layout.addWidget(self._build_settings())

        self.search.textChanged.connect(self._filter)
        self.show_inactive.toggled.connect(lambda _checked: self.refresh())
        self.table.activated.connect(lambda _index: self.open_default())
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.add_button.clicked.connect(self.open_add_staff)
        self.edit_button.clicked.connect(self.open_edit_staff)
        self.account_button.clicked.connect(self.open_create_account)
        self.roles_button.clicked.connect(self.open_roles)
        self.password_button.clicked.connect(self.open_reset_password)
        self.active_button.clicked.connect(self.toggle_active)

        can_edit_staff = self.may(Action.STAFF_EDIT)
        self.add_button.setVisible(can_edit_staff)
        self.edit_button.setVisible(can_edit_staff)
        self.refresh()

    def _build_settings(self) -> QGroupBox:
        group = QGroupBox(_("Chính sách mật khẩu"), self)
        self.policy_group = group
        row = QHBoxLayout(group)
        form = QFormLayout()
        self.min_length = QSpinBox(group)
        self.min_length.setRange(6, 64)
        self.min_length.setSuffix(_(" kí tự"))
        form.addRow(_("Độ dài tối thiểu:"), self.min_length)
        self.max_age = QSpinBox(group)
        self.max_age.setRange(0, 3650)
        self.max_age.setSuffix(_(" ngày"))
        self.max_age.setSpecialValueText(_("không bắt buộc"))
        form.addRow(_("Bắt buộc đổi mật khẩu sau:"), self.max_age)
        row.addLayout(form)
        self.save_policy_button = QPushButton(_("Lưu chính sách"), group)
        self.save_policy_button.setAutoDefault(False)
        self.save_policy_button.clicked.connect(self.save_policy)
        row.addWidget(self.save_policy_button)
        row.addSpacing(24)
        if self.may(Action.ACCOUNT_DELEGATE):
            self.delegation = QCheckBox(_("Cho phép Quản trị CSDL quản lý tài khoản"), group)
            self.delegation.toggled.connect(self.set_delegation)
            row.addWidget(self.delegation)
        row.addStretch(1)
        group.setVisible(self.may(Action.SETTINGS_EDIT) or self.may(Action.ACCOUNT_DELEGATE))
        return group

    # --- loading ---------------------------------------------------------------------

    def can_manage_accounts(self) -> bool:
        """The principal, or the DB admin while the principal delegates account management."""
        if self.may(Action.ACCOUNT_MANAGE):
            return True
        return Role.QUAN_TRI_CSDL.value in self.actor.roles and self.settings.db_admin_manages_accounts

    def refresh(self) -> None:
        keep = self.current()
        ok, settings = self.call(school.school_settings, self.db, self.actor)
        if ok:
            self.settings = settings
        ok, staff = self.call(staff_service.list_staff, self.db, self.actor,
                              include_inactive=self.show_inactive.isChecked())
        staff = staff if ok else []
        try:
            account_rows = accounts.list_accounts(self.db, self.actor)
        except PermissionDenied:  # a group head reads the group's members, not the accounts
            account_rows = []
        self.model.set_rows(build_rows(staff, account_rows))
        fit_columns(self.table)
        if keep is not None:
            self.select(lambda e: e.key == keep.key)
        self._load_settings()
        self._update_buttons()

    def _load_settings(self) -> None:
        if self.policy_group is not None:
            self.min_length.setValue(self.settings.password_min_length)
            self.max_age.setValue(self.settings.password_max_age_days)
        if self.delegation is not None:
            self.delegation.blockSignals(True)
            self.delegation.setChecked(self.settings.db_admin_manages_accounts)
            self.delegation.blockSignals(False)

    def _filter(self, text: str) -> None:
        self.model.set_filter(text)
        self._update_buttons()

    def select(self, predicate) -> bool:
        row = self.model.find(predicate)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def current(self) -> StaffEntry | None:
        return self.model.payload(selected_row(self.table))

    def _update_buttons(self) -> None:
        entry = self.current()
        shown = self.model.rowCount()
        total = self.model.total()
        self.count_label.setText(
            _("{n} người").format(n=total) if shown == total else _("{shown}/{n} người").format(shown=shown, n=total))
        manage = self.can_manage_accounts()
        for button in (self.account_button, self.roles_button, self.password_button, self.active_button):
            button.setVisible(manage)
        self.edit_button.setEnabled(bool(entry and entry.staff))
        self.account_button.setEnabled(bool(entry and entry.staff and entry.account is None))
        has_account = bool(entry and entry.account)
        self.roles_button.setEnabled(has_account)
        self.password_button.setEnabled(has_account)
        self.active_button.setEnabled(has_account)
        locked = bool(entry and entry.account and not entry.account.active)
        self.active_button.setText(_("Mở khóa tài khoản") if locked else _("Khóa tài khoản"))

    # --- actions ---------------------------------------------------------------------

    def _after(self, dialog) -> None:
        """Reload and select the record the dialog made or changed."""
        self.refresh()
        made = dialog.result_value
        self.select(lambda e: made in e.key)

    def open_default(self) -> None:
        """Enter or double-click on a row: edit the person (or, for a bare account, its roles)."""
        entry = self.current()
        if entry is None:
            return
        if entry.staff is not None and self.may(Action.STAFF_EDIT):
            self.open_edit_staff()
        elif entry.account is not None and self.can_manage_accounts():
            self.open_roles()

    def open_add_staff(self) -> StaffDialog:
        dialog = StaffDialog(self.db, self.actor, None, self)
        return self.open_dialog(dialog, lambda: self._after(dialog))

    def open_edit_staff(self) -> StaffDialog | None:
        entry = self.current()
        if entry is None or entry.staff is None:
            return None
        dialog = StaffDialog(self.db, self.actor, entry.staff, self)
        return self.open_dialog(dialog, lambda: self._after(dialog))

    def open_create_account(self) -> AccountDialog | None:
        entry = self.current()
        if entry is None or entry.staff is None:
            return None
        dialog = AccountDialog(self.db, self.actor, entry.staff, min_length=self.settings.password_min_length,
                               parent=self)
        return self.open_dialog(dialog, lambda: self._after(dialog))

    def open_roles(self) -> RolesDialog | None:
        entry = self.current()
        if entry is None or entry.account is None:
            return None
        dialog = RolesDialog(self.db, self.actor, entry.account, self)
        return self.open_dialog(dialog, lambda: self._after(dialog))

    def open_reset_password(self) -> ResetPasswordDialog | None:
        entry = self.current()
        if entry is None or entry.account is None:
            return None
        dialog = ResetPasswordDialog(self.db, self.actor, entry.account,
                                     min_length=self.settings.password_min_length, parent=self)
        return self.open_dialog(dialog, lambda: self._after(dialog))

    def toggle_active(self) -> None:
        entry = self.current()
        if entry is None or entry.account is None:
            return
        account = entry.account
        if account.active and not self.messages.confirm(self, _(
                "Khóa tài khoản “{name}”? Người dùng sẽ không đăng nhập được cho đến khi tài khoản được mở lại."
        ).format(name=account.username)):
            return
        ok, _result = self.call(accounts.set_active, self.db, self.actor, account.id, not account.active)
        if ok:
            self.refresh()

    def save_policy(self) -> None:
        ok, _result = self.call(accounts.set_password_policy, self.db, self.actor,
                                min_length=self.min_length.value(), max_age_days=self.max_age.value())
        if ok:
            self.messages.inform(self, _("Đã lưu chính sách mật khẩu."))
        self.refresh()

    def set_delegation(self, allowed: bool) -> None:
        self.call(accounts.set_db_admin_delegation, self.db, self.actor, allowed)
        self.refresh()  # on a refusal this puts the checkbox back
