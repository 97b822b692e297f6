"""Accounts, their roles, and the per-PC login state."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from nk_desktop.models.base import Base, Synced, label


class Account(Synced, Base):
    __tablename__ = "account"

    username: Mapped[str] = mapped_column(String(64), index=True, info=label("Tên đăng nhập"))
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"), info=label("Cán bộ"))
    password_hash: Mapped[str] = mapped_column(String(200), info=label("Mật khẩu", secret=True))
    password_changed_at: Mapped[dt.datetime] = mapped_column(DateTime, info=label("Đổi mật khẩu lúc"))
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=True, info=label("Phải đổi mật khẩu")
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True, info=label("Đang hoạt động"))

    def audit_label(self) -> str:
        return f"tài khoản {self.username}"


class AccountRole(Synced, Base):
    """A role held by an account; revoking sets the tombstone."""

    __tablename__ = "account_role"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("account.id"), index=True, info=label("Tài khoản"))
    role: Mapped[str] = mapped_column(String(32), info=label("Vai trò"))

    def audit_label(self) -> str:
        return "vai trò"


class LoginState(Base):
    """Failed attempts and lockout on this PC (local, not synced, not audited)."""

    __tablename__ = "login_state"

    account_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, info=label("Tài khoản"))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
