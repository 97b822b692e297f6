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

from sqlalchemy import select, text

from nk_desktop.actor import Actor
from nk_desktop.clock import utcnow
from nk_desktop.db import Database
from nk_desktop.errors import NotFound, PermissionDenied, ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.base import Base
from nk_desktop.models.journal import AuditEntry
from nk_desktop.services.permissions import Action, Role, require
from nk_desktop.sync import capture
from nk_desktop.sync.importer import SYNCED_TABLES
from nk_desktop.sync.ops import DELETED, canonical, encode_value


@dataclasses.dataclass(frozen=True)
class Value:
    value: object          # JSON value; ``DELETED`` = the record was deleted on that PC
    op_id: str
    t: int
    author: str            # who wrote it, from the audit log ("" if unknown)

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
            for entry in session.execute(select(AuditEntry.op_id, AuditEntry.actor_name, AuditEntry.record_label)
                                         .where(AuditEntry.op_id.in_(op_ids[start:start + 400]))):
                authors[entry.op_id.hex] = entry.actor_name
                labels[entry.op_id.hex] = entry.record_label
    grouped: dict[tuple, Conflict] = {}
    for r in rows:
        key = (r.tbl, r.row, r.field)
        if key not in grouped:
            seen = r.first_seen if isinstance(r.first_seen, dt.datetime) else dt.datetime.fromisoformat(str(r.first_seen))
            grouped[key] = Conflict(r.tbl, r.row, r.field, bool(r.official), seen, labels.get(r.op_id, ""), [])
        grouped[key].values.append(Value(json.loads(r.value), r.op_id, r._mapping["t"], authors.get(r.op_id, "")))
    return list(grouped.values())


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


def list_quarantine(db: Database, actor: Actor) -> list[Quarantined]:
    with db.read() as session:
        require(session, actor, Action.AUDIT_VIEW)
        rows = session.execute(text(
            "SELECT kind, node, seq, tbl, row, author_name, reason, first_seen FROM sync_quarantine ORDER BY id")).all()
    return [Quarantined(r.kind, r.node, r.seq, r.tbl or "", r.row or "", r.author_name, r.reason, str(r.first_seen))
            for r in rows]


def open_conflicts(session, table: str, row_ids) -> set[tuple[str, str]]:
    """(row, field) pairs with an open conflict among *row_ids* of *table* (printing and locking check this)."""
    ids = [r.hex if isinstance(r, uuid.UUID) else r for r in row_ids]
    found = set()
    for start in range(0, len(ids), 400):
        chunk = ids[start:start + 400]
        marks = ",".join(f":r{i}" for i in range(len(chunk)))
        found |= {(row, field) for row, field in session.execute(
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

