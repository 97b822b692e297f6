"""Conflicts and quarantined ops, as the principal's lists and the conflict queue read them.

A conflict is a field with several current values (``sync_conflict``, derived from
``sync_head``; the same on every PC).  Resolving writes one op (kind ``res``) whose
predecessors are all the values shown, so every PC ends with that single value.
Who may resolve (sync-design §9.3): the principal any cell; otherwise a person who
wrote one of the conflicting values (the owner of the record).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid

from sqlalchemy import Uuid, insert, select, text
from sqlalchemy.exc import IntegrityError

from nk_desktop.actor import Actor
from nk_desktop.clock import utcnow
from nk_desktop.db import Database
from nk_desktop.errors import NotFound, PermissionDenied, ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.base import Base
from nk_desktop.models.decisions import DISMISSED, RELEASED, QuarantineDecision
from nk_desktop.models.journal import AuditEntry
from nk_desktop.services.permissions import Action, Role, require
from nk_desktop.sync import capture
from nk_desktop.sync.importer import SYNCED_TABLES
from nk_desktop.sync.merge import BOOKKEEPING, LEDGER_TABLES
from nk_desktop.sync.ops import DELETED, TableCodec, canonical, encode_value


@dataclasses.dataclass(frozen=True)
class Value:
    value: object          # JSON value; ``DELETED`` = the record was deleted on that PC
    op_id: str
    t: int
    author: str            # who wrote it, from the audit log ("" if unknown)
    author_id: str = ""    # their account (hex), for "may this person choose"

    @property
    def text(self) -> str:
        if self.value == DELETED:
            return _("(đã xóa)")
        return "" if self.value is None else str(self.value)


@dataclasses.dataclass(frozen=True)
class Conflict:
    table: str
    row_id: str
    field: str
    official: bool
    first_seen: dt.datetime
    label: str
    values: list[Value]
    field_label: str = ""  # the column's Vietnamese name ("Mức đạt được")
    pupil: str = ""        # the pupil the record is about, when it is about one
    class_name: str = ""   # the class, when the record has one
    subject: str = ""      # the subject, for subject results

    def may_resolve(self, actor: Actor) -> bool:
        """What ``resolve`` will allow: the principal any cell, otherwise a person who wrote one of the values."""
        mine = actor.account_id.hex if actor.account_id else None
        return actor.is_system or actor.has(Role.HIEU_TRUONG.value) or any(v.author_id == mine for v in self.values)


def list_conflicts(db: Database, actor: Actor) -> list[Conflict]:
    with db.read() as session:
        require(session, actor, Action.AUDIT_VIEW)
        rows = session.execute(text(
            "SELECT c.tbl, c.row, c.field, c.official, c.first_seen, h.op_id, h.t, h.value "
            "FROM sync_conflict c JOIN sync_head h ON h.tbl = c.tbl AND h.row = c.row AND h.field = c.field "
            "ORDER BY c.first_seen, c.tbl, c.row, c.field, h.t, h.op_id")).all()
        op_ids = [uuid.UUID(r.op_id) for r in rows]
        authors, labels = {}, {}
        for start in range(0, len(op_ids), 400):
            for entry in session.execute(select(AuditEntry.op_id, AuditEntry.actor_name, AuditEntry.record_label,
                                                AuditEntry.actor_id)
                                         .where(AuditEntry.op_id.in_(op_ids[start:start + 400]))):
                authors[entry.op_id.hex] = (entry.actor_name, entry.actor_id.hex if entry.actor_id else "")
                labels[entry.op_id.hex] = entry.record_label
        context = _context(session, {(r.tbl, r.row) for r in rows})
    grouped: dict[tuple, Conflict] = {}
    for r in rows:
        key = (r.tbl, r.row, r.field)
        if key not in grouped:
            seen = r.first_seen if isinstance(r.first_seen, dt.datetime) else dt.datetime.fromisoformat(str(r.first_seen))
            column = SYNCED_TABLES[r.tbl].c.get(r.field) if r.tbl in SYNCED_TABLES else None
            field_label = column.info.get("label", r.field) if column is not None else r.field
            pupil, class_name, subject = context.get((r.tbl, r.row), ("", "", ""))
            grouped[key] = Conflict(r.tbl, r.row, r.field, bool(r.official), seen, labels.get(r.op_id, ""), [],
                                    field_label, pupil, class_name, subject)
        name, author_id = authors.get(r.op_id, ("", ""))
        grouped[key].values.append(Value(json.loads(r.value), r.op_id, r._mapping["t"], name, author_id))
    return list(grouped.values())


def _context(session, records: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(pupil, class, subject) names of each conflicting record: one query per table, then the names."""
    by_table: dict[str, list[str]] = {}
    for table, row in records:
        by_table.setdefault(table, []).append(row)
    facts: dict[tuple[str, str], tuple] = {}
    pupils, classes, subjects = set(), set(), set()
    for table, rows in by_table.items():
        model_table = SYNCED_TABLES.get(table)
        if model_table is None:
            continue
        wanted = [c for c in ("pupil_id", "class_id", "subject_id") if c in model_table.c]
        if table == "pupil":
            wanted = ["id"]
        if not wanted:
            continue
        for start in range(0, len(rows), 400):
            chunk = [uuid.UUID(r) for r in rows[start:start + 400]]
            query = select(model_table.c.id, *(model_table.c[c] for c in wanted)).where(model_table.c.id.in_(chunk))
            for found in session.execute(query):
                values = dict(zip(wanted, found[1:]))
                pupil_id = found.id if table == "pupil" else values.get("pupil_id")
                facts[(table, found.id.hex)] = (pupil_id, values.get("class_id"), values.get("subject_id"))
                pupils.add(pupil_id)
                classes.add(values.get("class_id"))
                subjects.add(values.get("subject_id"))
    names = _names(session, "pupil", pupils, ("family_name", "middle_name", "given_name"))
    class_names = _names(session, "school_class", classes, ("name",))
    subject_names = _names(session, "subject", subjects, ("name",))
    return {key: (names.get(p, ""), class_names.get(c, ""), subject_names.get(s, ""))
            for key, (p, c, s) in facts.items()}


def _names(session, table: str, ids: set, columns: tuple[str, ...]) -> dict:
    ids = [i for i in ids if i is not None]
    model_table = Base.metadata.tables[table]
    found = {}
    for start in range(0, len(ids), 400):
        query = select(model_table.c.id, *(model_table.c[c] for c in columns)).where(
            model_table.c.id.in_(ids[start:start + 400]))
        for row in session.execute(query):
            found[row[0]] = " ".join(str(p) for p in row[1:] if p)
    return found


@dataclasses.dataclass(frozen=True)
class Quarantined:
    kind: str
    node: str
    seq: int
    table: str
    row_id: str
    author: str
    reason: str
    first_seen: str
    id: int = 0            # the quarantine entry (what release and dismiss take)
    label: str = ""        # the record as its author's PC named it ("Toán của Lê Thị Mai (GK1, lớp 4A)")
    fields: str = ""       # the values the op carried, readable ("Mức đạt được = CHT")
    pupil: str = ""        # the pupil, class and subject the record is about, when this PC has the record
    class_name: str = ""
    subject: str = ""


def _op_summary(op_text: str | None) -> tuple[str, str]:
    if not op_text:
        return "", ""
    try:
        op = json.loads(op_text)
    except ValueError:
        return "", ""
    table = SYNCED_TABLES.get(op.get("tbl"))

    def name_of(field: str) -> str:
        column = table.c.get(field) if table is not None else None
        return column.info.get("label", field) if column is not None else field

    shown = [f"{name_of(name)} = {_readable(value)}" for name, value in sorted((op.get("f") or {}).items())
             if name not in BOOKKEEPING and name != "id" and value != DELETED]
    if op.get("k") == "del":
        shown = [_("(xóa bản ghi)")]
    return str(op.get("l") or ""), "; ".join(shown)


def _readable(value) -> str:
    if value is None:
        return "∅"
    if isinstance(value, dict):
        return _("(dữ liệu nhị phân)")
    return str(value)


def list_quarantine(db: Database, actor: Actor) -> list[Quarantined]:
    with db.read() as session:
        require(session, actor, Action.AUDIT_VIEW)
        rows = session.execute(text(
            "SELECT id, kind, node, seq, tbl, row, author_name, reason, first_seen, op FROM sync_quarantine "
            "ORDER BY id")).all()
        context = _context(session, {(r.tbl, r.row) for r in rows if r.tbl and r.row})
    return [Quarantined(r.kind, r.node, r.seq, r.tbl or "", r.row or "", r.author_name, r.reason, str(r.first_seen),
                        r.id, *_op_summary(r.op), *context.get((r.tbl, r.row), ("", "", "")))
            for r in rows]


# --- the principal's decision on a quarantined op ------------------------------------------------------------

def _quarantined_op(session, actor: Actor, entry_id: int) -> tuple[object, dict]:
    require(session, actor, Action.AUDIT_VIEW)
    if not (actor.is_system or actor.has(Role.HIEU_TRUONG.value)):
        raise PermissionDenied(_("Chỉ Hiệu trưởng quyết định về thay đổi bị giữ lại."))
    found = session.execute(text("SELECT id, kind, node, seq, op_id, tbl, row, author_name, reason, op "
                                 "FROM sync_quarantine WHERE id = :i"), {"i": int(entry_id)}).first()
    if found is None:
        raise NotFound(_("Không có thay đổi bị giữ lại số {n} (có thể đã được xử lý).").format(n=entry_id))
    if found.kind != "op" or not found.op:
        raise ValidationError(_("Mục {n} là một máy bị tạm dừng nhận, không phải một thay đổi: việc này tự hết khi "
                                "máy đó được cập nhật hoặc tham gia lại.").format(n=entry_id))
    return found, json.loads(found.op)


def _python_value(column, value):
    """An op's JSON value as the Python value the ORM column holds."""
    if value is None:
        return None
    decode = TableCodec._decoder(column)
    value = decode(value) if decode is not None else value
    return uuid.UUID(value) if isinstance(value, str) and isinstance(column.type, Uuid) else value


def release(db: Database, actor: Actor, entry_id: int) -> str:
    """Apply a quarantined op the principal judged legitimate, as the principal's own change.

    The op is checked again against the rules as they stand now on this PC: a book that is
    locked now still refuses the mark (unlock it, or use the correction procedure), an edit of
    an insert-only ledger is still refused, a record that is not on this PC cannot be edited.
    Refused → ``ValidationError`` saying why, nothing changes.  Applied → the values travel to
    the other PCs as a resolution by the principal (kind ``res``, which every PC accepts from
    the principal); the entry leaves the list; the audit log has the change.  Returns the
    record's label.
    """
    with db.write(actor) as session:
        found, op = _quarantined_op(session, actor, entry_id)
        table_name, row_id = op["tbl"], uuid.UUID(op["row"])
        model_table = SYNCED_TABLES.get(table_name)
        if model_table is None:
            raise ValidationError(_("Bảng “{t}” không phải dữ liệu đồng bộ: không thể ghi.").format(t=table_name))
        if table_name in LEDGER_TABLES and op["k"] != "ins":
            raise ValidationError(_("Vẫn không ghi được: sổ này chỉ được ghi thêm, không được sửa dòng đã có."))
        model = next(m.class_ for m in Base.registry.mappers if m.local_table is model_table)
        obj = session.get(model, row_id)
        columns = {c.key: c for c in model_table.columns}
        values = {}
        for name, value in (op.get("f") or {}).items():
            if name in columns and name not in BOOKKEEPING and name != "id" and value != DELETED:
                values[name] = _python_value(columns[name], value)
        if op["k"] == "del":
            values = {"deleted": True}
        if obj is None and op["k"] != "ins":
            raise ValidationError(_("Vẫn không ghi được: bản ghi này chưa có trên máy (bản ghi gốc bị giữ lại "
                                    "hoặc chưa tới)."))
        if obj is not None and op["k"] == "ins":
            values = {k: v for k, v in values.items() if getattr(obj, k, None) != v}
        if table_name in ("subject_result", "trait_result"):
            _check_not_locked(session, obj, values)
        now = utcnow()
        secret = frozenset(c.key for c in model_table.columns if c.info.get("secret"))
        if obj is None:
            row = {c.key: None for c in model_table.columns if c.key != "id"}
            row.update(values)
            row.update({"created_at": now, "created_by": actor.account_id, "updated_at": now,
                        "updated_by": actor.account_id})
            row = {k: v for k, v in row.items() if k in columns}
            if "version" in columns and row.get("version") is None:
                row["version"] = 1
            if "deleted" in columns and row.get("deleted") is None:
                row["deleted"] = False
            change = capture.RowChange(table=table_name, row_id=row_id, kind="res", new=dict(row),
                                       old={k: None for k in row}, label=str(op.get("l") or ""),
                                       class_id=uuid.UUID(op["c"]) if op.get("c") else None, secret=secret)
            statement = model_table.insert().values(id=row_id, **row)
        else:
            stored = {**values, "updated_at": now, "updated_by": actor.account_id}
            stored = {k: v for k, v in stored.items() if k in columns}
            change = capture.RowChange(table=table_name, row_id=row_id, kind="res", new=dict(stored),
                                       old={k: getattr(obj, k) for k in stored}, label=obj.audit_label(),
                                       class_id=obj.audit_class_id(), secret=secret)
            statement = model_table.update().where(model_table.c.id == row_id).values(stored)
        capture._allow_raw_writes(True)
        try:
            with session.begin_nested():
                session.connection().execute(statement)
        except IntegrityError as error:
            raise ValidationError(_("Vẫn không ghi được: dữ liệu không khớp với cơ sở dữ liệu trên máy này "
                                    "({e}).").format(e=error.orig)) from None
        capture.write_journal(session, actor, [change])
        _decide(session, found, op, RELEASED, change.label)
        if obj is not None:
            session.expire(obj)
        return change.label


def _check_not_locked(session, obj, values: dict) -> None:
    from nk_desktop.models.school import SchoolClass
    from nk_desktop.services.gradebook import active_lock

    class_id = values.get("class_id", getattr(obj, "class_id", None))
    subject_id = values.get("subject_id", getattr(obj, "subject_id", None))
    milestone = values.get("milestone", getattr(obj, "milestone", None))
    school_class = session.get(SchoolClass, class_id) if class_id else None
    if school_class is None:
        return
    lock = active_lock(session, school_class, subject_id, milestone)
    if lock is not None and lock.locked:
        raise ValidationError(_("Vẫn không ghi được: sổ điểm lớp {c} ({m}) đang khóa. Hãy mở khóa trước, hoặc sửa "
                                "điểm theo thủ tục biên bản (Điều 11.2).").format(c=school_class.name, m=milestone))


def dismiss(db: Database, actor: Actor, entry_id: int) -> str:
    """Drop a quarantined op from the list: the principal judged it should not be applied (audited)."""
    with db.write(actor) as session:
        found, op = _quarantined_op(session, actor, entry_id)
        label, fields = _op_summary(found.op)
        _audit_decision(session, actor, op, "dismiss", {"quyet_dinh": [None, _("bỏ qua thay đổi bị giữ lại")],
                                                          "ly_do_giu": [None, found.reason],
                                                          "tac_gia": [None, found.author_name],
                                                          "gia_tri": [None, fields]})
        _decide(session, found, op, DISMISSED, label)
        return label


def _decide(session, found, op: dict, decision: str, label: str) -> None:
    """Record the principal's decision (synced: the other PCs drop their own copy of the held-back op) and
    take the op off this PC's list."""
    record = QuarantineDecision(op_id=uuid.UUID(op["id"]), decision=decision, summary=label)
    record.label_for_audit = _("quyết định về thay đổi bị giữ lại: {label}").format(label=label)
    session.add(record)
    session.flush()
    session.execute(text("DELETE FROM sync_quarantine WHERE id = :i"), {"i": found.id})


def _audit_decision(session, actor: Actor, op: dict, kind: str, shown: dict) -> None:
    """One audit entry (hash-chained like capture's) for a decision that changes no synced record."""
    state = capture._lock_state(session)
    seq_text, prev_hash = state["audit_head"].value.split(":", 1)
    seq = int(seq_text) + 1
    entry = {"seq": seq, "at": utcnow(), "actor_id": actor.account_id, "actor_name": actor.display_name,
             "table_name": op["tbl"], "row_id": uuid.UUID(op["row"]), "record_label": str(op.get("l") or "")[:300],
             "class_id": uuid.UUID(op["c"]) if op.get("c") else None, "kind": kind,
             "changes": capture.canonical(shown), "op_id": uuid.UUID(op["id"]), "prev_hash": prev_hash}
    entry["entry_hash"] = capture.entry_hash(capture.audit_fields(entry))
    session.connection().execute(insert(AuditEntry.__table__), [entry])
    state["audit_head"].value = f"{seq}:{entry['entry_hash']}"


def open_conflicts(session, table: str, row_ids) -> set[tuple[str, str]]:
    """(row, field) pairs with an open conflict among *row_ids* of *table* (printing and locking check this)."""
    ids = [r.hex if isinstance(r, uuid.UUID) else r for r in row_ids]
    found = set()
    for start in range(0, len(ids), 400):
        chunk = ids[start:start + 400]
        marks = ",".join(f":r{i}" for i in range(len(chunk)))
        # PostgreSQL hands back its native uuid; SQLite keeps the hex text the journal writes.
        found |= {(row.hex if isinstance(row, uuid.UUID) else row, field) for row, field in session.execute(
            text(f"SELECT row, field FROM sync_conflict WHERE tbl = :t AND row IN ({marks})"),
            {"t": table, **{f"r{i}": v for i, v in enumerate(chunk)}})}
    return found


def resolve(db: Database, actor: Actor, table: str, row_id: uuid.UUID, field: str, value) -> None:
    """Settle a conflicting field on *value*, one of the values it holds (the op replaces every value shown)."""
    model_table = SYNCED_TABLES.get(table)
    if model_table is None or field not in model_table.c:
        raise NotFound(_("Không có trường dữ liệu này."))
    with db.write(actor) as session:
        found = session.execute(text("SELECT op_id, value FROM sync_head WHERE tbl = :t AND row = :r AND field = :f"),
                                {"t": table, "r": row_id.hex, "f": field}).all()
        heads = [op_id for op_id, _value in found]
        if len({v for _op, v in found}) < 2:
            raise ValidationError(_("Ô này không còn xung đột."))
        if canonical(encode_value(value)) not in {v for _op, v in found}:
            raise ValidationError(_("Hãy chọn một trong các giá trị đang có; muốn ghi giá trị khác, hãy sửa ô đó "
                                    "như bình thường (việc sửa cũng giải quyết xung đột)."))
        authors = set(session.scalars(select(AuditEntry.actor_id).where(
            AuditEntry.op_id.in_([uuid.UUID(h) for h in heads]))))
        if not (actor.is_system or actor.has(Role.HIEU_TRUONG.value) or actor.account_id in authors):
            raise PermissionDenied(_("Chỉ Hiệu trưởng hoặc người đã nhập một trong các giá trị được chọn giá trị đúng."))
        model = next(m.class_ for m in Base.registry.mappers if m.local_table is model_table)
        obj = session.get(model, row_id)
        now = utcnow()
        secret = frozenset(c.key for c in model_table.columns if c.info.get("secret"))
        change = capture.RowChange(table=table, row_id=row_id, kind="res",
                                   new={field: value, "updated_at": now, "updated_by": actor.account_id},
                                   old={field: getattr(obj, field), "updated_at": obj.updated_at,
                                        "updated_by": obj.updated_by},
                                   label=obj.audit_label(), class_id=obj.audit_class_id(), secret=secret)
        stored = {"updated_at": now, "updated_by": actor.account_id}
        if value != DELETED:  # "keep it deleted" leaves the column as it is (the row is a tombstone)
            stored[field] = value
        capture._allow_raw_writes(True)
        session.connection().execute(model_table.update().where(model_table.c.id == row_id).values(stored))
        capture.write_journal(session, actor, [change])
        session.expire(obj)

