"""The review (Điều 4.3–4.4, 5.2–5.3): completion board, distributions, anomalies on crafted histories, targets.

Histories are made through the real entry path (``gradebook.save_subject_cells``), so the
audit log is the one the app writes.  Where a check depends on *when* edits happened (near a
deadline, after a reassignment), the capture clock is moved with ``monkeypatch``.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from nk_desktop.actor import SYSTEM
from nk_desktop.models.gradebook import SubjectResult
from nk_desktop.errors import PermissionDenied, ValidationError
from nk_desktop.services import gradebook, pupils, review, school
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Role
from nk_desktop.sync import capture

D = dt.date
IN_TERM_1 = D(2026, 11, 30)  # week 13 of 2026-2027: GK1 (week 8, ends 01/11/2026) closed, CK1 (week 17) open
GK1_DUE = D(2026, 11, 1)


@pytest.fixture
def marks(db, people, year_id):
    """4A (homeroom: GV_CHU_NHIEM, who teaches Toán and Đạo đức there) with three pupils; Tổ 4 led by the TT."""
    class Marks:
        pass

    m = Marks()
    m.teacher = people.actors[Role.GV_CHU_NHIEM]
    m.other_teacher = people.actors[Role.GV_BO_MON]
    m.head = people.actors[Role.TO_TRUONG_CM]
    m.vice = people.actors[Role.PHO_HIEU_TRUONG]
    with db.read() as session:
        m.math = school.subject_by_name(session, "Toán").id
        m.ethics = school.subject_by_name(session, "Đạo đức").id
    school.assign_teacher(db, SYSTEM, people.class_4a, m.math, m.teacher.staff_id)
    school.assign_teacher(db, SYSTEM, people.class_4a, m.ethics, m.teacher.staff_id)
    m.pupils = [pupils.add_pupil(db, SYSTEM, people.class_4a, {"full_name": name, "date_of_birth": D(2016, 1, 1 + n),
                                                                "gender": g})
                for n, (name, g) in enumerate([("Đặng Thị Hoà", "Nữ"), ("Nguyễn Văn An", "Nam"), ("Lê Thị Ánh", "Nữ")])]
    m.hoa, m.an, m.anh = m.pupils
    m.class_id, m.class_4b, m.year_id = people.class_4a, people.class_4b, year_id
    m.group = school.create_group(db, SYSTEM, year_id, "Tổ 4", head_id=m.head.staff_id,
                                  member_ids=[m.teacher.staff_id])
    return m


def save(db, actor, m, milestone, edits, *, subject=None, on=IN_TERM_1, class_id=None):
    return gradebook.save_subject_cells(db, actor, class_id or m.class_id, subject or m.math, milestone,
                                        [CellEdit(p, f, v) for p, f, v in edits], on=on)


def kinds(found):
    return sorted({a.kind for a in found})


@pytest.fixture
def clock(monkeypatch):
    """Move the audit log's clock: ``clock.set(stamp)``; each later write is one minute after the previous."""
    class Clock:
        def set(self, start: dt.datetime):
            ticks = itertools.count()
            monkeypatch.setattr(capture, "utcnow", lambda: start + dt.timedelta(minutes=next(ticks)))
    return Clock()


# --- permissions -------------------------------------------------------------------------------------

def test_a_homeroom_teacher_cannot_open_the_review(db, marks):
    for call in (lambda: review.completion_board(db, marks.teacher, marks.year_id, "CK1"),
                 lambda: review.distribution(db, marks.teacher, marks.year_id, "CK1"),
                 lambda: review.anomalies(db, marks.teacher, marks.year_id),
                 lambda: review.list_targets(db, marks.teacher, marks.year_id),
                 lambda: review.missed_targets(db, marks.teacher, marks.year_id, "CK1")):
        with pytest.raises(PermissionDenied, match="giám sát việc nhập điểm"):
            call()


def test_a_group_head_without_a_group_is_refused(db, people, year_id):
    with pytest.raises(PermissionDenied):
        review.completion_board(db, people.actors[Role.TO_TRUONG_CM], year_id, "CK1")


def test_a_group_head_sees_only_the_groups_classes(db, marks, principal):
    p4b = pupils.add_pupil(db, SYSTEM, marks.class_4b, {"full_name": "Vũ Minh Châu", "date_of_birth": D(2016, 8, 9),
                                                         "gender": "Nữ"})
    save(db, SYSTEM, marks, "CK1", [(marks.an, "score", 6)])
    save(db, SYSTEM, marks, "CK1", [(p4b, "score", 9)], class_id=marks.class_4b)
    board = review.completion_board(db, marks.head, marks.year_id, "CK1", on=IN_TERM_1)
    assert {r.class_name for r in board.rows} == {"4A"}
    assert {r.class_name for r in review.completion_board(db, principal, marks.year_id, "CK1", on=IN_TERM_1).rows} \
        == {"4A", "4B"}
    spread = review.distribution(db, marks.head, marks.year_id, "CK1")
    assert [c.label for c in spread.classes] == ["Lớp 4A"]
    assert spread.school.label == "Các lớp của tổ" and spread.school.scored == 1
    assert review.distribution(db, marks.vice, marks.year_id, "CK1").school.scored == 2


# --- completion board -------------------------------------------------------------------------------

def test_completion_counts_against_hand_made_data(db, marks):
    save(db, marks.teacher, marks, "CK1", [(marks.an, "level", "T"), (marks.an, "score", 9),
                                           (marks.anh, "level", "H")])
    save(db, marks.teacher, marks, "CK1", [(p, "level", "H") for p in marks.pupils], subject=marks.ethics)
    gradebook.save_trait_cells(db, marks.teacher, marks.class_id, "CK1",
                               [CellEdit(marks.an, "level", "T", trait=t) for t in review.rules.TRAIT_NAMES],
                               on=IN_TERM_1)
    board = review.completion_board(db, marks.vice, marks.year_id, "CK1", on=IN_TERM_1)
    rows = {r.subject_name: r for r in board.rows if r.class_name == "4A"}
    math, ethics, traits = rows["Toán"], rows["Đạo đức"], rows["Phẩm chất, năng lực"]
    assert (math.pupils, math.levels, math.scores, math.missing, math.status) == (3, 2, 1, 2, "Còn thiếu 2")
    assert math.teacher_name == "Trần Thị Gvchunhiem"
    assert math.level_deadline == board.level_deadline > IN_TERM_1 and math.score_deadline is None
    assert (ethics.scores, ethics.status, ethics.state) == (None, "Đủ", "done")
    assert (traits.levels, traits.status) == (1, "Còn thiếu 2")
    assert rows["Âm nhạc"].status == "Còn thiếu 3" and rows["Âm nhạc"].teacher_name == ""
    # Parts are listed separately, in book order; the traits row last.
    names = [r.subject_name for r in board.rows if r.class_name == "4A"]
    assert names.index("Âm nhạc") + 1 == names.index("Mĩ thuật") and names[-1] == "Phẩm chất, năng lực"
    teacher = next(t for t in board.teachers if t.teacher_id == marks.teacher.staff_id)
    # Toán, Đạo đức and the traits are hers (homeroom): one row done, two with 2 pupils missing each.
    assert (teacher.rows, teacher.done, teacher.missing_rows, teacher.overdue_rows, teacher.missing) == (3, 1, 2, 0, 4)


def test_after_the_deadline_a_row_is_overdue(db, marks):
    save(db, marks.teacher, marks, "GK1", [(marks.an, "level", "T"), (marks.an, "score", 8)], on=GK1_DUE)
    board = review.completion_board(db, marks.vice, marks.year_id, "GK1", on=IN_TERM_1)
    math = next(r for r in board.rows if r.subject_name == "Toán" and r.class_name == "4A")
    assert (math.state, math.status, math.missing) == ("overdue", "Quá hạn, thiếu 2", 2)
    assert board.counted_on == GK1_DUE
    before = review.completion_board(db, marks.vice, marks.year_id, "GK1", on=D(2026, 10, 30))
    assert next(r for r in before.rows if r.subject_name == "Toán" and r.class_name == "4A").status == "Còn thiếu 2"


def test_scores_are_expected_once_the_test_is_sat(db, marks, principal):
    gradebook.set_test_date(db, principal, marks.year_id, 4, marks.math, "CK1", D(2026, 12, 22))
    save(db, marks.teacher, marks, "CK1", [(p, "level", "H") for p in marks.pupils])

    def math_row(on):
        board = review.completion_board(db, marks.vice, marks.year_id, "CK1", on=on)
        return next(r for r in board.rows if r.subject_name == "Toán" and r.class_name == "4A")

    before = math_row(IN_TERM_1)
    assert (before.test_day, before.scores, before.status) == (D(2026, 12, 22), 0, "Đủ")
    assert before.score_deadline == D(2027, 1, 6)  # 10 working days, New Year's Day skipped
    assert math_row(D(2026, 12, 23)).status == "Còn thiếu 3"
    late = math_row(D(2027, 1, 7))
    assert (late.state, late.status) == ("overdue", "Quá hạn, thiếu 3")


def test_a_pupil_who_joined_after_the_deadline_is_not_missing(db, marks):
    save(db, marks.teacher, marks, "GK1", [(p, "level", "H") for p in marks.pupils], on=GK1_DUE,
         subject=marks.ethics)
    pupils.add_pupil(db, SYSTEM, marks.class_id, {"full_name": "Phạm Văn Bình", "date_of_birth": D(2016, 5, 5),
                                                   "gender": "Nam"}, start_date=D(2026, 11, 10),
                     start_reason="chuyen_den", came_from="Trường Tiểu học Lạc Viên")
    board = review.completion_board(db, marks.vice, marks.year_id, "GK1", on=IN_TERM_1)
    ethics = next(r for r in board.rows if r.subject_name == "Đạo đức" and r.class_name == "4A")
    assert (ethics.pupils, ethics.status) == (3, "Đủ")


# --- distribution ---------------------------------------------------------------------------------------

def test_distribution_counts_scores_and_levels(db, marks, principal):
    save(db, marks.teacher, marks, "CK1", [(marks.an, "level", "T"), (marks.an, "score", 10),
                                           (marks.anh, "level", "H"), (marks.anh, "score", 7),
                                           (marks.hoa, "level", "C"), (marks.hoa, "score", 0)])
    save(db, marks.teacher, marks, "GK1", [(marks.an, "score", 7), (marks.an, "level", "H")], on=GK1_DUE)
    spread = review.distribution(db, principal, marks.year_id, "CK1")
    assert spread.school.scores == (1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1)
    assert spread.school.levels == (1, 1, 1)
    assert spread.school.label == "Toàn trường"
    assert spread.school.mean == pytest.approx(17 / 3)
    assert spread.school.share_completed == pytest.approx(2 / 3)
    assert [(c.label, c.scored) for c in spread.classes] == [("Lớp 4A", 3)]
    assert [(t.label, t.scored) for t in spread.teachers] == [("Trần Thị Gvchunhiem", 3)]
    every = review.distribution(db, principal, marks.year_id)  # all four milestones
    assert every.school.scores[7] == 2 and every.school.scored == 4
    assert review.distribution(db, principal, marks.year_id, "CK1", grade=4).school.label == "Khối 4"
    assert review.distribution(db, principal, marks.year_id, "CK1", grade=3).school.scored == 0
    assert review.distribution(db, principal, marks.year_id, "CK1", subject_id=marks.ethics).school.scored == 0
    # Narrowing to a class or a teacher keeps the school as the base to compare with.
    narrow = review.distribution(db, principal, marks.year_id, "CK1", teacher_id=marks.other_teacher.staff_id)
    assert narrow.school.scored == 3 and narrow.classes == [] and narrow.teachers == []


# --- anomalies -------------------------------------------------------------------------------------------

def test_a_clean_history_gives_no_anomaly(db, marks, principal):
    save(db, marks.teacher, marks, "CK1", [(marks.an, "level", "T"), (marks.an, "score", 9),
                                           (marks.anh, "level", "H"), (marks.anh, "score", 7)])
    save(db, marks.teacher, marks, "CK1", [(marks.an, "comment", "Tính nhanh")])
    save(db, marks.teacher, marks, "CK1", [(marks.anh, "score", 8)])  # one correction before the deadline
    assert review.anomalies(db, principal, marks.year_id) == []


def test_a_cell_changed_many_times(db, marks, principal):
    for score in (7, 9, 5, 9):
        save(db, marks.teacher, marks, "CK1", [(marks.an, "score", score)])
    found = review.anomalies(db, principal, marks.year_id)
    assert kinds(found) == ["many_changes"]
    sentence = found[0].sentence
    assert sentence.startswith("Kết quả môn Toán của Nguyễn Văn An (lớp 4A, Cuối học kì I) bị sửa 3 lần")
    assert sentence.endswith(": điểm 7 → 9 → 5 → 9; người sửa: Cô Gvchunhiem (gv.chu.nhiem).")
    assert found[0].kind_label == "Sửa nhiều lần"


def test_two_changes_are_not_many(db, marks, principal):
    for level in ("T", "H", "T"):
        save(db, marks.teacher, marks, "CK1", [(marks.an, "level", level)])
    assert review.anomalies(db, principal, marks.year_id) == []


def test_a_score_deleted_then_entered_again(db, marks, principal):
    save(db, marks.teacher, marks, "CK1", [(marks.anh, "score", 4)])
    save(db, marks.teacher, marks, "CK1", [(marks.anh, "score", "")])
    save(db, marks.teacher, marks, "CK1", [(marks.anh, "score", 8)])
    found = review.anomalies(db, principal, marks.year_id)
    assert kinds(found) == ["deleted_reentered"]
    assert found[0].sentence.startswith("Điểm KTĐK môn Toán của Lê Thị Ánh (lớp 4A, Cuối học kì I) đang là 4 thì bị "
                                        "Cô Gvchunhiem (gv.chu.nhiem) xóa lúc ")
    assert ", rồi nhập lại 8 lúc " in found[0].sentence


def test_a_deleted_score_left_empty_is_not_reentered(db, marks, principal):
    save(db, marks.teacher, marks, "CK1", [(marks.anh, "score", 4)])
    save(db, marks.teacher, marks, "CK1", [(marks.anh, "score", "")])
    assert review.anomalies(db, principal, marks.year_id) == []


@pytest.fixture
def grade_four(db, marks):
    """4A (her class), 4B and 4C (Toán by GV_BO_MON), six pupils each: the spread of a grade."""
    class_4c = school.create_class(db, SYSTEM, marks.year_id, "4C")
    classes = {"4A": marks.class_id, "4B": marks.class_4b, "4C": class_4c}
    for name in ("4B", "4C"):
        school.assign_teacher(db, SYSTEM, classes[name], marks.math, marks.other_teacher.staff_id)
    roll = {}
    for name, class_id in classes.items():
        roll[name] = [pupils.add_pupil(db, SYSTEM, class_id, {
            "full_name": f"Học Sinh {name} {chr(65 + n)}", "date_of_birth": D(2016, 2, 1 + n), "gender": "Nam"})
            for n in range(6)]
    return classes, roll


def _scores(db, marks, class_id, roll, scores, levels):
    save(db, SYSTEM, marks, "CK1", [(p, "score", s) for p, s in zip(roll, scores)]
         + [(p, "level", lv) for p, lv in zip(roll, levels)], class_id=class_id)


def test_a_class_and_a_teacher_far_from_the_grade(db, marks, principal, grade_four):
    classes, roll = grade_four
    _scores(db, marks, classes["4A"], roll["4A"], [9, 10, 9, 10, 9, 10], "TTTTTT")
    _scores(db, marks, classes["4B"], roll["4B"], [4, 5, 3, 4, 5, 4], "CCCCCC")
    _scores(db, marks, classes["4C"], roll["4C"], [5, 4, 5, 4, 5, 4], "HHHHHH")
    found = review.anomalies(db, principal, marks.year_id)
    assert kinds(found) == ["outlier"]
    sentences = [a.sentence for a in found]
    # Grade mean (9.5·6 + 4.17·6 + 4.5·6) / 18 = 6.06.
    assert ("Lớp 4A, môn Toán, Cuối học kì I: điểm KTĐK trung bình 9,5, cao hơn mặt bằng khối 4 (6,1) 3,4 điểm "
            "(giáo viên: Trần Thị Gvchunhiem).") in sentences
    assert any(s.startswith("Lớp 4B, môn Toán, Cuối học kì I: điểm KTĐK trung bình 4,2, thấp hơn") for s in sentences)
    assert ("Lớp 4B, môn Toán, Cuối học kì I: 100,0% học sinh Chưa hoàn thành (6/6), gấp 3,0 lần tỉ lệ chung của "
            "khối 4 (33,3%) (giáo viên: Trần Thị Gvbomon).") in sentences
    teacher = [s for s in sentences if s.startswith("Trần Thị Gvbomon, môn Toán")]
    assert teacher and "(các lớp 4B, 4C)" in teacher[0] and "thấp hơn mặt bằng chung" in teacher[0]


def test_classes_close_to_each_other_are_not_outliers(db, marks, principal, grade_four):
    classes, roll = grade_four
    for name, scores in (("4A", [8, 7, 9, 8, 7, 8]), ("4B", [7, 8, 8, 7, 9, 7]), ("4C", [8, 8, 7, 9, 8, 7])):
        _scores(db, marks, classes[name], roll[name], scores, "HHHHTC")
    assert review.anomalies(db, principal, marks.year_id) == []


def test_a_burst_of_edits_just_before_the_deadline(db, marks, principal, clock):
    clock.set(dt.datetime(2026, 11, 1, 13, 0))  # 20:00 on the last day of GK1 (Vietnam time)
    for level in ("T", "H", "T", "H"):
        save(db, marks.teacher, marks, "GK1", [(p, "level", level) for p in marks.pupils], on=GK1_DUE)
    found = [a for a in review.anomalies(db, principal, marks.year_id) if a.kind == "burst"]
    assert len(found) == 1
    assert found[0].sentence == (
        "Cô Gvchunhiem (gv.chu.nhiem) sửa 12 ô trong vòng 1 giờ (từ 20:01 đến 20:07 ngày 01/11/2026), trong 24 giờ "
        "cuối trước hạn nhập Giữa học kì I (01/11/2026): lớp 4A — Toán.")


def test_the_same_edits_long_before_the_deadline_are_no_burst(db, marks, principal, clock):
    clock.set(dt.datetime(2026, 10, 20, 13, 0))
    for level in ("T", "H", "T", "H"):
        save(db, marks.teacher, marks, "GK1", [(p, "level", level) for p in marks.pupils], on=D(2026, 10, 20))
    assert "burst" not in kinds(review.anomalies(db, principal, marks.year_id))


def test_edits_right_after_an_unlock(db, marks, principal):
    save(db, marks.teacher, marks, "CK1", [(marks.an, "level", "H")])
    gradebook.set_lock(db, principal, marks.year_id, locked=True, class_id=marks.class_id, milestone="CK1",
                       reason="Khóa sổ kiểm tra")
    gradebook.set_lock(db, principal, marks.year_id, locked=False, class_id=marks.class_id, milestone="CK1",
                       reason="Mở cho cô Gvchunhiem sửa nhận xét")
    save(db, marks.teacher, marks, "CK1", [(marks.an, "level", "T"), (marks.anh, "level", "H")])
    found = review.anomalies(db, principal, marks.year_id)
    assert kinds(found) == ["after_unlock"]
    sentence = found[0].sentence
    assert sentence.startswith("Trong 24 giờ sau khi hieutruong mở khóa sổ điểm lớp 4A, Cuối học kì I lúc ")
    assert "(lí do: Mở cho cô Gvchunhiem sửa nhận xét), Cô Gvchunhiem (gv.chu.nhiem) đã sửa 2 ô" in sentence
    assert sentence.endswith(": lớp 4A — Toán.")
    # Locking again later with another reason does not change what was said when unlocking.
    gradebook.set_lock(db, principal, marks.year_id, locked=True, class_id=marks.class_id, milestone="CK1",
                       reason="Đã sửa xong")
    assert "(lí do: Mở cho cô Gvchunhiem sửa nhận xét)" in review.anomalies(db, principal, marks.year_id)[0].sentence


def test_a_lock_and_unlock_without_edits_after_it_is_clean(db, marks, principal):
    save(db, marks.teacher, marks, "CK1", [(marks.an, "level", "H")])
    gradebook.set_lock(db, principal, marks.year_id, locked=True, class_id=marks.class_id, milestone="CK1")
    gradebook.set_lock(db, principal, marks.year_id, locked=False, class_id=marks.class_id, milestone="CK1")
    assert review.anomalies(db, principal, marks.year_id) == []


def test_edits_by_someone_other_than_the_assigned_teacher(db, marks, principal, clock, people):
    # Toán 4A is handed to GV_BO_MON now; edits stamped two days later still come from the former teacher
    # (as when a PC that has not yet received the new assignment syncs its marks).
    school.assign_teacher(db, SYSTEM, marks.class_id, marks.math, marks.other_teacher.staff_id)
    clock.set(capture.utcnow() + dt.timedelta(days=2))
    with db.write(marks.teacher) as session:  # her PC's edit arriving, written under her account
        session.add(SubjectResult(year_id=marks.year_id, class_id=marks.class_id, pupil_id=marks.an,
                                  subject_id=marks.math, milestone="CK1", level="T", comment=""))
    found = review.anomalies(db, principal, marks.year_id, on=D(2026, 12, 5))
    assert kinds(found) == ["other_person"]
    assert found[0].sentence.startswith("Cô Gvchunhiem (gv.chu.nhiem) đã sửa 1 ô môn Toán lớp 4A (Cuối học kì I) lúc ")
    assert found[0].sentence.endswith("nhưng giáo viên được phân công là Trần Thị Gvbomon.")
    # The report as of a day before the edits does not see them.
    assert review.anomalies(db, principal, marks.year_id, on=D(2026, 11, 29)) == []


def test_the_secretary_entering_test_scores_is_expected(db, marks, principal, people):
    save(db, people.actors[Role.VAN_THU], marks, "CK1", [(p, "score", 8) for p in marks.pupils])
    assert review.anomalies(db, principal, marks.year_id) == []


def test_an_approved_correction_is_expected_but_the_admin_changing_a_score_is_not(db, marks, principal, people):
    from nk_desktop.services import corrections

    admin = people.actors[Role.QUAN_TRI_CSDL]
    save(db, marks.teacher, marks, "GK1", [(marks.an, "level", "H")], on=GK1_DUE)
    request = corrections.request_correction(
        db, marks.teacher, class_id=marks.class_id, pupil_id=marks.an, milestone="GK1", field="level", new_value="T",
        reason="Nhầm dòng", subject_id=marks.math, on=IN_TERM_1,
        evidence=[("so_ca_nhan", "so.jpg", b"a"), ("bai_kiem_tra", "bai.jpg", b"b")])
    corrections.decide_correction(db, principal, request, approve=True)
    corrections.apply_correction(db, admin, request)
    assert review.anomalies(db, principal, marks.year_id) == []
    save(db, admin, marks, "CK1", [(marks.anh, "score", 7)])  # the admin may import scores, but not mend them
    found = review.anomalies(db, principal, marks.year_id)
    assert kinds(found) == ["other_person"]
    assert "môn Toán lớp 4A (Cuối học kì I)" in found[0].sentence


def test_a_group_head_sees_only_anomalies_of_the_groups_classes(db, marks, principal, grade_four):
    classes, roll = grade_four
    for score in (7, 9, 5, 9):  # in 4B, not the group's class
        save(db, marks.other_teacher, marks, "CK1", [(roll["4B"][0], "score", score)], class_id=classes["4B"])
    assert kinds(review.anomalies(db, principal, marks.year_id)) == ["many_changes"]
    assert review.anomalies(db, marks.head, marks.year_id) == []


# --- targets (Điều 5.3) ------------------------------------------------------------------------------------

def test_targets_and_where_they_are_missed(db, marks, principal):
    save(db, marks.teacher, marks, "CK1", [(marks.an, "level", "T"), (marks.anh, "level", "H"),
                                           (marks.hoa, "level", "C")])
    save(db, marks.teacher, marks, "CK1", [(p, "level", "H") for p in marks.pupils], subject=marks.ethics)
    review.set_target(db, principal, marks.year_id, marks.group, "CK1", 60)  # every subject of the group
    review.set_target(db, marks.head, marks.year_id, marks.group, "CK1", 90, subject_id=marks.math)
    targets = review.list_targets(db, principal, marks.year_id)
    assert [(t.group_name, t.subject_name, t.milestone, t.min_share_completed) for t in targets] == [
        ("Tổ 4", "Mọi môn của tổ", "CK1", 60), ("Tổ 4", "Toán", "CK1", 90)]
    misses = review.missed_targets(db, marks.vice, marks.year_id, "CK1")
    assert [(m.class_name, m.subject_name, m.target, m.completed, m.assessed) for m in misses] == [
        ("4A", "Toán", 90, 2, 3)]
    assert misses[0].sentence == ("Lớp 4A, môn Toán (Cuối học kì I): 66,7% học sinh Hoàn thành trở lên (2/3), "
                                  "dưới chỉ tiêu 90% của Tổ 4 — giáo viên: Trần Thị Gvchunhiem.")
    # The subject's own target replaces the general one; removing it brings the general 60% back.
    review.set_target(db, principal, marks.year_id, marks.group, "CK1", None, subject_id=marks.math)
    assert review.missed_targets(db, principal, marks.year_id, "CK1") == []
    assert review.missed_targets(db, principal, marks.year_id, "GK1") == []


def test_who_may_set_a_target(db, marks, principal, people):
    for actor in (marks.vice, marks.teacher, people.actors[Role.QUAN_TRI_CSDL]):
        with pytest.raises(PermissionDenied):
            review.set_target(db, actor, marks.year_id, marks.group, "CK1", 80)
    other_group = school.create_group(db, SYSTEM, marks.year_id, "Tổ 5", head_id=marks.vice.staff_id,
                                      member_ids=[])
    with pytest.raises(PermissionDenied, match="tổ trưởng của Tổ 5"):
        review.set_target(db, marks.head, marks.year_id, other_group, "CK1", 80)
    for bad in (101, -1, 80.5, True):
        with pytest.raises(ValidationError, match="từ 0 đến 100"):
            review.set_target(db, principal, marks.year_id, marks.group, "CK1", bad)
    review.set_target(db, principal, marks.year_id, other_group, "CN", 95)
    assert [t.group_name for t in review.list_targets(db, marks.head, marks.year_id)] == []
    assert [g for _i, g in review.review_groups(db, marks.head, marks.year_id)] == ["Tổ 4"]
    assert [g for _i, g in review.review_groups(db, principal, marks.year_id)] == ["Tổ 4", "Tổ 5"]


def test_a_few_chts_that_chance_explains_are_not_reported(db, marks, principal, grade_four):
    classes, roll = grade_four
    # 4A has 3 CHT of 6 where the grade has 3 of 18: twice the share, but one time in ten by chance.
    _scores(db, marks, classes["4A"], roll["4A"], [7, 8, 7, 8, 7, 8], "CCCHHH")
    for name in ("4B", "4C"):
        _scores(db, marks, classes[name], roll[name], [7, 8, 7, 8, 7, 8], "HHHHHH")
    assert review._chance(3, 6, 3 / 18) > review.CHT_CHANCE
    assert review.anomalies(db, principal, marks.year_id) == []


def test_numbers_are_written_the_vietnamese_way():
    assert review.number(7.26) == "7,3" and review.number(6) == "6,0"
    assert review.percent(0.857) == "85,7%"
