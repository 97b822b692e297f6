"""Possible duplicate pupils, and merging two records of one child (sync-design §4.3, "master data").

Random ids keep two PCs from ever issuing the same key, but not from entering the same child twice:
the clerk on the office PC and the homeroom teacher on a laptop both add a transferred-in pupil before
syncing, and after the sync the class list shows two records.  One PC alone refuses such a twin at
entry (``pupils.add_pupil``); the sync can bring them together, so this module

* lists the pairs of live pupils enrolled in a year that share a personal ID, a MoET code, or the
  same full name (folded: case, NFC/NFD and diacritics alike) and date of birth — minus the pairs a
  person marked "not the same child" (a synced table, so every PC stops listing them);
* merges one record into the other in one audited, synced transaction: every row that references the
  duplicate moves to the kept record, unless the kept record has a row for the same thing (the same
  class × subject × milestone mark, the same roll, an overlapping stay in the same class); equal values
  are then dropped from the duplicate (tombstone), different ones refuse the whole merge and name the
  first clashes.  Empty fields of the kept record are filled from the duplicate; the duplicate is
  tombstoned with a note saying where it went.  Marks in a locked book and absences in a closed month
  are not moved: that is a change of the book, done through a correction (Điều 11.2) or after the
  principal reopens it.
* lists "leftovers": rows a third PC wrote for the duplicate before it heard of the merge (they land on
  the tombstoned record when they arrive).  Merging again moves them (``merge_pupils`` accepts a
  duplicate that is already merged).

Who: the people who edit every class's pupils (``Action.PUPIL_EDIT`` school-wide: the principal,
vice-principal and DB admin).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections import Counter, defaultdict
from typing import Any, Callable

from sqlalchemy import func, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from nk_desktop.actor import Actor
from nk_desktop.clock import format_date, to_local, today
from nk_desktop.db import Database
from nk_desktop.errors import Locked, NotFound, ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.accounts import Account
from nk_desktop.models.attendance import AttendanceMark, ClubMember, MonthSheet, RollCall
from nk_desktop.models.gradebook import CorrectionRequest, SubjectResult, TraitResult, YearResult
from nk_desktop.models.prints import PrintRecord
from nk_desktop.models.pupils import Enrolment, Pupil, PupilNotDuplicate
from nk_desktop.models.school import SchoolClass, Subject
from nk_desktop.models.staff import StaffMember
from nk_desktop.services import pupils as pupil_service
from nk_desktop.services.assessment_rules import TRAIT_NAMES
from nk_desktop.services.gradebook import active_lock
from nk_desktop.services.permissions import Action, allows, require
from nk_desktop.text import nfc

# Why two records were paired (the key that matched).
PERSONAL_ID, MOET_CODE, NAME_AND_BIRTH, LEFTOVERS = "personal_id", "moet_code", "name_dob", "leftovers"
REASON_LABELS = {
    PERSONAL_ID: _("cùng số định danh cá nhân"),
    MOET_CODE: _("cùng mã định danh Bộ GD&ĐT"),
    NAME_AND_BIRTH: _("cùng họ tên và ngày sinh"),
    LEFTOVERS: _("có dữ liệu nhập cho hồ sơ đã gộp"),
}
MERGED_NOTE = _("Đã gộp vào hồ sơ {name} ({date})")
_MAX_NAMED = 3  # clashes named in a refusal


@dataclasses.dataclass(frozen=True)
class PupilSide:
    """One record of a pair, as the clerk compares them."""

    id: uuid.UUID
    full_name: str
    date_of_birth: dt.date
    gender: str
    class_name: str
    personal_id: str
    moet_code: str
    school_code: str
    contact_phone: str
    created_at: dt.datetime | None  # Vietnam local time
    created_by: str                 # the account's person (or user name); "" if unknown
    deleted: bool


@dataclasses.dataclass(frozen=True)
class DuplicatePair:
    first: PupilSide
    second: PupilSide
    reasons: tuple[str, ...]  # PERSONAL_ID, MOET_CODE, NAME_AND_BIRTH, LEFTOVERS
    leftovers: int = 0        # rows still on the merged (tombstoned) record

    @property
    def reason_text(self) -> str:
        return ", ".join(REASON_LABELS[r] for r in self.reasons)


@dataclasses.dataclass
class MergePlan:
    """What a merge does (or why it cannot): what moves, what is dropped as equal, what is filled."""

    keep: PupilSide
    duplicate: PupilSide
    moved: Counter = dataclasses.field(default_factory=Counter)    # kind label → rows moved to the kept record
    dropped: Counter = dataclasses.field(default_factory=Counter)  # kind label → equal rows dropped
    filled: list[str] = dataclasses.field(default_factory=list)   # field labels filled from the duplicate
    fill_keys: list[str] = dataclasses.field(default_factory=list)  # the same, as column keys
    differences: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)  # label, kept, duplicate
    clashes: list[str] = dataclasses.field(default_factory=list)   # different values: the merge is refused
    locked: list[str] = dataclasses.field(default_factory=list)    # rows in a locked book / closed month

    @property
    def possible(self) -> bool:
        return not self.clashes and not self.locked

    def summary(self) -> list[str]:
        """The plan in Vietnamese lines (the confirmation and the CLI)."""
        lines = []
        for kind, count in (+self.moved).items():
            lines.append(_("Chuyển sang hồ sơ giữ lại: {n} {kind}").format(n=count, kind=kind))
        for kind, count in (+self.dropped).items():
            lines.append(_("Bỏ bản trùng (giống hệt hồ sơ giữ lại): {n} {kind}").format(n=count, kind=kind))
        if self.filled:
            lines.append(_("Điền vào hồ sơ giữ lại: {fields}").format(fields=", ".join(self.filled)))
        for label, kept, other in self.differences:
            lines.append(_("{label} khác nhau: giữ “{kept}”, bỏ “{other}”").format(
                label=label, kept=kept, other=other))
        lines += self.clashes + self.locked
        return lines


# --- reading -----------------------------------------------------------------------------

def _require_school_wide(session: Session, actor: Actor) -> None:
    require(session, actor, Action.PUPIL_EDIT)  # no class: only the school-wide editors pass


def may_merge(db: Database, actor: Actor) -> bool:
    """Whether *actor* may list and merge duplicates (to show the button; the services check again)."""
    with db.read() as session:
        return allows(session, actor, Action.PUPIL_EDIT)


def _enrolled(year_id: uuid.UUID):
    return (select(Enrolment.pupil_id).join(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .where(SchoolClass.year_id == year_id, Enrolment.deleted.is_(False)))


def _ordered(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if a < b else (b, a)


def _sides(session: Session, pupil_ids: set[uuid.UUID], year_id: uuid.UUID | None) -> dict[uuid.UUID, PupilSide]:
    """The records compared, their class in the year (else their latest) and who created them: three queries."""
    if not pupil_ids:
        return {}
    ids = list(pupil_ids)
    records = {p.id: p for p in session.scalars(select(Pupil).where(Pupil.id.in_(ids)))}
    classes: dict[uuid.UUID, tuple] = {}
    for pupil_id, name, class_year, start in session.execute(
            select(Enrolment.pupil_id, SchoolClass.name, SchoolClass.year_id, Enrolment.start_date)
            .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .where(Enrolment.pupil_id.in_(ids), Enrolment.deleted.is_(False))):
        rank = (class_year == year_id, start)
        if pupil_id not in classes or rank > classes[pupil_id][0]:
            classes[pupil_id] = (rank, name)
    creators = {p.created_by for p in records.values() if p.created_by}
    names = {}
    if creators:
        for account_id, username, family, middle, given in session.execute(
                select(Account.id, Account.username, StaffMember.family_name, StaffMember.middle_name,
                       StaffMember.given_name)
                .outerjoin(StaffMember, StaffMember.id == Account.staff_id).where(Account.id.in_(creators))):
            person = " ".join(p for p in (family, middle, given) if p)
            names[account_id] = person or username
    return {
        p.id: PupilSide(p.id, p.full_name, p.date_of_birth, p.gender, classes.get(p.id, (None, ""))[1],
                        p.personal_id or "", p.moet_code or "", p.school_code or "", p.contact_phone or "",
                        to_local(p.created_at) if p.created_at else None, names.get(p.created_by, ""),
                        bool(p.deleted))
        for p in records.values()
    }


def possible_duplicates(db: Database, actor: Actor, year_id: uuid.UUID) -> list[DuplicatePair]:
    """Pairs of live pupils enrolled in the year that look like one child, then merged records with leftovers.

    One query per key (a self-join on the key), one for the pairs marked "not the same child", three
    for the details; leftovers: one query over every table that references a pupil, one for the targets.
    """
    with db.read() as session:
        _require_school_wide(session, actor)
        first, second = aliased(Pupil), aliased(Pupil)
        enrolled = _enrolled(year_id)
        live = (first.deleted.is_(False), second.deleted.is_(False), first.id < second.id,
                first.id.in_(enrolled), second.id.in_(enrolled))
        reasons: dict[tuple[uuid.UUID, uuid.UUID], list[str]] = defaultdict(list)
        for key, condition in (
                (PERSONAL_ID, (first.personal_id == second.personal_id, first.personal_id != "")),
                (MOET_CODE, (first.moet_code == second.moet_code, first.moet_code != "")),
                # Same name and birthday, unless both records carry an ID and the IDs differ: the personal ID
                # and the MoET code each belong to one child, so those are two children (twins named alike, or
                # the demo's namesakes), not one entered twice.
                (NAME_AND_BIRTH, (first.folded_name == second.folded_name, first.folded_name != "",
                                  first.date_of_birth == second.date_of_birth,
                                  or_(first.personal_id == "", second.personal_id == "",
                                      first.personal_id == second.personal_id),
                                  or_(first.moet_code == "", second.moet_code == "",
                                      first.moet_code == second.moet_code)))):
            for a, b in session.execute(select(first.id, second.id).where(*live, *condition)):
                reasons[(a, b)].append(key)
        distinct = set(session.execute(select(PupilNotDuplicate.first_id, PupilNotDuplicate.second_id)
                                       .where(PupilNotDuplicate.deleted.is_(False))).all())
        pairs = {pair: found for pair, found in reasons.items() if pair not in distinct}
        leftovers = _leftovers(session)
        targets = _merge_targets(session, set(leftovers), year_id)
        involved = {pupil_id for pair in pairs for pupil_id in pair}
        involved |= set(leftovers) | {target for found in targets.values() for target in found}
        sides = _sides(session, involved, year_id)
    result = [DuplicatePair(sides[a], sides[b], tuple(found)) for (a, b), found in pairs.items()]
    result.sort(key=lambda p: (p.first.class_name, p.first.full_name, p.second.full_name))
    for merged_id, count in leftovers.items():
        for target in targets.get(merged_id, ()):
            result.append(DuplicatePair(sides[target], sides[merged_id], (LEFTOVERS,), count))
    return result


def _leftovers(session: Session) -> dict[uuid.UUID, int]:
    """Tombstoned pupils that live rows still reference (written by a PC that had not heard of the merge)."""
    parts = [select(column.label("pupil_id")).where(model.deleted.is_(False), column.is_not(None))
             for model, column in _references()]
    rows = union_all(*parts).subquery()
    return dict(session.execute(
        select(rows.c.pupil_id, func.count()).join(Pupil, Pupil.id == rows.c.pupil_id)
        .where(Pupil.deleted.is_(True)).group_by(rows.c.pupil_id)).all())


def _merge_targets(session: Session, merged: set[uuid.UUID], year_id: uuid.UUID) -> dict[uuid.UUID, list[uuid.UUID]]:
    """For each merged record, the live pupils of the year sharing one of its keys (where its rows belong)."""
    if not merged:
        return {}
    gone = session.scalars(select(Pupil).where(Pupil.id.in_(list(merged)))).all()
    ids = {p.personal_id for p in gone if p.personal_id}
    codes = {p.moet_code for p in gone if p.moet_code}
    names = {p.folded_name for p in gone if p.folded_name}
    candidates = session.scalars(select(Pupil).where(
        Pupil.deleted.is_(False), Pupil.id.in_(_enrolled(year_id)),
        or_(Pupil.personal_id.in_(ids or {""}), Pupil.moet_code.in_(codes or {""}),
            Pupil.folded_name.in_(names or {""})))).all()
    found: dict[uuid.UUID, list[uuid.UUID]] = {}
    for old in gone:
        for live in candidates:
            if ((old.personal_id and live.personal_id == old.personal_id)
                    or (old.moet_code and live.moet_code == old.moet_code)
                    or (live.folded_name == old.folded_name and live.date_of_birth == old.date_of_birth)):
                found.setdefault(old.id, []).append(live.id)
    return found


# --- the merge rules per referencing table ------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Reference:
    """How rows of one table that reference a pupil merge: their natural key and the values compared."""

    model: type
    kind: str                                    # Vietnamese, plural-neutral ("điểm môn học")
    key: Callable[[Any, dict], Any] | None       # row, context → natural key (None: always moved)
    values: tuple[str, ...] = ()                 # compared when both records have the key
    empty: Callable[[Any], bool] = lambda row: False  # a row that says nothing (a blank mark)
    keep_wins: bool = False                      # same key: the kept row wins even if different (stays, clubs)


def _roll_key(row: AttendanceMark, context: dict) -> tuple:
    roll = context["rolls"].get(row.roll_id)
    return (roll.class_id, roll.club_id, roll.day, roll.session) if roll else (row.roll_id,)


REFERENCES: tuple[Reference, ...] = (
    Reference(Enrolment, _("quá trình học"), lambda r, c: r.class_id, keep_wins=True),
    Reference(SubjectResult, _("điểm môn học"), lambda r, c: (r.class_id, r.subject_id, r.milestone),
              ("level", "score", "comment"), lambda r: r.level is None and r.score is None and not r.comment),
    Reference(TraitResult, _("đánh giá phẩm chất, năng lực"), lambda r, c: (r.class_id, r.trait, r.milestone),
              ("level", "comment"), lambda r: r.level is None and not r.comment),
    Reference(YearResult, _("kết quả cuối năm"), lambda r, c: r.year_id,
              ("rule_set", "overall", "reason", "award", "class_recognition", "completed", "reassessment",
               "reassessed_on", "decision", "approved")),
    Reference(AttendanceMark, _("điểm danh"), _roll_key, ("status", "reason"),
              lambda r: not r.status and not r.reason),
    Reference(ClubMember, _("thành viên câu lạc bộ"), lambda r, c: r.club_id, keep_wins=True),
    Reference(CorrectionRequest, _("biên bản sửa điểm"), None),
    Reference(PrintRecord, _("bản in"), None),
)


def _references() -> list[tuple[type, Any]]:
    """(model, column) of every pupil reference the merge moves."""
    return [(ref.model, ref.model.pupil_id) for ref in REFERENCES]


def _overlap(a: Enrolment, b: Enrolment) -> bool:
    a_end, b_end = a.end_date or dt.date.max, b.end_date or dt.date.max
    return a.start_date < b_end and b.start_date < a_end


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("có") if value else _("không")
    if isinstance(value, dt.date):
        return format_date(value)
    return str(value)


# Pupil fields compared and filled (never the names, birthday, gender: they are never empty).
_FILLABLE = tuple(key for key in pupil_service.EDITABLE
                  if key not in ("family_name", "middle_name", "given_name", "date_of_birth", "gender", "notes"))


def _field_label(key: str) -> str:
    return Pupil.__table__.c[key].info.get("label", key)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value is False


def _plan(session: Session, keep: Pupil, duplicate: Pupil, sides: dict[uuid.UUID, PupilSide]) -> tuple[MergePlan, list]:
    """The merge of *duplicate* into *keep*: the plan and the row changes to make ((row, action) pairs)."""
    plan = MergePlan(sides[keep.id], sides[duplicate.id])
    changes: list[tuple[Any, str]] = []  # (row, "move" | "drop")
    context: dict[str, Any] = {}
    class_names = {c.id: c.name for c in session.scalars(select(SchoolClass))}
    subject_names = dict(session.execute(select(Subject.id, Subject.name)).all())
    for ref in REFERENCES:
        model = ref.model
        rows = session.scalars(select(model).where(model.pupil_id.in_((keep.id, duplicate.id)),
                                                   model.deleted.is_(False))).all()
        if model is AttendanceMark:
            roll_ids = {r.roll_id for r in rows}
            context["rolls"] = {r.id: r for r in session.scalars(select(RollCall).where(RollCall.id.in_(roll_ids)))} \
                if roll_ids else {}
        kept_rows = [r for r in rows if r.pupil_id == keep.id]
        theirs = [r for r in rows if r.pupil_id == duplicate.id]
        if ref.key is None:
            changes += [(row, "move") for row in theirs]
            plan.moved[ref.kind] += len(theirs)
            continue
        if model is Enrolment:
            for row in theirs:
                overlapping = [k for k in kept_rows if _overlap(k, row)]
                if not overlapping:
                    changes.append((row, "move"))
                    plan.moved[ref.kind] += 1
                elif all(k.class_id == row.class_id for k in overlapping):
                    changes.append((row, "drop"))
                    plan.dropped[ref.kind] += 1
                    mine = overlapping[0]
                    if (mine.start_date, mine.start_reason) != (row.start_date, row.start_reason):
                        plan.differences.append((
                            _("Vào lớp {cls}").format(cls=class_names.get(row.class_id, "")),
                            format_date(mine.start_date), format_date(row.start_date)))
                else:
                    plan.clashes.append(_(
                        "Hai hồ sơ cùng lúc học hai lớp khác nhau ({a} và {b}): hãy cho một hồ sơ chuyển lớp "
                        "hoặc rời lớp trước khi gộp.").format(
                        a=class_names.get(overlapping[0].class_id, ""), b=class_names.get(row.class_id, "")))
            continue
        by_key = {}
        for row in kept_rows:
            by_key.setdefault(ref.key(row, context), row)
        for row in theirs:
            key = ref.key(row, context)
            mine = by_key.get(key)
            if mine is None or (ref.empty(mine) and not ref.empty(row)):
                if mine is not None:
                    changes.append((mine, "drop"))  # the kept record's blank row gives way to the filled one
                changes.append((row, "move"))
                plan.moved[ref.kind] += 1
                by_key[key] = row  # a second row of the duplicate for the same thing is compared with this one
            elif ref.keep_wins or ref.empty(row) or all(getattr(mine, f) == getattr(row, f) for f in ref.values):
                changes.append((row, "drop"))
                plan.dropped[ref.kind] += 1
            else:
                plan.clashes.append(_clash_text(ref, mine, row, class_names, subject_names, context))
        if model in (SubjectResult, TraitResult):
            plan.locked += _locked_marks(session, model, [r for r in theirs if not ref.empty(r)], class_names,
                                         subject_names)
        if model is AttendanceMark:
            plan.locked += _closed_months(session, [r for r in theirs if not ref.empty(r)], class_names)
    if not duplicate.deleted:
        _plan_fields(keep, duplicate, plan)
    return plan, changes


def _clash_text(ref: Reference, mine, theirs, class_names: dict, subject_names: dict, context: dict) -> str:
    shown = lambda row: " / ".join(_shown(getattr(row, f)) for f in ref.values if not _is_empty(getattr(row, f))) \
        or "—"  # noqa: E731
    if ref.model is SubjectResult:
        where = _("{subject} {m} lớp {cls}").format(subject=subject_names.get(mine.subject_id, ""), m=mine.milestone,
                                                    cls=class_names.get(mine.class_id, ""))
    elif ref.model is TraitResult:
        where = _("{trait} {m} lớp {cls}").format(trait=TRAIT_NAMES.get(mine.trait, mine.trait), m=mine.milestone,
                                                  cls=class_names.get(mine.class_id, ""))
    elif ref.model is AttendanceMark:
        where = _("ngày {d}").format(d=format_date(mine.day))
    else:
        where = ""
    return _("Khác nhau ở {kind} {where}: hồ sơ giữ lại “{a}”, hồ sơ trùng “{b}”.").format(
        kind=ref.kind, where=where, a=shown(mine), b=shown(theirs)).replace("  ", " ")


def _locked_marks(session: Session, model, rows: list, class_names: dict, subject_names: dict) -> list[str]:
    """Marks of the duplicate in a book locked now: moving them is a change of the book (Điều 11.2)."""
    found, seen = [], set()
    classes = {}
    for row in rows:
        subject_id = getattr(row, "subject_id", None)
        group = (row.class_id, subject_id, row.milestone)
        if group in seen:
            continue
        seen.add(group)
        school_class = classes.get(row.class_id) or classes.setdefault(row.class_id,
                                                                       session.get(SchoolClass, row.class_id))
        lock = active_lock(session, school_class, subject_id, row.milestone)
        if lock is not None and lock.locked:
            what = subject_names.get(subject_id, "") if subject_id else _("phẩm chất, năng lực")
            found.append(_("Hồ sơ trùng có điểm trong sổ đã khóa ({what} {m}, lớp {cls}): muốn gộp, Hiệu trưởng mở "
                           "khóa sổ (ghi lí do) rồi gộp, hoặc sửa bằng biên bản sửa điểm (Điều 11.2).").format(
                what=what, m=row.milestone, cls=class_names.get(row.class_id, "")))
    return found


def _closed_months(session: Session, rows: list[AttendanceMark], class_names: dict) -> list[str]:
    months = {(r.class_id, f"{r.day:%Y-%m}") for r in rows if r.class_id is not None}
    if not months:
        return []
    closed = session.execute(select(MonthSheet.class_id, MonthSheet.month).where(
        MonthSheet.class_id.in_({c for c, _m in months}), MonthSheet.deleted.is_(False),
        MonthSheet.state != "open")).all()
    return [_("Hồ sơ trùng có điểm danh trong tháng {m} lớp {cls} đã chốt: muốn gộp, Hiệu trưởng mở lại tháng "
              "đó trước.").format(m=f"{month[5:]}/{month[:4]}", cls=class_names.get(class_id, ""))
            for class_id, month in sorted(set(closed) & months, key=lambda cm: cm[1])]


def _plan_fields(keep: Pupil, duplicate: Pupil, plan: MergePlan) -> None:
    if keep.full_name != duplicate.full_name:
        plan.differences.append((_("Họ và tên"), keep.full_name, duplicate.full_name))
    for key in ("date_of_birth", "gender"):
        if getattr(keep, key) != getattr(duplicate, key):
            plan.differences.append((_field_label(key), _shown(getattr(keep, key)), _shown(getattr(duplicate, key))))
    for key in _FILLABLE:
        mine, theirs = getattr(keep, key), getattr(duplicate, key)
        if _is_empty(theirs) or mine == theirs:
            continue
        label = _field_label(key)
        if _is_empty(mine) and key == "personal_id":
            try:  # the ID encodes gender and birth year: it must fit the kept record
                pupil_service.check_personal_id(theirs, gender=keep.gender, date_of_birth=keep.date_of_birth)
            except ValidationError:
                plan.differences.append((label, "—", _("{v} (không khớp giới tính, năm sinh)").format(v=theirs)))
                continue
        if _is_empty(mine):
            plan.filled.append(label)
            plan.fill_keys.append(key)
        elif key == "photo":
            plan.differences.append((label, _("ảnh hồ sơ giữ lại"), _("ảnh hồ sơ trùng")))
        else:
            plan.differences.append((label, _shown(mine), _shown(theirs)))
    if duplicate.notes and not keep.notes:
        plan.filled.append(_field_label("notes"))


def _load_pair(session: Session, keep_id: uuid.UUID, duplicate_id: uuid.UUID) -> tuple[Pupil, Pupil]:
    if keep_id == duplicate_id:
        raise ValidationError(_("Hãy chọn hai hồ sơ khác nhau."))
    keep, duplicate = session.get(Pupil, keep_id), session.get(Pupil, duplicate_id)
    if keep is None or duplicate is None:
        raise NotFound(_("Không tìm thấy học sinh."))
    if keep.deleted:
        raise ValidationError(_("Hồ sơ {name} đã bị xóa hoặc đã gộp; hãy giữ lại hồ sơ còn dùng.").format(
            name=keep.full_name))
    return keep, duplicate


def merge_plan(db: Database, actor: Actor, keep_id: uuid.UUID, duplicate_id: uuid.UUID) -> MergePlan:
    """What ``merge_pupils`` would do, without doing it (for the confirmation)."""
    with db.read() as session:
        _require_school_wide(session, actor)
        keep, duplicate = _load_pair(session, keep_id, duplicate_id)
        sides = _sides(session, {keep.id, duplicate.id}, None)
        return _plan(session, keep, duplicate, sides)[0]


def merge_pupils(db: Database, actor: Actor, keep_id: uuid.UUID, duplicate_id: uuid.UUID) -> MergePlan:
    """Merge the record *duplicate_id* into *keep_id* in one transaction (see the module's docstring).

    Refused, with nothing changed, when a row of the duplicate clashes with a different value, or lies in
    a locked book or closed month.  Accepts a duplicate merged before (moves what arrived for it since).
    """
    with db.write(actor) as session:
        _require_school_wide(session, actor)
        keep, duplicate = _load_pair(session, keep_id, duplicate_id)
        sides = _sides(session, {keep.id, duplicate.id}, None)
        plan, changes = _plan(session, keep, duplicate, sides)
        if plan.clashes:
            more = len(plan.clashes) - _MAX_NAMED
            raise ValidationError(
                _("Không gộp được: hai hồ sơ có dữ liệu khác nhau cho cùng một việc; hãy sửa cho khớp rồi gộp "
                  "lại.") + " " + " ".join(plan.clashes[:_MAX_NAMED])
                + (" " + _("(và {n} chỗ khác nữa)").format(n=more) if more > 0 else ""), field="duplicate")
        if plan.locked:
            raise Locked(_("Không gộp được.") + " " + " ".join(plan.locked[:_MAX_NAMED]))
        for row, action in changes:
            if action == "move":
                row.pupil_id = keep.id
            else:
                row.deleted = True
        if not duplicate.deleted:
            for key in plan.fill_keys:
                setattr(keep, key, getattr(duplicate, key))
            old_notes = duplicate.notes or ""
            if old_notes and not keep.notes:
                keep.notes = old_notes
            note = MERGED_NOTE.format(name=keep.full_name, date=format_date(today()))
            duplicate.notes = note + (f"\n{old_notes}" if old_notes else "")
            duplicate.deleted = True
        elif not changes:
            raise ValidationError(_("Hồ sơ {name} đã được gộp và không còn dữ liệu nào cần chuyển.").format(
                name=duplicate.full_name))
        return plan


def mark_not_duplicate(db: Database, actor: Actor, a_id: uuid.UUID, b_id: uuid.UUID, reason: str) -> uuid.UUID:
    """Record that two records are two different children; every PC stops listing the pair."""
    reason = nfc(reason) or ""
    if not reason:
        raise ValidationError(_("Hãy ghi lí do (ví dụ: hai anh em sinh đôi, khác cha mẹ)."), field="reason")
    first_id, second_id = _ordered(a_id, b_id)
    with db.write(actor) as session:
        _require_school_wide(session, actor)
        if first_id == second_id:
            raise ValidationError(_("Hãy chọn hai hồ sơ khác nhau."))
        first, second = session.get(Pupil, first_id), session.get(Pupil, second_id)
        if first is None or second is None:
            raise NotFound(_("Không tìm thấy học sinh."))
        existing = session.scalar(select(PupilNotDuplicate).where(
            PupilNotDuplicate.first_id == first_id, PupilNotDuplicate.second_id == second_id,
            PupilNotDuplicate.deleted.is_(False)))
        if existing is not None:
            return existing.id
        record = PupilNotDuplicate(first_id=first_id, second_id=second_id, reason=reason)
        record.label_for_audit = _("{a} và {b} là hai học sinh khác nhau").format(a=first.full_name, b=second.full_name)
        session.add(record)
        session.flush()
        return record.id
