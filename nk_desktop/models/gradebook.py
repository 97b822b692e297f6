"""Assessment records under Thông tư 27/2020: subject results, traits, year results, locks, corrections."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from nk_desktop.models.base import Base, Synced, label


class SubjectResult(Synced, Base):
    """A pupil's level (HTT/HT/CHT), test score and comment in a subject at a milestone."""

    __tablename__ = "subject_result"

    year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_year.id"), index=True, info=label("Năm học"))
    class_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_class.id"), index=True, info=label("Lớp"))
    pupil_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pupil.id"), index=True, info=label("Học sinh"))
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subject.id"), info=label("Môn"))
    milestone: Mapped[str] = mapped_column(String(4), info=label("Thời điểm"))
    level: Mapped[str | None] = mapped_column(String(4), info=label("Mức đạt được"))
    score: Mapped[int | None] = mapped_column(Integer, info=label("Điểm KTĐK"))
    comment: Mapped[str] = mapped_column(Text, default="", info=label("Nhận xét"))
    # Optimistic version (PostgreSQL mode): a save made from a stale copy is refused, not silently lost.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", info=label("Phiên bản", meta=True))
    __mapper_args__ = {"version_id_col": version}

    def audit_label(self) -> str:
        # Services name the pupil and subject when they have them loaded (no query at flush time).
        return getattr(self, "label_for_audit", None) or f"kết quả môn học ({self.milestone})"

    def audit_class_id(self):
        return self.class_id


class TraitResult(Synced, Base):
    """A pupil's level (TOT/DAT/CCG) in a quality or competency at a milestone (homeroom teacher)."""

    __tablename__ = "trait_result"

    year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_year.id"), index=True, info=label("Năm học"))
    class_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_class.id"), index=True, info=label("Lớp"))
    pupil_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pupil.id"), index=True, info=label("Học sinh"))
    trait: Mapped[str] = mapped_column(String(16), info=label("Phẩm chất, năng lực"))
    milestone: Mapped[str] = mapped_column(String(4), info=label("Thời điểm"))
    level: Mapped[str | None] = mapped_column(String(4), info=label("Mức đạt được"))
    comment: Mapped[str] = mapped_column(Text, default="", info=label("Nhận xét"))
    # Optimistic version (PostgreSQL mode): a save made from a stale copy is refused, not silently lost.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", info=label("Phiên bản", meta=True))
    __mapper_args__ = {"version_id_col": version}

    def audit_label(self) -> str:
        return getattr(self, "label_for_audit", None) or f"phẩm chất, năng lực ({self.milestone})"

    def audit_class_id(self):
        return self.class_id


class YearResult(Synced, Base):
    """End of year: overall result with its reason, award proposal, completion, re-assessment, decision."""

    __tablename__ = "year_result"

    year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_year.id"), index=True, info=label("Năm học"))
    class_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_class.id"), index=True, info=label("Lớp"))
    pupil_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pupil.id"), index=True, info=label("Học sinh"))
    rule_set: Mapped[str] = mapped_column(String(16), info=label("Quy định áp dụng"))
    overall: Mapped[str] = mapped_column(String(4), info=label("Kết quả giáo dục"))
    reason: Mapped[str] = mapped_column(Text, default="", info=label("Căn cứ"))
    award: Mapped[str] = mapped_column(String(16), default="", info=label("Khen thưởng"))
    class_recognition: Mapped[str] = mapped_column(Text, default="", info=label("Tập thể lớp công nhận"))
    completed: Mapped[bool | None] = mapped_column(Boolean, info=label("Hoàn thành chương trình lớp học"))
    reassessment: Mapped[str] = mapped_column(String(4), default="", info=label("Kết quả đánh giá bổ sung"))
    reassessed_on: Mapped[dt.date | None] = mapped_column(Date, info=label("Ngày đánh giá bổ sung"))
    decision: Mapped[str] = mapped_column(String(32), default="", info=label("Quyết định của Hiệu trưởng"))
    approved: Mapped[bool] = mapped_column(Boolean, default=False, info=label("Đã phê duyệt"))
    # Optimistic version (PostgreSQL mode): a save made from a stale copy is refused, not silently lost.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", info=label("Phiên bản", meta=True))
    __mapper_args__ = {"version_id_col": version}

    def audit_label(self) -> str:
        return "kết quả cuối năm"

    def audit_class_id(self):
        return self.class_id


class MarkLock(Synced, Base):
    """A lock the principal sets: school, grade or class; optionally one subject and/or milestone."""

    __tablename__ = "mark_lock"

    year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_year.id"), index=True, info=label("Năm học"))
    grade: Mapped[int | None] = mapped_column(Integer, info=label("Khối"))
    class_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("school_class.id"), info=label("Lớp"))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("subject.id"), info=label("Môn"))
    milestone: Mapped[str | None] = mapped_column(String(4), info=label("Thời điểm"))
    locked: Mapped[bool] = mapped_column(Boolean, default=True, info=label("Khóa"))
    reason: Mapped[str] = mapped_column(Text, default="", info=label("Lí do"))

    def audit_label(self) -> str:
        return "khóa sổ điểm"

    def audit_class_id(self):
        return self.class_id


class TestDate(Synced, Base):
    """The day a grade sat a periodic test: scores are due within 10 working days (Điều 11.1.b–c)."""

    __tablename__ = "test_date"

    year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_year.id"), index=True, info=label("Năm học"))
    grade: Mapped[int] = mapped_column(Integer, info=label("Khối"))
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subject.id"), info=label("Môn"))
    milestone: Mapped[str] = mapped_column(String(4), info=label("Thời điểm"))
    day: Mapped[dt.date] = mapped_column(Date, info=label("Ngày kiểm tra"))

    def audit_label(self) -> str:
        return f"lịch kiểm tra khối {self.grade}"


class EntryWeek(Synced, Base):
    """The teaching week by which regular-assessment levels of a milestone are due (8, 17, 26, 34)."""

    __tablename__ = "entry_week"

    year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_year.id"), index=True, info=label("Năm học"))
    milestone: Mapped[str] = mapped_column(String(4), info=label("Thời điểm"))
    week: Mapped[int] = mapped_column(Integer, info=label("Hạn nhập (tuần)"))

    def audit_label(self) -> str:
        return f"hạn nhập {self.milestone}"


class CorrectionRequest(Synced, Base):
    """Biên bản đề nghị sửa điểm (Điều 11.2): requested → approved/rejected → applied."""

    __tablename__ = "correction_request"

    year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_year.id"), index=True, info=label("Năm học"))
    class_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_class.id"), index=True, info=label("Lớp"))
    pupil_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pupil.id"), info=label("Học sinh"))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("subject.id"), info=label("Môn"))
    trait: Mapped[str] = mapped_column(String(16), default="", info=label("Phẩm chất, năng lực"))
    milestone: Mapped[str] = mapped_column(String(4), info=label("Thời điểm"))
    field: Mapped[str] = mapped_column(String(8), info=label("Cột"))  # level | score | comment
    old_value: Mapped[str] = mapped_column(Text, default="", info=label("Giá trị cũ"))
    new_value: Mapped[str] = mapped_column(Text, info=label("Giá trị mới"))
    reason: Mapped[str] = mapped_column(Text, info=label("Lí do"))
    status: Mapped[str] = mapped_column(String(12), default="requested", info=label("Trạng thái"))
    requested_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, info=label("Người đề nghị"))
    decided_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, info=label("Người phê duyệt"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, info=label("Phê duyệt lúc"))
    remark: Mapped[str] = mapped_column(Text, default="", info=label("Ý kiến của Hiệu trưởng"))
    applied_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, info=label("Người sửa"))
    applied_at: Mapped[dt.datetime | None] = mapped_column(DateTime, info=label("Sửa lúc"))
    after_final: Mapped[bool] = mapped_column(Boolean, default=False, info=label("Sau khi hoàn tất sổ"))

    def audit_label(self) -> str:
        return "biên bản sửa điểm"

    def audit_class_id(self):
        return self.class_id


class Evidence(Synced, Base):
    """A photo or scan attached to a correction request (teacher's book, pupil's test)."""

    __tablename__ = "evidence"

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("correction_request.id"), index=True, info=label("Biên bản"))
    kind: Mapped[str] = mapped_column(String(32), info=label("Loại minh chứng"))
    filename: Mapped[str] = mapped_column(String(200), info=label("Tên tệp"))
    content: Mapped[bytes] = mapped_column(LargeBinary, info=label("Nội dung"))

    def audit_label(self) -> str:
        return f"minh chứng {self.filename}"


class CommentTemplate(Synced, Base):
    """The comment bank: phrases per subject (or trait) and level, picked then edited."""

    __tablename__ = "comment_template"

    subject_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("subject.id"), info=label("Môn"))
    trait: Mapped[str] = mapped_column(String(16), default="")
    level: Mapped[str] = mapped_column(String(4), info=label("Mức"))
    text: Mapped[str] = mapped_column(Text, info=label("Nhận xét mẫu"))

    def audit_label(self) -> str:
        return "nhận xét mẫu"


class GradebookCheck(Synced, Base):
    """The vice-principal's monthly check of a class's gradebook, with the remark written at the end of the book.

    Regulation 39 Điều 4.1: "Hàng tháng phải kiểm tra, quản lý sổ điểm và ghi nhận xét vào cuối sổ."
    One live row per class × month (``month`` is "2026-11"); a second save of the same month edits it.
    ``checker_id`` is the account (like ``CorrectionRequest.requested_by``); ``checker_name`` keeps the
    name as it was written in the book.
    """

    __tablename__ = "gradebook_check"

    year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_year.id"), index=True, info=label("Năm học"))
    class_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_class.id"), index=True, info=label("Lớp"))
    month: Mapped[str] = mapped_column(String(7), info=label("Tháng"))
    checked_on: Mapped[dt.date] = mapped_column(Date, info=label("Ngày kiểm tra"))
    checker_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, info=label("Người kiểm tra"))
    checker_name: Mapped[str] = mapped_column(String(200), default="", info=label("Họ tên người kiểm tra"))
    remark: Mapped[str] = mapped_column(Text, info=label("Nhận xét"))

    def audit_label(self) -> str:
        return getattr(self, "label_for_audit", None) or f"kiểm tra sổ điểm tháng {self.month}"

    def audit_class_id(self):
        return self.class_id
