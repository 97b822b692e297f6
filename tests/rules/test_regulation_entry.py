"""Who enters what (regulation 39/QC-THNK Điều 7.3, 8.1, 5.1–5.2): a subject teacher who teaches in the class, and
the group head who checks the group's classes, against the homeroom teacher's own work."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from nk_desktop.actor import SYSTEM
from nk_desktop.errors import PermissionDenied
from nk_desktop.models.attendance import RollCall
from nk_desktop.models.gradebook import SubjectResult, TraitResult, YearResult
from nk_desktop.services import attendance, gradebook, school
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Role

D = dt.date
IN_TERM_1 = D(2026, 11, 30)


def _counts(db):
    with db.read() as session:
        return tuple(session.scalar(select(func.count()).select_from(model))
                     for model in (SubjectResult, TraitResult, RollCall, YearResult))


def test_a_subject_teacher_of_the_class_enters_only_their_subject(db, marks):
    """Điều 8.1: the subject teacher enters the marks of the classes and subjects they teach; the qualities and
    competencies and the roll are the homeroom teacher's (Điều 7.3), even in a class they teach (the year's results:
    test_regulation_results.py)."""
    school.assign_teacher(db, SYSTEM, marks.class_id, marks.music, marks.other_teacher.staff_id)
    music = gradebook.save_subject_cells(db, marks.other_teacher, marks.class_id, marks.music, "CK1",
                                         [CellEdit(marks.an, "level", "T")], on=IN_TERM_1)
    assert music.saved == 1
    before = _counts(db)
    with pytest.raises(PermissionDenied):
        gradebook.save_subject_cells(db, marks.other_teacher, marks.class_id, marks.math, "CK1",
                                     [CellEdit(marks.an, "level", "T")], on=IN_TERM_1)
    with pytest.raises(PermissionDenied):
        gradebook.save_trait_cells(db, marks.other_teacher, marks.class_id, "CK1",
                                   [CellEdit(marks.an, "level", "T", trait="CHAM_CHI")], on=IN_TERM_1)
    with pytest.raises(PermissionDenied):
        attendance.take_roll(db, marks.other_teacher, marks.class_id, IN_TERM_1, "sang", {}, on=IN_TERM_1)
    with pytest.raises(PermissionDenied):
        attendance.confirm_month(db, marks.other_teacher, marks.class_id, "2026-11", on=IN_TERM_1)
    assert _counts(db) == before
    # … while the homeroom teacher does both for the class.
    gradebook.save_trait_cells(db, marks.teacher, marks.class_id, "CK1",
                               [CellEdit(marks.an, "level", "T", trait="CHAM_CHI")], on=IN_TERM_1)
    attendance.take_roll(db, marks.teacher, marks.class_id, IN_TERM_1, "sang", {}, on=IN_TERM_1)


def test_the_group_head_checks_the_groups_marks_but_does_not_enter_or_lock_them(db, marks, people, year_id):
    """Điều 5.2: the group head checks how the members enter marks — reading the group's classes, not writing in
    them; locking stays with the principal and the DB admin (Điều 3.2)."""
    head = people.actors[Role.TO_TRUONG_CM]
    school.create_group(db, SYSTEM, year_id, "Tổ 4", head_id=head.staff_id, member_ids=[marks.teacher.staff_id])
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                 [CellEdit(marks.an, "score", 9)], on=IN_TERM_1)
    grid = gradebook.subject_grid(db, head, marks.class_id, marks.math, "CK1", on=IN_TERM_1)
    assert not grid.may_edit and [r.score for r in grid.rows if r.pupil_id == marks.an] == [9]
    with pytest.raises(PermissionDenied):  # another group's class
        gradebook.subject_grid(db, head, people.class_4b, marks.math, "CK1", on=IN_TERM_1)
    before = _counts(db)
    with pytest.raises(PermissionDenied):
        gradebook.save_subject_cells(db, head, marks.class_id, marks.math, "CK1",
                                     [CellEdit(marks.an, "score", 10)], on=IN_TERM_1)
    with pytest.raises(PermissionDenied):
        gradebook.save_trait_cells(db, head, marks.class_id, "CK1",
                                   [CellEdit(marks.an, "level", "T", trait="CHAM_CHI")], on=IN_TERM_1)
    with pytest.raises(PermissionDenied):
        gradebook.set_lock(db, head, year_id, locked=True, class_id=marks.class_id)
    assert _counts(db) == before
