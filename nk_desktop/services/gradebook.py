"""The gradebook: entering levels, scores and comments; deadlines and locks (Điều 3.2, 8, 11.1).

A cell can be changed directly by its teacher while its milestone is open: before
the deadline (regular-assessment levels by the set week; test scores within 10
working days of the test) and not locked.  After that only an approved correction
changes it (``services.corrections``).  Every entry path (grid, Excel, CLI, sync)
goes through ``save_subject_cells`` / ``save_trait_cells`` and obeys the same checks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any, Iterable, Mapping

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from nk_desktop.actor import Actor
from nk_desktop.clock import today
from nk_desktop.db import Database
from nk_desktop.errors import Locked, ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.gradebook import EntryWeek, MarkLock, SubjectResult, TestDate, TraitResult, YearResult
from nk_desktop.models.pupils import Enrolment, Pupil
from nk_desktop.models.school import CurriculumEntry, SchoolClass, SchoolYear, Subject, TeachingWeek
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services.calendar import work_calendar
from nk_desktop.services.common import get_live
from nk_desktop.services.permissions import Action, allows, require
from nk_desktop.services.versions import CellConflict, StaleCells, serialize_saves
from nk_desktop.sync import capture
from nk_desktop.text import nfc, person_sort_key

REASSESSMENT_DEADLINE = (8, 31)  # Điều 11.1.d: summer re-assessment finished before 31 August


# --- deadlines and locks ---------------------------------------------------------------

def entry_week(session: Session, year_id: uuid.UUID, milestone: str) -> int:
    row = session.scalar(select(EntryWeek).where(
        EntryWeek.year_id == year_id, EntryWeek.milestone == milestone, EntryWeek.deleted.is_(False)))
    return row.week if row else rules.DEFAULT_ENTRY_WEEKS[milestone]


def level_deadline(session: Session, year: SchoolYear, milestone: str) -> dt.date:
    """Last day to enter regular-assessment levels: the end of the set week (8, 17, 26, 34)."""
    number = entry_week(session, year.id, milestone)
    week = session.scalar(select(TeachingWeek).where(
        TeachingWeek.year_id == year.id, TeachingWeek.number == number, TeachingWeek.deleted.is_(False)))
    if week is None:
        return year.end_date
    return week.end_date


def test_date(session: Session, year_id: uuid.UUID, grade: int, subject_id: uuid.UUID,
              milestone: str) -> dt.date | None:
    return session.scalar(select(TestDate.day).where(
        TestDate.year_id == year_id, TestDate.grade == grade, TestDate.subject_id == subject_id,
        TestDate.milestone == milestone, TestDate.deleted.is_(False)))


def score_deadline(session: Session, year: SchoolYear, grade: int, subject_id: uuid.UUID,
                   milestone: str) -> dt.date | None:
    """10 working days after the test (weekends, public holidays and school days off do not count)."""
    day = test_date(session, year.id, grade, subject_id, milestone)
    if day is None:
        return None
    calendar = work_calendar(session, day.year, day.year + 1)
    return calendar.add_working_days(day, rules.SCORE_DEADLINE_WORKING_DAYS)


_SPECIFICITY = ("class_id", "grade", "subject_id", "milestone")


def active_lock(session: Session, school_class: SchoolClass, subject_id: uuid.UUID | None,
                milestone: str) -> MarkLock | None:
    """The lock deciding this cell group: the most specific matching lock record (locked or unlocked)."""
    candidates = session.scalars(select(MarkLock).where(
        MarkLock.year_id == school_class.year_id, MarkLock.deleted.is_(False),
        or_(MarkLock.grade.is_(None), MarkLock.grade == school_class.grade),
        or_(MarkLock.class_id.is_(None), MarkLock.class_id == school_class.id),
        or_(MarkLock.subject_id.is_(None), MarkLock.subject_id == subject_id) if subject_id
        else MarkLock.subject_id.is_(None),
        or_(MarkLock.milestone.is_(None), MarkLock.milestone == milestone),
    )).all()
    if not candidates:
        return None

    def specificity(lock: MarkLock):
        return (lock.class_id is not None, lock.grade is not None, lock.subject_id is not None,
                lock.milestone is not None, lock.updated_at)

    return max(candidates, key=specificity)


@dataclasses.dataclass(frozen=True)
class EntryWindow:
    """Whether a group of cells (class × subject or traits × milestone) can be changed now, and why not."""

    level_open: bool
    score_open: bool
    level_deadline: dt.date
    score_deadline: dt.date | None
    closed_reason: str  # empty when open

    @property
    def any_open(self) -> bool:
        return self.level_open or self.score_open


def entry_window(session: Session, school_class: SchoolClass, subject_id: uuid.UUID | None, milestone: str,
                 *, on: dt.date | None = None) -> EntryWindow:
    on = on or today()
    year = session.get(SchoolYear, school_class.year_id)
    levels_due = level_deadline(session, year, milestone)
    scores_due = score_deadline(session, year, school_class.grade, subject_id, milestone) if subject_id else None
    lock = active_lock(session, school_class, subject_id, milestone)
    return _window(lock, levels_due, scores_due, on)


def _window(lock: MarkLock | None, levels_due: dt.date, scores_due: dt.date | None, on: dt.date) -> EntryWindow:
    if lock is not None and lock.locked:
        reason = _("Sổ điểm đã khóa ({why}); muốn sửa phải lập biên bản sửa điểm (Điều 11.2).").format(
            why=lock.reason or _("Hiệu trưởng khóa"))
        return EntryWindow(False, False, levels_due, scores_due, reason)
    level_open = on <= levels_due
    score_open = on <= (scores_due or levels_due)
    reason = ""
    if not level_open and not score_open:
        reason = _("Đã quá hạn nhập ({d:%d/%m/%Y}); muốn sửa phải lập biên bản sửa điểm (Điều 11.2).").format(
            d=max(levels_due, scores_due or levels_due))
    return EntryWindow(level_open, score_open, levels_due, scores_due, reason)


def set_lock(db: Database, actor: Actor, year_id: uuid.UUID, *, locked: bool, grade: int | None = None,
             class_id: uuid.UUID | None = None, subject_id: uuid.UUID | None = None,
             milestone: str | None = None, reason: str = "") -> uuid.UUID:
    """Lock or unlock by school, grade, class, subject and/or milestone (the most specific record wins)."""
    with db.write(actor) as session:
        require(session, actor, Action.MARKS_LOCK)
        get_live(session, SchoolYear, year_id, _("năm học"))
        if milestone is not None:
            milestone = rules.parse_milestone(milestone)
        if class_id is not None:
            school_class = get_live(session, SchoolClass, class_id, _("lớp"))
            if grade is not None and grade != school_class.grade:
                raise ValidationError(_("Lớp {c} không thuộc khối {g}.").format(c=school_class.name, g=grade))
            grade = None
        if grade is not None and not 1 <= grade <= 5:
            raise ValidationError(_("Khối phải từ 1 đến 5."), field="grade")
        existing = session.scalar(select(MarkLock).where(
            MarkLock.year_id == year_id, MarkLock.deleted.is_(False),
            MarkLock.grade.is_(None) if grade is None else MarkLock.grade == grade,
            MarkLock.class_id.is_(None) if class_id is None else MarkLock.class_id == class_id,
            MarkLock.subject_id.is_(None) if subject_id is None else MarkLock.subject_id == subject_id,
            MarkLock.milestone.is_(None) if milestone is None else MarkLock.milestone == milestone,
        ))
        if locked:
            _refuse_lock_with_conflicts(session, year_id, grade, class_id, subject_id, milestone)
        if existing is None:
            existing = MarkLock(year_id=year_id, grade=grade, class_id=class_id, subject_id=subject_id,
                                milestone=milestone)
            session.add(existing)
        existing.locked = locked
        existing.reason = nfc(reason) or ""
        session.flush()
        return existing.id


LOCK_CONFLICTS_SHOWN = 8


def _refuse_lock_with_conflicts(session: Session, year_id: uuid.UUID, grade: int | None,
                                class_id: uuid.UUID | None, subject_id: uuid.UUID | None,
                                milestone: str | None) -> None:
    """Issue 7: a book with an unresolved sync conflict is not locked until someone resolves it.

    Looks at the subject results (and, without a subject, the qualities/competencies and the
    year-end results) the lock would cover; raises ``Locked`` naming the cells in conflict.
    """
    from nk_desktop.sync.conflicts import open_conflicts

    classes = select(SchoolClass.id).where(SchoolClass.year_id == year_id)
    if class_id is not None:
        classes = classes.where(SchoolClass.id == class_id)
    elif grade is not None:
        classes = classes.where(SchoolClass.grade == grade)
    models: list = [SubjectResult]
    if subject_id is None:
        models.append(TraitResult)
        if milestone in (None, "CN"):
            models.append(YearResult)
    found: list[tuple[str, str, str]] = []  # (pupil name, what, field)
    for model in models:
        query = select(model.id).where(model.year_id == year_id, model.class_id.in_(classes))
        if model is SubjectResult and subject_id is not None:
            query = query.where(SubjectResult.subject_id == subject_id)
        if model is not YearResult and milestone is not None:
            query = query.where(model.milestone == milestone)
        ids = list(session.scalars(query))
        pairs = open_conflicts(session, model.__tablename__, ids) if ids else set()
        if not pairs:
            continue
        rows = {r.id.hex: r for r in session.scalars(select(model).where(
            model.id.in_([uuid.UUID(row) for row, _field in pairs])))}
        names = {p.id: p.full_name for p in session.scalars(select(Pupil).where(
            Pupil.id.in_({r.pupil_id for r in rows.values()})))}
        subjects = ({s.id: s.name for s in session.scalars(select(Subject).where(
            Subject.id.in_({r.subject_id for r in rows.values()})))} if model is SubjectResult else {})
        for row_hex, field in pairs:
            row = rows.get(row_hex)
            if row is None:
                continue
            column = model.__table__.c.get(field)
            field_label = column.info.get("label", field) if column is not None else field
            if model is SubjectResult:
                topic = f"{subjects.get(row.subject_id, '')} ({row.milestone})"
            elif model is TraitResult:
                topic = f"{rules.TRAIT_NAMES.get(row.trait, row.trait)} ({row.milestone})"
            else:
                topic = _("cuối năm")
            found.append((names.get(row.pupil_id, "?"), f"{topic} — {field_label}", ""))
    if not found:
        return
    lines = sorted(f"{name}: {what}" for name, what, _f in found)
    shown = "; ".join(lines[:LOCK_CONFLICTS_SHOWN])
    if len(lines) > LOCK_CONFLICTS_SHOWN:
        shown += _("; và {n} ô khác").format(n=len(lines) - LOCK_CONFLICTS_SHOWN)
    raise Locked(_("Chưa khóa được: sổ điểm này còn xung đột đồng bộ chưa giải quyết — {items}. Người có thẩm "
                   "quyền hãy giải quyết các xung đột (mục Đồng bộ, hoặc nk-admin conflicts) rồi khóa lại.").format(
        items=shown))


def set_test_date(db: Database, actor: Actor, year_id: uuid.UUID, grade: int, subject_id: uuid.UUID,
                  milestone: str, day: dt.date) -> None:
    with db.write(actor) as session:
        require(session, actor, Action.MARKS_SCHEDULE)
        year = get_live(session, SchoolYear, year_id, _("năm học"))
        milestone = rules.parse_milestone(milestone)
        if not year.start_date <= day <= year.end_date:
            raise ValidationError(_("Ngày kiểm tra {d:%d/%m/%Y} nằm ngoài năm học {y}.").format(d=day, y=year.name))
        if milestone not in tested_milestones(session, year_id, grade, subject_id):
            raise ValidationError(_("Khối {g} không có bài kiểm tra định kì môn này ở thời điểm {m}.").format(
                g=grade, m=rules.MILESTONE_NAMES[milestone]))
        row = session.scalar(select(TestDate).where(
            TestDate.year_id == year_id, TestDate.grade == grade, TestDate.subject_id == subject_id,
            TestDate.milestone == milestone, TestDate.deleted.is_(False)))
        if row is None:
            session.add(TestDate(year_id=year_id, grade=grade, subject_id=subject_id, milestone=milestone, day=day))
        else:
            row.day = day


def set_entry_week(db: Database, actor: Actor, year_id: uuid.UUID, milestone: str, week: int) -> None:
    """The principal changes the week by which a milestone's levels are due (Điều 11.1.a)."""
    with db.write(actor) as session:
        require(session, actor, Action.DEADLINES_SET)
        milestone = rules.parse_milestone(milestone)
        if not 1 <= week <= 35:
            raise ValidationError(_("Tuần phải từ 1 đến 35."), field="week")
        row = session.scalar(select(EntryWeek).where(
            EntryWeek.year_id == year_id, EntryWeek.milestone == milestone, EntryWeek.deleted.is_(False)))
        if row is None:
            session.add(EntryWeek(year_id=year_id, milestone=milestone, week=week))
        else:
            row.week = week


def tested_milestones(session: Session, year_id: uuid.UUID, grade: int, subject_id: uuid.UUID) -> tuple[str, ...]:
    entry = session.scalar(select(CurriculumEntry).where(
        CurriculumEntry.year_id == year_id, CurriculumEntry.grade == grade,
        CurriculumEntry.subject_id == subject_id, CurriculumEntry.deleted.is_(False)))
    if entry is None:
        return ()
    return tuple(m for m in entry.tested_milestones.split(",") if m)


# --- grids -----------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class GridRow:
    pupil_id: uuid.UUID
    number: int
    full_name: str
    level: str | None
    score: int | None
    comment: str
    version: int = 0  # the stored row's optimistic version (0: nothing stored yet); the save sends it back


@dataclasses.dataclass(frozen=True)
class SubjectGrid:
    class_id: uuid.UUID
    class_name: str
    subject_id: uuid.UUID
    subject_name: str
    milestone: str
    tested: bool
    rows: list[GridRow]
    window: EntryWindow
    may_edit: bool


def enrolled_pupils(session: Session, school_class: SchoolClass, on: dt.date) -> list[Pupil]:
    """Pupils in the class on *on*, official order."""
    pupils = session.scalars(
        select(Pupil).join(Enrolment, Enrolment.pupil_id == Pupil.id).where(
            Enrolment.class_id == school_class.id, Enrolment.deleted.is_(False), Pupil.deleted.is_(False),
            Enrolment.start_date <= on, or_(Enrolment.end_date.is_(None), Enrolment.end_date > on))
    ).all()
    return sorted(pupils, key=lambda p: person_sort_key(p.family_name, p.middle_name, p.given_name,
                                                        p.date_of_birth, str(p.id)))


def milestone_day(session: Session, school_class: SchoolClass, milestone: str, on: dt.date | None) -> dt.date:
    """The day whose class list a milestone's grid shows: today, within the year."""
    year = session.get(SchoolYear, school_class.year_id)
    return min(max(on or today(), year.start_date), year.end_date)


def subject_grid(db: Database, actor: Actor, class_id: uuid.UUID, subject_id: uuid.UUID, milestone: str,
                 *, on: dt.date | None = None) -> SubjectGrid:
    """A class × subject × milestone: pupils in official order with level, score, comment (one query each)."""
    milestone = rules.parse_milestone(milestone)
    with db.read() as session:
        require(session, actor, Action.MARKS_VIEW, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        subject = get_live(session, Subject, subject_id, _("môn học"))
        tested = milestone in tested_milestones(session, school_class.year_id, school_class.grade, subject.id)
        day = milestone_day(session, school_class, milestone, on)
        pupils = enrolled_pupils(session, school_class, day)
        results = {r.pupil_id: r for r in session.scalars(select(SubjectResult).where(
            SubjectResult.class_id == class_id, SubjectResult.subject_id == subject_id,
            SubjectResult.milestone == milestone, SubjectResult.deleted.is_(False)))}
        rows = [
            GridRow(p.id, n, p.full_name, (r := results.get(p.id)) and r.level, r.score if r else None,
                    r.comment if r else "", r.version if r else 0)
            for n, p in enumerate(pupils, start=1)
        ]
        window = entry_window(session, school_class, subject_id, milestone, on=on)
        may_edit = allows(session, actor, Action.MARKS_ENTER, class_id=class_id, subject_id=subject_id)
        return SubjectGrid(class_id, school_class.name, subject.id, subject.name, milestone, tested, rows, window,
                           may_edit)


@dataclasses.dataclass(frozen=True)
class CellEdit:
    pupil_id: uuid.UUID
    field: str  # level | score | comment (subjects); level | comment (traits)
    value: object
    trait: str = ""


@dataclasses.dataclass(frozen=True)
class RefusedCell:
    pupil_id: uuid.UUID
    field: str
    reason: str
    trait: str = ""
    subject_id: uuid.UUID | None = None


@dataclasses.dataclass(frozen=True)
class SaveResult:
    saved: int
    unchanged: int
    refused: list[RefusedCell]
    # The version of every row the call touched, after it: (pupil, subject) or (pupil, trait) → version
    # (0: no row).  A grid keeps them and sends them with its next save (``seen``).
    versions: dict[tuple[uuid.UUID, Any], int] = dataclasses.field(default_factory=dict)


def save_subject_cells(db: Database, actor: Actor, class_id: uuid.UUID, subject_id: uuid.UUID, milestone: str,
                       edits: Iterable[CellEdit], *, on: dt.date | None = None,
                       dry_run: bool = False, seen: Mapping[uuid.UUID, int] | None = None) -> SaveResult:
    """Apply a block of edits (a paste, a row, an import) in one transaction.

    The whole block is refused (nothing changes) when the actor may not enter this
    class × subject or the milestone is closed; otherwise each invalid cell is
    refused with its reason and the valid ones are saved together.
    """
    return save_class_cells(db, actor, class_id, milestone, [(subject_id, e) for e in edits], on=on,
                            dry_run=dry_run,
                            seen=None if seen is None else {(p, subject_id): v for p, v in seen.items()})


def save_class_cells(db: Database, actor: Actor, class_id: uuid.UUID, milestone: str,
                     edits: Iterable[tuple[uuid.UUID, CellEdit]], *, on: dt.date | None = None,
                     dry_run: bool = False,
                     seen: Mapping[tuple[uuid.UUID, uuid.UUID], int] | None = None) -> SaveResult:
    """Edits to any subjects of one class at one milestone, saved in one transaction.

    *seen*: (pupil, subject) → the row version the caller's grid showed (``GridRow.version``, 0 for an
    empty cell).  When one of those rows was saved since (another window, another PC's sync, another
    user of the PostgreSQL server), the whole call is refused with ``StaleCells`` naming pupil, subject,
    their value and the one sent; nothing is written.  The result carries the versions after the save.

    The class, its pupils, deadlines, test dates and locks are loaded once; every cell
    is written with one INSERT and one UPDATE statement through the journal.  The
    whole call is refused (nothing changes) when the actor may not enter one of the
    subjects, or when every subject sent is closed (deadline or lock); cells of a
    closed subject among open ones are refused with the reason, as are invalid values.
    """
    milestone = rules.parse_milestone(milestone)
    by_subject: dict[uuid.UUID, list[CellEdit]] = {}
    for subject_id, edit in edits:
        by_subject.setdefault(subject_id, []).append(edit)
    with db.write(actor) as session:
        secretary = allows(session, actor, Action.MARKS_IMPORT_GRADE)
        for subject_id, block in by_subject.items():
            if not secretary or any(e.field != "score" for e in block):
                require(session, actor, Action.MARKS_ENTER, class_id=class_id, subject_id=subject_id)
        context = _ClassContext.load(session, class_id, milestone, on, tuple(by_subject))
        windows = {subject_id: context.window(subject_id) for subject_id in by_subject}
        closed = [w for w in windows.values() if not w.any_open]
        if closed and len(closed) == len(windows):
            raise Locked(closed[0].closed_reason)
        result = _write_subject_cells(session, actor, context, by_subject, windows, seen, dry_run)
        if dry_run:
            session.rollback()
        return result


_RESULT_FIELDS = ("level", "score", "comment")


def _write_subject_cells(session: Session, actor: Actor, context: "_ClassContext",
                         by_subject: dict[uuid.UUID, list[CellEdit]], windows: dict[uuid.UUID, EntryWindow],
                         seen: Mapping[tuple[uuid.UUID, uuid.UUID], int] | None = None, dry_run: bool = False
                         ) -> SaveResult:
    """Check every cell, then INSERT the new results and UPDATE the changed ones (Core, journaled)."""
    table = SubjectResult.__table__
    c = table.c
    school_class = context.school_class
    serialize_saves(session, "subject_result", school_class.id, context.milestone)
    existing = {(r.pupil_id, r.subject_id): r for r in session.execute(
        select(c.id, c.pupil_id, c.subject_id, c.level, c.score, c.comment, c.version, c.updated_at, c.updated_by)
        .where(c.class_id == school_class.id, c.milestone == context.milestone, c.deleted.is_(False),
               c.subject_id.in_(list(by_subject))))}
    enrolled = context.names
    if seen:
        _refuse_stale_subject_cells(context, by_subject, existing, seen)
    versions = {(e.pupil_id, subject_id): (existing[(e.pupil_id, subject_id)].version
                                           if (e.pupil_id, subject_id) in existing else 0)
                for subject_id, block in by_subject.items() for e in block}
    saved = unchanged = 0
    refused: list[RefusedCell] = []
    current: dict[tuple[uuid.UUID, uuid.UUID], dict] = {}  # (pupil, subject) → the values after this save
    for subject_id, block in by_subject.items():
        window = windows[subject_id]
        subject_name = context.subject_names[subject_id]
        tested = context.milestone in context.tested.get(subject_id, ())
        for edit in block:
            try:
                if not window.any_open:
                    raise Locked(window.closed_reason)
                value = _check_subject_cell(edit, tested, window, subject_name, context.milestone)
            except (ValidationError, Locked) as error:
                refused.append(RefusedCell(edit.pupil_id, edit.field, str(error), subject_id=subject_id))
                continue
            if edit.pupil_id not in enrolled:
                refused.append(RefusedCell(edit.pupil_id, edit.field, _("Học sinh không thuộc lớp ở thời điểm này."),
                                           subject_id=subject_id))
                continue
            key = (edit.pupil_id, subject_id)
            values = current.get(key)
            if values is None:
                row = existing.get(key)
                values = current[key] = ({f: getattr(row, f) for f in _RESULT_FIELDS} if row is not None
                                         else {"level": None, "score": None, "comment": ""})
            if values[edit.field] == value or (key not in existing and value in (None, "")
                                               and values[edit.field] in (None, "")):
                unchanged += 1
                continue
            values[edit.field] = value
            saved += 1
    now = capture.utcnow()  # the journal's clock (tests move it)
    author = actor.account_id
    inserts, updates, changes = [], [], []
    moved: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
    secret: frozenset[str] = frozenset()
    columns = [column.key for column in table.columns]
    for (pupil_id, subject_id), values in current.items():
        label = (f"{context.subject_names[subject_id]} của {enrolled[pupil_id]} "
                 f"({context.milestone}, lớp {school_class.name})")
        row = existing.get((pupil_id, subject_id))
        if row is None:
            if all(values[f] in (None, "") for f in _RESULT_FIELDS):
                continue
            full = dict.fromkeys(columns)
            full.update(values, year_id=school_class.year_id, class_id=school_class.id, pupil_id=pupil_id,
                        subject_id=subject_id, milestone=context.milestone, deleted=False, version=1,
                        created_at=now, updated_at=now, created_by=author, updated_by=author)
            inserts.append(full)
            changes.append(capture.RowChange("subject_result", None, "ins", full, {k: None for k in full}, label,
                                             school_class.id, secret))
            continue
        new = {f: values[f] for f in _RESULT_FIELDS if values[f] != getattr(row, f)}
        if not new:
            continue
        old = {f: getattr(row, f) for f in new}
        new.update(updated_at=now, updated_by=author)
        old.update(updated_at=row.updated_at, updated_by=row.updated_by)
        updates.append({"b_id": row.id, "b_version": row.version, "level": values["level"], "score": values["score"],
                        "comment": values["comment"], "updated_at": now, "updated_by": author,
                        "version": row.version + 1})
        moved[(pupil_id, subject_id)] = row.version + 1
        changes.append(capture.RowChange("subject_result", row.id, "upd", new, old, label, school_class.id, secret))
    if inserts:
        for full, fresh in zip(inserts, capture.ordered_ids(len(inserts))):
            full["id"] = fresh
        for change, full in zip((ch for ch in changes if ch.kind == "ins"), inserts):
            change.row_id = full["id"]
    if changes:
        connection = session.connection()
        capture._allow_raw_writes(True)
        try:
            capture.insert_rows(connection, table, inserts)
            if updates:
                done = connection.execute(
                    table.update().where(c.id == bindparam("b_id"), c.version == bindparam("b_version"))
                    .values(level=bindparam("level"), score=bindparam("score"), comment=bindparam("comment"),
                            updated_at=bindparam("updated_at"), updated_by=bindparam("updated_by"),
                            version=bindparam("version")), updates)
                if connection.dialect.supports_sane_multi_rowcount and done.rowcount != len(updates):
                    raise StaleDataError("subject_result changed since it was read")
            capture.write_journal(session, actor, changes)
        finally:
            capture._allow_raw_writes(False)
        if not dry_run:
            for full in inserts:
                versions[(full["pupil_id"], full["subject_id"])] = 1
            versions.update(moved)
    return SaveResult(saved, unchanged, refused, versions)


def _shown_value(field: str, value: Any, levels: dict[str, str]) -> str:
    """A stored or typed value as the conflict message shows it."""
    if value is None or value == "":
        return _("(trống)")
    if field == "level":
        return levels.get(str(value), str(value))
    return f"“{value}”" if field == "comment" else str(value)


def _typed(field: str, raw: Any, parse) -> Any:
    try:
        return parse(raw) if field == "level" else (rules.parse_score(raw) if field == "score" else raw)
    except ValidationError:
        return raw


def _refuse_stale_subject_cells(context: "_ClassContext", by_subject: dict[uuid.UUID, list[CellEdit]],
                                existing: dict, seen: Mapping[tuple[uuid.UUID, uuid.UUID], int]) -> None:
    """Raise ``StaleCells`` when a row the caller saw at version N is now at another version (or gone, or new)."""
    conflicts: list[CellConflict] = []
    rows: list[uuid.UUID] = []
    for subject_id, block in by_subject.items():
        for edit in block:
            key = (edit.pupil_id, subject_id)
            if key not in seen:
                continue
            row = existing.get(key)
            if (row.version if row is not None else 0) == seen[key]:
                continue
            if row is not None:
                rows.append(row.id)
            column = SubjectResult.__table__.c.get(edit.field)
            label = column.info.get("label", edit.field) if column is not None else edit.field
            conflicts.append(CellConflict(
                edit.pupil_id, context.names.get(edit.pupil_id, "?"),
                f"{context.subject_names.get(subject_id, '?')} — {label}",
                _shown_value(edit.field, getattr(row, edit.field) if row is not None else None, rules.SUBJECT_LEVELS),
                _shown_value(edit.field, _typed(edit.field, edit.value, rules.parse_subject_level),
                             rules.SUBJECT_LEVELS),
                key, edit.field))
    if conflicts:
        raise StaleCells(conflicts, table="subject_result", row_ids=dict.fromkeys(rows))


@dataclasses.dataclass
class _ClassContext:
    """What every cell of a class × milestone is checked against, loaded once per call."""

    school_class: SchoolClass
    year: SchoolYear
    milestone: str
    on: dt.date
    pupils: list[Pupil]
    names: dict[uuid.UUID, str]
    level_due: dt.date
    locks: list[MarkLock]
    test_days: dict[uuid.UUID, dt.date]
    tested: dict[uuid.UUID, tuple[str, ...]]
    subject_names: dict[uuid.UUID, str]
    session: Session

    @classmethod
    def load(cls, session: Session, class_id: uuid.UUID, milestone: str, on: dt.date | None,
             subject_ids: tuple[uuid.UUID, ...] | None) -> "_ClassContext":
        """*subject_ids* None: every subject of the class's grade (in book order)."""
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        year = session.get(SchoolYear, school_class.year_id)
        entries = session.execute(
            select(Subject.id, Subject.name, Subject.deleted, CurriculumEntry.tested_milestones)
            .join(CurriculumEntry, CurriculumEntry.subject_id == Subject.id, isouter=True)
            .where(CurriculumEntry.year_id == year.id, CurriculumEntry.grade == school_class.grade,
                   CurriculumEntry.deleted.is_(False))
            .order_by(Subject.position)).all()
        tested = {e.id: tuple(m for m in e.tested_milestones.split(",") if m) for e in entries}
        names = {e.id: e.name for e in entries if not e.deleted}
        if subject_ids is None:
            subject_ids = tuple(names)
        for subject_id in subject_ids:
            if subject_id not in names:
                names[subject_id] = get_live(session, Subject, subject_id, _("môn học")).name
        subject_names = {subject_id: names[subject_id] for subject_id in subject_ids}
        pupils = enrolled_pupils(session, school_class, min(max(on or today(), year.start_date), year.end_date))
        locks = list(session.scalars(select(MarkLock).where(
            MarkLock.year_id == year.id, MarkLock.deleted.is_(False),
            or_(MarkLock.grade.is_(None), MarkLock.grade == school_class.grade),
            or_(MarkLock.class_id.is_(None), MarkLock.class_id == school_class.id),
            or_(MarkLock.milestone.is_(None), MarkLock.milestone == milestone))))
        test_days = dict(session.execute(select(TestDate.subject_id, TestDate.day).where(
            TestDate.year_id == year.id, TestDate.grade == school_class.grade, TestDate.milestone == milestone,
            TestDate.deleted.is_(False))).all())
        return cls(school_class, year, milestone, on or today(), pupils, {p.id: p.full_name for p in pupils},
                   level_deadline(session, year, milestone), locks, test_days, tested, subject_names, session)

    def lock(self, subject_id: uuid.UUID | None) -> MarkLock | None:
        """``active_lock`` over the locks already loaded."""
        candidates = [lock for lock in self.locks
                      if (lock.subject_id is None or lock.subject_id == subject_id)
                      and (subject_id is not None or lock.subject_id is None)]
        if not candidates:
            return None
        return max(candidates, key=lambda lock: (lock.class_id is not None, lock.grade is not None,
                                                 lock.subject_id is not None, lock.milestone is not None,
                                                 lock.updated_at))

    def window(self, subject_id: uuid.UUID | None) -> EntryWindow:
        scores_due = None
        day = self.test_days.get(subject_id) if subject_id else None
        if day is not None:
            scores_due = _calendar(self.session, day.year).add_working_days(day, rules.SCORE_DEADLINE_WORKING_DAYS)
        return _window(self.lock(subject_id), self.level_due, scores_due, self.on)


def _calendar(session: Session, first_year: int):
    calendars = session.info.setdefault("nk_work_calendars", {})
    if first_year not in calendars:
        calendars[first_year] = work_calendar(session, first_year, first_year + 1)
    return calendars[first_year]


@dataclasses.dataclass(frozen=True)
class ClassGrid:
    class_id: uuid.UUID
    class_name: str
    milestone: str
    subjects: list[SubjectGrid]  # in book order


def class_grid(db: Database, actor: Actor, class_id: uuid.UUID, milestone: str,
               subject_ids: Iterable[uuid.UUID] | None = None, *, on: dt.date | None = None) -> ClassGrid:
    """Several subjects' grids of a class at a milestone (every subject of the grade by default) in one read:
    the pupils, deadlines, test dates and locks once, the marks in one query."""
    milestone = rules.parse_milestone(milestone)
    with db.read() as session:
        require(session, actor, Action.MARKS_VIEW, class_id=class_id)
        context = _ClassContext.load(session, class_id, milestone, on,
                                     tuple(subject_ids) if subject_ids is not None else None)
        c = SubjectResult.__table__.c
        marks = {(r.pupil_id, r.subject_id): r for r in session.execute(
            select(c.pupil_id, c.subject_id, c.level, c.score, c.comment, c.version).where(
                c.class_id == class_id, c.milestone == milestone, c.deleted.is_(False),
                c.subject_id.in_(list(context.subject_names))))}
        school_wide_entry = allows(session, actor, Action.MARKS_ENTER)
        pairs = None
        if not school_wide_entry and actor.staff_id is not None:
            from nk_desktop.services.permissions import taught_pairs
            pairs = taught_pairs(session, actor.staff_id)
        grids = []
        for subject_id, subject_name in context.subject_names.items():
            rows = [GridRow(p.id, n, p.full_name, (r := marks.get((p.id, subject_id))) and r.level,
                            r.score if r else None, r.comment if r else "", r.version if r else 0)
                    for n, p in enumerate(context.pupils, start=1)]
            if school_wide_entry:
                may_edit = True
            elif pairs is not None and (class_id, subject_id) in pairs:
                may_edit = allows(session, actor, Action.MARKS_ENTER, class_id=class_id, subject_id=subject_id)
            else:
                may_edit = False
            grids.append(SubjectGrid(class_id, context.school_class.name, subject_id, subject_name, milestone,
                                     milestone in context.tested.get(subject_id, ()), rows,
                                     context.window(subject_id), may_edit))
        return ClassGrid(class_id, context.school_class.name, milestone, grids)


def _check_subject_cell(edit: CellEdit, tested: bool, window: EntryWindow, subject_name: str, milestone: str):
    if edit.field == "level":
        if not window.level_open:
            raise Locked(_("Đã quá hạn nhập mức đánh giá ({d:%d/%m/%Y}).").format(d=window.level_deadline))
        return rules.parse_subject_level(edit.value)
    if edit.field == "score":
        if not tested:
            raise ValidationError(_("Môn {s} không có bài kiểm tra định kì ở thời điểm {m}.").format(
                s=subject_name, m=rules.MILESTONE_NAMES[milestone]))
        if not window.score_open:
            raise Locked(_("Đã quá hạn nhập điểm kiểm tra ({d:%d/%m/%Y}, 10 ngày làm việc sau ngày kiểm tra).").format(
                d=window.score_deadline or window.level_deadline))
        return rules.parse_score(edit.value)
    if edit.field == "comment":
        if not window.level_open:
            raise Locked(_("Đã quá hạn nhập nhận xét ({d:%d/%m/%Y}).").format(d=window.level_deadline))
        return nfc(str(edit.value or "")) or ""
    raise ValidationError(_("Không có cột “{f}”.").format(f=edit.field))


@dataclasses.dataclass(frozen=True)
class TraitRow:
    pupil_id: uuid.UUID
    number: int
    full_name: str
    levels: dict[str, str | None]  # trait code → TOT/DAT/CCG
    comments: dict[str, str]
    versions: dict[str, int] = dataclasses.field(default_factory=dict)  # trait code → row version (absent: 0)


@dataclasses.dataclass(frozen=True)
class TraitGrid:
    class_id: uuid.UUID
    class_name: str
    milestone: str
    rows: list[TraitRow]
    window: EntryWindow
    may_edit: bool


def trait_grid(db: Database, actor: Actor, class_id: uuid.UUID, milestone: str, *,
               on: dt.date | None = None) -> TraitGrid:
    milestone = rules.parse_milestone(milestone)
    with db.read() as session:
        require(session, actor, Action.MARKS_VIEW, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        pupils = enrolled_pupils(session, school_class, milestone_day(session, school_class, milestone, on))
        levels: dict[uuid.UUID, dict[str, str | None]] = {}
        comments: dict[uuid.UUID, dict[str, str]] = {}
        versions: dict[uuid.UUID, dict[str, int]] = {}
        t = TraitResult.__table__.c
        for row in session.execute(select(t.pupil_id, t.trait, t.level, t.comment, t.version).where(
                t.class_id == class_id, t.milestone == milestone, t.deleted.is_(False))):
            levels.setdefault(row.pupil_id, {})[row.trait] = row.level
            versions.setdefault(row.pupil_id, {})[row.trait] = row.version
            if row.comment:
                comments.setdefault(row.pupil_id, {})[row.trait] = row.comment
        rows = [TraitRow(p.id, n, p.full_name, levels.get(p.id, {}), comments.get(p.id, {}), versions.get(p.id, {}))
                for n, p in enumerate(pupils, start=1)]
        window = entry_window(session, school_class, None, milestone, on=on)
        return TraitGrid(class_id, school_class.name, milestone, rows, window,
                         allows(session, actor, Action.TRAITS_ENTER, class_id=class_id))


def save_trait_cells(db: Database, actor: Actor, class_id: uuid.UUID, milestone: str, edits: Iterable[CellEdit],
                     *, on: dt.date | None = None, dry_run: bool = False,
                     seen: Mapping[tuple[uuid.UUID, str], int] | None = None) -> SaveResult:
    """The homeroom teacher's qualities and competencies; same rules as ``save_subject_cells``
    (*dry_run*: check and count, then roll back; *seen*: (pupil, trait) → the version the grid showed,
    refused with ``StaleCells`` when the row was saved since)."""
    milestone = rules.parse_milestone(milestone)
    edits = list(edits)
    with db.write(actor) as session:
        require(session, actor, Action.TRAITS_ENTER, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        window = entry_window(session, school_class, None, milestone, on=on)
        if not window.level_open:
            raise Locked(window.closed_reason or _("Đã quá hạn nhập ({d:%d/%m/%Y}).").format(d=window.level_deadline))
        enrolled = {p.id: p.full_name for p in enrolled_pupils(session, school_class,
                                                                milestone_day(session, school_class, milestone, on))}
        serialize_saves(session, "trait_result", class_id, milestone)
        existing = {(r.pupil_id, r.trait): r for r in session.scalars(select(TraitResult).where(
            TraitResult.class_id == class_id, TraitResult.milestone == milestone, TraitResult.deleted.is_(False)))}
        if seen:
            _refuse_stale_trait_cells(edits, existing, seen, enrolled)
        saved = unchanged = 0
        refused: list[RefusedCell] = []
        for edit in edits:
            try:
                if edit.trait not in rules.TRAIT_NAMES:
                    raise ValidationError(_("Không có phẩm chất, năng lực “{t}”.").format(t=edit.trait))
                if edit.field == "level":
                    value = rules.parse_trait_level(edit.value)
                elif edit.field == "comment":
                    value = nfc(str(edit.value or "")) or ""
                else:
                    raise ValidationError(_("Không có cột “{f}”.").format(f=edit.field))
                if edit.pupil_id not in enrolled:
                    raise ValidationError(_("Học sinh không thuộc lớp ở thời điểm này."))
            except ValidationError as error:
                refused.append(RefusedCell(edit.pupil_id, edit.field, str(error), edit.trait))
                continue
            row = existing.get((edit.pupil_id, edit.trait))
            if row is None:
                if value in (None, ""):
                    unchanged += 1
                    continue
                row = TraitResult(year_id=school_class.year_id, class_id=class_id, pupil_id=edit.pupil_id,
                                  trait=edit.trait, milestone=milestone, comment="")
                session.add(row)
                existing[(edit.pupil_id, edit.trait)] = row
            if getattr(row, edit.field) == value:
                unchanged += 1
                continue
            setattr(row, edit.field, value)
            row.label_for_audit = (f"{rules.TRAIT_NAMES[edit.trait]} của {enrolled[edit.pupil_id]} "
                                   f"({milestone}, lớp {school_class.name})")
            saved += 1
        session.flush()
        versions = {(e.pupil_id, e.trait): (existing[(e.pupil_id, e.trait)].version
                                            if (e.pupil_id, e.trait) in existing else 0) for e in edits}
        if dry_run:
            session.rollback()
            versions = {key: (seen or {}).get(key, 0) for key in versions}
        return SaveResult(saved, unchanged, refused, versions)


def _refuse_stale_trait_cells(edits: list[CellEdit], existing: dict, seen: Mapping[tuple[uuid.UUID, str], int],
                              names: dict[uuid.UUID, str]) -> None:
    conflicts: list[CellConflict] = []
    rows: list[uuid.UUID] = []
    for edit in edits:
        key = (edit.pupil_id, edit.trait)
        if key not in seen:
            continue
        row = existing.get(key)
        if (row.version if row is not None else 0) == seen[key]:
            continue
        if row is not None:
            rows.append(row.id)
        what = rules.TRAIT_NAMES.get(edit.trait, edit.trait)
        if edit.field == "comment":
            what = _("{trait} — Nhận xét").format(trait=what)
        conflicts.append(CellConflict(
            edit.pupil_id, names.get(edit.pupil_id, "?"), what,
            _shown_value(edit.field, getattr(row, edit.field, None) if row is not None else None, rules.TRAIT_LEVELS),
            _shown_value(edit.field, _typed(edit.field, edit.value, rules.parse_trait_level), rules.TRAIT_LEVELS),
            key, edit.field))
    if conflicts:
        raise StaleCells(conflicts, table="trait_result", row_ids=dict.fromkeys(rows))


# --- what the gradebook tab offers an actor ----------------------------------------------

@dataclasses.dataclass(frozen=True)
class SubjectChoice:
    id: uuid.UUID
    code: str
    name: str
    tested_milestones: tuple[str, ...]
    may_enter: bool  # the actor is assigned to teach it in this class


@dataclasses.dataclass(frozen=True)
class ClassChoice:
    id: uuid.UUID
    name: str
    grade: int
    subjects: tuple[SubjectChoice, ...]  # leaders: every subject of the grade; teachers: their assignments
    traits: bool  # the qualities and competencies grid (homeroom teacher, leaders)
    results: bool  # the year-end results (homeroom teacher, leaders)
    may_record_results: bool


@dataclasses.dataclass(frozen=True)
class GradebookChoices:
    year_id: uuid.UUID
    year_name: str
    classes: list[ClassChoice]
    current_milestone: str  # the first milestone whose levels are still due on *on* (CN after the year)


def gradebook_choices(db: Database, actor: Actor, *, on: dt.date | None = None) -> GradebookChoices | None:
    """The classes, subjects and grids of the current year that *actor* may open (None without a year).

    A class is listed only where ``MARKS_VIEW`` allows it.  Leaders (and a group head for the
    group's classes) get every subject of the grade; a teacher the subjects assigned to them.
    """
    from nk_desktop.services.permissions import Role, group_class_ids, homeroom_class_ids, taught_pairs
    from nk_desktop.services.school import current_year, grade_subjects

    on = on or today()
    with db.read() as session:
        year = current_year(session, on)
        if year is None:
            return None
        school_wide = allows(session, actor, Action.MARKS_VIEW)
        staff_id = actor.staff_id
        homeroom = homeroom_class_ids(session, staff_id) if staff_id else set()
        pairs = taught_pairs(session, staff_id) if staff_id else set()
        group = (group_class_ids(session, staff_id) if staff_id and actor.has(Role.TO_TRUONG_CM.value)
                 else set())
        classes = session.scalars(select(SchoolClass).where(
            SchoolClass.year_id == year.id, SchoolClass.deleted.is_(False))).all()
        by_grade: dict[int, list] = {}
        choices = []
        for school_class in sorted(classes, key=lambda c: (c.grade, len(c.name), c.name)):
            if not allows(session, actor, Action.MARKS_VIEW, class_id=school_class.id):
                continue
            if school_class.grade not in by_grade:
                by_grade[school_class.grade] = grade_subjects(session, year.id, school_class.grade)
            leader = school_wide or school_class.id in group
            subjects = tuple(
                SubjectChoice(subject.id, subject.code, subject.name,
                              tuple(m for m in entry.tested_milestones.split(",") if m),
                              (school_class.id, subject.id) in pairs and allows(
                                  session, actor, Action.MARKS_ENTER, class_id=school_class.id,
                                  subject_id=subject.id))
                for subject, entry in by_grade[school_class.grade]
                if leader or (school_class.id, subject.id) in pairs)
            own = school_class.id in homeroom and actor.has(Role.GV_CHU_NHIEM.value)
            if not subjects and not (leader or own):
                continue
            choices.append(ClassChoice(
                school_class.id, school_class.name, school_class.grade, subjects, leader or own, leader or own,
                allows(session, actor, Action.RESULTS_RECORD, class_id=school_class.id)))
        current = next((m for m in rules.MILESTONES if on <= level_deadline(session, year, m)), "CN")
        return GradebookChoices(year.id, year.name, choices, current)


# --- the comment bank -----------------------------------------------------------------------

COMMENT_PHRASE_MAX = 300


@dataclasses.dataclass(frozen=True)
class BankPhrase:
    """A stored phrase of the comment bank: for a subject (None: any subject) or the traits, at a level."""

    subject_id: uuid.UUID | None
    trait: str
    level: str  # HTT/HT/CHT for subjects, TOT/DAT/CCG for qualities and competencies
    text: str


def comment_bank(db: Database, actor: Actor, class_id: uuid.UUID) -> list[BankPhrase]:
    """Every phrase the school keeps in its comment bank (one query), for a person who may read the class."""
    from nk_desktop.models.gradebook import CommentTemplate

    with db.read() as session:
        require(session, actor, Action.MARKS_VIEW, class_id=class_id)
        t = CommentTemplate.__table__.c
        rows = session.execute(select(t.subject_id, t.trait, t.level, t.text)
                               .where(t.deleted.is_(False)).order_by(t.created_at, t.id)).all()
    return [BankPhrase(r.subject_id, r.trait or "", r.level, r.text) for r in rows]


def add_comment_phrase(db: Database, actor: Actor, class_id: uuid.UUID, text: str, level: str, *,
                       subject_id: uuid.UUID | None = None, every_subject: bool = False) -> uuid.UUID:
    """A teacher adds a phrase to the bank: for the subject they enter in this class (or, with
    *every_subject*, for any subject) at a subject level; without a subject, a qualities and
    competencies phrase (the homeroom teacher) at a trait level.  Audited like every write."""
    from nk_desktop.models.gradebook import CommentTemplate

    text = " ".join((nfc(text) or "").split())
    with db.write(actor) as session:
        if subject_id is not None:
            require(session, actor, Action.MARKS_ENTER, class_id=class_id, subject_id=subject_id)
            level = rules.parse_subject_level(level)
        else:
            require(session, actor, Action.TRAITS_ENTER, class_id=class_id)
            level = rules.parse_trait_level(level)
        if level is None:
            raise ValidationError(_("Hãy chọn mức đánh giá mà nhận xét mẫu dùng cho."), field="level")
        if not text:
            raise ValidationError(_("Nhận xét mẫu đang để trống."), field="text")
        if len(text) > COMMENT_PHRASE_MAX:
            raise ValidationError(_("Nhận xét mẫu dài quá {n} kí tự.").format(n=COMMENT_PHRASE_MAX), field="text")
        stored_subject = None if every_subject else subject_id
        same = session.scalar(select(CommentTemplate.id).where(
            CommentTemplate.deleted.is_(False), CommentTemplate.level == level, CommentTemplate.text == text,
            CommentTemplate.subject_id.is_(None) if stored_subject is None
            else CommentTemplate.subject_id == stored_subject))
        if same is not None:
            raise ValidationError(_("Ngân hàng nhận xét đã có câu này."), field="text")
        row = CommentTemplate(subject_id=stored_subject, trait="", level=level, text=text)
        session.add(row)
        session.flush()
        return row.id
