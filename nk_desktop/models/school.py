"""The school's structure: profile, school years and calendar, subjects, classes, assignments."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, Date, ForeignKey, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from nk_desktop.models.base import Base, Synced, label


class School(Synced, Base):
    """The school's profile (one row) and the settings the principal decides."""

    __tablename__ = "school"

    name: Mapped[str] = mapped_column(String(200), info=label("Tên trường"))
    address: Mapped[str] = mapped_column(String(300), default="", info=label("Địa chỉ"))
    place_name: Mapped[str] = mapped_column(String(100), default="", info=label("Địa danh ghi ngày tháng"))
    phone: Mapped[str] = mapped_column(String(30), default="", info=label("Điện thoại"))
    email: Mapped[str] = mapped_column(String(120), default="", info=label("Thư điện tử"))
    principal_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_member.id"), info=label("Hiệu trưởng")
    )
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, info=label("Biểu trưng"))
    password_min_length: Mapped[int] = mapped_column(Integer, default=8, info=label("Độ dài mật khẩu tối thiểu"))
    password_max_age_days: Mapped[int] = mapped_column(
        Integer, default=90, info=label("Số ngày phải đổi mật khẩu")
    )
    db_admin_manages_accounts: Mapped[bool] = mapped_column(
        Boolean, default=False, info=label("Quản trị CSDL được quản lý tài khoản")
    )

    def audit_label(self) -> str:
        return f"hồ sơ trường {self.name}"


class SchoolYear(Synced, Base):
    """A school year such as 2025-2026, with the body the school reports to that year."""

    __tablename__ = "school_year"

    name: Mapped[str] = mapped_column(String(9), info=label("Năm học"))  # "2025-2026"
    start_date: Mapped[dt.date] = mapped_column(Date, info=label("Ngày bắt đầu"))
    end_date: Mapped[dt.date] = mapped_column(Date, info=label("Ngày kết thúc"))
    governing_body: Mapped[str] = mapped_column(String(200), default="", info=label("Cơ quan quản lý"))

    def audit_label(self) -> str:
        return f"năm học {self.name}"


class Term(Synced, Base):
    __tablename__ = "term"

    year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_year.id"), index=True, info=label("Năm học"))
    number: Mapped[int] = mapped_column(Integer, info=label("Học kì"))
    start_date: Mapped[dt.date] = mapped_column(Date, info=label("Ngày bắt đầu"))
    end_date: Mapped[dt.date] = mapped_column(Date, info=label("Ngày kết thúc"))

    def audit_label(self) -> str:
        return f"học kì {self.number}"


class TeachingWeek(Synced, Base):
    """One of the 35 numbered teaching weeks (18 in term I, 17 in term II)."""

    __tablename__ = "teaching_week"

    year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_year.id"), index=True, info=label("Năm học"))
    number: Mapped[int] = mapped_column(Integer, info=label("Tuần"))
    term: Mapped[int] = mapped_column(Integer, info=label("Học kì"))
    start_date: Mapped[dt.date] = mapped_column(Date, info=label("Từ ngày"))
    end_date: Mapped[dt.date] = mapped_column(Date, info=label("Đến ngày"))

    def audit_label(self) -> str:
        return f"tuần {self.number}"


class DayOff(Synced, Base):
    """A day the school sets: a day off, or a make-up working day (e.g. a Saturday swap)."""

    __tablename__ = "day_off"

    day: Mapped[dt.date] = mapped_column(Date, index=True, info=label("Ngày"))
    name: Mapped[str] = mapped_column(String(200), info=label("Lí do"))
    working: Mapped[bool] = mapped_column(Boolean, default=False, info=label("Ngày làm bù"))

    def audit_label(self) -> str:
        return f"ngày {self.day:%d/%m/%Y}"


class Subject(Synced, Base):
    """A subject or activity of the 2018 curriculum; parts (Âm nhạc, Mĩ thuật) have a parent."""

    __tablename__ = "subject"

    code: Mapped[str] = mapped_column(String(16), info=label("Mã môn"))
    name: Mapped[str] = mapped_column(String(100), info=label("Tên môn"))
    kind: Mapped[str] = mapped_column(String(16), info=label("Loại"))  # subject | activity
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("subject.id"), info=label("Thuộc môn"))
    position: Mapped[int] = mapped_column(Integer, info=label("Thứ tự"))

    def audit_label(self) -> str:
        return f"môn {self.name}"


class CurriculumEntry(Synced, Base):
    """A subject taught in a grade in a school year: periods and the milestones with a test.

    Kept per year so that a changed circular is new data, never a rewrite of the past.
    """

    __tablename__ = "curriculum_entry"

    year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_year.id"), index=True, info=label("Năm học"))
    grade: Mapped[int] = mapped_column(Integer, info=label("Khối"))
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subject.id"), info=label("Môn"))
    periods_per_year: Mapped[int] = mapped_column(Integer, info=label("Số tiết/năm"))
    tested_milestones: Mapped[str] = mapped_column(String(32), default="", info=label("Kiểm tra định kì"))
    source: Mapped[str] = mapped_column(Text, default="", info=label("Căn cứ"))

    def audit_label(self) -> str:
        return f"chương trình khối {self.grade}"


class SchoolClass(Synced, Base):
    __tablename__ = "school_class"

    year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_year.id"), index=True, info=label("Năm học"))
    name: Mapped[str] = mapped_column(String(16), info=label("Lớp"))
    grade: Mapped[int] = mapped_column(Integer, info=label("Khối"))
    homeroom_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_member.id"), info=label("Giáo viên chủ nhiệm")
    )
    room: Mapped[str] = mapped_column(String(50), default="", info=label("Phòng học"))

    def audit_label(self) -> str:
        return f"lớp {self.name}"

    def audit_class_id(self):
        return self.id


class TeachingAssignment(Synced, Base):
    """Teacher × class × subject in a year (phân công giảng dạy)."""

    __tablename__ = "teaching_assignment"

    year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_year.id"), index=True, info=label("Năm học"))
    class_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_class.id"), index=True, info=label("Lớp"))
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subject.id"), info=label("Môn"))
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_member.id"), index=True, info=label("Giáo viên"))

    def audit_label(self) -> str:
        return "phân công giảng dạy"

    def audit_class_id(self):
        return self.class_id


class SubjectGroup(Synced, Base):
    """A professional group (tổ chuyên môn) of a year, with its head."""

    __tablename__ = "subject_group"

    year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_year.id"), index=True, info=label("Năm học"))
    name: Mapped[str] = mapped_column(String(100), info=label("Tên tổ"))
    head_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"), info=label("Tổ trưởng"))

    def audit_label(self) -> str:
        return self.name


class SubjectGroupMember(Synced, Base):
    __tablename__ = "subject_group_member"

    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subject_group.id"), index=True, info=label("Tổ"))
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_member.id"), index=True, info=label("Cán bộ"))

    def audit_label(self) -> str:
        return "thành viên tổ"
