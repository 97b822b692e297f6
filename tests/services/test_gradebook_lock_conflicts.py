"""Issue 7 in the gradebook: a book with an unresolved sync conflict is not locked until it is resolved."""

import datetime as dt

import pytest
from sqlalchemy import select, text

from nk_desktop.errors import Locked
from nk_desktop.models.gradebook import MarkLock, SubjectResult, TraitResult
from nk_desktop.services import gradebook
from nk_desktop.services.gradebook import CellEdit

from .test_gradebook import IN_TERM_1, marks  # noqa: F401  (fixture)


def _conflict(db, table, row_id, field):
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO sync_conflict (tbl, row, field, official, first_seen) "
                          "VALUES (:t, :r, :f, :o, :s)"), {"t": table, "r": row_id.hex, "f": field, "o": True,
                                                          "s": dt.datetime(2026, 11, 30, 8, 0)})


def _locks(db):
    with db.read() as session:
        return session.scalars(select(MarkLock)).all()


@pytest.mark.parametrize("scope", ["school", "grade", "class", "subject", "milestone", "class+subject+milestone"])
def test_locking_waits_for_the_books_sync_conflicts(db, marks, principal, scope):
    kwargs = {"school": {}, "grade": {"grade": 4}, "class": {"class_id": marks.class_id},
              "subject": {"subject_id": marks.math}, "milestone": {"milestone": "CK1"},
              "class+subject+milestone": {"class_id": marks.class_id, "subject_id": marks.math,
                                          "milestone": "CK1"}}[scope]
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                 [CellEdit(marks.an, "level", "T")], on=IN_TERM_1)
    with db.read() as session:
        row = session.scalar(select(SubjectResult).where(SubjectResult.pupil_id == marks.an))
    _conflict(db, "subject_result", row.id, "level")
    with pytest.raises(Locked, match=r"Chưa khóa được.*xung đột đồng bộ.*Nguyễn Văn An: Toán \(CK1\) — Mức đạt được"):
        gradebook.set_lock(db, principal, marks.year_id, locked=True, **kwargs)
    assert _locks(db) == []  # nothing changed
    # unlocking is never held back; a lock elsewhere is not either
    gradebook.set_lock(db, principal, marks.year_id, locked=False, **kwargs)
    gradebook.set_lock(db, principal, marks.year_id, locked=True, grade=5)
    gradebook.set_lock(db, principal, marks.year_id, locked=True, class_id=marks.class_id, milestone="GK2")
    gradebook.set_lock(db, principal, marks.year_id, locked=True, class_id=marks.class_id, subject_id=marks.ethics)
    with db.engine.begin() as conn:  # resolved
        conn.execute(text("DELETE FROM sync_conflict"))
    gradebook.set_lock(db, principal, marks.year_id, locked=True, reason="Đã kiểm tra", **kwargs)


def test_a_trait_conflict_holds_back_the_class_lock_but_not_a_subject_lock(db, marks, principal):
    gradebook.save_trait_cells(db, marks.teacher, marks.class_id, "CK1",
                               [CellEdit(marks.hoa, "level", "T", trait="CHAM_CHI")], on=IN_TERM_1)
    with db.read() as session:
        row = session.scalar(select(TraitResult))
    _conflict(db, "trait_result", row.id, "level")
    with pytest.raises(Locked, match="Đặng Thị Hoà: Chăm chỉ"):
        gradebook.set_lock(db, principal, marks.year_id, locked=True, class_id=marks.class_id, milestone="CK1")
    gradebook.set_lock(db, principal, marks.year_id, locked=True, class_id=marks.class_id, subject_id=marks.math,
                       milestone="CK1")
