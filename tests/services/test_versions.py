"""Optimistic versions on the official records (issue 7, PostgreSQL mode): a stale save is refused, never lost.

Runs on SQLite and on PostgreSQL (``NK_TEST_PG_URL``); the two-sessions tests need a server (two SQLite write
transactions cannot overlap: the second waits for the first).
"""

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from nk_desktop.actor import SYSTEM
from nk_desktop.db import StaleRecord
from nk_desktop.models.attendance import AttendanceMark
from nk_desktop.models.gradebook import SubjectResult, TraitResult, YearResult
from nk_desktop.models.journal import AuditEntry
from nk_desktop.services import audit, pupils
from nk_desktop.services.versions import VersionedEdit, update_if_current, versions_of


@pytest.fixture
def mark(db, people, year_id):
    pupil = pupils.add_pupil(db, SYSTEM, people.class_4a, {"full_name": "Lê Thị Mai", "gender": "Nữ",
                                                           "date_of_birth": dt.date(2016, 3, 1)})
    with db.write(SYSTEM) as session:
        result = SubjectResult(year_id=year_id, class_id=people.class_4a, pupil_id=pupil, subject_id=people.math,
                               milestone="CK1", level="H", comment="")
        session.add(result)
        session.flush()
        return result.id


def _level(db, row_id):
    with db.read() as session:
        row = session.get(SubjectResult, row_id)
        return row.level, row.version


def _audit_count(db) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry))


def _edit(db, row_id, level):
    with db.write(SYSTEM) as session:
        session.get(SubjectResult, row_id).level = level


def test_official_records_start_at_version_1_and_each_save_moves_it(db, mark):
    assert _level(db, mark) == ("H", 1)
    _edit(db, mark, "T")
    assert _level(db, mark) == ("T", 2)
    for model in (SubjectResult, TraitResult, YearResult, AttendanceMark):
        assert model.__mapper__.version_id_col is model.__table__.c.version


def test_a_grid_saved_from_a_current_copy_is_written_and_journaled(db, mark):
    with db.read() as session:
        seen = versions_of(session, SubjectResult, [mark])
    before = _audit_count(db)
    with db.write(SYSTEM) as session:
        update_if_current(session, SubjectResult, [VersionedEdit(mark, seen[mark], {"level": "T"})])
    assert _level(db, mark) == ("T", 2)
    assert _audit_count(db) == before + 1
    with db.read() as session:
        assert audit.verify_chain(session).intact


def test_a_grid_saved_from_a_stale_copy_is_refused_and_nothing_is_written(db, mark):
    with db.read() as session:
        seen = versions_of(session, SubjectResult, [mark])  # teacher A loads the grid
    _edit(db, mark, "C")                                       # teacher B saves the same mark meanwhile
    before = _audit_count(db)
    with pytest.raises(StaleRecord) as caught:
        with db.write(SYSTEM) as session:
            update_if_current(session, SubjectResult, [VersionedEdit(mark, seen[mark], {"level": "T"})])
    assert "Người khác vừa sửa" in str(caught.value) and "tải lại" in str(caught.value)
    assert caught.value.table == "subject_result" and caught.value.row_ids == (mark,)
    assert _level(db, mark) == ("C", 2)          # B's value kept, A's not written
    assert _audit_count(db) == before


def test_a_deleted_row_is_stale_too(db, mark):
    with db.write(SYSTEM) as session:
        session.get(SubjectResult, mark).deleted = True
    with pytest.raises(StaleRecord):
        with db.write(SYSTEM) as session:
            update_if_current(session, SubjectResult, [VersionedEdit(mark, 2, {"level": "T"})])


def test_two_sessions_editing_the_same_mark_the_second_save_is_refused(db, mark):
    """Two PCs on the district server: both read the mark, A saves, then B saves from its stale copy."""
    if db.is_sqlite:
        pytest.skip("two overlapping write transactions need the PostgreSQL server")
    with pytest.raises(StaleRecord):
        with db.write(SYSTEM) as session_b:
            row_b = session_b.get(SubjectResult, mark)              # B reads version 1
            with db.write(SYSTEM) as session_a:
                session_a.get(SubjectResult, mark).level = "T"      # A saves: version 2
            row_b.level = "C"                                       # B's UPDATE … WHERE version = 1 finds nothing
    assert _level(db, mark) == ("T", 2)


def test_concurrent_saves_one_waits_then_is_refused(db, mark):
    """A has written the mark but not committed; B's save waits for A, then finds the version moved on."""
    if db.is_sqlite:
        pytest.skip("two overlapping write transactions need the PostgreSQL server")
    with db.read() as session:
        seen = versions_of(session, SubjectResult, [mark])[mark]
    a_flushed, a_may_commit = threading.Event(), threading.Event()
    outcome = {}

    def teacher_a():
        with db.write(SYSTEM) as session:
            update_if_current(session, SubjectResult, [VersionedEdit(mark, seen, {"level": "T"})])
            a_flushed.set()
            a_may_commit.wait(10)

    def teacher_b():
        try:
            with db.write(SYSTEM) as session:
                update_if_current(session, SubjectResult, [VersionedEdit(mark, seen, {"level": "C"})])
            outcome["b"] = "saved"
        except StaleRecord:
            outcome["b"] = "stale"

    a = threading.Thread(target=teacher_a)
    a.start()
    assert a_flushed.wait(10)
    b = threading.Thread(target=teacher_b)
    b.start()
    b.join(1.0)
    assert b.is_alive()  # B waits for A's row lock
    a_may_commit.set()
    a.join(10)
    b.join(10)
    assert outcome == {"b": "stale"}
    assert _level(db, mark) == ("T", 2)
