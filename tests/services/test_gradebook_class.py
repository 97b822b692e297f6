"""Class-wide grid read and save: every subject in one call, every rule still binding per cell."""

import datetime as dt

import pytest
from sqlalchemy import select

from nk_desktop.errors import Locked, PermissionDenied
from nk_desktop.models.gradebook import SubjectResult
from nk_desktop.models.journal import AuditEntry, ChangeRecord
from nk_desktop.services import gradebook
from nk_desktop.services.gradebook import CellEdit

from .test_gradebook import IN_TERM_1, marks  # noqa: F401  (fixture)


def _rows(db):
    with db.read() as session:
        return {(r.pupil_id, r.subject_id): (r.level, r.score, r.comment, r.version)
                for r in session.scalars(select(SubjectResult))}


def test_class_grid_matches_the_subject_grids(db, marks, principal):
    gradebook.save_class_cells(db, marks.teacher, marks.class_id, "CK1", [
        (marks.math, CellEdit(marks.an, "level", "T")), (marks.ethics, CellEdit(marks.hoa, "comment", "Ngoan"))],
        on=IN_TERM_1)
    grid = gradebook.class_grid(db, marks.teacher, marks.class_id, "CK1", on=IN_TERM_1)
    assert len(grid.subjects) > 5 and grid.class_name == "4A"
    for sub in grid.subjects:
        alone = gradebook.subject_grid(db, marks.teacher, marks.class_id, sub.subject_id, "CK1", on=IN_TERM_1)
        assert sub == alone
    may = {s.subject_name: s.may_edit for s in grid.subjects}
    assert may["Toán"] and may["Đạo đức"] and not may["Tiếng Việt"]
    as_principal = gradebook.class_grid(db, principal, marks.class_id, "CK1", on=IN_TERM_1)
    assert [s.rows for s in as_principal.subjects] == [s.rows for s in grid.subjects]
    picked = gradebook.class_grid(db, marks.teacher, marks.class_id, "CK1", [marks.ethics], on=IN_TERM_1)
    assert [s.subject_name for s in picked.subjects] == ["Đạo đức"]


def test_class_save_checks_every_cell_and_writes_once(db, marks):
    result = gradebook.save_class_cells(db, marks.teacher, marks.class_id, "CK1", [
        (marks.math, CellEdit(marks.an, "level", "T")),
        (marks.math, CellEdit(marks.an, "score", "7,5")),
        (marks.math, CellEdit(marks.hoa, "score", "11")),
        (marks.math, CellEdit(marks.anh, "score", "abc")),
        (marks.math, CellEdit(marks.hoa, "level", "H")),
        (marks.ethics, CellEdit(marks.an, "score", 8)),  # Đạo đức has no periodic test
        (marks.ethics, CellEdit(marks.an, "level", "C")),
    ], on=IN_TERM_1)
    assert result.saved == 3 and result.unchanged == 0
    reasons = {(r.subject_id, r.pupil_id, r.field): r.reason for r in result.refused}
    assert set(reasons) == {(marks.math, marks.an, "score"), (marks.math, marks.hoa, "score"),
                            (marks.math, marks.anh, "score"), (marks.ethics, marks.an, "score")}
    assert "số nguyên" in reasons[(marks.math, marks.an, "score")]
    rows = _rows(db)
    assert rows[(marks.an, marks.math)][:2] == ("HTT", None) and rows[(marks.an, marks.ethics)][0] == "CHT"
    # an update records old → new, bumps the version, and names pupil and subject in the audit
    again = gradebook.save_class_cells(db, marks.teacher, marks.class_id, "CK1", [
        (marks.math, CellEdit(marks.an, "level", "H")), (marks.math, CellEdit(marks.hoa, "level", "H"))],
        on=IN_TERM_1)
    assert (again.saved, again.unchanged) == (1, 1)
    assert _rows(db)[(marks.an, marks.math)] == ("HT", None, "", 2)
    with db.read() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last.kind == "upd" and "Toán của Nguyễn Văn An (CK1, lớp 4A)" == last.record_label
        assert '"level":["HTT","HT"]' in last.changes.replace(" ", "")
        ops = session.scalars(select(ChangeRecord).where(ChangeRecord.row_id == last.row_id)).all()
        assert [op.kind for op in ops] == ["ins", "upd"]


def test_class_save_refuses_the_whole_call_without_the_right(db, marks, people):
    before = _rows(db)
    with pytest.raises(PermissionDenied):  # Tiếng Việt is not this teacher's, so nothing is saved
        from nk_desktop.services import school
        with db.read() as session:
            viet = school.subject_by_name(session, "Tiếng Việt").id
        gradebook.save_class_cells(db, marks.teacher, marks.class_id, "CK1", [
            (marks.math, CellEdit(marks.an, "level", "T")), (viet, CellEdit(marks.an, "level", "T"))],
            on=IN_TERM_1)
    assert _rows(db) == before


def test_a_locked_subject_among_open_ones_is_refused_cell_by_cell(db, marks, principal):
    gradebook.set_lock(db, principal, marks.year_id, locked=True, class_id=marks.class_id, subject_id=marks.math,
                       milestone="CK1", reason="Kiểm tra")
    result = gradebook.save_class_cells(db, marks.teacher, marks.class_id, "CK1", [
        (marks.math, CellEdit(marks.an, "level", "T")), (marks.ethics, CellEdit(marks.an, "level", "T"))],
        on=IN_TERM_1)
    assert result.saved == 1 and [r.subject_id for r in result.refused] == [marks.math]
    assert "đã khóa" in result.refused[0].reason
    with pytest.raises(Locked, match="đã khóa"):  # every subject sent is closed
        gradebook.save_class_cells(db, marks.teacher, marks.class_id, "CK1",
                                   [(marks.math, CellEdit(marks.an, "level", "T"))], on=IN_TERM_1)
    with pytest.raises(Locked, match="quá hạn"):  # GK1's week 8 is over on 30/11
        gradebook.save_class_cells(db, marks.teacher, marks.class_id, "GK1",
                                   [(marks.ethics, CellEdit(marks.an, "level", "T"))], on=IN_TERM_1)


def test_dry_run_changes_nothing(db, marks):
    result = gradebook.save_class_cells(db, marks.teacher, marks.class_id, "CK1", [
        (marks.math, CellEdit(marks.an, "level", "T"))], on=IN_TERM_1, dry_run=True)
    assert result.saved == 1 and _rows(db) == {}
