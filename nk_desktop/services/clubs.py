"""Clubs (câu lạc bộ): who belongs, each session's roll, and the attendance totals (Điều 7.5).

Who may do what, read from the regulation:
- The school opens, renames and closes a club and names its teacher in charge: the principal
  and the vice-principals (``Action.CLUB_MANAGE``): clubs are part of the school's plan.
- The teacher in charge keeps the member list (as do the principal and vice-principals) and
  takes each session's roll: Điều 7.5 gives "kiểm diện học sinh … những buổi chính khóa,
  sinh hoạt CLB" to the teacher who runs the group, as the homeroom teacher does for the class.
- Reading a club follows reading the roll (``Action.ROLL_VIEW`` school-wide roles) plus the
  teacher in charge.

A club session is a ``RollCall`` with ``club_id`` and the session kind ``"clb"``.  Its marks
(``class_id`` empty, so they never count in a class's roll book) hold *every* member of that
session, present ones with an empty status: each session keeps its own member list, and a
pupil who leaves later stays in the sessions they attended.

Membership: ``club_member`` has no date columns (and this work adds no migration), so a
pupil's joining and leaving dates are the days they were recorded, read from the record's
``created_at`` (or the first session they are on, if earlier) and, for a pupil who left, the
tombstone's ``updated_at`` (the members list also gives their last session).  Leaving keeps the
record (a tombstone, never a hard delete) and every session it appears in; joining again makes
a new record.  Closing a club is likewise its tombstone: its sessions and totals stay readable.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from nk_desktop.actor import Actor
from nk_desktop.clock import to_local, today
from nk_desktop.db import Database
from nk_desktop.errors import NotFound, PermissionDenied, ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.attendance import AttendanceMark, Club, ClubMember, RollCall
from nk_desktop.models.pupils import Enrolment, Pupil
from nk_desktop.models.school import SchoolClass, SchoolYear
from nk_desktop.models.staff import StaffMember
from nk_desktop.services.attendance import STATUSES, normal_status
from nk_desktop.services.common import get_live
from nk_desktop.services.permissions import Action, allows, require
from nk_desktop.text import nfc, person_sort_key

CLUB_SESSION = "clb"


def _club(session: Session, club_id: uuid.UUID, *, closed_ok: bool = False) -> Club:
    club = session.get(Club, club_id)
    if club is None or (club.deleted and not closed_ok):
        raise NotFound(_("Không tìm thấy câu lạc bộ (có thể đã đóng)."))
    return club


def _is_teacher(actor: Actor, club: Club) -> bool:
    return actor.staff_id is not None and club.teacher_id == actor.staff_id


def _may_manage(session: Session, actor: Actor) -> bool:
    return allows(session, actor, Action.CLUB_MANAGE)


def _may_keep_members(session: Session, actor: Actor, club: Club) -> bool:
    return actor.is_system or _is_teacher(actor, club) or _may_manage(session, actor)


def _may_take(actor: Actor, club: Club) -> bool:
    return actor.is_system or _is_teacher(actor, club)


def _may_view(session: Session, actor: Actor, club: Club) -> bool:
    return _may_keep_members(session, actor, club) or allows(session, actor, Action.ROLL_VIEW)


def _require_view(session: Session, actor: Actor, club: Club) -> None:
    if not _may_view(session, actor, club):
        raise PermissionDenied(_("Tài khoản của bạn không có quyền xem câu lạc bộ {n}.").format(n=club.name))


def _clean_name(name: str) -> str:
    text = " ".join((nfc(name) or "").split())
    if not text:
        raise ValidationError(_("Hãy ghi tên câu lạc bộ."), field="name")
    if len(text) > 100:
        raise ValidationError(_("Tên câu lạc bộ dài quá 100 kí tự."), field="name")
    return text


def _check_name_free(session: Session, year_id: uuid.UUID, name: str, club_id: uuid.UUID | None) -> None:
    from nk_desktop.text import fold

    for other in session.scalars(select(Club).where(Club.year_id == year_id, Club.deleted.is_(False))):
        if other.id != club_id and fold(other.name) == fold(name):
            raise ValidationError(_("Năm học này đã có câu lạc bộ “{n}”.").format(n=other.name), field="name")


def _check_teacher(session: Session, teacher_id: uuid.UUID | None) -> None:
    if teacher_id is not None:
        get_live(session, StaffMember, teacher_id, _("giáo viên phụ trách"))


# --- the clubs of a year -------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ClubInfo:
    club_id: uuid.UUID
    name: str
    teacher_id: uuid.UUID | None
    teacher_name: str
    members: int  # current members
    sessions: int  # sessions whose roll was taken
    closed: bool
    may_keep_members: bool  # the actor may add and remove members
    may_take: bool  # the actor may take its roll (the teacher in charge)


def list_clubs(db: Database, actor: Actor, year_id: uuid.UUID, *, include_closed: bool = False) -> list[ClubInfo]:
    """The year's clubs the actor may see, by name; closed ones too when asked."""
    with db.read() as session:
        get_live(session, SchoolYear, year_id, _("năm học"))
        query = select(Club).where(Club.year_id == year_id)
        if not include_closed:
            query = query.where(Club.deleted.is_(False))
        clubs = [c for c in session.scalars(query) if _may_view(session, actor, c)]
        ids = [c.id for c in clubs]
        members: dict[uuid.UUID, int] = {}
        for club_id, in session.execute(select(ClubMember.club_id).where(
                ClubMember.club_id.in_(ids), ClubMember.deleted.is_(False))):
            members[club_id] = members.get(club_id, 0) + 1
        sessions: dict[uuid.UUID, int] = {}
        for club_id, in session.execute(select(RollCall.club_id).where(
                RollCall.club_id.in_(ids), RollCall.deleted.is_(False))):
            sessions[club_id] = sessions.get(club_id, 0) + 1
        teachers = {s.id: s.full_name for s in session.scalars(select(StaffMember).where(
            StaffMember.id.in_([c.teacher_id for c in clubs if c.teacher_id])))}
        keep = _may_manage(session, actor)
        from nk_desktop.text import fold
        return [ClubInfo(c.id, c.name, c.teacher_id, teachers.get(c.teacher_id, ""), members.get(c.id, 0),
                         sessions.get(c.id, 0), bool(c.deleted),
                         not c.deleted and (keep or actor.is_system or _is_teacher(actor, c)),
                         not c.deleted and _may_take(actor, c))
                for c in sorted(clubs, key=lambda c: (c.deleted, fold(c.name)))]


def create_club(db: Database, actor: Actor, year_id: uuid.UUID, name: str,
                teacher_id: uuid.UUID | None = None) -> uuid.UUID:
    """Open a club for the year (the principal or a vice-principal)."""
    name = _clean_name(name)
    with db.write(actor) as session:
        require(session, actor, Action.CLUB_MANAGE)
        get_live(session, SchoolYear, year_id, _("năm học"))
        _check_name_free(session, year_id, name, None)
        _check_teacher(session, teacher_id)
        club = Club(year_id=year_id, name=name, teacher_id=teacher_id)
        session.add(club)
        session.flush()
        return club.id


def update_club(db: Database, actor: Actor, club_id: uuid.UUID, *, name: str,
                teacher_id: uuid.UUID | None) -> None:
    """Rename a club and (re)name its teacher in charge."""
    name = _clean_name(name)
    with db.write(actor) as session:
        require(session, actor, Action.CLUB_MANAGE)
        club = _club(session, club_id)
        _check_name_free(session, club.year_id, name, club.id)
        _check_teacher(session, teacher_id)
        if (club.name, club.teacher_id) != (name, teacher_id):
            club.name, club.teacher_id = name, teacher_id


def close_club(db: Database, actor: Actor, club_id: uuid.UUID) -> None:
    """Close a club: no more sessions or members; its sessions and totals stay readable."""
    with db.write(actor) as session:
        require(session, actor, Action.CLUB_MANAGE)
        club = _club(session, club_id)
        club.deleted = True


# --- members -----------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Member:
    pupil_id: uuid.UUID
    full_name: str
    class_name: str
    joined: dt.date  # the first session on the club's list, or the day the pupil was added if earlier
    left: dt.date | None  # the day the leaving was recorded; None while a member
    sessions: int = 0  # sessions of the club the pupil was on the list of
    last_session: dt.date | None = None


def _enrolled_in_year(session: Session, year_id: uuid.UUID, pupil_ids, on: dt.date) -> dict[uuid.UUID, tuple[Pupil, str]]:
    """Pupils (of *pupil_ids*, or all when None) in a class of the year on *on*: pupil and class name."""
    query = select(Pupil, SchoolClass.name).join(Enrolment, Enrolment.pupil_id == Pupil.id).join(
        SchoolClass, SchoolClass.id == Enrolment.class_id).where(
        SchoolClass.year_id == year_id, SchoolClass.deleted.is_(False), Enrolment.deleted.is_(False),
        Pupil.deleted.is_(False), Enrolment.start_date <= on,
        or_(Enrolment.end_date.is_(None), Enrolment.end_date > on))
    if pupil_ids is not None:
        query = query.where(Pupil.id.in_(list(pupil_ids)))
    return {p.id: (p, class_name) for p, class_name in session.execute(query)}


def _sort_key(pupil: Pupil):
    return person_sort_key(pupil.family_name, pupil.middle_name, pupil.given_name, pupil.date_of_birth, str(pupil.id))


def _class_names(session: Session, year_id: uuid.UUID, pupil_ids) -> dict[uuid.UUID, str]:
    """Each pupil's latest class of the year (the one they are in, or the one they left last)."""
    rows = session.execute(select(Enrolment.pupil_id, SchoolClass.name, Enrolment.start_date).join(
        SchoolClass, SchoolClass.id == Enrolment.class_id).where(
        SchoolClass.year_id == year_id, Enrolment.deleted.is_(False), Enrolment.pupil_id.in_(list(pupil_ids)))).all()
    out: dict[uuid.UUID, tuple[dt.date, str]] = {}
    for pupil_id, name, start in rows:
        if pupil_id not in out or start > out[pupil_id][0]:
            out[pupil_id] = (start, name)
    return {pid: name for pid, (_start, name) in out.items()}


def club_members(db: Database, actor: Actor, club_id: uuid.UUID, *, include_left: bool = True) -> list[Member]:
    """Current members in the official order, then those who left (latest first)."""
    with db.read() as session:
        club = _club(session, club_id, closed_ok=True)
        _require_view(session, actor, club)
        query = select(ClubMember, Pupil).join(Pupil, Pupil.id == ClubMember.pupil_id).where(
            ClubMember.club_id == club_id)
        if not include_left:
            query = query.where(ClubMember.deleted.is_(False))
        rows = session.execute(query).all()
        classes = _class_names(session, club.year_id, {p.id for _m, p in rows})
        attended: dict[uuid.UUID, list[dt.date]] = {}
        for pupil_id, day in session.execute(select(AttendanceMark.pupil_id, RollCall.day).join(
                RollCall, RollCall.id == AttendanceMark.roll_id).where(
                RollCall.club_id == club_id, RollCall.deleted.is_(False), AttendanceMark.deleted.is_(False))):
            attended.setdefault(pupil_id, []).append(day)
    # A pupil's stints, oldest first: the first one also starts at their first session (data from before
    # memberships were recorded, or recorded late); each later one at the day it was recorded.
    members, seen = [], set()
    for m, p in sorted(rows, key=lambda mp: mp[0].created_at):
        days = sorted(attended.get(p.id, []))
        recorded = to_local(m.created_at).date()
        joined = recorded if p.id in seen or not days else min(recorded, days[0])
        seen.add(p.id)
        left = to_local(m.updated_at).date() if m.deleted else None
        own = [d for d in days if d >= joined and (left is None or d <= left)]
        members.append(Member(p.id, p.full_name, classes.get(p.id, ""), joined, left, len(own),
                              own[-1] if own else None))
    pupils = {p.id: p for _m, p in rows}
    current = sorted((m for m in members if m.left is None), key=lambda m: _sort_key(pupils[m.pupil_id]))
    gone = sorted((m for m in members if m.left is not None), key=lambda m: m.left, reverse=True)
    return current + gone


def candidates(db: Database, actor: Actor, club_id: uuid.UUID, *, on: dt.date | None = None) -> list[Member]:
    """Pupils enrolled in the school today who are not members: the list to add from (by class, then name)."""
    on = on or today()
    with db.read() as session:
        club = _club(session, club_id)
        _require_view(session, actor, club)
        current = set(session.scalars(select(ClubMember.pupil_id).where(
            ClubMember.club_id == club_id, ClubMember.deleted.is_(False))))
        pupils = _enrolled_in_year(session, club.year_id, None, on)
    rows = [(class_name, _sort_key(p), Member(p.id, p.full_name, class_name, on, None))
            for pid, (p, class_name) in pupils.items() if pid not in current]
    return [m for _c, _k, m in sorted(rows, key=lambda r: (len(r[0]), r[0], r[1]))]


def add_members(db: Database, actor: Actor, club_id: uuid.UUID, pupil_ids, *, on: dt.date | None = None) -> int:
    """Add pupils enrolled in the school (this year, today); returns how many joined (members already in are skipped)."""
    on = on or today()
    wanted = list(dict.fromkeys(pupil_ids))
    with db.write(actor) as session:
        club = _club(session, club_id)
        if not _may_keep_members(session, actor, club):
            raise PermissionDenied(_("Chỉ giáo viên phụ trách câu lạc bộ, Hiệu trưởng hoặc Phó hiệu trưởng "
                                     "được sửa danh sách thành viên."))
        enrolled = _enrolled_in_year(session, club.year_id, wanted, on)
        strangers = [pid for pid in wanted if pid not in enrolled]
        if strangers:
            raise ValidationError(_("Có {n} học sinh không học ở trường trong năm học này (ngày {d:%d/%m/%Y}); "
                                    "không thêm ai.").format(n=len(strangers), d=on))
        current = set(session.scalars(select(ClubMember.pupil_id).where(
            ClubMember.club_id == club_id, ClubMember.deleted.is_(False))))
        added = 0
        for pupil_id in wanted:
            if pupil_id in current:
                continue
            session.add(ClubMember(club_id=club_id, pupil_id=pupil_id))
            added += 1
        return added


def remove_member(db: Database, actor: Actor, club_id: uuid.UUID, pupil_id: uuid.UUID) -> None:
    """A pupil leaves the club today: the membership is closed (kept), the sessions attended stay."""
    with db.write(actor) as session:
        club = _club(session, club_id)
        if not _may_keep_members(session, actor, club):
            raise PermissionDenied(_("Chỉ giáo viên phụ trách câu lạc bộ, Hiệu trưởng hoặc Phó hiệu trưởng "
                                     "được sửa danh sách thành viên."))
        member = session.scalar(select(ClubMember).where(
            ClubMember.club_id == club_id, ClubMember.pupil_id == pupil_id, ClubMember.deleted.is_(False)))
        if member is None:
            raise NotFound(_("Học sinh này không phải thành viên câu lạc bộ {n}.").format(n=club.name))
        member.deleted = True


# --- a session's roll ----------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ClubRollRow:
    pupil_id: uuid.UUID
    number: int
    full_name: str
    class_name: str
    status: str  # "" present, P, K, M
    reason: str


@dataclasses.dataclass(frozen=True)
class ClubRoll:
    club_id: uuid.UUID
    club_name: str
    day: dt.date
    taken: bool
    rows: list[ClubRollRow]
    editable: bool
    closed_reason: str


def _day_problem(session: Session, club: Club, day: dt.date, on: dt.date) -> str | None:
    year = session.get(SchoolYear, club.year_id)
    if day > on:
        return _("Chưa đến ngày {d:%d/%m/%Y}.").format(d=day)
    if not year.start_date <= day <= year.end_date:
        return _("Ngày {d:%d/%m/%Y} nằm ngoài năm học {y}.").format(d=day, y=year.name)
    if club.deleted:
        return _("Câu lạc bộ {n} đã đóng.").format(n=club.name)
    return None


def _session_roll(session: Session, club_id: uuid.UUID, day: dt.date) -> RollCall | None:
    return session.scalar(select(RollCall).where(
        RollCall.club_id == club_id, RollCall.day == day, RollCall.session == CLUB_SESSION,
        RollCall.deleted.is_(False)))


def _roll_members(session: Session, club: Club, roll: RollCall | None) -> tuple[dict[uuid.UUID, Pupil],
                                                                              dict[uuid.UUID, AttendanceMark]]:
    """The session's own member list: its marks once taken, the current members before that."""
    marks: dict[uuid.UUID, AttendanceMark] = {}
    if roll is not None:
        marks = {m.pupil_id: m for m in session.scalars(select(AttendanceMark).where(
            AttendanceMark.roll_id == roll.id, AttendanceMark.deleted.is_(False)))}
    ids = set(marks)
    if roll is None:
        ids = set(session.scalars(select(ClubMember.pupil_id).where(
            ClubMember.club_id == club.id, ClubMember.deleted.is_(False))))
    pupils = {p.id: p for p in session.scalars(select(Pupil).where(Pupil.id.in_(list(ids))))}
    return pupils, marks


def club_roll(db: Database, actor: Actor, club_id: uuid.UUID, day: dt.date, *, on: dt.date | None = None) -> ClubRoll:
    """A club session's roll: its own member list (as taken, or today's members), everyone present unless marked."""
    on = on or today()
    with db.read() as session:
        club = _club(session, club_id, closed_ok=True)
        _require_view(session, actor, club)
        roll = _session_roll(session, club_id, day)
        pupils, marks = _roll_members(session, club, roll)
        classes = _class_names(session, club.year_id, pupils)
        problem = _day_problem(session, club, day, on)
        editable = problem is None and _may_take(actor, club)
    ordered = sorted(pupils.values(), key=_sort_key)
    rows = [ClubRollRow(p.id, n, p.full_name, classes.get(p.id, ""), (m := marks.get(p.id)) and m.status or "",
                        m.reason if m else "") for n, p in enumerate(ordered, start=1)]
    return ClubRoll(club.id, club.name, day, roll is not None, rows, editable, problem or "")


def take_club_roll(db: Database, actor: Actor, club_id: uuid.UUID, day: dt.date,
                   marks: dict[uuid.UUID, tuple[str, str]], *, on: dt.date | None = None) -> int:
    """Save a session's roll (the teacher in charge): *marks* maps absent/late members to (status, reason).

    The first save of a session writes a mark for every current member (present ones with an
    empty status), so the session keeps its member list.  Returns the marks that changed.
    """
    on = on or today()
    clean = {pid: (normal_status(status), nfc(reason) or "") for pid, (status, reason) in marks.items()}
    with db.write(actor) as session:
        club = _club(session, club_id)
        if not _may_take(actor, club):
            raise PermissionDenied(_("Chỉ giáo viên phụ trách câu lạc bộ {n} được điểm danh buổi sinh hoạt.").format(
                n=club.name))
        problem = _day_problem(session, club, day, on)
        if problem:
            raise ValidationError(problem, field="day")
        roll = _session_roll(session, club_id, day)
        pupils, existing = _roll_members(session, club, roll)
        strangers = [pid for pid in clean if pid not in pupils]
        if strangers:
            raise ValidationError(_("Có học sinh không có trong danh sách buổi sinh hoạt {d:%d/%m/%Y} của câu lạc bộ "
                                    "{n}.").format(d=day, n=club.name))
        label = f"điểm danh câu lạc bộ {club.name} {day:%d/%m/%Y}"
        if roll is None:
            roll = RollCall(year_id=club.year_id, class_id=None, club_id=club.id, day=day, session=CLUB_SESSION)
            roll.label_for_audit = label
            session.add(roll)
            session.flush()
        changed = 0
        for pupil_id, pupil in pupils.items():
            status, reason = clean.get(pupil_id, ("", ""))
            mark = existing.get(pupil_id)
            if mark is None:
                mark = AttendanceMark(roll_id=roll.id, pupil_id=pupil_id, class_id=None, day=day,
                                      status=status, reason=reason)
                mark.label_for_audit = f"{label} — {pupil.full_name}"
                session.add(mark)
                changed += int(bool(status))
                continue
            if (mark.status, mark.reason) == (status, reason):
                continue
            mark.status, mark.reason = status, reason
            mark.label_for_audit = f"{label} — {pupil.full_name}"
            changed += 1
        return changed


# --- totals ----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class MemberTotals:
    pupil_id: uuid.UUID
    full_name: str
    class_name: str
    sessions: int  # sessions the pupil was on the list of
    present: int  # on time or late
    excused: int
    unexcused: int
    late: int
    rate: float | None  # present / sessions, percent
    member: bool  # still a member


@dataclasses.dataclass(frozen=True)
class ClubTotals:
    club_id: uuid.UUID
    club_name: str
    sessions: list[dt.date]
    rows: list[MemberTotals]
    rate: float | None  # the club's attendance rate over all its sessions


def club_totals(db: Database, actor: Actor, club_id: uuid.UUID, *, first: dt.date | None = None,
                last: dt.date | None = None) -> ClubTotals:
    """Each pupil's sessions, absences (P/K) and late arrivals in the club, and the rates (one read)."""
    with db.read() as session:
        club = _club(session, club_id, closed_ok=True)
        _require_view(session, actor, club)
        query = select(AttendanceMark.pupil_id, AttendanceMark.status, RollCall.day).join(
            RollCall, RollCall.id == AttendanceMark.roll_id).where(
            RollCall.club_id == club_id, RollCall.deleted.is_(False), AttendanceMark.deleted.is_(False))
        days_query = select(RollCall.day).where(RollCall.club_id == club_id, RollCall.deleted.is_(False))
        if first is not None:
            query, days_query = query.where(RollCall.day >= first), days_query.where(RollCall.day >= first)
        if last is not None:
            query, days_query = query.where(RollCall.day <= last), days_query.where(RollCall.day <= last)
        marks = session.execute(query).all()
        days = sorted(session.scalars(days_query))
        current = set(session.scalars(select(ClubMember.pupil_id).where(
            ClubMember.club_id == club_id, ClubMember.deleted.is_(False))))
        ids = current | {pid for pid, _s, _d in marks}
        pupils = {p.id: p for p in session.scalars(select(Pupil).where(Pupil.id.in_(list(ids))))}
        classes = _class_names(session, club.year_id, ids)
    counts: dict[uuid.UUID, list[int]] = {pid: [0, 0, 0, 0] for pid in ids}  # sessions, P, K, M
    for pupil_id, status, _day in marks:
        row = counts[pupil_id]
        row[0] += 1
        if status in STATUSES:
            row["PKM".index(status) + 1] += 1
    rows = []
    total_sessions = total_present = 0
    for pupil in sorted(pupils.values(), key=lambda p: (p.id not in current, _sort_key(p))):
        n, excused, unexcused, late = counts[pupil.id]
        present = n - excused - unexcused
        total_sessions, total_present = total_sessions + n, total_present + present
        rows.append(MemberTotals(pupil.id, pupil.full_name, classes.get(pupil.id, ""), n, present, excused,
                                 unexcused, late, round(100 * present / n, 1) if n else None, pupil.id in current))
    rate = round(100 * total_present / total_sessions, 1) if total_sessions else None
    return ClubTotals(club.id, club.name, days, rows, rate)
