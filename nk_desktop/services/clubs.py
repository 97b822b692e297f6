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

Membership (``club_member.start_date`` / ``end_date``, migration 0009): a pupil is a member from
the day they join, and no longer from the day they leave (as an enrolment); both are chosen, by
default today, never in the future nor before the school year starts, and a leaving never before
the joining.  Leaving closes the record (kept, never deleted); joining again makes a new record
from the day the last one ended.  Records made before 0009 have no dates: they read as before,
from the day the record was made (or the first session the pupil is on, if earlier) and, for a
pupil who left, the day the tombstone was recorded.

A session not yet taken lists the members whose membership covers its day.  A taken session
keeps its marks: a leaving dated back before it does not remove the pupil from it (the marks the
teacher gave stay, and count, until the teacher corrects them; ``remove_member`` says how many
sessions still list the pupil), while a joining dated back before it adds the pupil to it, shown
present until the teacher saves the session again (``ClubRoll.pending``).

Closing a club takes a date too (``club.closed_on``, the first day without sessions: after its
last session taken) and tombstones it: no more sessions or members, its sessions and totals stay
readable.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from sqlalchemy import func, or_, select
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


def _check_day(session: Session, club: Club, day: dt.date, on: dt.date, what: str) -> None:
    """A day chosen for joining, leaving or closing: within the school year, not after today (*on*)."""
    year = session.get(SchoolYear, club.year_id)
    if day > on:
        raise ValidationError(_("Ngày {w} {d:%d/%m/%Y} chưa đến: không ghi trước được.").format(w=what, d=day),
                              field="day")
    if day < year.start_date:
        raise ValidationError(_("Ngày {w} {d:%d/%m/%Y} trước ngày bắt đầu năm học {y} ({s:%d/%m/%Y}).").format(
            w=what, d=day, y=year.name, s=year.start_date), field="day")
    if day > year.end_date:
        raise ValidationError(_("Ngày {w} {d:%d/%m/%Y} sau ngày kết thúc năm học {y} ({e:%d/%m/%Y}).").format(
            w=what, d=day, y=year.name, e=year.end_date), field="day")


@dataclasses.dataclass(frozen=True)
class _Stint:
    """One membership record with its dates (read from the record's history for rows made before 0009)."""

    member: ClubMember
    start: dt.date
    end: dt.date | None  # the first day no longer a member

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


def _stints(session: Session, club_id: uuid.UUID, pupil_ids=None) -> dict[uuid.UUID, list[_Stint]]:
    """Every membership of the club (those ended too), per pupil, oldest first."""
    query = select(ClubMember).where(ClubMember.club_id == club_id)
    if pupil_ids is not None:
        query = query.where(ClubMember.pupil_id.in_(list(pupil_ids)))
    records = sorted(session.scalars(query), key=lambda m: m.created_at)
    first: dict[uuid.UUID, dt.date] = {}
    if any(m.start_date is None for m in records):
        first = dict(session.execute(select(AttendanceMark.pupil_id, func.min(RollCall.day)).join(
            RollCall, RollCall.id == AttendanceMark.roll_id).where(
            RollCall.club_id == club_id, RollCall.deleted.is_(False), AttendanceMark.deleted.is_(False)).group_by(
            AttendanceMark.pupil_id)).all())
    out: dict[uuid.UUID, list[_Stint]] = {}
    for m in records:
        start = m.start_date
        if start is None:  # before 0009: the day it was recorded, or its first session for a first stint
            start = to_local(m.created_at).date()
            if m.pupil_id not in out and m.pupil_id in first:
                start = min(start, first[m.pupil_id])
        end = m.end_date
        if end is None and m.deleted:  # left before 0009: the day the leaving was recorded
            end = to_local(m.updated_at).date()
        out.setdefault(m.pupil_id, []).append(_Stint(m, start, end))
    for stints in out.values():
        stints.sort(key=lambda st: (st.start, st.member.created_at))
    return out


def _running(club_ids):
    """The conditions of the memberships still running in *club_ids* (not left, not a pre-0009 tombstone)."""
    return ClubMember.club_id.in_(list(club_ids)), ClubMember.deleted.is_(False), ClubMember.end_date.is_(None)


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
    closed_on: dt.date | None = None  # the first day without sessions, for a closed club


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
        for club_id, in session.execute(select(ClubMember.club_id).where(*_running(ids))):
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
                         not c.deleted and _may_take(actor, c), _closed_on(c))
                for c in sorted(clubs, key=lambda c: (c.deleted, fold(c.name)))]


def _closed_on(club: Club) -> dt.date | None:
    if not club.deleted:
        return None
    return club.closed_on or to_local(club.updated_at).date()  # closed before 0009: the day it was recorded


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


def close_club(db: Database, actor: Actor, club_id: uuid.UUID, *, day: dt.date | None = None,
               on: dt.date | None = None) -> None:
    """Close a club from *day* (default today; after its last session): no more sessions or members;
    its sessions and totals stay readable."""
    on = on or today()
    day = day or on
    with db.write(actor) as session:
        require(session, actor, Action.CLUB_MANAGE)
        club = _club(session, club_id)
        _check_day(session, club, day, on, _("đóng câu lạc bộ"))
        last = session.scalar(select(func.max(RollCall.day)).where(
            RollCall.club_id == club_id, RollCall.deleted.is_(False)))
        if last is not None and day <= last:
            raise ValidationError(_("Câu lạc bộ {n} đã điểm danh buổi sinh hoạt ngày {l:%d/%m/%Y}: ngày đóng phải "
                                    "sau ngày đó.").format(n=club.name, l=last), field="day")
        club.closed_on = day
        club.deleted = True


# --- members -----------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Member:
    pupil_id: uuid.UUID
    full_name: str
    class_name: str
    joined: dt.date  # a member from this day
    left: dt.date | None  # no longer a member from this day; None while a member
    sessions: int = 0  # sessions of the club the pupil was on the list of, during this membership
    last_session: dt.date | None = None
    after_leaving: int = 0  # of those, sessions taken before a leaving dated back before them


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
        stints = _stints(session, club_id)
        pupils = {p.id: p for p in session.scalars(select(Pupil).where(Pupil.id.in_(list(stints))))}
        classes = _class_names(session, club.year_id, pupils)
        attended: dict[uuid.UUID, list[dt.date]] = {}
        for pupil_id, day in session.execute(select(AttendanceMark.pupil_id, RollCall.day).join(
                RollCall, RollCall.id == AttendanceMark.roll_id).where(
                RollCall.club_id == club_id, RollCall.deleted.is_(False), AttendanceMark.deleted.is_(False))):
            attended.setdefault(pupil_id, []).append(day)
    members = []
    for pupil_id, own in stints.items():
        pupil = pupils[pupil_id]
        # A session belongs to the latest membership started on or before it (the first one if none).
        per: list[list[dt.date]] = [[] for _st in own]
        for day in attended.get(pupil_id, []):
            index = max((i for i, st in enumerate(own) if st.start <= day), default=0)
            per[index].append(day)
        for stint, days in zip(own, per):
            days.sort()
            members.append(Member(pupil_id, pupil.full_name, classes.get(pupil_id, ""), stint.start, stint.end,
                                  len(days), days[-1] if days else None,
                                  sum(1 for d in days if stint.end is not None and d >= stint.end)))
    current = sorted((m for m in members if m.left is None), key=lambda m: _sort_key(pupils[m.pupil_id]))
    gone = sorted((m for m in members if m.left is not None), key=lambda m: m.left, reverse=True)
    return current + (gone if include_left else [])


def candidates(db: Database, actor: Actor, club_id: uuid.UUID, *, on: dt.date | None = None) -> list[Member]:
    """Pupils enrolled in the school on *on* (default today) who are not members: the list to add from."""
    on = on or today()
    with db.read() as session:
        club = _club(session, club_id)
        _require_view(session, actor, club)
        current = set(session.scalars(select(ClubMember.pupil_id).where(*_running([club_id]))))
        pupils = _enrolled_in_year(session, club.year_id, None, on)
    rows = [(class_name, _sort_key(p), Member(p.id, p.full_name, class_name, on, None))
            for pid, (p, class_name) in pupils.items() if pid not in current]
    return [m for _c, _k, m in sorted(rows, key=lambda r: (len(r[0]), r[0], r[1]))]


def _require_keep(session: Session, actor: Actor, club: Club) -> None:
    if not _may_keep_members(session, actor, club):
        raise PermissionDenied(_("Chỉ giáo viên phụ trách câu lạc bộ, Hiệu trưởng hoặc Phó hiệu trưởng "
                                 "được sửa danh sách thành viên."))


def add_members(db: Database, actor: Actor, club_id: uuid.UUID, pupil_ids, *, day: dt.date | None = None,
                on: dt.date | None = None) -> int:
    """Pupils join the club from *day* (default today, *on*): all enrolled in the school that day, or none.

    Returns how many joined (members already in are skipped).  A pupil who left joins again from
    the day the last membership ended at the earliest.
    """
    on = on or today()
    day = day or on
    wanted = list(dict.fromkeys(pupil_ids))
    with db.write(actor) as session:
        club = _club(session, club_id)
        _require_keep(session, actor, club)
        _check_day(session, club, day, on, _("vào câu lạc bộ"))
        enrolled = _enrolled_in_year(session, club.year_id, wanted, day)
        strangers = [pid for pid in wanted if pid not in enrolled]
        if strangers:
            raise ValidationError(_("Có {n} học sinh không học ở trường trong năm học này (ngày {d:%d/%m/%Y}); "
                                    "không thêm ai.").format(n=len(strangers), d=day), field="day")
        stints = _stints(session, club_id, wanted)
        added = 0
        for pupil_id in wanted:
            own = stints.get(pupil_id, [])
            if any(st.end is None for st in own):
                continue  # already a member
            ended = max((st.end for st in own), default=None)
            if ended is not None and day < ended:
                raise ValidationError(_("{p} là thành viên câu lạc bộ {n} đến hết ngày {e:%d/%m/%Y}: chỉ vào lại "
                                        "được từ ngày {f:%d/%m/%Y}; không thêm ai.").format(
                    p=enrolled[pupil_id][0].full_name, n=club.name, e=ended - dt.timedelta(days=1), f=ended),
                    field="day")
            session.add(ClubMember(club_id=club_id, pupil_id=pupil_id, start_date=day))
            added += 1
        return added


def remove_member(db: Database, actor: Actor, club_id: uuid.UUID, pupil_id: uuid.UUID, *,
                  day: dt.date | None = None, on: dt.date | None = None) -> int:
    """A pupil leaves the club from *day* (default today, *on*): the membership is closed, never deleted.

    Sessions already taken keep their marks, even those from *day* on when the leaving is dated
    back: returns how many of them still list the pupil (the teacher corrects them if needed).
    """
    on = on or today()
    day = day or on
    with db.write(actor) as session:
        club = _club(session, club_id)
        _require_keep(session, actor, club)
        stint = next((st for st in _stints(session, club_id, [pupil_id]).get(pupil_id, []) if st.end is None), None)
        if stint is None:
            raise NotFound(_("Học sinh này không phải thành viên câu lạc bộ {n}.").format(n=club.name))
        _check_day(session, club, day, on, _("rời câu lạc bộ"))
        if day < stint.start:
            raise ValidationError(_("Ngày rời câu lạc bộ {d:%d/%m/%Y} trước ngày em vào ({s:%d/%m/%Y}).").format(
                d=day, s=stint.start), field="day")
        member = stint.member
        if member.start_date is None:  # a record from before 0009: its start as read, kept from now on
            member.start_date = stint.start
        member.end_date = day
        return session.scalar(select(func.count(AttendanceMark.id)).join(
            RollCall, RollCall.id == AttendanceMark.roll_id).where(
            RollCall.club_id == club_id, RollCall.deleted.is_(False), RollCall.day >= day,
            AttendanceMark.pupil_id == pupil_id, AttendanceMark.deleted.is_(False))) or 0


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
    pending: int = 0  # a taken session: members listed without a mark yet (joined with a date before it)


def _day_problem(session: Session, club: Club, day: dt.date, on: dt.date) -> str | None:
    year = session.get(SchoolYear, club.year_id)
    if day > on:
        return _("Chưa đến ngày {d:%d/%m/%Y}.").format(d=day)
    if not year.start_date <= day <= year.end_date:
        return _("Ngày {d:%d/%m/%Y} nằm ngoài năm học {y}.").format(d=day, y=year.name)
    if club.deleted:
        return _("Câu lạc bộ {n} đã đóng từ ngày {d:%d/%m/%Y}.").format(n=club.name, d=_closed_on(club))
    return None


def _session_roll(session: Session, club_id: uuid.UUID, day: dt.date) -> RollCall | None:
    return session.scalar(select(RollCall).where(
        RollCall.club_id == club_id, RollCall.day == day, RollCall.session == CLUB_SESSION,
        RollCall.deleted.is_(False)))


def _roll_members(session: Session, club: Club, roll: RollCall | None,
                  day: dt.date) -> tuple[dict[uuid.UUID, Pupil], dict[uuid.UUID, AttendanceMark]]:
    """The session's member list: the members whose membership covers *day*, and anyone marked in it already."""
    marks: dict[uuid.UUID, AttendanceMark] = {}
    if roll is not None:
        marks = {m.pupil_id: m for m in session.scalars(select(AttendanceMark).where(
            AttendanceMark.roll_id == roll.id, AttendanceMark.deleted.is_(False)))}
    covered = {pid for pid, stints in _stints(session, club.id).items() if any(st.covers(day) for st in stints)}
    ids = set(marks) | covered
    pupils = {p.id: p for p in session.scalars(select(Pupil).where(Pupil.id.in_(list(ids))))}
    return pupils, marks


def club_roll(db: Database, actor: Actor, club_id: uuid.UUID, day: dt.date, *, on: dt.date | None = None) -> ClubRoll:
    """A club session's roll: the members that day (and anyone marked in it), everyone present unless marked."""
    on = on or today()
    with db.read() as session:
        club = _club(session, club_id, closed_ok=True)
        _require_view(session, actor, club)
        roll = _session_roll(session, club_id, day)
        pupils, marks = _roll_members(session, club, roll, day)
        classes = _class_names(session, club.year_id, pupils)
        problem = _day_problem(session, club, day, on)
        editable = problem is None and _may_take(actor, club)
    ordered = sorted(pupils.values(), key=_sort_key)
    rows = [ClubRollRow(p.id, n, p.full_name, classes.get(p.id, ""), (m := marks.get(p.id)) and m.status or "",
                        m.reason if m else "") for n, p in enumerate(ordered, start=1)]
    pending = sum(1 for pid in pupils if pid not in marks) if roll is not None else 0
    return ClubRoll(club.id, club.name, day, roll is not None, rows, editable, problem or "", pending)


def take_club_roll(db: Database, actor: Actor, club_id: uuid.UUID, day: dt.date,
                   marks: dict[uuid.UUID, tuple[str, str]], *, on: dt.date | None = None) -> int:
    """Save a session's roll (the teacher in charge): *marks* maps absent/late members to (status, reason).

    A save writes a mark for every member on the session's list (present ones with an empty
    status), so the session keeps its member list.  Returns the marks that changed.
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
        pupils, existing = _roll_members(session, club, roll, day)
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
        current = set(session.scalars(select(ClubMember.pupil_id).where(*_running([club_id]))))
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
