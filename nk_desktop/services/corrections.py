"""The correction procedure of regulation Điều 11.2 — nothing changes silently.

1. The teacher of the cell files a request (old → new, reason, evidence: the
   teacher's personal book and the pupil's test), only for a cell that can no
   longer be changed directly, and before requests close (one week before the
   end-of-term test, 11.2.a) — or, once the book is finalised, under 11.2.b.
2. The principal approves or rejects it with a remark.
3. The DB admin, with the teacher, applies it: exactly the approved value, and the
   cell group is locked again at once.  The minutes are then printed for the
   principal, the admin and the teacher to sign, and kept with the evidence.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from nk_desktop.actor import Actor
from nk_desktop.clock import today, utcnow
from nk_desktop.db import Database
from nk_desktop.errors import Locked, ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.gradebook import CorrectionRequest, Evidence, MarkLock, SubjectResult, TraitResult
from nk_desktop.models.school import SchoolClass, SchoolYear, Subject, TeachingWeek, Term
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services.common import get_live
from nk_desktop.services.gradebook import active_lock, entry_window, test_date
from nk_desktop.services.permissions import Action, require
from nk_desktop.text import nfc

EVIDENCE_KINDS = {"so_ca_nhan": _("Sổ cá nhân của giáo viên (bản chụp)"),
                  "bai_kiem_tra": _("Bài kiểm tra hoặc sản phẩm học tập của học sinh")}
STATUS_LABELS = {"requested": _("Chờ Hiệu trưởng duyệt"), "approved": _("Đã duyệt, chờ sửa"),
                 "rejected": _("Không duyệt"), "applied": _("Đã sửa")}
# Books that hold the same value and must be corrected too once finalised (Điều 11.2.b).
RELATED_BOOKS = (_("Bảng tổng hợp kết quả đánh giá giáo dục của lớp"), _("Học bạ"),
                 _("Sổ gọi tên và ghi điểm"))


def _term_of(milestone: str) -> int:
    return 1 if milestone in ("GK1", "CK1") else 2


def requests_close_on(session: Session, school_class: SchoolClass, subject_id: uuid.UUID | None,
                      milestone: str) -> dt.date:
    """One week before the end-of-term test of the milestone's term (Điều 11.2.a)."""
    final = "CK1" if _term_of(milestone) == 1 else "CN"
    day = test_date(session, school_class.year_id, school_class.grade, subject_id, final) if subject_id else None
    if day is None:  # no test date set: the last teaching week of the term
        day = session.scalar(select(TeachingWeek.start_date).where(
            TeachingWeek.year_id == school_class.year_id, TeachingWeek.term == _term_of(milestone),
            TeachingWeek.deleted.is_(False)).order_by(TeachingWeek.number.desc()).limit(1))
    if day is None:
        day = session.get(SchoolYear, school_class.year_id).end_date
    return day - dt.timedelta(days=rules.CORRECTION_CLOSES_DAYS_BEFORE_TEST)


def _current_value(session: Session, class_id, pupil_id, subject_id, trait, milestone, field) -> str:
    if subject_id is not None:
        row = session.scalar(select(SubjectResult).where(
            SubjectResult.class_id == class_id, SubjectResult.pupil_id == pupil_id,
            SubjectResult.subject_id == subject_id, SubjectResult.milestone == milestone,
            SubjectResult.deleted.is_(False)))
    else:
        row = session.scalar(select(TraitResult).where(
            TraitResult.class_id == class_id, TraitResult.pupil_id == pupil_id, TraitResult.trait == trait,
            TraitResult.milestone == milestone, TraitResult.deleted.is_(False)))
    value = getattr(row, field) if row is not None else None
    return "" if value is None else str(value)


def _normal_new_value(field: str, raw, is_trait: bool) -> str:
    if field == "score":
        if is_trait:
            raise ValidationError(_("Phẩm chất, năng lực không có điểm."))
        value = rules.parse_score(raw)
    elif field == "level":
        value = rules.parse_trait_level(raw) if is_trait else rules.parse_subject_level(raw)
    elif field == "comment":
        value = nfc(str(raw or ""))
    else:
        raise ValidationError(_("Không có cột “{f}”.").format(f=field))
    return "" if value is None else str(value)


def request_correction(db: Database, actor: Actor, *, class_id: uuid.UUID, pupil_id: uuid.UUID, milestone: str,
                       field: str, new_value, reason: str, subject_id: uuid.UUID | None = None, trait: str = "",
                       evidence: list[tuple[str, str, bytes]] = (), on: dt.date | None = None) -> uuid.UUID:
    """The teacher files the request with its evidence; returns its id."""
    milestone = rules.parse_milestone(milestone)
    on = on or today()
    with db.write(actor) as session:
        require(session, actor, Action.CORRECTION_REQUEST, class_id=class_id, subject_id=subject_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        if subject_id is None and trait not in rules.TRAIT_NAMES:
            raise ValidationError(_("Hãy chọn môn học hoặc phẩm chất, năng lực cần sửa."))
        if not nfc(reason):
            raise ValidationError(_("Hãy ghi lí do sửa điểm."), field="reason")
        kinds = {kind for kind, _name, _content in evidence}
        if not kinds >= set(EVIDENCE_KINDS):
            missing = ", ".join(EVIDENCE_KINDS[k] for k in EVIDENCE_KINDS if k not in kinds)
            raise ValidationError(_("Thiếu minh chứng: {m} (Điều 11.2.a).").format(m=missing), field="evidence")
        window = entry_window(session, school_class, subject_id, milestone, on=on)
        directly_open = window.score_open if field == "score" else window.level_open
        if directly_open:
            raise ValidationError(_("Ô này vẫn còn trong hạn nhập: giáo viên sửa trực tiếp, không cần biên bản."))
        lock = active_lock(session, school_class, subject_id, milestone)
        finalised = lock is not None and lock.locked
        closes = requests_close_on(session, school_class, subject_id, milestone)
        after_final = on > closes
        if after_final and not finalised:
            raise Locked(_(
                "Đã hết hạn đề nghị sửa điểm ({d:%d/%m/%Y}, một tuần trước kiểm tra cuối học kì — Điều 11.2.a). "
                "Sau khi sổ hoàn tất và được khóa, đề nghị theo Điều 11.2.b.").format(d=closes))
        old = _current_value(session, class_id, pupil_id, subject_id, trait, milestone, field)
        new = _normal_new_value(field, new_value, subject_id is None)
        if new == old:
            raise ValidationError(_("Giá trị mới giống giá trị hiện có."), field="new_value")
        request = CorrectionRequest(
            year_id=school_class.year_id, class_id=class_id, pupil_id=pupil_id, subject_id=subject_id,
            trait=trait, milestone=milestone, field=field, old_value=old, new_value=new, reason=nfc(reason),
            requested_by=actor.account_id, after_final=after_final)
        session.add(request)
        session.flush()
        for kind, filename, content in evidence:
            session.add(Evidence(request_id=request.id, kind=kind, filename=nfc(filename), content=content))
        return request.id


def decide_correction(db: Database, actor: Actor, request_id: uuid.UUID, *, approve: bool, remark: str = "") -> None:
    """The principal approves or rejects (a rejection must say why)."""
    with db.write(actor) as session:
        require(session, actor, Action.CORRECTION_DECIDE)
        request = get_live(session, CorrectionRequest, request_id, _("biên bản sửa điểm"))
        if request.status != "requested":
            raise ValidationError(_("Biên bản này đã được xử lí ({s}).").format(s=STATUS_LABELS[request.status]))
        if not approve and not nfc(remark):
            raise ValidationError(_("Không duyệt thì hãy ghi ý kiến cho giáo viên."), field="remark")
        request.status = "approved" if approve else "rejected"
        request.decided_by, request.decided_at, request.remark = actor.account_id, utcnow(), nfc(remark) or ""


def apply_correction(db: Database, actor: Actor, request_id: uuid.UUID) -> list[str]:
    """The DB admin applies exactly the approved value and locks the cells again at once.

    Returns the other books that must be corrected too when the book was finalised (Điều 11.2.b).
    """
    with db.write(actor) as session:
        require(session, actor, Action.CORRECTION_APPLY)
        request = get_live(session, CorrectionRequest, request_id, _("biên bản sửa điểm"))
        if request.status != "approved":
            raise ValidationError(_("Chỉ sửa theo biên bản đã được Hiệu trưởng duyệt (đang: {s}).").format(
                s=STATUS_LABELS[request.status]))
        current = _current_value(session, request.class_id, request.pupil_id, request.subject_id, request.trait,
                                 request.milestone, request.field)
        if current != request.old_value:
            raise ValidationError(_("Giá trị trong sổ đã khác lúc lập biên bản ({a} → {b}); hãy lập biên bản mới.").format(
                a=request.old_value or _("trống"), b=current or _("trống")))
        row = _result_row(session, request)
        if request.field == "score":
            row.score = int(request.new_value) if request.new_value != "" else None
        else:
            setattr(row, request.field, request.new_value or (None if request.field == "level" else ""))
        request.status, request.applied_by, request.applied_at = "applied", actor.account_id, utcnow()
        _lock_again(session, request)
        return list(RELATED_BOOKS) if request.after_final else []


def _result_row(session: Session, request: CorrectionRequest):
    if request.subject_id is not None:
        row = session.scalar(select(SubjectResult).where(
            SubjectResult.class_id == request.class_id, SubjectResult.pupil_id == request.pupil_id,
            SubjectResult.subject_id == request.subject_id, SubjectResult.milestone == request.milestone,
            SubjectResult.deleted.is_(False)))
        if row is None:
            row = SubjectResult(year_id=request.year_id, class_id=request.class_id, pupil_id=request.pupil_id,
                                subject_id=request.subject_id, milestone=request.milestone, comment="")
            session.add(row)
        return row
    row = session.scalar(select(TraitResult).where(
        TraitResult.class_id == request.class_id, TraitResult.pupil_id == request.pupil_id,
        TraitResult.trait == request.trait, TraitResult.milestone == request.milestone,
        TraitResult.deleted.is_(False)))
    if row is None:
        row = TraitResult(year_id=request.year_id, class_id=request.class_id, pupil_id=request.pupil_id,
                          trait=request.trait, milestone=request.milestone, comment="")
        session.add(row)
    return row


def _lock_again(session: Session, request: CorrectionRequest) -> None:
    """Điều 11.2.a: after the correction the admin locks the marks at once (class × subject × milestone)."""
    lock = session.scalar(select(MarkLock).where(
        MarkLock.year_id == request.year_id, MarkLock.class_id == request.class_id,
        MarkLock.subject_id.is_(None) if request.subject_id is None else MarkLock.subject_id == request.subject_id,
        MarkLock.milestone == request.milestone, MarkLock.grade.is_(None), MarkLock.deleted.is_(False)))
    if lock is None:
        session.add(MarkLock(year_id=request.year_id, class_id=request.class_id, subject_id=request.subject_id,
                             milestone=request.milestone, locked=True, reason=_("Khóa lại sau khi sửa điểm")))
    else:
        lock.locked, lock.reason = True, _("Khóa lại sau khi sửa điểm")


@dataclasses.dataclass(frozen=True)
class RequestRow:
    id: uuid.UUID
    class_name: str
    pupil_name: str
    what: str  # "Toán — Điểm KTĐK (CK1)"
    old_value: str
    new_value: str
    reason: str
    status: str  # label
    after_final: bool


def list_requests(db: Database, actor: Actor, year_id: uuid.UUID, *, status: str | None = None) -> list[RequestRow]:
    """The principal sees every request; a teacher their own."""
    from nk_desktop.models.pupils import Pupil

    with db.read() as session:
        query = select(CorrectionRequest, SchoolClass, Pupil).join(
            SchoolClass, SchoolClass.id == CorrectionRequest.class_id).join(
            Pupil, Pupil.id == CorrectionRequest.pupil_id).where(
            CorrectionRequest.year_id == year_id, CorrectionRequest.deleted.is_(False))
        try:
            require(session, actor, Action.CORRECTION_DECIDE)
        except Exception:
            try:
                require(session, actor, Action.CORRECTION_APPLY)
            except Exception:
                query = query.where(CorrectionRequest.requested_by == actor.account_id)
        if status:
            query = query.where(CorrectionRequest.status == status)
        subjects = {s.id: s.name for s in session.scalars(select(Subject))}
        field_names = {"level": _("Mức đạt được"), "score": _("Điểm KTĐK"), "comment": _("Nhận xét")}
        rows = []
        for request, school_class, pupil in session.execute(query.order_by(CorrectionRequest.created_at)):
            topic = subjects.get(request.subject_id) or rules.TRAIT_NAMES.get(request.trait, request.trait)
            rows.append(RequestRow(
                request.id, school_class.name, pupil.full_name,
                f"{topic} — {field_names[request.field]} ({request.milestone})",
                request.old_value, request.new_value, request.reason, STATUS_LABELS[request.status],
                request.after_final))
        return rows
