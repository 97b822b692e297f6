"""Local, non-synced bookkeeping: this PC's identity, the change journal, the audit log.

``change_record`` is the outbox the sync issue ships: one row per changed row per
flush, in the same transaction as the change.  ``audit_entry`` is the
append-only, hash-chained log people read.  Both are written only by
``nk_desktop.sync.capture``.  Their integer sequence numbers are local to this
PC and never used as identities elsewhere.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, DateTime, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from nk_desktop.models.base import Base


class LocalState(Base):
    """Key/value facts about this database file: node id, clock, audit chain head."""

    __tablename__ = "local_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ChangeRecord(Base):
    """One captured change of one row (an op, sync-design §4.2)."""

    __tablename__ = "change_record"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    hlc: Mapped[int] = mapped_column(BigInteger, index=True)
    node_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    author_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(8))  # ins | upd | del
    fields: Mapped[str] = mapped_column(Text)  # JSON: {column: new value}
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)


class AuditEntry(Base):
    """One change as people read it: who, when, which record, old → new.

    ``entry_hash`` = SHA-256 over the entry's content and ``prev_hash``; editing,
    deleting or reordering entries breaks the chain (``services.audit.verify``).
    """

    __tablename__ = "audit_entry"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    table_name: Mapped[str] = mapped_column(String(64), index=True)
    row_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    record_label: Mapped[str] = mapped_column(String(300))
    class_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(8))
    changes: Mapped[str] = mapped_column(Text)  # JSON: {column: [old, new]}
    op_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))
