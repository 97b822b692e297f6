"""Clubs (Điều 7.5): who opens them, who keeps the members and takes the roll, each session's own list, totals."""

import datetime as dt

import pytest

from nk_desktop.actor import SYSTEM
from nk_desktop.errors import NotFound, PermissionDenied, ValidationError
from nk_desktop.services import attendance, clubs, pupils
from nk_desktop.services.permissions import Role

D = dt.date
ON = D(2026, 11, 30)


@pytest.fixture
def club(db, people, principal, year_id):
    class C:
        pass

    c = C()
    c.teacher = people.actors[Role.GV_CHU_NHIEM]
    c.vice = people.actors[Role.PHO_HIEU_TRUONG]

    def add(name, class_id, **kw):
        return pupils.add_pupil(db, SYSTEM, class_id, {"full_name": name, "date_of_birth": D(2016, 5, 5),
                                                        "gender": "Nam"}, **kw)

    c.an = add("Nguyễn Văn An", people.class_4a)
    c.binh = add("Phạm Văn Bình", people.class_4b)
    c.cuong = add("Lê Văn Cường", people.class_4b)
    c.gone = add("Đỗ Văn Giang", people.class_4a)
    pupils.transfer_out(db, SYSTEM, c.gone, D(2026, 10, 1), "Trường khác")
    c.id = clubs.create_club(db, principal, year_id, "  Cờ vua ", teacher_id=people.staff[Role.GV_CHU_NHIEM])
    return c


def test_the_principal_and_vice_principal_open_clubs_teachers_do_not(db, people, principal, year_id, club):
    assert [c.name for c in clubs.list_clubs(db, principal, year_id)] == ["Cờ vua"]
    clubs.create_club(db, club.vice, year_id, "Bóng đá")
    for role in (Role.GV_CHU_NHIEM, Role.GV_BO_MON, Role.VAN_THU, Role.QUAN_TRI_CSDL):
        with pytest.raises(PermissionDenied, match="câu lạc bộ"):
            clubs.create_club(db, people.actors[role], year_id, "Vẽ")
    with pytest.raises(ValidationError, match="đã có câu lạc bộ"):
        clubs.create_club(db, principal, year_id, "cờ VUA")
    with pytest.raises(ValidationError, match="tên câu lạc bộ"):
        clubs.create_club(db, principal, year_id, "   ")
    with pytest.raises(PermissionDenied):
        clubs.update_club(db, club.teacher, club.id, name="Cờ tướng", teacher_id=None)
    clubs.update_club(db, principal, club.id, name="Cờ tướng", teacher_id=people.staff[Role.GV_CHU_NHIEM])
    names = [(c.name, c.may_take, c.may_keep_members) for c in clubs.list_clubs(db, club.teacher, year_id)]
    assert names == [("Cờ tướng", True, True)]  # a teacher sees the clubs in their charge
    assert [(c.name, c.may_take, c.may_keep_members) for c in clubs.list_clubs(db, principal, year_id)] == [
        ("Bóng đá", False, True), ("Cờ tướng", False, True)]


def test_members_are_pupils_of_the_school_and_leave_with_a_date(db, people, principal, club):
    with pytest.raises(ValidationError, match="không học ở trường"):
        clubs.add_members(db, club.teacher, club.id, [club.an, club.gone], on=ON)
    assert clubs.club_members(db, principal, club.id) == []  # all or none
    assert clubs.add_members(db, club.teacher, club.id, [club.an, club.binh, club.an], on=ON) == 2
    assert clubs.add_members(db, principal, club.id, [club.binh, club.cuong], on=ON) == 1
    with pytest.raises(PermissionDenied, match="thành viên"):
        clubs.add_members(db, people.actors[Role.GV_BO_MON], club.id, [club.cuong], on=ON)
    assert [m.pupil_id for m in clubs.candidates(db, club.teacher, club.id, on=ON)] == []
    clubs.remove_member(db, club.teacher, club.id, club.binh)
    members = clubs.club_members(db, principal, club.id)
    assert [(m.full_name, m.class_name, m.left is None) for m in members] == [
        ("Nguyễn Văn An", "4A", True), ("Lê Văn Cường", "4B", True), ("Phạm Văn Bình", "4B", False)]
    gone = members[-1]
    assert gone.left is not None and gone.joined <= gone.left  # the day it was recorded
    with pytest.raises(NotFound):
        clubs.remove_member(db, club.teacher, club.id, club.binh)
    # Joining again is a new membership; the old one stays in the list.
    clubs.add_members(db, club.teacher, club.id, [club.binh], on=ON)
    assert sum(1 for m in clubs.club_members(db, principal, club.id) if m.pupil_id == club.binh) == 2


def test_a_session_roll_keeps_its_own_member_list_and_never_touches_the_class_book(db, people, principal, club):
    clubs.add_members(db, club.teacher, club.id, [club.an, club.binh, club.cuong], on=ON)
    day1, day2 = D(2026, 11, 14), D(2026, 11, 21)  # Saturdays: clubs meet outside class days
    with pytest.raises(PermissionDenied, match="phụ trách"):
        clubs.take_club_roll(db, principal, club.id, day1, {}, on=ON)
    assert clubs.take_club_roll(db, club.teacher, club.id, day1, {club.an: ("K", ""), club.cuong: ("M", "")},
                                on=ON) == 2
    clubs.remove_member(db, club.teacher, club.id, club.cuong)
    # The past session still lists Cường; the next one does not.
    assert [r.full_name for r in clubs.club_roll(db, principal, club.id, day1, on=ON).rows] == [
        "Nguyễn Văn An", "Phạm Văn Bình", "Lê Văn Cường"]
    fresh = clubs.club_roll(db, club.teacher, club.id, day2, on=ON)
    assert not fresh.taken and fresh.editable and [r.full_name for r in fresh.rows] == ["Nguyễn Văn An",
                                                                                      "Phạm Văn Bình"]
    with pytest.raises(ValidationError, match="danh sách"):
        clubs.take_club_roll(db, club.teacher, club.id, day2, {club.cuong: ("P", "")}, on=ON)
    clubs.take_club_roll(db, club.teacher, club.id, day2, {club.binh: ("P", "Ốm")}, on=ON)
    # Correcting a past session: the marks given are the whole list again (Cường back to on time).
    assert clubs.take_club_roll(db, club.teacher, club.id, day1, {club.an: ("P", "Ốm")}, on=ON) == 2
    with pytest.raises(ValidationError, match="Chưa đến"):
        clubs.take_club_roll(db, club.teacher, club.id, D(2026, 12, 5), {}, on=ON)
    members = {m.full_name: m for m in clubs.club_members(db, principal, club.id)}
    assert (members["Lê Văn Cường"].sessions, members["Lê Văn Cường"].last_session) == (1, day1)
    assert members["Nguyễn Văn An"].sessions == 2 and members["Nguyễn Văn An"].joined <= day1  # from its first session
    totals = clubs.club_totals(db, principal, club.id)
    rows = {r.full_name: r for r in totals.rows}
    assert totals.sessions == [day1, day2]
    assert (rows["Nguyễn Văn An"].sessions, rows["Nguyễn Văn An"].excused, rows["Nguyễn Văn An"].present) == (2, 1, 1)
    assert (rows["Lê Văn Cường"].sessions, rows["Lê Văn Cường"].late, rows["Lê Văn Cường"].member) == (1, 0, False)
    assert rows["Phạm Văn Bình"].rate == 50.0
    assert totals.rate == round(100 * 3 / 5, 1)  # 5 pupil-sessions, An and Bình absent once each
    # A club's absences are not the class's: 4A's November roll book is untouched.
    view = attendance.month_view(db, principal, people.class_4a, "2026-11")
    assert view.sessions_taken == 0 and all(not r.month.excused for r in view.rows)


def test_a_closed_club_stays_readable_but_takes_no_more_sessions(db, principal, year_id, club):
    clubs.add_members(db, club.teacher, club.id, [club.an], on=ON)
    clubs.take_club_roll(db, club.teacher, club.id, D(2026, 11, 14), {}, on=ON)
    clubs.close_club(db, principal, club.id)
    assert clubs.list_clubs(db, principal, year_id) == []
    closed = clubs.list_clubs(db, principal, year_id, include_closed=True)
    assert [(c.name, c.closed, c.may_take) for c in closed] == [("Cờ vua", True, False)]
    assert clubs.club_totals(db, principal, club.id).rows[0].sessions == 1
    with pytest.raises(NotFound):
        clubs.take_club_roll(db, club.teacher, club.id, D(2026, 11, 21), {}, on=ON)
    with pytest.raises(NotFound):
        clubs.add_members(db, club.teacher, club.id, [club.binh], on=ON)
    assert not clubs.club_roll(db, club.teacher, club.id, D(2026, 11, 21), on=ON).editable


def test_who_reads_a_club(db, people, club):
    clubs.add_members(db, club.teacher, club.id, [club.an], on=ON)
    assert clubs.club_members(db, people.actors[Role.VAN_THU], club.id)
    with pytest.raises(PermissionDenied):
        clubs.club_members(db, people.actors[Role.KE_TOAN], club.id)


def test_parent_notices_tell_the_club_sessions(db, people, club):
    clubs.add_members(db, club.teacher, club.id, [club.an, club.binh], on=ON)
    clubs.take_club_roll(db, club.teacher, club.id, D(2026, 11, 14), {club.an: ("P", "Ốm")}, on=ON)
    clubs.take_club_roll(db, club.teacher, club.id, D(2026, 11, 21), {club.an: ("M", "")}, on=ON)
    notices = {n.full_name: n for n in attendance.parent_notices(db, club.teacher, people.class_4a, D(2026, 11, 1),
                                                                 ON)}
    assert notices["Nguyễn Văn An"].text.endswith(". Câu lạc bộ Cờ vua: có mặt 1/2 buổi.")
    assert list(notices) == ["Nguyễn Văn An"]  # Giang left 4A in October
    week = attendance.parent_notices(db, club.teacher, people.class_4a, D(2026, 11, 16), D(2026, 11, 22))
    assert next(n for n in week if n.pupil_id == club.an).text.endswith("Câu lạc bộ Cờ vua: có mặt 1/1 buổi.")
