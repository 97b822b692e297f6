"""Clubs (Điều 7.5): who opens them, who keeps the members and takes the roll, each session's own list, totals."""

import datetime as dt

import pytest

from nk_desktop.actor import SYSTEM
from nk_desktop.errors import NotFound, PermissionDenied, ValidationError
from nk_desktop.services import attendance, clubs, pupils
from nk_desktop.services.permissions import Role

D = dt.date
ON = D(2026, 11, 30)
NOV_2 = D(2026, 11, 2)


@pytest.fixture
def club(db, people, principal, year_id):
    class C:
        pass

    c = C()
    c.people = people
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
    clubs.remove_member(db, club.teacher, club.id, club.binh, on=ON)
    members = clubs.club_members(db, principal, club.id)
    assert [(m.full_name, m.class_name, m.left is None) for m in members] == [
        ("Nguyễn Văn An", "4A", True), ("Lê Văn Cường", "4B", True), ("Phạm Văn Bình", "4B", False)]
    gone = members[-1]
    assert gone.joined == gone.left == ON  # today unless told
    with pytest.raises(NotFound):
        clubs.remove_member(db, club.teacher, club.id, club.binh, on=ON)
    # Joining again is a new membership; the old one stays in the list.
    clubs.add_members(db, club.teacher, club.id, [club.binh], on=ON)
    assert sum(1 for m in clubs.club_members(db, principal, club.id) if m.pupil_id == club.binh) == 2


def test_a_session_roll_keeps_its_own_member_list_and_never_touches_the_class_book(db, people, principal, club):
    clubs.add_members(db, club.teacher, club.id, [club.an, club.binh, club.cuong], day=NOV_2, on=ON)
    day1, day2 = D(2026, 11, 14), D(2026, 11, 21)  # Saturdays: clubs meet outside class days
    with pytest.raises(PermissionDenied, match="phụ trách"):
        clubs.take_club_roll(db, principal, club.id, day1, {}, on=ON)
    assert clubs.take_club_roll(db, club.teacher, club.id, day1, {club.an: ("K", ""), club.cuong: ("M", "")},
                                on=ON) == 2
    assert clubs.remove_member(db, club.teacher, club.id, club.cuong, day=D(2026, 11, 15), on=ON) == 0
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
    clubs.add_members(db, club.teacher, club.id, [club.an], day=NOV_2, on=ON)
    clubs.take_club_roll(db, club.teacher, club.id, D(2026, 11, 14), {}, on=ON)
    clubs.close_club(db, principal, club.id, on=ON)
    assert clubs.list_clubs(db, principal, year_id) == []
    closed = clubs.list_clubs(db, principal, year_id, include_closed=True)
    assert [(c.name, c.closed, c.may_take, c.closed_on) for c in closed] == [("Cờ vua", True, False, ON)]
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
    clubs.add_members(db, club.teacher, club.id, [club.an, club.binh], day=NOV_2, on=ON)
    clubs.take_club_roll(db, club.teacher, club.id, D(2026, 11, 14), {club.an: ("P", "Ốm")}, on=ON)
    clubs.take_club_roll(db, club.teacher, club.id, D(2026, 11, 21), {club.an: ("M", "")}, on=ON)
    notices = {n.full_name: n for n in attendance.parent_notices(db, club.teacher, people.class_4a, D(2026, 11, 1),
                                                                 ON)}
    assert notices["Nguyễn Văn An"].text.endswith(". Câu lạc bộ Cờ vua: có mặt 1/2 buổi.")
    assert list(notices) == ["Nguyễn Văn An"]  # Giang left 4A in October
    week = attendance.parent_notices(db, club.teacher, people.class_4a, D(2026, 11, 16), D(2026, 11, 22))
    assert next(n for n in week if n.pupil_id == club.an).text.endswith("Câu lạc bộ Cờ vua: có mặt 1/1 buổi.")


# --- dates of joining, leaving and closing (migration 0009) ----------------------------------------------

def _year_start(db, year_id):
    from nk_desktop.models.school import SchoolYear

    with db.read() as session:
        return session.get(SchoolYear, year_id).start_date


def test_joining_and_leaving_take_a_date_within_the_year_and_never_ahead(db, principal, year_id, club):
    start = _year_start(db, year_id)
    with pytest.raises(ValidationError, match="vào câu lạc bộ 01/12/2026 chưa đến"):
        clubs.add_members(db, club.teacher, club.id, [club.an], day=D(2026, 12, 1), on=ON)
    before = start - dt.timedelta(days=1)
    with pytest.raises(ValidationError, match=f"trước ngày bắt đầu năm học .* \\({start:%d/%m/%Y}\\)"):
        clubs.add_members(db, club.teacher, club.id, [club.an], day=before, on=ON)
    assert clubs.add_members(db, club.teacher, club.id, [club.an, club.binh], day=NOV_2, on=ON) == 2
    assert [m.joined for m in clubs.club_members(db, principal, club.id)] == [NOV_2, NOV_2]
    with pytest.raises(ValidationError, match="rời câu lạc bộ 01/11/2026 trước ngày em vào \\(02/11/2026\\)"):
        clubs.remove_member(db, club.teacher, club.id, club.binh, day=D(2026, 11, 1), on=ON)
    with pytest.raises(ValidationError, match="chưa đến"):
        clubs.remove_member(db, club.teacher, club.id, club.binh, day=D(2026, 12, 1), on=ON)
    with pytest.raises(PermissionDenied):
        clubs.remove_member(db, club.people.actors[Role.GV_BO_MON], club.id, club.binh, day=NOV_2, on=ON)
    assert clubs.remove_member(db, club.teacher, club.id, club.binh, day=D(2026, 11, 20), on=ON) == 0
    gone = clubs.club_members(db, principal, club.id)[-1]
    assert (gone.full_name, gone.joined, gone.left) == ("Phạm Văn Bình", NOV_2, D(2026, 11, 20))
    assert [c.members for c in clubs.list_clubs(db, principal, year_id)] == [1]
    # Joining again starts no earlier than the day the last membership ended; all or none.
    with pytest.raises(ValidationError, match="đến hết ngày 19/11/2026: chỉ vào lại được từ ngày 20/11/2026"):
        clubs.add_members(db, club.teacher, club.id, [club.cuong, club.binh], day=D(2026, 11, 19), on=ON)
    assert [m.pupil_id for m in clubs.club_members(db, principal, club.id, include_left=False)] == [club.an]
    assert clubs.add_members(db, club.teacher, club.id, [club.cuong, club.binh], day=D(2026, 11, 20), on=ON) == 2
    stints = [(m.joined, m.left) for m in clubs.club_members(db, principal, club.id) if m.pupil_id == club.binh]
    assert stints == [(D(2026, 11, 20), None), (NOV_2, D(2026, 11, 20))]


def test_a_session_lists_the_members_of_its_day(db, principal, club):
    clubs.add_members(db, club.teacher, club.id, [club.an, club.cuong], day=NOV_2, on=ON)
    clubs.add_members(db, club.teacher, club.id, [club.binh], day=D(2026, 11, 16), on=ON)
    clubs.remove_member(db, club.teacher, club.id, club.cuong, day=D(2026, 11, 20), on=ON)

    def names(day):
        return [r.full_name for r in clubs.club_roll(db, principal, club.id, day, on=ON).rows]

    assert names(D(2026, 11, 14)) == ["Nguyễn Văn An", "Lê Văn Cường"]  # Bình not yet a member
    assert names(D(2026, 11, 16)) == ["Nguyễn Văn An", "Phạm Văn Bình", "Lê Văn Cường"]  # Bình from that day
    assert names(D(2026, 11, 20)) == ["Nguyễn Văn An", "Phạm Văn Bình"]  # Cường no longer, from that day
    with pytest.raises(ValidationError, match="danh sách"):
        clubs.take_club_roll(db, club.teacher, club.id, D(2026, 11, 14), {club.binh: ("P", "")}, on=ON)
    clubs.take_club_roll(db, club.teacher, club.id, D(2026, 11, 14), {club.cuong: ("M", "")}, on=ON)
    totals = {r.full_name: r.sessions for r in clubs.club_totals(db, principal, club.id).rows}
    assert totals == {"Nguyễn Văn An": 1, "Phạm Văn Bình": 0, "Lê Văn Cường": 1}


def test_a_backdated_leave_keeps_the_marks_taken_and_a_backdated_join_adds_to_taken_sessions(db, principal, club):
    """Decision: a leaving dated back never deletes marks (they stay, and count, until the teacher corrects
    the session); a joining dated back puts the pupil on the sessions taken since, present until saved."""
    clubs.add_members(db, club.teacher, club.id, [club.an, club.binh], day=NOV_2, on=ON)
    day1, day2, day3 = D(2026, 11, 14), D(2026, 11, 21), D(2026, 11, 28)
    for day in (day1, day2):
        clubs.take_club_roll(db, club.teacher, club.id, day, {club.binh: ("K", "")}, on=ON)
    # Bình stopped coming after 10/11; the teacher records it late: two sessions still list her.
    assert clubs.remove_member(db, club.teacher, club.id, club.binh, day=D(2026, 11, 10), on=ON) == 2
    roll = clubs.club_roll(db, club.teacher, club.id, day1, on=ON)
    assert [(r.full_name, r.status) for r in roll.rows] == [("Nguyễn Văn An", ""), ("Phạm Văn Bình", "K")]
    assert roll.pending == 0
    gone = next(m for m in clubs.club_members(db, principal, club.id) if m.pupil_id == club.binh)
    assert (gone.left, gone.sessions, gone.last_session, gone.after_leaving) == (D(2026, 11, 10), 2, day2, 2)
    assert [r.full_name for r in clubs.club_roll(db, principal, club.id, day3, on=ON).rows] == ["Nguyễn Văn An"]
    rows = {r.full_name: r for r in clubs.club_totals(db, principal, club.id).rows}
    assert (rows["Phạm Văn Bình"].sessions, rows["Phạm Văn Bình"].unexcused, rows["Phạm Văn Bình"].member) == (
        2, 2, False)
    # The teacher corrects one session: Bình is still on its list and can be marked with permission.
    assert clubs.take_club_roll(db, club.teacher, club.id, day2, {club.binh: ("P", "Đã xin nghỉ")}, on=ON) == 1
    # Cường's joining is recorded late, dated 2/11: the sessions taken since list him, present, until saved.
    clubs.add_members(db, club.teacher, club.id, [club.cuong], day=NOV_2, on=ON)
    roll = clubs.club_roll(db, club.teacher, club.id, day1, on=ON)
    assert roll.taken and roll.pending == 1 and "Lê Văn Cường" in [r.full_name for r in roll.rows]
    assert clubs.take_club_roll(db, club.teacher, club.id, day1, {club.binh: ("K", "")}, on=ON) == 0
    assert clubs.club_roll(db, club.teacher, club.id, day1, on=ON).pending == 0
    rows = {r.full_name: r for r in clubs.club_totals(db, principal, club.id).rows}
    assert (rows["Lê Văn Cường"].sessions, rows["Lê Văn Cường"].present) == (1, 1)


def test_closing_a_club_takes_a_date_after_its_last_session(db, principal, year_id, club):
    clubs.add_members(db, club.teacher, club.id, [club.an], day=NOV_2, on=ON)
    clubs.take_club_roll(db, club.teacher, club.id, D(2026, 11, 21), {}, on=ON)
    with pytest.raises(ValidationError, match="đã điểm danh buổi sinh hoạt ngày 21/11/2026: ngày đóng phải sau"):
        clubs.close_club(db, principal, club.id, day=D(2026, 11, 21), on=ON)
    with pytest.raises(ValidationError, match="đóng câu lạc bộ 01/12/2026 chưa đến"):
        clubs.close_club(db, principal, club.id, day=D(2026, 12, 1), on=ON)
    with pytest.raises(PermissionDenied):
        clubs.close_club(db, club.teacher, club.id, day=D(2026, 11, 22), on=ON)
    assert clubs.list_clubs(db, principal, year_id)[0].closed_on is None
    clubs.close_club(db, principal, club.id, day=D(2026, 11, 22), on=ON)
    closed = clubs.list_clubs(db, principal, year_id, include_closed=True)[0]
    assert (closed.closed, closed.closed_on) == (True, D(2026, 11, 22))
    roll = clubs.club_roll(db, club.teacher, club.id, D(2026, 11, 28), on=ON)
    assert not roll.editable and roll.closed_reason == "Câu lạc bộ Cờ vua đã đóng từ ngày 22/11/2026."
    with pytest.raises(NotFound):
        clubs.close_club(db, principal, club.id, day=D(2026, 11, 23), on=ON)


def test_a_file_from_before_the_club_dates_upgrades_and_reads_its_clubs_as_before(db, sqlite_only, principal,
                                                                                  year_id, club):
    """A 0008 file: memberships without dates (a leaving was the tombstone), a club closed by its tombstone."""
    import sqlite3

    from alembic import command

    from nk_desktop.db import HEAD_REVISION, Database, alembic_config

    clubs.add_members(db, club.teacher, club.id, [club.an, club.binh], day=NOV_2, on=ON)
    clubs.take_club_roll(db, club.teacher, club.id, D(2026, 11, 14), {}, on=ON)
    other = clubs.create_club(db, principal, year_id, "Bóng đá")
    path = db.location
    db.dispose()
    old = Database(f"sqlite:///{path}")  # the test's database refuses DDL; the app's own does not
    cfg = alembic_config()
    with old.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    old.dispose()
    with sqlite3.connect(path) as raw:  # what the app before 0009 wrote: created_at/updated_at only
        assert "start_date" not in [c[1] for c in raw.execute("PRAGMA table_info(club_member)")]
        raw.execute("UPDATE club_member SET created_at = '2026-11-25 03:00:00' WHERE pupil_id = ?", (club.an.hex,))
        raw.execute("UPDATE club_member SET deleted = 1, updated_at = '2026-11-20 03:00:00' WHERE pupil_id = ?",
                    (club.binh.hex,))
        raw.execute("UPDATE club SET deleted = 1, updated_at = '2026-11-27 02:00:00' WHERE id = ?", (other.hex,))

    reopened = Database(f"sqlite:///{path}")
    try:
        assert reopened.migrate() is not None and reopened.current_revision() == HEAD_REVISION
        members = {m.full_name: m for m in clubs.club_members(reopened, principal, club.id)}
        # An was recorded on 25/11 but is on the 14/11 session: a member from then; Bình left when recorded.
        assert (members["Nguyễn Văn An"].joined, members["Nguyễn Văn An"].left) == (D(2026, 11, 14), None)
        assert (members["Phạm Văn Bình"].joined, members["Phạm Văn Bình"].left) == (D(2026, 11, 14), D(2026, 11, 20))
        assert [r.full_name for r in clubs.club_roll(reopened, principal, club.id, D(2026, 11, 21), on=ON).rows] == [
            "Nguyễn Văn An"]
        infos = {c.name: c for c in clubs.list_clubs(reopened, principal, year_id, include_closed=True)}
        assert infos["Cờ vua"].members == 1 and infos["Bóng đá"].closed_on == D(2026, 11, 27)
        # Leaving now writes the dates, the legacy start included.
        clubs.remove_member(reopened, club.teacher, club.id, club.an, day=D(2026, 11, 28), on=ON)
        an = next(m for m in clubs.club_members(reopened, principal, club.id) if m.pupil_id == club.an)
        assert (an.joined, an.left) == (D(2026, 11, 14), D(2026, 11, 28))
        with reopened.read() as session:
            from nk_desktop.models.attendance import ClubMember
            from sqlalchemy import select

            start = session.scalar(select(ClubMember.start_date).where(ClubMember.pupil_id == club.an))
            assert start == D(2026, 11, 14)
    finally:
        reopened.dispose()
