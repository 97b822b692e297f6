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
import uuid
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from nk_desktop.db import StaleRecord
from nk_desktop.i18n import _
from nk_desktop.models.attendance import AttendanceMark
from nk_desktop.models.gradebook import SubjectResult, TraitResult, YearResult

VERSIONED = (SubjectResult, TraitResult, YearResult, AttendanceMark)
CHUNK = 500  # ids per IN (…) list

__all__ = ["VERSIONED", "StaleRecord", "VersionedEdit", "versions_of", "update_if_current"]


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
