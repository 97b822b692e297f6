"""Sync bookkeeping (sync-design §4.2): local to this PC, never synced, never shown to domain code.

Written only by ``nk_desktop.sync`` (capture, importer, segments, identity).  Ids are
stored as 32-digit hex (SQLAlchemy's ``Uuid`` on SQLite), so the importer's raw SQL and
the ORM read the same values.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from nk_desktop.models.base import Base

_NO_ROWID = {"sqlite_with_rowid": False}


class SyncOutbox(Base):
    """This PC's ops (JSON), written in the same transaction as the change; sealed into a segment later."""

    __tablename__ = "sync_outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    op: Mapped[str] = mapped_column(Text)
    segment: Mapped[int | None] = mapped_column(Integer, index=True)  # sealed into seg-<segment>; NULL = pending


class SyncSegmentOut(Base):
    """A segment this database sealed (under its node id at the time), kept until packed."""

    __tablename__ = "sync_segment_out"

    node: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sha: Mapped[str] = mapped_column(String(64))
    prev_sha: Mapped[str] = mapped_column(String(64))
    n_ops: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)  # the file's bytes; dropped once packed
    sealed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class SyncCursor(Base):
    """Import progress per remote node: the last segment applied (seq, sha, incarnation)."""

    __tablename__ = "sync_cursor"

    node: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    sha: Mapped[str] = mapped_column(String(64))
    incarnation: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)  # why the next segment could not be read yet
    error_since: Mapped[dt.datetime | None] = mapped_column(DateTime)


class SyncApplied(Base):
    """Every op this database has applied (or quarantined): late and duplicate deliveries change nothing."""

    __tablename__ = "sync_applied"
    __table_args__ = _NO_ROWID

    op_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)


class SyncHead(Base):
    """The current values of a field: one row per op not superseded (several = concurrent writes)."""

    __tablename__ = "sync_head"
    __table_args__ = _NO_ROWID

    tbl: Mapped[str] = mapped_column(String(64), primary_key=True)
    row: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)
    op_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    t: Mapped[int] = mapped_column(BigInteger)
    node: Mapped[uuid.UUID] = mapped_column(Uuid)
    value: Mapped[str] = mapped_column(Text)  # canonical JSON of the op's value ({"$del": 1} = deleted)


class SyncSuperseded(Base):
    """(op, field) pairs some op replaced: an old value arriving late never comes back as a head."""

    __tablename__ = "sync_superseded"
    __table_args__ = _NO_ROWID

    op_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)


class SyncConflict(Base):
    """A field whose heads hold different values (derived from ``sync_head``; same on every PC)."""

    __tablename__ = "sync_conflict"

    tbl: Mapped[str] = mapped_column(String(64), primary_key=True)
    row: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)
    official: Mapped[bool] = mapped_column(Boolean)  # an official record: printing and locking wait for it
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime)


class SyncQuarantine(Base):
    """An op refused on import (kind ``op``) or a node's stream paused at a segment (kind ``segment``)."""

    __tablename__ = "sync_quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8))  # op | segment
    node: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    seq: Mapped[int] = mapped_column(Integer)
    op_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    tbl: Mapped[str | None] = mapped_column(String(64))
    row: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    author_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    author_name: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text)
    op: Mapped[str | None] = mapped_column(Text)  # the op's JSON, kept whole (never dropped)
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime)
    last_try: Mapped[dt.datetime] = mapped_column(DateTime)


class SyncAuthority(Base):
    """Field values written to the tables permissions depend on (roles, accounts, classes, assignments,
    locks), with where each op was published, so an import can ask what its *writer* had seen."""

    __tablename__ = "sync_authority"
    __table_args__ = (Index("ix_sync_authority_tbl_row", "tbl", "row"), _NO_ROWID)

    op_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)
    tbl: Mapped[str] = mapped_column(String(64))
    row: Mapped[uuid.UUID] = mapped_column(Uuid)
    value: Mapped[str] = mapped_column(Text)
    t: Mapped[int] = mapped_column(BigInteger)
    node: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    seq: Mapped[int | None] = mapped_column(Integer)  # segment; NULL = this PC's, not sealed yet; 0 = base state
    idx: Mapped[int | None] = mapped_column(Integer)  # position in the segment
    preds: Mapped[str] = mapped_column(Text)  # JSON list of op ids this op replaced for the field


class SyncAuditOrigin(Base):
    """Audit entries that record a change received from another PC (which node, which segment)."""

    __tablename__ = "sync_audit_origin"

    audit_seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    node: Mapped[uuid.UUID] = mapped_column(Uuid)
    seq: Mapped[int] = mapped_column(Integer)


class SyncLateEdit(Base):
    """A received mark op written into a book locked on this PC while its writer had not seen the lock
    (sync-design §4.3, "milestone locks": flagged "edit after lock"), until the principal keeps or reverts it.

    Local like ``sync_quarantine``: each PC flags what it received after its own lock; never synced."""

    __tablename__ = "sync_late_edit"
    __table_args__ = (Index("ix_sync_late_edit_tbl_row", "tbl", "row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    tbl: Mapped[str] = mapped_column(String(64))
    row: Mapped[uuid.UUID] = mapped_column(Uuid)
    fields: Mapped[str] = mapped_column(Text)  # JSON {field: [old, new]} (op JSON values)
    author_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    author_name: Mapped[str] = mapped_column(String(200), default="")
    lock_id: Mapped[uuid.UUID] = mapped_column(Uuid)  # the mark_lock row in force here when it arrived
    node: Mapped[uuid.UUID] = mapped_column(Uuid)  # where it came from (segment)
    seq: Mapped[int] = mapped_column(Integer)
    made_at: Mapped[dt.datetime] = mapped_column(DateTime)  # the author's time (the op's clock)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    decision: Mapped[str | None] = mapped_column(String(16))  # NULL = not reviewed; "giữ" | "hoàn lại"
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reviewed_by_name: Mapped[str] = mapped_column(String(200), default="")
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
