"""Review of the gradebook (regulation 39/QC-THNK Điều 4.3–4.4, 5.2–5.3).

* ``completion_board``: who still has marks to enter for a milestone, against the deadlines;
* ``distribution``: score spectra (phổ điểm 0–10) and level counts, school vs classes vs teachers;
* ``anomalies``: what the vice-principal reports to the principal (Điều 4.4), each in a sentence;
* ``set_target`` / ``list_targets`` / ``missed_targets``: a subject group's targets (Điều 5.3).

The principal, the vice-principals and the DB admin see the whole school; a group head
sees the classes whose homeroom teacher is in the group and the class × subject pairs
its members teach.  Each report runs a few aggregate queries (no query per row) and
returns plain dataclasses that the views and printing use as they are.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import uuid
from collections import defaultdict
from typing import Iterable

from sqlalchemy import String, and_, case, func, or_, select, tuple_, type_coerce
from sqlalchemy.orm import Session

from nk_desktop.actor import Actor
from nk_desktop.clock import SCHOOL_TZ, to_local, today
from nk_desktop.db import Database
from nk_desktop.errors import PermissionDenied, ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.accounts import Account, AccountRole
from nk_desktop.models.gradebook import CorrectionRequest, MarkLock, SubjectResult, TestDate, TraitResult
from nk_desktop.models.journal import AuditEntry
from nk_desktop.models.pupils import Enrolment, Pupil
from nk_desktop.models.school import (
    CurriculumEntry, SchoolClass, SchoolYear, Subject, SubjectGroup, SubjectGroupMember, TeachingAssignment,
)
from nk_desktop.models.staff import StaffMember
from nk_desktop.models.targets import GroupTarget
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services.calendar import work_calendar
from nk_desktop.services.common import get_live
from nk_desktop.services.gradebook import level_deadline
from nk_desktop.services.permissions import MATRIX, Action, Role, deny
from nk_desktop.text import join_name

# --- thresholds (what the vice-principal is shown; regulation 39 Điều 4.4 names the cases) ----------

MANY_CHANGES = 3                        # changes of a cell's level or score after it was first entered
MEAN_GAP = 1.5                          # points between a class's (teacher's) mean and its grade's
CHT_RATIO = 2.0                         # share of "Chưa hoàn thành" at least twice the grade's
MIN_CHT_PUPILS = 3                      # …and at least this many pupils, so one pupil is not a finding,
CHT_CHANCE = 0.01                       # …and unlikely by chance (binomial tail at the grade's share)
MIN_SCORES = 5                          # a mean over fewer scores is not compared
BURST_EDITS = 10                        # edits by one person within BURST_WINDOW …
BURST_WINDOW = dt.timedelta(hours=1)
BEFORE_DEADLINE = dt.timedelta(hours=24)  # … in the last 24 hours before a deadline
AFTER_UNLOCK = dt.timedelta(hours=24)   # edits in the 24 hours after a lock was lifted
CORRECTION_SLACK = dt.timedelta(minutes=2)  # an applied correction explains the edit made with it

TRAITS_LABEL = _("Phẩm chất, năng lực")
STATUS_DONE = _("Đủ")
KIND_LABELS = {
    "many_changes": _("Sửa nhiều lần"),
    "deleted_reentered": _("Xóa rồi nhập lại"),
    "outlier": _("Lệch mặt bằng chung"),
    "burst": _("Sửa dồn sát hạn"),
    "after_unlock": _("Sửa sau khi mở khóa"),
    "other_person": _("Không phải GV được phân công"),
}
KIND_ORDER = tuple(KIND_LABELS)
# The school's secretary transfers the periodic test scores (Điều 8.1): those score edits are expected.
# (The DB admin may import them too, but a score changed by the admin outside a correction is reported.)
_SCORE_IMPORTERS = frozenset({Role.VAN_THU.value})
_UTC_OFFSET = SCHOOL_TZ.utcoffset(None)


# --- formatting --------------------------------------------------------------------------------------

def number(value: float, digits: int = 1) -> str:
    """7.25 → "7,3": Vietnamese decimal comma."""
    return f"{value:.{digits}f}".replace(".", ",")


def percent(share: float) -> str:
    """0.857 → "85,7%"."""
    return number(share * 100) + "%"


def _when(stamp: dt.datetime) -> str:
    """A stored UTC time as people read it: "21:05 01/11/2026"."""
    return f"{to_local(stamp):%H:%M %d/%m/%Y}"


def _span(first: dt.datetime, last: dt.datetime) -> str:
    """When edits happened: "lúc 20:05 01/11/2026", "từ 20:05 đến 20:48 ngày 01/11/2026" or across days."""
    a, b = to_local(first), to_local(last)
    if a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0):
        return _("lúc {t}").format(t=_when(first))
    if a.date() == b.date():
        return _("từ {a:%H:%M} đến {b:%H:%M} ngày {b:%d/%m/%Y}").format(a=a, b=b)
    return _("từ {a} đến {b}").format(a=_when(first), b=_when(last))


def _end_of_day_utc(day: dt.date) -> dt.datetime:
    """The first instant after *day* in Vietnam, as a naive UTC datetime (the audit log's form)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time()) - _UTC_OFFSET


def _milestone_name(code: str) -> str:
    return rules.MILESTONE_NAMES.get(code, code)


def _shown(table: str, field: str, value) -> str:
    """A cell value in a sentence: the score, the level's letter (T/H/C, T/Đ/C), or "trống"."""
    if value is None:
        return _("trống")
    if field == "level":
        letters = rules.SUBJECT_LETTERS if table == "subject_result" else rules.TRAIT_LETTERS
        return letters.get(value, str(value))
    return str(value)


# --- who sees what -----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Scope:
    """What a reviewer may see: everything, or a group head's classes and class × subject pairs."""

    whole_school: bool
    classes: frozenset[uuid.UUID] = frozenset()  # every subject and the traits of these classes
    pairs: frozenset[tuple[uuid.UUID, uuid.UUID]] = frozenset()  # (class, subject) taught by members
    group_ids: frozenset[uuid.UUID] = frozenset()  # the groups the actor leads

    def sees(self, class_id: uuid.UUID, subject_id: uuid.UUID | None = None) -> bool:
        """Whether the cells of *class_id* × *subject_id* (None: the traits) are in scope."""
        if self.whole_school or class_id in self.classes:
            return True
        return subject_id is not None and (class_id, subject_id) in self.pairs


def review_scope(session: Session, actor: Actor, year_id: uuid.UUID) -> Scope:
    """The actor's scope for the review of *year_id*, or ``PermissionDenied``."""
    if actor.is_system:
        return Scope(True)
    roles = {Role(r) for r in actor.roles if r in Role._value2member_map_}
    if roles & MATRIX[Action.MARKS_REVIEW]:
        return Scope(True)
    if Role.TO_TRUONG_CM in roles and actor.staff_id is not None:
        groups = frozenset(session.scalars(select(SubjectGroup.id).where(
            SubjectGroup.year_id == year_id, SubjectGroup.head_id == actor.staff_id,
            SubjectGroup.deleted.is_(False))))
        if groups:
            members = _members(session, groups)
            all_members = set().union(*members.values())
            classes = frozenset(session.scalars(select(SchoolClass.id).where(
                SchoolClass.year_id == year_id, SchoolClass.deleted.is_(False),
                SchoolClass.homeroom_id.in_(all_members))))
            pairs = frozenset((c, s) for c, s in session.execute(
                select(TeachingAssignment.class_id, TeachingAssignment.subject_id).where(
                    TeachingAssignment.year_id == year_id, TeachingAssignment.deleted.is_(False),
                    TeachingAssignment.staff_id.in_(all_members))))
            return Scope(False, classes, pairs, groups)
    raise deny(Action.MARKS_REVIEW)


def _members(session: Session, group_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
    members: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    group_ids = list(group_ids)
    if not group_ids:
        return members
    for group_id, staff_id in session.execute(select(SubjectGroupMember.group_id, SubjectGroupMember.staff_id).where(
            SubjectGroupMember.group_id.in_(group_ids), SubjectGroupMember.deleted.is_(False))):
        members[group_id].add(staff_id)
    return members


def _scope_clause(scope: Scope, class_column, subject_column):
    """SQL restricting result rows to *scope* (None when it is the whole school)."""
    if scope.whole_school:
        return None
    parts = []
    if scope.classes:
        parts.append(class_column.in_(list(scope.classes)))
    if scope.pairs:
        parts.append(tuple_(class_column, subject_column).in_(list(scope.pairs)))
    return or_(*parts) if parts else class_column.is_(None)


# --- the school's structure, loaded once per report -----------------------------------------------------

@dataclasses.dataclass
class _Structure:
    year: SchoolYear
    classes: dict[uuid.UUID, SchoolClass]
    subjects: dict[uuid.UUID, Subject]
    curriculum: dict[int, list[tuple[uuid.UUID, tuple[str, ...]]]]  # grade → (subject, tested milestones)
    teacher_of: dict[tuple[uuid.UUID, uuid.UUID], uuid.UUID]  # (class, subject) → staff, current
    staff_names: dict[uuid.UUID, str]

    def class_sort(self, class_id: uuid.UUID) -> tuple:
        c = self.classes.get(class_id)
        return (c.grade, len(c.name), c.name) if c else (9, 0, "")

    def subject_sort(self, subject_id: uuid.UUID | None) -> int:
        return self.subjects[subject_id].position if subject_id in self.subjects else 10 ** 6

    def teacher_name(self, staff_id: uuid.UUID | None) -> str:
        return self.staff_names.get(staff_id, "") if staff_id else ""

    def tested(self, grade: int, subject_id: uuid.UUID, milestone: str) -> bool:
        return any(s == subject_id and milestone in t for s, t in self.curriculum.get(grade, ()))


def _structure(session: Session, year_id: uuid.UUID) -> _Structure:
    year = get_live(session, SchoolYear, year_id, _("năm học"))
    classes = {c.id: c for c in session.scalars(select(SchoolClass).where(
        SchoolClass.year_id == year_id, SchoolClass.deleted.is_(False)))}
    subjects = {s.id: s for s in session.scalars(select(Subject).where(Subject.deleted.is_(False)))}
    curriculum: dict[int, list[tuple[uuid.UUID, tuple[str, ...]]]] = defaultdict(list)
    for grade, subject_id, tested in session.execute(
            select(CurriculumEntry.grade, CurriculumEntry.subject_id, CurriculumEntry.tested_milestones)
            .join(Subject, Subject.id == CurriculumEntry.subject_id)
            .where(CurriculumEntry.year_id == year_id, CurriculumEntry.deleted.is_(False))
            .order_by(CurriculumEntry.grade, Subject.position)):
        curriculum[grade].append((subject_id, tuple(m for m in (tested or "").split(",") if m)))
    teacher_of = {(c, s): staff for c, s, staff in session.execute(
        select(TeachingAssignment.class_id, TeachingAssignment.subject_id, TeachingAssignment.staff_id).where(
            TeachingAssignment.year_id == year_id, TeachingAssignment.deleted.is_(False)))}
    wanted = set(teacher_of.values()) | {c.homeroom_id for c in classes.values() if c.homeroom_id}
    staff_names = {}
    if wanted:
        staff_names = {s.id: s.full_name for s in session.scalars(select(StaffMember).where(
            StaffMember.id.in_(list(wanted))))}
    return _Structure(year, classes, subjects, dict(curriculum), teacher_of, staff_names)


def _tests(session: Session, year: SchoolYear,
           milestones: Iterable[str]) -> dict[tuple[int, uuid.UUID, str], tuple[dt.date, dt.date]]:
    """(grade, subject, milestone) → (the test's day, the last day for its scores: 10 working days later)."""
    milestones = list(milestones)
    rows = session.execute(select(TestDate.grade, TestDate.subject_id, TestDate.milestone, TestDate.day).where(
        TestDate.year_id == year.id, TestDate.deleted.is_(False), TestDate.milestone.in_(milestones))).all()
    if not rows:
        return {}
    calendar = work_calendar(session, year.start_date.year, year.end_date.year + 1)
    return {(g, s, m): (day, calendar.add_working_days(day, rules.SCORE_DEADLINE_WORKING_DAYS))
            for g, s, m, day in rows}


# --- 1. completion board -----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CompletionRow:
    """One class × subject (or the class's qualities and competencies) at a milestone."""

    class_id: uuid.UUID
    class_name: str
    grade: int
    subject_id: uuid.UUID | None  # None: the qualities and competencies (homeroom teacher)
    subject_name: str
    teacher_id: uuid.UUID | None
    teacher_name: str
    pupils: int  # enrolled on the counting day
    levels: int  # pupils with a level (traits: with all 15 levels)
    scores: int | None  # pupils with a test score; None when the milestone has no test for the subject
    level_deadline: dt.date
    score_deadline: dt.date | None
    test_day: dt.date | None  # the periodic test's day, when scheduled
    missing: int  # pupils still lacking a level, or a score once the test has been sat
    state: str  # done | missing | overdue
    status: str  # "Đủ" | "Còn thiếu N" | "Quá hạn, thiếu N"


@dataclasses.dataclass(frozen=True)
class TeacherProgress:
    teacher_id: uuid.UUID | None
    teacher_name: str
    rows: int
    done: int
    missing_rows: int  # still open, not yet overdue
    overdue_rows: int
    missing: int  # pupils missing, summed over the rows

    @property
    def state(self) -> str:
        return "overdue" if self.overdue_rows else ("missing" if self.missing_rows else "done")


@dataclasses.dataclass(frozen=True)
class CompletionBoard:
    year_id: uuid.UUID
    milestone: str
    on: dt.date
    counted_on: dt.date  # the day whose class lists are counted (the level deadline if passed)
    level_deadline: dt.date
    rows: list[CompletionRow]
    teachers: list[TeacherProgress]


def _status(missing: int, overdue: bool) -> tuple[str, str]:
    if missing == 0:
        return "done", STATUS_DONE
    if overdue:
        return "overdue", _("Quá hạn, thiếu {n}").format(n=missing)
    return "missing", _("Còn thiếu {n}").format(n=missing)


def completion_board(db: Database, actor: Actor, year_id: uuid.UUID, milestone: str, *,
                     on: dt.date | None = None) -> CompletionBoard:
    """For each class × subject (parts separately) and the traits: who has entered what, against the deadlines.

    Pupils are counted on the level deadline once it has passed (a pupil who joined later
    is not missing), else on *on* (default today), kept within the school year.
    """
    milestone = rules.parse_milestone(milestone)
    on = on or today()
    with db.read() as session:
        scope = review_scope(session, actor, year_id)
        st = _structure(session, year_id)
        year = st.year
        levels_due = level_deadline(session, year, milestone)
        day = min(max(min(on, levels_due), year.start_date), year.end_date)
        tests = _tests(session, year, [milestone])
        enrolled = (Enrolment.deleted.is_(False), Enrolment.start_date <= day,
                    or_(Enrolment.end_date.is_(None), Enrolment.end_date > day))
        sizes = dict(session.execute(
            select(Enrolment.class_id, func.count(func.distinct(Enrolment.pupil_id)))
            .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .where(SchoolClass.year_id == year_id, *enrolled).group_by(Enrolment.class_id)).all())
        in_class = and_(Enrolment.pupil_id == SubjectResult.pupil_id, Enrolment.class_id == SubjectResult.class_id,
                        *enrolled)
        entered = {(c, s): (lv or 0, sc or 0, both or 0) for c, s, lv, sc, both in session.execute(
            select(SubjectResult.class_id, SubjectResult.subject_id,
                   func.count(func.distinct(case((SubjectResult.level.is_not(None), SubjectResult.pupil_id)))),
                   func.count(func.distinct(case((SubjectResult.score.is_not(None), SubjectResult.pupil_id)))),
                   func.count(func.distinct(case((and_(SubjectResult.level.is_not(None),
                                                        SubjectResult.score.is_not(None)), SubjectResult.pupil_id)))))
            .join(Enrolment, in_class)
            .where(SubjectResult.year_id == year_id, SubjectResult.milestone == milestone,
                   SubjectResult.deleted.is_(False))
            .group_by(SubjectResult.class_id, SubjectResult.subject_id))}
        per_pupil = (
            select(TraitResult.class_id.label("class_id"), TraitResult.pupil_id.label("pupil_id"))
            .join(Enrolment, and_(Enrolment.pupil_id == TraitResult.pupil_id,
                                  Enrolment.class_id == TraitResult.class_id, *enrolled))
            .where(TraitResult.year_id == year_id, TraitResult.milestone == milestone,
                   TraitResult.deleted.is_(False), TraitResult.level.is_not(None),
                   TraitResult.trait.in_(list(rules.TRAIT_NAMES)))
            .group_by(TraitResult.class_id, TraitResult.pupil_id)
            .having(func.count(func.distinct(TraitResult.trait)) == len(rules.TRAIT_NAMES))
        ).subquery()
        traits_done = dict(session.execute(
            select(per_pupil.c.class_id, func.count()).group_by(per_pupil.c.class_id)).all())

    rows: list[CompletionRow] = []
    for class_id in sorted(st.classes, key=st.class_sort):
        school_class = st.classes[class_id]
        pupils = sizes.get(class_id, 0)
        for subject_id, tested_in in st.curriculum.get(school_class.grade, ()):
            if not scope.sees(class_id, subject_id):
                continue
            tested = milestone in tested_in
            n_levels, n_scores, n_both = entered.get((class_id, subject_id), (0, 0, 0))
            test_day, score_due = tests.get((school_class.grade, subject_id, milestone), (None, None))
            # Before the test is sat its scores cannot exist: the row is judged on its levels until then.
            scores_expected = tested and (test_day is None or on >= test_day)
            complete = n_both if scores_expected else n_levels
            missing = max(pupils - complete, 0)
            overdue = (n_levels < pupils and on > levels_due) or (
                scores_expected and n_scores < pupils and on > (score_due or levels_due))
            state, status = _status(missing, overdue)
            teacher = st.teacher_of.get((class_id, subject_id))
            rows.append(CompletionRow(
                class_id, school_class.name, school_class.grade, subject_id, st.subjects[subject_id].name,
                teacher, st.teacher_name(teacher), pupils, n_levels,
                n_scores if tested else None, levels_due, score_due if tested else None,
                test_day if tested else None, missing, state, status))
        if scope.sees(class_id, None):
            done = traits_done.get(class_id, 0)
            missing = max(pupils - done, 0)
            state, status = _status(missing, missing > 0 and on > levels_due)
            rows.append(CompletionRow(
                class_id, school_class.name, school_class.grade, None, TRAITS_LABEL, school_class.homeroom_id,
                st.teacher_name(school_class.homeroom_id), pupils, done, None, levels_due, None, None, missing,
                state, status))
    return CompletionBoard(year_id, milestone, on, day, levels_due, rows, teacher_progress(rows))


def teacher_progress(rows: list[CompletionRow]) -> list[TeacherProgress]:
    """Per teacher: how many of their rows are done, open or overdue; the late ones first."""
    by_teacher: dict[uuid.UUID | None, list[CompletionRow]] = defaultdict(list)
    for row in rows:
        by_teacher[row.teacher_id].append(row)
    result = []
    for teacher_id, own in by_teacher.items():
        result.append(TeacherProgress(
            teacher_id, own[0].teacher_name or _("(chưa phân công)"), len(own),
            sum(r.state == "done" for r in own), sum(r.state == "missing" for r in own),
            sum(r.state == "overdue" for r in own), sum(r.missing for r in own)))
    order = {"overdue": 0, "missing": 1, "done": 2}
    result.sort(key=lambda t: (order[t.state], -t.missing, t.teacher_name))
    return result


# --- 2. distribution -----------------------------------------------------------------------------------

SCORE_RANGE = tuple(range(11))
LEVEL_CODES = ("HTT", "HT", "CHT")


@dataclasses.dataclass(frozen=True)
class Counts:
    """A spectrum: how many marks of each score 0–10 and each level, for the school, a class or a teacher."""

    kind: str  # school | class | teacher
    key: uuid.UUID | None
    label: str
    scores: tuple[int, ...]  # 11 counts, index = score
    levels: tuple[int, int, int]  # HTT, HT, CHT

    @property
    def scored(self) -> int:
        return sum(self.scores)

    @property
    def assessed(self) -> int:
        return sum(self.levels)

    @property
    def mean(self) -> float | None:
        return sum(s * n for s, n in enumerate(self.scores)) / self.scored if self.scored else None

    @property
    def share_completed(self) -> float | None:
        """Share of levels at Hoàn thành or above."""
        return (self.levels[0] + self.levels[1]) / self.assessed if self.assessed else None

    def share_of_score(self, score: int) -> float:
        return self.scores[score] / self.scored if self.scored else 0.0


@dataclasses.dataclass(frozen=True)
class Distribution:
    year_id: uuid.UUID
    milestone: str | None  # None: every milestone
    subject_id: uuid.UUID | None
    grade: int | None
    class_id: uuid.UUID | None
    teacher_id: uuid.UUID | None
    school: Counts  # the comparison base: the school (or the grade) with the subject/milestone filters
    classes: list[Counts]
    teachers: list[Counts]


class _Tally:
    __slots__ = ("scores", "levels")

    def __init__(self):
        self.scores = [0] * 11
        self.levels = [0, 0, 0]

    def add(self, level, score, count: int) -> None:
        if score is not None and 0 <= score <= 10:
            self.scores[score] += count
        if level in LEVEL_CODES:
            self.levels[LEVEL_CODES.index(level)] += count

    def counts(self, kind: str, key, label: str) -> Counts:
        return Counts(kind, key, label, tuple(self.scores), tuple(self.levels))


def distribution(db: Database, actor: Actor, year_id: uuid.UUID, milestone: str | None = None, *,
                 subject_id: uuid.UUID | None = None, grade: int | None = None, class_id: uuid.UUID | None = None,
                 teacher_id: uuid.UUID | None = None) -> Distribution:
    """Score and level counts for the school (or grade) and per class and per teacher, to compare.

    One GROUP BY in SQL (class × subject × level × score); the rows are summed in Python,
    where the current teaching assignment names each class × subject's teacher.  *milestone*
    None counts every milestone.  *class_id* and *teacher_id* narrow the class and teacher
    rows, not the comparison base.
    """
    if milestone is not None:
        milestone = rules.parse_milestone(milestone)
    with db.read() as session:
        scope = review_scope(session, actor, year_id)
        st = _structure(session, year_id)
        r = SubjectResult
        query = (select(r.class_id, r.subject_id, r.level, r.score, func.count())
                 .where(r.year_id == year_id, r.deleted.is_(False))
                 .group_by(r.class_id, r.subject_id, r.level, r.score))
        if milestone is not None:
            query = query.where(r.milestone == milestone)
        if subject_id is not None:
            query = query.where(r.subject_id == subject_id)
        if grade is not None:
            query = query.where(r.class_id.in_([c for c, k in st.classes.items() if k.grade == grade]))
        clause = _scope_clause(scope, r.class_id, r.subject_id)
        if clause is not None:
            query = query.where(clause)
        rows = session.execute(query).all()

    base, by_class, by_teacher = _Tally(), defaultdict(_Tally), defaultdict(_Tally)
    for row_class, row_subject, level, score, count in rows:
        base.add(level, score, count)
        staff_id = st.teacher_of.get((row_class, row_subject))
        if class_id is not None and row_class != class_id:
            continue
        if teacher_id is not None and staff_id != teacher_id:
            continue
        by_class[row_class].add(level, score, count)
        by_teacher[staff_id].add(level, score, count)
    if not scope.whole_school:
        label = _("Các lớp của tổ")
    elif grade is not None:
        label = _("Khối {g}").format(g=grade)
    else:
        label = _("Toàn trường")
    classes = [by_class[c].counts("class", c, _("Lớp {name}").format(name=st.classes[c].name))
               for c in sorted(by_class, key=st.class_sort) if c in st.classes]
    teachers = [by_teacher[t].counts("teacher", t, st.teacher_name(t) or _("(chưa phân công)"))
                for t in by_teacher]
    teachers.sort(key=lambda c: (c.key is None, c.label))
    return Distribution(year_id, milestone, subject_id, grade, class_id, teacher_id,
                        base.counts("school", None, label), classes, teachers)


# --- 3. anomalies ----------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Anomaly:
    """One finding for the vice-principal's report, explained in a sentence."""

    kind: str  # a key of KIND_LABELS
    sentence: str
    class_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None
    milestone: str | None = None
    actor_id: uuid.UUID | None = None  # the account that made the edits, where there is one
    at: dt.datetime | None = None  # when (UTC), for ordering; None for distribution findings

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def anomalies(db: Database, actor: Actor, year_id: uuid.UUID, *, on: dt.date | None = None) -> list[Anomaly]:
    """The cases regulation 39 Điều 4.4 asks the vice-principal to report, from the audit log and the marks.

    Edits made up to the end of *on* (default today) count.  Edits by the application
    itself (the demo, migrations) are nobody's and are left out of the edit checks.
    """
    on = on or today()
    until = _end_of_day_utc(on)
    with db.read() as session:
        scope = review_scope(session, actor, year_id)
        st = _structure(session, year_id)
        year = st.year
        entries = _audit_entries(session, list(st.classes), until)
        locks = {lock.id: lock for lock in session.scalars(select(MarkLock).where(MarkLock.year_id == year_id))}
        cells, unlocks = _read_log(entries, locks)
        cells = {k: c for k, c in cells.items() if c.class_id in st.classes and scope.sees(c.class_id, c.subject_id)}
        accounts = {a: (s, u) for a, s, u in session.execute(select(Account.id, Account.staff_id, Account.username))}
        roles: dict[uuid.UUID, set[str]] = defaultdict(set)
        for account_id, role in session.execute(select(AccountRole.account_id, AccountRole.role).where(
                AccountRole.deleted.is_(False))):
            roles[account_id].add(role)
        assignments = session.execute(select(
            TeachingAssignment.class_id, TeachingAssignment.subject_id, TeachingAssignment.staff_id,
            TeachingAssignment.created_at, TeachingAssignment.updated_at, TeachingAssignment.deleted).where(
            TeachingAssignment.year_id == year_id)).all()
        corrections = session.execute(select(
            CorrectionRequest.class_id, CorrectionRequest.pupil_id, CorrectionRequest.subject_id,
            CorrectionRequest.trait, CorrectionRequest.milestone, CorrectionRequest.applied_by,
            CorrectionRequest.applied_at).where(
            CorrectionRequest.year_id == year_id, CorrectionRequest.status == "applied",
            CorrectionRequest.deleted.is_(False))).all()
        levels_due = {m: level_deadline(session, year, m) for m in rules.MILESTONES}
        scores_due = {key: due for key, (_day, due) in _tests(session, year, rules.MILESTONES).items()}
        aggregates = session.execute(
            select(SubjectResult.class_id, SubjectResult.subject_id, SubjectResult.milestone,
                   func.count(SubjectResult.score), func.sum(SubjectResult.score), func.count(SubjectResult.level),
                   func.sum(case((SubjectResult.level == "CHT", 1), else_=0)))
            .where(SubjectResult.year_id == year_id, SubjectResult.deleted.is_(False))
            .group_by(SubjectResult.class_id, SubjectResult.subject_id, SubjectResult.milestone)).all()
        # Names for the sentences: the pupils the cells mention, the staff behind the accounts.
        pupil_ids = list({c.pupil_id for c in cells.values() if c.pupil_id})
        pupils = {}
        for chunk in range(0, len(pupil_ids), 500):
            for pupil_id, family, middle, given in session.execute(select(
                    Pupil.id, Pupil.family_name, Pupil.middle_name, Pupil.given_name).where(
                    Pupil.id.in_(pupil_ids[chunk:chunk + 500]))):
                pupils[pupil_id] = join_name(family, middle, given)
        staff_ids = {s for s, _u in accounts.values() if s} | {a[2] for a in assignments}
        if staff_ids:
            st.staff_names.update({s.id: s.full_name for s in session.scalars(select(StaffMember).where(
                StaffMember.id.in_(list(staff_ids))))})

    context = _Context(st, scope, cells, pupils, accounts, roles, assignments, corrections, levels_due, scores_due)
    found: list[Anomaly] = []
    found += context.many_changes()
    found += context.deleted_and_reentered()
    found += context.other_person()
    found += context.bursts()
    found += context.after_unlock(unlocks, locks)
    found += _outliers(st, scope, aggregates)
    order = {k: n for n, k in enumerate(KIND_ORDER)}
    found.sort(key=lambda a: (order[a.kind], a.at or dt.datetime.max,
                              st.class_sort(a.class_id) if a.class_id else (0, 0, ""),
                              st.subject_sort(a.subject_id), a.sentence))
    return found


_WATCHED = ("level", "score", "comment")


class _Edit:
    """One audit entry of a result row; its JSON is parsed only when a check needs the values."""

    __slots__ = ("at", "actor_id", "actor_name", "kind", "raw", "fields", "_changes")

    def __init__(self, at, actor_id, actor_name, kind, raw):
        self.at, self.actor_id, self.actor_name, self.kind, self.raw = at, actor_id, actor_name, kind, raw
        # Which of level / score / comment the entry changed, read without parsing the JSON: the log's
        # JSON is canonical (no spaces) and a quote inside a value is escaped, so '"score":' is a key.
        self.fields = frozenset(k for k in _WATCHED if f'"{k}":' in raw)
        self._changes = None

    @property
    def changes(self) -> dict:
        if self._changes is None:
            self._changes = json.loads(self.raw) if self.raw else {}
        return self._changes


@dataclasses.dataclass
class _Cell:
    """A result row: which pupil, class, subject (or trait) and milestone, and its edits in order."""

    table: str
    class_id: uuid.UUID
    pupil_id: uuid.UUID | None
    subject_id: uuid.UUID | None
    trait: str
    milestone: str
    history: list[_Edit] = dataclasses.field(default_factory=list)


def _audit_entries(session: Session, class_ids: list[uuid.UUID], until: dt.datetime):
    """The audit log of the year's result rows (edits by people) and of the locks: one query.

    The result rows are joined on their key for the pupil, subject or trait and milestone,
    so an entry's JSON is read only when a check looks at the values.
    """
    if not class_ids:
        return []
    a, sr, tr = AuditEntry, SubjectResult, TraitResult

    def raw(column):  # ids come back as text and become UUIDs once per distinct value (see _read_log)
        return type_coerce(column, String)

    return session.execute(
        select(a.at, raw(a.actor_id), a.actor_name, a.table_name, raw(a.row_id), a.kind, a.changes,
               raw(a.class_id), raw(func.coalesce(sr.pupil_id, tr.pupil_id)), raw(sr.subject_id), tr.trait,
               func.coalesce(sr.milestone, tr.milestone))
        .select_from(a)
        .outerjoin(sr, and_(a.table_name == "subject_result", sr.id == a.row_id))
        .outerjoin(tr, and_(a.table_name == "trait_result", tr.id == a.row_id))
        .where(a.table_name.in_(("subject_result", "trait_result", "mark_lock")), a.at < until,
               or_(and_(a.actor_id.is_not(None), a.class_id.in_(class_ids)), a.table_name == "mark_lock"))
        .order_by(a.seq)).all()


def _read_log(entries, locks) -> tuple[dict, list]:
    """Group the result entries by row and find the unlocks (a lock going from locked to unlocked)."""
    cells: dict[tuple[str, object], _Cell] = {}
    unlocks = []  # (at, actor_name, lock row id, reason given when unlocking)
    known: dict[object, uuid.UUID | None] = {None: None}

    def as_uuid(value) -> uuid.UUID | None:
        found = known.get(value)
        if found is None and value is not None:
            found = known[value] = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        return found

    for at, actor_id, actor_name, table, row_id, kind, raw, class_id, pupil_id, subject_id, trait, milestone \
            in entries:
        if table == "mark_lock":
            changes = json.loads(raw) if raw else {}
            locked, reason = changes.get("locked"), (changes.get("reason") or [None, None])[1]
            lock_id = as_uuid(row_id)
            if kind == "upd" and locked and locked[0] is True and locked[1] is False:
                unlocks.append((at, actor_name, lock_id, reason))
            elif kind == "ins" and (locked is None or locked[1] is False) and lock_id in locks:
                unlocks.append((at, actor_name, lock_id, reason))  # a new record that opens a narrower scope
            continue
        if class_id is None or milestone is None:
            continue
        cell = cells.get((table, row_id))
        if cell is None:
            cell = cells[(table, row_id)] = _Cell(table, as_uuid(class_id), as_uuid(pupil_id), as_uuid(subject_id),
                                                  trait or "", milestone)
        cell.history.append(_Edit(at, as_uuid(actor_id), actor_name, kind, raw or ""))
    return cells, unlocks


class _Context:
    """What the audit-based checks share: the cells' histories and the names for the sentences."""

    def __init__(self, st: _Structure, scope: Scope, cells, pupils, accounts, roles, assignments, corrections,
                 levels_due, scores_due):
        self.st, self.scope, self.cells, self.pupils = st, scope, cells, pupils
        self.accounts, self.roles = accounts, roles
        self.levels_due, self.scores_due = levels_due, scores_due
        self.assignments: dict[tuple, list] = defaultdict(list)
        for class_id, subject_id, staff_id, created, updated, deleted in assignments:
            self.assignments[(class_id, subject_id)].append((created, updated if deleted else None, staff_id))
        self.corrections = defaultdict(list)
        for class_id, pupil_id, subject_id, trait, milestone, applied_by, applied_at in corrections:
            key = (class_id, pupil_id, subject_id, trait or "", milestone)
            self.corrections[key].append((applied_by, applied_at))

    # --- naming ---

    def what(self, cell: _Cell) -> str:
        """"môn Toán của Nguyễn Văn An (lớp 4A, Cuối học kì I)"."""
        c = self.st.classes[cell.class_id]
        if cell.table == "subject_result":
            thing = _("môn {s}").format(s=self.st.subjects[cell.subject_id].name if cell.subject_id in
                                         self.st.subjects else "?")
        else:
            thing = rules.TRAIT_NAMES.get(cell.trait, cell.trait)
        return _("{thing} của {pupil} (lớp {c}, {m})").format(
            thing=thing, pupil=self.pupils.get(cell.pupil_id, _("học sinh")), c=c.name,
            m=_milestone_name(cell.milestone))

    def person(self, actor_id, actor_name: str) -> str:
        username = self.accounts.get(actor_id, (None, ""))[1]
        return f"{actor_name} ({username})" if username and username != actor_name else actor_name

    def explained_by_correction(self, cell: _Cell, actor_id, at) -> bool:
        key = (cell.class_id, cell.pupil_id, cell.subject_id, cell.trait, cell.milestone)
        return any(by == actor_id and applied and abs(applied - at) <= CORRECTION_SLACK
                   for by, applied in self.corrections.get(key, ()))

    def assigned_at(self, class_id, subject_id, at) -> uuid.UUID | None:
        """The teacher assigned to class × subject at *at* (the current one if the history does not say)."""
        rows = self.assignments.get((class_id, subject_id), ())
        if len(rows) == 1 and rows[0][1] is None:
            return rows[0][2]  # never reassigned: the one teacher
        for created, ended, staff_id in rows:
            if created <= at and (ended is None or at < ended):
                return staff_id
        current = [staff for _c, ended, staff in rows if ended is None]
        return current[0] if current else None

    # --- checks ---

    def many_changes(self) -> list[Anomaly]:
        found = []
        for cell in self.cells.values():
            changes = [e for e in cell.history if e.kind == "upd" and e.fields & {"level", "score"}]
            if len(changes) < MANY_CHANGES:
                continue
            trails = []
            for field, title in (("score", _("điểm")), ("level", _("mức"))):
                values = [e.changes[field] for e in cell.history if field in e.fields]
                if len(values) < 2:
                    continue
                shown = ([values[0][0]] if values[0][0] is not None else []) + [new for _old, new in values]
                trails.append(f"{title} {' → '.join(_shown(cell.table, field, v) for v in shown)}")
            people = list(dict.fromkeys(self.person(e.actor_id, e.actor_name) for e in changes))
            found.append(Anomaly(
                "many_changes",
                _("Kết quả {what} bị sửa {n} lần {span}: {trail}; người sửa: {who}.").format(
                    what=self.what(cell), n=len(changes), span=_span(changes[0].at, changes[-1].at),
                    trail="; ".join(trails), who=", ".join(people)),
                cell.class_id, cell.subject_id, cell.milestone, changes[-1].actor_id, changes[0].at))
        return found

    def deleted_and_reentered(self) -> list[Anomaly]:
        found = []
        for cell in self.cells.values():
            fields = (("score", _("Điểm KTĐK")), ("level", _("Mức đánh giá")))
            for field, title in fields:
                deleted = None
                for edit in cell.history:
                    if edit.kind != "upd" or field not in edit.fields:
                        continue
                    at, actor_id, actor_name = edit.at, edit.actor_id, edit.actor_name
                    old, new = edit.changes[field]
                    if old is not None and new is None:
                        deleted = (at, actor_id, actor_name, old)
                    elif old is None and new is not None and deleted is not None:
                        d_at, d_actor, d_name, d_old = deleted
                        who, again = self.person(d_actor, d_name), self.person(actor_id, actor_name)
                        found.append(Anomaly(
                            "deleted_reentered",
                            _("{title} {what} đang là {old} thì bị {who} xóa lúc {a}, rồi {again}nhập lại {new} lúc "
                              "{b}.").format(
                                title=title, what=self.what(cell), old=_shown(cell.table, field, d_old), who=who,
                                a=_when(d_at), again="" if again == who else again + " ",
                                new=_shown(cell.table, field, new), b=_when(at)),
                            cell.class_id, cell.subject_id, cell.milestone, actor_id, d_at))
                        deleted = None
        return found

    def other_person(self) -> list[Anomaly]:
        groups: dict[tuple, list] = defaultdict(list)
        for cell in self.cells.values():
            school_class = self.st.classes[cell.class_id]
            for edit in cell.history:
                at, actor_id, actor_name, fields = edit.at, edit.actor_id, edit.actor_name, edit.fields
                if actor_id is None or not fields:
                    continue
                staff_id = self.accounts.get(actor_id, (None, ""))[0]
                if cell.table == "subject_result":
                    assigned = self.assigned_at(cell.class_id, cell.subject_id, at)
                else:
                    assigned = school_class.homeroom_id
                if staff_id is not None and staff_id == assigned:
                    continue
                if fields == {"score"} and self.roles.get(actor_id, set()) & _SCORE_IMPORTERS:
                    continue  # the secretary enters a grade's test scores (Điều 8.1)
                if self.explained_by_correction(cell, actor_id, at):
                    continue  # an approved correction applied by the DB admin (Điều 11.2)
                key = (actor_id, cell.class_id, cell.subject_id if cell.table == "subject_result" else None,
                       cell.milestone)
                groups[key].append((at, actor_name, assigned))
        found = []
        for (actor_id, class_id, subject_id, milestone), edits in groups.items():
            edits.sort(key=lambda e: e[0])
            first, last = edits[0][0], edits[-1][0]
            assigned = edits[-1][2]
            school_class = self.st.classes[class_id]
            if subject_id is None:
                what = _("phẩm chất, năng lực lớp {c}").format(c=school_class.name)
                owner = (_("giáo viên chủ nhiệm là {t}").format(t=self.st.teacher_name(assigned)) if assigned
                         else _("lớp chưa có giáo viên chủ nhiệm"))
            else:
                what = _("môn {s} lớp {c}").format(s=self.st.subjects[subject_id].name, c=school_class.name)
                owner = (_("giáo viên được phân công là {t}").format(t=self.st.teacher_name(assigned)) if assigned
                         else _("môn này của lớp chưa được phân công"))
            period = _span(first, last)
            found.append(Anomaly(
                "other_person",
                _("{who} đã sửa {n} ô {what} ({m}) {period}, nhưng {owner}.").format(
                    who=self.person(actor_id, edits[0][1]), n=len(edits), what=what, m=_milestone_name(milestone),
                    period=period, owner=owner),
                class_id, subject_id, milestone, actor_id, first))
        return found

    def _deadline(self, cell: _Cell, fields: frozenset[str]) -> dt.date | None:
        if cell.milestone not in self.levels_due:
            return None
        levels_due = self.levels_due[cell.milestone]
        if cell.table == "subject_result" and fields == {"score"}:
            grade = self.st.classes[cell.class_id].grade
            return self.scores_due.get((grade, cell.subject_id, cell.milestone), levels_due)
        return levels_due

    def bursts(self) -> list[Anomaly]:
        near: dict[tuple, list] = defaultdict(list)  # (actor, deadline, milestone) → edits
        for cell in self.cells.values():
            for edit in cell.history:
                at, actor_id, actor_name = edit.at, edit.actor_id, edit.actor_name
                if actor_id is None:
                    continue
                due = self._deadline(cell, edit.fields)
                if due is None:
                    continue
                end = _end_of_day_utc(due)
                if end - BEFORE_DEADLINE <= at < end:
                    near[(actor_id, due, cell.milestone)].append((at, actor_name, cell))
        found = []
        for (actor_id, due, milestone), edits in near.items():
            if len(edits) < BURST_EDITS:
                continue
            edits.sort(key=lambda e: e[0])
            best, start = (0, 0, 0), 0
            for end_index in range(len(edits)):
                while edits[end_index][0] - edits[start][0] > BURST_WINDOW:
                    start += 1
                if end_index - start + 1 > best[0]:
                    best = (end_index - start + 1, start, end_index)
            count, first, last = best
            if count < BURST_EDITS:
                continue
            window = edits[first:last + 1]
            found.append(Anomaly(
                "burst",
                _("{who} sửa {n} ô trong vòng 1 giờ ({span}), trong 24 giờ cuối trước hạn nhập {m} "
                  "({due:%d/%m/%Y}): {where}.").format(
                    who=self.person(actor_id, window[0][1]), n=count, span=_span(window[0][0], window[-1][0]),
                    m=_milestone_name(milestone), due=due, where=self._where(c for _a, _n, c in window)),
                _single(c.class_id for _a, _n, c in window), _single(c.subject_id for _a, _n, c in window),
                milestone, actor_id, window[0][0]))
        return found

    def _where(self, cells: Iterable[_Cell]) -> str:
        """"lớp 4A — Toán, Tiếng Việt; lớp 4B — Toán"."""
        by_class: dict[uuid.UUID, list[str]] = defaultdict(list)
        for cell in cells:
            name = (self.st.subjects[cell.subject_id].name if cell.table == "subject_result"
                    and cell.subject_id in self.st.subjects else TRAITS_LABEL.lower())
            if name not in by_class[cell.class_id]:
                by_class[cell.class_id].append(name)
        return "; ".join(_("lớp {c} — {s}").format(c=self.st.classes[c].name, s=", ".join(names))
                         for c, names in sorted(by_class.items(), key=lambda item: self.st.class_sort(item[0])))

    def after_unlock(self, unlocks, locks: dict) -> list[Anomaly]:
        found = []
        for at, unlocker, lock_id, why in unlocks:
            lock = locks.get(lock_id)
            if lock is None:
                continue
            why = lock.reason if why is None else why
            by_actor: dict[uuid.UUID, list] = defaultdict(list)
            for cell in self.cells.values():
                if not self._lock_covers(lock, cell):
                    continue
                for edit in cell.history:
                    if edit.actor_id is not None and at < edit.at <= at + AFTER_UNLOCK:
                        by_actor[edit.actor_id].append((edit.at, edit.actor_name, cell))
            for actor_id, edits in by_actor.items():
                edits.sort(key=lambda e: e[0])
                reason = _(" (lí do: {r})").format(r=why) if why else ""
                found.append(Anomaly(
                    "after_unlock",
                    _("Trong 24 giờ sau khi {who} mở khóa sổ điểm {scope} lúc {a}{reason}, {editor} đã sửa {n} ô "
                      "({span}): {where}.").format(
                        who=unlocker, scope=self._lock_scope(lock), a=_when(at), reason=reason,
                        editor=self.person(actor_id, edits[0][1]), n=len(edits),
                        span=_span(edits[0][0], edits[-1][0]),
                        where=self._where(c for _w, _n, c in edits)),
                    _single(c.class_id for _w, _n, c in edits), _single(c.subject_id for _w, _n, c in edits),
                    lock.milestone, actor_id, at))
        return found

    def _lock_covers(self, lock: MarkLock, cell: _Cell) -> bool:
        school_class = self.st.classes[cell.class_id]
        if lock.class_id is not None and lock.class_id != cell.class_id:
            return False
        if lock.grade is not None and lock.grade != school_class.grade:
            return False
        if lock.milestone is not None and lock.milestone != cell.milestone:
            return False
        if lock.subject_id is not None and (cell.table != "subject_result" or lock.subject_id != cell.subject_id):
            return False
        return True

    def _lock_scope(self, lock: MarkLock) -> str:
        parts = []
        if lock.class_id is not None:
            parts.append(_("lớp {c}").format(c=self.st.classes[lock.class_id].name if lock.class_id in
                                              self.st.classes else "?"))
        elif lock.grade is not None:
            parts.append(_("khối {g}").format(g=lock.grade))
        else:
            parts.append(_("toàn trường"))
        if lock.subject_id is not None and lock.subject_id in self.st.subjects:
            parts.append(_("môn {s}").format(s=self.st.subjects[lock.subject_id].name))
        if lock.milestone is not None:
            parts.append(_milestone_name(lock.milestone))
        return ", ".join(parts)


def _single(values: Iterable):
    """The one value all *values* share, else None."""
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def _chance(k: int, n: int, p: float) -> float:
    """P(at least *k* of *n* pupils at CHT) when each is so with the grade's probability *p* (binomial tail).

    A class of 35 with 3 CHT where the grade has 4 % happens by chance one time in six: not a finding.
    """
    p = min(max(p, 0.0), 1.0)
    return sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(k, n + 1))


def _outliers(st: _Structure, scope: Scope, aggregates) -> list[Anomaly]:
    """Classes (and teachers of several classes) far from their grade's mean or with twice its CHT share."""
    grade_totals: dict[tuple, list[float]] = defaultdict(lambda: [0, 0, 0, 0])  # scored, sum, assessed, cht
    rows = []
    for class_id, subject_id, milestone, scored, total, assessed, cht in aggregates:
        school_class = st.classes.get(class_id)
        if school_class is None:
            continue
        key = (school_class.grade, subject_id, milestone)
        values = (scored or 0, float(total or 0), assessed or 0, int(cht or 0))
        for n, v in enumerate(values):
            grade_totals[key][n] += v
        rows.append((class_id, subject_id, milestone, *values))
    found = []
    teachers: dict[tuple, list] = defaultdict(list)
    for class_id, subject_id, milestone, scored, total, assessed, cht in rows:
        school_class = st.classes[class_id]
        g_scored, g_total, g_assessed, g_cht = grade_totals[(school_class.grade, subject_id, milestone)]
        teacher = st.teacher_of.get((class_id, subject_id))
        teachers[(teacher, subject_id, milestone)].append((class_id, scored, total, assessed, cht, g_scored,
                                                          g_total, g_assessed, g_cht))
        if not scope.sees(class_id, subject_id):
            continue
        subject = st.subjects[subject_id].name if subject_id in st.subjects else "?"
        who = _(" (giáo viên: {t})").format(t=st.teacher_name(teacher)) if teacher else ""
        head = _("Lớp {c}, môn {s}, {m}").format(c=school_class.name, s=subject, m=_milestone_name(milestone))
        if scored >= MIN_SCORES and g_scored:
            mean, g_mean = total / scored, g_total / g_scored
            if abs(mean - g_mean) > MEAN_GAP:
                found.append(Anomaly("outlier", _(
                    "{head}: điểm KTĐK trung bình {mean}, {dir} mặt bằng khối {g} ({g_mean}) {gap} điểm{who}.").format(
                    head=head, mean=number(mean), dir=_("cao hơn") if mean > g_mean else _("thấp hơn"),
                    g=school_class.grade, g_mean=number(g_mean), gap=number(abs(mean - g_mean)), who=who),
                    class_id, subject_id, milestone))
        if assessed and g_assessed and g_cht and cht >= MIN_CHT_PUPILS:
            share, g_share = cht / assessed, g_cht / g_assessed
            if share >= CHT_RATIO * g_share and _chance(cht, assessed, g_share) < CHT_CHANCE:
                found.append(Anomaly("outlier", _(
                    "{head}: {share} học sinh Chưa hoàn thành ({cht}/{n}), gấp {ratio} lần tỉ lệ chung của khối {g} "
                    "({g_share}){who}.").format(
                    head=head, share=percent(share), cht=cht, n=assessed, ratio=number(share / g_share),
                    g=school_class.grade, g_share=percent(g_share), who=who), class_id, subject_id, milestone))
    for (teacher, subject_id, milestone), own in teachers.items():
        if teacher is None or len(own) < 2 or not all(scope.sees(c[0], subject_id) for c in own):
            continue
        subject = st.subjects[subject_id].name if subject_id in st.subjects else "?"
        names = ", ".join(st.classes[c[0]].name for c in sorted(own, key=lambda c: st.class_sort(c[0])))
        head = _("{t}, môn {s}, {m} (các lớp {names})").format(t=st.teacher_name(teacher), s=subject,
                                                                m=_milestone_name(milestone), names=names)
        scored = sum(c[1] for c in own)
        if scored >= MIN_SCORES and all(c[5] for c in own if c[1]):
            mean = sum(c[2] for c in own) / scored
            expected = sum(c[1] * c[6] / c[5] for c in own if c[1]) / scored
            if abs(mean - expected) > MEAN_GAP:
                found.append(Anomaly("outlier", _(
                    "{head}: điểm KTĐK trung bình {mean}, {dir} mặt bằng chung của các khối đó ({exp}) {gap} điểm."
                ).format(head=head, mean=number(mean), dir=_("cao hơn") if mean > expected else _("thấp hơn"),
                         exp=number(expected), gap=number(abs(mean - expected))), None, subject_id, milestone))
        assessed, cht = sum(c[3] for c in own), sum(c[4] for c in own)
        if assessed and cht >= MIN_CHT_PUPILS and all(c[7] for c in own if c[3]):
            expected = sum(c[3] * c[8] / c[7] for c in own if c[3]) / assessed
            share = cht / assessed
            if expected and share >= CHT_RATIO * expected and _chance(cht, assessed, expected) < CHT_CHANCE:
                found.append(Anomaly("outlier", _(
                    "{head}: {share} học sinh Chưa hoàn thành ({cht}/{n}), gấp {ratio} lần tỉ lệ chung ({exp})."
                ).format(head=head, share=percent(share), cht=cht, n=assessed, ratio=number(share / expected),
                         exp=percent(expected)), None, subject_id, milestone))
    return found


# --- 4. targets of the subject groups (Điều 5.3) ------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class TargetRow:
    id: uuid.UUID
    group_id: uuid.UUID
    group_name: str
    subject_id: uuid.UUID | None
    subject_name: str  # "Mọi môn của tổ" when the target is the group's general one
    milestone: str
    min_share_completed: int


@dataclasses.dataclass(frozen=True)
class TargetMiss:
    group_id: uuid.UUID
    group_name: str
    class_id: uuid.UUID
    class_name: str
    subject_id: uuid.UUID
    subject_name: str
    teacher_id: uuid.UUID | None
    teacher_name: str
    milestone: str
    target: int  # %
    completed: int  # pupils at HT or HTT
    assessed: int  # pupils with a level
    sentence: str

    @property
    def share(self) -> float:
        return self.completed / self.assessed if self.assessed else 0.0


ALL_SUBJECTS = _("Mọi môn của tổ")


def _may_set_target(actor: Actor, group: SubjectGroup) -> bool:
    if actor.is_system or Role.HIEU_TRUONG.value in actor.roles:
        return True
    return (Role.TO_TRUONG_CM.value in actor.roles and actor.staff_id is not None
            and group.head_id == actor.staff_id)


def set_target(db: Database, actor: Actor, year_id: uuid.UUID, group_id: uuid.UUID, milestone: str,
               min_share_completed: int | None, *, subject_id: uuid.UUID | None = None) -> uuid.UUID | None:
    """Set (or, with None, remove) a group's target for a milestone: the principal or the group's head."""
    milestone = rules.parse_milestone(milestone)
    with db.write(actor) as session:
        group = get_live(session, SubjectGroup, group_id, _("tổ chuyên môn"))
        if group.year_id != year_id:
            raise ValidationError(_("{g} không thuộc năm học này.").format(g=group.name))
        if not _may_set_target(actor, group):
            raise PermissionDenied(_("Chỉ Hiệu trưởng hoặc tổ trưởng của {g} được đặt chỉ tiêu cho tổ.").format(
                g=group.name))
        subject = get_live(session, Subject, subject_id, _("môn học")) if subject_id is not None else None
        if min_share_completed is not None:
            if isinstance(min_share_completed, bool) or not isinstance(min_share_completed, int) \
                    or not 0 <= min_share_completed <= 100:
                raise ValidationError(_("Chỉ tiêu phải là số nguyên từ 0 đến 100 (%)."), field="min_share_completed")
        existing = session.scalar(select(GroupTarget).where(
            GroupTarget.year_id == year_id, GroupTarget.group_id == group_id, GroupTarget.milestone == milestone,
            GroupTarget.subject_id.is_(None) if subject_id is None else GroupTarget.subject_id == subject_id,
            GroupTarget.deleted.is_(False)))
        label = _("chỉ tiêu của {g}, {s}, {m}").format(
            g=group.name, s=subject.name if subject else ALL_SUBJECTS.lower(), m=_milestone_name(milestone))
        if min_share_completed is None:
            if existing is not None:
                existing.label_for_audit = label
                existing.deleted = True
            return None
        if existing is None:
            existing = GroupTarget(year_id=year_id, group_id=group_id, subject_id=subject_id, milestone=milestone,
                                   min_share_completed=min_share_completed)
            session.add(existing)
        existing.label_for_audit = label
        existing.min_share_completed = min_share_completed
        session.flush()
        return existing.id


def list_targets(db: Database, actor: Actor, year_id: uuid.UUID) -> list[TargetRow]:
    """The year's targets the actor may see (a group head: the groups they lead)."""
    with db.read() as session:
        scope = review_scope(session, actor, year_id)
        return _targets(session, scope, year_id)


def _targets(session: Session, scope: Scope, year_id: uuid.UUID, milestone: str | None = None) -> list[TargetRow]:
    query = (select(GroupTarget, SubjectGroup.name, Subject.name, Subject.position)
             .join(SubjectGroup, SubjectGroup.id == GroupTarget.group_id)
             .outerjoin(Subject, Subject.id == GroupTarget.subject_id)
             .where(GroupTarget.year_id == year_id, GroupTarget.deleted.is_(False)))
    if milestone is not None:
        query = query.where(GroupTarget.milestone == milestone)
    if not scope.whole_school:
        query = query.where(GroupTarget.group_id.in_(list(scope.group_ids)))
    rows = session.execute(query).all()
    milestone_order = {m: n for n, m in enumerate(rules.MILESTONES)}
    rows.sort(key=lambda r: (r[1], milestone_order.get(r[0].milestone, 9), r[3] or 0))
    return [TargetRow(t.id, t.group_id, group_name, t.subject_id, subject_name or ALL_SUBJECTS, t.milestone,
                      t.min_share_completed) for t, group_name, subject_name, _p in rows]


def missed_targets(db: Database, actor: Actor, year_id: uuid.UUID, milestone: str) -> list[TargetMiss]:
    """Class × subject pairs taught by a group's members where the share at HT or above is below the target.

    A target for one subject takes precedence over the group's general target; pairs with
    no level entered yet are not judged.
    """
    milestone = rules.parse_milestone(milestone)
    with db.read() as session:
        scope = review_scope(session, actor, year_id)
        st = _structure(session, year_id)
        targets = _targets(session, scope, year_id, milestone)
        if not targets:
            return []
        members = _members(session, {t.group_id for t in targets})
        shares = {(c, s): (n or 0, done or 0) for c, s, n, done in session.execute(
            select(SubjectResult.class_id, SubjectResult.subject_id, func.count(SubjectResult.level),
                   func.sum(case((SubjectResult.level.in_(("HTT", "HT")), 1), else_=0)))
            .where(SubjectResult.year_id == year_id, SubjectResult.milestone == milestone,
                   SubjectResult.deleted.is_(False))
            .group_by(SubjectResult.class_id, SubjectResult.subject_id))}
    by_group: dict[uuid.UUID, dict[uuid.UUID | None, TargetRow]] = defaultdict(dict)
    for target in targets:
        by_group[target.group_id][target.subject_id] = target
    misses = []
    for group_id, own in by_group.items():
        staff = members.get(group_id, set())
        for (class_id, subject_id), teacher in st.teacher_of.items():
            if teacher not in staff or class_id not in st.classes:
                continue
            target = own.get(subject_id) or own.get(None)
            if target is None:
                continue
            assessed, completed = shares.get((class_id, subject_id), (0, 0))
            if not assessed or completed * 100 >= target.min_share_completed * assessed:
                continue
            school_class, subject = st.classes[class_id], st.subjects[subject_id]
            sentence = _("Lớp {c}, môn {s} ({m}): {share} học sinh Hoàn thành trở lên ({done}/{n}), dưới chỉ tiêu "
                         "{target}% của {g} — giáo viên: {t}.").format(
                c=school_class.name, s=subject.name, m=_milestone_name(milestone), share=percent(completed / assessed),
                done=completed, n=assessed, target=target.min_share_completed, g=target.group_name,
                t=st.teacher_name(teacher))
            misses.append(TargetMiss(group_id, target.group_name, class_id, school_class.name, subject_id,
                                     subject.name, teacher, st.teacher_name(teacher), milestone,
                                     target.min_share_completed, completed, assessed, sentence))
    misses.sort(key=lambda m: (m.group_name, st.class_sort(m.class_id), st.subject_sort(m.subject_id)))
    return misses


def review_groups(db: Database, actor: Actor, year_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """The groups whose targets the actor may set: every group for the principal, else the groups they lead."""
    with db.read() as session:
        scope = review_scope(session, actor, year_id)
        groups = session.execute(select(SubjectGroup.id, SubjectGroup.name, SubjectGroup.head_id).where(
            SubjectGroup.year_id == year_id, SubjectGroup.deleted.is_(False)).order_by(SubjectGroup.name)).all()
    if actor.is_system or Role.HIEU_TRUONG.value in actor.roles:
        return [(g, name) for g, name, _h in groups]
    return [(g, name) for g, name, head in groups
            if g in scope.group_ids or (actor.staff_id is not None and head == actor.staff_id
                                        and Role.TO_TRUONG_CM.value in actor.roles)]


def subject_choices(db: Database, actor: Actor, year_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """The subjects (parts separately) taught that year within the actor's scope, in book order: for filters."""
    with db.read() as session:
        scope = review_scope(session, actor, year_id)
        st = _structure(session, year_id)
    grades = {c.grade for cid, c in st.classes.items() if scope.whole_school or cid in scope.classes}
    wanted = {s for g in grades for s, _t in st.curriculum.get(g, ())} | {s for _c, s in scope.pairs}
    return [(s, st.subjects[s].name) for s in sorted(wanted, key=st.subject_sort) if s in st.subjects]


def milestone_deadlines(db: Database, actor: Actor, year_id: uuid.UUID) -> dict[str, dt.date]:
    """Each milestone's level deadline (the end of its entry week), for the screens' defaults."""
    with db.read() as session:
        review_scope(session, actor, year_id)
        year = get_live(session, SchoolYear, year_id, _("năm học"))
        return {m: level_deadline(session, year, m) for m in rules.MILESTONES}


def may_review_school(actor: Actor) -> bool:
    """Whether *actor* reviews the whole school (else a group head's part of it)."""
    return actor.is_system or bool(set(actor.roles) & {r.value for r in MATRIX[Action.MARKS_REVIEW]})
