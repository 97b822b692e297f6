"""Regulation 39/QC-THNK Điều 11.1: when marks may still be entered directly.

The dates below are worked out by hand from the 2026-2027 calendar the fixture school has
(week 1 starts Monday 07/09/2026; 35 teaching weeks, 18 + 17), not read back from the code.
"""

import datetime as dt

import pytest

from nk_desktop.errors import Locked, PermissionDenied, ValidationError
from nk_desktop.models.school import SchoolYear
from nk_desktop.services import gradebook
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Role

D = dt.date

# Điều 11.1.a: regular-assessment levels by the end of weeks 8, 17, 26 and 34 (each week ends on a Sunday).
LAST_DAY = {"GK1": D(2026, 11, 1),   # week 8: 26/10–01/11/2026
            "CK1": D(2027, 1, 3),    # week 17: 28/12/2026–03/01/2027
            "GK2": D(2027, 3, 7),    # week 26: 01/03–07/03/2027
            "CN": D(2027, 5, 2)}     # week 34: 26/04–02/05/2027


@pytest.mark.parametrize("milestone", list(LAST_DAY))
def test_levels_are_due_by_the_end_of_weeks_8_17_26_34(db, marks, milestone):
    """Điều 11.1.a: the teacher enters a milestone's levels until the end of week 8, 17, 26 or 34, not a day later."""
    last = LAST_DAY[milestone]
    on_time = gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.ethics, milestone,
                                           [CellEdit(marks.an, "level", "H")], on=last)
    assert on_time.saved == 1 and not on_time.refused
    with pytest.raises(Locked, match="quá hạn nhập"):
        gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.ethics, milestone,
                                     [CellEdit(marks.an, "level", "T")], on=last + dt.timedelta(days=1))
    with db.read() as session:
        year = session.get(SchoolYear, marks.year_id)
        assert gradebook.level_deadline(session, year, milestone) == last


@pytest.mark.parametrize("milestone", list(LAST_DAY))
def test_qualities_and_competencies_have_the_same_deadlines(db, marks, milestone):
    """Điều 11.1.a: the homeroom teacher's levels of qualities and competencies close with the milestone's week too."""
    last = LAST_DAY[milestone]
    assert gradebook.save_trait_cells(db, marks.teacher, marks.class_id, milestone,
                                      [CellEdit(marks.an, "level", "T", trait="TRUNG_THUC")], on=last).saved == 1
    with pytest.raises(Locked, match="quá hạn"):
        gradebook.save_trait_cells(db, marks.teacher, marks.class_id, milestone,
                                   [CellEdit(marks.an, "level", "Đ", trait="TRUNG_THUC")],
                                   on=last + dt.timedelta(days=1))


def test_end_of_term_scores_are_due_ten_working_days_after_the_test_across_new_year(db, marks, principal, people):
    """Điều 11.1.c: end-of-term test scores within 10 working days of the test (1/1 is a holiday, weekends skipped).

    Test on Monday 28/12/2026: 29, 30, 31/12 (3), Friday 1/1/2027 off, 4–8/1 (8), 11, 12/1 (10) → due 12/01/2027.
    The levels of CK1 closed on 03/01/2027; the scores stay open to the 12th, for the teacher and the secretary.
    """
    gradebook.set_test_date(db, principal, marks.year_id, 4, marks.math, "CK1", D(2026, 12, 28))
    clerk = people.actors[Role.VAN_THU]
    assert gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                        [CellEdit(marks.an, "score", 7)], on=D(2027, 1, 12)).saved == 1
    assert gradebook.save_subject_cells(db, clerk, marks.class_id, marks.math, "CK1",
                                        [CellEdit(marks.hoa, "score", 8)], on=D(2027, 1, 12)).saved == 1
    for actor in (marks.teacher, clerk):
        with pytest.raises(Locked, match="12/01/2027"):
            gradebook.save_subject_cells(db, actor, marks.class_id, marks.math, "CK1",
                                         [CellEdit(marks.anh, "score", 9)], on=D(2027, 1, 13))
    # The levels were already closed on the 12th: a score opens no level.
    late_level = gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                              [CellEdit(marks.an, "level", "T")], on=D(2027, 1, 12))
    assert late_level.saved == 0 and "quá hạn nhập mức đánh giá" in late_level.refused[0].reason


def test_mid_term_scores_are_due_ten_working_days_after_the_test(db, marks, principal):
    """Điều 11.1.b: mid-term test scores within 10 working days: test Thursday 5/11/2026 → due Thursday 19/11/2026."""
    gradebook.set_test_date(db, principal, marks.year_id, 4, marks.math, "GK1", D(2026, 11, 5))
    assert gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "GK1",
                                        [CellEdit(marks.an, "score", 6)], on=D(2026, 11, 19)).saved == 1
    with pytest.raises(Locked, match="19/11/2026"):
        gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "GK1",
                                     [CellEdit(marks.an, "score", 7)], on=D(2026, 11, 20))


@pytest.mark.parametrize("role", [Role.PHO_HIEU_TRUONG, Role.QUAN_TRI_CSDL, Role.TO_TRUONG_CM, Role.GV_CHU_NHIEM,
                                  Role.VAN_THU])
def test_only_the_principal_sets_the_entry_weeks(db, marks, people, role):
    """Điều 11.1.a: "Hiệu trưởng quy định thời hạn hoàn thành việc nhập điểm" — nobody else moves a deadline."""
    with pytest.raises(PermissionDenied):
        gradebook.set_entry_week(db, people.actors[role], marks.year_id, "CK1", 18)
    with db.read() as session:
        assert gradebook.entry_week(session, marks.year_id, "CK1") == 17


def test_the_principal_moves_a_week_within_the_35_teaching_weeks(db, marks, principal):
    """Điều 11.1.a: the principal's week replaces the default for that milestone only, within weeks 1–35."""
    gradebook.set_entry_week(db, principal, marks.year_id, "CK1", 18)
    with db.read() as session:
        assert gradebook.entry_week(session, marks.year_id, "CK1") == 18
        assert gradebook.entry_week(session, marks.year_id, "GK2") == 26
    assert gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.ethics, "CK1",
                                        [CellEdit(marks.an, "level", "H")], on=D(2027, 1, 10)).saved == 1
    for week in (0, 36):
        with pytest.raises(ValidationError, match="từ 1 đến 35"):
            gradebook.set_entry_week(db, principal, marks.year_id, "CK1", week)
