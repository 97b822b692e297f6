"""Staff members (cán bộ, giáo viên, nhân viên)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from nk_desktop.models.base import Base, Synced, label


class StaffMember(Synced, Base):
    __tablename__ = "staff_member"

    family_name: Mapped[str] = mapped_column(String(50), info=label("Họ"))
    middle_name: Mapped[str] = mapped_column(String(80), default="", info=label("Tên đệm"))
    given_name: Mapped[str] = mapped_column(String(50), info=label("Tên"))
    folded_name: Mapped[str] = mapped_column(String(200), default="", index=True, info=label("Khóa tìm kiếm", meta=True))
    gender: Mapped[str] = mapped_column(String(3), default="", info=label("Giới tính"))  # "Nam" | "Nữ" | ""
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date, info=label("Ngày sinh"))
    id_number: Mapped[str] = mapped_column(String(12), default="", info=label("Số định danh cá nhân"))
    phone: Mapped[str] = mapped_column(String(20), default="", info=label("Điện thoại"))
    email: Mapped[str] = mapped_column(String(120), default="", info=label("Thư điện tử"))
    address: Mapped[str] = mapped_column(String(300), default="", info=label("Địa chỉ"))
    position: Mapped[str] = mapped_column(String(100), default="", info=label("Chức vụ"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, info=label("Đang công tác"))

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.family_name, self.middle_name, self.given_name) if p)

    @property
    def honorific(self) -> str:
        """How colleagues address the person: "Cô Lan", "Thầy Hùng"."""
        title = {"Nữ": "Cô", "Nam": "Thầy"}.get(self.gender)
        return f"{title} {self.given_name}" if title else self.full_name

    def audit_label(self) -> str:
        return self.full_name
