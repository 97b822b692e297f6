"""Issue 4: the gradebook grids and the school-wide distribution.

* Opening a class grid (35 pupils × all subjects of a milestone) < 100 ms after the first time:
  ``services.gradebook.class_grid`` (every subject of the class's grade in one read), as the
  class's homeroom teacher, going round the grade-4 classes; ``subject_grid`` once per subject
  beside it for information.  Baseline: raw sqlite3 running one SELECT
  per subject for the same rows (pupils of the class on the day, left-joined to their marks).
* Saving a full grid < 200 ms: ``save_subject_cells`` with 35 pupils × level + score + comment
  for one subject (as the assigned teacher), and for every subject of the grade (one
  ``save_class_cells`` call, as SYSTEM; one ``save_subject_cells`` call per subject beside it); two sets of values alternate so that every save changes every cell.
  Baseline: raw sqlite3 inserting the same number of rows in one transaction.
* The school-wide distribution over ~900 pupils × 4 milestones < 300 ms, if
  ``services/review.py`` has ``distribution``; the demo school is first filled with marks for all
  four milestones (one ``save_subject_cells`` call per class × subject × milestone, SYSTEM, ``on``
  = the milestone's level deadline).  Baseline: one raw sqlite3 GROUP BY over the same table.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import random
import time
import uuid
from pathlib import Path

from bench import common
from bench.common import Figure, Target

MILESTONES = ("GK1", "CK1", "GK2", "CN")
GRID_MILESTONE = "CK1"
GRID_GRADE = 4  # the most subjects, and tests at all four milestones in Tiếng Việt and Toán
SAVE_CLASS, SAVE_SUBJECT = "4A", "Toán"
COMMENTS = {
    "HTT": ("Nắm vững kiến thức, vận dụng tốt.", "Học tốt, tích cực phát biểu xây dựng bài."),
    "HT": ("Hoàn thành nội dung bài học.", "Nắm được bài, cần cẩn thận hơn khi trình bày."),
    "CHT": ("Cần cố gắng nhiều hơn, chưa nắm vững kiến thức.",),
}
FILL_STATS: dict[str, float] = {}

GRID_RAW = """
SELECT p.id, p.family_name, p.middle_name, p.given_name, p.date_of_birth,
       r.level, r.score, r.comment
FROM pupil p
JOIN enrolment e ON e.pupil_id = p.id
LEFT JOIN subject_result r ON r.pupil_id = p.id AND r.class_id = e.class_id AND r.subject_id = ?
     AND r.milestone = ? AND r.deleted = 0
WHERE e.class_id = ? AND e.deleted = 0 AND p.deleted = 0
  AND e.start_date <= ? AND (e.end_date IS NULL OR e.end_date > ?)
"""

# The same grouping as services.review.distribution (class × subject × level × score, every milestone).
DISTRIBUTION_RAW = """
SELECT class_id, subject_id, level, score, COUNT(*) FROM subject_result
WHERE year_id = ? AND deleted = 0
GROUP BY class_id, subject_id, level, score
"""
PER_MILESTONE = "SELECT milestone, COUNT(*), COUNT(DISTINCT pupil_id) FROM subject_result " \
                "WHERE year_id = ? AND deleted = 0 GROUP BY milestone"


# --- helpers ----------------------------------------------------------------------------------

def _deadlines(db, year) -> dict[str, dt.date]:
    from nk_desktop.services.gradebook import level_deadline

    with db.read() as session:
        return {m: level_deadline(session, year, m) for m in MILESTONES}


def _entry_days(db, year, grades, deadlines) -> dict[tuple[int, uuid.UUID, str], dt.date]:
    """The day on which a grade × subject × milestone is open for both levels and test scores:
    the level deadline, or the score deadline (10 working days after the test) when earlier."""
    from nk_desktop.services.gradebook import score_deadline

    days = {}
    with db.read() as session:
        for grade in grades:
            for subject, _tested in _subjects(db, year.id, grade):
                for milestone in MILESTONES:
                    scores_due = score_deadline(session, year, grade, subject.id, milestone)
                    days[grade, subject.id, milestone] = min(deadlines[milestone], scores_due or deadlines[milestone])
    return days


def _year_classes(db, year_id):
    from sqlalchemy import select

    from nk_desktop.models.school import SchoolClass

    with db.read() as session:
        return list(session.scalars(select(SchoolClass).where(
            SchoolClass.year_id == year_id, SchoolClass.deleted.is_(False)).order_by(SchoolClass.name)))


def _subjects(db, year_id, grade):
    """(subject, tested milestones) of a grade, in book order."""
    from nk_desktop.services.school import grade_subjects

    with db.read() as session:
        return [(subject, tuple(m for m in entry.tested_milestones.split(",") if m))
                for subject, entry in grade_subjects(session, year_id, grade)]


def _pupils(db, school_class, day) -> list[uuid.UUID]:
    from nk_desktop.services.gradebook import enrolled_pupils

    with db.read() as session:
        return [p.id for p in enrolled_pupils(session, school_class, day)]


def _edits(pupils, tested: bool, rng: random.Random, variant: int | None = None):
    """level (+ score where tested) + comment for every pupil; *variant* 0/1 gives two fixed sets."""
    from nk_desktop.services.gradebook import CellEdit

    edits = []
    for n, pupil in enumerate(pupils):
        if variant is None:
            level = rng.choices(("HTT", "HT", "CHT"), weights=(45, 50, 5))[0]
            score = {"HTT": rng.randint(9, 10), "HT": rng.randint(5, 8), "CHT": rng.randint(2, 4)}[level]
            comment = rng.choice(COMMENTS[level])
        else:
            level = ("HTT", "HT")[(n + variant) % 2]
            score = (9, 7)[(n + variant) % 2]
            comment = COMMENTS[level][variant % len(COMMENTS[level])]
        edits.append(CellEdit(pupil, "level", level))
        if tested:
            edits.append(CellEdit(pupil, "score", score))
        edits.append(CellEdit(pupil, "comment", comment))
    return edits


def marks_db() -> Path:
    """The demo school with marks for every class × subject × milestone of the current year (cached)."""
    data = common.data()
    target = data.path("marks.sqlite")
    if target.exists():
        return target
    from nk_desktop.actor import SYSTEM
    from nk_desktop.db import open_database
    from nk_desktop.errors import Locked
    from nk_desktop.services.gradebook import save_subject_cells

    scratch = data.copy(data.demo(), "marks.building.sqlite")
    db = open_database(scratch)
    year = common.current_year(db)
    deadlines = _deadlines(db, year)
    classes = _year_classes(db, year.id)
    common.progress(f"gradebook: filling {len(classes)} classes × all subjects × 4 milestones "
                    f"(on {', '.join(f'{m} {d:%d/%m/%Y}' for m, d in deadlines.items())})")
    rng = random.Random(4)
    calls, cells, refused, locked = 0, 0, 0, 0
    start = time.perf_counter()
    by_grade = {grade: _subjects(db, year.id, grade) for grade in {c.grade for c in classes}}
    days = _entry_days(db, year, by_grade, deadlines)
    enrolled: dict[tuple[uuid.UUID, dt.date], list[uuid.UUID]] = {}
    for milestone in MILESTONES:
        for school_class in classes:
            for subject, tested_in in by_grade[school_class.grade]:
                day = days[school_class.grade, subject.id, milestone]
                if (school_class.id, day) not in enrolled:
                    enrolled[school_class.id, day] = _pupils(db, school_class, day)
                pupils = enrolled[school_class.id, day]
                edits = _edits(pupils, milestone in tested_in, rng)
                try:
                    result = save_subject_cells(db, SYSTEM, school_class.id, subject.id, milestone, edits, on=day)
                except Locked:  # the demo already filled and locked this milestone (its deadline has passed)
                    locked += 1
                    continue
                calls += 1
                cells += result.saved
                refused += len(result.refused)
    FILL_STATS.update(seconds=time.perf_counter() - start, calls=calls, cells=cells, refused=refused,
                      locked=locked)
    db.dispose()
    common.checkpoint(scratch)
    scratch.rename(target)
    return target


def _raw_insert_table(conn) -> list[str]:
    columns = [row[1] for row in conn.execute("PRAGMA table_info(subject_result)")]
    conn.execute("DROP TABLE IF EXISTS bench_result")
    conn.execute("CREATE TABLE bench_result AS SELECT * FROM subject_result WHERE 0")
    return columns


def _raw_rows(columns: list[str], count: int, variant: int, year_id, class_id, subject_id) -> list[tuple]:
    now = dt.datetime.now().isoformat(sep=" ")
    values = {"year_id": year_id.hex, "class_id": class_id.hex, "subject_id": subject_id.hex,
              "milestone": GRID_MILESTONE, "created_at": now, "updated_at": now, "deleted": 0}
    rows = []
    for n in range(count):
        row = dict(values, id=uuid.uuid4().hex, pupil_id=uuid.uuid4().hex, level=("HTT", "HT")[(n + variant) % 2],
                   score=(9, 7)[(n + variant) % 2], comment=COMMENTS["HT"][variant % 2])
        rows.append(tuple(row.get(column) for column in columns))
    return rows


# --- the bench --------------------------------------------------------------------------------------

def run() -> list[Figure]:
    from sqlalchemy import select

    from nk_desktop.actor import SYSTEM
    from nk_desktop.clock import today
    from nk_desktop.db import open_database
    from nk_desktop.models.school import Subject, TeachingAssignment
    from nk_desktop.services.gradebook import class_grid, save_class_cells, save_subject_cells, subject_grid

    data = common.data()
    base = marks_db()
    path = data.copy(base, "gradebook.sqlite")
    n = common.runs()
    figures: list[Figure] = []
    if FILL_STATS:
        figures.append(Figure(
            f"(set-up) fill 4 milestones: {FILL_STATS['calls']:.0f} save_subject_cells calls, per call",
            FILL_STATS["seconds"] * 1000 / FILL_STATS["calls"],
            note=f"{FILL_STATS['cells']:.0f} cells saved, {FILL_STATS['refused']:.0f} refused, "
                 f"{FILL_STATS['locked']:.0f} class × subject × milestone grids left as the demo wrote them "
                 f"(locked), {FILL_STATS['seconds']:.1f} s in all"))

    db = open_database(path)
    year = common.current_year(db)
    deadlines = _deadlines(db, year)
    classes = [c for c in _year_classes(db, year.id) if c.grade == GRID_GRADE]
    subjects = _subjects(db, year.id, GRID_GRADE)
    teachers = {c.id: common.actor_for_staff(db, c.homeroom_id) for c in classes}
    today_day = min(max(today(), year.start_date), year.end_date)
    db.dispose()

    # --- opening a class grid ---
    common.progress(f"gradebook: opening grids ({len(subjects)} subjects × ~35 pupils, {GRID_MILESTONE})")

    def open_grid(school_class) -> int:
        actor = teachers[school_class.id]
        return sum(len(grid.rows) for grid in class_grid(db, actor, school_class.id, GRID_MILESTONE).subjects)

    def open_each(school_class) -> int:
        actor = teachers[school_class.id]
        return sum(len(subject_grid(db, actor, school_class.id, subject.id, GRID_MILESTONE).rows)
                   for subject, _tested in subjects)

    raw = common.raw_connection(path)
    iso = today_day.isoformat()

    def raw_grid(school_class) -> int:
        return sum(len(raw.execute(GRID_RAW, (subject.id.hex, GRID_MILESTONE, school_class.id.hex, iso, iso))
                       .fetchall())
                   for subject, _tested in subjects)

    db = open_database(path)
    first = common.timed(lambda: open_grid(classes[0])) * 1000
    sizes = [open_grid(c) for c in classes]
    assert sizes == [raw_grid(c) for c in classes], "grid and raw query disagree on the rows"
    assert sizes == [open_each(c) for c in classes], "class_grid and subject_grid disagree on the rows"
    subject_t, baseline_t = common.compare(lambda i: open_grid(classes[i % len(classes)]),
                                           lambda i: raw_grid(classes[i % len(classes)]), max(n, len(classes)))
    each_t, each_base = common.compare(lambda i: open_each(classes[i % len(classes)]),
                                       lambda i: raw_grid(classes[i % len(classes)]), max(n, len(classes)))
    pupils_in_grid = sizes[0] // len(subjects)
    figures += [
        Figure(f"class grid, first opening ({pupils_in_grid} pupils × {len(subjects)} subjects, new connection)",
               first, "raw sqlite3 same rows", common.median_ms(baseline_t)),
        Figure("class grid, later openings (class_grid: every subject, one read)", common.median_ms(subject_t),
               "raw sqlite3 same rows", common.median_ms(baseline_t), Target.under_ms(100)),
        Figure("class grid, later openings (subject_grid × every subject)", common.median_ms(each_t),
               "raw sqlite3 same rows", common.median_ms(each_base)),
    ]

    # --- saving a full grid ---
    save_class = next(c for c in classes if c.name == SAVE_CLASS)
    days = _entry_days(db, year, [GRID_GRADE], deadlines)
    day = min(d for (_g, _s, m), d in days.items() if m == GRID_MILESTONE)  # every subject open
    pupils = _pupils(db, save_class, day)
    with db.read() as session:
        toan = session.scalar(select(Subject).where(Subject.name == SAVE_SUBJECT, Subject.deleted.is_(False)))
        staff_id = session.scalar(select(TeachingAssignment.staff_id).where(
            TeachingAssignment.class_id == save_class.id, TeachingAssignment.subject_id == toan.id,
            TeachingAssignment.deleted.is_(False)))
    teacher = common.actor_for_staff(db, staff_id) or SYSTEM
    tested = dict((s.id, t) for s, t in subjects)
    one_edits = [_edits(pupils, GRID_MILESTONE in tested[toan.id], random.Random(0), variant=v) for v in (0, 1)]
    all_edits = [[(s.id, _edits(pupils, GRID_MILESTONE in t, random.Random(0), variant=v)) for s, t in subjects]
                 for v in (0, 1)]
    saved: list[int] = []

    def save_one(i: int) -> None:
        result = save_subject_cells(db, teacher, save_class.id, toan.id, GRID_MILESTONE, one_edits[i % 2], on=day)
        if result.refused:
            raise RuntimeError(f"refused cells: {result.refused[:3]}")
        saved.append(result.saved)

    def save_each(i: int) -> None:
        total = 0
        for subject_id, edits in all_edits[i % 2]:
            result = save_subject_cells(db, SYSTEM, save_class.id, subject_id, GRID_MILESTONE, edits, on=day)
            if result.refused:
                raise RuntimeError(f"refused cells: {result.refused[:3]}")
            total += result.saved
        saved.append(total)

    class_edits = [[(subject_id, e) for subject_id, edits in variant for e in edits] for variant in all_edits]

    def save_all(i: int) -> None:
        result = save_class_cells(db, SYSTEM, save_class.id, GRID_MILESTONE, class_edits[i % 2], on=day)
        if result.refused:
            raise RuntimeError(f"refused cells: {result.refused[:3]}")
        saved.append(result.saved)

    baseline_path = data.copy(base, "gradebook-raw.sqlite")
    raw_w = common.raw_connection(baseline_path)
    columns = _raw_insert_table(raw_w)

    def raw_insert(count: int, i: int) -> None:
        rows = _raw_rows(columns, count, i % 2, year.id, save_class.id, toan.id)
        raw_w.execute("BEGIN IMMEDIATE")
        raw_w.executemany(f"INSERT INTO bench_result ({', '.join(columns)}) VALUES "
                          f"({', '.join('?' * len(columns))})", rows)
        raw_w.execute("COMMIT")

    common.progress("gradebook: saving one subject and all subjects of a 35-pupil grid")
    one_cells = len(one_edits[0])
    one_t, one_base = common.compare(save_one, lambda i: raw_insert(len(pupils), i), n)
    one_saved = saved[-1]
    saved.clear()
    all_t, all_base = common.compare(save_all, lambda i: raw_insert(len(pupils) * len(subjects), i), n)
    all_saved = saved[-1]
    saved.clear()
    each_save_t, each_save_base = common.compare(save_each, lambda i: raw_insert(len(pupils) * len(subjects), i), n)
    raw_w.close()
    common.remove_db(baseline_path)
    figures += [
        Figure(f"save a grid: {SAVE_CLASS} {SAVE_SUBJECT} {GRID_MILESTONE}, "
               f"{len(pupils)} pupils × level+score+comment",
               common.median_ms(one_t), f"raw INSERT {len(pupils)} rows", common.median_ms(one_base),
               Target.under_ms(200), note=f"{one_cells} cells sent, {one_saved} changed per save, "
                                          f"as {teacher.username or 'SYSTEM'}"),
        Figure(f"save a grid: {SAVE_CLASS}, all {len(subjects)} subjects (one save_class_cells call)",
               common.median_ms(all_t), f"raw INSERT {len(pupils) * len(subjects)} rows", common.median_ms(all_base),
               Target.under_ms(200), note=f"{sum(len(e) for _s, e in all_edits[0])} cells sent, {all_saved} changed "
                                          "per save, as SYSTEM"),
        Figure(f"save a grid: {SAVE_CLASS}, all {len(subjects)} subjects ({len(subjects)} save_subject_cells calls)",
               common.median_ms(each_save_t), f"raw INSERT {len(pupils) * len(subjects)} rows",
               common.median_ms(each_save_base)),
    ]
    db.dispose()

    figures += _distribution(path, year, n)
    raw.close()
    return figures


def _distribution(path: Path, year, n: int) -> list[Figure]:
    from nk_desktop.db import open_database

    name = "school-wide distribution, all 4 milestones (one call)"
    target = Target.under_ms(300)
    raw = common.raw_connection(path)
    coverage = raw.execute(PER_MILESTONE, (year.id.hex,)).fetchall()
    pupils = raw.execute("SELECT COUNT(DISTINCT pupil_id) FROM subject_result WHERE year_id = ? AND deleted = 0",
                         (year.id.hex,)).fetchone()[0]
    shown = ", ".join(f"{m} {marks} marks/{who} pupils" for m, marks, who in coverage)
    data_note = f"{pupils} pupils with marks: {shown}"

    def baseline(_i: int) -> int:
        return len(raw.execute(DISTRIBUTION_RAW, (year.id.hex,)).fetchall())

    try:
        review = importlib.import_module("nk_desktop.services.review")
    except ModuleNotFoundError:
        review = None
    distribution = getattr(review, "distribution", None)
    if distribution is None:
        base = common.median_ms(common.repeat(baseline, n))
        raw.close()
        why = "nk_desktop/services/review.py is missing" if review is None else "services.review has no distribution()"
        return [Figure(name, None, "raw GROUP BY", base, target, note=f"{why}; {data_note}")]
    db = open_database(path)
    principal = common.actor_named(db, common.PRINCIPAL)
    call, how = _distribution_call(distribution, db, principal, year)
    first = common.timed(call) * 1000
    subject_t, baseline_t = common.compare(lambda _i: call(), baseline, n)
    figures = [
        Figure(name, common.median_ms(subject_t), "raw GROUP BY", common.median_ms(baseline_t), target,
               note=f"called as {how}, as {common.PRINCIPAL}; first call {first:.1f} ms; {data_note}"),
    ]
    if "milestone" in inspect.signature(distribution).parameters:
        def per_milestone(_i: int) -> None:
            for milestone in MILESTONES:
                distribution(db, principal, year.id, milestone)

        def raw_per_milestone(_i: int) -> None:
            for milestone in MILESTONES:
                raw.execute(DISTRIBUTION_RAW.replace("deleted = 0", "deleted = 0 AND milestone = ?"),
                            (year.id.hex, milestone)).fetchall()

        each_t, each_base = common.compare(per_milestone, raw_per_milestone, n)
        figures.append(Figure("school-wide distribution, one call per milestone (4 calls)", common.median_ms(each_t),
                              "raw GROUP BY × 4", common.median_ms(each_base), target))
    raw.close()
    db.dispose()
    return figures


def _distribution_call(distribution, db, actor, year):
    """A call of ``review.distribution`` for the whole school and year, whatever its exact signature."""
    parameters = inspect.signature(distribution).parameters
    args, kwargs, shown = [], {}, []
    for name, parameter in parameters.items():
        value = {"db": db, "actor": actor, "year_id": year.id, "year": year}.get(name, inspect.Parameter.empty)
        if value is inspect.Parameter.empty:
            if parameter.default is inspect.Parameter.empty:
                raise TypeError(f"services.review.distribution{inspect.signature(distribution)}: "
                                f"the bench does not know what to pass as {name!r}")
            continue
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            kwargs[name] = value
            shown.append(f"{name}=…")
        else:
            args.append(value)
            shown.append(name)
    return (lambda: distribution(*args, **kwargs)), f"distribution({', '.join(shown)})"
