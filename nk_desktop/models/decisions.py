"""The principal's decisions on changes another PC sent that the import held back (sync-design §4.3).

Each PC keeps its own quarantine (``sync_quarantine``, local); a decision is synced, so a change
the principal released or dismissed on one PC leaves the list on every PC that held it back too,
and a PC that receives the change later does not list it at all.
"""

from __future__ import annotations

import uuid

from sqlalchemy import String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from nk_desktop.models.base import Base, Synced, label

RELEASED, DISMISSED = "ap_dung", "bo_qua"


class QuarantineDecision(Synced, Base):
    """The principal released (applied as her own change) or dismissed one held-back op."""

    __tablename__ = "quarantine_decision"

    op_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True, info=label("Thay đổi bị giữ lại"))
    decision: Mapped[str] = mapped_column(String(16), info=label("Quyết định"))
    summary: Mapped[str] = mapped_column(Text, default="", info=label("Nội dung"))

    def audit_label(self) -> str:
        return getattr(self, "label_for_audit", None) or "thay đổi bị giữ lại khi đồng bộ"
