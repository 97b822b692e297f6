"""Data for the printed books, built with one query per kind; printing/ lays it out and never queries."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.i18n import _
from nk_desktop.models.gradebook import SubjectResult, TraitResult, YearResult
from nk_desktop.models.school import SchoolClass, SchoolYear
from nk_desktop.models.staff import StaffMember
from nk_desktop.printing.base import SchoolHeader
from nk_desktop.printing.tong_hop import ClassSummary, SubjectColumn, SummaryRow
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services.common import get_live
from nk_desktop.services.gradebook import enrolled_pupils
from nk_desktop.services.permissions import Action, allows, require
from nk_desktop.services.school import grade_subjects, school_profile


def school_header(session: Session, year: SchoolYear) -> SchoolHeader:
    """The header of that year's documents: the body the school reported to then, the school, the place."""
    school = school_profile(session)
    return SchoolHeader(governing_body=year.governing_body or "", school_name=school.name,
                        place_name=school.place_name or "")


def principal_name(session: Session) -> str:
    school = school_profile(session)
    if school is None or school.principal_id is None:
        return ""
    staff = session.get(StaffMember, school.principal_id)
    return staff.full_name if staff else ""


def class_summary(db: Database, actor: Actor, class_id: uuid.UUID, milestone: str, *,
                  sign_date: dt.date | None = None) -> ClassSummary:
    """Bảng tổng hợp of a class at a milestone (pupils in the class at the milestone's end)."""
    milestone = rules.parse_milestone(milestone)
    with db.read() as session:
        if not allows(session, actor, Action.BOOKS_PRINT, class_id=class_id):
            require(session, actor, Action.MARKS_VIEW, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        year = session.get(SchoolYear, school_class.year_id)
        subjects = grade_subjects(session, year.id, school_class.grade)
        columns = [SubjectColumn(s.code, s.name, milestone in e.tested_milestones.split(",")) for s, e in subjects]
        code_of = {s.id: s.code for s, _e in subjects}
        pupils = enrolled_pupils(session, school_class, min(dt.date.today(), year.end_date)
                                 if milestone != "CN" else year.end_date)
        levels: dict[uuid.UUID, dict[str, str]] = {}
        scores: dict[uuid.UUID, dict[str, str]] = {}
        for row in session.scalars(select(SubjectResult).where(
                SubjectResult.class_id == class_id, SubjectResult.milestone == milestone,
                SubjectResult.deleted.is_(False))):
            code = code_of.get(row.subject_id)
            if code is None:
                continue
            if row.level:
                levels.setdefault(row.pupil_id, {})[code] = rules.SUBJECT_LETTERS[row.level]
            if row.score is not None:
                scores.setdefault(row.pupil_id, {})[code] = str(row.score)
        trait_order = {code: n for n, (code, _name) in enumerate(rules.TRAITS)}
        traits: dict[uuid.UUID, list[str]] = {}
        for row in session.scalars(select(TraitResult).where(
                TraitResult.class_id == class_id, TraitResult.milestone == milestone,
                TraitResult.deleted.is_(False))):
            if row.level and row.trait in trait_order:
                traits.setdefault(row.pupil_id, [""] * 15)[trait_order[row.trait]] = rules.TRAIT_LETTERS[row.level]
        year_results = {}
        if milestone == "CN":
            year_results = {r.pupil_id: r for r in session.scalars(select(YearResult).where(
                YearResult.class_id == class_id, YearResult.deleted.is_(False)))}
        rows = []
        for number, pupil in enumerate(pupils, start=1):
            result = year_results.get(pupil.id)
            completion = ""
            if result is not None and result.completed:
                completion = "HT CTTH" if school_class.grade == 5 else "HT CTLH"
            rows.append(SummaryRow(
                number=number, full_name=pupil.full_name, levels=levels.get(pupil.id, {}),
                scores=scores.get(pupil.id, {}), traits=traits.get(pupil.id, [""] * 15),
                overall=result.overall if result else "",
                award=rules.AWARDS.get(result.award, "") if result else "",
                completion=completion))
        homeroom = session.get(StaffMember, school_class.homeroom_id) if school_class.homeroom_id else None
        return ClassSummary(
            header=school_header(session, year), year_name=year.name, class_name=school_class.name,
            milestone=milestone, milestone_name=rules.MILESTONE_NAMES[milestone], subjects=columns, rows=rows,
            homeroom_name=homeroom.full_name if homeroom else "", principal_name=principal_name(session),
            sign_date=sign_date)


def correction_minutes(db: Database, actor: Actor, request_id: uuid.UUID):
    """The minutes of a correction request, for the principal, the admin and the teacher to sign."""
    from nk_desktop.models.accounts import Account
    from nk_desktop.models.gradebook import CorrectionRequest, Evidence
    from nk_desktop.models.pupils import Pupil
    from nk_desktop.models.school import Subject
    from nk_desktop.printing.bien_ban import CorrectionMinutes
    from nk_desktop.services.corrections import EVIDENCE_KINDS, RELATED_BOOKS
    from nk_desktop.errors import PermissionDenied

    with db.read() as session:
        request = get_live(session, CorrectionRequest, request_id, _("biên bản sửa điểm"))
        try:
            require(session, actor, Action.CORRECTION_DECIDE)
        except PermissionDenied:
            try:
                require(session, actor, Action.CORRECTION_APPLY)
            except PermissionDenied:
                if request.requested_by != actor.account_id:
                    raise
        school_class = session.get(SchoolClass, request.class_id)
        year = session.get(SchoolYear, school_class.year_id)
        pupil = session.get(Pupil, request.pupil_id)
        topic = session.get(Subject, request.subject_id).name if request.subject_id else rules.TRAIT_NAMES.get(
            request.trait, request.trait)

        def person(account_id) -> str:
            account = session.get(Account, account_id) if account_id else None
            if account is None:
                return ""
            staff = session.get(StaffMember, account.staff_id) if account.staff_id else None
            return staff.full_name if staff else account.username

        def shown(value: str) -> str:
            if request.field == "level":
                return (rules.SUBJECT_LEVELS.get(value) or rules.TRAIT_LEVELS.get(value) or value)
            return value

        evidence = [f"{EVIDENCE_KINDS.get(e.kind, e.kind)}: {e.filename}" for e in session.scalars(
            select(Evidence).where(Evidence.request_id == request.id, Evidence.deleted.is_(False))
            .order_by(Evidence.kind, Evidence.filename))]
        columns = {"level": _("Mức đạt được"), "score": _("Điểm kiểm tra định kì"), "comment": _("Nhận xét")}
        return CorrectionMinutes(
            header=school_header(session, year), year_name=year.name, class_name=school_class.name,
            pupil_name=pupil.full_name, date_of_birth=pupil.date_of_birth, topic=topic,
            column=columns[request.field], milestone_name=rules.MILESTONE_NAMES[request.milestone],
            old_value=shown(request.old_value), new_value=shown(request.new_value), reason=request.reason,
            evidence=evidence, teacher_name=person(request.requested_by), admin_name=person(request.applied_by),
            principal_name=principal_name(session) or person(request.decided_by),
            requested_on=request.created_at.date(), decided_on=request.decided_at.date() if request.decided_at else None,
            remark=request.remark, applied_on=request.applied_at.date() if request.applied_at else None,
            related_books=list(RELATED_BOOKS) if request.after_final else [])


# --- the other books (issue 6): class list, term book, học bạ, personal mark book, notices ------------

def _day_in(start: dt.date, end: dt.date, on: dt.date | None) -> dt.date:
    from nk_desktop.clock import today

    return min(max(on or today(), start), end)


def _homeroom_name(session: Session, school_class: SchoolClass) -> str:
    homeroom = session.get(StaffMember, school_class.homeroom_id) if school_class.homeroom_id else None
    return homeroom.full_name if homeroom else ""


def _roster_rows(session: Session, school_class: SchoolClass, pupils) -> list:
    """Class-list lines of *pupils* (official order): a transfer in shows in the note."""
    from nk_desktop.models.pupils import Enrolment
    from nk_desktop.printing.danh_sach_lop import RosterRow
    from nk_desktop.services.pupils import START_REASONS

    ids = [p.id for p in pupils]
    stays = {}
    if ids:
        for stay in session.scalars(select(Enrolment).where(
                Enrolment.class_id == school_class.id, Enrolment.pupil_id.in_(ids), Enrolment.deleted.is_(False))
                .order_by(Enrolment.start_date)):
            stays[stay.pupil_id] = stay
    rows = []
    for number, pupil in enumerate(pupils, start=1):
        stay = stays.get(pupil.id)
        note = ""
        if stay is not None and stay.start_reason != "dau_nam":
            note = f"{START_REASONS.get(stay.start_reason, stay.start_reason)} {stay.start_date:%d/%m/%Y}"
        rows.append(RosterRow(number, pupil.full_name, pupil.date_of_birth, pupil.gender, pupil.ethnicity,
                              pupil.personal_id or pupil.moet_code, note))
    return rows


def class_roster(db: Database, actor: Actor, class_id: uuid.UUID, *, on: dt.date | None = None,
                 sign_date: dt.date | None = None):
    """Danh sách học sinh of a class on *on* (default today, within the year), official order."""
    from nk_desktop.printing.danh_sach_lop import ClassRoster

    with db.read() as session:
        require(session, actor, Action.BOOKS_PRINT, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        year = session.get(SchoolYear, school_class.year_id)
        day = _day_in(year.start_date, year.end_date, on)
        pupils = enrolled_pupils(session, school_class, day)
        return ClassRoster(header=school_header(session, year), year_name=year.name, class_name=school_class.name,
                           on=day, rows=_roster_rows(session, school_class, pupils),
                           homeroom_name=_homeroom_name(session, school_class),
                           principal_name=principal_name(session), sign_date=sign_date)


def _term(session: Session, year: SchoolYear, number: int):
    from nk_desktop.errors import NotFound
    from nk_desktop.models.school import Term

    term = session.scalar(select(Term).where(Term.year_id == year.id, Term.number == number,
                                             Term.deleted.is_(False)))
    if term is None:
        raise NotFound(_("Năm học {y} chưa có học kì {n}.").format(y=year.name, n=number))
    return term


def term_of_month(db: Database, actor: Actor, class_id: uuid.UUID, month: str) -> int:
    """The term (1 or 2) a month of the class's year belongs to (by its first day, else its last)."""
    from nk_desktop.models.school import Term
    from nk_desktop.services.attendance import parse_month

    year_no, month_no = parse_month(month)
    first = dt.date(year_no, month_no, 1)
    with db.read() as session:
        require(session, actor, Action.BOOKS_PRINT, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        terms = session.scalars(select(Term).where(Term.year_id == school_class.year_id,
                                                   Term.deleted.is_(False)).order_by(Term.number)).all()
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    for day in (first, last):
        for term in terms:
            if term.start_date <= day <= term.end_date:
                return term.number
    return 1


def _months(first: dt.date, last: dt.date) -> list[str]:
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(f"{day.year:04d}-{day.month:02d}")
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def _roll_sheet(view):
    from nk_desktop.printing.so_goi_ten_ghi_diem import RollLine, RollSheet

    return RollSheet(month=view.month, days=list(view.days), day_off=dict(view.day_off), rows=[
        RollLine(row.number, row.full_name, dict(row.cells), row.month.excused, row.month.unexcused, row.month.late,
                 row.note) for row in view.rows])


def term_book(db: Database, actor: Actor, class_id: uuid.UUID, term: int, *, paper: str = "A4",
              months: list[str] | None = None, scores: bool = True, sign_date: dt.date | None = None):
    """Sổ gọi tên và ghi điểm of a class for a term: every month of the term (or *months*) and the score pages.

    ``scores=False`` leaves out the pupil list, score and trait pages (the monthly roll sheets alone).
    """
    from nk_desktop.models.school import TeachingAssignment
    from nk_desktop.printing.sections import check_paper
    from nk_desktop.printing.so_goi_ten_ghi_diem import TERM_MILESTONES, ScoreLine, ScorePage, TermBook, TraitPage
    from nk_desktop.printing.so_goi_ten_ghi_diem import CheckLine
    from nk_desktop.services.attendance import month_view
    from nk_desktop.services.gradebook_checks import class_checks

    if term not in (1, 2):
        from nk_desktop.errors import ValidationError

        raise ValidationError(_("Học kì phải là 1 hoặc 2."), field="term")
    paper = check_paper(paper)
    milestones = TERM_MILESTONES[term]
    with db.read() as session:
        require(session, actor, Action.BOOKS_PRINT, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        year = session.get(SchoolYear, school_class.year_id)
        term_row = _term(session, year, term)
        pupils = enrolled_pupils(session, school_class, term_row.end_date)
        roster = _roster_rows(session, school_class, pupils)
        score_pages, trait_pages = [], []
        if scores:
            subjects = grade_subjects(session, year.id, school_class.grade)
            teachers: dict[uuid.UUID, list[str]] = {}
            for assignment, staff in session.execute(
                    select(TeachingAssignment, StaffMember).join(StaffMember,
                                                                 StaffMember.id == TeachingAssignment.staff_id)
                    .where(TeachingAssignment.class_id == class_id, TeachingAssignment.deleted.is_(False))):
                teachers.setdefault(assignment.subject_id, []).append(staff.full_name)
            results: dict[tuple[uuid.UUID, uuid.UUID], dict[str, SubjectResult]] = {}
            for row in session.scalars(select(SubjectResult).where(
                    SubjectResult.class_id == class_id, SubjectResult.milestone.in_(milestones),
                    SubjectResult.deleted.is_(False))):
                results.setdefault((row.subject_id, row.pupil_id), {})[row.milestone] = row
            for subject, entry in subjects:
                tested = [m for m in milestones if m in entry.tested_milestones.split(",")]
                lines = []
                for number, pupil in enumerate(pupils, start=1):
                    found = results.get((subject.id, pupil.id), {})
                    lines.append(ScoreLine(
                        number, pupil.full_name,
                        {m: rules.SUBJECT_LETTERS[r.level] for m, r in found.items() if r.level},
                        {m: str(r.score) for m, r in found.items() if r.score is not None and m in tested},
                        {m: r.comment for m, r in found.items() if r.comment}))
                score_pages.append(ScorePage(subject.name, sorted(teachers.get(subject.id, [])), tested, lines))
            trait_order = {code: n for n, (code, _name) in enumerate(rules.TRAITS)}
            letters: dict[tuple[str, uuid.UUID], list[str]] = {}
            for row in session.scalars(select(TraitResult).where(
                    TraitResult.class_id == class_id, TraitResult.milestone.in_(milestones),
                    TraitResult.deleted.is_(False))):
                if row.level and row.trait in trait_order:
                    letters.setdefault((row.milestone, row.pupil_id), [""] * 15)[trait_order[row.trait]] = \
                        rules.TRAIT_LETTERS[row.level]
            trait_pages = [TraitPage(m, [(n, p.full_name, letters.get((m, p.id), [""] * 15))
                                         for n, p in enumerate(pupils, start=1)]) for m in milestones]
        header = school_header(session, year)
        homeroom = _homeroom_name(session, school_class)
        principal = principal_name(session)
        chosen = months if months is not None else _months(term_row.start_date, term_row.end_date)
        checks = [CheckLine(c.month, c.checked_on, c.checker_name, c.remark)  # Điều 4.1, the book's last page
                  for c in class_checks(session, class_id, _months(term_row.start_date, term_row.end_date))]
        year_name, class_name = year.name, school_class.name
    sheets = [_roll_sheet(month_view(db, actor, class_id, month)) for month in chosen]
    return TermBook(header=header, year_name=year_name, class_name=class_name, term=term, homeroom_name=homeroom,
                    principal_name=principal, milestone_names=dict(rules.MILESTONE_NAMES), pupils=roster,
                    months=sheets, score_pages=score_pages, trait_pages=trait_pages, paper=paper,
                    sign_date=sign_date, checks=checks)


def _completion(result: YearResult | None, grade: int) -> str:
    from nk_desktop.services.results import DECISIONS

    if result is None or result.completed is None:
        return ""
    if result.completed:
        return _("Hoàn thành chương trình tiểu học") if grade == 5 else _("Hoàn thành chương trình lớp học")
    text_ = _("Chưa hoàn thành chương trình lớp học")
    if result.decision:
        text_ += f"; {DECISIONS.get(result.decision, result.decision)}"
    return text_


def _overall(result: YearResult | None) -> str:
    if result is None or not result.overall:
        return ""
    shown = rules.OVERALL.get(result.overall, result.overall)
    if result.reassessment:
        when = f" ngày {result.reassessed_on:%d/%m/%Y}" if result.reassessed_on else ""
        shown += _(" (đánh giá bổ sung{when}: {r})").format(when=when, r=rules.OVERALL.get(result.reassessment,
                                                                                          result.reassessment))
    return shown


def hoc_ba(db: Database, actor: Actor, *, pupil_id: uuid.UUID | None = None,
           class_id: uuid.UUID | None = None, on: dt.date | None = None) -> list:
    """Học bạ of one pupil, or of every pupil of a class on *on* (official order): identity and each year here."""
    from nk_desktop.errors import ValidationError
    from nk_desktop.models.pupils import Enrolment, Pupil
    from nk_desktop.printing.hoc_ba import HocBa, PupilIdentity, StudyLine, SubjectLine, TraitLine, YearRecord
    from nk_desktop.services.pupils import START_REASONS

    if (pupil_id is None) == (class_id is None):
        raise ValidationError(_("Chọn một học sinh hoặc một lớp để in học bạ."))
    with db.read() as session:
        if class_id is not None:
            require(session, actor, Action.BOOKS_PRINT, class_id=class_id)
            school_class = get_live(session, SchoolClass, class_id, _("lớp"))
            year = session.get(SchoolYear, school_class.year_id)
            pupils = enrolled_pupils(session, school_class, _day_in(year.start_date, year.end_date, on))
            current = {p.id: school_class.name for p in pupils}
        else:
            pupil = get_live(session, Pupil, pupil_id, _("học sinh"))
            latest = session.scalars(select(Enrolment).where(
                Enrolment.pupil_id == pupil_id, Enrolment.deleted.is_(False))
                .order_by(Enrolment.start_date.desc())).first()
            if latest is None:
                raise ValidationError(_("Học sinh {name} chưa vào lớp nào.").format(name=pupil.full_name))
            require(session, actor, Action.BOOKS_PRINT, class_id=latest.class_id)
            pupils = [pupil]
            current = {pupil.id: session.get(SchoolClass, latest.class_id).name}
        ids = [p.id for p in pupils]
        if not ids:
            return []
        stays: dict[uuid.UUID, list[tuple[Enrolment, SchoolClass, SchoolYear]]] = {}
        for enrolment, stay_class, stay_year in session.execute(
                select(Enrolment, SchoolClass, SchoolYear)
                .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
                .join(SchoolYear, SchoolYear.id == SchoolClass.year_id)
                .where(Enrolment.pupil_id.in_(ids), Enrolment.deleted.is_(False))
                .order_by(Enrolment.start_date)):
            stays.setdefault(enrolment.pupil_id, []).append((enrolment, stay_class, stay_year))
        subject_rows: dict[tuple[uuid.UUID, uuid.UUID, uuid.UUID], SubjectResult] = {}
        for row in session.scalars(select(SubjectResult).where(
                SubjectResult.pupil_id.in_(ids), SubjectResult.milestone == "CN", SubjectResult.deleted.is_(False))):
            subject_rows[(row.pupil_id, row.class_id, row.subject_id)] = row
        trait_rows: dict[tuple[uuid.UUID, uuid.UUID, str], TraitResult] = {}
        for row in session.scalars(select(TraitResult).where(
                TraitResult.pupil_id.in_(ids), TraitResult.milestone == "CN", TraitResult.deleted.is_(False))):
            trait_rows[(row.pupil_id, row.class_id, row.trait)] = row
        year_rows = {(r.pupil_id, r.class_id): r for r in session.scalars(select(YearResult).where(
            YearResult.pupil_id.in_(ids), YearResult.deleted.is_(False)))}
        principal = principal_name(session)
        subjects_of: dict[tuple[uuid.UUID, int], list] = {}
        headers: dict[uuid.UUID, SchoolHeader] = {}
        homerooms: dict[uuid.UUID, str] = {}
        books = []
        for pupil in pupils:
            history, years = [], []
            by_year: dict[uuid.UUID, tuple[SchoolClass, SchoolYear]] = {}
            for enrolment, stay_class, stay_year in stays.get(pupil.id, []):
                note = START_REASONS.get(enrolment.start_reason, enrolment.start_reason)
                if enrolment.start_reason != "dau_nam":
                    note += f" {enrolment.start_date:%d/%m/%Y}"
                if enrolment.came_from:
                    note += f" ({enrolment.came_from})"
                history.append(StudyLine(stay_year.name, stay_class.name, "", note))
                by_year[stay_year.id] = (stay_class, stay_year)  # the last class of the year
            for stay_class, stay_year in sorted(by_year.values(), key=lambda cy: cy[1].start_date):
                if stay_year.id not in headers:
                    headers[stay_year.id] = school_header(session, stay_year)
                if stay_class.id not in homerooms:
                    homerooms[stay_class.id] = _homeroom_name(session, stay_class)
                key = (stay_year.id, stay_class.grade)
                if key not in subjects_of:
                    subjects_of[key] = grade_subjects(session, stay_year.id, stay_class.grade)

                def subject_line(subject, entry, pupil=pupil, stay_class=stay_class) -> SubjectLine:
                    found = subject_rows.get((pupil.id, stay_class.id, subject.id))
                    tested = "CN" in entry.tested_milestones.split(",")
                    return SubjectLine(subject.name, rules.SUBJECT_LETTERS.get(found.level, "") if found and found.level
                                       else "", str(found.score) if found and tested and found.score is not None
                                       else "", found.comment if found else "")

                def trait_lines(group, pupil=pupil, stay_class=stay_class) -> list[TraitLine]:
                    out = []
                    for code, name in group:
                        found = trait_rows.get((pupil.id, stay_class.id, code))
                        out.append(TraitLine(name, rules.TRAIT_LETTERS.get(found.level, "") if found and found.level
                                             else "", found.comment if found else ""))
                    return out

                result = year_rows.get((pupil.id, stay_class.id))
                years.append(YearRecord(
                    header=headers[stay_year.id], year_name=stay_year.name, class_name=stay_class.name,
                    grade=stay_class.grade, subjects=[subject_line(s, e) for s, e in subjects_of[key]],
                    qualities=trait_lines(rules.QUALITIES), general=trait_lines(rules.GENERAL_COMPETENCIES),
                    specific=trait_lines(rules.SPECIFIC_COMPETENCIES), overall=_overall(result),
                    award=rules.AWARDS.get(result.award, "") if result and result.award else "",
                    completion=_completion(result, stay_class.grade), homeroom_name=homerooms[stay_class.id],
                    principal_name=principal))
            header = years[-1].header  # every pupil here has a class, so at least one year
            history = [dataclasses.replace(line, school_name=header.school_name) for line in history]
            identity = PupilIdentity(
                full_name=pupil.full_name, gender=pupil.gender, date_of_birth=pupil.date_of_birth,
                ethnicity=pupil.ethnicity, nationality=_("Việt Nam"), birthplace=pupil.birthplace,
                hometown=pupil.permanent_address, current_address=pupil.current_address,
                father_name=pupil.father_name, mother_name=pupil.mother_name, moet_code=pupil.moet_code,
                personal_id=pupil.personal_id)
            books.append(HocBa(header=header, identity=identity, history=history, years=years,
                               principal_name=principal, current_class=current.get(pupil.id, "")))
        return books


def personal_book(db: Database, actor: Actor, staff_id: uuid.UUID, year_id: uuid.UUID, term: int, *,
                  class_id: uuid.UUID | None = None, on: dt.date | None = None):
    """A teacher's Sổ điểm cá nhân for a term: each class × subject assigned, pupils on *on* (within the term)."""
    from nk_desktop.models.school import Subject, TeachingAssignment
    from nk_desktop.printing.so_diem_ca_nhan import MarkBookSection, PersonalBook

    with db.read() as session:
        if staff_id != actor.staff_id:
            require(session, actor, Action.BOOKS_PRINT)  # another teacher's book: the office and leaders
        year = get_live(session, SchoolYear, year_id, _("năm học"))
        teacher = get_live(session, StaffMember, staff_id, _("giáo viên"))
        term_row = _term(session, year, term)
        day = _day_in(term_row.start_date, term_row.end_date, on)
        query = (select(TeachingAssignment, SchoolClass, Subject)
                 .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
                 .join(Subject, Subject.id == TeachingAssignment.subject_id)
                 .where(TeachingAssignment.staff_id == staff_id, TeachingAssignment.year_id == year_id,
                        TeachingAssignment.deleted.is_(False), SchoolClass.deleted.is_(False)))
        if class_id is not None:
            query = query.where(TeachingAssignment.class_id == class_id)
        assignments = sorted(session.execute(query).all(),
                             key=lambda acs: (acs[1].grade, len(acs[1].name), acs[1].name, acs[2].position))
        sections = []
        for _assignment, school_class, subject in assignments:
            require(session, actor, Action.BOOKS_PRINT, class_id=school_class.id)
            pupils = enrolled_pupils(session, school_class, day)
            sections.append(MarkBookSection(school_class.name, subject.name,
                                            [(n, p.full_name) for n, p in enumerate(pupils, start=1)]))
        return PersonalBook(header=school_header(session, year), year_name=year.name, term=term,
                            teacher_name=teacher.full_name, sections=sections)


def notice_sheet(db: Database, actor: Actor, class_id: uuid.UUID, first: dt.date, last: dt.date, *,
                 milestone: str | None = None, sign_date: dt.date | None = None):
    """The parents' notices of a class for a period, with the results at *milestone* when given."""
    from nk_desktop.printing.thong_bao import NoticeResult, NoticeSheet, ParentNotice
    from nk_desktop.services.attendance import parent_notices

    if milestone:
        milestone = rules.parse_milestone(milestone)
    with db.read() as session:
        require(session, actor, Action.BOOKS_PRINT, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        year = session.get(SchoolYear, school_class.year_id)
        results: dict[uuid.UUID, list[NoticeResult]] = {}
        if milestone:
            subjects = grade_subjects(session, year.id, school_class.grade)
            found = {(r.pupil_id, r.subject_id): r for r in session.scalars(select(SubjectResult).where(
                SubjectResult.class_id == class_id, SubjectResult.milestone == milestone,
                SubjectResult.deleted.is_(False)))}
            pupil_ids = {pupil_id for pupil_id, _s in found}
            for pupil_id in pupil_ids:
                lines = []
                for subject, entry in subjects:
                    row = found.get((pupil_id, subject.id))
                    tested = milestone in entry.tested_milestones.split(",")
                    lines.append(NoticeResult(
                        subject.name, rules.SUBJECT_LEVELS.get(row.level, "") if row and row.level else "",
                        str(row.score) if row and tested and row.score is not None else ""))
                results[pupil_id] = lines
        header = school_header(session, year)
        homeroom = _homeroom_name(session, school_class)
        year_name, class_name = year.name, school_class.name
    notices = parent_notices(db, actor, class_id, first, last)
    return NoticeSheet(
        header=header, year_name=year_name, class_name=class_name,
        period=_("từ {a:%d/%m} đến {b:%d/%m/%Y}").format(a=first, b=last),
        milestone_name=rules.MILESTONE_NAMES[milestone] if milestone else "", homeroom_name=homeroom,
        notices=[ParentNotice(n, notice.full_name, notice.parent_phone, notice.text, results.get(notice.pupil_id, []))
                 for n, notice in enumerate(notices, start=1)],
        sign_date=sign_date)


# --- the print log (Điều 12): what was printed, by whom, and the paper's way to the archive -----------

PRINT_KINDS = {
    "tong_hop": _("Bảng tổng hợp kết quả đánh giá giáo dục của lớp"),
    "hoc_ba": _("Học bạ"),
    "so_goi_ten_ghi_diem": _("Sổ gọi tên và ghi điểm"),
    "so_goi_ten_thang": _("Sổ gọi tên (tờ tháng)"),
    "so_diem_ca_nhan": _("Sổ điểm cá nhân"),
    "bien_ban": _("Biên bản sửa chữa điểm"),
    "danh_sach_lop": _("Danh sách học sinh"),
    "thong_bao": _("Thông báo gửi cha mẹ học sinh"),
}
PRINT_STATES = ("printed", "signed_teachers", "signed_principal", "archived")
PRINT_STATE_LABELS = {"printed": _("Đã in"), "signed_teachers": _("Giáo viên đã kí"),
                      "signed_principal": _("Hiệu trưởng đã kí"), "archived": _("Đã lưu trữ")}


def record_print(db: Database, actor: Actor, *, year_id: uuid.UUID, kind: str, pdf: bytes, title: str,
                 class_id: uuid.UUID | None = None, pupil_id: uuid.UUID | None = None,
                 staff_id: uuid.UUID | None = None, period: str = "",
                 bound_classes: Sequence[tuple[uuid.UUID, str]] = ()) -> uuid.UUID:
    """Log one print: the document, its pages and SHA-256 (a reprint can be compared), who and when.

    A bound file of several classes (``bound_classes``: (id, name) in the file's order) is logged once
    per class it covers, in one transaction, so each class's book shows in the principal's queue; the
    records share the file's digest and pages and say it is a bound file.  Returns the (first) record."""
    import hashlib

    from nk_desktop.clock import utcnow
    from nk_desktop.errors import ValidationError
    from nk_desktop.models.prints import PrintRecord
    from nk_desktop.printing.sections import page_count
    from nk_desktop.text import nfc

    if kind not in PRINT_KINDS:
        raise ValidationError(_("Không có loại sổ “{k}”.").format(k=kind), field="kind")
    with db.write(actor) as session:
        if class_id is not None or staff_id != actor.staff_id or staff_id is None:
            require(session, actor, Action.BOOKS_PRINT, class_id=class_id)
        get_live(session, SchoolYear, year_id, _("năm học"))
        pages, digest, now = page_count(pdf), hashlib.sha256(pdf).hexdigest(), utcnow()
        if not bound_classes:
            record = PrintRecord(year_id=year_id, kind=kind, class_id=class_id, pupil_id=pupil_id, staff_id=staff_id,
                                 period=period or "", title=nfc(title) or PRINT_KINDS[kind], pages=pages,
                                 digest=digest, printed_by=actor.account_id, printed_at=now, state="printed", note="")
            session.add(record)
            session.flush()
            return record.id
        names = ", ".join(name for _id, name in bound_classes)
        note = _("Đóng chung một tệp cả trường ({n} lớp: {names}), {p} trang.").format(
            n=len(bound_classes), names=names, p=pages)
        records = []
        for bound_id, name in bound_classes:
            require(session, actor, Action.BOOKS_PRINT, class_id=bound_id)
            records.append(PrintRecord(
                year_id=year_id, kind=kind, class_id=bound_id, pupil_id=None, staff_id=None, period=period or "",
                title=nfc(f"{title} — lớp {name}")[:200], pages=pages, digest=digest, printed_by=actor.account_id,
                printed_at=now, state="printed", note=nfc(note)))
        session.add_all(records)
        session.flush()
        return records[0].id


def advance_print_state(db: Database, actor: Actor, record_id: uuid.UUID, state: str) -> None:
    """The next step of a printed book, strictly in order; only the principal records her own signature."""
    from nk_desktop.clock import utcnow
    from nk_desktop.errors import ValidationError
    from nk_desktop.models.prints import PrintRecord

    if state not in PRINT_STATES[1:]:
        raise ValidationError(_("Bước “{s}” không có trong quy trình sổ in.").format(s=state), field="state")
    with db.write(actor) as session:
        record = get_live(session, PrintRecord, record_id, _("bản in"))
        if state == "signed_principal":
            require(session, actor, Action.BOOKS_SIGNOFF)
        else:
            require(session, actor, Action.BOOKS_PRINT, class_id=record.class_id)
        expected = PRINT_STATES[PRINT_STATES.index(state) - 1]
        if record.state != expected:
            raise ValidationError(_("Chưa thể ghi “{s}”: bản in đang ở bước “{c}”, cần bước “{e}” trước.").format(
                s=PRINT_STATE_LABELS[state], c=PRINT_STATE_LABELS.get(record.state, record.state),
                e=PRINT_STATE_LABELS[expected]))
        record.state = state
        setattr(record, f"{state}_at", utcnow())


@dataclasses.dataclass(frozen=True)
class PrintRow:
    id: uuid.UUID
    kind: str
    kind_label: str
    title: str
    class_name: str
    period: str
    pages: int
    digest: str
    printed_by: str
    printed_at: dt.datetime      # Vietnam time
    state: str
    state_label: str
    awaits: str                  # what the paper waits for: "teachers", "principal", "archive", ""


_AWAITS = {"printed": "teachers", "signed_teachers": "principal", "signed_principal": "archive", "archived": ""}


def _print_rows(session: Session, records) -> list[PrintRow]:
    from nk_desktop.clock import to_local
    from nk_desktop.models.accounts import Account

    accounts = {}
    class_names = {}
    rows = []
    for record in records:
        if record.printed_by not in accounts:
            account = session.get(Account, record.printed_by) if record.printed_by else None
            staff = session.get(StaffMember, account.staff_id) if account and account.staff_id else None
            accounts[record.printed_by] = staff.full_name if staff else (account.username if account else "")
        if record.class_id and record.class_id not in class_names:
            school_class = session.get(SchoolClass, record.class_id)
            class_names[record.class_id] = school_class.name if school_class else ""
        rows.append(PrintRow(record.id, record.kind, PRINT_KINDS.get(record.kind, record.kind), record.title,
                             class_names.get(record.class_id, ""), record.period, record.pages, record.digest,
                             accounts[record.printed_by], to_local(record.printed_at), record.state,
                             PRINT_STATE_LABELS.get(record.state, record.state), _AWAITS.get(record.state, "")))
    return rows


def print_log(db: Database, actor: Actor, year_id: uuid.UUID, *, class_id: uuid.UUID | None = None) -> list[PrintRow]:
    """Every print of the year, newest first; a teacher sees the prints of the classes they may print."""
    from nk_desktop.models.prints import PrintRecord

    with db.read() as session:
        query = select(PrintRecord).where(PrintRecord.year_id == year_id, PrintRecord.deleted.is_(False))
        if class_id is not None:
            require(session, actor, Action.BOOKS_PRINT, class_id=class_id)
            query = query.where(PrintRecord.class_id == class_id)
        records = session.scalars(query.order_by(PrintRecord.printed_at.desc(), PrintRecord.id)).all()
        if class_id is None and not allows(session, actor, Action.BOOKS_PRINT):
            mine = {c for c in {r.class_id for r in records if r.class_id}
                    if allows(session, actor, Action.BOOKS_PRINT, class_id=c)}
            if not mine and not any(r.printed_by == actor.account_id for r in records):
                require(session, actor, Action.BOOKS_PRINT)  # raises: nothing of theirs to see
            records = [r for r in records if r.class_id in mine or r.printed_by == actor.account_id]
        return _print_rows(session, records)


def print_queue(db: Database, actor: Actor, year_id: uuid.UUID) -> list[PrintRow]:
    """For the principal: the latest print of each book still on its way — signed by the teachers
    (awaiting her signature) first, then printed (awaiting the teachers); a reprint replaces the earlier one."""
    from nk_desktop.models.prints import PrintRecord

    with db.read() as session:
        require(session, actor, Action.BOOKS_SIGNOFF)
        records = session.scalars(select(PrintRecord).where(
            PrintRecord.year_id == year_id, PrintRecord.deleted.is_(False),
            PrintRecord.state.in_(("printed", "signed_teachers"))).order_by(PrintRecord.printed_at.desc(),
                                                                           PrintRecord.id)).all()
        latest = {}
        for record in records:
            key = (record.kind, record.class_id, record.pupil_id, record.staff_id, record.period)
            latest.setdefault(key, record)
        chosen = sorted(latest.values(), key=lambda r: (r.state != "signed_teachers", r.printed_at))
        return _print_rows(session, chosen)


# --- one entry point for the CLI and the print centre: a request in, a laid-out document out ----------

@dataclasses.dataclass(frozen=True)
class PrintRequest:
    """What to print.  ``kind`` is a key of ``PRINT_KINDS`` ("so_goi_ten_thang" = one month's roll sheets)."""

    kind: str
    year_id: uuid.UUID
    class_id: uuid.UUID | None = None
    milestone: str | None = None     # tong_hop; the results on a notice; a term for the term book / mark book
    month: str | None = None         # "2026-10": roll sheets of the month; the period of a notice
    week: dt.date | None = None      # a notice of one week (Monday–Sunday holding this day) instead of a month
    term: int | None = None          # 1 | 2
    pupil_id: uuid.UUID | None = None
    staff_id: uuid.UUID | None = None  # so_diem_ca_nhan (default: the actor)
    request_id: uuid.UUID | None = None  # bien_ban
    paper: str = "A4"                # so_goi_ten_ghi_diem: A4 or A3
    on: dt.date | None = None        # the day the class lists are taken (default today within the year)

    @property
    def file_kind(self) -> str:
        return self.kind.replace("_", "-")


@dataclasses.dataclass(frozen=True)
class PrintedDocument:
    request: PrintRequest
    pdf: bytes
    title: str
    class_id: uuid.UUID | None
    pupil_id: uuid.UUID | None
    staff_id: uuid.UUID | None
    period: str
    filename: str                    # suggested: "tong-hop-4A-CK1.pdf"
    bound_classes: tuple[tuple[uuid.UUID, str], ...] = ()  # a bound file: the classes it covers, in order


class PrintCancelled(Exception):
    """The person cancelled a batch between two classes (the views turn it into their ``Cancelled``)."""


# Documents that several classes can share one bound file.
BOUND_KINDS = ("tong_hop", "danh_sach_lop", "hoc_ba", "thong_bao", "so_goi_ten_thang")
NEEDS_CLASS = ("tong_hop", "danh_sach_lop", "so_goi_ten_ghi_diem", "so_goi_ten_thang", "thong_bao")


def _term_of(request: PrintRequest) -> int:
    from nk_desktop.errors import ValidationError

    if request.term is not None:
        return request.term
    if request.milestone:
        return 1 if rules.parse_milestone(request.milestone) in ("GK1", "CK1") else 2
    raise ValidationError(_("Hãy chọn học kì (hoặc thời điểm đánh giá của học kì)."), field="term")


def _month_bounds(month: str) -> tuple[dt.date, dt.date]:
    from nk_desktop.services.attendance import parse_month

    year_no, month_no = parse_month(month)
    first = dt.date(year_no, month_no, 1)
    return first, (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _names(db: Database, request: PrintRequest) -> tuple[str, str]:
    """The class's and the year's names (for titles and file names), without a permission check."""
    with db.read() as session:
        year = get_live(session, SchoolYear, request.year_id, _("năm học"))
        school_class = session.get(SchoolClass, request.class_id) if request.class_id else None
        return (school_class.name if school_class else ""), year.name


# --- no official book is printed while a sync conflict in it waits for a decision (issue 7) ------------

CONFLICT_LIST_MAX = 10


def _field_label(model, field: str) -> str:
    column = model.__table__.c.get(field)
    return (column.info.get("label") if column is not None else None) or field


def _book_conflicts(session: Session, request: PrintRequest, late: list[int] | None = None) -> list[str]:
    """Lines "pupil: what (when)" for every field in conflict in the rows the document would print (and, in
    *late*, the counts of marks edited after a lock still waiting for the principal's decision)."""
    from nk_desktop.models.attendance import AttendanceMark
    from nk_desktop.models.pupils import Enrolment, Pupil
    from nk_desktop.models.school import Subject
    from nk_desktop.printing.so_goi_ten_ghi_diem import TERM_MILESTONES
    from nk_desktop.sync.conflicts import open_conflicts
    from nk_desktop.sync.late_edits import LATE_TABLES, unreviewed

    kind = request.kind
    pupil_ids: set[uuid.UUID] = set()
    results = []  # (model, filter) of the results the document shows
    marks_between = None
    if kind == "hoc_ba":
        if request.pupil_id is not None:
            pupil_ids = {request.pupil_id}
        else:
            pupil_ids = set(session.scalars(select(Enrolment.pupil_id).where(
                Enrolment.class_id == request.class_id, Enrolment.deleted.is_(False))))
        for model in (SubjectResult, TraitResult, YearResult):
            results.append((model, model.pupil_id.in_(pupil_ids)))
    else:
        pupil_ids = set(session.scalars(select(Enrolment.pupil_id).where(
            Enrolment.class_id == request.class_id, Enrolment.deleted.is_(False))))
        milestones: tuple[str, ...] = ()
        if kind == "tong_hop":
            milestones = (rules.parse_milestone(request.milestone),)
        elif kind == "so_goi_ten_ghi_diem":
            term_no = _term_of(request)
            milestones = TERM_MILESTONES[term_no]
            school_class = session.get(SchoolClass, request.class_id)
            term_row = _term(session, session.get(SchoolYear, school_class.year_id), term_no)
            marks_between = (term_row.start_date, term_row.end_date)
        elif kind == "so_goi_ten_thang":
            marks_between = _month_bounds(request.month)
        for model in (SubjectResult, TraitResult):
            if milestones:
                results.append((model, (model.class_id == request.class_id) & model.milestone.in_(milestones)))
        if "CN" in milestones:
            results.append((YearResult, YearResult.class_id == request.class_id))
    found: list[tuple[uuid.UUID, str, str]] = []  # (pupil, what, sort key)
    subjects = {s.id: s.name for s in session.scalars(select(Subject))} if results else {}
    for model, where in results:
        rows = session.scalars(select(model).where(where)).all()
        by_id = {row.id.hex: row for row in rows}
        if late is not None and model.__tablename__ in LATE_TABLES:
            late.append(unreviewed(session, model.__tablename__, list(by_id)))
        for row_hex, field in open_conflicts(session, model.__tablename__, list(by_id)):
            row = by_id[row_hex]
            if model is SubjectResult:
                topic = subjects.get(row.subject_id, "")
            elif model is TraitResult:
                topic = rules.TRAIT_NAMES.get(row.trait, row.trait)
            else:
                topic = _("cuối năm")
            when = f" ({row.milestone})" if model is not YearResult else ""
            found.append((row.pupil_id, f"{topic} — {_field_label(model, field)}{when}", f"{row.pupil_id}"))
    if marks_between is not None:
        first, last = marks_between
        rows = session.scalars(select(AttendanceMark).where(
            AttendanceMark.class_id == request.class_id, AttendanceMark.day >= first,
            AttendanceMark.day <= last)).all()
        by_id = {row.id.hex: row for row in rows}
        for row_hex, field in open_conflicts(session, AttendanceMark.__tablename__, list(by_id)):
            row = by_id[row_hex]
            found.append((row.pupil_id, _("điểm danh ngày {d} — {f}").format(
                d=f"{row.day:%d/%m/%Y}", f=_field_label(AttendanceMark, field)), ""))
    if pupil_ids:
        for row_hex, field in open_conflicts(session, Pupil.__tablename__, list(pupil_ids)):
            found.append((uuid.UUID(row_hex), _("hồ sơ học sinh — {f}").format(f=_field_label(Pupil, field)), ""))
    if not found:
        return []
    names = {p.id: p.full_name for p in session.scalars(select(Pupil).where(Pupil.id.in_({f[0] for f in found})))}
    return sorted(f"{names.get(pupil, '?')}: {what}" for pupil, what, _key in found)


def refuse_if_conflicts(db: Database, request: PrintRequest) -> None:
    """Raise ``Locked`` naming the pupils and fields when the book the request prints has an open sync
    conflict (tong_hop, hoc_ba, the roll sheets and the term book); nothing else is checked."""
    from nk_desktop.errors import Locked

    if request.kind not in ("tong_hop", "hoc_ba", "so_goi_ten_thang", "so_goi_ten_ghi_diem"):
        return
    late: list[int] = []
    with db.read() as session:
        lines = _book_conflicts(session, request, late)
    if not lines:
        if sum(late):
            raise Locked(_("Chưa in được: sổ này có {n} điểm bị sửa sau khi khóa sổ (từ máy chưa nhận được khóa) "
                           "đang chờ Hiệu trưởng xem xét. Hãy chọn “Giữ” hoặc “Hoàn lại” cho từng điểm (mục Đồng "
                           "bộ → Sửa sau khi khóa) rồi in lại.").format(n=sum(late)))
        return
    shown = "; ".join(lines[:CONFLICT_LIST_MAX])
    more = len(lines) - CONFLICT_LIST_MAX
    if more > 0:
        shown += _("; và {n} ô khác").format(n=more)
    raise Locked(_("Chưa in được: sổ này còn xung đột đồng bộ chưa giải quyết — {items}. Hãy giải quyết các xung "
                   "đột (mục Đồng bộ, hoặc nk-admin conflicts) rồi in lại.").format(items=shown))


def _data(db: Database, actor: Actor, request: PrintRequest):
    """The dataclasses of the document (one or several classes' worth is decided by the caller).

    Built first (permission and input checks), then refused while a sync conflict is open in it."""
    data = _build_data(db, actor, request)
    refuse_if_conflicts(db, request)
    return data


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """The week (Monday–Sunday) holding *day*."""
    first = day - dt.timedelta(days=day.weekday())
    return first, first + dt.timedelta(days=6)


def _build_data(db: Database, actor: Actor, request: PrintRequest):
    from nk_desktop.errors import ValidationError

    kind = request.kind
    if kind in NEEDS_CLASS and request.class_id is None:
        raise ValidationError(_("Hãy chọn lớp."), field="class")
    if kind == "tong_hop":
        if not request.milestone:
            raise ValidationError(_("Bảng tổng hợp cần thời điểm đánh giá (GK1, CK1, GK2, CN)."), field="milestone")
        return class_summary(db, actor, request.class_id, request.milestone)
    if kind == "danh_sach_lop":
        return class_roster(db, actor, request.class_id, on=request.on)
    if kind == "hoc_ba":
        if request.pupil_id is not None:
            return hoc_ba(db, actor, pupil_id=request.pupil_id)
        if request.class_id is None:
            raise ValidationError(_("Học bạ: chọn một lớp hoặc một học sinh."), field="class")
        return hoc_ba(db, actor, class_id=request.class_id, on=request.on)
    if kind == "so_goi_ten_thang":
        if not request.month:
            raise ValidationError(_("Tờ gọi tên in theo tháng: hãy chọn tháng."), field="month")
        term = request.term or term_of_month(db, actor, request.class_id, request.month)
        return term_book(db, actor, request.class_id, term, paper=request.paper, months=[request.month],
                         scores=False)
    if kind == "so_goi_ten_ghi_diem":
        return term_book(db, actor, request.class_id, _term_of(request), paper=request.paper)
    if kind == "so_diem_ca_nhan":
        staff_id = request.staff_id or actor.staff_id
        if staff_id is None:
            raise ValidationError(_("Hãy chọn giáo viên."), field="teacher")
        return personal_book(db, actor, staff_id, request.year_id, _term_of(request), class_id=request.class_id,
                             on=request.on)
    if kind == "bien_ban":
        if request.request_id is None:
            raise ValidationError(_("Hãy chọn biên bản sửa điểm cần in."), field="request")
        return correction_minutes(db, actor, request.request_id)
    if kind == "thong_bao":
        if request.week is not None and request.month:
            raise ValidationError(_("Thông báo phụ huynh: chọn một tuần hoặc một tháng, không chọn cả hai."),
                                  field="month")
        if request.week is not None:
            first, last = week_bounds(request.week)
        elif request.month:
            first, last = _month_bounds(request.month)
        else:
            raise ValidationError(_("Thông báo phụ huynh: hãy chọn tuần hoặc tháng."), field="month")
        return notice_sheet(db, actor, request.class_id, first, last, milestone=request.milestone)
    raise ValidationError(_("Không có loại sổ “{k}”.").format(k=kind), field="kind")


def _render(kind: str, items: list):
    from nk_desktop.printing import (
        bien_ban, bound, danh_sach_lop, hoc_ba as hoc_ba_pdf, so_diem_ca_nhan, so_goi_ten_ghi_diem, thong_bao,
        tong_hop,
    )

    if kind == "tong_hop":
        return tong_hop.render(items[0]) if len(items) == 1 else bound.render_tong_hop(items)
    if kind == "danh_sach_lop":
        return danh_sach_lop.render(items)
    if kind == "hoc_ba":
        return hoc_ba_pdf.render([book for group in items for book in group])
    if kind == "so_goi_ten_thang":
        return so_goi_ten_ghi_diem.render_months(items)
    if kind == "so_goi_ten_ghi_diem":
        return so_goi_ten_ghi_diem.render(items[0])
    if kind == "so_diem_ca_nhan":
        return so_diem_ca_nhan.render(items[0])
    if kind == "bien_ban":
        return bien_ban.render(items[0])
    return thong_bao.render(items)


def _period(request: PrintRequest) -> str:
    if request.kind == "tong_hop":
        return (request.milestone or "").upper()
    if request.kind == "thong_bao" and request.week is not None:
        iso_year, iso_week, _day = request.week.isocalendar()
        return f"{iso_year:04d}-W{iso_week:02d}"  # the log's key and the file name: "2026-W41"
    if request.kind in ("so_goi_ten_thang", "thong_bao"):
        return request.month or ""
    if request.kind in ("so_goi_ten_ghi_diem", "so_diem_ca_nhan"):
        return f"HK{_term_of(request)}"
    return ""


def _period_title(request: PrintRequest, period: str) -> str:
    """The period as a title says it: a week's notice "tuần 02/11–08/11/2026" (its log key is "2026-W45")."""
    if request.kind == "thong_bao" and request.week is not None:
        first, last = week_bounds(request.week)
        return _("tuần {a:%d/%m}–{b:%d/%m/%Y}").format(a=first, b=last)
    return period


def render_document(db: Database, actor: Actor, request: PrintRequest) -> PrintedDocument:
    """Build and lay out one document; nothing is recorded (``record_document`` once it is printed or saved)."""
    data = _data(db, actor, request)
    if request.kind == "hoc_ba" and not data:
        from nk_desktop.errors import ValidationError

        raise ValidationError(_("Lớp chưa có học sinh nào để in học bạ."))
    pdf = _render(request.kind, [data])
    class_name, year_name = _names(db, request)
    period = _period(request)
    pupil_id = request.pupil_id if request.kind == "hoc_ba" else None
    staff_id, class_id = None, request.class_id
    label = PRINT_KINDS[request.kind]
    if request.kind == "so_diem_ca_nhan":
        staff_id = request.staff_id or actor.staff_id
        title = f"{label} — {data.teacher_name} — {data.term_name}"
        who = data.teacher_name
    elif request.kind == "hoc_ba" and pupil_id is not None:
        class_id = _pupil_class(db, pupil_id)
        title = f"{label} — {data[0].identity.full_name}"
        who = data[0].identity.full_name
    elif request.kind == "bien_ban":
        class_id = _request_class(db, request.request_id)
        title = f"{label} — {data.pupil_name} — {data.topic}"
        who = data.pupil_name
    else:
        shown = _period_title(request, period)
        title = f"{label}{' ' if label.endswith(' lớp') else ' lớp '}{class_name}" + (f" — {shown}" if shown else "")
        who = class_name
    filename = "-".join(p for p in (request.file_kind, _file_part(who), period, year_name if not period else "")
                        if p) + ".pdf"
    return PrintedDocument(request, pdf, title, class_id, pupil_id, staff_id, period, filename)


def render_bound(db: Database, actor: Actor, requests: list[PrintRequest], *, progress=None,
                 cancelled=None) -> PrintedDocument:
    """Several classes' documents of one kind in one bound file (kinds in ``BOUND_KINDS``)."""
    from nk_desktop.errors import ValidationError

    if not requests:
        raise ValidationError(_("Chưa chọn lớp nào."))
    kind = requests[0].kind
    if kind not in BOUND_KINDS or any(r.kind != kind for r in requests):
        raise ValidationError(_("“{k}” không đóng chung được nhiều lớp trong một tệp; hãy in mỗi lớp một tệp.").format(
            k=PRINT_KINDS.get(kind, kind)))
    items = []
    for done, request in enumerate(requests):
        if cancelled is not None and cancelled():
            raise PrintCancelled(_("Đã hủy in."))
        items.append(_data(db, actor, request))
        if progress is not None:
            progress(done + 1, len(requests) + 1)
    if kind == "hoc_ba":
        items = [group for group in items if group]
        if not items:
            raise ValidationError(_("Các lớp đã chọn chưa có học sinh nào để in học bạ."))
    pdf = _render(kind, items)
    _class_name, year_name = _names(db, requests[0])
    period = _period(requests[0])
    shown = _period_title(requests[0], period)
    title = f"{PRINT_KINDS[kind]} — {len(requests)} lớp" + (f" — {shown}" if shown else "")
    filename = "-".join(p for p in (requests[0].file_kind, "ca-truong", period or year_name) if p) + ".pdf"
    with db.read() as session:
        names = {c.id: c.name for c in session.scalars(select(SchoolClass).where(
            SchoolClass.id.in_([r.class_id for r in requests if r.class_id])))}
    covered = tuple((r.class_id, names.get(r.class_id, "")) for r in requests if r.class_id)
    return PrintedDocument(requests[0], pdf, title, None, None, None, period, filename, covered)


def record_document(db: Database, actor: Actor, document: PrintedDocument) -> uuid.UUID:
    """Log a document that was printed or saved."""
    return record_print(db, actor, year_id=document.request.year_id, kind=document.request.kind, pdf=document.pdf,
                        title=document.title, class_id=document.class_id, pupil_id=document.pupil_id,
                        staff_id=document.staff_id, period=document.period, bound_classes=document.bound_classes)


def printable_classes(db: Database, actor: Actor, year_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """The year's classes *actor* may print, in school order (grade, then name)."""
    with db.read() as session:
        classes = session.scalars(select(SchoolClass).where(SchoolClass.year_id == year_id,
                                                            SchoolClass.deleted.is_(False))).all()
        return [(c.id, c.name) for c in sorted(classes, key=lambda c: (c.grade, len(c.name), c.name))
                if allows(session, actor, Action.BOOKS_PRINT, class_id=c.id)]


def _pupil_class(db: Database, pupil_id: uuid.UUID) -> uuid.UUID | None:
    from nk_desktop.models.pupils import Enrolment

    with db.read() as session:
        latest = session.scalars(select(Enrolment).where(Enrolment.pupil_id == pupil_id, Enrolment.deleted.is_(False))
                                 .order_by(Enrolment.start_date.desc())).first()
        return latest.class_id if latest else None


def _request_class(db: Database, request_id: uuid.UUID) -> uuid.UUID | None:
    from nk_desktop.models.gradebook import CorrectionRequest

    with db.read() as session:
        row = session.get(CorrectionRequest, request_id)
        return row.class_id if row else None


def _file_part(value: str) -> str:
    """A file-name-safe form of a name: "Nguyễn Văn An" → "Nguyen-Van-An"."""
    import re
    import unicodedata

    plain = unicodedata.normalize("NFD", value.replace("Đ", "D").replace("đ", "d"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")
