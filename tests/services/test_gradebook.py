"""Entering marks: permissions, validation, deadlines (across Tết), every lock scope, traits."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from nk_desktop.actor import SYSTEM
from nk_desktop.errors import Locked, PermissionDenied
from nk_desktop.models.gradebook import SubjectResult
from nk_desktop.services import gradebook, pupils, school
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Role

D = dt.date
IN_TERM_1 = D(2026, 11, 30)  # week 13 of 2026-2027: GK1 (week 8) closed, CK1 (week 17) open


@pytest.fixture
def marks(db, people, year_id):
    """4A with three pupils; its homeroom teacher teaches Toán and Đạo đức there."""
    class Marks:
        pass

    m = Marks()
    m.teacher = people.actors[Role.GV_CHU_NHIEM]
    m.other_teacher = people.actors[Role.GV_BO_MON]
    with db.read() as session:
        m.math = school.subject_by_name(session, "Toán").id
        m.ethics = school.subject_by_name(session, "Đạo đức").id
        m.music = school.subject_by_name(session, "Âm nhạc").id
    school.assign_teacher(db, SYSTEM, people.class_4a, m.math, m.teacher.staff_id)
    school.assign_teacher(db, SYSTEM, people.class_4a, m.ethics, m.teacher.staff_id)
    m.pupils = [pupils.add_pupil(db, SYSTEM, people.class_4a, {"full_name": name, "date_of_birth": D(2016, 1, 1 + n),
                                                                "gender": g})
                for n, (name, g) in enumerate([("Đặng Thị Hoà", "Nữ"), ("Nguyễn Văn An", "Nam"), ("Lê Thị Ánh", "Nữ")])]
    m.hoa, m.an, m.anh = m.pupils
    m.class_id = people.class_4a
    m.year_id = year_id
    return m


def _results(db):
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(SubjectResult))


def test_grid_in_official_order_with_test_columns(db, marks):
    grid = gradebook.subject_grid(db, marks.teacher, marks.class_id, marks.math, "CK1", on=IN_TERM_1)
    assert [r.full_name for r in grid.rows] == ["Nguyễn Văn An", "Lê Thị Ánh", "Đặng Thị Hoà"]
    assert grid.tested and grid.may_edit and grid.window.any_open
    assert not gradebook.subject_grid(db, marks.teacher, marks.class_id, marks.ethics, "CK1", on=IN_TERM_1).tested


def test_teacher_saves_a_block_and_bad_cells_are_refused_with_reasons(db, marks):
    result = gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1", [
        CellEdit(marks.an, "level", "T"), CellEdit(marks.an, "score", "9"), CellEdit(marks.an, "comment", "Tính nhanh"),
        CellEdit(marks.anh, "score", "7,5"), CellEdit(marks.hoa, "score", "11"), CellEdit(marks.hoa, "level", "Đ"),
    ], on=IN_TERM_1)
    assert result.saved == 3
    reasons = {(r.pupil_id, r.field): r.reason for r in result.refused}
    assert "phần thập phân" in reasons[(marks.anh, "score")]
    assert "ngoài thang" in reasons[(marks.hoa, "score")]
    assert "không phải mức đánh giá môn học" in reasons[(marks.hoa, "level")]
    grid = gradebook.subject_grid(db, marks.teacher, marks.class_id, marks.math, "CK1", on=IN_TERM_1)
    an = [r for r in grid.rows if r.pupil_id == marks.an][0]
    assert (an.level, an.score, an.comment) == ("HTT", 9, "Tính nhanh")


def test_saving_the_same_values_again_changes_nothing(db, marks):
    edits = [CellEdit(marks.an, "level", "H"), CellEdit(marks.an, "score", 0)]
    assert gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1", edits,
                                        on=IN_TERM_1).saved == 2
    again = gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1", edits, on=IN_TERM_1)
    assert (again.saved, again.unchanged) == (0, 2)


def test_no_score_where_the_circular_sets_no_test(db, marks):
    result = gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.ethics, "CK1",
                                          [CellEdit(marks.an, "score", "8")], on=IN_TERM_1)
    assert "không có bài kiểm tra định kì" in result.refused[0].reason
    # Grade 4 Toán is tested at mid-term too (TT27 Điều 7.1), Đạo đức never.
    assert gradebook.subject_grid(db, marks.teacher, marks.class_id, marks.math, "GK2", on=IN_TERM_1).tested


def test_only_the_assigned_teacher_enters_the_subject(db, marks, people, principal):
    before = _results(db)
    for actor in (marks.other_teacher, principal, people.actors[Role.PHO_HIEU_TRUONG]):
        with pytest.raises(PermissionDenied):
            gradebook.save_subject_cells(db, actor, marks.class_id, marks.math, "CK1",
                                         [CellEdit(marks.an, "level", "T")], on=IN_TERM_1)
    with pytest.raises(PermissionDenied):  # the homeroom teacher does not teach music here
        gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.music, "CK1",
                                     [CellEdit(marks.an, "level", "T")], on=IN_TERM_1)
    assert _results(db) == before
    # Reading: leaders and the class's teachers; not another class's teacher.
    gradebook.subject_grid(db, principal, marks.class_id, marks.math, "CK1", on=IN_TERM_1)
    with pytest.raises(PermissionDenied):
        gradebook.subject_grid(db, marks.other_teacher, marks.class_id, marks.math, "CK1")


def test_the_secretary_may_enter_test_scores_only(db, marks, people):
    clerk = people.actors[Role.VAN_THU]
    done = gradebook.save_subject_cells(db, clerk, marks.class_id, marks.math, "CK1",
                                        [CellEdit(marks.an, "score", 8)], on=IN_TERM_1)
    assert done.saved == 1
    with pytest.raises(PermissionDenied):
        gradebook.save_subject_cells(db, clerk, marks.class_id, marks.math, "CK1",
                                     [CellEdit(marks.an, "level", "T")], on=IN_TERM_1)


def test_regular_levels_close_at_the_end_of_the_set_week(db, marks, principal):
    # Week 8 of 2026-2027 is 26/10–01/11/2026.
    edit = [CellEdit(marks.an, "level", "T")]
    assert gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "GK1", edit,
                                        on=D(2026, 11, 1)).saved == 1
    with pytest.raises(Locked, match="quá hạn nhập"):
        gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "GK1",
                                     [CellEdit(marks.an, "level", "H")], on=D(2026, 11, 2))
    # The principal moves the deadline to week 9 (Điều 11.1.a).
    with pytest.raises(PermissionDenied):
        gradebook.set_entry_week(db, marks.teacher, marks.year_id, "GK1", 9)
    gradebook.set_entry_week(db, principal, marks.year_id, "GK1", 9)
    assert gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "GK1",
                                        [CellEdit(marks.an, "level", "H")], on=D(2026, 11, 2)).saved == 1


def test_scores_are_due_ten_working_days_after_the_test_across_tet(db, marks, principal):
    # GK2 test on Monday 1/2/2027; Tết 2027 takes 4–5/2 and 8–10/2: due Monday 22/2/2027.
    gradebook.set_test_date(db, principal, marks.year_id, 4, marks.math, "GK2", D(2027, 2, 1))
    with db.read() as session:
        year = school.current_year(session, D(2027, 2, 1))
        assert gradebook.score_deadline(session, year, 4, marks.math, "GK2") == D(2027, 2, 22)
    score = [CellEdit(marks.an, "score", 8)]
    assert gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "GK2", score,
                                        on=D(2027, 2, 22)).saved == 1
    late = gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "GK2",
                                        [CellEdit(marks.an, "score", 9), CellEdit(marks.an, "level", "T")],
                                        on=D(2027, 2, 23))
    assert late.saved == 1 and "10 ngày làm việc" in late.refused[0].reason  # levels stay open to week 26


def test_test_dates_must_fit_the_curriculum(db, marks, principal):
    from nk_desktop.errors import ValidationError

    with pytest.raises(ValidationError, match="không có bài kiểm tra định kì"):
        gradebook.set_test_date(db, principal, marks.year_id, 4, marks.ethics, "CK1", D(2027, 1, 5))
    with pytest.raises(ValidationError, match="ngoài năm học"):
        gradebook.set_test_date(db, principal, marks.year_id, 4, marks.math, "CK1", D(2027, 7, 5))


@pytest.mark.parametrize("scope", ["school", "grade", "class", "subject", "milestone", "class+subject+milestone"])
def test_every_lock_scope_binds_the_entry_path(db, marks, principal, scope):
    kwargs = {"school": {}, "grade": {"grade": 4}, "class": {"class_id": marks.class_id},
              "subject": {"subject_id": marks.math}, "milestone": {"milestone": "CK1"},
              "class+subject+milestone": {"class_id": marks.class_id, "subject_id": marks.math,
                                          "milestone": "CK1"}}[scope]
    gradebook.set_lock(db, principal, marks.year_id, locked=True, reason="Kiểm tra sổ", **kwargs)
    before = _results(db)
    with pytest.raises(Locked, match="đã khóa"):
        gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                     [CellEdit(marks.an, "level", "T")], on=IN_TERM_1)
    assert _results(db) == before
    gradebook.set_lock(db, principal, marks.year_id, locked=False, **kwargs)
    assert gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                        [CellEdit(marks.an, "level", "T")], on=IN_TERM_1).saved == 1


def test_locks_elsewhere_do_not_bind(db, marks, principal, people):
    gradebook.set_lock(db, principal, marks.year_id, locked=True, grade=5)
    gradebook.set_lock(db, principal, marks.year_id, locked=True, class_id=people.class_4b)
    gradebook.set_lock(db, principal, marks.year_id, locked=True, subject_id=marks.ethics)
    gradebook.set_lock(db, principal, marks.year_id, locked=True, milestone="GK2")
    assert gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                        [CellEdit(marks.an, "level", "T")], on=IN_TERM_1).saved == 1


def test_a_class_can_be_reopened_under_a_school_lock(db, marks, principal):
    gradebook.set_lock(db, principal, marks.year_id, locked=True)
    gradebook.set_lock(db, principal, marks.year_id, locked=False, class_id=marks.class_id, milestone="CK1",
                       reason="Mở cho lớp 4A nhập bù")
    assert gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                        [CellEdit(marks.an, "level", "T")], on=IN_TERM_1).saved == 1


def test_only_the_principal_and_db_admin_lock(db, marks, people):
    for role in (Role.GV_CHU_NHIEM, Role.PHO_HIEU_TRUONG, Role.VAN_THU):
        with pytest.raises(PermissionDenied):
            gradebook.set_lock(db, people.actors[role], marks.year_id, locked=True)
    gradebook.set_lock(db, people.actors[Role.QUAN_TRI_CSDL], marks.year_id, locked=True)


def test_traits_by_the_homeroom_teacher(db, marks):
    result = gradebook.save_trait_cells(db, marks.teacher, marks.class_id, "CK1", [
        CellEdit(marks.an, "level", "T", trait="CHAM_CHI"), CellEdit(marks.an, "level", "Đ", trait="NHAN_AI"),
        CellEdit(marks.an, "level", "H", trait="TRUNG_THUC"), CellEdit(marks.an, "level", "T", trait="XYZ"),
    ], on=IN_TERM_1)
    assert result.saved == 2 and len(result.refused) == 2
    grid = gradebook.trait_grid(db, marks.teacher, marks.class_id, "CK1", on=IN_TERM_1)
    an = [r for r in grid.rows if r.pupil_id == marks.an][0]
    assert an.levels == {"CHAM_CHI": "TOT", "NHAN_AI": "DAT"}
    with pytest.raises(PermissionDenied):
        gradebook.save_trait_cells(db, marks.other_teacher, marks.class_id, "CK1",
                                   [CellEdit(marks.an, "level", "T", trait="CHAM_CHI")], on=IN_TERM_1)


def test_pupils_outside_the_class_are_refused(db, marks, people):
    stranger = pupils.add_pupil(db, SYSTEM, people.class_4b, {"full_name": "Lê Văn Bình",
                                                               "date_of_birth": D(2016, 2, 2), "gender": "Nam"})
    result = gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                          [CellEdit(stranger, "level", "T")], on=IN_TERM_1)
    assert result.saved == 0 and "không thuộc lớp" in result.refused[0].reason


def test_marks_are_journaled_and_audited(db, marks, principal):
    from nk_desktop.services import audit

    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                 [CellEdit(marks.an, "score", 6)], on=IN_TERM_1)
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                 [CellEdit(marks.an, "score", 8)], on=IN_TERM_1)
    newest = audit.list_entries(db, principal, kind="marks")[0].sentence
    assert newest.startswith("Cô Gvchunhiem sửa Điểm KTĐK từ 6 thành 8 của Toán của Nguyễn Văn An (CK1, lớp 4A)")
