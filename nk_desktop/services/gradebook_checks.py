"""The vice-principal's monthly check of each class's gradebook (regulation 39/QC-THNK Điều 4.1).

"Hàng tháng phải kiểm tra, quản lý sổ điểm và ghi nhận xét vào cuối sổ. Chú ý những thay đổi về
sĩ số lớp, việc vào điểm của giáo viên."

* ``record_check``: the vice-principal (or the principal) records the month's check of a class with
  a remark; it is printed at the end of the class's Sổ gọi tên và ghi điểm.  One check per class ×
  month: saving the same class × month again *edits* that check (remark, date and checker replaced
  through ``db.write``, so the audit log keeps the old remark) — the vice-principal corrects a remark
  rather than writing a second one for the same month;
* ``month_board`` / ``unchecked_classes``: every class of the year with its check of the month, or
  only the classes not yet checked;
* ``checks_for_class``: a class's checks (of some months), for the screen and the book;
* ``month_facts``: what the remark should look at — the class size at the start and end of the
  month, arrivals and leavers, marks entered and changed that month by whom, corrections applied.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from typing import Iterable

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from nk_desktop.actor import Actor
from nk_desktop.clock import SCHOOL_TZ, today
from nk_desktop.db import Database
from nk_desktop.errors import ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.gradebook import CorrectionRequest, GradebookCheck
from nk_desktop.models.journal import AuditEntry
from nk_desktop.models.pupils import Enrolment, Pupil
from nk_desktop.models.school import SchoolClass, SchoolYear, Term
from nk_desktop.models.staff import StaffMember
from nk_desktop.services.common import get_live
from nk_desktop.services.permissions import Action, require
from nk_desktop.services.pupils import END_REASONS, START_REASONS
from nk_desktop.text import join_name, nfc

MAX_REMARK = 2000
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_UTC_OFFSET = SCHOOL_TZ.utcoffset(None)
_RESULT_TABLES = ("subject_result", "trait_result")


@dataclasses.dataclass(frozen=True)
class CheckRow:
    id: uuid.UUID
    class_id: uuid.UUID
    month: str            # "2026-11"
    checked_on: dt.date
    checker_name: str
    remark: str


@dataclasses.dataclass(frozen=True)
class BoardRow:
    """A class of the year and its check of the month (``check`` None: not yet checked)."""

    class_id: uuid.UUID
    class_name: str
    grade: int
    homeroom_name: str
    check: CheckRow | None


@dataclasses.dataclass(frozen=True)
class PupilMove:
    name: str
    day: dt.date
    reason: str


@dataclasses.dataclass(frozen=True)
class EntryCount:
    """Marks (subject results) or traits written by one person in the month."""

    person: str
    what: str             # "Kết quả môn học" | "Phẩm chất, năng lực"
    entered: int          # rows created
    changed: int          # rows changed afterwards


@dataclasses.dataclass(frozen=True)
class MonthFacts:
    class_name: str
    month: str
    first_day: dt.date
    last_day: dt.date
    size_start: int
    size_end: int
    arrivals: list[PupilMove]
    leavers: list[PupilMove]
    entries: list[EntryCount]
    corrections: int      # corrections applied in the month (Điều 11.2)

    def lines(self) -> list[str]:
        """The facts as sentences for the dialog beside the remark box."""
        out = [_("Sĩ số ngày {a:%d/%m}: {n}; ngày {b:%d/%m}: {m}.").format(
            a=self.first_day, n=self.size_start, b=self.last_day, m=self.size_end)]
        for title, moves in ((_("Đến lớp"), self.arrivals), (_("Rời lớp"), self.leavers)):
            if moves:
                out.append(f"{title}: " + "; ".join(
                    f"{m.name} ({m.day:%d/%m}, {m.reason})" for m in moves) + ".")
            else:
                out.append(_("{t}: không có.").format(t=title))
        if self.entries:
            out.append(_("Vào điểm trong tháng:"))
            out.extend(_("  • {p} — {w}: nhập {e}, sửa {c}.").format(p=e.person, w=e.what.lower(), e=e.entered,
                                                                    c=e.changed) for e in self.entries)
        else:
            out.append(_("Không có ai vào điểm trong tháng."))
        out.append(_("Sửa điểm theo biên bản đã duyệt: {n}.").format(n=self.corrections))
        return out


# --- months ------------------------------------------------------------------------------------------

def parse_month(text: str) -> tuple[str, dt.date, dt.date]:
    """"2026-11" → ("2026-11", first day, last day); a Vietnamese error otherwise."""
    match = _MONTH.match((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationError(_("Tháng phải có dạng năm-tháng, ví dụ 2026-11."), field="month")
    year, month = int(match.group(1)), int(match.group(2))
    first = dt.date(year, month, 1)
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return f"{year:04d}-{month:02d}", first, last


def months_between(start: dt.date, end: dt.date) -> list[str]:
    """Every month touched by [start, end], in order ("2026-09", …)."""
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def month_name(month: str) -> str:
    """"2026-11" → "11/2026"."""
    return f"{month[5:]}/{month[:4]}"


def _utc_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()) - _UTC_OFFSET


def _check_month(year: SchoolYear, month: str, first: dt.date) -> None:
    if month not in months_between(year.start_date, year.end_date):
        raise ValidationError(_("Tháng {m} không thuộc năm học {y}.").format(m=month_name(month), y=year.name),
                              field="month")
    if first > today():
        raise ValidationError(_("Tháng {m} chưa đến: chưa thể kiểm tra sổ điểm.").format(m=month_name(month)),
                              field="month")


def _checker_name(session: Session, actor: Actor) -> str:
    staff = session.get(StaffMember, actor.staff_id) if actor.staff_id else None
    return staff.full_name if staff is not None else actor.display_name


def _row(check: GradebookCheck) -> CheckRow:
    return CheckRow(check.id, check.class_id, check.month, check.checked_on, check.checker_name, check.remark)


# --- writing -----------------------------------------------------------------------------------------

def record_check(db: Database, actor: Actor, class_id: uuid.UUID, month: str, remark: str, *,
                 on: dt.date | None = None) -> uuid.UUID:
    """Record (or edit) the month's check of a class's gradebook with its remark; returns the check's id.

    The vice-principal or the principal.  Refused with nothing changed: a month outside the class's
    school year or not yet begun, a check dated in the future or before the month, an empty remark.
    A second save of the same class × month edits the existing check (audited old → new).
    """
    month, first, _last = parse_month(month)
    day = on or today()
    text = (nfc(remark) or "").strip()
    with db.write(actor) as session:
        require(session, actor, Action.GRADEBOOK_CHECK)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        year = get_live(session, SchoolYear, school_class.year_id, _("năm học"))
        _check_month(year, month, first)
        if day > today():
            raise ValidationError(_("Ngày kiểm tra không được sau hôm nay."), field="on")
        if day < first:
            raise ValidationError(_("Ngày kiểm tra {d:%d/%m/%Y} ở trước tháng {m}.").format(
                d=day, m=month_name(month)), field="on")
        if not text:
            raise ValidationError(_("Hãy ghi nhận xét về sổ điểm của lớp."), field="remark")
        if len(text) > MAX_REMARK:
            raise ValidationError(_("Nhận xét dài quá {n} kí tự.").format(n=MAX_REMARK), field="remark")
        checker = _checker_name(session, actor)
        check = session.scalar(select(GradebookCheck).where(
            GradebookCheck.class_id == class_id, GradebookCheck.month == month, GradebookCheck.deleted.is_(False)))
        if check is None:
            check = GradebookCheck(year_id=year.id, class_id=class_id, month=month)
            session.add(check)
        check.label_for_audit = _("kiểm tra sổ điểm lớp {c} tháng {m}").format(
            c=school_class.name, m=month_name(month))
        check.checked_on, check.remark = day, text
        check.checker_id, check.checker_name = actor.account_id, checker
        session.flush()
        return check.id


# --- reading -----------------------------------------------------------------------------------------

def class_checks(session: Session, class_id: uuid.UUID, months: Iterable[str] | None = None) -> list[CheckRow]:
    """A class's live checks, oldest month first (one query; no permission check: for services)."""
    query = select(GradebookCheck).where(GradebookCheck.class_id == class_id, GradebookCheck.deleted.is_(False))
    if months is not None:
        query = query.where(GradebookCheck.month.in_(list(months)))
    return [_row(c) for c in session.scalars(query.order_by(GradebookCheck.month))]


def term_months(term: Term) -> list[str]:
    return months_between(term.start_date, term.end_date)


def checks_for_class(db: Database, actor: Actor, class_id: uuid.UUID, *, months: Iterable[str] | None = None,
                     term: int | None = None) -> list[CheckRow]:
    """A class's checks (all, some months, or a term's): whoever may see the class's marks."""
    with db.read() as session:
        require(session, actor, Action.MARKS_VIEW, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        if term is not None:
            row = session.scalar(select(Term).where(Term.year_id == school_class.year_id, Term.number == term,
                                                    Term.deleted.is_(False)))
            if row is None:
                raise ValidationError(_("Năm học không có học kì {n}.").format(n=term), field="term")
            months = term_months(row) if months is None else [m for m in months if m in term_months(row)]
        return class_checks(session, class_id, months)


def month_board(db: Database, actor: Actor, year_id: uuid.UUID, month: str) -> list[BoardRow]:
    """Every class of the year with its check of *month* (None: not yet checked), in grade and name order."""
    month, _first, _last = parse_month(month)
    with db.read() as session:
        require(session, actor, Action.GRADEBOOK_CHECK)
        get_live(session, SchoolYear, year_id, _("năm học"))
        rows = session.execute(
            select(SchoolClass.id, SchoolClass.name, SchoolClass.grade, StaffMember.family_name,
                   StaffMember.middle_name, StaffMember.given_name, GradebookCheck)
            .outerjoin(StaffMember, StaffMember.id == SchoolClass.homeroom_id)
            .outerjoin(GradebookCheck, and_(GradebookCheck.class_id == SchoolClass.id, GradebookCheck.month == month,
                                            GradebookCheck.deleted.is_(False)))
            .where(SchoolClass.year_id == year_id, SchoolClass.deleted.is_(False))).all()
        board = [BoardRow(cid, name, grade, join_name(family, middle, given),
                          _row(check) if check is not None else None)
                 for cid, name, grade, family, middle, given, check in rows]
    board.sort(key=lambda r: (r.grade, r.class_name))
    return board


def unchecked_classes(db: Database, actor: Actor, year_id: uuid.UUID, month: str) -> list[BoardRow]:
    """The classes whose gradebook has no check for *month* yet."""
    return [row for row in month_board(db, actor, year_id, month) if row.check is None]


def month_facts(db: Database, actor: Actor, class_id: uuid.UUID, month: str) -> MonthFacts:
    """What happened in the class that month: sizes, arrivals and leavers, who entered marks, corrections.

    The class size is counted on the first day of the month and on its last day (or today, or the
    year's last day, whichever comes first); the marks come from the audit log in one query.
    """
    month, first, last = parse_month(month)
    with db.read() as session:
        require(session, actor, Action.GRADEBOOK_CHECK)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        year = get_live(session, SchoolYear, school_class.year_id, _("năm học"))
        start_day = max(first, year.start_date)
        end_day = min(last, today(), year.end_date)
        stays = session.execute(
            select(Enrolment.start_date, Enrolment.start_reason, Enrolment.end_date, Enrolment.end_reason,
                   Pupil.family_name, Pupil.middle_name, Pupil.given_name)
            .join(Pupil, Pupil.id == Enrolment.pupil_id)
            .where(Enrolment.class_id == class_id, Enrolment.deleted.is_(False), Enrolment.start_date <= last,
                   or_(Enrolment.end_date.is_(None), Enrolment.end_date >= first))).all()
        counts = session.execute(
            select(AuditEntry.actor_name, AuditEntry.table_name, AuditEntry.kind, func.count())
            .where(AuditEntry.class_id == class_id, AuditEntry.table_name.in_(_RESULT_TABLES),
                   AuditEntry.actor_id.is_not(None), AuditEntry.at >= _utc_start(first),
                   AuditEntry.at < _utc_start(last + dt.timedelta(days=1)))
            .group_by(AuditEntry.actor_name, AuditEntry.table_name, AuditEntry.kind)).all()
        corrections = session.scalar(
            select(func.count(CorrectionRequest.id)).where(
                CorrectionRequest.class_id == class_id, CorrectionRequest.deleted.is_(False),
                CorrectionRequest.applied_at >= _utc_start(first),
                CorrectionRequest.applied_at < _utc_start(last + dt.timedelta(days=1)))) or 0

    def covers(start: dt.date, end: dt.date | None, day: dt.date) -> bool:
        return start <= day and (end is None or end > day)

    arrivals, leavers = [], []
    size_start = size_end = 0
    for start, start_reason, end, end_reason, family, middle, given in stays:
        name = join_name(family, middle, given)
        size_start += covers(start, end, start_day)
        size_end += covers(start, end, end_day)
        if first <= start <= last and start > year.start_date:
            arrivals.append(PupilMove(name, start, START_REASONS.get(start_reason, start_reason)))
        if end is not None and first <= end <= last and end_reason != "het_nam":
            leavers.append(PupilMove(name, end, END_REASONS.get(end_reason, end_reason)))
    what = {"subject_result": _("Kết quả môn học"), "trait_result": _("Phẩm chất, năng lực")}
    tally: dict[tuple[str, str], list[int]] = {}
    for person, table, kind, n in counts:
        cell = tally.setdefault((person, table), [0, 0])
        cell[0 if kind == "ins" else 1] += n
    entries = [EntryCount(person, what[table], e, c) for (person, table), (e, c) in sorted(tally.items())]
    return MonthFacts(school_class.name, month, start_day, end_day, size_start, size_end,
                      sorted(arrivals, key=lambda m: m.day), sorted(leavers, key=lambda m: m.day), entries,
                      corrections)


def check_months(db: Database, actor: Actor, year_id: uuid.UUID) -> list[str]:
    """The months of the year that may be checked (begun by today), oldest first: for the month picker."""
    with db.read() as session:
        require(session, actor, Action.GRADEBOOK_CHECK)
        year = get_live(session, SchoolYear, year_id, _("năm học"))
        start, end = year.start_date, year.end_date
    now = today()
    return [m for m in months_between(start, end) if parse_month(m)[1] <= now]
