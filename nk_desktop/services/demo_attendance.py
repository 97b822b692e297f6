"""The demo school's roll call this year, up to the demo's date: part of ``build_demo_school``.

* A morning roll for every class on every school day from the first day of the year to the
  last school day on or before the demo's date ("today": when the demo's date is a Sunday,
  the Friday before), and an afternoon roll for a few classes — except one class that has not
  taken today's roll, which the "no roll today" alert should show.
* Absences as a school sees them, about 3 % of pupil-sessions: mostly with permission (P) for
  illness or family matters, a few without (K), some late arrivals (M); some pupils are absent
  more often than others, illnesses last a few days, and a pupil absent in the morning is
  absent in the afternoon too.  In the last weeks, three pupils have streaks of 3–5 school
  days (one still running today, without permission), for the streak alert.
* The monthly sheets: every month before last confirmed by the homeroom teacher and through
  the whole paper trail to bound; last month confirmed and spread over the steps (printed,
  signed by the teacher, received by the office, signed by the principal), two classes still
  only confirmed (late to print); this month open.
* Two clubs (Điều 7.5) opened by the principal at the start of October, each run by a homeroom
  teacher of grades 3–5 with 12–16 members from those grades, meeting once a week up to the
  day before today (its teacher takes each session's roll through ``clubs.take_club_roll``);
  the members join on the opening day, and one member of each leaves the club from the school
  day after the third session (in October), recorded that day.

Rolls are written by each class's homeroom teacher (one transaction per class and month, with
the same record labels as ``attendance.take_roll``; today's roll through ``take_roll`` itself),
the sheets through ``attendance.confirm_month`` and ``advance_paper`` by the teacher, the clerk
(``vanthu``) and the principal.  For the same seed and date, always the same.
"""

from __future__ import annotations

import calendar as month_calendar
import dataclasses
import datetime as dt
import math
import random
import uuid

from nk_desktop.actor import Actor
from nk_desktop.i18n import _
from nk_desktop.models.attendance import AttendanceMark, RollCall
from nk_desktop.models.school import SchoolClass
from nk_desktop.services import attendance, clubs
from nk_desktop.services.demo import DemoContext, DemoPupil, Step
from nk_desktop.services.permissions import Action, require

PRINCIPAL, CLERK = "hieutruong", "vanthu"
AFTERNOON_CLASSES = 4  # classes that also take the afternoon roll
ILL = ("Ốm", "Ốm", "Sốt", "Ho, sốt", "Đau bụng", "Viêm họng", "Đi khám bệnh")
FAMILY = ("Việc gia đình", "Việc gia đình", "Về quê", "Đám cưới họ hàng", "Giỗ ông bà")
LATE = ("Dậy muộn", "Xe hỏng", "Trời mưa to", "Tắc đường", "")
UNEXCUSED = ("", "", "Gia đình không báo")
AFTERNOON_ONLY = ("Đi khám bệnh", "Ốm, về sớm")
# Daily chances of starting an episode, for a pupil of average propensity.
START_ILL, START_FAMILY, START_K, START_LATE, AFTERNOON_OUT = 0.011, 0.003, 0.003, 0.005, 0.004
ILL_DAYS = ((1, 45), (2, 30), (3, 17), (4, 8))
# The paper trail of last month's sheets (shares of the classes, in order); the rest are only confirmed.
LAST_MONTH_STEPS = (("signed_principal", 0.2), ("received", 0.28), ("signed_teacher", 0.24), ("printed", 0.2))
LATE_SHEETS = 2
# The demo's clubs: name, weekday they meet (0 = Monday).
CLUBS = (("Cờ vua", 2), ("Bóng đá mini", 4))


@dataclasses.dataclass
class AttendancePlan:
    steps: list[Step]
    summary: str


Marks = dict[tuple[uuid.UUID, dt.date, str], dict[uuid.UUID, tuple[str, str]]]  # (class, day, session) → marks


def plan(context: DemoContext) -> AttendancePlan:
    cx = context
    year = cx.cur
    days = cx.school_days(year.start_date, min(cx.on, year.end_date)) if year.start_date <= cx.on else []
    if not days:
        return AttendancePlan([], "")
    rng = random.Random(f"nk-demo:{cx.seed}:roll")
    classes = cx.classes[year.id]
    today = days[-1]
    missing = rng.choice(classes)
    afternoon = {c.id for c in rng.sample(classes, AFTERNOON_CLASSES)}
    marks: Marks = {}
    for school_class in classes:
        sessions = ("sang", "chieu") if school_class.id in afternoon else ("sang",)
        for day in days:
            for name in sessions:
                marks[(school_class.id, day, name)] = {}
        for pupil in cx.enrolled(school_class.id, *days):
            _absences(cx, rng, school_class, pupil, days, sessions, marks)
    streaks = _streaks(cx, rng, classes, missing, days, afternoon, marks)

    steps: list[Step] = []
    for school_class in classes:
        teacher = cx.homeroom(school_class)
        sessions = ("sang", "chieu") if school_class.id in afternoon else ("sang",)
        by_month: dict[tuple[int, int], list] = {}
        for day in days:
            if day == today:
                continue
            for name in sessions:
                by_month.setdefault((day.year, day.month), []).append((day, name, marks[(school_class.id, day, name)]))
        for entries in by_month.values():
            steps.append(Step(entries[-1][0], 0, _write_rolls(cx, teacher, school_class, entries)))
        if school_class.id != missing.id:
            taken = [name for name in sessions if name == "sang" or today < cx.on]
            steps.append(Step(today, 0, _take_today(cx, teacher, school_class, today, taken, marks)))
    months = _close_months(cx, rng, classes, days, steps)
    club_text = _clubs(cx, random.Random(f"nk-demo:{cx.seed}:clubs"), classes, days, steps)

    sheet_text = ""
    if months:
        older, last = months[:-1], months[-1]
        sheet_text = _("; sổ tháng {m} đang luân chuyển").format(m=_month_name(last))
        if older:
            sheet_text = _("; sổ tháng {m} đã đóng tập").format(m=", ".join(_month_name(m) for m in older)) + sheet_text
    summary = _("Điểm danh đến ngày {d:%d/%m/%Y} (lớp {c} chưa điểm danh ngày đó; {n} học sinh vắng nhiều ngày liền)"
                "{sheets}{clubs}.").format(d=today, c=missing.name, n=len(streaks), sheets=sheet_text,
                                           clubs=club_text)
    return AttendancePlan(steps, summary)


def _clubs(cx: DemoContext, rng: random.Random, classes: list[SchoolClass], days: list[dt.date],
           steps: list[Step]) -> str:
    """Two weekly clubs from October, each with its own members and session rolls; their summary text."""
    opening = next((d for d in days if d.month == 10), None)
    if opening is None:
        return ""
    principal = cx.people[PRINCIPAL]
    older = [c for c in classes if c.grade >= 3 and c.homeroom_id in cx.by_staff]
    teachers = rng.sample(older, len(CLUBS))
    sessions_total = 0
    for (name, weekday), run_by in zip(CLUBS, teachers):
        teacher = cx.homeroom(run_by)
        pool = [p for c in older for p in cx.enrolled(c.id, opening) if p in cx.enrolled(c.id, cx.on)]
        members = sorted(rng.sample(pool, rng.randint(12, 16)), key=lambda p: p.code)
        meetings = [d for d in days if d > opening and d.weekday() == weekday and d < days[-1]]
        leaver = rng.choice(members) if len(meetings) > 3 else None
        state: dict[str, uuid.UUID] = {}

        def open_club(name=name, teacher=teacher, members=members, state=state):
            state["club"] = clubs.create_club(cx.db, principal, cx.cur.id, name, teacher_id=teacher.staff_id)
            clubs.add_members(cx.db, teacher, state["club"], [p.id for p in members], day=opening, on=cx.on)
        steps.append(Step(opening, 2, open_club))
        for number, day in enumerate(meetings):
            on_list = [p for p in members if p is not leaver or number < 3]
            marks = {}
            for pupil in on_list:
                draw = rng.random()
                if draw < 0.05:
                    marks[pupil.id] = ("P", rng.choice(ILL + FAMILY))
                elif draw < 0.065:
                    marks[pupil.id] = ("K", "")
                elif draw < 0.095:
                    marks[pupil.id] = ("M", rng.choice(LATE))

            def take(day=day, teacher=teacher, marks=marks, state=state):
                clubs.take_club_roll(cx.db, teacher, state["club"], day, marks, on=cx.on)
            steps.append(Step(day, 1, take))
            if leaver is not None and number == 2:
                gone = next(d for d in days if d > day)  # the next school day: before the fourth session

                def leave(teacher=teacher, leaver=leaver, state=state, gone=gone):
                    clubs.remove_member(cx.db, teacher, state["club"], leaver.id, day=gone, on=cx.on)
                steps.append(Step(gone, 2, leave))
        sessions_total += len(meetings)
    return _("; {n} câu lạc bộ ({s} buổi sinh hoạt đã điểm danh)").format(n=len(CLUBS), s=sessions_total)


def _month_name(month: tuple[int, int]) -> str:
    return f"{month[1]}/{month[0]}"


def _absences(cx: DemoContext, rng: random.Random, school_class: SchoolClass, pupil: DemoPupil,
              days: list[dt.date], sessions: tuple[str, ...], marks: Marks) -> None:
    """One pupil's absences over the days they are in the class: episodes of illness, family matters…"""
    stays = [(start, end) for pupil_id, start, end in cx.stays[school_class.id] if pupil_id == pupil.id]
    own = [d for d in days if any(start <= d and (end is None or d < end) for start, end in stays)]
    propensity = min(4.0, math.exp(rng.gauss(-0.18, 0.6)))  # mean ≈ 1; a few pupils are absent much more often
    left, status, reason = 0, "", ""
    for day in own:
        if left == 0:
            draw = rng.random() / propensity
            if draw < START_ILL:
                lengths, weights = zip(*ILL_DAYS)
                left, status, reason = rng.choices(lengths, weights)[0], "P", rng.choice(ILL)
            elif draw < START_ILL + START_FAMILY:
                left, status, reason = rng.choice((1, 1, 2)), "P", rng.choice(FAMILY)
            elif draw < START_ILL + START_FAMILY + START_K:
                left, status, reason = 1, "K", rng.choice(UNEXCUSED)
            elif draw < START_ILL + START_FAMILY + START_K + START_LATE:
                marks[(school_class.id, day, "sang")][pupil.id] = ("M", rng.choice(LATE))
                continue
            else:
                if "chieu" in sessions and rng.random() < AFTERNOON_OUT:
                    marks[(school_class.id, day, "chieu")][pupil.id] = ("P", rng.choice(AFTERNOON_ONLY))
                continue
        for name in sessions:
            marks[(school_class.id, day, name)][pupil.id] = (status, reason)
        left -= 1


def _streaks(cx: DemoContext, rng: random.Random, classes: list[SchoolClass], missing: SchoolClass,
             days: list[dt.date], afternoon: set, marks: Marks) -> list[DemoPupil]:
    """Three pupils absent several school days in a row in the last weeks, one of them still today."""
    recent = days[-20:]
    if len(recent) < 12:
        return []
    plans = [(5, "P", "Sốt xuất huyết", recent[1:6]), (4, "P", "Thuỷ đậu", recent[8:12]),
             (3, "K", "", recent[-3:])]
    chosen: list[DemoPupil] = []
    pool = [c for c in classes if c.id != missing.id]
    for (length, status, reason, streak), school_class in zip(plans, rng.sample(pool, len(plans))):
        stayed = set(p.id for p in cx.enrolled(school_class.id, days[0]))
        candidates = [p for p in cx.enrolled(school_class.id, days[-1]) if p.id in stayed]
        pupil = rng.choice(candidates)
        sessions = ("sang", "chieu") if school_class.id in afternoon else ("sang",)
        for day in streak:
            for name in sessions:
                marks[(school_class.id, day, name)][pupil.id] = (status, reason)
        chosen.append(pupil)
    return chosen


def _label(school_class: SchoolClass, day: dt.date, session_name: str) -> str:
    """The record label ``attendance.take_roll`` gives a roll."""
    return f"điểm danh lớp {school_class.name} {attendance.SESSIONS[session_name].lower()} {day:%d/%m/%Y}"


def _write_rolls(cx: DemoContext, teacher: Actor, school_class: SchoolClass, entries: list):
    """A class's rolls of a month (days before today), by its homeroom teacher, in one transaction."""
    def run():
        with cx.db.write(teacher) as session:
            require(session, teacher, Action.ROLL_TAKE, class_id=school_class.id)
            rolls = []
            for day, name, day_marks in entries:
                roll = RollCall(id=uuid.uuid4(), year_id=school_class.year_id, class_id=school_class.id, day=day,
                                session=name)
                roll.label_for_audit = _label(school_class, day, name)
                session.add(roll)
                rolls.append((roll, day, day_marks))
            session.flush()
            for roll, day, day_marks in rolls:
                for pupil_id, (status, reason) in sorted(day_marks.items(), key=lambda m: cx.pupils[m[0]].code):
                    mark = AttendanceMark(roll_id=roll.id, pupil_id=pupil_id, class_id=school_class.id, day=day,
                                          status=status, reason=reason)
                    mark.label_for_audit = f"{roll.label_for_audit} — {cx.pupils[pupil_id].full_name}"
                    session.add(mark)
    return run


def _take_today(cx: DemoContext, teacher: Actor, school_class: SchoolClass, day: dt.date, sessions: list[str],
                marks: Marks):
    def run():
        for name in sessions:
            attendance.take_roll(cx.db, teacher, school_class.id, day, name, marks[(school_class.id, day, name)],
                                 on=cx.on)
    return run


def _close_months(cx: DemoContext, rng: random.Random, classes: list[SchoolClass], days: list[dt.date],
                  steps: list[Step]) -> list[tuple[int, int]]:
    """Confirm each finished month and move its sheets along the paper trail; returns the months closed."""
    months = sorted({(d.year, d.month) for d in days
                     if dt.date(d.year, d.month, month_calendar.monthrange(d.year, d.month)[1]) < cx.on})
    clerk, principal = cx.people[CLERK], cx.people[PRINCIPAL]
    for number, (year_no, month_no) in enumerate(months):
        month = f"{year_no:04d}-{month_no:02d}"
        month_end = dt.date(year_no, month_no, month_calendar.monthrange(year_no, month_no)[1])
        after = cx.school_days(month_end + dt.timedelta(days=1), month_end + dt.timedelta(days=40))
        confirmed = min(after[0], cx.on)
        if number < len(months) - 1:
            target = {c.id: "bound" for c in classes}
        else:  # last month: spread over the steps, the last few classes late to print
            order = rng.sample(classes, len(classes))
            target, start = {}, 0
            for state, share in LAST_MONTH_STEPS:
                count = min(round(share * len(classes)), len(classes) - LATE_SHEETS - start)
                for school_class in order[start:start + count]:
                    target[school_class.id] = state
                start += count
            for school_class in order[start:]:
                target[school_class.id] = "confirmed"

        def confirm(month=month, on=confirmed):
            for school_class in classes:
                attendance.confirm_month(cx.db, cx.homeroom(school_class), school_class.id, month, on=on)
        steps.append(Step(confirmed, 2, confirm))
        day = confirmed
        for step in attendance.PAPER_STEPS[1:]:
            day = min(day + dt.timedelta(days=rng.randint(1, 3) if step != "bound" else 10), cx.on)
            due = [c.id for c in classes if attendance.PAPER_STEPS.index(target[c.id])
                   >= attendance.PAPER_STEPS.index(step)]
            if not due:
                break
            actor = principal if attendance.STEP_ACTIONS[step] is Action.ROLL_UNLOCK else clerk

            def advance(month=month, step=step, due=due, actor=actor):
                for class_id in due:
                    attendance.advance_paper(cx.db, actor, class_id, month, step)
            steps.append(Step(day, 2, advance))
    return months
