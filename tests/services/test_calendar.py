"""Working days (regulation Điều 11.1.b–c: "within 10 working days") and teaching weeks."""

import datetime as dt

from nk_desktop.actor import SYSTEM
from nk_desktop.services import school
from nk_desktop.services.calendar import WorkCalendar, plan_weeks, public_holidays, work_calendar

D = dt.date


def test_ten_working_days_across_tet_2026():
    calendar = WorkCalendar(public_holidays([2026]))
    # Test on Friday 6/2/2026: 9–13/2 count 5, Tết 16–20/2 is off, 23–27/2 count the other 5.
    assert calendar.add_working_days(D(2026, 2, 6), 10) == D(2026, 2, 27)
    # Without the holidays the deadline would have been a week earlier.
    assert WorkCalendar({}).add_working_days(D(2026, 2, 6), 10) == D(2026, 2, 20)


def test_holidays_and_weekends_are_not_working_days():
    calendar = WorkCalendar(public_holidays([2026]))
    assert not calendar.is_working_day(D(2026, 2, 17))  # Mùng 1 Tết
    assert not calendar.is_working_day(D(2026, 9, 2))  # Quốc khánh
    assert not calendar.is_working_day(D(2026, 11, 24))  # Ngày Văn hóa Việt Nam
    assert not calendar.is_working_day(D(2026, 11, 28))  # Saturday
    assert calendar.is_working_day(D(2026, 11, 27))
    assert calendar.reason_off(D(2026, 2, 17)) == "Tết Nguyên Đán"
    assert calendar.reason_off(D(2026, 11, 29)) == "Chủ nhật"
    assert calendar.reason_off(D(2026, 11, 27)) is None


def test_deadline_counts_from_the_day_after_the_test():
    calendar = WorkCalendar({})
    assert calendar.add_working_days(D(2026, 11, 23), 1) == D(2026, 11, 24)
    assert calendar.add_working_days(D(2026, 11, 27), 1) == D(2026, 11, 30)  # Friday → Monday
    assert calendar.working_days_between(D(2026, 11, 23), D(2026, 11, 30)) == 5


def test_school_days_off_and_make_up_days(db, principal):
    school.add_day_off(db, principal, D(2026, 12, 1), "Nghỉ bầu cử")
    school.add_day_off(db, principal, D(2026, 12, 5), "Làm bù thứ Bảy", working=True)
    with db.read() as session:
        calendar = work_calendar(session, 2026, 2027)
    assert not calendar.is_working_day(D(2026, 12, 1))
    assert calendar.is_working_day(D(2026, 12, 5))
    # Mon 30/11 + 3: Tue 1/12 off, Wed 2, Thu 3, Fri 4 → Friday 4/12.
    assert calendar.add_working_days(D(2026, 11, 30), 3) == D(2026, 12, 4)
    # Fri 4/12 + 1: the make-up Saturday counts.
    assert calendar.add_working_days(D(2026, 12, 4), 1) == D(2026, 12, 5)


def test_the_same_day_cannot_be_declared_twice(db, principal):
    import pytest

    from nk_desktop.errors import ValidationError

    school.add_day_off(db, principal, D(2026, 12, 1), "Nghỉ")
    with pytest.raises(ValidationError, match="đã được khai báo"):
        school.add_day_off(db, principal, D(2026, 12, 1), "Nghỉ lần nữa")
    with pytest.raises(ValidationError, match="lí do"):
        school.add_day_off(db, SYSTEM, D(2026, 12, 2), "  ")


def test_thirty_five_weeks_eighteen_then_seventeen_skipping_a_week_fully_off():
    days_off = public_holidays([2025, 2026])
    # A whole week off for Tết (as schools give it) is not a teaching week.
    for n in range(5):
        days_off[D(2026, 2, 16) + dt.timedelta(days=n)] = "Nghỉ Tết"
    weeks = plan_weeks(D(2025, 9, 8), WorkCalendar(days_off))
    assert len(weeks) == 35
    assert [w.number for w in weeks] == list(range(1, 36))
    assert sum(w.term == 1 for w in weeks) == 18 and sum(w.term == 2 for w in weeks) == 17
    assert all(w.start.weekday() == 0 for w in weeks)
    starts = {w.start for w in weeks}
    assert D(2026, 2, 16) not in starts and D(2026, 2, 9) in starts and D(2026, 2, 23) in starts


def test_a_new_year_gets_terms_weeks_and_curriculum(db, principal):
    year_id = school.create_school_year(db, principal, "2027-2028", D(2027, 9, 6))
    weeks = school.year_weeks(db, principal, year_id)
    assert len(weeks) == 35 and weeks[0].start_date == D(2027, 9, 6)
    with db.read() as session:
        grade4 = [s.code for s, _entry in school.grade_subjects(session, year_id, 4)]
        grade1 = {s.code: e for s, e in school.grade_subjects(session, year_id, 1)}
    assert grade4 == ["TV", "TOAN", "NN1", "DD", "LSDL", "KH", "TH", "CN", "GDTC", "AN", "MT", "HDTN"]
    assert "NN1" not in grade1 and "TNXH" in grade1
    # TT27 Điều 7: grade 1 Tiếng Việt is tested at the end of each term only.
    assert grade1["TV"].tested_milestones == "CK1,CN"
