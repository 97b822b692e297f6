"""Marks edited after a lock (sync-design §4.3, "milestone locks"): flagged on import, reviewed by the principal.

A mark typed on a PC that had not yet received the principal's lock is applied on every PC
(authorize reads locks as its writer saw them); a PC where that lock was already in force when the
mark arrived records it in ``sync_late_edit`` (``importer.SegmentApplier._late``).  The principal
(or the DB admin, who applies corrections: regulation Điều 11.2) then either **keeps** it or
**reverts** it: the previous values written back through the normal write path as a correction
(an op of kind ``res``, which every PC's permission re-check accepts from them, so it reaches the
PC that made the edit too).  Both decisions are recorded in the audit log.  Until then the locked
book is not printed (``services.books.refuse_if_conflicts``).

The table is local like ``sync_quarantine``: each PC flags what it received after its own lock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid

from sqlalchemy import text

from nk_desktop.actor import Actor
from nk_desktop.clock import utcnow
from nk_desktop.db import Database
from nk_desktop.errors import NotFound, PermissionDenied, ValidationError
from nk_desktop.i18n import _
from nk_desktop.services.audit import empty_or_flag_text
from nk_desktop.services.permissions import Action, Role, require
from nk_desktop.sync.merge import BOOKKEEPING
from nk_desktop.sync.ops import DELETED, canonical, encode_value

LATE_TABLES = frozenset({"subject_result", "trait_result"})  # the marks locks cover (year results are not locked)
KEPT, REVERTED = "giữ", "hoàn lại"
_IDENTITY = frozenset({"id", "year_id", "class_id", "pupil_id", "subject_id", "milestone", "trait"})
_EMPTY = (None, "", False)
_H, _QT = Role.HIEU_TRUONG.value, Role.QUAN_TRI_CSDL.value


# --- on import (no ORM: the importer's raw connection) ------------------------------------------------

def may_write_locked(roles: set[str], kind: str) -> bool:
    """Authors whose ops pass a lock anyway (as ``authorize.refusal``): the DB admin applying corrections,
    the principal settling a cell.  Their ops are never flagged."""
    return _QT in roles or (kind == "res" and _H in roles)


def late_changes(op: dict, current) -> dict:
    """{field: [old, new]} of the mark values an op writes (op JSON values); *current* = the row before it."""
    if op["k"] == "del":
        return {"deleted": [False, True]}
    changes = {}
    for field, new in op["f"].items():
        if field in BOOKKEEPING or field in _IDENTITY or type(new) is dict:
            continue
        old = current.get(field) if current is not None else None
        if current is None and new in _EMPTY:
            continue  # an insert leaving the field empty changes nothing a reader sees
        if canonical(old) != canonical(new):
            changes[field] = [old, new]
    return changes


class LocalLocks:
    """This PC's mark locks as stored, read once per segment: "which lock is in force over these cells?"

    The same rule as ``services.gradebook.active_lock`` (the most specific lock record, locked or
    not, decides), on the raw rows (ids as hex)."""

    def __init__(self, raw, locks: list[tuple]):
        self.raw, self.locks = raw, locks
        self.classes: dict[str, tuple | None] = {}
        self.found: dict[tuple, str | None] = {}
        # The classes some lock in force may cover (by year, grade or class): a mark of any other class is
        # passed over with one set lookup (classes made later in the segment are looked up in ``in_force``).
        locked = [lock for lock in locks if lock[6]]
        classes = raw.execute("SELECT id, year_id, grade FROM school_class").fetchall()
        self.known: set[str] = {row[0] for row in classes}
        self.maybe: set[str] = {row[0] for row in classes
                                if any(lock[1] == row[1] and lock[2] in (None, row[2]) and lock[3] in (None, row[0])
                                       for lock in locked)}

    @classmethod
    def read(cls, raw) -> "LocalLocks | None":
        """None when no lock is in force at all (the common case: nothing to check per op)."""
        locks = raw.execute("SELECT id, year_id, grade, class_id, subject_id, milestone, locked, updated_at "
                            "FROM mark_lock WHERE deleted = 0").fetchall()
        return cls(raw, locks) if any(lock[6] for lock in locks) else None

    def may_cover(self, class_id) -> bool:
        """False only when no lock in force can cover this class (cheap; ``in_force`` decides otherwise)."""
        return type(class_id) is not str or class_id in self.maybe or class_id not in self.known

    def in_force(self, class_id, subject_id, milestone) -> str | None:
        """The id of the locked lock record deciding these cells, or None."""
        key = (class_id, subject_id, milestone)
        if key in self.found:
            return self.found[key]
        if type(class_id) is not str or type(milestone) is not str:
            return None
        if class_id not in self.classes:
            self.classes[class_id] = self.raw.execute("SELECT year_id, grade FROM school_class WHERE id = ?",
                                                      (class_id,)).fetchone()
        school_class = self.classes[class_id]
        best = None
        if school_class is not None:
            year_id, grade = school_class
            candidates = [lock for lock in self.locks
                          if lock[1] == year_id and lock[2] in (None, grade) and lock[3] in (None, class_id)
                          and (lock[4] in (None, subject_id) if subject_id else lock[4] is None)
                          and lock[5] in (None, milestone)]
            if candidates:
                best = max(candidates, key=lambda lock: (lock[3] is not None, lock[2] is not None,
                                                         lock[4] is not None, lock[5] is not None, lock[7] or ""))
        found = self.found[key] = best[0] if best is not None and best[6] else None
        return found


# --- the principal's list and decisions --------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Change:
    field: str
    label: str        # the column's Vietnamese name
    old: object
    new: object

    @staticmethod
    def _text(value) -> str:
        plain = empty_or_flag_text(value)
        return str(value) if plain is None else plain

    @property
    def text(self) -> str:
        if self.field == "deleted":
            return _("xóa bản ghi") if self.new else _("khôi phục bản ghi")
        return f"{self.label}: {self._text(self.old)} → {self._text(self.new)}"


@dataclasses.dataclass(frozen=True)
class LateEdit:
    id: int
    table: str
    row_id: str
    pupil: str
    class_name: str
    topic: str                 # the subject, or the quality/competency
    milestone: str
    changes: tuple[Change, ...]
    author: str
    made_at: dt.datetime
    received_at: dt.datetime
    decision: str | None = None
    reviewed_by: str = ""
    reviewed_at: dt.datetime | None = None

    @property
    def changes_text(self) -> str:
        return "; ".join(c.text for c in self.changes)


def may_decide(actor: Actor) -> bool:
    """What ``keep`` and ``revert`` allow: the principal, or the DB admin (who applies corrections)."""
    return actor.is_system or actor.has(_H) or actor.has(_QT)


def _moment(value) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def list_late_edits(db: Database, actor: Actor, *, reviewed: bool = False) -> list[LateEdit]:
    """Edits after a lock waiting for a decision (with ``reviewed``: the decided ones too), oldest first."""
    from nk_desktop.models.base import Base
    from nk_desktop.services import assessment_rules as rules
    from nk_desktop.sync.conflicts import _names

    with db.read() as session:
        require(session, actor, Action.AUDIT_VIEW)
        rows = session.execute(text(
            "SELECT id, tbl, row, fields, author_name, made_at, received_at, decision, reviewed_by_name, reviewed_at "
            "FROM sync_late_edit" + ("" if reviewed else " WHERE decision IS NULL") + " ORDER BY id")).all()
        facts: dict[tuple[str, str], tuple] = {}
        for table in LATE_TABLES:
            ids = [uuid.UUID(str(r.row)) if not isinstance(r.row, uuid.UUID) else r.row for r in rows if r.tbl == table]
            model_table = Base.metadata.tables[table]
            topic = model_table.c.subject_id if table == "subject_result" else model_table.c.trait
            for start in range(0, len(ids), 400):
                query = model_table.select().with_only_columns(
                    model_table.c.id, model_table.c.pupil_id, model_table.c.class_id, topic,
                    model_table.c.milestone).where(model_table.c.id.in_(ids[start:start + 400]))
                for found in session.execute(query):
                    facts[(table, found[0].hex)] = tuple(found[1:])
        pupils = _names(session, "pupil", {f[0] for f in facts.values()}, ("family_name", "middle_name", "given_name"))
        classes = _names(session, "school_class", {f[1] for f in facts.values()}, ("name",))
        subjects = _names(session, "subject", {f[2] for (t, _r), f in facts.items() if t == "subject_result"},
                          ("name",))
    out = []
    for r in rows:
        row_hex = r.row.hex if isinstance(r.row, uuid.UUID) else str(r.row)
        pupil_id, class_id, topic_id, milestone = facts.get((r.tbl, row_hex), (None, None, None, ""))
        topic = subjects.get(topic_id, "") if r.tbl == "subject_result" else rules.TRAIT_NAMES.get(topic_id, topic_id or "")
        columns = Base.metadata.tables[r.tbl].c
        changes = tuple(Change(field, (columns[field].info.get("label") if field in columns else None) or field, old, new)
                        for field, (old, new) in json.loads(r.fields).items())
        out.append(LateEdit(r.id, r.tbl, row_hex, pupils.get(pupil_id, ""), classes.get(class_id, ""), topic,
                            milestone or "", changes, r.author_name, _moment(r.made_at), _moment(r.received_at),
                            r.decision, r.reviewed_by_name or "", _moment(r.reviewed_at)))
    return out


def unreviewed(session, table: str, row_ids) -> int:
    """How many edits after a lock wait for a decision among *row_ids* of *table* (printing checks this)."""
    ids = [r.hex if isinstance(r, uuid.UUID) else r for r in row_ids]
    count = 0
    for start in range(0, len(ids), 400):
        chunk = ids[start:start + 400]
        marks = ",".join(f":r{i}" for i in range(len(chunk)))
        count += session.execute(text(
            f"SELECT COUNT(*) FROM sync_late_edit WHERE decision IS NULL AND tbl = :t AND row IN ({marks})"),
            {"t": table, **{f"r{i}": v for i, v in enumerate(chunk)}}).scalar()
    return count


def _pending(session, actor: Actor, entry_id: int):
    require(session, actor, Action.AUDIT_VIEW)
    if not may_decide(actor):
        raise PermissionDenied(_("Chỉ Hiệu trưởng (hoặc người quản trị CSDL) quyết định giữ hay hoàn lại điểm bị "
                                 "sửa sau khi khóa sổ."))
    found = session.execute(text("SELECT id, op_id, tbl, row, fields, author_name, decision FROM sync_late_edit "
                                 "WHERE id = :i"), {"i": int(entry_id)}).first()
    if found is None:
        raise NotFound(_("Không có mục sửa sau khi khóa số {n}.").format(n=entry_id))
    if found.decision is not None:
        raise ValidationError(_("Mục này đã được xem xét ({d}).").format(d=found.decision))
    return found


def _record(session, actor: Actor, found, decision: str) -> None:
    session.execute(text("UPDATE sync_late_edit SET decision = :d, reviewed_by = :u, reviewed_by_name = :n, "
                         "reviewed_at = :at WHERE id = :i"),
                    {"d": decision, "u": actor.account_id.hex if actor.account_id else None,
                     "n": actor.display_name[:200], "at": utcnow(), "i": found.id})


def _hex(value) -> str:
    return value.hex if isinstance(value, uuid.UUID) else str(value)


def _mark(session, found):
    from nk_desktop.models.gradebook import SubjectResult, TraitResult

    model = SubjectResult if found.tbl == "subject_result" else TraitResult
    obj = session.get(model, uuid.UUID(_hex(found.row)))
    if obj is None:
        raise NotFound(_("Bản ghi điểm này không còn trên máy."))
    return model, obj


def _readable(changes: dict) -> str:
    return "; ".join(f"{field}: {canonical(old)} → {canonical(new)}" for field, (old, new) in changes.items())


def _refuse_if_conflict(session, found, changes: dict) -> None:
    from nk_desktop.sync.conflicts import open_conflicts

    if any(field in changes for _row, field in open_conflicts(session, found.tbl, [_hex(found.row)])):
        raise ValidationError(_("Ô này đang có xung đột đồng bộ (hai giá trị từ hai máy): hãy giải quyết xung đột "
                                "trước (Đồng bộ → Xung đột cần giải quyết)."))


def _write_res(session, actor: Actor, model, obj, stored: dict) -> str:
    """Write *stored* into the mark as the decider's resolution (kind ``res``: journaled, audited, sent to every
    PC, accepted there in a locked book from the principal or DB admin, and settling their own flags)."""
    from nk_desktop.sync import capture

    model_table = model.__table__
    stored = {**stored, "updated_at": utcnow(), "updated_by": actor.account_id}
    change = capture.RowChange(table=model_table.name, row_id=obj.id, kind="res", new=dict(stored),
                               old={k: getattr(obj, k) for k in stored}, label=obj.audit_label(),
                               class_id=obj.audit_class_id(),
                               secret=frozenset(c.key for c in model_table.columns if c.info.get("secret")))
    statement = model_table.update().where(model_table.c.id == obj.id).values(
        {**stored, "version": model_table.c.version + 1})  # a grid still showing the old row must reload
    capture._allow_raw_writes(True)
    session.connection().execute(statement)
    capture.write_journal(session, actor, [change])
    session.expire(obj)
    return change.label


def keep(db: Database, actor: Actor, entry_id: int) -> str:
    """The principal (or DB admin) accepts the edit made after the lock: the values stay.

    The decision is audited, and the values as they stand are written as the decider's resolution
    (kind ``res``), so the other PCs that flagged the same edit see it decided too."""
    from nk_desktop.sync.conflicts import _audit_decision

    with db.write(actor) as session:
        found = _pending(session, actor, entry_id)
        model, obj = _mark(session, found)
        changes = json.loads(found.fields)
        _refuse_if_conflict(session, found, changes)
        label = obj.audit_label()
        _audit_decision(session, actor, {"id": _hex(found.op_id), "tbl": found.tbl, "row": _hex(found.row), "l": label,
                                         "c": obj.class_id.hex if obj.class_id else None},
                        "keep", {"quyet_dinh": [None, _("giữ điểm sửa sau khi khóa sổ")],
                                 "tac_gia": [None, found.author_name],
                                 "gia_tri": [None, _readable(changes)]})
        _write_res(session, actor, model, obj, {field: getattr(obj, field) for field in changes})
        _record(session, actor, found, KEPT)
        return label


def revert(db: Database, actor: Actor, entry_id: int) -> str:
    """Write the values from before the edit back, as the principal's (or DB admin's) correction.

    Through the normal write path (change record, audit entry, op of kind ``res`` that every PC
    accepts from them), so the PC that made the edit gets the old values too.  Refused, with
    nothing changed, when the cell no longer holds the late value (changed again since) or is in
    a sync conflict."""
    from nk_desktop.sync.conflicts import _python_value

    with db.write(actor) as session:
        found = _pending(session, actor, entry_id)
        model, obj = _mark(session, found)
        changes = json.loads(found.fields)
        _refuse_if_conflict(session, found, changes)
        stored = {}
        for field, (old, new) in changes.items():
            column = model.__table__.c[field]
            now_value = getattr(obj, field)
            if canonical(encode_value(now_value)) != canonical(new):
                raise ValidationError(_("Không hoàn lại được: {f} hiện là “{now}”, không còn là giá trị sửa sau khi "
                                        "khóa (“{new}”); đã có người sửa lại. Hãy chọn “Giữ”, rồi sửa theo thủ tục "
                                        "biên bản nếu cần (Điều 11.2).").format(
                    f=column.info.get("label", field), now="" if now_value is None else now_value,
                    new="" if new is None else new))
            value = _python_value(column, old) if old != DELETED else None
            if value is None and not column.nullable:
                value = column.default.arg if column.default is not None and column.default.is_scalar else ""
            stored[field] = value
        label = _write_res(session, actor, model, obj, stored)
        _record(session, actor, found, REVERTED)
        return label


def settled_by(pending: list[tuple], op: dict) -> list[tuple]:
    """On import: (decision, id) for each of this PC's pending flags on *op*'s row that a decider's resolution
    (``keep``/``revert`` on another PC, or any ``res`` of theirs) settles — kept when it holds the late values."""
    done = []
    for entry_id, fields_text in pending:
        changes = json.loads(fields_text)
        written = [field for field in changes if field in op["f"]]
        if written:
            kept = all(canonical(op["f"][field]) == canonical(changes[field][1]) for field in written)
            done.append((KEPT if kept else REVERTED, entry_id))
    return done
