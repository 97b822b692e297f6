"""Roll call (Điều 7.3, 7.5, 12.1): daily marks, rolls taken, clubs, the monthly close and its paper trail."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nk_desktop.models.base import Base, Synced, label


class RollCall(Synced, Base):
    """A roll taken for a class (or a club) on a day and session; absent pupils have marks."""

    __tablename__ = "roll_call"

    year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_year.id"), index=True, info=label("Năm học"))
    class_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("school_class.id"), index=True, info=label("Lớp"))
    club_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("club.id"), index=True, info=label("Câu lạc bộ"))
    day: Mapped[dt.date] = mapped_column(Date, index=True, info=label("Ngày"))
    session: Mapped[str] = mapped_column(String(8), info=label("Buổi"))  # sang | chieu | clb

    def audit_label(self) -> str:
        return getattr(self, "label_for_audit", None) or f"điểm danh ngày {self.day:%d/%m/%Y}"

    def audit_class_id(self):
        return self.class_id


class AttendanceMark(Synced, Base):
    """A pupil's mark in a roll: P (vắng có phép), K (vắng không phép), M (đi muộn); "" = present."""

    __tablename__ = "attendance_mark"

    roll_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("roll_call.id"), index=True, info=label("Buổi điểm danh"))
    pupil_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pupil.id"), index=True, info=label("Học sinh"))
    class_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("school_class.id"), index=True, info=label("Lớp"))
    day: Mapped[dt.date] = mapped_column(Date, index=True, info=label("Ngày"))
    status: Mapped[str] = mapped_column(String(2), default="", info=label("Điểm danh"))
    reason: Mapped[str] = mapped_column(Text, default="", info=label("Lí do"))

    # Optimistic version (PostgreSQL mode): a save made from a stale copy is refused, not silently lost.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", info=label("Phiên bản", meta=True))
    __mapper_args__ = {"version_id_col": version}

    def audit_label(self) -> str:
        return getattr(self, "label_for_audit", None) or f"điểm danh ngày {self.day:%d/%m/%Y}"

    def audit_class_id(self):
        return self.class_id


class Club(Synced, Base):
    __tablename__ = "club"

    year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_year.id"), index=True, info=label("Năm học"))
    name: Mapped[str] = mapped_column(String(100), info=label("Tên câu lạc bộ"))
    teacher_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"), info=label("Phụ trách"))
    # The first day without sessions (set with the tombstone when the club closes; empty before 0009).
    closed_on: Mapped[dt.date | None] = mapped_column(Date, info=label("Đóng từ ngày"))

    def audit_label(self) -> str:
        return f"câu lạc bộ {self.name}"


class ClubMember(Synced, Base):
    __tablename__ = "club_member"

    club_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("club.id"), index=True, info=label("Câu lạc bộ"))
    pupil_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pupil.id"), index=True, info=label("Học sinh"))
    # A member from start_date, no longer from end_date (as an enrolment); both empty on rows made before 0009.
    start_date: Mapped[dt.date | None] = mapped_column(Date, info=label("Vào câu lạc bộ từ ngày"))
    end_date: Mapped[dt.date | None] = mapped_column(Date, info=label("Rời câu lạc bộ từ ngày"))

    def audit_label(self) -> str:
        return "thành viên câu lạc bộ"


class MonthSheet(Synced, Base):
    """A class's monthly roll sheet and its paper trail (Điều 12.1).

    open → confirmed (homeroom teacher) → printed (office) → signed_teacher → received (office)
    → signed_principal → bound.  Unlocking (the principal, with a reason) goes back to open.
    """

    __tablename__ = "month_sheet"

    class_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_class.id"), index=True, info=label("Lớp"))
    month: Mapped[str] = mapped_column(String(7), info=label("Tháng"))  # 2026-10
    state: Mapped[str] = mapped_column(String(16), default="open", info=label("Trạng thái"))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, info=label("Xác nhận lúc"))
    printed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, info=label("In lúc"))
    signed_teacher_at: Mapped[dt.datetime | None] = mapped_column(DateTime, info=label("GVCN kí lúc"))
    received_at: Mapped[dt.datetime | None] = mapped_column(DateTime, info=label("Văn phòng nhận lúc"))
    signed_principal_at: Mapped[dt.datetime | None] = mapped_column(DateTime, info=label("Hiệu trưởng kí lúc"))
    bound_at: Mapped[dt.datetime | None] = mapped_column(DateTime, info=label("Đóng tập lúc"))
    unlock_reason: Mapped[str] = mapped_column(Text, default="", info=label("Lí do mở lại"))

    def audit_label(self) -> str:
        return f"sổ điểm danh tháng {self.month[5:]}/{self.month[:4]}"

    def audit_class_id(self):
        return self.class_id


class AttendanceSetting(Synced, Base):
    """The principal's alert threshold: share of school days absent (percent) that raises an alert."""

    __tablename__ = "attendance_setting"

    year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_year.id"), index=True, info=label("Năm học"))
    absence_alert_percent: Mapped[int] = mapped_column(Integer, default=20, info=label("Ngưỡng cảnh báo vắng (%)"))
    streak_days: Mapped[int] = mapped_column(Integer, default=3, info=label("Số ngày vắng liên tiếp"))
    two_sessions: Mapped[bool] = mapped_column(Boolean, default=True, info=label("Học hai buổi/ngày"))

    def audit_label(self) -> str:
        return "cài đặt điểm danh"
