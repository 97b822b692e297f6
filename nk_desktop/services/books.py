"""Data for the printed books, built with one query per kind; printing/ lays it out and never queries."""

from __future__ import annotations

import datetime as dt
import uuid

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
from nk_desktop.services.permissions import Action, require
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
