"""Reading and verifying the audit log (the principal's viewer, ``nk-admin audit verify``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from nk_desktop.actor import Actor
from nk_desktop.clock import to_local
from nk_desktop.db import Database
from nk_desktop.i18n import _
from nk_desktop.models import Base
from nk_desktop.models.journal import AuditEntry, LocalState
from nk_desktop.services.permissions import Action, require
from nk_desktop.sync.capture import GENESIS_HASH, audit_fields, entry_hash

TABLE_NOUNS = {
    "school": _("hồ sơ trường"), "school_year": _("năm học"), "term": _("học kì"),
    "teaching_week": _("tuần học"), "day_off": _("ngày nghỉ"), "subject": _("môn học"),
    "curriculum_entry": _("chương trình"), "school_class": _("lớp"),
    "teaching_assignment": _("phân công"), "subject_group": _("tổ chuyên môn"),
    "subject_group_member": _("thành viên tổ"), "staff_member": _("cán bộ"), "account": _("tài khoản"),
    "account_role": _("vai trò"), "pupil": _("học sinh"), "enrolment": _("quá trình học"),
    "subject_result": _("kết quả môn học"), "trait_result": _("phẩm chất, năng lực"),
    "year_result": _("kết quả cuối năm"), "mark_lock": _("khóa sổ điểm"), "test_date": _("lịch kiểm tra"),
    "entry_week": _("hạn nhập"), "correction_request": _("biên bản sửa điểm"), "evidence": _("minh chứng"),
    "comment_template": _("nhận xét mẫu"), "group_target": _("chỉ tiêu tổ chuyên môn"),
}

# Kinds of record as the viewer's filter offers them.
KINDS = {
    "accounts": ("account", "account_role"),
    "staff": ("staff_member",),
    "school": ("school", "school_year", "term", "teaching_week", "day_off", "subject", "curriculum_entry",
               "school_class", "teaching_assignment", "subject_group", "subject_group_member"),
    "pupils": ("pupil", "enrolment"),
    "marks": ("subject_result", "trait_result", "year_result", "mark_lock", "test_date", "entry_week",
              "correction_request", "evidence", "comment_template", "group_target"),
}
KIND_LABELS = {"accounts": _("Tài khoản"), "staff": _("Cán bộ"), "school": _("Trường, lớp, lịch"),
               "pupils": _("Học sinh"), "marks": _("Sổ điểm")}


def _field_labels() -> dict[tuple[str, str], str]:
    labels = {}
    for table in Base.metadata.tables.values():
        for column in table.columns:
            if "label" in column.info:
                labels[(table.name, column.key)] = column.info["label"]
    return labels


_LABELS: dict[tuple[str, str], str] | None = None


def field_label(table: str, column: str) -> str:
    global _LABELS
    if _LABELS is None:
        _LABELS = _field_labels()
    return _LABELS.get((table, column), column)


# Fields worth naming when a record is added (the rest is in the record's label).
INSERT_DETAILS = {
    "account_role": ("role", "account_id"),
    "teaching_assignment": ("staff_id", "subject_id", "class_id"),
    "subject_group_member": ("staff_id", "group_id"),
    "enrolment": ("pupil_id", "class_id", "start_date"),
    "subject_result": ("pupil_id", "subject_id", "level", "score"),
    "trait_result": ("pupil_id", "trait", "level"),
    "mark_lock": ("class_id", "grade", "subject_id", "milestone", "locked"),
}


def empty_or_flag_text(value) -> str | None:
    """How a sentence shows an empty value and a yes/no: "(trống)", "có", "không"; None for any other value."""
    if value is None or value == "":
        return _("(trống)")
    if value is True:
        return _("có")
    if value is False:
        return _("không")
    return None


class Names:
    """Turns stored ids into the names people know (one query per kind, per listing)."""

    def __init__(self, session: Session | None = None):
        self.by_id: dict[str, str] = {}
        if session is None:
            return
        from nk_desktop.models.accounts import Account
        from nk_desktop.models.pupils import Pupil
        from nk_desktop.models.school import SchoolClass, SchoolYear, Subject, SubjectGroup
        from nk_desktop.models.staff import StaffMember

        for model, label in ((StaffMember, lambda r: r.full_name), (Account, lambda r: r.username),
                             (SchoolClass, lambda r: _("lớp {n}").format(n=r.name)), (Subject, lambda r: r.name),
                             (SchoolYear, lambda r: r.name), (SubjectGroup, lambda r: r.name),
                             (Pupil, lambda r: r.full_name)):
            for row in session.scalars(select(model)):
                self.by_id[row.id.hex] = label(row)

    def show(self, key: str, value) -> str:
        from nk_desktop.services.assessment_rules import SUBJECT_LEVELS, TRAIT_LEVELS, TRAIT_NAMES
        from nk_desktop.services.permissions import ROLE_LABELS, Role

        plain = empty_or_flag_text(value)
        if plain is not None:
            return plain
        if isinstance(value, dict) and "bytes" in value:
            return _("tệp {n} byte").format(n=value["bytes"])
        if isinstance(value, str):
            if key == "role" and value in Role._value2member_map_:
                return ROLE_LABELS[Role(value)]
            if key == "level":
                return SUBJECT_LEVELS.get(value) or TRAIT_LEVELS.get(value) or value
            if key == "trait":
                return TRAIT_NAMES.get(value, value)
            if len(value) == 32 and value in self.by_id:
                return self.by_id[value]
            if len(value) == 10 and value[4] == "-" and value[7] == "-":
                try:
                    return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
                except ValueError:
                    pass
            if len(value) >= 19 and value[4] == "-" and value[10] == "T":
                try:
                    return to_local(dt.datetime.fromisoformat(value)).strftime("%H:%M %d/%m/%Y")
                except ValueError:
                    pass
        return str(value)


def sentence(entry: AuditEntry, names: Names | None = None) -> str:
    """The entry as a plain Vietnamese sentence: "Cô Lan sửa Tên của lớp 4A từ 6 thành 8 lúc 20:14 ngày 15/01/2026"."""
    when = to_local(entry.at)
    at = _("lúc {t:%H:%M} ngày {t:%d/%m/%Y}").format(t=when)
    what = entry.record_label or TABLE_NOUNS.get(entry.table_name, entry.table_name)
    names = names or Names()
    changes = json.loads(entry.changes)
    if entry.kind == "ins":
        details = [
            f"{field_label(entry.table_name, key)}: {names.show(key, changes[key][1])}"
            for key in INSERT_DETAILS.get(entry.table_name, ()) if key in changes
        ]
        if details:
            what = f"{what} ({'; '.join(details)})"
        return _("{who} thêm {what} {at}.").format(who=entry.actor_name, what=what, at=at)
    if entry.kind == "del":
        return _("{who} xóa {what} {at}.").format(who=entry.actor_name, what=what, at=at)
    parts = [
        _("{field} từ {old} thành {new}").format(
            field=field_label(entry.table_name, key), old=names.show(key, old), new=names.show(key, new))
        for key, (old, new) in changes.items()
    ]
    return _("{who} sửa {changes} của {what} {at}.").format(
        who=entry.actor_name, changes="; ".join(parts) or _("thông tin"), what=what, at=at)


@dataclasses.dataclass(frozen=True)
class AuditRow:
    seq: int
    at: dt.datetime  # local time
    actor_name: str
    kind_label: str
    sentence: str


def list_entries(db: Database, actor: Actor, *, actor_id: uuid.UUID | None = None,
                 since: dt.date | None = None, until: dt.date | None = None,
                 class_id: uuid.UUID | None = None, kind: str | None = None,
                 limit: int = 2000) -> list[AuditRow]:
    """Newest first, filtered by person, date range (local dates), class and kind of record."""
    with db.read() as session:
        require(session, actor, Action.AUDIT_VIEW)
        query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
        if actor_id is not None:
            query = query.where(AuditEntry.actor_id == actor_id)
        if since is not None:
            query = query.where(AuditEntry.at >= _utc_midnight(since))
        if until is not None:
            query = query.where(AuditEntry.at < _utc_midnight(until + dt.timedelta(days=1)))
        if class_id is not None:
            query = query.where(AuditEntry.class_id == class_id)
        if kind is not None:
            query = query.where(AuditEntry.table_name.in_(KINDS[kind]))
        table_kind = {t: k for k, tables in KINDS.items() for t in tables}
        entries = session.scalars(query).all()
        names = Names(session)
        return [
            AuditRow(e.seq, to_local(e.at), e.actor_name, KIND_LABELS.get(table_kind.get(e.table_name, ""), ""),
                     sentence(e, names))
            for e in entries
        ]


def _utc_midnight(day: dt.date) -> dt.datetime:
    from nk_desktop.clock import SCHOOL_TZ

    local = dt.datetime.combine(day, dt.time(), tzinfo=SCHOOL_TZ)
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


@dataclasses.dataclass(frozen=True)
class ChainReport:
    intact: bool
    entries: int
    first_broken: int | None = None
    reason: str = ""


def verify_chain(session: Session) -> ChainReport:
    """Recompute every hash in order; report the first entry that was altered, removed or inserted."""
    prev_hash, expected_seq, count = GENESIS_HASH, 1, 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(5000):
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(False, count, expected_seq, _("thiếu mục số {n} (đã bị xóa).").format(n=expected_seq))
        if entry.prev_hash != prev_hash:
            return ChainReport(False, count, entry.seq, _("mục số {n} không nối tiếp mục trước.").format(n=entry.seq))
        row = {c.key: getattr(entry, c.key) for c in AuditEntry.__table__.columns}
        if entry_hash(audit_fields(row)) != entry.entry_hash:
            return ChainReport(False, count, entry.seq, _("nội dung mục số {n} đã bị sửa.").format(n=entry.seq))
        prev_hash, expected_seq = entry.entry_hash, expected_seq + 1
    head = session.scalar(select(LocalState.value).where(LocalState.key == "audit_head"))
    if head is not None and head != f"{expected_seq - 1}:{prev_hash}":
        last = int(head.split(":", 1)[0])
        return ChainReport(False, count, expected_seq,
                           _("các mục cuối (đến số {n}) đã bị xóa.").format(n=last))
    return ChainReport(True, count)


def verify(db: Database, actor: Actor) -> ChainReport:
    with db.read() as session:
        require(session, actor, Action.AUDIT_VIEW)
        return verify_chain(session)
