"""Pupils and their enrolment history (who was in which class, from when to when)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, Date, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nk_desktop.models.base import Base, Synced, label


class Pupil(Synced, Base):
    __tablename__ = "pupil"

    family_name: Mapped[str] = mapped_column(String(50), info=label("Họ"))
    middle_name: Mapped[str] = mapped_column(String(80), default="", info=label("Tên đệm"))
    given_name: Mapped[str] = mapped_column(String(50), info=label("Tên"))
    folded_name: Mapped[str] = mapped_column(String(200), default="", index=True, info=label("Khóa tìm kiếm", meta=True))
    date_of_birth: Mapped[dt.date] = mapped_column(Date, info=label("Ngày sinh"))
    gender: Mapped[str] = mapped_column(String(3), info=label("Giới tính"))
    ethnicity: Mapped[str] = mapped_column(String(40), default="Kinh", info=label("Dân tộc"))
    birthplace: Mapped[str] = mapped_column(String(200), default="", info=label("Nơi sinh"))
    permanent_address: Mapped[str] = mapped_column(String(300), default="", info=label("Địa chỉ thường trú"))
    current_address: Mapped[str] = mapped_column(String(300), default="", info=label("Chỗ ở hiện nay"))
    policy_family: Mapped[bool] = mapped_column(Boolean, default=False, info=label("Con gia đình chính sách"))
    policy_kind: Mapped[str] = mapped_column(String(100), default="", info=label("Diện chính sách"))
    father_name: Mapped[str] = mapped_column(String(100), default="", info=label("Họ tên cha"))
    father_job: Mapped[str] = mapped_column(String(100), default="", info=label("Nghề nghiệp cha"))
    father_phone: Mapped[str] = mapped_column(String(20), default="", info=label("Điện thoại cha"))
    mother_name: Mapped[str] = mapped_column(String(100), default="", info=label("Họ tên mẹ"))
    mother_job: Mapped[str] = mapped_column(String(100), default="", info=label("Nghề nghiệp mẹ"))
    mother_phone: Mapped[str] = mapped_column(String(20), default="", info=label("Điện thoại mẹ"))
    contact_phone: Mapped[str] = mapped_column(String(20), default="", info=label("Điện thoại liên hệ"))
    personal_id: Mapped[str] = mapped_column(String(12), default="", info=label("Số định danh cá nhân"))
    moet_code: Mapped[str] = mapped_column(String(20), default="", index=True, info=label("Mã định danh Bộ GD&ĐT"))
    school_code: Mapped[str] = mapped_column(String(20), default="", info=label("Mã học sinh"))
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, info=label("Ảnh"))
    notes: Mapped[str] = mapped_column(Text, default="", info=label("Ghi chú"))

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.family_name, self.middle_name, self.given_name) if p)

    def audit_label(self) -> str:
        return f"học sinh {self.full_name}"


class Enrolment(Synced, Base):
    """A stay of a pupil in a class: from a date (and how they came) to a date (and why they left).

    Class size on a date = enrolments covering that date.  Nothing is deleted: a
    pupil leaves a class by closing the enrolment with a date and a reason.
    """

    __tablename__ = "enrolment"

    pupil_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pupil.id"), index=True, info=label("Học sinh"))
    class_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_class.id"), index=True, info=label("Lớp"))
    start_date: Mapped[dt.date] = mapped_column(Date, info=label("Vào lớp từ ngày"))
    start_reason: Mapped[str] = mapped_column(String(32), default="dau_nam", info=label("Hình thức vào lớp"))
    came_from: Mapped[str] = mapped_column(String(200), default="", info=label("Chuyển đến từ"))
    end_date: Mapped[dt.date | None] = mapped_column(Date, info=label("Rời lớp ngày"))
    end_reason: Mapped[str] = mapped_column(String(32), default="", info=label("Lí do rời lớp"))
    went_to: Mapped[str] = mapped_column(String(200), default="", info=label("Chuyển đến"))
    note: Mapped[str] = mapped_column(Text, default="", info=label("Ghi chú"))

    def audit_label(self) -> str:
        return "quá trình học"

    def audit_class_id(self):
        return self.class_id


class PupilNotDuplicate(Synced, Base):
    """Two pupil records a person checked and found to be two different children (same name and birthday, …).

    Synced, so the other PCs stop listing the pair as a possible duplicate (services/duplicates.py).
    The pair is stored ordered, the smaller id first; withdrawing the decision sets the tombstone.
    """

    __tablename__ = "pupil_not_duplicate"

    first_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pupil.id"), index=True, info=label("Học sinh thứ nhất"))
    second_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pupil.id"), info=label("Học sinh thứ hai"))
    reason: Mapped[str] = mapped_column(Text, default="", info=label("Lí do"))

    def audit_label(self) -> str:
        return getattr(self, "label_for_audit", None) or "hai hồ sơ học sinh khác nhau"
