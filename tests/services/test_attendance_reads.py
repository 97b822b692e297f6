"""``roll_days``: each session of each day, what may change, and the same refusals as ``take_roll``."""

import datetime as dt

import pytest

from nk_desktop.actor import SYSTEM
from nk_desktop.errors import PermissionDenied
from nk_desktop.services import attendance, pupils
from nk_desktop.services.permissions import Role

D = dt.date
NOV_30 = D(2026, 11, 30)


@pytest.fixture
def klass(db, people):
    teacher = people.actors[Role.GV_CHU_NHIEM]

    def add(name, **kw):
        return pupils.add_pupil(db, SYSTEM, people.class_4a, {"full_name": name, "date_of_birth": D(2016, 5, 5),
                                                               "gender": "Nam"}, **kw)

    an, binh = add("Nguyễn Văn An"), add("Phạm Văn Bình", start_date=D(2026, 11, 16), start_reason="chuyen_den",
                                           came_from="Trường Tiểu học Kim Đồng")
    attendance.take_roll(db, teacher, people.class_4a, D(2026, 11, 3), "sang", {an: ("K", "")}, on=NOV_30)
    attendance.take_roll(db, teacher, people.class_4a, D(2026, 11, 3), "chieu", {an: ("P", "Ốm")}, on=NOV_30)
    attendance.take_roll(db, teacher, people.class_4a, D(2026, 11, 16), "sang", {binh: ("M", "")}, on=NOV_30)
    return teacher, people.class_4a, an, binh


def test_sessions_marks_and_enrolment_day_by_day(db, klass):
    teacher, class_id, an, binh = klass
    found = attendance.roll_days(db, teacher, class_id, D(2026, 11, 1), NOV_30, on=NOV_30)
    assert found.may_take and found.class_name == "4A" and [n for _i, n in found.pupils] == [
        "Nguyễn Văn An", "Phạm Văn Bình"]
    third = found.days[D(2026, 11, 3)]
    assert third.sessions == ("sang", "chieu")  # morning first
    assert third.marks == {(an, "sang"): ("K", ""), (an, "chieu"): ("P", "Ốm")}
    assert third.enrolled == {an} and found.days[D(2026, 11, 16)].enrolled == {an, binh}
    assert found.days[D(2026, 11, 16)].marks == {(binh, "sang"): ("M", "")}
    assert found.days[D(2026, 11, 4)].sessions == () and found.days[D(2026, 11, 4)].problem == ""


def test_problems_are_the_ones_take_roll_gives(db, klass, people):
    teacher, class_id, _an, _binh = klass
    on = D(2026, 11, 20)
    found = attendance.roll_days(db, teacher, class_id, D(2026, 11, 1), NOV_30, on=on)
    assert "Chủ nhật" in found.days[D(2026, 11, 1)].problem
    assert "Chưa đến ngày" in found.days[D(2026, 11, 23)].problem
    attendance.confirm_month(db, teacher, class_id, "2026-11", on=NOV_30)
    found = attendance.roll_days(db, teacher, class_id, D(2026, 11, 1), NOV_30, on=NOV_30)
    assert "đã chốt" in found.days[D(2026, 11, 3)].problem
    with db.read() as session:
        year = session.get(attendance.SchoolYear, session.get(attendance.SchoolClass, class_id).year_id)
        for day, rolls in found.days.items():
            expected = attendance.school_day_problem(session, year, day, NOV_30) or \
                attendance._closed_problem(session, class_id, day) or ""
            assert rolls.problem == expected, day


def test_permissions(db, klass, people, principal):
    _teacher, class_id, _an, _binh = klass
    seen = attendance.roll_days(db, principal, class_id, D(2026, 11, 1), NOV_30, on=NOV_30)
    assert not seen.may_take and seen.days[D(2026, 11, 3)].sessions == ("sang", "chieu")
    with pytest.raises(PermissionDenied):
        attendance.roll_days(db, people.actors[Role.GV_BO_MON], class_id, D(2026, 11, 1), NOV_30, on=NOV_30)


def test_month_view_puts_the_morning_first(db, klass):
    teacher, class_id, an, _binh = klass
    attendance.take_roll(db, teacher, class_id, D(2026, 11, 4), "sang", {an: ("K", "")}, on=NOV_30)
    attendance.take_roll(db, teacher, class_id, D(2026, 11, 4), "chieu", {an: ("P", "")}, on=NOV_30)
    row = next(r for r in attendance.month_view(db, teacher, class_id, "2026-11").rows if r.pupil_id == an)
    assert row.cells[4] == "K/P"


def test_parent_notices_carry_the_latest_results_for_those_who_read_marks(db, klass, people, tmp_path):
    from nk_desktop.models.gradebook import SubjectResult
    from nk_desktop.services import school

    teacher, class_id, an, binh = klass
    with db.read() as session:
        year_id = session.get(attendance.SchoolClass, class_id).year_id
        math, viet = school.subject_by_name(session, "Toán").id, school.subject_by_name(session, "Tiếng Việt").id
    with db.write(SYSTEM) as session:  # marks as the gradebook stores them: GK1 for both, CK1 begun for An
        for subject, milestone, level, score in ((math, "GK1", "HT", None), (viet, "GK1", "HTT", None),
                                                 (viet, "CK1", "HTT", 9), (math, "CK1", None, None)):
            session.add(SubjectResult(year_id=year_id, class_id=class_id, pupil_id=an, subject_id=subject,
                                      milestone=milestone, level=level, score=score))
        session.add(SubjectResult(year_id=year_id, class_id=class_id, pupil_id=binh, subject_id=math,
                                  milestone="GK1", level="CHT", score=None))
    notices = {n.full_name: n for n in attendance.parent_notices(db, teacher, class_id, D(2026, 11, 1), NOV_30)}
    an_notice = notices["Nguyễn Văn An"]
    # In November CK1's entry week has not ended: its levels are not sent yet; GK1's are (subjects in order).
    assert an_notice.results == "Kết quả Giữa học kì I: Tiếng Việt: Hoàn thành tốt; Toán: Hoàn thành."
    with db.read() as session:
        from nk_desktop.services.gradebook import level_deadline

        ck1_closed = level_deadline(session, session.get(attendance.SchoolYear, year_id), "CK1")
    later = {n.full_name: n for n in attendance.parent_notices(db, teacher, class_id, ck1_closed, ck1_closed)}
    # Once closed, CK1 is An's latest milestone; Tiếng Việt is tested at CK1, so its score shows.
    assert later["Nguyễn Văn An"].results == "Kết quả Cuối học kì I: Tiếng Việt: Hoàn thành tốt (9)."
    assert an_notice.message == an_notice.text + " " + an_notice.results
    assert an_notice.text.startswith("Lớp 4A, từ 01/11 đến 30/11/2026: em Nguyễn Văn An đi học")
    assert notices["Phạm Văn Bình"].results == "Kết quả Giữa học kì I: Toán: Chưa hoàn thành."
    # The office reads the roll but not the marks: attendance only.
    clerk = attendance.parent_notices(db, people.actors[Role.VAN_THU], class_id, D(2026, 11, 1), NOV_30)
    assert all(n.results == "" and n.message == n.text for n in clerk)
    # The exported list to send holds the whole message.
    import openpyxl

    from nk_desktop.exchange.attendance import export_notices

    assert export_notices(db, teacher, class_id, D(2026, 11, 1), NOV_30, tmp_path / "tb.xlsx") == 2
    sheet = openpyxl.load_workbook(tmp_path / "tb.xlsx").active
    assert sheet.cell(4, 4).value == an_notice.message
