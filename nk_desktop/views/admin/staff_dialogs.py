"""Forms of the "Cán bộ và tài khoản" page: a staff record, a new account, roles, a new password."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLabel, QWidget

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.errors import ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.staff import StaffMember
from nk_desktop.services import accounts, staff as staff_service
from nk_desktop.services.accounts import AccountRow
from nk_desktop.services.permissions import Role
from nk_desktop.text import fold
from nk_desktop.views.admin.forms import (
    DATE_PLACEHOLDER, FormDialog, date_from_text, date_text, temporary_password,
)

GENDER_CHOICES = ((_("(chưa ghi)"), ""), (_("Nam"), "Nam"), (_("Nữ"), "Nữ"))
#: Usual positions in a primary school, offered in the editable "Chức vụ" list.
POSITIONS = (
    _("Hiệu trưởng"), _("Phó hiệu trưởng"), _("Giáo viên"), _("Tổng phụ trách Đội"), _("Nhân viên văn thư"),
    _("Kế toán"), _("Nhân viên thư viện"), _("Nhân viên y tế"), _("Nhân viên thiết bị"), _("Bảo vệ"),
)


class StaffDialog(FormDialog):
    """Add a staff member (``staff=None``) or edit one; OK calls create_staff / update_staff."""

    def __init__(self, db: Database, actor: Actor, staff: StaffMember | None = None,
                 parent: QWidget | None = None):
        super().__init__(_("Thêm cán bộ") if staff is None else _("Sửa hồ sơ cán bộ"), parent)
        self.db, self.actor, self.staff = db, actor, staff

        def value(name: str) -> str:
            return (getattr(staff, name) or "") if staff is not None else ""

        self.family_name = self.line(_("Họ:"), "family_name", value("family_name"))
        self.middle_name = self.line(_("Tên đệm:"), "middle_name", value("middle_name"))
        self.given_name = self.line(_("Tên:"), "given_name", value("given_name"))
        self.gender = QComboBox(self)
        for label, code in GENDER_CHOICES:
            self.gender.addItem(label, code)
        self.gender.setCurrentIndex(max(self.gender.findData(value("gender")), 0))
        self.add_field(_("Giới tính:"), self.gender, "gender")
        self.date_of_birth = self.line(_("Ngày sinh:"), "date_of_birth",
                                       date_text(staff.date_of_birth) if staff else "", placeholder=DATE_PLACEHOLDER)
        self.id_number = self.line(_("Số định danh cá nhân:"), "id_number", value("id_number"),
                                   placeholder=_("12 chữ số (số CCCD)"))
        self.phone = self.line(_("Điện thoại:"), "phone", value("phone"))
        self.email = self.line(_("Thư điện tử:"), "email", value("email"))
        self.address = self.line(_("Địa chỉ:"), "address", value("address"))
        self.position = QComboBox(self)
        self.position.setEditable(True)
        self.position.addItems(POSITIONS)
        self.position.setCurrentText(value("position"))
        self.add_field(_("Chức vụ:"), self.position, "position")
        self.active: QCheckBox | None = None
        if staff is not None:
            self.active = QCheckBox(_("Đang công tác ở trường"), self)
            self.active.setChecked(bool(staff.active))
            self.add_field("", self.active, "active")

    def values(self) -> dict:
        values = {
            "family_name": self.family_name.text(),
            "middle_name": self.middle_name.text(),
            "given_name": self.given_name.text(),
            "gender": self.gender.currentData(),
            "date_of_birth": date_from_text(self.date_of_birth.text(), "date_of_birth"),
            "id_number": self.id_number.text().strip(),
            "phone": self.phone.text(),
            "email": self.email.text().strip(),
            "address": self.address.text(),
            "position": self.position.currentText(),
        }
        if self.active is not None:
            values["active"] = self.active.isChecked()
        return values

    def submit(self) -> uuid.UUID:
        values = self.values()
        if self.staff is None:
            return staff_service.create_staff(self.db, self.actor, **values)
        changed = {key: new for key, new in values.items() if new != getattr(self.staff, key)}
        if changed:  # only what the user changed, so the audit log names only that
            staff_service.update_staff(self.db, self.actor, self.staff.id, **changed)
        return self.staff.id


def suggest_username(staff: StaffMember) -> str:
    """"Đặng Thị Hoa" → "hoa.dt": the given name, then the initials of family and middle names."""
    given = fold(staff.given_name or "").replace(" ", "")
    initials = "".join(word[0] for word in fold(f"{staff.family_name} {staff.middle_name}").split())
    name = f"{given}.{initials}" if initials else given
    return "".join(ch for ch in name if ch.isascii() and (ch.isalnum() or ch in "._"))


class RoleBoxes(QWidget):
    """One checkbox per role, labelled in Vietnamese, in two columns."""

    def __init__(self, checked: set[str], parent: QWidget | None = None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[Role, QCheckBox] = {}
        for n, role in enumerate(Role):
            box = QCheckBox(role.label, self)
            box.setChecked(role.value in checked)
            grid.addWidget(box, n // 2, n % 2)
            self.boxes[role] = box

    def roles(self) -> list[Role]:
        return [role for role, box in self.boxes.items() if box.isChecked()]

    def set_checked(self, roles: set[Role]) -> None:
        for role, box in self.boxes.items():
            box.setChecked(role in roles)


class AccountDialog(FormDialog):
    """A login for a staff member: user name, roles, temporary password (changed at first login)."""

    def __init__(self, db: Database, actor: Actor, staff: StaffMember, *, min_length: int = 8,
                 parent: QWidget | None = None):
        super().__init__(_("Tạo tài khoản cho {name}").format(name=staff.full_name), parent)
        self.db, self.actor, self.staff = db, actor, staff
        self.username = self.line(_("Tên đăng nhập:"), "username", suggest_username(staff))
        self.roles = RoleBoxes(set(), self)
        self.add_field(_("Vai trò:"), self.roles, "roles")
        self.password = self.line(_("Mật khẩu tạm:"), "password", temporary_password(max(10, min_length)))
        note = QLabel(_("Hãy ghi lại mật khẩu tạm và trao cho người dùng; "
                        "họ phải đổi mật khẩu ở lần đăng nhập đầu tiên."), self)
        note.setWordWrap(True)
        self.add_field("", note)

    def submit(self) -> uuid.UUID:
        roles = self.roles.roles()
        if not roles:
            raise ValidationError(_("Hãy chọn ít nhất một vai trò."), field="roles")
        return accounts.create_account(self.db, self.actor, username=self.username.text(),
                                       staff_id=self.staff.id, roles=roles, password=self.password.text())


class RolesDialog(FormDialog):
    """Replace an account's roles."""

    def __init__(self, db: Database, actor: Actor, account: AccountRow, parent: QWidget | None = None):
        super().__init__(_("Vai trò của tài khoản {name}").format(name=account.username), parent)
        self.db, self.actor, self.account = db, actor, account
        if account.full_name:
            self.add_field(_("Cán bộ:"), QLabel(account.full_name, self))
        self.roles = RoleBoxes(set(account.roles), self)
        self.add_field(_("Vai trò:"), self.roles, "roles")

    def submit(self) -> uuid.UUID:
        accounts.set_roles(self.db, self.actor, self.account.id, self.roles.roles())
        return self.account.id


class ResetPasswordDialog(FormDialog):
    """A new temporary password for an account (also lifts a lockout)."""

    def __init__(self, db: Database, actor: Actor, account: AccountRow, *, min_length: int = 8,
                 parent: QWidget | None = None):
        super().__init__(_("Cấp lại mật khẩu"), parent)
        self.db, self.actor, self.account = db, actor, account
        self.add_field(_("Tài khoản:"), QLabel(
            f"{account.username} ({account.full_name})" if account.full_name else account.username, self))
        self.password = self.line(_("Mật khẩu tạm mới:"), "password", temporary_password(max(10, min_length)))
        note = QLabel(_("Người dùng phải đổi mật khẩu này ở lần đăng nhập tới."), self)
        note.setWordWrap(True)
        self.add_field("", note)

    def submit(self) -> uuid.UUID:
        accounts.reset_password(self.db, self.actor, self.account.username, self.password.text())
        return self.account.id
