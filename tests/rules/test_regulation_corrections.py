"""Regulation 39/QC-THNK Điều 11.2: the correction procedure for what the existing tests leave open —
the second term's closing date, corrections of qualities and competencies, and who may apply."""

import datetime as dt

import pytest
from sqlalchemy import select

from nk_desktop.actor import SYSTEM
from nk_desktop.errors import Locked, PermissionDenied, ValidationError
from nk_desktop.models.gradebook import CorrectionRequest
from nk_desktop.models.school import SchoolClass
from nk_desktop.services import corrections, gradebook, school
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Role

D = dt.date
IN_TERM_1 = D(2026, 11, 30)  # GK1 closed at the end of week 8 (01/11/2026)
EVIDENCE = [("so_ca_nhan", "so-ca-nhan.jpg", b"\xff\xd8photo"), ("bai_kiem_tra", "bai-kiem-tra.pdf", b"%PDF-1.4")]


def _math_level(db, marks, milestone, on):
    grid = gradebook.subject_grid(db, marks.teacher, marks.class_id, marks.math, milestone, on=on)
    return next(r.level for r in grid.rows if r.pupil_id == marks.an)


def _trait_level(db, marks, trait, milestone):
    grid = gradebook.trait_grid(db, marks.teacher, marks.class_id, milestone, on=IN_TERM_1)
    return next(r.levels.get(trait) for r in grid.rows if r.pupil_id == marks.an)


def _requests(db):
    with db.read() as session:
        return session.scalars(select(CorrectionRequest)).all()


def test_second_term_requests_close_one_week_before_the_end_of_year_test(db, marks, principal):
    """Điều 11.2.a: "Hạn cuối cùng để sửa điểm … là 01 tuần trước khi kiểm tra cuối học kì" — for GK2 the term's
    final test is the end-of-year (CN) one: test on Monday 10/05/2027, requests close on Monday 03/05/2027."""
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "GK2",
                                 [CellEdit(marks.an, "level", "H")], on=D(2027, 3, 1))
    gradebook.set_test_date(db, principal, marks.year_id, 4, marks.math, "CN", D(2027, 5, 10))
    args = dict(class_id=marks.class_id, pupil_id=marks.an, milestone="GK2", field="level", reason="Nhập nhầm",
                subject_id=marks.math, evidence=EVIDENCE)
    corrections.request_correction(db, marks.teacher, new_value="T", on=D(2027, 5, 3), **args)
    with pytest.raises(Locked, match="03/05/2027"):
        corrections.request_correction(db, marks.teacher, new_value="C", on=D(2027, 5, 4), **args)
    assert len(_requests(db)) == 1


def test_first_term_requests_do_not_wait_for_the_end_of_year_test(db, marks, principal):
    """Điều 11.2.a: a GK1 request closes a week before the CK1 test (28/12/2026 → 21/12/2026), whatever the CN date."""
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "GK1",
                                 [CellEdit(marks.an, "level", "H")], on=D(2026, 10, 30))
    gradebook.set_test_date(db, principal, marks.year_id, 4, marks.math, "CK1", D(2026, 12, 28))
    gradebook.set_test_date(db, principal, marks.year_id, 4, marks.math, "CN", D(2027, 5, 10))
    with pytest.raises(Locked, match="21/12/2026"):
        corrections.request_correction(db, marks.teacher, class_id=marks.class_id, pupil_id=marks.an,
                                       milestone="GK1", field="level", new_value="T", reason="Nhập nhầm",
                                       subject_id=marks.math, evidence=EVIDENCE, on=D(2026, 12, 22))


def test_a_quality_is_corrected_through_the_same_procedure_and_locked_again(db, marks, principal, people):
    """Điều 11.2.a for qualities and competencies: the homeroom teacher files the minutes with the evidence, the
    principal approves, the DB admin applies exactly that value, and the class's traits are locked again at once."""
    gradebook.save_trait_cells(db, marks.teacher, marks.class_id, "GK1",
                               [CellEdit(marks.an, "level", "Đ", trait="CHAM_CHI")], on=D(2026, 10, 30))
    request = corrections.request_correction(
        db, marks.teacher, class_id=marks.class_id, pupil_id=marks.an, milestone="GK1", field="level",
        new_value="T", reason="Nhầm với bạn cùng tên", trait="CHAM_CHI", evidence=EVIDENCE, on=IN_TERM_1)
    assert _trait_level(db, marks, "CHAM_CHI", "GK1") == "DAT"  # nothing changes before the approval
    corrections.decide_correction(db, principal, request, approve=True, remark="Đồng ý")
    assert _trait_level(db, marks, "CHAM_CHI", "GK1") == "DAT"
    corrections.apply_correction(db, people.actors[Role.QUAN_TRI_CSDL], request)
    assert _trait_level(db, marks, "CHAM_CHI", "GK1") == "TOT"
    with db.read() as session:
        lock = gradebook.active_lock(session, session.get(SchoolClass, marks.class_id), None, "GK1")
    assert lock is not None and lock.locked


def test_only_the_homeroom_teacher_requests_a_quality_correction(db, marks, principal, people):
    """Điều 11.2.a with Điều 7.3: a subject teacher of the class files minutes for their subject only, not for the
    homeroom teacher's qualities and competencies; leaders do not file minutes for the teacher."""
    gradebook.save_trait_cells(db, marks.teacher, marks.class_id, "GK1",
                               [CellEdit(marks.an, "level", "Đ", trait="CHAM_CHI")], on=D(2026, 10, 30))
    school.assign_teacher(db, SYSTEM, marks.class_id, marks.music, marks.other_teacher.staff_id)
    for actor in (marks.other_teacher, principal, people.actors[Role.PHO_HIEU_TRUONG],
                  people.actors[Role.QUAN_TRI_CSDL]):
        with pytest.raises(PermissionDenied):
            corrections.request_correction(
                db, actor, class_id=marks.class_id, pupil_id=marks.an, milestone="GK1", field="level",
                new_value="T", reason="x", trait="CHAM_CHI", evidence=EVIDENCE, on=IN_TERM_1)
    assert _requests(db) == []


@pytest.mark.parametrize("role", [Role.HIEU_TRUONG, Role.PHO_HIEU_TRUONG, Role.TO_TRUONG_CM, Role.VAN_THU])
def test_only_the_db_admin_applies_an_approved_correction(db, marks, principal, people, role):
    """Điều 11.2.a: the subject teacher "cùng cán bộ quản trị hệ thống" makes the change after the principal's
    approval — the principal who approved does not apply it herself, nor does anyone else."""
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "GK1",
                                 [CellEdit(marks.an, "level", "H")], on=D(2026, 10, 30))
    request = corrections.request_correction(
        db, marks.teacher, class_id=marks.class_id, pupil_id=marks.an, milestone="GK1", field="level",
        new_value="T", reason="Nhập nhầm", subject_id=marks.math, evidence=EVIDENCE, on=IN_TERM_1)
    corrections.decide_correction(db, principal, request, approve=True)
    actor = principal if role is Role.HIEU_TRUONG else people.actors[role]
    with pytest.raises(PermissionDenied):
        corrections.apply_correction(db, actor, request)
    assert _math_level(db, marks, "GK1", IN_TERM_1) == "HT"
    corrections.apply_correction(db, people.actors[Role.QUAN_TRI_CSDL], request)
    assert _math_level(db, marks, "GK1", IN_TERM_1) == "HTT"


def test_a_locked_book_is_changed_only_by_an_approved_correction(db, marks, principal, people):
    """Điều 11.2.a/b: once a milestone is locked, even its own teacher within the deadline cannot change it directly."""
    gradebook.set_lock(db, principal, marks.year_id, locked=True, class_id=marks.class_id, milestone="CK1",
                       reason="Hoàn tất sổ")
    with pytest.raises(Locked, match="biên bản sửa điểm"):
        gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                     [CellEdit(marks.an, "level", "T")], on=IN_TERM_1)
    with pytest.raises(Locked, match="biên bản sửa điểm"):
        gradebook.save_trait_cells(db, marks.teacher, marks.class_id, "CK1",
                                   [CellEdit(marks.an, "level", "T", trait="CHAM_CHI")], on=IN_TERM_1)
    request = corrections.request_correction(
        db, marks.teacher, class_id=marks.class_id, pupil_id=marks.an, milestone="CK1", field="level",
        new_value="T", reason="Bổ sung sau khi khóa", subject_id=marks.math, evidence=EVIDENCE, on=IN_TERM_1)
    corrections.decide_correction(db, principal, request, approve=True)
    corrections.apply_correction(db, people.actors[Role.QUAN_TRI_CSDL], request)
    assert _math_level(db, marks, "CK1", IN_TERM_1) == "HTT"


def test_a_test_score_is_corrected_to_a_valid_score_only(db, marks, principal, people):
    """Điều 11.2.a for a periodic test score (TT27: whole numbers 0–10): once its 10 working days are over
    (GK1 test 05/11/2026 → due 19/11/2026) the score changes only through approved minutes, to a valid score;
    qualities and competencies have no score to correct."""
    gradebook.set_test_date(db, principal, marks.year_id, 4, marks.math, "GK1", D(2026, 11, 5))
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "GK1",
                                 [CellEdit(marks.an, "score", 6)], on=D(2026, 11, 10))
    args = dict(class_id=marks.class_id, pupil_id=marks.an, milestone="GK1", field="score", reason="Cộng nhầm điểm",
                evidence=EVIDENCE, on=IN_TERM_1)
    for wrong, message in (("11", "ngoài thang"), ("6,5", "phần thập phân"), ("6", "giống giá trị hiện có")):
        with pytest.raises(ValidationError, match=message):
            corrections.request_correction(db, marks.teacher, subject_id=marks.math, new_value=wrong, **args)
    with pytest.raises(ValidationError, match="không có điểm"):
        corrections.request_correction(db, marks.teacher, trait="CHAM_CHI", new_value="7", **args)
    request = corrections.request_correction(db, marks.teacher, subject_id=marks.math, new_value="7", **args)
    corrections.decide_correction(db, principal, request, approve=True)
    corrections.apply_correction(db, people.actors[Role.QUAN_TRI_CSDL], request)
    grid = gradebook.subject_grid(db, marks.teacher, marks.class_id, marks.math, "GK1", on=IN_TERM_1)
    assert [r.score for r in grid.rows if r.pupil_id == marks.an] == [7]
