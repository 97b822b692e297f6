"""End of year: the overall result (Điều 9), awards (Điều 13), completion and promotion (Điều 11).

The homeroom teacher records the results computed from the end-of-year levels and
scores; the principal approves them only when every teacher has entered
everything (Điều 3.4), and approval locks the class's end-of-year marks.  Each
result keeps the rule set it was made under: a past year is never recomputed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from nk_desktop.actor import Actor
from nk_desktop.clock import today
from nk_desktop.db import Database
from nk_desktop.errors import Locked, ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.gradebook import MarkLock, SubjectResult, TraitResult, YearResult
from nk_desktop.models.school import SchoolClass, SchoolYear
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services.common import get_live
from nk_desktop.services.gradebook import enrolled_pupils
from nk_desktop.services.permissions import Action, require
from nk_desktop.services.school import grade_subjects
from nk_desktop.text import nfc

# TT27 reached the grades year by year (vn-primary-rules §1.1): grade 1 from 2020-2021 … grade 5 from 2024-2025.
TT27_FIRST_YEAR = {1: 2020, 2: 2021, 3: 2022, 4: 2023, 5: 2024}
DECISIONS = {"len_lop": _("Được lên lớp"), "o_lai": _("Ở lại lớp"),
             "hoan_thanh_tieu_hoc": _("Hoàn thành chương trình tiểu học")}


# The summer re-assessment (Điều 11.1.d) says whether the programme is now completed.
REASSESSMENT_OUTCOMES = {"HT": _("Hoàn thành"), "CHT": _("Chưa hoàn thành")}


def rule_set_for(year: SchoolYear, grade: int) -> str:
    """The circular a grade's results of a year are made under."""
    return rules.RULE_SET if int(year.name[:4]) >= TT27_FIRST_YEAR[grade] else "TT22-2016"


@dataclasses.dataclass(frozen=True)
class Evaluation:
    pupil_id: uuid.UUID
    number: int
    full_name: str
    overall: str | None  # None while data is missing
    overall_label: str
    reason: str
    award: str
    completes: bool | None
    # What is stored once the homeroom teacher recorded the results (Điều 11, 13):
    recorded: bool = False
    approved: bool = False
    recognition: str = ""          # what the class recognised (Tiêu biểu needs it with HTT)
    reassessment: str = ""         # the summer re-assessment's outcome (HT … CHT), Điều 11.1.d
    reassessed_on: dt.date | None = None
    decision: str = ""             # the principal's decision (DECISIONS)


def _stored(kept: YearResult | None) -> dict:
    if kept is None:
        return {}
    return dict(recorded=True, approved=bool(kept.approved), recognition=kept.class_recognition or "",
                reassessment=kept.reassessment or "", reassessed_on=kept.reassessed_on, decision=kept.decision or "")


def _inputs(session: Session, school_class: SchoolClass, pupil_ids: list[uuid.UUID]):
    subjects = grade_subjects(session, school_class.year_id, school_class.grade)
    names = {s.id.hex: s.name for s, _e in subjects}
    tested = {s.id for s, e in subjects if "CN" in e.tested_milestones.split(",")}
    levels: dict[uuid.UUID, dict[str, str | None]] = {p: {s.id.hex: None for s, _e in subjects} for p in pupil_ids}
    scores: dict[uuid.UUID, dict[str, int | None]] = {p: {s.hex: None for s in tested} for p in pupil_ids}
    for row in session.scalars(select(SubjectResult).where(
            SubjectResult.class_id == school_class.id, SubjectResult.milestone == "CN",
            SubjectResult.deleted.is_(False))):
        if row.pupil_id in levels and row.subject_id.hex in levels[row.pupil_id]:
            levels[row.pupil_id][row.subject_id.hex] = row.level
            if row.subject_id in tested:
                scores[row.pupil_id][row.subject_id.hex] = row.score
    traits: dict[uuid.UUID, dict[str, str]] = {p: {} for p in pupil_ids}
    for row in session.scalars(select(TraitResult).where(
            TraitResult.class_id == school_class.id, TraitResult.milestone == "CN",
            TraitResult.deleted.is_(False))):
        if row.pupil_id in traits and row.level:
            traits[row.pupil_id][row.trait] = row.level
    return names, levels, traits, scores


def evaluate_class(db: Database, actor: Actor, class_id: uuid.UUID, *, on: dt.date | None = None) -> list[Evaluation]:
    """Each pupil's overall result with its reason, computed from the end-of-year records."""
    with db.read() as session:
        require(session, actor, Action.MARKS_VIEW, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        year = session.get(SchoolYear, school_class.year_id)
        pupils = enrolled_pupils(session, school_class, min(on or year.end_date, year.end_date))
        stored = {r.pupil_id: r for r in session.scalars(select(YearResult).where(
            YearResult.class_id == class_id, YearResult.deleted.is_(False)))}
        rule_set = rule_set_for(year, school_class.grade)
        names, levels, traits, scores = _inputs(session, school_class, [p.id for p in pupils])
        out = []
        for number, pupil in enumerate(pupils, start=1):
            kept = stored.get(pupil.id)
            if kept is not None and (kept.approved or kept.rule_set != rules.RULE_SET):
                out.append(Evaluation(pupil.id, number, pupil.full_name, kept.overall, rules.OVERALL[kept.overall],
                                      kept.reason, kept.award, kept.completed, **_stored(kept)))
                continue
            if rule_set != rules.RULE_SET:
                out.append(Evaluation(pupil.id, number, pupil.full_name, None, "",
                                      _("Năm học {y}, khối {g} đánh giá theo Thông tư 22/2016; không tính lại.").format(
                                          y=year.name, g=school_class.grade), "", None))
                continue
            try:
                result = rules.classify_year_end(levels[pupil.id], traits[pupil.id], scores[pupil.id],
                                                 subject_names=names)
            except rules.IncompleteData as missing:
                out.append(Evaluation(pupil.id, number, pupil.full_name, None, "", str(missing), "", None))
                continue
            recognition = kept.class_recognition if kept else ""
            completes = rules.completes_grade(result.overall)
            if kept is not None and kept.reassessment:  # the summer re-assessment decides completion
                completes = rules.completes_grade(kept.reassessment)
            out.append(Evaluation(pupil.id, number, pupil.full_name, result.overall, rules.OVERALL[result.overall],
                                  result.reason, rules.proposed_award(result.overall, recognition),
                                  completes, **_stored(kept)))
        return out


def record_results(db: Database, actor: Actor, class_id: uuid.UUID, *,
                   recognitions: dict[uuid.UUID, str] | None = None) -> int:
    """The homeroom teacher stores the computed results (refused while anything is missing)."""
    with db.read() as session:  # a person without the right hears that first, not what data is missing
        require(session, actor, Action.RESULTS_RECORD, class_id=class_id)
    evaluations = evaluate_class(db, actor, class_id)
    missing = [e for e in evaluations if e.overall is None]
    if missing:
        raise ValidationError(_("Chưa ghi được kết quả: {n} học sinh còn thiếu dữ liệu (ví dụ {name}: {why}).").format(
            n=len(missing), name=missing[0].full_name, why=missing[0].reason))
    recognitions = {k: nfc(v) or "" for k, v in (recognitions or {}).items()}
    with db.write(actor) as session:
        require(session, actor, Action.RESULTS_RECORD, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        year = session.get(SchoolYear, school_class.year_id)
        stored = {r.pupil_id: r for r in session.scalars(select(YearResult).where(
            YearResult.class_id == class_id, YearResult.deleted.is_(False)))}
        written = 0
        for evaluation in evaluations:
            row = stored.get(evaluation.pupil_id)
            if row is not None and row.approved:
                raise Locked(_("Kết quả của lớp {c} đã được Hiệu trưởng phê duyệt.").format(c=school_class.name))
            if row is None:
                row = YearResult(year_id=year.id, class_id=class_id, pupil_id=evaluation.pupil_id,
                                 rule_set=rule_set_for(year, school_class.grade))
                session.add(row)
            recognition = recognitions.get(evaluation.pupil_id, row.class_recognition or "")
            row.overall, row.reason = evaluation.overall, evaluation.reason
            row.class_recognition = recognition
            row.award = rules.proposed_award(evaluation.overall, recognition)
            row.completed = evaluation.completes  # after a summer re-assessment, its outcome
            written += 1
        return written


def approve_results(db: Database, actor: Actor, class_id: uuid.UUID) -> None:
    """The principal approves the class's results (only when complete); this locks the year-end marks."""
    with db.write(actor) as session:
        require(session, actor, Action.RESULTS_APPROVE)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        year = session.get(SchoolYear, school_class.year_id)
        pupils = enrolled_pupils(session, school_class, year.end_date)
        rows = {r.pupil_id: r for r in session.scalars(select(YearResult).where(
            YearResult.class_id == class_id, YearResult.deleted.is_(False)))}
        missing = [p.full_name for p in pupils if p.id not in rows]
        if missing:
            raise ValidationError(_("Chưa phê duyệt được: giáo viên chưa nhập đủ ({n} học sinh chưa có kết quả, ví dụ {name}).").format(
                n=len(missing), name=missing[0]))
        for row in rows.values():
            row.approved = True
        lock = session.scalar(select(MarkLock).where(
            MarkLock.year_id == year.id, MarkLock.class_id == class_id, MarkLock.subject_id.is_(None),
            MarkLock.milestone == "CN", MarkLock.grade.is_(None), MarkLock.deleted.is_(False)))
        if lock is None:
            session.add(MarkLock(year_id=year.id, class_id=class_id, milestone="CN", locked=True,
                                 reason=_("Hiệu trưởng đã phê duyệt kết quả")))
        else:
            lock.locked, lock.reason = True, _("Hiệu trưởng đã phê duyệt kết quả")


def reassessment_limit(year: SchoolYear) -> dt.date:
    """The day the summer re-assessment must be finished by (Điều 11.1.d: 31 August of the year's second year)."""
    return dt.date(int(year.name[5:]), 8, 31)


def reassessment_days(db: Database, actor: Actor, class_id: uuid.UUID, *,
                      on: dt.date | None = None) -> tuple[dt.date, dt.date, dt.date]:
    """The summer window of a class's re-assessment: (first day after the school year, 31 August, the day
    a form should offer: *on* when inside the window, else its nearest end)."""
    with db.read() as session:
        require(session, actor, Action.MARKS_VIEW, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        year = session.get(SchoolYear, school_class.year_id)
        first, last = year.end_date + dt.timedelta(days=1), reassessment_limit(year)
    day = on or today()
    return first, last, min(max(day, first), last)


def record_reassessment(db: Database, actor: Actor, class_id: uuid.UUID, pupil_id: uuid.UUID, overall: str,
                        day: dt.date) -> None:
    """The summer additional assessment of a pupil who did not complete (before 31 August, Điều 11.1.d)."""
    with db.write(actor) as session:
        require(session, actor, Action.RESULTS_RECORD, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        year = session.get(SchoolYear, school_class.year_id)
        limit = reassessment_limit(year)
        if day > limit:
            raise ValidationError(_("Đánh giá bổ sung phải xong trước ngày 31/8/{y} (Điều 11.1.d quy chế).").format(
                y=limit.year), field="date")
        if overall not in REASSESSMENT_OUTCOMES:
            raise ValidationError(_("Kết quả đánh giá bổ sung là Hoàn thành hoặc Chưa hoàn thành."), field="overall")
        row = session.scalar(select(YearResult).where(
            YearResult.class_id == class_id, YearResult.pupil_id == pupil_id, YearResult.deleted.is_(False)))
        if row is None or row.overall != "CHT":
            raise ValidationError(_("Chỉ đánh giá bổ sung cho học sinh Chưa hoàn thành chương trình lớp học."))
        row.reassessment, row.reassessed_on = overall, day
        row.completed = rules.completes_grade(overall)


def decide_promotion(db: Database, actor: Actor, class_id: uuid.UUID, pupil_id: uuid.UUID, decision: str) -> None:
    """The principal's decision (Điều 11): promotion never depends on absences in primary school."""
    with db.write(actor) as session:
        require(session, actor, Action.RESULTS_APPROVE)
        if decision not in DECISIONS:
            raise ValidationError(_("Quyết định không hợp lệ."), field="decision")
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        if decision == "hoan_thanh_tieu_hoc" and school_class.grade != 5:
            raise ValidationError(_("Chỉ học sinh lớp 5 mới được công nhận hoàn thành chương trình tiểu học."))
        row = session.scalar(select(YearResult).where(
            YearResult.class_id == class_id, YearResult.pupil_id == pupil_id, YearResult.deleted.is_(False)))
        if row is None:
            raise ValidationError(_("Học sinh chưa có kết quả cuối năm."))
        if decision == "o_lai":
            if row.completed:
                raise ValidationError(_("Học sinh đã hoàn thành chương trình lớp học nên được lên lớp (ở tiểu học, "
                                        "số buổi nghỉ không làm học sinh phải ở lại lớp)."), field="decision")
            if not row.reassessment:
                raise ValidationError(_("Học sinh chưa được đánh giá bổ sung trong hè (Điều 11.1.d); hãy ghi kết quả "
                                        "đánh giá bổ sung trước khi quyết định ở lại lớp."), field="decision")
        elif not row.completed:
            raise ValidationError(_("Học sinh chưa hoàn thành chương trình lớp học: chỉ được lên lớp khi kết quả đánh "
                                    "giá bổ sung là Hoàn thành."), field="decision")
        row.decision = decision


def set_recognition(db: Database, actor: Actor, class_id: uuid.UUID, pupil_id: uuid.UUID, text: str) -> str:
    """What the class recognised a pupil for (Điều 13: with Hoàn thành tốt, proposed Học sinh Tiêu biểu).

    The homeroom teacher, after recording the results and before the principal approves them.
    Returns the award now proposed (a code of ``rules.AWARDS`` or "").
    """
    text = " ".join((nfc(text) or "").split())
    with db.write(actor) as session:
        require(session, actor, Action.RESULTS_RECORD, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        if len(text) > 500:
            raise ValidationError(_("Nội dung công nhận dài quá 500 kí tự."), field="recognition")
        row = session.scalar(select(YearResult).where(
            YearResult.class_id == class_id, YearResult.pupil_id == pupil_id, YearResult.deleted.is_(False)))
        if row is None:
            raise ValidationError(_("Hãy ghi kết quả cuối năm của lớp trước khi ghi khen thưởng."))
        if row.approved:
            raise Locked(_("Kết quả của lớp {c} đã được Hiệu trưởng phê duyệt.").format(c=school_class.name))
        row.class_recognition = text
        row.award = rules.proposed_award(row.overall, text)
        return row.award


