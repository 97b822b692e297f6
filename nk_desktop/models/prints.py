"""The print log: what was printed, when and by whom, and where each paper book is (regulation Điều 12).

printed → signed_teachers (the homeroom / subject teachers signed under each page)
→ signed_principal (the principal signed and sealed) → archived (bound and filed by the office).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from nk_desktop.models.base import Base, Synced, label


class PrintRecord(Synced, Base):
    """One print of one document (a class's book, a pupil's học bạ, a teacher's mark book)."""

    __tablename__ = "print_record"

    year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_year.id"), index=True, info=label("Năm học"))
    kind: Mapped[str] = mapped_column(String(24), info=label("Loại sổ"))
    class_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("school_class.id"), index=True,
                                                       info=label("Lớp"))
    pupil_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pupil.id"), info=label("Học sinh"))
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"), info=label("Giáo viên"))
    period: Mapped[str] = mapped_column(String(16), default="", info=label("Kì"))  # CK1, HK1, 2026-10, ""
    title: Mapped[str] = mapped_column(String(200), info=label("Tên bản in"))
    pages: Mapped[int] = mapped_column(Integer, info=label("Số trang"))
    digest: Mapped[str] = mapped_column(String(64), default="", info=label("Mã băm SHA-256 của tệp in"))
    printed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, info=label("Người in"))
    printed_at: Mapped[dt.datetime] = mapped_column(DateTime, info=label("In lúc"))
    state: Mapped[str] = mapped_column(String(20), default="printed", info=label("Trạng thái"))
    signed_teachers_at: Mapped[dt.datetime | None] = mapped_column(DateTime, info=label("Giáo viên kí lúc"))
    signed_principal_at: Mapped[dt.datetime | None] = mapped_column(DateTime, info=label("Hiệu trưởng kí lúc"))
    archived_at: Mapped[dt.datetime | None] = mapped_column(DateTime, info=label("Lưu trữ lúc"))
    note: Mapped[str] = mapped_column(Text, default="", info=label("Ghi chú"))

    def audit_label(self) -> str:
        return f"bản in {self.title}"

    def audit_class_id(self):
        return self.class_id
