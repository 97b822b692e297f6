"""Reload-before-save on the gradebook grids (issue 7's optimistic versions feeding the conflict dialog).

The grids carry each stored row's version; a save sends the versions its grid showed and is refused
with ``StaleCells`` — naming pupil, subject, their value and the one typed — when a row was saved since
(another window, a sync, another user of the PostgreSQL server).  Nothing of a refused save is written.
Runs on SQLite and PostgreSQL (``NK_TEST_PG_URL``); the waiting tests need the server.
"""

import threading

import pytest
from sqlalchemy import func, select

from nk_desktop.actor import SYSTEM
from nk_desktop.db import StaleRecord
from nk_desktop.models.gradebook import SubjectResult, TraitResult
from nk_desktop.models.journal import AuditEntry
from nk_desktop.services import gradebook
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.versions import StaleCells, serialize_saves

from .test_gradebook import IN_TERM_1, marks  # noqa: F401  (fixture)


def _audit_count(db) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry))


def _math(db, marks):
    grid = gradebook.class_grid(db, marks.teacher, marks.class_id, "CK1", [marks.math], on=IN_TERM_1)
    return {row.pupil_id: row for row in grid.subjects[0].rows}


def _seen(rows, subject):
    return {(pupil, subject): row.version for pupil, row in rows.items()}


def test_the_grid_carries_versions_and_a_save_returns_the_new_ones(db, marks):
    rows = _math(db, marks)
    assert {row.version for row in rows.values()} == {0}  # nothing stored yet
    first = gradebook.save_class_cells(db, marks.teacher, marks.class_id, "CK1", [
        (marks.math, CellEdit(marks.an, "level", "T")), (marks.math, CellEdit(marks.hoa, "score", 8))],
        on=IN_TERM_1, seen=_seen(rows, marks.math))
    assert first.saved == 2
    assert first.versions == {(marks.an, marks.math): 1, (marks.hoa, marks.math): 1}
    assert _math(db, marks)[marks.an].version == 1
    # the grid goes on with the versions the save returned: no reload needed between its own saves
    second = gradebook.save_class_cells(db, marks.teacher, marks.class_id, "CK1", [
        (marks.math, CellEdit(marks.an, "level", "H")), (marks.math, CellEdit(marks.anh, "level", "C"))],
        on=IN_TERM_1, seen=first.versions | {(marks.anh, marks.math): 0})
    assert second.versions == {(marks.an, marks.math): 2, (marks.anh, marks.math): 1}
    assert _math(db, marks)[marks.an].level == "HT"
    # a dry run writes nothing and reports the versions as they are
    trial = gradebook.save_class_cells(db, marks.teacher, marks.class_id, "CK1", [
        (marks.math, CellEdit(marks.an, "level", "T"))], on=IN_TERM_1, dry_run=True, seen=second.versions)
    assert trial.saved == 1 and trial.versions == {(marks.an, marks.math): 2}
    assert _math(db, marks)[marks.an].version == 2


def test_a_save_from_a_stale_grid_is_refused_naming_pupil_and_subject(db, marks):
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                 [CellEdit(marks.an, "level", "T")], on=IN_TERM_1)
    window_a = _math(db, marks)  # this window shows An at T (version 1)
    # meanwhile another window (or a sync, or another user) saves An's mark
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                 [CellEdit(marks.an, "level", "C")], on=IN_TERM_1)
    before = _audit_count(db)
    with pytest.raises(StaleCells) as caught:
        gradebook.save_class_cells(db, marks.teacher, marks.class_id, "CK1", [
            (marks.math, CellEdit(marks.an, "level", "H")), (marks.math, CellEdit(marks.hoa, "level", "T"))],
            on=IN_TERM_1, seen=_seen(window_a, marks.math))
    error = caught.value
    assert isinstance(error, StaleRecord) and error.table == "subject_result" and len(error.row_ids) == 1
    [conflict] = error.conflicts
    assert (conflict.pupil_name, conflict.what) == ("Nguyễn Văn An", "Toán — Mức đạt được")
    assert (conflict.theirs, conflict.yours) == ("Chưa hoàn thành", "Hoàn thành")
    assert conflict.key == (marks.an, marks.math) and conflict.field == "level"
    text = str(error)
    assert "Người khác vừa sửa 1 ô" in text and "Nguyễn Văn An, Toán — Mức đạt được" in text
    assert "Giá trị của họ: Chưa hoàn thành; Giá trị của bạn: Hoàn thành" in text
    # nothing of that save is written, not even the cell that was not in conflict (Hoà)
    assert _audit_count(db) == before
    now = _math(db, marks)
    assert now[marks.an].level == "CHT" and now[marks.hoa].level is None
    # reloaded, the same typing saves
    again = gradebook.save_class_cells(db, marks.teacher, marks.class_id, "CK1", [
        (marks.math, CellEdit(marks.an, "level", "H")), (marks.math, CellEdit(marks.hoa, "level", "T"))],
        on=IN_TERM_1, seen=_seen(now, marks.math))
    assert again.saved == 2


def test_a_first_entry_made_elsewhere_and_a_deleted_row_are_conflicts_too(db, marks):
    empty = _math(db, marks)
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                 [CellEdit(marks.anh, "score", 6)], on=IN_TERM_1)
    with pytest.raises(StaleCells) as caught:  # this grid saw Ánh's cell empty
        gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                     [CellEdit(marks.anh, "score", "9")], on=IN_TERM_1,
                                     seen={p: row.version for p, row in empty.items()})
    assert (caught.value.conflicts[0].theirs, caught.value.conflicts[0].yours) == ("6", "9")
    stored = _math(db, marks)
    with db.write(SYSTEM) as session:
        row = session.scalar(select(SubjectResult).where(SubjectResult.pupil_id == marks.anh))
        row.deleted = True
    with pytest.raises(StaleCells):
        gradebook.save_class_cells(db, marks.teacher, marks.class_id, "CK1", [
            (marks.math, CellEdit(marks.anh, "score", "9"))], on=IN_TERM_1, seen=_seen(stored, marks.math))
    # without versions (an import that checks its own way, the CLI) the save goes through as before
    assert gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                        [CellEdit(marks.anh, "score", "9")], on=IN_TERM_1).saved == 1


def test_the_traits_grid_carries_versions_and_refuses_a_stale_save(db, marks):
    grid = gradebook.trait_grid(db, marks.teacher, marks.class_id, "CK1", on=IN_TERM_1)
    seen = {(row.pupil_id, "TRUNG_THUC"): row.versions.get("TRUNG_THUC", 0) for row in grid.rows}
    assert set(seen.values()) == {0}
    first = gradebook.save_trait_cells(db, marks.teacher, marks.class_id, "CK1", [
        CellEdit(marks.an, "level", "T", "TRUNG_THUC")], on=IN_TERM_1, seen=seen)
    assert first.versions == {(marks.an, "TRUNG_THUC"): 1}
    again = gradebook.trait_grid(db, marks.teacher, marks.class_id, "CK1", on=IN_TERM_1)
    assert next(r for r in again.rows if r.pupil_id == marks.an).versions == {"TRUNG_THUC": 1}
    second = gradebook.save_trait_cells(db, marks.teacher, marks.class_id, "CK1", [
        CellEdit(marks.an, "level", "Đ", "TRUNG_THUC")], on=IN_TERM_1, seen=first.versions)
    assert second.versions == {(marks.an, "TRUNG_THUC"): 2}
    before = _audit_count(db)
    with pytest.raises(StaleCells) as caught:  # a window still holding version 1
        gradebook.save_trait_cells(db, marks.teacher, marks.class_id, "CK1", [
            CellEdit(marks.an, "level", "C", "TRUNG_THUC")], on=IN_TERM_1, seen=first.versions)
    [conflict] = caught.value.conflicts
    assert (conflict.pupil_name, conflict.what, conflict.theirs, conflict.yours) == (
        "Nguyễn Văn An", "Trung thực", "Đạt", "Cần cố gắng")
    assert caught.value.table == "trait_result" and _audit_count(db) == before
    with db.read() as session:
        assert session.scalar(select(TraitResult.level).where(TraitResult.pupil_id == marks.an)) == "DAT"


def _hold_the_grid(db, marks, change, waiting):
    """Another user's save of 4A × CK1 (PostgreSQL): it holds the grid while *waiting* runs, then commits."""
    outcome = {}

    def other():
        try:
            outcome["value"] = waiting()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
            outcome["value"] = error

    with db.write(SYSTEM) as session:
        serialize_saves(session, "subject_result", marks.class_id, "CK1")
        change(session)
        session.flush()
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(1.0)
        assert thread.is_alive()  # waits for the save in progress instead of reading half of it
    thread.join(10)
    return outcome["value"]


def test_a_save_waits_for_another_users_save_of_the_grid_then_is_refused_with_the_details(db, marks):
    if db.is_sqlite:
        pytest.skip("two overlapping write transactions need the PostgreSQL server")
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                 [CellEdit(marks.an, "level", "T")], on=IN_TERM_1)
    seen = _seen(_math(db, marks), marks.math)

    def change(session):
        session.scalar(select(SubjectResult).where(SubjectResult.pupil_id == marks.an)).level = "CHT"

    error = _hold_the_grid(db, marks, change, lambda: gradebook.save_class_cells(
        db, marks.teacher, marks.class_id, "CK1", [(marks.math, CellEdit(marks.an, "level", "H"))],
        on=IN_TERM_1, seen=seen))
    assert isinstance(error, StaleCells) and error.conflicts[0].theirs == "Chưa hoàn thành"
    assert _math(db, marks)[marks.an].level == "CHT"


def test_two_first_entries_of_one_cell_make_one_row(db, marks, year_id):
    if db.is_sqlite:
        pytest.skip("two overlapping write transactions need the PostgreSQL server")
    seen = _seen(_math(db, marks), marks.math)

    def change(session):
        session.add(SubjectResult(year_id=year_id, class_id=marks.class_id, pupil_id=marks.an, subject_id=marks.math,
                                  milestone="CK1", level="HTT", comment=""))

    error = _hold_the_grid(db, marks, change, lambda: gradebook.save_class_cells(
        db, marks.teacher, marks.class_id, "CK1", [(marks.math, CellEdit(marks.an, "level", "C"))],
        on=IN_TERM_1, seen=seen))
    assert isinstance(error, StaleCells) and error.conflicts[0].theirs == "Hoàn thành tốt"
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(SubjectResult).where(
            SubjectResult.pupil_id == marks.an, SubjectResult.deleted.is_(False))) == 1
