"""Roll call: today's roll in a few keystrokes, the month view, the monthly close and its paper trail.

Everyone is present unless marked: P (vắng có phép), K (vắng không phép), M (đi muộn).
The homeroom teacher takes and corrects the roll until the month is confirmed
(Điều 7.3); after that only the principal reopens it, with a reason.  In the first
week of the next month the office prints the sheet and the paper trail is tracked
(Điều 12.1).  Absences never block promotion in primary school (TT27): they are
reported, not judged.
"""

from __future__ import annotations

import calendar as month_calendar
import dataclasses
import datetime as dt
import uuid

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from nk_desktop.actor import Actor
from nk_desktop.clock import today, utcnow
from nk_desktop.db import Database
from nk_desktop.errors import Locked, ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.attendance import AttendanceMark, AttendanceSetting, MonthSheet, RollCall
from nk_desktop.models.pupils import Enrolment, Pupil
from nk_desktop.models.school import SchoolClass, SchoolYear, Term
from nk_desktop.services.calendar import WorkCalendar, work_calendar
from nk_desktop.services.common import get_live
from nk_desktop.services.permissions import Action, allows, require
from nk_desktop.text import nfc, person_sort_key

STATUSES = {"P": _("Vắng có phép"), "K": _("Vắng không phép"), "M": _("Đi muộn")}
SESSIONS = {"sang": _("Sáng"), "chieu": _("Chiều")}
PAPER_STEPS = ("confirmed", "printed", "signed_teacher", "received", "signed_principal", "bound")
STEP_LABELS = {"open": _("Đang điểm danh"), "confirmed": _("GVCN đã chốt"), "printed": _("Đã in"),
               "signed_teacher": _("GVCN đã kí"), "received": _("Văn phòng đã nhận"),
               "signed_principal": _("Hiệu trưởng đã kí"), "bound": _("Đã đóng tập")}
# Who records each step after the homeroom teacher's confirmation.
STEP_ACTIONS = {"printed": Action.ROLL_PAPER, "signed_teacher": Action.ROLL_PAPER, "received": Action.ROLL_PAPER,
                "signed_principal": Action.ROLL_UNLOCK, "bound": Action.ROLL_PAPER}


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def parse_month(text: str) -> tuple[int, int]:
    try:
        year, month = (int(x) for x in (text or "").strip().split("-"))
        dt.date(year, month, 1)
        return year, month
    except ValueError:
        raise ValidationError(_("Tháng “{t}” không đúng dạng năm-tháng, ví dụ 2026-10.").format(t=text),
                              field="month") from None


def normal_status(raw: str) -> str:
    text = (raw or "").strip().upper()
    if text in ("", "CÓ MẶT", "X"):
        return ""
    if text in STATUSES:
        return text
    raise ValidationError(_("“{r}” không phải kí hiệu điểm danh; dùng P (có phép), K (không phép), M (muộn).").format(
        r=raw), field="status")


def settings_for(session: Session, year_id: uuid.UUID) -> AttendanceSetting:
    row = session.scalar(select(AttendanceSetting).where(
        AttendanceSetting.year_id == year_id, AttendanceSetting.deleted.is_(False)))
    return row or AttendanceSetting(year_id=year_id, absence_alert_percent=20, streak_days=3, two_sessions=True)


def _sheet(session: Session, class_id: uuid.UUID, month: str) -> MonthSheet | None:
    return session.scalar(select(MonthSheet).where(
        MonthSheet.class_id == class_id, MonthSheet.month == month, MonthSheet.deleted.is_(False)))


def _calendar(session: Session, year: SchoolYear) -> WorkCalendar:
    return work_calendar(session, year.start_date.year, year.end_date.year)


def school_day_problem(session: Session, year: SchoolYear, day: dt.date, on: dt.date) -> str | None:
    """Why no roll can be taken on *day* (None when it is a school day of the year, not in the future)."""
    if day > on:
        return _("Chưa đến ngày {d:%d/%m/%Y}.").format(d=day)
    if not year.start_date <= day <= year.end_date:
        return _("Ngày {d:%d/%m/%Y} nằm ngoài năm học {y}.").format(d=day, y=year.name)
    reason = _calendar(session, year).reason_off(day)
    if reason:
        return _("Ngày {d:%d/%m/%Y} là ngày nghỉ ({r}).").format(d=day, r=reason)
    return None


def enrolled_on(session: Session, class_id: uuid.UUID, first: dt.date, last: dt.date) -> list[tuple[Pupil, Enrolment]]:
    """Pupils enrolled in the class on any day of [first, last], official order (one query)."""
    rows = session.execute(
        select(Pupil, Enrolment).join(Enrolment, Enrolment.pupil_id == Pupil.id).where(
            Enrolment.class_id == class_id, Enrolment.deleted.is_(False), Pupil.deleted.is_(False),
            Enrolment.start_date <= last, or_(Enrolment.end_date.is_(None), Enrolment.end_date > first))
    ).all()
    return sorted(rows, key=lambda pe: person_sort_key(pe[0].family_name, pe[0].middle_name, pe[0].given_name,
                                                       pe[0].date_of_birth, str(pe[0].id)))


def _is_enrolled(enrolment: Enrolment, day: dt.date) -> bool:
    return enrolment.start_date <= day and (enrolment.end_date is None or day < enrolment.end_date)


@dataclasses.dataclass(frozen=True)
class RollRow:
    pupil_id: uuid.UUID
    number: int
    full_name: str
    status: str  # "" present, P, K, M
    reason: str


@dataclasses.dataclass(frozen=True)
class Roll:
    class_id: uuid.UUID
    class_name: str
    day: dt.date
    session: str
    taken: bool
    rows: list[RollRow]
    editable: bool
    closed_reason: str


def roll_for(db: Database, actor: Actor, class_id: uuid.UUID, day: dt.date, session_name: str = "sang", *,
             on: dt.date | None = None) -> Roll:
    """The roll of a class for a day and session: everyone present unless marked."""
    on = on or today()
    if session_name not in SESSIONS:
        raise ValidationError(_("Buổi phải là sáng hoặc chiều."), field="session")
    with db.read() as session:
        require(session, actor, Action.ROLL_VIEW, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        year = session.get(SchoolYear, school_class.year_id)
        roll = session.scalar(select(RollCall).where(
            RollCall.class_id == class_id, RollCall.day == day, RollCall.session == session_name,
            RollCall.deleted.is_(False)))
        marks = {}
        if roll is not None:
            marks = {m.pupil_id: m for m in session.scalars(select(AttendanceMark).where(
                AttendanceMark.roll_id == roll.id, AttendanceMark.deleted.is_(False)))}
        pupils = [(p, e) for p, e in enrolled_on(session, class_id, day, day) if _is_enrolled(e, day)]
        rows = [RollRow(p.id, n, p.full_name, (m := marks.get(p.id)) and m.status or "", m.reason if m else "")
                for n, (p, _e) in enumerate(pupils, start=1)]
        problem = school_day_problem(session, year, day, on) or _closed_problem(session, class_id, day)
        editable = problem is None and allows(session, actor, Action.ROLL_TAKE, class_id=class_id)
        return Roll(class_id, school_class.name, day, session_name, roll is not None, rows, editable, problem or "")


def _closed_problem(session: Session, class_id: uuid.UUID, day: dt.date) -> str | None:
    sheet = _sheet(session, class_id, month_key(day))
    if sheet is not None and sheet.state != "open":
        return _("Tháng {m}/{y} đã chốt ({s}); muốn sửa phải đề nghị Hiệu trưởng mở lại.").format(
            m=day.month, y=day.year, s=STEP_LABELS[sheet.state])
    return None


def take_roll(db: Database, actor: Actor, class_id: uuid.UUID, day: dt.date, session_name: str,
              marks: dict[uuid.UUID, tuple[str, str]], *, on: dt.date | None = None) -> int:
    """Save the roll: *marks* maps absent/late pupils to (status, reason); everyone else is present.

    Returns the number of marks that changed.  Refused (nothing changes) on a day off, a
    future day, a closed month, or for anyone but the class's homeroom teacher.
    """
    return take_rolls(db, actor, class_id, [(day, session_name, marks)], on=on)


def take_rolls(db: Database, actor: Actor, class_id: uuid.UUID,
               rolls: list[tuple[dt.date, str, dict[uuid.UUID, tuple[str, str]]]], *,
               on: dt.date | None = None) -> int:
    """Save several rolls of a class in one transaction (an imported month): all of them or none.

    Each (day, session, marks) is checked as ``take_roll`` checks it; the first refusal
    rolls every roll back.  Returns the number of marks that changed.
    """
    on = on or today()
    cleaned = []
    for day, session_name, marks in rolls:
        if session_name not in SESSIONS:
            raise ValidationError(_("Buổi phải là sáng hoặc chiều."), field="session")
        cleaned.append((day, session_name, {pupil_id: (normal_status(status), nfc(reason) or "")
                                            for pupil_id, (status, reason) in marks.items()}))
    with db.write(actor) as session:
        require(session, actor, Action.ROLL_TAKE, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        year = session.get(SchoolYear, school_class.year_id)
        return sum(_save_roll(session, school_class, year, day, session_name, clean, on)
                   for day, session_name, clean in cleaned)


def _save_roll(session: Session, school_class: SchoolClass, year: SchoolYear, day: dt.date, session_name: str,
               clean: dict[uuid.UUID, tuple[str, str]], on: dt.date) -> int:
    class_id = school_class.id
    problem = school_day_problem(session, year, day, on)
    if problem:
        raise ValidationError(problem, field="day")
    closed = _closed_problem(session, class_id, day)
    if closed:
        raise Locked(closed)
    enrolled = {p.id: p.full_name for p, e in enrolled_on(session, class_id, day, day) if _is_enrolled(e, day)}
    strangers = [pupil_id for pupil_id in clean if pupil_id not in enrolled]
    if strangers:
        raise ValidationError(_("Có học sinh không thuộc lớp {c} ngày {d:%d/%m/%Y}.").format(
            c=school_class.name, d=day))
    roll = session.scalar(select(RollCall).where(
        RollCall.class_id == class_id, RollCall.day == day, RollCall.session == session_name,
        RollCall.deleted.is_(False)))
    label = f"điểm danh lớp {school_class.name} {SESSIONS[session_name].lower()} {day:%d/%m/%Y}"
    if roll is None:
        roll = RollCall(year_id=year.id, class_id=class_id, day=day, session=session_name)
        roll.label_for_audit = label
        session.add(roll)
        session.flush()
    existing = {m.pupil_id: m for m in session.scalars(select(AttendanceMark).where(
        AttendanceMark.roll_id == roll.id, AttendanceMark.deleted.is_(False)))}
    changed = 0
    for pupil_id in enrolled:
        status, reason = clean.get(pupil_id, ("", ""))
        mark = existing.get(pupil_id)
        if mark is None:
            if not status:
                continue
            mark = AttendanceMark(roll_id=roll.id, pupil_id=pupil_id, class_id=class_id, day=day, reason="")
            session.add(mark)
        if (mark.status, mark.reason) == (status, reason):
            continue
        mark.status, mark.reason = status, reason
        mark.label_for_audit = f"{label} — {enrolled[pupil_id]}"
        changed += 1
    return changed


# --- month view and totals -------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Totals:
    excused: int = 0      # P, in sessions
    unexcused: int = 0    # K
    late: int = 0         # M

    def __add__(self, other: "Totals") -> "Totals":
        return Totals(self.excused + other.excused, self.unexcused + other.unexcused, self.late + other.late)


@dataclasses.dataclass(frozen=True)
class MonthRow:
    pupil_id: uuid.UUID
    number: int
    full_name: str
    cells: dict[int, str]     # day of month → "P", "K/P" (morning/afternoon), "" present, "-" not enrolled
    month: Totals
    term: Totals
    year: Totals
    note: str


@dataclasses.dataclass(frozen=True)
class MonthView:
    class_id: uuid.UUID
    class_name: str
    month: str
    days: list[dt.date]
    day_off: dict[int, str]   # day of month → why there is no school
    rows: list[MonthRow]
    sessions_taken: int
    attendance_rate: float | None  # present sessions / pupil-sessions, for the month
    state: str


def _count(marks) -> Totals:
    totals = Totals()
    for status in marks:
        totals += Totals(int(status == "P"), int(status == "K"), int(status == "M"))
    return totals


def month_view(db: Database, actor: Actor, class_id: uuid.UUID, month: str) -> MonthView:
    """Pupils × days of the month as in the paper roll book, with month, term and year totals."""
    year_no, month_no = parse_month(month)
    first = dt.date(year_no, month_no, 1)
    last = dt.date(year_no, month_no, month_calendar.monthrange(year_no, month_no)[1])
    with db.read() as session:
        require(session, actor, Action.ROLL_VIEW, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        year = session.get(SchoolYear, school_class.year_id)
        calendar = _calendar(session, year)
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        day_off = {d.day: (calendar.reason_off(d) or "") for d in days
                   if not calendar.is_working_day(d) or not year.start_date <= d <= year.end_date}
        for d in days:
            if d.day in day_off and not day_off[d.day]:
                day_off[d.day] = _("Ngoài năm học")
        terms = {t.number: t for t in session.scalars(select(Term).where(
            Term.year_id == year.id, Term.deleted.is_(False)))}
        term = next((t for t in terms.values() if t.start_date <= first <= t.end_date), None)
        marks = session.execute(select(AttendanceMark.pupil_id, AttendanceMark.day, AttendanceMark.status,
                                       RollCall.session).join(RollCall, RollCall.id == AttendanceMark.roll_id).where(
            AttendanceMark.class_id == class_id, AttendanceMark.deleted.is_(False),
            AttendanceMark.status != "")).all()
        rolls = session.execute(select(RollCall.day, RollCall.session).where(
            RollCall.class_id == class_id, RollCall.deleted.is_(False),
            RollCall.day >= first, RollCall.day <= last)).all()
        pupils = enrolled_on(session, class_id, first, last)
        sheet = _sheet(session, class_id, month)
    by_pupil: dict[uuid.UUID, list[tuple[dt.date, str, str]]] = {}
    for pupil_id, day, status, session_name in marks:
        by_pupil.setdefault(pupil_id, []).append((day, status, session_name))
    rows, absent_sessions, possible_sessions = [], 0, 0
    roll_days: dict[dt.date, int] = {}
    for day, _session in rolls:
        roll_days[day] = roll_days.get(day, 0) + 1
    for number, (pupil, enrolment) in enumerate(pupils, start=1):
        own = by_pupil.get(pupil.id, [])
        cells = {}
        for d in days:
            if not _is_enrolled(enrolment, d):
                cells[d.day] = "-"
                continue
            today_marks = sorted(((s, st) for day, st, s in own if day == d), key=lambda m: list(SESSIONS).index(m[0]))
            cells[d.day] = "/".join(st for _s, st in today_marks) if today_marks else ""
            if d in roll_days:
                possible_sessions += roll_days[d]
                absent_sessions += sum(1 for _s, st in today_marks if st in ("P", "K"))
        in_month = [st for day, st, _s in own if first <= day <= last]
        in_term = [st for day, st, _s in own if term and term.start_date <= day <= term.end_date]
        note = ""
        if enrolment.start_date > first:
            note = _("Vào lớp {d:%d/%m}").format(d=enrolment.start_date)
        if enrolment.end_date and enrolment.end_date <= last:
            note = _("Rời lớp {d:%d/%m}").format(d=enrolment.end_date)
        rows.append(MonthRow(pupil.id, number, pupil.full_name, cells, _count(in_month), _count(in_term),
                             _count([st for _d, st, _s in own]), note))
    rate = None if possible_sessions == 0 else round(100 * (possible_sessions - absent_sessions) / possible_sessions, 1)
    return MonthView(class_id, school_class.name, month, days, day_off, rows, len(rolls), rate,
                     sheet.state if sheet else "open")


# --- closing the month and the paper trail ------------------------------------------------

def confirm_month(db: Database, actor: Actor, class_id: uuid.UUID, month: str, *, on: dt.date | None = None) -> None:
    """The homeroom teacher confirms the month (Điều 7.3): from now on only the principal reopens it."""
    year_no, month_no = parse_month(month)
    on = on or today()
    with db.write(actor) as session:
        require(session, actor, Action.ROLL_TAKE, class_id=class_id)
        get_live(session, SchoolClass, class_id, _("lớp"))
        last = dt.date(year_no, month_no, month_calendar.monthrange(year_no, month_no)[1])
        if on < last:
            raise ValidationError(_("Chỉ chốt tháng {m}/{y} từ ngày cuối tháng ({d:%d/%m/%Y}).").format(
                m=month_no, y=year_no, d=last))
        sheet = _sheet(session, class_id, month)
        if sheet is None:
            sheet = MonthSheet(class_id=class_id, month=month)
            session.add(sheet)
        if sheet.state not in ("open", None):
            raise ValidationError(_("Tháng này đã chốt ({s}).").format(s=STEP_LABELS[sheet.state]))
        sheet.state, sheet.confirmed_at = "confirmed", utcnow()


def advance_paper(db: Database, actor: Actor, class_id: uuid.UUID, month: str, step: str) -> None:
    """Record the next step of the sheet's paper trail, strictly in order (Điều 12.1)."""
    if step not in STEP_ACTIONS:
        raise ValidationError(_("Bước “{s}” không có trong quy trình sổ điểm danh.").format(s=step))
    with db.write(actor) as session:
        require(session, actor, STEP_ACTIONS[step])
        sheet = _sheet(session, class_id, month)
        current = sheet.state if sheet else "open"
        expected = PAPER_STEPS[PAPER_STEPS.index(step) - 1]
        if current != expected:
            raise ValidationError(_("Chưa thể ghi “{s}”: sổ đang ở bước “{c}”, cần bước “{e}” trước.").format(
                s=STEP_LABELS[step], c=STEP_LABELS[current], e=STEP_LABELS[expected]))
        sheet.state = step
        setattr(sheet, f"{step}_at", utcnow())


def reopen_month(db: Database, actor: Actor, class_id: uuid.UUID, month: str, reason: str) -> None:
    """The principal reopens a confirmed month so the homeroom teacher can correct it (audited)."""
    with db.write(actor) as session:
        require(session, actor, Action.ROLL_UNLOCK)
        if not nfc(reason):
            raise ValidationError(_("Hãy ghi lí do mở lại."), field="reason")
        sheet = _sheet(session, class_id, month)
        if sheet is None or sheet.state == "open":
            raise ValidationError(_("Tháng này chưa chốt."))
        sheet.state, sheet.unlock_reason = "open", nfc(reason)
        for step in PAPER_STEPS:
            setattr(sheet, f"{step}_at", None)


@dataclasses.dataclass(frozen=True)
class PaperRow:
    class_id: uuid.UUID
    class_name: str
    state: str
    state_label: str
    late: bool  # not yet printed after the first week of the next month, or not yet confirmed


def paper_trail(db: Database, actor: Actor, year_id: uuid.UUID, month: str, *, on: dt.date | None = None) -> list[PaperRow]:
    """Where each class's sheet for *month* is, and which are late (printing is due in the next month's first week)."""
    year_no, month_no = parse_month(month)
    on = on or today()
    next_month = dt.date(year_no + (month_no == 12), month_no % 12 + 1, 1)
    due = next_month + dt.timedelta(days=6)
    with db.read() as session:
        require(session, actor, Action.ROLL_VIEW)
        classes = session.scalars(select(SchoolClass).where(
            SchoolClass.year_id == year_id, SchoolClass.deleted.is_(False))).all()
        sheets = {s.class_id: s for s in session.scalars(select(MonthSheet).where(
            MonthSheet.month == month, MonthSheet.deleted.is_(False)))}
    rows = []
    for school_class in sorted(classes, key=lambda c: (c.grade, c.name)):
        state = sheets[school_class.id].state if school_class.id in sheets else "open"
        if state == "open":
            late = on >= next_month  # the month is over and the teacher has not confirmed it
        else:
            late = on > due and PAPER_STEPS.index(state) < PAPER_STEPS.index("printed")
        rows.append(PaperRow(school_class.id, school_class.name, state, STEP_LABELS[state], late))
    return rows


# --- alerts ----------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Alert:
    kind: str  # streak | share | no_roll
    class_name: str
    pupil_name: str
    text: str


def _absent_days(session: Session, class_id: uuid.UUID) -> tuple[list[dt.date], dict[uuid.UUID, set[dt.date]]]:
    """The days a roll was taken, and the days each pupil missed entirely (P or K in every session taken)."""
    rolls: dict[dt.date, int] = {}
    for day, in session.execute(select(RollCall.day).where(
            RollCall.class_id == class_id, RollCall.deleted.is_(False))):
        rolls[day] = rolls.get(day, 0) + 1
    absent: dict[tuple[uuid.UUID, dt.date], int] = {}
    for pupil_id, day in session.execute(select(AttendanceMark.pupil_id, AttendanceMark.day).where(
            AttendanceMark.class_id == class_id, AttendanceMark.deleted.is_(False),
            AttendanceMark.status.in_(("P", "K")))):
        absent[(pupil_id, day)] = absent.get((pupil_id, day), 0) + 1
    out: dict[uuid.UUID, set[dt.date]] = {}
    for (pupil_id, day), count in absent.items():
        if count >= rolls.get(day, 1):
            out.setdefault(pupil_id, set()).add(day)
    return sorted(rolls), out


def alerts(db: Database, actor: Actor, year_id: uuid.UUID, *, on: dt.date | None = None) -> list[Alert]:
    """Absence streaks, pupils over the principal's share, and classes with no roll today."""
    on = on or today()
    with db.read() as session:
        require(session, actor, Action.ROLL_VIEW)
        year = get_live(session, SchoolYear, year_id, _("năm học"))
        setting = settings_for(session, year_id)
        calendar = _calendar(session, year)
        classes = sorted(session.scalars(select(SchoolClass).where(
            SchoolClass.year_id == year_id, SchoolClass.deleted.is_(False))).all(), key=lambda c: (c.grade, c.name))
        taken_today = set(session.scalars(select(RollCall.class_id).where(
            RollCall.day == on, RollCall.deleted.is_(False))))
        result: list[Alert] = []
        for school_class in classes:
            pupils = {p.id: (p, e) for p, e in enrolled_on(session, school_class.id, year.start_date, on)}
            roll_days, missed = _absent_days(session, school_class.id)
            roll_days = [d for d in roll_days if d <= on]
            for pupil_id, days in missed.items():
                if pupil_id not in pupils:
                    continue
                pupil, enrolment = pupils[pupil_id]
                # Streak: consecutive days with a roll, counted back from the latest one.
                own_days = [d for d in roll_days if _is_enrolled(enrolment, d)]
                current = 0
                for d in reversed(own_days):
                    if d not in days:
                        break
                    current += 1
                if current >= setting.streak_days:
                    result.append(Alert("streak", school_class.name, pupil.full_name, _(
                        "{name} (lớp {c}) vắng {n} ngày học liên tiếp đến ngày {d:%d/%m/%Y}.").format(
                        name=pupil.full_name, c=school_class.name, n=current, d=own_days[-1])))
                if own_days:
                    share = 100 * len(days & set(own_days)) / len(own_days)
                    if share > setting.absence_alert_percent:
                        result.append(Alert("share", school_class.name, pupil.full_name, _(
                            "{name} (lớp {c}) đã vắng {p:.0f}% số ngày học (ngưỡng {t}%).").format(
                            name=pupil.full_name, c=school_class.name, p=share, t=setting.absence_alert_percent)))
            if calendar.is_working_day(on) and year.start_date <= on <= year.end_date and \
                    school_class.id not in taken_today:
                result.append(Alert("no_roll", school_class.name, "", _("Lớp {c} chưa điểm danh hôm nay ({d:%d/%m/%Y}).").format(
                    c=school_class.name, d=on)))
        return result


@dataclasses.dataclass(frozen=True)
class Thresholds:
    percent: int  # share of school days absent that raises an alert
    streak_days: int  # school days absent in a row that raise an alert
    may_edit: bool  # the principal sets them


def alert_thresholds(db: Database, actor: Actor, year_id: uuid.UUID) -> Thresholds:
    """The year's alert thresholds (the defaults until the principal sets them)."""
    with db.read() as session:
        require(session, actor, Action.ROLL_VIEW)
        get_live(session, SchoolYear, year_id, _("năm học"))
        setting = settings_for(session, year_id)
        return Thresholds(setting.absence_alert_percent, setting.streak_days,
                          allows(session, actor, Action.ROLL_SETTINGS))


def set_alert_thresholds(db: Database, actor: Actor, year_id: uuid.UUID, *, percent: int, streak_days: int) -> None:
    """The principal sets the share of absent days (%) and the streak length that raise alerts."""
    with db.write(actor) as session:
        require(session, actor, Action.ROLL_SETTINGS)
        if not 1 <= percent <= 100 or not 2 <= streak_days <= 30:
            raise ValidationError(_("Ngưỡng phải từ 1 đến 100%, số ngày liên tiếp từ 2 đến 30."))
        row = session.scalar(select(AttendanceSetting).where(
            AttendanceSetting.year_id == year_id, AttendanceSetting.deleted.is_(False)))
        if row is None:
            row = AttendanceSetting(year_id=year_id)
            session.add(row)
        row.absence_alert_percent, row.streak_days = percent, streak_days


def classes_without_roll(db: Database, actor: Actor, year_id: uuid.UUID, on: dt.date) -> list[str]:
    """Names of the classes that have not taken today's roll (one query each way)."""
    with db.read() as session:
        require(session, actor, Action.ROLL_VIEW)
        taken = set(session.scalars(select(RollCall.class_id).where(RollCall.day == on, RollCall.deleted.is_(False))))
        classes = session.scalars(select(SchoolClass).where(
            SchoolClass.year_id == year_id, SchoolClass.deleted.is_(False))).all()
        return [c.name for c in sorted(classes, key=lambda c: (c.grade, c.name)) if c.id not in taken]


@dataclasses.dataclass(frozen=True)
class Notice:
    pupil_id: uuid.UUID
    full_name: str
    parent_phone: str
    text: str  # the attendance sentence (the printed notice prints it beside its own results table)
    results: str = ""  # "Kết quả Giữa học kì I: Toán: Hoàn thành tốt (9); …", "" when none or not allowed

    @property
    def message(self) -> str:
        """What the teacher sends: attendance, then the latest results."""
        return f"{self.text} {self.results}" if self.results else self.text


def latest_results(session: Session, actor: Actor, school_class: SchoolClass, pupil_ids: list[uuid.UUID],
                   on: dt.date) -> dict[uuid.UUID, str]:
    """Each pupil's levels at their latest milestone with entered levels (and the periodic test score where
    the subject has one), as one sentence; empty for an actor who may not read the class's marks.

    Only milestones whose entry week has ended by *on* count: levels still being entered are not
    sent to parents (Điều 11.1.a).
    """
    from nk_desktop.models.gradebook import SubjectResult
    from nk_desktop.services import assessment_rules as rules
    from nk_desktop.services.gradebook import level_deadline
    from nk_desktop.services.school import grade_subjects

    if not pupil_ids or not allows(session, actor, Action.MARKS_VIEW, class_id=school_class.id):
        return {}
    year = session.get(SchoolYear, school_class.year_id)
    closed = [m for m in rules.MILESTONES if level_deadline(session, year, m) <= on]
    if not closed:
        return {}
    rows = session.execute(select(SubjectResult.pupil_id, SubjectResult.subject_id, SubjectResult.milestone,
                                  SubjectResult.level, SubjectResult.score).where(
        SubjectResult.year_id == school_class.year_id, SubjectResult.pupil_id.in_(pupil_ids),
        SubjectResult.milestone.in_(closed), SubjectResult.deleted.is_(False),
        SubjectResult.level.is_not(None), SubjectResult.level != "")).all()
    if not rows:
        return {}
    order = {m: n for n, m in enumerate(rules.MILESTONES)}
    latest: dict[uuid.UUID, str] = {}
    for pupil_id, _subject, milestone, _level, _score in rows:
        if milestone in order and order[milestone] > order.get(latest.get(pupil_id, ""), -1):
            latest[pupil_id] = milestone
    found = {(pupil_id, subject_id): (level, score) for pupil_id, subject_id, milestone, level, score in rows
             if latest.get(pupil_id) == milestone}
    subjects = grade_subjects(session, school_class.year_id, school_class.grade)
    out = {}
    for pupil_id, milestone in latest.items():
        parts = []
        for subject, entry in subjects:
            if (pupil_id, subject.id) not in found:
                continue
            level, score = found[(pupil_id, subject.id)]
            tested = milestone in (entry.tested_milestones or "").split(",")
            parts.append(f"{subject.name}: {rules.SUBJECT_LEVELS.get(level, level)}"
                         + (f" ({score})" if tested and score is not None else ""))
        if parts:
            out[pupil_id] = _("Kết quả {m}: {r}.").format(m=rules.MILESTONE_NAMES[milestone], r="; ".join(parts))
    return out


def _club_marks(session: Session, pupil_ids: list[uuid.UUID], first: dt.date,
                last: dt.date) -> dict[uuid.UUID, dict[str, list[str]]]:
    """Each pupil's club sessions in the period: club name → the statuses ("" present) of the sessions (Điều 7.5)."""
    from nk_desktop.models.attendance import Club

    out: dict[uuid.UUID, dict[str, list[str]]] = {}
    for pupil_id, name, status in session.execute(select(AttendanceMark.pupil_id, Club.name, AttendanceMark.status)
                                                  .join(RollCall, RollCall.id == AttendanceMark.roll_id)
                                                  .join(Club, Club.id == RollCall.club_id).where(
            AttendanceMark.pupil_id.in_(pupil_ids), AttendanceMark.deleted.is_(False), RollCall.deleted.is_(False),
            RollCall.day >= first, RollCall.day <= last)):
        out.setdefault(pupil_id, {}).setdefault(name, []).append(status)
    return out


def parent_notices(db: Database, actor: Actor, class_id: uuid.UUID, first: dt.date, last: dt.date) -> list[Notice]:
    """A short attendance summary per pupil for the period, to send through the school's messaging app:
    the class's sessions, the club sessions the pupil was on the list of, and the latest results from
    the gradebook for those who may read the class's marks (Điều 7.5)."""
    with db.read() as session:
        require(session, actor, Action.ROLL_VIEW, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        rolls = session.execute(select(RollCall.day, RollCall.session).where(
            RollCall.class_id == class_id, RollCall.deleted.is_(False),
            RollCall.day >= first, RollCall.day <= last)).all()
        marks = session.execute(select(AttendanceMark, RollCall.session).join(
            RollCall, RollCall.id == AttendanceMark.roll_id).where(
            AttendanceMark.class_id == class_id, AttendanceMark.deleted.is_(False), AttendanceMark.status != "",
            AttendanceMark.day >= first, AttendanceMark.day <= last).order_by(AttendanceMark.day)).all()
        pupils = enrolled_on(session, class_id, first, last)
        results = latest_results(session, actor, school_class, [p.id for p, _e in pupils], last)
        club_marks = _club_marks(session, [p.id for p, _e in pupils], first, last)
    by_pupil: dict[uuid.UUID, list[tuple[AttendanceMark, str]]] = {}
    for mark, session_name in marks:
        by_pupil.setdefault(mark.pupil_id, []).append((mark, session_name))
    period = _("từ {a:%d/%m} đến {b:%d/%m/%Y}").format(a=first, b=last)
    notices = []
    for pupil, enrolment in pupils:
        possible = sum(1 for day, _s in rolls if _is_enrolled(enrolment, day))
        own = by_pupil.get(pupil.id, [])
        absent = [(m, s) for m, s in own if m.status in ("P", "K")]
        text = _("Lớp {c}, {period}: em {name} đi học {present}/{total} buổi").format(
            c=school_class.name, period=period, name=pupil.full_name, present=possible - len(absent), total=possible)
        details = [
            f"{m.day:%d/%m} {SESSIONS[s].lower()}: {STATUSES[m.status].lower()}" + (f" ({m.reason})" if m.reason else "")
            for m, s in own
        ]
        text += (_("; ") + "; ".join(details) + ".") if details else "."
        for club_name, statuses in sorted(club_marks.get(pupil.id, {}).items()):
            present = sum(1 for status in statuses if status not in ("P", "K"))
            text += " " + _("Câu lạc bộ {n}: có mặt {p}/{t} buổi.").format(n=club_name, p=present, t=len(statuses))
        notices.append(Notice(pupil.id, pupil.full_name, pupil.contact_phone or pupil.mother_phone or pupil.father_phone,
                              text, results.get(pupil.id, "")))
    return notices


# --- reads for the Excel exchange: each session of each day ------------------------------

@dataclasses.dataclass(frozen=True)
class DayRolls:
    """One day of a class's roll book, session by session (``month_view`` merges the sessions)."""

    day: dt.date
    sessions: tuple[str, ...]  # rolls taken that day, morning first
    marks: dict[tuple[uuid.UUID, str], tuple[str, str]]  # (pupil, session) → (P/K/M, reason); present pupils absent
    enrolled: frozenset[uuid.UUID]  # pupils in the class that day
    problem: str  # why no roll can be taken or changed that day (day off, future, closed month); "" when it can


@dataclasses.dataclass(frozen=True)
class RollDays:
    class_id: uuid.UUID
    class_name: str
    year_id: uuid.UUID
    year_name: str
    may_take: bool  # whether the actor may take this class's roll at all (the homeroom teacher)
    pupils: list[tuple[uuid.UUID, str]]  # enrolled on any of the days, official order: (id, full name)
    days: dict[dt.date, DayRolls]


def roll_days(db: Database, actor: Actor, class_id: uuid.UUID, first: dt.date, last: dt.date, *,
              on: dt.date | None = None) -> RollDays:
    """Every session's marks for the days *first*..*last* and whether each day may change (one read).

    What ``take_roll`` would refuse is said per day in ``problem`` (and ``may_take`` for the
    actor), so an import can check every day before it writes any.
    """
    on = on or today()
    if last < first:
        raise ValidationError(_("Ngày cuối phải sau ngày đầu."))
    with db.read() as session:
        require(session, actor, Action.ROLL_VIEW, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        year = session.get(SchoolYear, school_class.year_id)
        may_take = allows(session, actor, Action.ROLL_TAKE, class_id=class_id)
        rolls = session.execute(select(RollCall.id, RollCall.day, RollCall.session).where(
            RollCall.class_id == class_id, RollCall.deleted.is_(False),
            RollCall.day >= first, RollCall.day <= last)).all()
        marks = session.execute(select(AttendanceMark.pupil_id, AttendanceMark.roll_id, AttendanceMark.status,
                                       AttendanceMark.reason).where(
            AttendanceMark.class_id == class_id, AttendanceMark.deleted.is_(False), AttendanceMark.status != "",
            AttendanceMark.day >= first, AttendanceMark.day <= last)).all()
        pupils = enrolled_on(session, class_id, first, last)
        calendar = _calendar(session, year)
        sheets = {s.month: s.state for s in session.scalars(select(MonthSheet).where(
            MonthSheet.class_id == class_id, MonthSheet.deleted.is_(False)))}
    roll_of = {roll_id: (day, name) for roll_id, day, name in rolls}
    order = list(SESSIONS)
    days: dict[dt.date, DayRolls] = {}
    for n in range((last - first).days + 1):
        day = first + dt.timedelta(days=n)
        if day > on:
            problem = _("Chưa đến ngày {d:%d/%m/%Y}.").format(d=day)
        elif not year.start_date <= day <= year.end_date:
            problem = _("Ngày {d:%d/%m/%Y} nằm ngoài năm học {y}.").format(d=day, y=year.name)
        elif calendar.reason_off(day):
            problem = _("Ngày {d:%d/%m/%Y} là ngày nghỉ ({r}).").format(d=day, r=calendar.reason_off(day))
        elif sheets.get(month_key(day), "open") != "open":
            problem = _("Tháng {m}/{y} đã chốt ({s}); muốn sửa phải đề nghị Hiệu trưởng mở lại.").format(
                m=day.month, y=day.year, s=STEP_LABELS[sheets[month_key(day)]])
        else:
            problem = ""
        sessions = tuple(sorted({name for d, name in roll_of.values() if d == day}, key=order.index))
        days[day] = DayRolls(day, sessions, {}, frozenset(p.id for p, e in pupils if _is_enrolled(e, day)), problem)
    for pupil_id, roll_id, status, reason in marks:
        day, name = roll_of[roll_id]
        days[day].marks[(pupil_id, name)] = (status, reason or "")
    return RollDays(class_id, school_class.name, year.id, year.name, may_take,
                    [(p.id, p.full_name) for p, _e in pupils], days)
