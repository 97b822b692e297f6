"""The demo school: logins for every role, realistic sizes and names, history, marks and roll up to the date,
determinism, the one write path."""

from __future__ import annotations

import collections
import datetime as dt
import json
import statistics

import pytest
from sqlalchemy import exc, func, select, text

from nk_desktop import cli
from nk_desktop.db import open_database
from nk_desktop.errors import ValidationError
from nk_desktop.models import Base
from nk_desktop.models.accounts import Account, AccountRole
from nk_desktop.models.attendance import AttendanceMark, Club, MonthSheet, RollCall
from nk_desktop.models.base import is_synced
from nk_desktop.models.gradebook import (
    CommentTemplate, CorrectionRequest, Evidence, MarkLock, SubjectResult, TraitResult, YearResult,
)
from nk_desktop.models.gradebook import TestDate as ScheduledTest  # not a pytest class
from nk_desktop.models.journal import AuditEntry, ChangeRecord
from nk_desktop.models.pupils import Enrolment, Pupil
from nk_desktop.models.school import (
    School, SchoolClass, SchoolYear, Subject, SubjectGroup, TeachingAssignment,
)
from nk_desktop.models.staff import StaffMember
from nk_desktop.services import accounts, attendance, gradebook, school
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services.audit import verify_chain
from nk_desktop.services.calendar import work_calendar
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
            **marks_and_roll(session),
        }


def marks_and_roll(session) -> dict[str, list]:
    """The gradebook and the roll, keyed by names and pupil codes (ids are random)."""
    classes = {c.id: c.name for c in session.scalars(select(SchoolClass))}
    years = {y.id: y.name for y in session.scalars(select(SchoolYear))}
    codes = {p.id: p.school_code for p in session.scalars(select(Pupil))}
    subjects = {s.id: s.code for s in session.scalars(select(Subject))}
    return {
        "marks": sorted((years[y], classes[c], codes[p], subjects[s], m, level, -1 if score is None else score, text)
                        for y, c, p, s, m, level, score, text in session.execute(select(
                            SubjectResult.year_id, SubjectResult.class_id, SubjectResult.pupil_id,
                            SubjectResult.subject_id, SubjectResult.milestone, SubjectResult.level,
                            SubjectResult.score, SubjectResult.comment))),
        "traits": sorted((classes[c], codes[p], trait, m, level, text)
                         for c, p, trait, m, level, text in session.execute(select(
                             TraitResult.class_id, TraitResult.pupil_id, TraitResult.trait, TraitResult.milestone,
                             TraitResult.level, TraitResult.comment))),
        "results": sorted((classes[r.class_id], codes[r.pupil_id], r.overall, r.award, r.class_recognition,
                           r.reassessment, str(r.reassessed_on), r.decision, r.approved)
                          for r in session.scalars(select(YearResult))),
        "test_dates": sorted((years[t.year_id], t.grade, subjects[t.subject_id], t.milestone, t.day)
                             for t in session.scalars(select(ScheduledTest))),
        "locks": sorted((years[m.year_id], classes.get(m.class_id, ""), subjects.get(m.subject_id, ""),
                         m.milestone or "", m.locked, m.reason) for m in session.scalars(select(MarkLock))),
        "corrections": sorted((classes[r.class_id], codes[r.pupil_id], r.field, r.old_value, r.new_value, r.status)
                              for r in session.scalars(select(CorrectionRequest))),
        # A club's rolls and marks have no class ("" here); their session kind is "clb".
        "rolls": sorted((classes.get(r.class_id, ""), r.day, r.session) for r in session.scalars(select(RollCall))),
        "absences": sorted((classes.get(m.class_id, ""), m.day, s, codes[m.pupil_id], m.status, m.reason)
                           for m, s in session.execute(select(AttendanceMark, RollCall.session)
                                                       .join(RollCall, RollCall.id == AttendanceMark.roll_id))),
        "sheets": sorted((classes[m.class_id], m.month, m.state) for m in session.scalars(select(MonthSheet))),
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


# --- the gradebook ---------------------------------------------------------------------------

def _principal(demo):
    return accounts.login(demo, "hieutruong", PASSWORD).actor


def _results(session, year_id, milestone):
    """(class id, subject id) → {pupil id: row} of a year's milestone."""
    out = collections.defaultdict(dict)
    for row in session.scalars(select(SubjectResult).where(
            SubjectResult.year_id == year_id, SubjectResult.milestone == milestone,
            SubjectResult.deleted.is_(False))):
        out[(row.class_id, row.subject_id)][row.pupil_id] = row
    return out


def _grade_plan(session, year):
    """(class, subject, tested milestones) of every class of the year."""
    classes = session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id)).all()
    return [(c, s, tuple(e.tested_milestones.split(",")) if e.tested_milestones else ())
            for c in classes for s, e in school.grade_subjects(session, year.id, c.grade)]


def _today_ids(session, year_id, day):
    by_class = collections.defaultdict(set)
    for class_name, _grade, pupil in _enrolled_on(session, year_id, day):
        by_class[class_name].add(pupil.id)
    return by_class


def test_this_years_closed_milestone_is_complete_and_locked(demo):
    with demo.read() as session:
        cur = _year(session, CURRENT)
        rows, plan = _results(session, cur.id, "GK1"), _grade_plan(session, cur)
        pupils = _today_ids(session, cur.id, ON)
        traits = collections.Counter(session.execute(
            select(TraitResult.class_id, TraitResult.pupil_id).where(
                TraitResult.year_id == cur.id, TraitResult.milestone == "GK1", TraitResult.level.is_not(None))).all())
        due = gradebook.level_deadline(session, cur, "GK1")
        assert due < ON  # the end of week 8
        for school_class, subject, tested in plan:
            cells = rows[(school_class.id, subject.id)]
            for pupil_id in pupils[school_class.name]:  # everyone in the class today, incl. transfers in
                assert cells[pupil_id].level in ("HTT", "HT", "CHT"), (school_class.name, subject.code)
                assert cells[pupil_id].comment
                assert (cells[pupil_id].score is not None) == ("GK1" in tested)
                assert traits[(school_class.id, pupil_id)] == 15
            window = gradebook.entry_window(session, school_class, subject.id, "GK1", on=ON)
            assert not window.any_open and window.closed_reason
            assert gradebook.active_lock(session, school_class, subject.id, "GK1").locked
            if "GK1" in tested:  # grades 4–5: Tiếng Việt and Toán, tested inside the window
                day = gradebook.test_date(session, cur.id, school_class.grade, subject.id, "GK1")
                score_due = gradebook.score_deadline(session, cur, school_class.grade, subject.id, "GK1")
                assert cur.start_date < day < due and day < score_due < ON
        assert {s.code for _c, s, tested in plan if "GK1" in tested} == {"TV", "TOAN"}
        # GK2 and CN are not there yet
        assert session.scalar(select(func.count(SubjectResult.id)).where(
            SubjectResult.year_id == cur.id, SubjectResult.milestone.in_(("GK2", "CN")))) == 0


def test_next_milestone_is_in_progress_with_gaps(demo):
    with demo.read() as session:
        cur = _year(session, CURRENT)
        rows, plan = _results(session, cur.id, "CK1"), _grade_plan(session, cur)
        pupils = _today_ids(session, cur.id, ON)
        empty = [(c.name, s.code) for c, s, _t in plan if not rows[(c.id, s.id)]]
        assert 3 <= len(empty) <= 4, empty
        for school_class, subject, _tested in plan:
            if (school_class.name, subject.code) not in empty:
                assert set(rows[(school_class.id, subject.id)]) >= pupils[school_class.name]
            window = gradebook.entry_window(session, school_class, subject.id, "CK1", on=ON)
            assert window.level_open  # in progress: nothing locked, deadline in week 17
        # the traits: entered for every class but one or two whose teachers are behind with a subject too
        with_traits = set(session.scalars(select(TraitResult.class_id).where(
            TraitResult.year_id == cur.id, TraitResult.milestone == "CK1").distinct()))
        behind = [c.name for c, _s, _t in plan if c.id not in with_traits]
        assert 1 <= len(set(behind)) <= 2 and set(behind) <= {name for name, _code in empty}
        # the end-of-term tests are scheduled (after today), so no CK1 score yet
        days = session.scalars(select(ScheduledTest.day).where(ScheduledTest.year_id == cur.id,
                                                          ScheduledTest.milestone == "CK1")).all()
        assert len(days) == 23 and min(days) > ON
        assert all(r.score is None for cells in rows.values() for r in cells.values())


def test_levels_scores_and_comments_look_real(demo):
    with demo.read() as session:
        rows = session.execute(select(SubjectResult.milestone, SubjectResult.level, SubjectResult.score,
                                      SubjectResult.comment)).all()
        traits = session.execute(select(TraitResult.milestone, TraitResult.level)).all()
        bank = session.execute(select(CommentTemplate.level, CommentTemplate.text)).all()
        math = {(r.pupil_id, r.year_id): r.level for r in session.scalars(select(SubjectResult).join(
            Subject, Subject.id == SubjectResult.subject_id).where(Subject.code == "TOAN",
                                                                    SubjectResult.milestone == "GK1"))}
        reading = {(r.pupil_id, r.year_id): r.level for r in session.scalars(select(SubjectResult).join(
            Subject, Subject.id == SubjectResult.subject_id).where(Subject.code == "TV",
                                                                    SubjectResult.milestone == "GK1"))}
    mid = collections.Counter(level for m, level, _s, _c in rows if m != "CN")
    total = sum(mid.values())
    assert 0.38 <= mid["HTT"] / total <= 0.55 and 0.42 <= mid["HT"] / total <= 0.58
    assert 0.02 <= mid["CHT"] / total <= 0.08
    end = collections.Counter(level for m, level, _s, _c in rows if m == "CN")
    assert 0 < end["CHT"] / sum(end.values()) < 0.03  # most catch up by the end of the year
    levels = collections.Counter(level for _m, level in traits)
    assert 0.5 <= levels["TOT"] / len(traits) <= 0.7 and 0.3 <= levels["DAT"] / len(traits) <= 0.45
    assert 0.01 <= levels["CCG"] / len(traits) <= 0.05
    scores = [s for _m, _l, s, _c in rows if s is not None]
    assert all(isinstance(s, int) and 0 <= s <= 10 for s in scores)
    assert sum(s >= 6 for s in scores) / len(scores) >= 0.85 and any(s < 5 for s in scores)
    assert all(lo <= s <= hi for _m, level, s, _c in rows if s is not None
               for lo, hi in [{"HTT": (8, 10), "HT": (5, 10), "CHT": (0, 5)}[level]])
    # one pupil's subjects agree: good in Toán, most likely good in Tiếng Việt
    both = [(math[k], reading[k]) for k in math.keys() & reading.keys()]
    good = [tv == "HTT" for m, tv in both if m == "HTT"]
    rest = [tv == "HTT" for m, tv in both if m != "HTT"]
    assert sum(good) / len(good) > sum(rest) / len(rest) + 0.4
    # comments come from the school's comment bank (a few phrases per level)
    texts = {c for _m, _l, _s, c in rows}
    assert all(c for c in texts) and len(texts) < 150
    assert {level for level, _t in bank} == {"HTT", "HT", "CHT", "TOT", "DAT", "CCG"}


def test_last_year_is_finished_with_results_approved(demo):
    with demo.read() as session:
        prev = _year(session, PREVIOUS)
        plan = _grade_plan(session, prev)
        at_end = _today_ids(session, prev.id, prev.end_date)
        for milestone in rules.MILESTONES:
            rows = _results(session, prev.id, milestone)
            for school_class, subject, tested in plan:
                cells = rows[(school_class.id, subject.id)]
                assert set(cells) >= at_end[school_class.name], (milestone, school_class.name, subject.code)
                assert all((c.score is not None) == (milestone in tested) for c in cells.values())
            assert gradebook.active_lock(session, plan[0][0], None, milestone).locked
        results = {r.pupil_id: r for r in session.scalars(select(YearResult).where(YearResult.year_id == prev.id))}
        classes = {c.id: c for c in session.scalars(select(SchoolClass).where(SchoolClass.year_id == prev.id))}
        locks = session.scalars(select(MarkLock).where(MarkLock.year_id == prev.id, MarkLock.class_id.is_not(None),
                                                        MarkLock.milestone == "CN")).all()
    assert set(results) == set().union(*at_end.values())
    assert all(r.approved and r.rule_set == rules.RULE_SET and r.reason for r in results.values())
    assert len(locks) == 25 and all(lock.locked for lock in locks)
    overall = collections.Counter(r.overall for r in results.values())
    assert overall["HTXS"] and overall["HTT"] and overall["HT"] > overall["HTT"]
    assert 1 <= overall["CHT"] <= 0.05 * len(results)
    assert any(r.award == "XUAT_SAC" for r in results.values()) and any(r.award == "TIEU_BIEU"
                                                                         for r in results.values())
    for r in results.values():
        grade = classes[r.class_id].grade
        assert r.decision == ("hoan_thanh_tieu_hoc" if grade == 5 else "len_lop")
        if r.overall == "CHT":  # re-assessed in the summer, before 31 August (Điều 11.1.d)
            assert r.reassessment == "HT" and r.completed
            assert dt.date(prev.end_date.year, 6, 1) <= r.reassessed_on <= dt.date(prev.end_date.year, 8, 31)
        else:
            assert r.completed and not r.reassessment


def test_entries_are_made_by_the_people_who_make_them(demo):
    """The audit log names the teacher of each cell, the homeroom teacher for traits and rolls, the office…"""
    with demo.read() as session:
        prev = _year(session, PREVIOUS)
        account = {a.staff_id: a.id for a in session.scalars(select(Account))
                   if a.username not in ("quantri", "yte")}
        username = {a.id: a.username for a in session.scalars(select(Account))}
        teacher = {(a.class_id, a.subject_id): a.staff_id for a in session.scalars(select(TeachingAssignment))}
        classes = {c.id: c for c in session.scalars(select(SchoolClass))}
        retired = {c.id for c in classes.values() if c.homeroom_id not in account}
        first = dict(session.execute(select(AuditEntry.row_id, AuditEntry.actor_id).where(
            AuditEntry.kind == "ins", AuditEntry.table_name.in_(
                ("subject_result", "trait_result", "roll_call", "test_date", "mark_lock", "year_result")))).all())
        for row_id, class_id, subject_id, milestone in session.execute(select(
                SubjectResult.id, SubjectResult.class_id, SubjectResult.subject_id, SubjectResult.milestone)):
            assert first[row_id] == account.get(teacher[(class_id, subject_id)]), (classes[class_id].name, milestone)
        for row_id, class_id in session.execute(select(TraitResult.id, TraitResult.class_id)):
            assert first[row_id] == account.get(classes[class_id].homeroom_id)
        club_teacher = {c.id: c.teacher_id for c in session.scalars(select(Club))}
        for row in session.scalars(select(RollCall)):  # a class's roll by its homeroom teacher, a club's by its own
            owner = club_teacher[row.club_id] if row.class_id is None else classes[row.class_id].homeroom_id
            assert first[row.id] == account[owner]
        assert {username[first[t.id]] for t in session.scalars(select(ScheduledTest))} == {"phohieutruong"}
        assert {username.get(first[m.id]) for m in session.scalars(select(MarkLock))} <= {"hieutruong", "quantri"}
        assert {first[r.id] for r in session.scalars(select(YearResult))} == \
            {account.get(classes[c].homeroom_id) for c in classes if classes[c].year_id == prev.id}
    assert len(retired) == 1 and classes[next(iter(retired))].year_id == prev.id  # written by SYSTEM


def _audit(session, table: str, kind: str | None = None):
    query = select(AuditEntry).where(AuditEntry.table_name == table).order_by(AuditEntry.seq)
    if kind:
        query = query.where(AuditEntry.kind == kind)
    return session.scalars(query).all()


def test_edit_histories_worth_flagging(demo):
    with demo.read() as session:
        cur = _year(session, CURRENT)
        usernames = {a.id: a.username for a in session.scalars(select(Account))}
        account_of_staff = {a.staff_id: a.id for a in session.scalars(select(Account))
                            if not a.username.startswith(("quantri", "yte"))}
        quantri = next(i for i, name in usernames.items() if name == "quantri")
        results = {r.id: r for r in session.scalars(select(SubjectResult).where(SubjectResult.year_id == cur.id))}
        teacher = {(a.class_id, a.subject_id): a.staff_id for a in session.scalars(select(TeachingAssignment))}
        classes = {c.id: c for c in session.scalars(select(SchoolClass).where(SchoolClass.year_id == cur.id))}
        updates = _audit(session, "subject_result", "upd")
        locks = _audit(session, "mark_lock")
        codes = {s.id: s.code for s in session.scalars(select(Subject))}
    by_row = collections.defaultdict(list)
    for entry in updates:
        by_row[entry.row_id].append(entry)
    # a cell changed four times or more by its own teacher
    many = [row for row, entries in by_row.items() if len(entries) >= 4]
    assert many
    row = results[many[0]]
    assert {e.actor_id for e in by_row[many[0]]} == {account_of_staff[teacher[(row.class_id, row.subject_id)]]}
    # a score deleted, then entered again
    assert any(any(json.loads(a.changes).get("score", [0, 0])[1] is None
                   and json.loads(b.changes).get("score", [None, None])[1] is not None
                   for a, b in zip(entries, entries[1:])) for entries in by_row.values())
    # the principal unlocks a class, its teacher edits 12 cells at once (and the DB admin one), then a lock again
    unlock = next(e for e in locks if json.loads(e.changes).get("locked") == [True, False])
    relock = next(e for e in locks if e.seq > unlock.seq and e.row_id == unlock.row_id
                  and json.loads(e.changes).get("locked") == [False, True])
    assert usernames[unlock.actor_id] == usernames[relock.actor_id] == "hieutruong"
    burst = [e for e in updates if unlock.seq < e.seq < relock.seq and e.class_id == unlock.class_id]
    homeroom = account_of_staff[classes[unlock.class_id].homeroom_id]
    assert sum(e.actor_id == homeroom for e in burst) >= 12
    # …and someone other than the assigned teacher: the DB admin, in Toán
    outsiders = [e for e in burst if e.actor_id == quantri]
    assert outsiders
    row = results[outsiders[0].row_id]
    assert codes[row.subject_id] == "TOAN"
    assert account_of_staff[teacher[(row.class_id, row.subject_id)]] != quantri
    # a class noticeably below the school's distribution in one subject
    with demo.read() as session:
        rows = _results(session, cur.id, "GK1")
    share = {key: sum(r.level == "HTT" for r in cells.values()) / len(cells) for key, cells in rows.items()}
    school_share = statistics.mean(share.values())
    low = [key for key, value in share.items() if value < school_share - 0.25]
    assert low
    scores = [r.score for r in rows[low[0]].values() if r.score is not None]
    same_subject = [r.score for key, cells in rows.items() if key[1] == low[0][1] and key != low[0]
                    for r in cells.values() if r.score is not None]
    assert statistics.mean(scores) < statistics.mean(same_subject) - 1


def test_correction_requests(demo):
    with demo.read() as session:
        requests = {r.status: r for r in session.scalars(select(CorrectionRequest))}
        assert set(requests) == {"applied", "requested"}
        applied = requests["applied"]
        evidence = session.scalars(select(Evidence).where(Evidence.request_id == applied.id)).all()
        cell = session.scalar(select(SubjectResult).where(
            SubjectResult.class_id == applied.class_id, SubjectResult.pupil_id == applied.pupil_id,
            SubjectResult.subject_id == applied.subject_id, SubjectResult.milestone == applied.milestone))
        school_class = session.get(SchoolClass, applied.class_id)
        lock = gradebook.active_lock(session, school_class, applied.subject_id, applied.milestone)
        usernames = {a.id: a.username for a in session.scalars(select(Account))}
        pending = session.scalars(select(Evidence).where(Evidence.request_id == requests["requested"].id)).all()
    assert {e.kind for e in evidence} == {"so_ca_nhan", "bai_kiem_tra"} == {e.kind for e in pending}
    assert all(e.content.startswith(b"\x89PNG") and len(e.content) < 2000 for e in evidence + pending)
    assert str(cell.score) == applied.new_value != applied.old_value
    assert usernames[applied.decided_by] == "hieutruong" and usernames[applied.applied_by] == "quantri"
    assert lock.locked and lock.class_id == applied.class_id  # locked again at once
    assert requests["requested"].decided_by is None and not requests["requested"].after_final


# --- the roll --------------------------------------------------------------------------------

LAST_SCHOOL_DAY = dt.date(2026, 11, 27)  # ON is a Sunday


def test_every_class_but_one_took_the_roll_up_to_the_last_school_day(demo):
    principal = _principal(demo)
    with demo.read() as session:
        cur = _year(session, CURRENT)
        rolls = collections.Counter(session.execute(select(RollCall.class_id, RollCall.session)).all())
        days = {d for d, in session.execute(select(RollCall.day).distinct())}
        n_classes = session.scalar(select(func.count(SchoolClass.id)).where(SchoolClass.year_id == cur.id))
        calendar = work_calendar(session, 2026, 2026)
    school_days = [d for d in (cur.start_date + dt.timedelta(days=n) for n in range((ON - cur.start_date).days + 1))
                   if calendar.is_working_day(d)]
    assert dt.date(2026, 11, 24) not in school_days  # Ngày Văn hóa Việt Nam
    assert days == set(school_days) and max(days) == LAST_SCHOOL_DAY
    missing = attendance.classes_without_roll(demo, principal, cur.id, LAST_SCHOOL_DAY)
    assert len(missing) == 1
    mornings = sorted(n for (_c, s), n in rolls.items() if s == "sang")
    assert len(mornings) == n_classes and mornings == [len(school_days) - 1] + [len(school_days)] * (n_classes - 1)
    afternoons = [n for (_c, s), n in rolls.items() if s == "chieu"]
    assert 2 <= len(afternoons) <= 6
    alerts = attendance.alerts(demo, principal, cur.id, on=LAST_SCHOOL_DAY)
    assert [a.class_name for a in alerts if a.kind == "no_roll"] == missing


def test_absences_look_real(demo):
    with demo.read() as session:
        marks = session.execute(select(AttendanceMark.status, AttendanceMark.reason)).all()
        stays = collections.defaultdict(list)
        for e in session.scalars(select(Enrolment)):
            stays[e.class_id].append((e.start_date, e.end_date))
        pupil_sessions = sum(
            sum(start <= day and (end is None or day < end) for start, end in stays[class_id])
            for class_id, day in session.execute(select(RollCall.class_id, RollCall.day)))
    statuses = collections.Counter(status for status, _r in marks)
    assert 0.015 <= (statuses["P"] + statuses["K"]) / pupil_sessions <= 0.045
    assert statuses["P"] > 4 * statuses["K"] > 0 and statuses["M"] > 0
    reasons = collections.Counter(reason for status, reason in marks if status == "P")
    assert "" not in reasons and reasons["Ốm"] > 0 and reasons["Việc gia đình"] > 0


def test_absence_streaks_in_november(demo):
    principal = _principal(demo)
    with demo.read() as session:
        cur = _year(session, CURRENT)
        rolls = collections.defaultdict(set)
        for class_id, day in session.execute(select(RollCall.class_id, RollCall.day).where(RollCall.session == "sang")):
            rolls[class_id].add(day)
        absent = collections.defaultdict(set)
        for pupil_id, class_id, day in session.execute(
                select(AttendanceMark.pupil_id, AttendanceMark.class_id, AttendanceMark.day)
                .join(RollCall, RollCall.id == AttendanceMark.roll_id)
                .where(RollCall.session == "sang", AttendanceMark.status.in_(("P", "K")))):
            absent[(pupil_id, class_id)].add(day)
    longest = {}
    for (pupil_id, class_id), days in absent.items():
        run = best = 0
        for day in sorted(rolls[class_id]):
            run = run + 1 if day in days else 0
            if day.month == 11:
                best = max(best, run)
        longest[pupil_id] = best
    streaks = [n for n in longest.values() if n >= 3]
    assert len(streaks) >= 3 and max(streaks) >= 5
    alerts = attendance.alerts(demo, principal, cur.id, on=LAST_SCHOOL_DAY)
    assert any(a.kind == "streak" for a in alerts)


def test_monthly_sheets_at_each_step_of_the_paper_trail(demo):
    principal = _principal(demo)
    with demo.read() as session:
        cur = _year(session, CURRENT)
    september = attendance.paper_trail(demo, principal, cur.id, "2026-09", on=ON)
    october = attendance.paper_trail(demo, principal, cur.id, "2026-10", on=ON)
    november = attendance.paper_trail(demo, principal, cur.id, "2026-11", on=ON)
    assert {r.state for r in september} == {"bound"} and len(september) == 25
    states = collections.Counter(r.state for r in october)
    assert {"printed", "signed_teacher", "received"} <= set(states) and "bound" not in states
    assert [r.state for r in october if r.late] == ["confirmed", "confirmed"]
    assert {r.state for r in november} == {"open"} and not any(r.late for r in november)


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


def test_two_clubs_meet_weekly_with_their_own_rolls(demo):
    from nk_desktop.services import clubs

    principal = _principal(demo)
    with demo.read() as session:
        cur = _year(session, CURRENT)
    found = clubs.list_clubs(demo, principal, cur.id)
    assert [c.name for c in found] == ["Bóng đá mini", "Cờ vua"] and all(c.teacher_name for c in found)
    for club in found:
        members = clubs.club_members(demo, principal, club.club_id)
        assert 11 <= club.members <= 15 and sum(m.left is not None for m in members) == 1
        gone = next(m for m in members if m.left is not None)  # left in October, after three sessions
        assert gone.left.month == 10 and gone.sessions == 3 and gone.last_session < gone.left
        assert gone.after_leaving == 0 and all(m.joined.month == 10 for m in members)
        totals = clubs.club_totals(demo, principal, club.club_id)
        assert len(totals.sessions) == club.sessions >= 6
        assert all(d.month >= 10 and d.weekday() in (2, 4) for d in totals.sessions)
        assert 80 <= totals.rate < 100
