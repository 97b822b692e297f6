"""Targets a subject group sets itself (regulation 39/QC-THNK Điều 5.3): share of pupils at Hoàn thành or above."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from nk_desktop.models.base import Base, Synced, label


class GroupTarget(Synced, Base):
    """A group's target for a milestone: at least *min_share_completed* % of pupils at HT or HTT.

    ``subject_id`` empty means every subject the group's members teach; a target for one
    subject takes precedence over the group's general one.
    """

    __tablename__ = "group_target"

    year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_year.id"), index=True, info=label("Năm học"))
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subject_group.id"), index=True,
                                                info=label("Tổ chuyên môn"))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("subject.id"), info=label("Môn"))
    milestone: Mapped[str] = mapped_column(String(4), info=label("Thời điểm"))
    min_share_completed: Mapped[int] = mapped_column(
        Integer, info=label("Chỉ tiêu tỉ lệ Hoàn thành trở lên (%)"))

    def audit_label(self) -> str:
        return getattr(self, "label_for_audit", None) or f"chỉ tiêu của tổ ({self.milestone})"
