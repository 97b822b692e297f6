"""Declarative base and the columns every synced record carries.

Every synced table has a random UUID key (two PCs can never issue the same one),
who created and last changed it and when, and a tombstone flag: records are
never hard-deleted (sync-design §4.2).  Changes are captured by
``nk_desktop.sync.capture`` at flush time; nothing else may write these tables.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, DateTime, MetaData, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def label(text: str, **info) -> dict:
    """Column ``info`` with the Vietnamese field label shown in the audit log."""
    return {"label": text, **info}


class Synced:
    """Mixin for tables whose rows are journaled, audited and synced.

    Subclasses may define ``audit_label()`` (how the record is named in an audit
    sentence, e.g. "lớp 4A") and ``audit_class_id()`` (the class the record
    belongs to, for the audit viewer's class filter).
    """

    __synced__ = True

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, info=label("Tạo lúc", meta=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, info=label("Người tạo", meta=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, info=label("Sửa lúc", meta=True))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, info=label("Người sửa", meta=True))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, info=label("Đã xóa", meta=True))

    def audit_label(self) -> str:
        return ""

    def audit_class_id(self) -> uuid.UUID | None:
        return None


def is_synced(cls_or_obj) -> bool:
    return bool(getattr(cls_or_obj, "__synced__", False))
