"""The school's structure: profile, years and calendar, subjects, classes, assignments, groups."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nk_desktop.actor import Actor
from nk_desktop.clock import today
from nk_desktop.db import Database
from nk_desktop.errors import NotFound, ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.pupils import Enrolment
from nk_desktop.models.school import (
    CurriculumEntry, DayOff, School, SchoolClass, SchoolYear, Subject, SubjectGroup,
    SubjectGroupMember, TeachingAssignment, TeachingWeek, Term,
)
from nk_desktop.models.staff import StaffMember
from nk_desktop.services import curriculum
from nk_desktop.services.calendar import plan_weeks, work_calendar
from nk_desktop.services.common import get_live
from nk_desktop.services.permissions import Action, require
from nk_desktop.text import nfc

YEAR_NAME_RE = re.compile(r"^(\d{4})\s*[-–]\s*(\d{4})$")
CLASS_NAME_RE = re.compile(r"^([1-5])[A-Z0-9]{1,3}$")
GOVERNING_BODY_REFORM = dt.date(2025, 7, 1)  # two-tier local government (vn-primary-rules §4.5)
MAX_CLASS_SIZE = 35  # Điều lệ trường tiểu học (Thông tư 28/2020), Điều 16 (vn-primary-rules §4.2)


# --- profile ----------------------------------------------------------------------

def school_profile(session: Session) -> School | None:
    return session.scalar(select(School).where(School.deleted.is_(False)))


def update_profile(db: Database, actor: Actor, **fields) -> None:
    """Change the school's name, address, place name, phone, e-mail, principal or logo."""
    allowed = {"name", "address", "place_name", "phone", "email", "principal_id", "logo"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(_("Không sửa được trường thông tin: {f}.").format(f=", ".join(sorted(unknown))))
    with db.write(actor) as session:
        require(session, actor, Action.SCHOOL_PROFILE_EDIT)
        school = school_profile(session)
        if school is None:
            raise NotFound(_("Chưa có hồ sơ trường."))
        for key, value in fields.items():
            if isinstance(value, str):
                value = nfc(value)
            if key == "name" and not value:
                raise ValidationError(_("Tên trường không được để trống."), field="name")
            if key == "principal_id" and value is not None:
                get_live(session, StaffMember, value, _("cán bộ"))
            setattr(school, key, value)


@dataclasses.dataclass(frozen=True)
class SchoolSettings:
    password_min_length: int
    password_max_age_days: int
    db_admin_manages_accounts: bool


def school_settings(db: Database, actor: Actor) -> SchoolSettings:
    """The password policy and whether the DB admin may manage accounts."""
    with db.read() as session:
        require(session, actor, Action.SCHOOL_VIEW)
        profile = school_profile(session)
        if profile is None:
            return SchoolSettings(8, 90, False)
        return SchoolSettings(profile.password_min_length, profile.password_max_age_days,
                              bool(profile.db_admin_manages_accounts))


# --- school years -----------------------------------------------------------------

def parse_year_name(name: str) -> tuple[int, int]:
    match = YEAR_NAME_RE.match((name or "").strip())
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise ValidationError(
            _("Năm học “{name}” không đúng dạng; ví dụ đúng: 2025-2026.").format(name=name), field="year"
        )
    return int(match.group(1)), int(match.group(2))


def normal_year_name(name: str) -> str:
    first, second = parse_year_name(name)
    return f"{first}-{second}"


def default_governing_body(start: dt.date, commune: str) -> str:
    """Since 1/7/2025 a primary school reports to its commune People's Committee."""
    if start >= GOVERNING_BODY_REFORM:
        return f"UBND {commune}".strip() if commune else "UBND XÃ/PHƯỜNG"
    return "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO"


def current_year(session: Session, on: dt.date | None = None) -> SchoolYear | None:
    """The school year of *on* (today): the one covering it, else the latest one started before."""
    on = on or today()
    years = session.scalars(
        select(SchoolYear).where(SchoolYear.deleted.is_(False)).order_by(SchoolYear.start_date)
    ).all()
    started = [y for y in years if y.start_date <= on]
    covering = [y for y in started if on <= y.end_date]
    if covering:
        return covering[-1]
    return started[-1] if started else (years[0] if years else None)


def year_by_name(session: Session, name: str) -> SchoolYear:
    normal = normal_year_name(name)
    year = session.scalar(select(SchoolYear).where(SchoolYear.name == normal, SchoolYear.deleted.is_(False)))
    if year is None:
        raise NotFound(_("Chưa có năm học {name}.").format(name=normal))
    return year


def list_years(db: Database, actor: Actor, on: dt.date | None = None) -> list[tuple[SchoolYear, bool]]:
    """Every year with whether it is the current one."""
    with db.read() as session:
        require(session, actor, Action.SCHOOL_VIEW)
        current = current_year(session, on)
        years = session.scalars(
            select(SchoolYear).where(SchoolYear.deleted.is_(False)).order_by(SchoolYear.start_date)
        ).all()
        return [(y, current is not None and y.id == current.id) for y in years]


def ensure_subjects(session: Session) -> dict[str, Subject]:
    """Create the curriculum's subjects once; returns them by code."""
    existing = {s.code: s for s in session.scalars(select(Subject).where(Subject.deleted.is_(False)))}
    for position, definition in enumerate(curriculum.SUBJECTS, start=1):
        if definition.code in existing:
            continue
        subject = Subject(
            code=definition.code, name=definition.name, kind=definition.kind, position=position,
            parent_id=existing[definition.parent].id if definition.parent else None,
        )
        session.add(subject)
        session.flush()
        existing[definition.code] = subject
    return existing


def _create_year(session: Session, name: str, first_monday: dt.date, end_date: dt.date | None,
                 governing_body: str | None) -> SchoolYear:
    first, second = parse_year_name(name)
    if first_monday.year != first:
        raise ValidationError(
            _("Tuần 1 của năm học {name} phải bắt đầu trong năm {year}.").format(name=name, year=first)
        )
    clash = session.scalar(select(SchoolYear.id).where(
        SchoolYear.name == f"{first}-{second}", SchoolYear.deleted.is_(False)))
    if clash is not None:
        raise ValidationError(_("Năm học {name} đã có.").format(name=f"{first}-{second}"), field="year")
    calendar = work_calendar(session, first, second)
    weeks = plan_weeks(first_monday, calendar)
    end = end_date or dt.date(second, 5, 31)
    if end < weeks[-1].start:
        raise ValidationError(_("Ngày kết thúc năm học phải sau tuần thực học cuối cùng."), field="end")
    school = school_profile(session)
    body = governing_body if governing_body is not None else default_governing_body(
        weeks[0].start, _commune_of(school.address if school else "")
    )
    year = SchoolYear(name=f"{first}-{second}", start_date=weeks[0].start, end_date=end,
                      governing_body=nfc(body))
    session.add(year)
    session.flush()
    for number in (1, 2):
        in_term = [w for w in weeks if w.term == number]
        term_end = in_term[-1].end if number == 1 else end
        session.add(Term(year_id=year.id, number=number, start_date=in_term[0].start, end_date=term_end))
    for week in weeks:
        session.add(TeachingWeek(year_id=year.id, number=week.number, term=week.term,
                                 start_date=week.start, end_date=week.end))
    subjects = ensure_subjects(session)
    for grade in range(1, 6):
        for code, periods, tests in curriculum.plan_for_grade(grade):
            session.add(CurriculumEntry(
                year_id=year.id, grade=grade, subject_id=subjects[code].id, periods_per_year=periods,
                tested_milestones=",".join(tests),
                source=curriculum.SOURCE_CT + ("; " + curriculum.SOURCE_TEST if tests else ""),
            ))
    return year


def _commune_of(address: str) -> str:
    """The commune/ward part of an address ("…, phường Cầu Đất, …"), upper-cased for a header."""
    for part in (p.strip() for p in address.split(",")):
        lowered = part.lower()
        if lowered.startswith(("xã ", "phường ", "thị trấn ", "đặc khu ")):
            return part.upper()
    return ""


def create_school_year(db: Database, actor: Actor, name: str, first_monday: dt.date, *,
                       end_date: dt.date | None = None, governing_body: str | None = None) -> uuid.UUID:
    """A new year: two terms, 35 numbered teaching weeks from the calendar, the curriculum."""
    with db.write(actor) as session:
        require(session, actor, Action.SCHOOL_YEAR_MANAGE)
        return _create_year(session, name, first_monday, end_date, governing_body).id


def set_governing_body(db: Database, actor: Actor, year_id: uuid.UUID, body: str) -> None:
    with db.write(actor) as session:
        require(session, actor, Action.SCHOOL_YEAR_MANAGE)
        year = get_live(session, SchoolYear, year_id, _("năm học"))
        if not nfc(body):
            raise ValidationError(_("Cơ quan quản lý không được để trống."))
        year.governing_body = nfc(body)


def year_weeks(db: Database, actor: Actor, year_id: uuid.UUID) -> list[TeachingWeek]:
    with db.read() as session:
        require(session, actor, Action.SCHOOL_VIEW)
        return list(session.scalars(
            select(TeachingWeek).where(TeachingWeek.year_id == year_id, TeachingWeek.deleted.is_(False))
            .order_by(TeachingWeek.number)
        ))


def add_day_off(db: Database, actor: Actor, day: dt.date, name: str, *, working: bool = False) -> uuid.UUID:
    """A day off the school sets, or (``working=True``) a make-up working day."""
    with db.write(actor) as session:
        require(session, actor, Action.SCHOOL_YEAR_MANAGE)
        name = nfc(name)
        if not name:
            raise ValidationError(_("Hãy ghi lí do của ngày nghỉ hoặc ngày làm bù."), field="name")
        clash = session.scalar(select(DayOff.id).where(DayOff.day == day, DayOff.deleted.is_(False)))
        if clash is not None:
            raise ValidationError(_("Ngày {day:%d/%m/%Y} đã được khai báo.").format(day=day), field="day")
        row = DayOff(day=day, name=name, working=working)
        session.add(row)
        session.flush()
        return row.id


def remove_day_off(db: Database, actor: Actor, day_off_id: uuid.UUID) -> None:
    with db.write(actor) as session:
        require(session, actor, Action.SCHOOL_YEAR_MANAGE)
        get_live(session, DayOff, day_off_id, _("ngày nghỉ")).deleted = True


def calendar_for_year(db: Database, actor: Actor, year_id: uuid.UUID):
    """The working-day calendar covering a school year."""
    with db.read() as session:
        require(session, actor, Action.SCHOOL_VIEW)
        year = get_live(session, SchoolYear, year_id, _("năm học"))
        return work_calendar(session, year.start_date.year, year.end_date.year)


def school_days_off(db: Database, actor: Actor) -> list[DayOff]:
    with db.read() as session:
        require(session, actor, Action.SCHOOL_VIEW)
        return list(session.scalars(select(DayOff).where(DayOff.deleted.is_(False)).order_by(DayOff.day)))


# --- classes ------------------------------------------------------------------------

def class_size_warning(class_name: str, size: int) -> str:
    """The national limit on a class's size, said when *size* is over it ("" when within).

    A warning, not a refusal: pupils already enrolled stay on the books whatever the count, and the
    school answers for the class size to the Department, not to the clerk entering a transfer."""
    if size <= MAX_CLASS_SIZE:
        return ""
    return _("Lớp {c} có {n} học sinh, vượt mức tối đa {m} học sinh/lớp của Điều lệ trường tiểu học "
             "(Thông tư 28/2020, Điều 16).").format(c=class_name, n=size, m=MAX_CLASS_SIZE)


def normal_class_name(name: str) -> str:
    return nfc(name or "").replace(" ", "").upper()


def _check_homeroom(session: Session, year_id: uuid.UUID, staff_id: uuid.UUID | None,
                    class_id: uuid.UUID | None) -> None:
    if staff_id is None:
        return
    staff = get_live(session, StaffMember, staff_id, _("giáo viên"))
    other = session.scalar(select(SchoolClass).where(
        SchoolClass.year_id == year_id, SchoolClass.homeroom_id == staff_id,
        SchoolClass.deleted.is_(False), SchoolClass.id != class_id if class_id else True,
    ))
    if other is not None:
        raise ValidationError(
            _("{name} đã chủ nhiệm lớp {cls} trong năm học này.").format(name=staff.full_name, cls=other.name),
            field="homeroom",
        )


def create_class(db: Database, actor: Actor, year_id: uuid.UUID, name: str, *,
                 homeroom_id: uuid.UUID | None = None, room: str = "") -> uuid.UUID:
    with db.write(actor) as session:
        require(session, actor, Action.CLASS_MANAGE)
        get_live(session, SchoolYear, year_id, _("năm học"))
        return _create_class(session, year_id, name, homeroom_id, room).id


def _create_class(session: Session, year_id: uuid.UUID, name: str, homeroom_id, room: str) -> SchoolClass:
    normal = normal_class_name(name)
    match = CLASS_NAME_RE.match(normal)
    if not match:
        raise ValidationError(
            _("Tên lớp “{name}” không hợp lệ: bắt đầu bằng khối (1–5), ví dụ 4A.").format(name=name), field="name"
        )
    clash = session.scalar(select(SchoolClass.id).where(
        SchoolClass.year_id == year_id, SchoolClass.name == normal, SchoolClass.deleted.is_(False)))
    if clash is not None:
        raise ValidationError(_("Lớp {name} đã có trong năm học này.").format(name=normal), field="name")
    _check_homeroom(session, year_id, homeroom_id, None)
    school_class = SchoolClass(year_id=year_id, name=normal, grade=int(match.group(1)),
                               homeroom_id=homeroom_id, room=nfc(room) or "")
    session.add(school_class)
    session.flush()
    return school_class


def set_homeroom(db: Database, actor: Actor, class_id: uuid.UUID, staff_id: uuid.UUID | None) -> None:
    with db.write(actor) as session:
        require(session, actor, Action.CLASS_MANAGE)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        _check_homeroom(session, school_class.year_id, staff_id, school_class.id)
        school_class.homeroom_id = staff_id


@dataclasses.dataclass(frozen=True)
class ClassRow:
    id: uuid.UUID
    name: str
    grade: int
    homeroom_id: uuid.UUID | None
    homeroom_name: str
    homeroom_username: str
    pupils: int


def list_classes(db: Database, actor: Actor, year_id: uuid.UUID, *, on: dt.date | None = None) -> list[ClassRow]:
    """Classes of a year with homeroom teacher and class size on *on* (default: today, within the year)."""
    from nk_desktop.models.accounts import Account

    with db.read() as session:
        require(session, actor, Action.SCHOOL_VIEW)
        year = get_live(session, SchoolYear, year_id, _("năm học"))
        day = on or min(max(today(), year.start_date), year.end_date)
        sizes = dict(session.execute(
            select(Enrolment.class_id, func.count(Enrolment.id)).join(
                SchoolClass, SchoolClass.id == Enrolment.class_id
            ).where(
                SchoolClass.year_id == year_id, Enrolment.deleted.is_(False),
                Enrolment.start_date <= day,
                (Enrolment.end_date.is_(None)) | (Enrolment.end_date > day),
            ).group_by(Enrolment.class_id)
        ).all())
        usernames = dict(session.execute(
            select(Account.staff_id, Account.username).where(Account.deleted.is_(False), Account.staff_id.is_not(None))
        ).all())
        rows = session.execute(
            select(SchoolClass, StaffMember).outerjoin(StaffMember, StaffMember.id == SchoolClass.homeroom_id)
            .where(SchoolClass.year_id == year_id, SchoolClass.deleted.is_(False))
        ).all()
        result = [
            ClassRow(
                id=c.id, name=c.name, grade=c.grade, homeroom_id=c.homeroom_id,
                homeroom_name=s.full_name if s else "", homeroom_username=usernames.get(c.homeroom_id, ""),
                pupils=sizes.get(c.id, 0),
            )
            for c, s in rows
        ]
        result.sort(key=lambda r: (r.grade, len(r.name), r.name))
        return result


def class_by_name(session: Session, year_id: uuid.UUID, name: str) -> SchoolClass:
    normal = normal_class_name(name)
    found = session.scalar(select(SchoolClass).where(
        SchoolClass.year_id == year_id, SchoolClass.name == normal, SchoolClass.deleted.is_(False)))
    if found is None:
        raise NotFound(_("Không có lớp {name} trong năm học này.").format(name=normal))
    return found


# --- subjects and assignments --------------------------------------------------------

def grade_subjects(session: Session, year_id: uuid.UUID, grade: int) -> list[tuple[Subject, CurriculumEntry]]:
    """The subjects (parts where a subject has parts) taught in *grade* that year, in book order."""
    rows = session.execute(
        select(Subject, CurriculumEntry).join(CurriculumEntry, CurriculumEntry.subject_id == Subject.id)
        .where(CurriculumEntry.year_id == year_id, CurriculumEntry.grade == grade,
               CurriculumEntry.deleted.is_(False))
        .order_by(Subject.position)
    ).all()
    return [(s, e) for s, e in rows]


@dataclasses.dataclass(frozen=True)
class GradeSubject:
    id: uuid.UUID
    code: str
    name: str
    periods_per_year: int
    tested_milestones: str  # "CK1,CN" or ""


def subjects_of_grade(db: Database, actor: Actor, year_id: uuid.UUID, grade: int) -> list[GradeSubject]:
    """The subjects (parts where a subject has parts) taught in *grade* that year, in book order."""
    with db.read() as session:
        require(session, actor, Action.SCHOOL_VIEW)
        return [GradeSubject(s.id, s.code, s.name, e.periods_per_year, e.tested_milestones)
                for s, e in grade_subjects(session, year_id, grade)]


def subject_by_name(session: Session, text: str) -> Subject:
    """A subject by code ("TOAN") or by name, ignoring accents and case ("Toán", "toan")."""
    from nk_desktop.text import fold

    wanted = fold(text)
    for subject in session.scalars(select(Subject).where(Subject.deleted.is_(False))):
        if wanted in (fold(subject.code), fold(subject.name)):
            return subject
    raise NotFound(_("Không có môn học “{name}”.").format(name=text))


def assign_teacher(db: Database, actor: Actor, class_id: uuid.UUID, subject_id: uuid.UUID,
                   staff_id: uuid.UUID) -> uuid.UUID:
    """Make *staff_id* the teacher of the subject in the class (replacing the previous one)."""
    with db.write(actor) as session:
        require(session, actor, Action.ASSIGNMENT_MANAGE)
        return _assign(session, class_id, subject_id, staff_id).id


def _assign(session: Session, class_id, subject_id, staff_id) -> TeachingAssignment:
    school_class = get_live(session, SchoolClass, class_id, _("lớp"))
    subject = get_live(session, Subject, subject_id, _("môn học"))
    staff = get_live(session, StaffMember, staff_id, _("giáo viên"))
    taught = session.scalar(select(CurriculumEntry.id).where(
        CurriculumEntry.year_id == school_class.year_id, CurriculumEntry.grade == school_class.grade,
        CurriculumEntry.subject_id == subject.id, CurriculumEntry.deleted.is_(False)))
    if taught is None:
        raise ValidationError(
            _("Khối {grade} không học môn {subject} (chương trình năm học này).").format(
                grade=school_class.grade, subject=subject.name)
        )
    if not staff.active:
        raise ValidationError(_("{name} không còn công tác ở trường.").format(name=staff.full_name))
    current = session.scalar(select(TeachingAssignment).where(
        TeachingAssignment.class_id == school_class.id, TeachingAssignment.subject_id == subject.id,
        TeachingAssignment.deleted.is_(False)))
    if current is not None:
        if current.staff_id == staff.id:
            return current
        current.deleted = True
    assignment = TeachingAssignment(year_id=school_class.year_id, class_id=school_class.id,
                                    subject_id=subject.id, staff_id=staff.id)
    session.add(assignment)
    session.flush()
    return assignment


def unassign(db: Database, actor: Actor, assignment_id: uuid.UUID) -> None:
    with db.write(actor) as session:
        require(session, actor, Action.ASSIGNMENT_MANAGE)
        get_live(session, TeachingAssignment, assignment_id, _("phân công")).deleted = True


@dataclasses.dataclass(frozen=True)
class AssignmentRow:
    id: uuid.UUID
    class_id: uuid.UUID
    class_name: str
    subject_id: uuid.UUID
    subject_name: str
    staff_id: uuid.UUID
    teacher_name: str


def list_assignments(db: Database, actor: Actor, year_id: uuid.UUID) -> list[AssignmentRow]:
    with db.read() as session:
        require(session, actor, Action.SCHOOL_VIEW)
        rows = session.execute(
            select(TeachingAssignment, SchoolClass, Subject, StaffMember)
            .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
            .join(Subject, Subject.id == TeachingAssignment.subject_id)
            .join(StaffMember, StaffMember.id == TeachingAssignment.staff_id)
            .where(TeachingAssignment.year_id == year_id, TeachingAssignment.deleted.is_(False))
        ).all()
        result = [
            AssignmentRow(a.id, c.id, c.name, s.id, s.name, t.id, t.full_name) for a, c, s, t in rows
        ]
        positions = {s.id: s.position for _a, _c, s, _t in rows}
        grades = {c.id: (c.grade, c.name) for _a, c, _s, _t in rows}
        result.sort(key=lambda r: (grades[r.class_id], positions[r.subject_id]))
        return result


# --- subject groups ----------------------------------------------------------------

def create_group(db: Database, actor: Actor, year_id: uuid.UUID, name: str, *,
                 head_id: uuid.UUID | None, member_ids: list[uuid.UUID]) -> uuid.UUID:
    with db.write(actor) as session:
        require(session, actor, Action.ASSIGNMENT_MANAGE)
        get_live(session, SchoolYear, year_id, _("năm học"))
        return _create_group(session, year_id, name, head_id, member_ids).id


def _create_group(session: Session, year_id, name: str, head_id, member_ids) -> SubjectGroup:
    name = nfc(name)
    if not name:
        raise ValidationError(_("Tên tổ chuyên môn không được để trống."), field="name")
    members = list(dict.fromkeys(member_ids + ([head_id] if head_id else [])))
    for staff_id in members:
        get_live(session, StaffMember, staff_id, _("cán bộ"))
    group = SubjectGroup(year_id=year_id, name=name, head_id=head_id)
    session.add(group)
    session.flush()
    for staff_id in members:
        session.add(SubjectGroupMember(group_id=group.id, staff_id=staff_id))
    return group


def list_groups(db: Database, actor: Actor, year_id: uuid.UUID) -> list[tuple[SubjectGroup, list[uuid.UUID]]]:
    with db.read() as session:
        require(session, actor, Action.SCHOOL_VIEW)
        groups = session.scalars(select(SubjectGroup).where(
            SubjectGroup.year_id == year_id, SubjectGroup.deleted.is_(False)).order_by(SubjectGroup.name)).all()
        members: dict[uuid.UUID, list[uuid.UUID]] = {}
        for group_id, staff_id in session.execute(select(
                SubjectGroupMember.group_id, SubjectGroupMember.staff_id).where(
                SubjectGroupMember.deleted.is_(False))):
            members.setdefault(group_id, []).append(staff_id)
        return [(g, members.get(g.id, [])) for g in groups]


# --- year rollover -------------------------------------------------------------------

def rollover_year(db: Database, actor: Actor, from_year_id: uuid.UUID, name: str, first_monday: dt.date, *,
                  carry_homerooms: bool = False) -> uuid.UUID:
    """Next year's structure from this one: same classes (1A…5E) and subject groups.

    Teaching assignments are not carried (the principal assigns anew each year);
    homeroom teachers are carried only on request.  Pupils move up in the pupils module.
    """
    with db.write(actor) as session:
        require(session, actor, Action.SCHOOL_YEAR_MANAGE)
        require(session, actor, Action.CLASS_MANAGE)
        source = get_live(session, SchoolYear, from_year_id, _("năm học"))
        first, _second = parse_year_name(name)
        if first != int(source.name[:4]) + 1:
            raise ValidationError(
                _("Năm học mới phải là năm liền sau {name}.").format(name=source.name), field="year"
            )
        year = _create_year(session, name, first_monday, None, source.governing_body)
        for old in session.scalars(select(SchoolClass).where(
                SchoolClass.year_id == source.id, SchoolClass.deleted.is_(False))).all():
            _create_class(session, year.id, old.name, old.homeroom_id if carry_homerooms else None, old.room)
        for group in session.scalars(select(SubjectGroup).where(
                SubjectGroup.year_id == source.id, SubjectGroup.deleted.is_(False))).all():
            member_ids = list(session.scalars(select(SubjectGroupMember.staff_id).where(
                SubjectGroupMember.group_id == group.id, SubjectGroupMember.deleted.is_(False))))
            _create_group(session, year.id, group.name, group.head_id, member_ids)
        return year.id
