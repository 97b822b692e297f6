"""Roll call against a hand-computed November 2026 (24/11 is a public holiday), closing and alerts."""

import datetime as dt

import pytest

from nk_desktop.actor import SYSTEM
from nk_desktop.errors import Locked, PermissionDenied, ValidationError
from nk_desktop.services import attendance, pupils
from nk_desktop.services.permissions import Role

D = dt.date
NOV_30 = D(2026, 11, 30)
SCHOOL_DAYS = [D(2026, 11, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 16, 17, 18, 19, 20, 23, 25, 26, 27, 30)]


@pytest.fixture
def roll(db, people):
    class R:
        pass

    r = R()
    r.teacher = people.actors[Role.GV_CHU_NHIEM]
    r.class_id = people.class_4a

    def add(name, gender="Nam", **kw):
        return pupils.add_pupil(db, SYSTEM, r.class_id, {"full_name": name, "date_of_birth": D(2016, 5, 5),
                                                          "gender": gender}, **kw)

    r.an = add("Nguyễn Văn An")
    r.chi = add("Lê Thị Chi", "Nữ")
    r.dung = add("Trần Văn Dũng")
    r.binh = add("Phạm Văn Bình", start_date=D(2026, 11, 16), start_reason="chuyen_den",
                 came_from="Trường Tiểu học Kim Đồng")
    pupils.transfer_out(db, SYSTEM, r.chi, D(2026, 11, 20), "Trường Tiểu học Lê Lợi")
    absences = {D(2026, 11, 3): {r.an: ("K", "")}, D(2026, 11, 4): {r.an: ("P", "Ốm")},
                D(2026, 11, 5): {r.an: ("M", "")}, D(2026, 11, 18): {r.chi: ("K", "")},
                D(2026, 11, 19): {r.chi: ("K", "")}, D(2026, 11, 25): {r.dung: ("K", "")},
                D(2026, 11, 26): {r.dung: ("K", "")}, D(2026, 11, 27): {r.dung: ("K", "")},
                NOV_30: {r.dung: ("P", "Gia đình xin phép")}}
    for day in SCHOOL_DAYS:
        attendance.take_roll(db, r.teacher, r.class_id, day, "sang", absences.get(day, {}), on=NOV_30)
    return r


def test_month_totals_and_rate_by_hand(db, roll):
    view = attendance.month_view(db, roll.teacher, roll.class_id, "2026-11")
    rows = {r.full_name: r for r in view.rows}
    assert [r.full_name for r in view.rows] == ["Nguyễn Văn An", "Phạm Văn Bình", "Lê Thị Chi", "Trần Văn Dũng"]
    an = rows["Nguyễn Văn An"]
    assert (an.month.excused, an.month.unexcused, an.month.late) == (1, 1, 1)
    assert an.cells[3] == "K" and an.cells[4] == "P" and an.cells[5] == "M" and an.cells[6] == ""
    assert rows["Phạm Văn Bình"].cells[13] == "-" and rows["Phạm Văn Bình"].cells[16] == ""
    assert rows["Lê Thị Chi"].cells[20] == "-" and rows["Lê Thị Chi"].month.unexcused == 2
    assert "Vào lớp 16/11" in rows["Phạm Văn Bình"].note and "Rời lớp 20/11" in rows["Lê Thị Chi"].note
    # Pupil-sessions: An 20, Bình 10 (from 16/11), Chi 14 (to 19/11), Dũng 20 = 64; absences 2 + 2 + 4 = 8.
    assert view.sessions_taken == 20
    assert view.attendance_rate == round(100 * 56 / 64, 1)
    assert view.day_off[24] == "Ngày Văn hóa Việt Nam" and view.day_off[1] == "Chủ nhật" and 2 not in view.day_off


def test_term_and_year_totals_accumulate(db, roll):
    attendance.take_roll(db, roll.teacher, roll.class_id, D(2026, 12, 1), "sang", {roll.an: ("K", "")},
                         on=D(2026, 12, 1))
    december = {r.full_name: r for r in attendance.month_view(db, roll.teacher, roll.class_id, "2026-12").rows}
    an = december["Nguyễn Văn An"]
    assert an.month.unexcused == 1 and an.term.unexcused == 2 and an.year.excused == 1


def test_roll_is_refused_on_days_off_future_days_and_for_others(db, roll, people, principal):
    for day, message in ((D(2026, 11, 24), "ngày nghỉ"), (D(2026, 11, 28), "Thứ Bảy"),
                         (D(2026, 12, 2), "Chưa đến ngày"), (D(2026, 7, 1), "ngoài năm học")):
        with pytest.raises(ValidationError, match=message):
            attendance.take_roll(db, roll.teacher, roll.class_id, day, "sang", {}, on=D(2026, 12, 1))
    for actor in (people.actors[Role.GV_BO_MON], people.actors[Role.VAN_THU], principal):
        with pytest.raises(PermissionDenied):
            attendance.take_roll(db, actor, roll.class_id, D(2026, 11, 30), "sang", {}, on=NOV_30)
    with pytest.raises(ValidationError, match="kí hiệu điểm danh"):
        attendance.take_roll(db, roll.teacher, roll.class_id, NOV_30, "sang", {roll.an: ("V", "")}, on=NOV_30)
    with pytest.raises(ValidationError, match="không thuộc lớp"):
        attendance.take_roll(db, roll.teacher, roll.class_id, NOV_30, "sang", {roll.chi: ("K", "")}, on=NOV_30)


def test_the_roll_shows_only_pupils_enrolled_that_day(db, roll):
    names = {r.full_name for r in attendance.roll_for(db, roll.teacher, roll.class_id, D(2026, 11, 13), on=NOV_30).rows}
    assert names == {"Nguyễn Văn An", "Lê Thị Chi", "Trần Văn Dũng"}
    names = {r.full_name for r in attendance.roll_for(db, roll.teacher, roll.class_id, NOV_30, on=NOV_30).rows}
    assert names == {"Nguyễn Văn An", "Phạm Văn Bình", "Trần Văn Dũng"}


def test_correcting_a_past_day_until_the_month_is_confirmed(db, roll, principal, people):
    assert attendance.take_roll(db, roll.teacher, roll.class_id, D(2026, 11, 3), "sang",
                                {roll.an: ("P", "Có giấy của phụ huynh")}, on=NOV_30) == 1
    with pytest.raises(ValidationError, match="từ ngày cuối tháng"):
        attendance.confirm_month(db, roll.teacher, roll.class_id, "2026-11", on=D(2026, 11, 29))
    attendance.confirm_month(db, roll.teacher, roll.class_id, "2026-11", on=NOV_30)
    with pytest.raises(Locked, match="đã chốt"):
        attendance.take_roll(db, roll.teacher, roll.class_id, D(2026, 11, 3), "sang", {}, on=NOV_30)
    with pytest.raises(PermissionDenied):
        attendance.reopen_month(db, roll.teacher, roll.class_id, "2026-11", "Sửa")
    with pytest.raises(ValidationError, match="lí do"):
        attendance.reopen_month(db, principal, roll.class_id, "2026-11", "")
    attendance.reopen_month(db, principal, roll.class_id, "2026-11", "GVCN ghi nhầm ngày 03/11")
    attendance.take_roll(db, roll.teacher, roll.class_id, D(2026, 11, 3), "sang", {}, on=NOV_30)


def test_the_paper_trail_goes_in_order(db, roll, principal, people, year_id):
    clerk = people.actors[Role.VAN_THU]
    with pytest.raises(ValidationError, match="cần bước “GVCN đã chốt”"):
        attendance.advance_paper(db, clerk, roll.class_id, "2026-11", "printed")
    attendance.confirm_month(db, roll.teacher, roll.class_id, "2026-11", on=NOV_30)
    late = {r.class_name: r.late for r in attendance.paper_trail(db, principal, year_id, "2026-11", on=D(2026, 12, 8))}
    assert late == {"4A": True, "4B": True}  # 4A not printed in the first week; 4B not even confirmed
    for step in ("printed", "signed_teacher", "received"):
        attendance.advance_paper(db, clerk, roll.class_id, "2026-11", step)
    with pytest.raises(PermissionDenied):
        attendance.advance_paper(db, clerk, roll.class_id, "2026-11", "signed_principal")
    attendance.advance_paper(db, principal, roll.class_id, "2026-11", "signed_principal")
    attendance.advance_paper(db, clerk, roll.class_id, "2026-11", "bound")
    rows = {r.class_name: r for r in attendance.paper_trail(db, principal, year_id, "2026-11", on=D(2026, 12, 8))}
    assert rows["4A"].state_label == "Đã đóng tập" and not rows["4A"].late


def test_alerts_streak_share_and_no_roll_today(db, roll, principal, year_id):
    found = attendance.alerts(db, principal, year_id, on=NOV_30)
    texts = [a.text for a in found]
    assert "Trần Văn Dũng (lớp 4A) vắng 4 ngày học liên tiếp đến ngày 30/11/2026." in texts
    assert not any(a.kind == "streak" and a.pupil_name == "Nguyễn Văn An" for a in found)
    assert [a.class_name for a in found if a.kind == "no_roll"] == ["4B"]
    assert not any(a.kind == "share" for a in found)  # Dũng 4/20 = 20%, not above 20%
    attendance.set_alert_thresholds(db, principal, year_id, percent=15, streak_days=3)
    assert any(a.kind == "share" and a.pupil_name == "Trần Văn Dũng" for a in attendance.alerts(db, principal, year_id,
                                                                                                  on=NOV_30))
    assert attendance.classes_without_roll(db, principal, year_id, NOV_30) == ["4B"]


def test_parent_notice(db, roll):
    notices = {n.full_name: n for n in attendance.parent_notices(db, roll.teacher, roll.class_id,
                                                                 D(2026, 11, 2), D(2026, 11, 6))}
    assert notices["Nguyễn Văn An"].text == (
        "Lớp 4A, từ 02/11 đến 06/11/2026: em Nguyễn Văn An đi học 3/5 buổi; 03/11 sáng: vắng không phép; "
        "04/11 sáng: vắng có phép (Ốm); 05/11 sáng: đi muộn.")
    assert "Phạm Văn Bình" not in notices


def test_absences_never_decide_promotion():
    """TT27 (and vn-primary-rules §1.7): the year-end rules take no attendance input at all."""
    import inspect

    from nk_desktop.services import assessment_rules

    assert "absen" not in inspect.getsource(assessment_rules.classify_year_end).lower()
    assert set(inspect.signature(assessment_rules.classify_year_end).parameters) == {
        "subject_levels", "trait_levels", "final_scores", "subject_names"}


def test_several_rolls_are_saved_all_or_none(db, roll):
    before = attendance.month_view(db, roll.teacher, roll.class_id, "2026-11")
    with pytest.raises(ValidationError, match="ngày nghỉ"):
        attendance.take_rolls(db, roll.teacher, roll.class_id, [
            (D(2026, 11, 23), "sang", {roll.an: ("P", "Ốm")}),  # fine on its own
            (D(2026, 11, 24), "sang", {roll.an: ("P", "Ốm")}),  # a public holiday
        ], on=NOV_30)
    after = attendance.month_view(db, roll.teacher, roll.class_id, "2026-11")
    assert after.rows == before.rows and after.sessions_taken == before.sessions_taken
    assert attendance.take_rolls(db, roll.teacher, roll.class_id, [
        (D(2026, 11, 23), "sang", {roll.an: ("P", "Ốm")}), (D(2026, 11, 23), "chieu", {roll.an: ("P", "Ốm")}),
    ], on=NOV_30) == 2
