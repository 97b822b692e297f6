"""Optimistic versions of the official records: "update these rows if their version is still N, else raise".

``subject_result``, ``trait_result``, ``year_result`` and ``attendance_mark`` carry ``version``, mapped as
SQLAlchemy's ``version_id_col``: every ORM UPDATE of them is ``… WHERE id = ? AND version = ?`` and moves the
version on.  Of two people who read the same mark and both save (two PCs on the district's PostgreSQL server),
the second gets ``db.StaleRecord`` ("Người khác vừa sửa bản ghi này… tải lại") from ``Database.write`` and
nothing of that save is written.  On SQLite (one PC) the same holds between two windows, and a change received
by sync moves the version too.

A grid keeps the version of each row it shows (``versions_of``, in the same query as the rows) and its save calls
``update_if_current`` inside its ``db.write`` session; the rows are written through the ORM, so capture journals
and audits them like any other change.
"""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from typing import Any, Iterable

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from nk_desktop.db import StaleRecord
from nk_desktop.i18n import _
from nk_desktop.models.attendance import AttendanceMark
from nk_desktop.models.gradebook import SubjectResult, TraitResult, YearResult

VERSIONED = (SubjectResult, TraitResult, YearResult, AttendanceMark)
CHUNK = 500  # ids per IN (…) list

__all__ = ["VERSIONED", "CellConflict", "StaleCells", "StaleRecord", "VersionedEdit", "versions_of",
           "update_if_current", "serialize_saves"]


@dataclasses.dataclass(frozen=True)
class CellConflict:
    """One cell someone else saved since the grid was read: who, what, their value and the one typed here."""

    pupil_id: uuid.UUID
    pupil_name: str
    what: str        # "Toán — Mức đạt được", "Trung thực"
    theirs: str      # as a person reads it ("Hoàn thành tốt", "(trống)")
    yours: str
    key: tuple = ()  # (pupil, subject) or (pupil, trait): the grid's row key
    field: str = ""


CONFLICTS_NAMED = 6


class StaleCells(StaleRecord):
    """A grid save refused because rows it changes were saved by someone else since the grid was read."""

    def __init__(self, conflicts: list[CellConflict], *, table: str, row_ids: Iterable[uuid.UUID] = ()):
        self.conflicts = list(conflicts)
        lines = [_("{name}, {what} — Giá trị của họ: {theirs}; Giá trị của bạn: {yours}").format(
            name=c.pupil_name, what=c.what, theirs=c.theirs, yours=c.yours) for c in self.conflicts[:CONFLICTS_NAMED]]
        if len(self.conflicts) > CONFLICTS_NAMED:
            lines.append(_("… và {n} ô khác").format(n=len(self.conflicts) - CONFLICTS_NAMED))
        super().__init__(_("Người khác vừa sửa {n} ô bạn đang sửa (máy khác, đồng bộ hoặc cửa sổ khác); thay đổi "
                           "của bạn chưa được lưu. Hãy tải lại để xem giá trị mới rồi nhập lại.").format(
            n=len(self.conflicts)) + "\n" + "\n".join(lines), table=table, row_ids=tuple(row_ids))


@dataclasses.dataclass(frozen=True)
class VersionedEdit:
    row_id: uuid.UUID
    version: int                # the version the person saw when the grid was loaded
    values: dict[str, Any]      # column → new value


def _check_model(model) -> None:
    if model not in VERSIONED:
        raise TypeError(f"{model.__name__} has no optimistic version")


def versions_of(session: Session, model, row_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The current version of each row (missing rows are left out)."""
    _check_model(model)
    ids = list(row_ids)
    found: dict[uuid.UUID, int] = {}
    for start in range(0, len(ids), CHUNK):
        query = select(model.id, model.version).where(model.id.in_(ids[start:start + CHUNK]))
        found.update((row_id, version) for row_id, version in session.execute(query))
    return found


def update_if_current(session: Session, model, edits: Iterable[VersionedEdit]) -> list:
    """Apply *edits* in the caller's write session if every row is still at the version its edit names.

    Raises ``StaleRecord`` (naming the rows to reload) when one row moved on, was deleted or is gone; the
    caller's ``db.write`` then rolls everything back.  The check is made twice: here against the rows as read
    now (one query), and by the database itself in each ``UPDATE … WHERE version = N`` at flush, which catches
    a save committed between the two (on PostgreSQL the UPDATE waits for the other transaction, then finds
    the version moved).  Call it before changing these rows otherwise in the session (they are re-read).
    Returns the updated objects.
    """
    _check_model(model)
    edits = list(edits)
    ids = [e.row_id for e in edits]
    rows = {}
    for start in range(0, len(ids), CHUNK):
        query = select(model).where(model.id.in_(ids[start:start + CHUNK])).execution_options(populate_existing=True)
        rows.update((obj.id, obj) for obj in session.scalars(query))
    stale = [e.row_id for e in edits if e.row_id not in rows or rows[e.row_id].version != e.version
             or rows[e.row_id].deleted]
    if stale:
        raise StaleRecord(_("Người khác vừa sửa {n} ô bạn đang sửa; thay đổi của bạn chưa được lưu. "
                            "Hãy tải lại để xem giá trị mới rồi nhập lại.").format(n=len(stale)),
                          table=model.__tablename__, row_ids=stale)
    for edit in edits:
        obj = rows[edit.row_id]
        for key, value in edit.values.items():
            setattr(obj, key, value)
    session.flush()  # StaleDataError here (another session got there first) becomes StaleRecord in db.write
    return [rows[e.row_id] for e in edits]


def serialize_saves(session: Session, *scope: object) -> None:
    """Let one save of *scope* (a class × milestone grid) at a time read and write it.

    SQLite's ``BEGIN IMMEDIATE`` already does so for the whole file; on PostgreSQL a transaction-level
    advisory lock does it per grid, so the version check made on the rows read next is exact (a save
    committed meanwhile is seen, new rows included) and two first entries of one cell cannot both insert.
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    digest = hashlib.blake2b("|".join(map(str, scope)).encode(), digest_size=8).digest()
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                       {"key": int.from_bytes(digest, "big", signed=True)})
