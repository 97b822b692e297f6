"""The correction procedure (Điều 11.2) step by step, and the end-of-year results (Điều 9, 11, 13)."""

import datetime as dt

import pytest

from nk_desktop.errors import Locked, PermissionDenied, ValidationError
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services import corrections, gradebook, results, school
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Role

from .test_gradebook import IN_TERM_1, marks  # noqa: F401  (fixture)

D = dt.date
EVIDENCE = [("so_ca_nhan", "so-ca-nhan-trang-12.jpg", b"\xff\xd8photo"),
            ("bai_kiem_tra", "bai-kiem-tra-an.pdf", b"%PDF-1.4")]


def _enter_gk1(db, marks):
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "GK1",
                                 [CellEdit(marks.an, "level", "H")], on=D(2026, 10, 30))


def _request(db, marks, **kw):
    args = dict(class_id=marks.class_id, pupil_id=marks.an, milestone="GK1", field="level", new_value="T",
                reason="Nhập nhầm hàng", subject_id=marks.math, evidence=EVIDENCE, on=IN_TERM_1)
    args.update(kw)
    return corrections.request_correction(db, marks.teacher, **args)


def _level(db, marks, milestone="GK1"):
    grid = gradebook.subject_grid(db, marks.teacher, marks.class_id, marks.math, milestone, on=IN_TERM_1)
    return [r.level for r in grid.rows if r.pupil_id == marks.an][0]


def test_the_full_procedure(db, marks, principal, people):
    _enter_gk1(db, marks)
    request = _request(db, marks)
    corrections.decide_correction(db, principal, request, approve=True, remark="Đồng ý, có minh chứng")
    admin = people.actors[Role.QUAN_TRI_CSDL]
    assert corrections.apply_correction(db, admin, request) == []
    assert _level(db, marks) == "HTT"
    # Locked again at once: not even a new request can be applied twice, and direct entry stays closed.
    with db.read() as session:
        school_class = session.get(__import__("nk_desktop.models.school", fromlist=["SchoolClass"]).SchoolClass,
                                   marks.class_id)
        lock = gradebook.active_lock(session, school_class, marks.math, "GK1")
    assert lock.locked and "sau khi sửa" in lock.reason
    rows = corrections.list_requests(db, principal, marks.year_id)
    assert [(r.pupil_name, r.old_value, r.new_value, r.status) for r in rows] == [
        ("Nguyễn Văn An", "HT", "HTT", "Đã sửa")]


def test_a_cell_still_open_is_corrected_directly(db, marks):
    with pytest.raises(ValidationError, match="sửa trực tiếp"):
        _request(db, marks, milestone="CK1")


def test_evidence_and_reason_are_required(db, marks):
    _enter_gk1(db, marks)
    with pytest.raises(ValidationError, match="Thiếu minh chứng: Bài kiểm tra"):
        _request(db, marks, evidence=EVIDENCE[:1])
    with pytest.raises(ValidationError, match="lí do"):
        _request(db, marks, reason=" ")
    with pytest.raises(ValidationError, match="giống giá trị hiện có"):
        _request(db, marks, new_value="H")
    with pytest.raises(ValidationError, match="phần thập phân"):
        _request(db, marks, field="score", new_value="7,5")


def test_only_the_cells_teacher_requests(db, marks, people):
    _enter_gk1(db, marks)
    with pytest.raises(PermissionDenied):
        corrections.request_correction(db, marks.other_teacher, class_id=marks.class_id, pupil_id=marks.an,
                                       milestone="GK1", field="level", new_value="T", reason="x",
                                       subject_id=marks.math, evidence=EVIDENCE, on=IN_TERM_1)


def test_only_the_principal_decides_and_only_the_db_admin_applies(db, marks, principal, people):
    _enter_gk1(db, marks)
    request = _request(db, marks)
    for role in (Role.PHO_HIEU_TRUONG, Role.QUAN_TRI_CSDL, Role.GV_CHU_NHIEM):
        with pytest.raises(PermissionDenied):
            corrections.decide_correction(db, people.actors[role], request, approve=True)
    with pytest.raises(ValidationError, match="đã được Hiệu trưởng duyệt"):
        corrections.apply_correction(db, people.actors[Role.QUAN_TRI_CSDL], request)
    corrections.decide_correction(db, principal, request, approve=True)
    with pytest.raises(PermissionDenied):
        corrections.apply_correction(db, marks.teacher, request)
    with pytest.raises(ValidationError, match="đã được xử lí"):
        corrections.decide_correction(db, principal, request, approve=False, remark="Đổi ý")


def test_a_rejection_needs_a_remark_and_changes_nothing(db, marks, principal, people):
    _enter_gk1(db, marks)
    request = _request(db, marks)
    with pytest.raises(ValidationError, match="ghi ý kiến"):
        corrections.decide_correction(db, principal, request, approve=False)
    corrections.decide_correction(db, principal, request, approve=False, remark="Minh chứng không khớp")
    with pytest.raises(ValidationError, match="Không duyệt"):
        corrections.apply_correction(db, people.actors[Role.QUAN_TRI_CSDL], request)
    assert _level(db, marks) == "HT"


def test_apply_refuses_when_the_value_moved_since_the_request(db, marks, principal, people):
    _enter_gk1(db, marks)
    first = _request(db, marks)
    second = _request(db, marks, new_value="C", reason="Nhầm lần nữa")
    admin = people.actors[Role.QUAN_TRI_CSDL]
    for request in (first, second):
        corrections.decide_correction(db, principal, request, approve=True)
    corrections.apply_correction(db, admin, first)
    with pytest.raises(ValidationError, match="đã khác lúc lập biên bản"):
        corrections.apply_correction(db, admin, second)
    assert _level(db, marks) == "HTT"


def test_requests_close_one_week_before_the_end_of_term_test(db, marks, principal, people):
    _enter_gk1(db, marks)
    gradebook.set_test_date(db, principal, marks.year_id, 4, marks.math, "CK1", D(2026, 12, 28))
    _request(db, marks, on=D(2026, 12, 21))  # exactly one week before: still allowed
    with pytest.raises(Locked, match="một tuần trước kiểm tra cuối học kì"):
        _request(db, marks, on=D(2026, 12, 22), new_value="C")
    # Once the book is finalised and locked, Điều 11.2.b applies and the other books are listed.
    gradebook.set_lock(db, principal, marks.year_id, locked=True, class_id=marks.class_id, milestone="GK1",
                       reason="Hoàn tất sổ")
    late = _request(db, marks, on=D(2027, 1, 20), new_value="C")
    corrections.decide_correction(db, principal, late, approve=True)
    books = corrections.apply_correction(db, people.actors[Role.QUAN_TRI_CSDL], late)
    assert "Học bạ" in books and _level(db, marks) == "CHT"


# --- end of year ---------------------------------------------------------------------

def _fill_year_end(db, marks, *, music="T", trait="T", math_score=9, tv_score=10):
    """Every subject of grade 4 at CN for An (by the system, as if each teacher entered it)."""
    from nk_desktop.actor import SYSTEM

    with db.read() as session:
        subjects = school.grade_subjects(session, marks.year_id, 4)
    end = D(2027, 4, 30)  # week 34 ends 2/5/2027
    for subject, entry in subjects:
        level = music if subject.code == "AN" else "T"
        edits = [CellEdit(marks.an, "level", level)]
        if "CN" in entry.tested_milestones:
            edits.append(CellEdit(marks.an, "score", math_score if subject.code == "TOAN" else tv_score))
        gradebook.save_subject_cells(db, SYSTEM, marks.class_id, subject.id, "CN", edits, on=end)
    gradebook.save_trait_cells(db, SYSTEM, marks.class_id, "CN",
                               [CellEdit(marks.an, "level", trait, trait=code) for code, _n in rules.TRAITS], on=end)


def _evaluation(db, marks, actor):
    return {e.pupil_id: e for e in results.evaluate_class(db, actor, marks.class_id, on=D(2027, 4, 30))}


def test_evaluation_says_what_is_missing(db, marks, principal):
    an = _evaluation(db, marks, principal)[marks.an]
    assert an.overall is None and "thiếu Tiếng Việt" in an.reason


def test_evaluation_excellent_and_the_blocking_h_in_music(db, marks, principal):
    _fill_year_end(db, marks)
    an = _evaluation(db, marks, principal)[marks.an]
    assert (an.overall, an.award, an.completes) == ("HTXS", "XUAT_SAC", True)
    _fill_year_end(db, marks, music="H")
    an = _evaluation(db, marks, principal)[marks.an]
    assert an.overall == "HT" and "Âm nhạc" in an.reason and an.award == ""


def test_results_are_recorded_complete_then_approved_and_locked(db, marks, principal):
    _fill_year_end(db, marks)
    with pytest.raises(ValidationError, match="còn thiếu dữ liệu"):
        results.record_results(db, marks.teacher, marks.class_id)  # Hoà and Ánh have nothing yet
    with pytest.raises(ValidationError, match="chưa nhập đủ"):
        results.approve_results(db, principal, marks.class_id)


def test_a_past_tt22_year_is_never_recomputed(db, principal):
    from nk_desktop.models.school import SchoolYear

    year = SchoolYear(name="2022-2023", start_date=D(2022, 9, 5), end_date=D(2023, 5, 31), governing_body="")
    assert results.rule_set_for(year, 3) == "TT27-2020" and results.rule_set_for(year, 4) == "TT22-2016"
    assert results.rule_set_for(SchoolYear(name="2024-2025"), 5) == "TT27-2020"


def test_the_reassessment_window_is_the_summer_up_to_31_august(db, marks):
    first, last, offered = results.reassessment_days(db, marks.teacher, marks.class_id, on=D(2026, 11, 30))
    assert (first, last, offered) == (D(2027, 6, 1), D(2027, 8, 31), D(2027, 6, 1))  # the year ends 31/5/2027
    assert results.reassessment_days(db, marks.teacher, marks.class_id, on=D(2027, 7, 15))[2] == D(2027, 7, 15)
    assert results.reassessment_days(db, marks.teacher, marks.class_id, on=D(2027, 9, 10))[2] == D(2027, 8, 31)


def test_reassessment_before_31_august_and_the_principals_decision(db, marks, principal):
    _fill_year_end(db, marks, math_score=4)
    # Only An is evaluated here: record for a class of one by moving the others out first.
    from nk_desktop.services import pupils

    for other in (marks.hoa, marks.anh):
        pupils.transfer_out(db, principal, other, D(2027, 5, 1), "Trường khác")
    assert results.record_results(db, marks.teacher, marks.class_id) == 1
    an = _evaluation(db, marks, principal)[marks.an]
    assert an.overall == "CHT" and an.completes is False
    with pytest.raises(ValidationError, match="31/8/2027"):
        results.record_reassessment(db, marks.teacher, marks.class_id, marks.an, "HT", D(2027, 9, 1))
    results.record_reassessment(db, marks.teacher, marks.class_id, marks.an, "HT", D(2027, 8, 20))
    with pytest.raises(PermissionDenied):
        results.decide_promotion(db, marks.teacher, marks.class_id, marks.an, "len_lop")
    with pytest.raises(ValidationError, match="lớp 5"):
        results.decide_promotion(db, principal, marks.class_id, marks.an, "hoan_thanh_tieu_hoc")
    results.decide_promotion(db, principal, marks.class_id, marks.an, "len_lop")
    results.approve_results(db, principal, marks.class_id)
    with pytest.raises(Locked):
        gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CN",
                                     [CellEdit(marks.an, "score", 5)], on=D(2027, 4, 30))
    with pytest.raises(Locked, match="phê duyệt"):
        results.record_results(db, marks.teacher, marks.class_id)


def test_recognition_awards_and_the_decisions_follow_the_reassessment(db, marks, principal, people):
    _fill_year_end(db, marks, math_score=4)
    from nk_desktop.services import pupils

    for other in (marks.hoa, marks.anh):
        pupils.transfer_out(db, principal, other, D(2027, 5, 1), "Trường khác")
    with pytest.raises(ValidationError, match="ghi kết quả cuối năm"):  # nothing recorded yet
        results.set_recognition(db, marks.teacher, marks.class_id, marks.an, "Tiến bộ môn Toán")
    results.record_results(db, marks.teacher, marks.class_id)
    with pytest.raises(PermissionDenied):
        results.set_recognition(db, people.actors[Role.GV_BO_MON], marks.class_id, marks.an, "x")
    assert results.set_recognition(db, marks.teacher, marks.class_id, marks.an, "  Tiến  bộ ") == ""  # CHT: none
    an = _evaluation(db, marks, principal)[marks.an]
    assert (an.recorded, an.recognition, an.completes, an.reassessment) == (True, "Tiến bộ", False, "")
    with pytest.raises(ValidationError, match="đánh giá bổ sung"):  # ở lại only after the summer re-assessment
        results.decide_promotion(db, principal, marks.class_id, marks.an, "o_lai")
    with pytest.raises(ValidationError, match="chỉ được lên lớp"):
        results.decide_promotion(db, principal, marks.class_id, marks.an, "len_lop")
    with pytest.raises(ValidationError, match="Hoàn thành hoặc Chưa hoàn thành"):
        results.record_reassessment(db, marks.teacher, marks.class_id, marks.an, "HTXS", D(2027, 8, 20))
    results.record_reassessment(db, marks.teacher, marks.class_id, marks.an, "CHT", D(2027, 8, 20))
    with pytest.raises(ValidationError, match="chỉ được lên lớp"):
        results.decide_promotion(db, principal, marks.class_id, marks.an, "len_lop")
    results.decide_promotion(db, principal, marks.class_id, marks.an, "o_lai")
    results.record_reassessment(db, marks.teacher, marks.class_id, marks.an, "HT", D(2027, 8, 25))
    with pytest.raises(ValidationError, match="được lên lớp"):
        results.decide_promotion(db, principal, marks.class_id, marks.an, "o_lai")
    results.decide_promotion(db, principal, marks.class_id, marks.an, "len_lop")
    assert results.record_results(db, marks.teacher, marks.class_id) == 1  # recording again keeps completion
    an = _evaluation(db, marks, principal)[marks.an]
    assert (an.reassessment, an.reassessed_on, an.completes, an.decision) == ("HT", D(2027, 8, 25), True, "len_lop")
    results.approve_results(db, principal, marks.class_id)
    with pytest.raises(Locked, match="phê duyệt"):
        results.set_recognition(db, marks.teacher, marks.class_id, marks.an, "Muộn")
