"""The demo school: logins for every role, realistic sizes and names, history, determinism, the one write path."""

from __future__ import annotations

import collections
import datetime as dt

import pytest
from sqlalchemy import exc, func, select, text

from nk_desktop import cli
from nk_desktop.db import open_database
from nk_desktop.errors import ValidationError
from nk_desktop.models import Base
from nk_desktop.models.accounts import Account, AccountRole
from nk_desktop.models.base import is_synced
from nk_desktop.models.journal import AuditEntry, ChangeRecord
from nk_desktop.models.pupils import Enrolment, Pupil
from nk_desktop.models.school import (
    School, SchoolClass, SchoolYear, Subject, SubjectGroup, TeachingAssignment,
)
from nk_desktop.models.staff import StaffMember
from nk_desktop.services import accounts, school
from nk_desktop.services.audit import verify_chain
from nk_desktop.services.demo import MAX_CLASS_SIZE, build_demo_school, demo_usernames
from nk_desktop.services.permissions import Role
from nk_desktop.text import fold, person_sort_key

PASSWORD = "demo123"  # shorter than the default policy on purpose: the demo must accept it
ON = dt.date(2026, 11, 29)
CURRENT, PREVIOUS = "2026-2027", "2025-2026"


def _build(path, *, seed: int = 2026):
    database = open_database(path, strict_writes=True)
    summary = build_demo_school(database, PASSWORD, seed=seed, on=ON)
    return database, summary


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    database, summary = _build(tmp_path_factory.mktemp("demo") / "demo.sqlite")
    yield database, summary
    database.dispose()


@pytest.fixture(scope="module")
def demo(built):
    return built[0]


def _year(session, name: str) -> SchoolYear:
    return session.scalar(select(SchoolYear).where(SchoolYear.name == name))


def _enrolled_on(session, year_id, day: dt.date):
    """(class name, grade, pupil) of every pupil in a class of the year on *day*."""
    return session.execute(
        select(SchoolClass.name, SchoolClass.grade, Pupil)
        .join(Enrolment, Enrolment.class_id == SchoolClass.id).join(Pupil, Pupil.id == Enrolment.pupil_id)
        .where(SchoolClass.year_id == year_id, Enrolment.deleted.is_(False), Enrolment.start_date <= day,
               (Enrolment.end_date.is_(None)) | (Enrolment.end_date > day))
    ).all()


def snapshot(database) -> dict[str, list]:
    """Everything that must not depend on random ids: class lists, staff, accounts, assignments."""
    with database.read() as session:
        staff = {s.id: s for s in session.scalars(select(StaffMember))}
        lists = sorted(
            (y, c, person_sort_key(p.family_name, p.middle_name, p.given_name, p.date_of_birth, p.personal_id),
             p.full_name, p.date_of_birth, e.start_date, e.end_date, e.start_reason, e.end_reason)
            for y, c, p, e in session.execute(
                select(SchoolYear.name, SchoolClass.name, Pupil, Enrolment)
                .join(SchoolClass, SchoolClass.year_id == SchoolYear.id)
                .join(Enrolment, Enrolment.class_id == SchoolClass.id)
                .join(Pupil, Pupil.id == Enrolment.pupil_id))
        )
        roles = collections.defaultdict(set)
        for account_id, role in session.execute(select(AccountRole.account_id, AccountRole.role)):
            roles[account_id].add(role)
        return {
            "classes": [(y, c, name, dob, start, end, why_in, why_out)
                        for y, c, _key, name, dob, start, end, why_in, why_out in lists],
            "staff": sorted((s.full_name, s.date_of_birth, s.position, s.phone, s.id_number, s.active)
                            for s in staff.values()),
            "accounts": sorted((a.username, staff[a.staff_id].full_name, sorted(roles[a.id]))
                               for a in session.scalars(select(Account))),
            "assignments": sorted(
                (y, c, code, staff[t].full_name, staff[t].date_of_birth)
                for y, c, code, t in session.execute(
                    select(SchoolYear.name, SchoolClass.name, Subject.code, TeachingAssignment.staff_id)
                    .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
                    .join(SchoolYear, SchoolYear.id == TeachingAssignment.year_id)
                    .join(Subject, Subject.id == TeachingAssignment.subject_id))
            ),
            "homerooms": sorted(
                (y, c, staff[h].full_name) for y, c, h in session.execute(
                    select(SchoolYear.name, SchoolClass.name, SchoolClass.homeroom_id)
                    .join(SchoolYear, SchoolYear.id == SchoolClass.year_id))
            ),
        }


# --- accounts --------------------------------------------------------------------------------

def test_every_role_has_an_account_that_logs_in(demo):
    with demo.read() as session:
        holders = collections.defaultdict(list)
        for username, role in session.execute(
                select(Account.username, AccountRole.role).join(AccountRole, AccountRole.account_id == Account.id)
                .where(Account.deleted.is_(False), AccountRole.deleted.is_(False)).order_by(Account.username)):
            holders[role].append(username)
    for role in Role:
        assert holders[role.value], f"no account holds {role.value}"
        result = accounts.login(demo, holders[role.value][0], PASSWORD)
        assert result.password_change_reason is None
        assert role.value in result.actor.roles
        assert result.actor.staff_id is not None


def test_account_scheme(demo):
    with demo.read() as session:
        rows = session.execute(select(Account.username, Account.must_change_password, Account.active,
                                      Account.staff_id)).all()
        homerooms = dict(session.execute(
            select(SchoolClass.name, SchoolClass.homeroom_id).where(SchoolClass.year_id == _year(session, CURRENT).id)
        ).all())
    assert sorted(r.username for r in rows) == sorted(demo_usernames())
    assert all(not r.must_change_password and r.active and r.staff_id for r in rows)
    by_name = {r.username: r.staff_id for r in rows}
    for name, staff_id in homerooms.items():  # every homeroom teacher logs in as gv<class> or totruong<grade>
        expected = f"totruong{name[0]}" if name.endswith("A") else f"gv{name.lower()}"
        assert by_name[expected] == staff_id
    assert by_name["quantri"] == by_name["gv.tinhoc"]  # a teacher kiêm nhiệm
    assert by_name["yte"] == by_name["vanthu"]  # the clerk kiêm nhiệm (regulation §15)


def test_principal_account_is_linked(demo):
    with demo.read() as session:
        principal = session.scalar(select(Account).where(Account.username == "hieutruong"))
        profile = session.scalar(select(School))
        staff = session.get(StaffMember, principal.staff_id)
    assert profile.principal_id == principal.staff_id
    assert staff.position == "Hiệu trưởng"
    assert profile.address == "số 2 Lê Lợi, phường Cầu Đất, thành phố Hải Phòng"
    assert profile.place_name == "Cầu Đất"
    assert profile.password_min_length == len(PASSWORD)


# --- structure -------------------------------------------------------------------------------

def test_years_and_governing_body(demo):
    with demo.read() as session:
        years = session.scalars(select(SchoolYear).order_by(SchoolYear.start_date)).all()
        assert [y.name for y in years] == [PREVIOUS, CURRENT]
        assert school.current_year(session, ON).name == CURRENT
    assert all(y.governing_body == "UBND PHƯỜNG CẦU ĐẤT" for y in years)


def test_counts(demo, built):
    with demo.read() as session:
        cur, prev = _year(session, CURRENT), _year(session, PREVIOUS)
        for year in (cur, prev):
            names = session.scalars(select(SchoolClass.name).where(SchoolClass.year_id == year.id)).all()
            assert sorted(names) == sorted(f"{g}{x}" for g in range(1, 6) for x in "ABCDE")
        pupils = {p.id for _c, _g, p in _enrolled_on(session, cur.id, ON)}
        staff = session.scalar(select(func.count(StaffMember.id)).where(StaffMember.active.is_(True)))
        n_accounts = session.scalar(select(func.count(Account.id)))
    assert 850 <= len(pupils) <= 950
    assert 45 <= staff <= 60
    summary = built[1]
    assert f"25 lớp, {len(pupils)} học sinh, {staff} cán bộ, {n_accounts} tài khoản" in summary


def test_no_class_over_the_legal_size(demo):
    with demo.read() as session:
        ever = session.execute(
            select(SchoolClass.name, SchoolClass.year_id, func.count(func.distinct(Enrolment.pupil_id)))
            .join(Enrolment, Enrolment.class_id == SchoolClass.id).group_by(SchoolClass.id)
        ).all()
    assert len(ever) == 50
    assert all(30 <= n <= MAX_CLASS_SIZE for _name, _year_id, n in ever), ever


def test_each_class_has_its_own_homeroom_teacher(demo):
    with demo.read() as session:
        for name in (CURRENT, PREVIOUS):
            year = _year(session, name)
            teachers = session.scalars(select(SchoolClass.homeroom_id).where(SchoolClass.year_id == year.id)).all()
            assert None not in teachers
            assert len(set(teachers)) == 25
        current = session.scalars(select(StaffMember).join(
            SchoolClass, SchoolClass.homeroom_id == StaffMember.id).where(
            SchoolClass.year_id == _year(session, CURRENT).id)).all()
        assert all(s.active and s.position == "Giáo viên" for s in current)
        rooms = session.scalars(select(SchoolClass.room)).all()
        assert all(r.startswith("Phòng ") for r in rooms)


def test_every_subject_of_every_class_has_exactly_one_teacher(demo):
    with demo.read() as session:
        for name in (CURRENT, PREVIOUS):
            year = _year(session, name)
            classes = session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id)).all()
            pairs = collections.Counter(session.execute(
                select(TeachingAssignment.class_id, TeachingAssignment.subject_id)
                .where(TeachingAssignment.year_id == year.id, TeachingAssignment.deleted.is_(False))).all())
            assert all(n == 1 for n in pairs.values())
            expected = {(c.id, s.id) for c in classes for s, _e in school.grade_subjects(session, year.id, c.grade)}
            assert set(pairs) == expected


def test_specialists_and_homeroom_teachers_share_the_subjects(demo):
    with demo.read() as session:
        year = _year(session, CURRENT)
        rows = session.execute(
            select(SchoolClass.name, SchoolClass.homeroom_id, Subject.code, TeachingAssignment.staff_id)
            .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
            .join(Subject, Subject.id == TeachingAssignment.subject_id)
            .where(TeachingAssignment.year_id == year.id)).all()
        usernames = dict(session.execute(select(Account.staff_id, Account.username).where(
            Account.username.like("gv.%"))).all())
    by_subject = collections.defaultdict(set)
    for class_name, homeroom, code, teacher in rows:
        if code in {"NN1", "TH", "AN", "MT", "GDTC"}:
            assert teacher != homeroom
            by_subject[code].add(usernames[teacher])
        else:  # TV, Toán, Đạo đức, TNXH / LS&ĐL / Khoa học, Công nghệ, HĐTN
            assert teacher == homeroom, (class_name, code)
    assert by_subject == {"NN1": {"gv.tienganh1", "gv.tienganh2"}, "TH": {"gv.tinhoc"}, "AN": {"gv.amnhac"},
                          "MT": {"gv.mythuat"}, "GDTC": {"gv.theduc1", "gv.theduc2"}}


def test_subject_groups(demo):
    with demo.read() as session:
        year = _year(session, CURRENT)
        heads = dict(session.execute(
            select(SubjectGroup.name, Account.username).join(Account, Account.staff_id == SubjectGroup.head_id)
            .where(SubjectGroup.year_id == year.id, Account.username.not_in(["quantri", "yte"]))).all())
    assert heads == {"Tổ 1": "totruong1", "Tổ 2": "totruong2", "Tổ 3": "totruong3", "Tổ 4": "totruong4",
                     "Tổ 5": "totruong5", "Tổ chuyên biệt": "gv.tienganh1"}


# --- people ----------------------------------------------------------------------------------

def test_pupils_look_like_vietnamese_pupils(demo):
    with demo.read() as session:
        year = _year(session, CURRENT)
        enrolled = _enrolled_on(session, year.id, ON)
        everyone = session.scalars(select(Pupil)).all()
    for _class_name, grade, pupil in enrolled:
        assert pupil.date_of_birth.year == ON.year - 5 - grade  # grade 1 in 2026-2027: born 2020
    families = collections.Counter(p.family_name for p in everyone)
    assert 0.30 <= families["Nguyễn"] / len(everyone) <= 0.46
    girls = sum(p.gender == "Nữ" for p in everyone) / len(everyone)
    assert 0.42 <= girls <= 0.58
    minorities = collections.Counter(p.ethnicity for p in everyone if p.ethnicity != "Kinh")
    assert set(minorities) <= {"Tày", "Mường", "Nùng", "Hoa"}
    assert 0.01 <= sum(minorities.values()) / len(everyone) <= 0.06
    assert any(ch in p.full_name for p in everyone for ch in "ĐđƯưƠơ")
    assert all(p.folded_name == fold(p.full_name) for p in everyone)
    assert all(p.contact_phone and p.mother_name and "phường" in p.permanent_address for p in everyone)
    same_name = collections.Counter((c, p.full_name) for c, _g, p in enrolled)
    assert any(n > 1 for n in same_name.values())  # a few children share a full name with a classmate


def test_personal_ids_follow_the_rules(demo):
    with demo.read() as session:
        pupils = session.scalars(select(Pupil)).all()
        staff = session.scalars(select(StaffMember)).all()
    for number, gender, born in [(p.personal_id, p.gender, p.date_of_birth) for p in pupils] + [
            (s.id_number, s.gender, s.date_of_birth) for s in staff]:
        assert len(number) == 12 and number.isdigit()
        century = (born.year // 100 - 19) * 2 + (1 if gender == "Nữ" else 0)
        assert number[3] == str(century), (number, gender, born)
        assert number[4:6] == f"{born.year % 100:02d}"
    ids = [p.personal_id for p in pupils] + [s.id_number for s in staff]
    assert len(set(ids)) == len(ids)
    codes = [p.moet_code for p in pupils]
    assert all(len(c) == 20 for c in codes) and len(set(codes)) == len(codes)
    assert len({p.school_code for p in pupils}) == len(pupils)


def test_staff_look_like_a_primary_school(demo):
    with demo.read() as session:
        staff = session.scalars(select(StaffMember).where(StaffMember.active.is_(True))).all()
    women = sum(s.gender == "Nữ" for s in staff) / len(staff)
    assert 0.75 <= women <= 0.95
    positions = collections.Counter(s.position for s in staff)
    assert positions["Hiệu trưởng"] == 1 and positions["Phó hiệu trưởng"] == 2
    for position in ("Nhân viên văn thư", "Kế toán", "Nhân viên thư viện", "Nhân viên thiết bị"):
        assert positions[position] == 1
    assert positions["Giáo viên"] >= 32
    assert all(len(s.phone) == 10 and s.phone[:2] in {"09", "03", "08", "07", "05"} for s in staff)
    assert len({s.phone for s in staff}) == len(staff)
    names = collections.Counter(s.full_name for s in staff)
    assert any(n > 1 for n in names.values())
    assert all(s.folded_name == fold(s.full_name) for s in staff)


# --- history ---------------------------------------------------------------------------------

def test_last_year_classes_hold_this_years_pupils_one_grade_lower(demo):
    with demo.read() as session:
        cur, prev = _year(session, CURRENT), _year(session, PREVIOUS)
        last = {p.id: c for c, _g, p in _enrolled_on(session, prev.id, prev.end_date)}
        now = _enrolled_on(session, cur.id, cur.start_date)
    moved_up = [(c, last[p.id]) for c, g, p in now if g >= 2 and p.id in last]
    assert len(moved_up) > 0.9 * sum(1 for _c, g, _p in now if g >= 2)
    assert all(int(before[0]) == int(c[0]) - 1 for c, before in moved_up)
    assert not any(p.id in last for _c, g, p in now if g == 1)


def test_last_years_stays_are_closed_at_the_end_of_the_year(demo):
    with demo.read() as session:
        prev = _year(session, PREVIOUS)
        stays = session.scalars(select(Enrolment).join(SchoolClass, SchoolClass.id == Enrolment.class_id)
                                .where(SchoolClass.year_id == prev.id)).all()
        still_open = collections.Counter(session.scalars(select(Enrolment.pupil_id).where(
            Enrolment.end_date.is_(None))))
    assert {e.end_reason for e in stays} == {"het_nam", "chuyen_di"}
    assert all(e.end_date == prev.end_date + dt.timedelta(days=1) for e in stays if e.end_reason == "het_nam")
    assert all(prev.start_date < e.end_date < prev.end_date and e.went_to
               for e in stays if e.end_reason == "chuyen_di")
    assert max(still_open.values()) == 1  # nobody is in two classes at once


def test_transfers_in_and_out_this_year(demo):
    with demo.read() as session:
        cur = _year(session, CURRENT)
        stays = session.scalars(select(Enrolment).join(SchoolClass, SchoolClass.id == Enrolment.class_id)
                                .where(SchoolClass.year_id == cur.id)).all()
    left = [e for e in stays if e.end_reason == "chuyen_di"]
    came = [e for e in stays if e.start_reason == "chuyen_den" and e.start_date > cur.start_date]
    assert 1 <= len(left) <= 10 and 1 <= len(came) <= 10
    assert all(cur.start_date < e.end_date <= ON and e.went_to for e in left)
    assert all(e.start_date < ON and e.came_from and e.end_date is None for e in came)
    assert all(e.start_date == cur.start_date for e in stays if e.start_reason == "dau_nam")


# --- the write path and determinism ----------------------------------------------------------

def test_audit_chain_is_intact(demo):
    with demo.read() as session:
        report = verify_chain(session)
    assert report.intact, report.reason
    assert report.entries > 3000


def test_every_row_went_through_the_capture_path(demo):
    with demo.read() as session:
        journaled = collections.Counter(session.execute(
            select(ChangeRecord.table_name).where(ChangeRecord.kind == "ins")).scalars())
        assert session.scalar(select(func.count(AuditEntry.seq))) == session.scalar(
            select(func.count(ChangeRecord.seq)))
        for mapper in Base.registry.mappers:
            if is_synced(mapper.class_):
                table = mapper.local_table
                rows = session.scalar(select(func.count()).select_from(table))
                assert journaled[table.name] == rows, table.name
    with pytest.raises(exc.DatabaseError), demo.engine.connect() as conn:  # strict mode is on
        conn.execute(text("UPDATE pupil SET notes = 'x'"))


def test_same_seed_same_school(demo, tmp_path):
    again, _summary = _build(tmp_path / "again.sqlite")
    try:
        first, second = snapshot(demo), snapshot(again)
        for key in first:
            assert first[key] == second[key], key
        with demo.read() as s1, again.read() as s2:
            assert set(s1.scalars(select(Pupil.id))).isdisjoint(s2.scalars(select(Pupil.id)))
    finally:
        again.dispose()


# --- refusals and the command line -----------------------------------------------------------

def test_refuses_a_school_that_exists(demo):
    with pytest.raises(ValidationError):
        build_demo_school(demo, PASSWORD, on=ON)


@pytest.mark.parametrize("password", ["abc12", "khongcoso", "12345678", "gv1b2026"])
def test_refuses_a_password_before_writing(tmp_path, password):
    database = open_database(tmp_path / "empty.sqlite", strict_writes=True)
    try:
        with pytest.raises(ValidationError):
            build_demo_school(database, password, on=ON)
        with database.read() as session:
            assert session.scalar(select(func.count(ChangeRecord.seq))) == 0
    finally:
        database.dispose()


def test_command_line(tmp_path, monkeypatch, capsys):
    path = str(tmp_path / "cli.sqlite")
    assert cli.main(["--db", path, "demo", "--password", PASSWORD]) == 0
    assert "Đã tạo trường mẫu" in capsys.readouterr().out
    monkeypatch.setenv("NK_PASSWORD", PASSWORD)
    assert cli.main(["--db", path, "--user", "hieutruong", "classes", "list", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "class,grade,homeroom_username,pupils"
    assert lines[1].startswith("1A,1,totruong1,") and lines[2].startswith("1B,1,gv1b,")
    assert len(lines) == 26
    assert all(30 <= int(line.rsplit(",", 1)[1]) <= MAX_CLASS_SIZE for line in lines[1:])
    assert cli.main(["--db", path, "--user", "gv4b", "users", "list", "--format", "csv"]) == 1  # not allowed
    assert cli.main(["--db", path, "--user", "hieutruong", "users", "list", "--format", "csv"]) == 0
    users = capsys.readouterr().out.splitlines()
    assert len(users) == 1 + len(demo_usernames())
    assert any(u.startswith("gv4b,") and u.endswith(",4B") for u in users)
