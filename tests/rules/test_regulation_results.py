"""End of year: who records and who decides (regulation Điều 3.4, 7.3), absences (TT27 Điều 11 / vn-primary-rules
§1.7) and completing primary school (grade 5)."""

import datetime as dt

import pytest
from sqlalchemy import select

from nk_desktop.actor import SYSTEM
from nk_desktop.errors import PermissionDenied, ValidationError
from nk_desktop.models.gradebook import YearResult
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services import attendance, gradebook, pupils, results, school
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Role

D = dt.date
YEAR_END = D(2027, 4, 30)  # CN levels are due by the end of week 34 (02/05/2027)


def _fill_year_end(db, class_id, grade, pupil_id, *, score=10, subject_level="T"):
    """Every subject of the grade at CN and the 15 traits, as the teachers would enter them (by the system)."""
    with db.read() as session:
        subjects = school.grade_subjects(session, school.current_year(session, YEAR_END).id, grade)
    for subject, entry in subjects:
        edits = [CellEdit(pupil_id, "level", subject_level)]
        if "CN" in entry.tested_milestones.split(","):
            edits.append(CellEdit(pupil_id, "score", score))
        gradebook.save_subject_cells(db, SYSTEM, class_id, subject.id, "CN", edits, on=YEAR_END)
    gradebook.save_trait_cells(db, SYSTEM, class_id, "CN",
                               [CellEdit(pupil_id, "level", "T", trait=code) for code, _n in rules.TRAITS],
                               on=YEAR_END)


def _only_an(db, marks):
    for other in (marks.hoa, marks.anh):
        pupils.transfer_out(db, SYSTEM, other, D(2027, 4, 1), "Trường khác")


def _stored(db, class_id):
    with db.read() as session:
        return {r.pupil_id: (r.overall, r.approved, r.decision) for r in session.scalars(
            select(YearResult).where(YearResult.class_id == class_id))}


@pytest.mark.parametrize("role", [Role.PHO_HIEU_TRUONG, Role.QUAN_TRI_CSDL, Role.TO_TRUONG_CM, Role.GV_CHU_NHIEM])
def test_only_the_principal_approves_the_results_and_decides_promotion(db, marks, principal, people, role):
    """Điều 3.4: the principal approves the pupils' results and decides who goes up a grade — nobody else."""
    _only_an(db, marks)
    _fill_year_end(db, marks.class_id, 4, marks.an)
    results.record_results(db, marks.teacher, marks.class_id)
    before = _stored(db, marks.class_id)
    with pytest.raises(PermissionDenied):
        results.approve_results(db, people.actors[role], marks.class_id)
    with pytest.raises(PermissionDenied):
        results.decide_promotion(db, people.actors[role], marks.class_id, marks.an, "len_lop")
    assert _stored(db, marks.class_id) == before
    results.decide_promotion(db, principal, marks.class_id, marks.an, "len_lop")
    results.approve_results(db, principal, marks.class_id)
    assert _stored(db, marks.class_id)[marks.an] == ("HTXS", True, "len_lop")


def test_only_the_homeroom_teacher_records_the_year_end_results(db, marks, principal, people):
    """Điều 7.3: the homeroom teacher records the year's results, the re-assessment and the class's recognition;
    the principal, who approves them, and the other leaders do not write them in the teacher's place."""
    _only_an(db, marks)
    _fill_year_end(db, marks.class_id, 4, marks.an, score=4)
    for actor in (principal, people.actors[Role.PHO_HIEU_TRUONG], people.actors[Role.QUAN_TRI_CSDL]):
        with pytest.raises(PermissionDenied):
            results.record_results(db, actor, marks.class_id)
    assert _stored(db, marks.class_id) == {}
    results.record_results(db, marks.teacher, marks.class_id)
    for actor in (principal, people.actors[Role.PHO_HIEU_TRUONG]):
        with pytest.raises(PermissionDenied):
            results.record_reassessment(db, actor, marks.class_id, marks.an, "HT", D(2027, 8, 20))
        with pytest.raises(PermissionDenied):
            results.set_recognition(db, actor, marks.class_id, marks.an, "Tiến bộ")
    assert _stored(db, marks.class_id)[marks.an] == ("CHT", False, "")


def test_a_person_without_the_right_hears_so_before_what_is_missing(db, marks, principal):
    """Điều 7.3: recording results is the homeroom teacher's; the principal asking while marks are still missing
    is told it is not theirs to record, not which marks are missing (a refusal names the right, first)."""
    with pytest.raises(PermissionDenied):
        results.record_results(db, principal, marks.class_id)
    with pytest.raises(ValidationError, match="thiếu dữ liệu"):
        results.record_results(db, marks.teacher, marks.class_id)
    assert _stored(db, marks.class_id) == {}


def test_absences_never_keep_a_pupil_back(db, marks, principal):
    """TT27 (vn-primary-rules §1.7): absences are not a promotion criterion in primary school. A pupil absent without
    leave for ten school days in November still completes with HTXS, and may not be kept back."""
    november = [D(2026, 11, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13)]
    for day in november:
        attendance.take_roll(db, marks.teacher, marks.class_id, day, "sang", {marks.an: ("K", "")},
                             on=D(2026, 11, 30))
    view = attendance.month_view(db, marks.teacher, marks.class_id, "2026-11")
    assert next(r for r in view.rows if r.pupil_id == marks.an).month.unexcused == 10
    _only_an(db, marks)
    _fill_year_end(db, marks.class_id, 4, marks.an)
    [an] = results.evaluate_class(db, principal, marks.class_id, on=YEAR_END)
    assert (an.overall, an.completes, an.award) == ("HTXS", True, "XUAT_SAC")
    results.record_results(db, marks.teacher, marks.class_id)
    with pytest.raises(ValidationError, match="được lên lớp"):
        results.decide_promotion(db, principal, marks.class_id, marks.an, "o_lai")
    results.decide_promotion(db, principal, marks.class_id, marks.an, "len_lop")


@pytest.fixture
def grade_five(db, people, year_id):
    class_id = school.create_class(db, SYSTEM, year_id, "5A")
    done = pupils.add_pupil(db, SYSTEM, class_id, {"full_name": "Vũ Minh Đức", "date_of_birth": D(2015, 4, 2),
                                                   "gender": "Nam"})
    not_yet = pupils.add_pupil(db, SYSTEM, class_id, {"full_name": "Hà Thị Yến", "date_of_birth": D(2015, 8, 9),
                                                      "gender": "Nữ"})
    _fill_year_end(db, class_id, 5, done, score=8)
    _fill_year_end(db, class_id, 5, not_yet, score=4)
    results.record_results(db, SYSTEM, class_id)
    return class_id, done, not_yet


def test_grade_five_pupils_who_complete_are_recognised_as_completing_primary(db, principal, grade_five):
    """TT27 Điều 11 (vn-primary-rules §1.7): a grade-5 pupil who completes the grade (HTXS/HTT/HT) gets
    "Hoàn thành chương trình tiểu học"; one who has not completed it does not, until the re-assessment says so."""
    class_id, done, not_yet = grade_five
    outcome = {e.pupil_id: (e.overall, e.completes) for e in results.evaluate_class(db, principal, class_id)}
    assert outcome == {done: ("HTT", True), not_yet: ("CHT", False)}
    results.decide_promotion(db, principal, class_id, done, "hoan_thanh_tieu_hoc")
    with pytest.raises(ValidationError, match="chưa hoàn thành"):
        results.decide_promotion(db, principal, class_id, not_yet, "hoan_thanh_tieu_hoc")
    results.record_reassessment(db, SYSTEM, class_id, not_yet, "HT", D(2027, 8, 20))
    results.decide_promotion(db, principal, class_id, not_yet, "hoan_thanh_tieu_hoc")
    assert {k: v[2] for k, v in _stored(db, class_id).items()} == {done: "hoan_thanh_tieu_hoc",
                                                                  not_yet: "hoan_thanh_tieu_hoc"}


def test_the_summer_reassessment_is_for_pupils_not_completing_and_ends_on_31_august(db, marks, principal):
    """Regulation Điều 11.1.d: "Kết quả đánh giá lại … hoàn thiện trước 31 tháng 8": 31/08/2027 is still accepted,
    01/09 is not; and only a pupil who has not completed the grade is re-assessed (TT27 Điều 11)."""
    _only_an(db, marks)
    _fill_year_end(db, marks.class_id, 4, marks.an)
    results.record_results(db, marks.teacher, marks.class_id)
    with pytest.raises(ValidationError, match="Chưa hoàn thành"):
        results.record_reassessment(db, marks.teacher, marks.class_id, marks.an, "HT", D(2027, 8, 20))
    _fill_year_end(db, marks.class_id, 4, marks.an, score=4)
    results.record_results(db, marks.teacher, marks.class_id)
    with pytest.raises(ValidationError, match="31/8/2027"):
        results.record_reassessment(db, marks.teacher, marks.class_id, marks.an, "HT", D(2027, 9, 1))
    results.record_reassessment(db, marks.teacher, marks.class_id, marks.an, "HT", D(2027, 8, 31))
    [an] = results.evaluate_class(db, principal, marks.class_id)
    assert (an.overall, an.reassessment, an.reassessed_on, an.completes) == ("CHT", "HT", D(2027, 8, 31), True)
