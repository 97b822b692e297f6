"""The one write path: every change to a synced table is journaled and audited.

A ``before_flush`` hook walks the session's new and changed synced objects and,
in the same transaction, appends per changed row

* a ``change_record`` (the op the sync ships: table, row, changed fields with
  their new values, author, hybrid logical clock, this PC's node id), and
* an ``audit_entry`` (who, when, which record, old → new), hash-chained.

``bulk_insert`` is the same path for imports that must not pay the ORM's
per-object cost: rows and journal go in as a few executemany calls, and the new rows
and ops get time-ordered ids (``ordered_ids``) so a batch touches few index pages.
Everything else that would write a synced table without passing here is refused:
ORM bulk UPDATE/DELETE/INSERT statements, hard deletes, and (when the database is
opened with ``strict_writes``, as in tests) raw SQL, through SQLite's authorizer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import hashlib
import json
import operator
import secrets
import sqlite3
import threading
import time
import uuid
from typing import Any, Iterable

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from nk_desktop.actor import Actor
from nk_desktop.clock import utcnow
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.models.base import Base, is_synced
from nk_desktop.models.journal import AuditEntry, ChangeRecord, LocalState
from nk_desktop.sync import hlc, outbox

GENESIS_HASH = "0" * 64
CLOCK_OFFSET_KEY = "clock_offset_ms"  # file server's clock minus this PC's (measured by sync)
SECRET_MARK = "***"
# Bookkeeping columns: never shown in an audit entry; a change of these alone is no change.
# ``version`` is the official records' optimistic version (services/versions.py).
META_FIELDS = frozenset({"created_at", "created_by", "updated_at", "updated_by", "version"})


class CaptureBypass(NKError):
    """A write tried to reach a synced table without the journal."""


@dataclasses.dataclass
class RowChange:
    table: str
    row_id: uuid.UUID
    kind: str  # ins | upd | del
    new: dict[str, Any]  # every changed column (meta included) → new value
    old: dict[str, Any]  # same keys → old value (None for inserts)
    label: str
    class_id: uuid.UUID | None
    secret: frozenset[str]
    # A bulk insert's JSON made once per batch (``insert_texts``): the change record's fields, the audit
    # entry's changes, and the op's ``"key":value,…`` (column order, no id); None: each is encoded when written.
    texts: tuple[str, str, str] | None = None


_PLAIN = frozenset({type(None), bool, int, str, float})


def jsonable(value: Any) -> Any:
    """A column value as JSON (dates ISO, UUIDs hex, bytes as a length marker)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is uuid.UUID:
        return value.hex
    if isinstance(value, (bool, int, str, float)) or value is None:
        return value
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"bytes": len(bytes(value)), "sha256": hashlib.sha256(bytes(value)).hexdigest()}
    return str(value)


# One encoder for every call: ``json.dumps`` with options builds a new one each time.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical(value: Any) -> str:
    return _ENCODER.encode(value)


def entry_hash(fields: dict[str, Any]) -> str:
    """SHA-256 of an audit entry's content (which includes the previous hash)."""
    return hashlib.sha256(canonical(fields).encode("utf-8")).hexdigest()


def ordered_ids(count: int) -> list[uuid.UUID]:
    """*count* new UUIDs (version 7: milliseconds since 1970, then random bits), increasing.

    Ids made together sort together, so a batch of rows lands on a few pages of each index
    keyed by them instead of one random page per row (the cost of a large import).
    """
    millis = time.time_ns() // 1_000_000
    start = secrets.randbits(73)  # room to count up without overflowing the 74 random bits
    head = (millis & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76 | 0b10 << 62
    ids = []
    for n in range(start, start + count):
        ids.append(uuid.UUID(int=head | (n >> 62) << 64 | (n & 0x3FFF_FFFF_FFFF_FFFF)))
    return ids


def audit_fields(entry: dict[str, Any]) -> dict[str, Any]:
    """The part of an audit row that the hash covers, in a stable form."""
    return {
        "seq": entry["seq"],
        "at": jsonable(entry["at"]),
        "actor_id": jsonable(entry["actor_id"]),
        "actor_name": entry["actor_name"],
        "table": entry["table_name"],
        "row": jsonable(entry["row_id"]),
        "label": entry["record_label"],
        "class": jsonable(entry["class_id"]),
        "kind": entry["kind"],
        "changes": entry["changes"],
        "op": jsonable(entry["op_id"]),
        "prev": entry["prev_hash"],
    }


def _secret_keys(mapper) -> frozenset[str]:
    return frozenset(c.key for c in mapper.columns if c.info.get("secret"))


def _apply_python_defaults(obj, mapper) -> None:
    """Fill scalar/callable column defaults now, so the op holds the values stored."""
    for column in mapper.columns:
        key = mapper.get_property_by_column(column).key
        if getattr(obj, key) is None and column.default is not None:
            default = column.default
            if default.is_scalar:
                setattr(obj, key, default.arg)
            elif default.is_callable:
                setattr(obj, key, default.arg({}))


def _change_for_new(obj, actor: Actor, now: dt.datetime) -> RowChange:
    mapper = inspect(obj).mapper
    _apply_python_defaults(obj, mapper)
    obj.created_at = obj.updated_at = now
    obj.created_by = obj.updated_by = actor.account_id
    values = {prop.key: getattr(obj, prop.key) for prop in mapper.column_attrs}
    return RowChange(
        table=str(mapper.local_table.name),  # plain str: SQLAlchemy's quoted_name costs the driver a lookup
        row_id=obj.id,
        kind="ins",
        new=values,
        old={key: None for key in values},
        label=obj.audit_label(),
        class_id=obj.audit_class_id(),
        secret=_secret_keys(mapper),
    )


def _change_for_dirty(obj, actor: Actor, now: dt.datetime) -> RowChange | None:
    state = inspect(obj)
    mapper = state.mapper
    new: dict[str, Any] = {}
    old: dict[str, Any] = {}
    for prop in mapper.column_attrs:
        history = state.attrs[prop.key].history
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before == after:
            continue
        new[prop.key], old[prop.key] = after, before
    if not new or set(new) <= META_FIELDS:
        return None
    if "id" in new:
        raise CaptureBypass(_("Không được đổi khóa của một bản ghi."))
    obj.updated_at, obj.updated_by = now, actor.account_id
    old.setdefault("updated_at", state.committed_state.get("updated_at"))
    old.setdefault("updated_by", state.committed_state.get("updated_by"))
    new["updated_at"], new["updated_by"] = now, actor.account_id
    kind = "del" if new.get("deleted") is True else "upd"
    return RowChange(
        table=str(mapper.local_table.name),  # plain str: SQLAlchemy's quoted_name costs the driver a lookup
        row_id=obj.id,
        kind=kind,
        new=new,
        old=old,
        label=obj.audit_label(),
        class_id=obj.audit_class_id(),
        secret=_secret_keys(mapper),
    )


_PROCESSORS: dict[tuple, tuple] = {}


def insert_rows(connection, table, rows: list[dict[str, Any]]) -> None:
    """INSERT *rows* (dicts with the same keys) into *table* in one executemany.

    On SQLite the values go through each column's bind processor straight to the driver
    (SQLAlchemy's per-row parameter handling costs more than SQLite's insert); elsewhere Core.
    """
    if not rows:
        return
    dialect = connection.dialect
    if dialect.name != "sqlite":
        connection.execute(insert(table), rows)
        return
    keys = tuple(rows[0])
    cache_key = (table.name, keys, dialect)
    prepared = _PROCESSORS.get(cache_key)
    if prepared is None:
        columns = [table.c[key] for key in keys]
        processors = [column.type._cached_bind_processor(dialect) for column in columns]
        sql = "INSERT INTO {} ({}) VALUES ({})".format(
            dialect.identifier_preparer.format_table(table),
            ", ".join(dialect.identifier_preparer.format_column(column) for column in columns),
            ", ".join("?" * len(columns)))
        pick = operator.itemgetter(*keys) if len(keys) > 1 else (lambda row, key=keys[0]: (row[key],))
        prepared = _PROCESSORS[cache_key] = (
            sql, pick, [(position, process) for position, process in enumerate(processors) if process is not None])
    sql, pick, processors = prepared
    values = []
    stamps: dict[tuple, Any] = {}  # a batch shares its timestamps: format each once
    for row in rows:
        line = list(pick(row))
        for position, process in processors:
            value = line[position]
            if value is None:
                continue
            if type(value) is dt.datetime:
                done = stamps.get((position, value))
                if done is None:
                    done = stamps[(position, value)] = process(value)
                line[position] = done
            else:
                line[position] = process(value)
        values.append(tuple(line))
    connection.exec_driver_sql(sql, values)


def session_actor(session: Session) -> Actor:
    actor = session.info.get("actor")
    if actor is None:
        raise CaptureBypass(_("Thao tác ghi dữ liệu phải cho biết người thực hiện."))
    return actor


def _lock_state(session: Session) -> dict[str, LocalState]:
    """This PC's node id, clock and audit chain head, locked for this transaction."""
    rows = session.scalars(
        select(LocalState)
        .where(LocalState.key.in_(("node_id", "hlc", "audit_head", CLOCK_OFFSET_KEY)))
        .with_for_update()
    ).all()
    state = {row.key: row for row in rows}
    if "node_id" not in state:
        raise CaptureBypass(_("Cơ sở dữ liệu chưa được khởi tạo (thiếu mã máy)."))
    for key, initial in (("hlc", "0"), ("audit_head", f"0:{GENESIS_HASH}")):
        if key not in state:
            state[key] = LocalState(key=key, value=initial)
            session.add(state[key])
    return state


_RECORD_COLUMNS = ("op_id", "hlc", "node_id", "author_id", "table_name", "row_id", "kind", "fields", "recorded_at")
_AUDIT_COLUMNS = ("seq", "at", "actor_id", "actor_name", "table_name", "row_id", "record_label", "class_id", "kind",
                  "changes", "op_id", "prev_hash", "entry_hash")
_HIDDEN = META_FIELDS | {"id"}  # never in an audit entry's changes
_string = json.encoder.encode_basestring  # what the encoder writes for a str (ensure_ascii=False)


def _json(value: Any) -> str:
    """``canonical(value)``, quicker for text and None."""
    if type(value) is str:
        return _string(value)
    return "null" if value is None else canonical(value)


def _insert_sql(connection, table, columns: tuple[str, ...]) -> str:
    prepare = connection.dialect.identifier_preparer
    return "INSERT INTO {} ({}) VALUES ({})".format(
        prepare.format_table(table), ", ".join(prepare.format_column(table.c[key]) for key in columns),
        ", ".join("?" * len(columns)))


def _record_texts(change: RowChange) -> tuple[str, str]:
    """The change record's fields and the audit entry's changes of *change*, as canonical JSON."""
    new, secret, hidden = change.new, change.secret, _HIDDEN
    values = {key: value if type(value) in _PLAIN else jsonable(value) for key, value in new.items()}
    shown = {}
    if change.kind == "ins":
        for key, new_value in new.items():
            if key in hidden or new_value in (None, "", False):
                continue
            shown[key] = [None, SECRET_MARK if key in secret else values[key]]
    else:
        old = change.old
        for key in new:
            if key in hidden:
                continue
            if key in secret:
                shown[key] = [None if old.get(key) is None else SECRET_MARK, SECRET_MARK]
            else:
                shown[key] = [jsonable(old.get(key)), values[key]]
    return canonical(values), canonical(shown)


# The texts ``_value_texts`` writes for the values an insert's audit entry leaves out (``value in (None, "",
# False)``, as in ``_record_texts``: 0 and 0.0 are equal to False) and for nothing else.
_EMPTY_TEXTS = frozenset({"null", '""', "false", "0", "0.0", "-0.0"})


def _value_texts(column: list) -> list[str] | None:
    """Each value's JSON text, as ``canonical(jsonable(value))`` and the op's ``encode_value`` write it;
    None when a value is of a kind the two encode differently (bytes) or that is not listed here."""
    kinds = set(map(type, column))
    if kinds == {str}:
        return list(map(_string, column))
    if kinds == {uuid.UUID}:
        return ['"%032x"' % value.int for value in column]  # UUID.hex
    texts = []
    for value in column:
        kind = type(value)
        if kind is str:
            texts.append(_string(value))
        elif value is None:
            texts.append("null")
        elif kind is bool:
            texts.append("true" if value else "false")
        elif kind is int:
            texts.append(repr(value))  # what the JSON encoder writes for an int
        elif kind is float:
            texts.append(canonical(value))
        elif kind is uuid.UUID:
            texts.append('"%032x"' % value.int)
        elif kind is dt.date or kind is dt.datetime:
            texts.append(f'"{value.isoformat()}"')  # digits, "-", ":", ".", "+", "T": nothing to escape
        else:
            return None
    return texts


def insert_texts(rows: list[dict[str, Any]], secret: frozenset[str]) -> list[tuple[str, str, str]] | None:
    """``RowChange.texts`` of inserting *rows* (dicts with the same keys in the same order), made column by column.

    The same text as encoding each row on its own (``_record_texts`` and the op's ``"f"``), each value
    encoded once instead of three times; None if a value needs the general path (then nothing is saved).
    """
    keys = list(rows[0])
    if any(list(row) != keys for row in rows):
        return None
    by_key, left_out = {}, set()
    for key in keys:
        column = [row[key] for row in rows]
        first = column[0]
        same = all(value is first for value in column)  # the meta columns, a default, one class
        texts = _value_texts([first] if same else column)
        if texts is None:
            return None
        if same:
            if texts[0] in _EMPTY_TEXTS:
                left_out.add(key)  # out of every row's audit entry
            texts = texts * len(rows)
        by_key[key] = texts
    name = {key: _string(key) + ":" for key in keys}
    ordered = sorted(keys)
    fields = "{" + ",".join(name[key] + "%s" for key in ordered) + "}"
    fields_texts = [fields % values for values in zip(*(by_key[key] for key in ordered))]
    op_keys = [key for key in keys if key != "id"]
    op_fields = ",".join(name[key] + "%s" for key in op_keys)
    op_texts = [op_fields % values for values in zip(*(by_key[key] for key in op_keys))]
    shown_columns = []  # per key shown: '"key":[null,value]' or "" where the value is left out
    for key in ordered:
        if key in _HIDDEN or key in left_out:
            continue
        texts = by_key[key]
        head, empty = name[key] + "[null,", _EMPTY_TEXTS
        if key in secret:
            hidden_text = head + _string(SECRET_MARK) + "]"
            shown_columns.append(["" if text in empty else hidden_text for text in texts])
        else:
            shown_columns.append(["" if text in empty else head + text + "]" for text in texts])
    if not shown_columns:
        return [(fields_text, "{}", op_text) for fields_text, op_text in zip(fields_texts, op_texts)]
    join = ",".join
    shown_texts = ["{" + join(filter(None, parts)) + "}" for parts in zip(*shown_columns)]
    return list(zip(fields_texts, shown_texts, op_texts))


def write_journal(session: Session, actor: Actor, changes: Iterable[RowChange]) -> None:
    """Append the change records and audit entries for *changes* in this transaction."""
    changes = list(changes)
    if not changes:
        return
    state = _lock_state(session)
    node_id = uuid.UUID(state["node_id"].value)
    clock = int(state["hlc"].value)
    seq_text, prev_hash = state["audit_head"].value.split(":", 1)
    seq = int(seq_text)
    now = utcnow()
    offset = int(state[CLOCK_OFFSET_KEY].value) if CLOCK_OFFSET_KEY in state else 0
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:  # rows in SQLite's storage form (ids as hex text, SQLAlchemy's DateTime text), straight to the driver
        stored_now = AuditEntry.__table__.c.at.type._cached_bind_processor(connection.dialect)(now)
    records, entries, local_ops = [], [], []
    author, author_hex, author_name = actor.account_id, jsonable(actor.account_id), actor.display_name
    node_hex = node_id.hex
    # The constant parts of each entry's hashed text (``canonical(audit_fields(entry))``, keys sorted).
    hashed_head = f'{{"actor_id":{_json(author_hex)},"actor_name":{_json(author_name)},"at":{_json(now.isoformat())},'
    wall = hlc.wall_millis() + offset  # one reading per batch: tick() keeps the clock increasing
    tick, sha256 = hlc.tick, hashlib.sha256
    for change, op_id in zip(changes, ordered_ids(len(changes))):
        clock = tick(clock, wall)
        table, kind, label = change.table, change.kind, change.label
        op_hex, row_hex, class_hex = op_id.hex, jsonable(change.row_id), jsonable(change.class_id)
        seq += 1
        if change.texts is not None:
            fields_text, shown_text = change.texts[0], change.texts[1]
        else:
            fields_text, shown_text = _record_texts(change)
        entry_prev, prev_hash = prev_hash, sha256((
            f'{hashed_head}"changes":{_string(shown_text)},"class":{_json(class_hex)},"kind":{_json(kind)},'
            f'"label":{_json(label)},"op":{_json(op_hex)},"prev":{_json(prev_hash)},"row":{_json(row_hex)},'
            f'"seq":{seq},"table":{_json(table)}}}').encode("utf-8")).hexdigest()
        if sqlite:
            records.append((op_hex, clock, node_hex, author_hex, table, row_hex, kind, fields_text, stored_now))
            entries.append((seq, stored_now, author_hex, author_name, table, row_hex, label, class_hex, kind,
                            shown_text, op_hex, entry_prev, prev_hash))
            local_ops.append((op_hex, clock, change))
        else:
            records.append(dict(zip(_RECORD_COLUMNS, (op_id, clock, node_id, author, table, change.row_id, kind,
                                                      fields_text, now))))
            entries.append(dict(zip(_AUDIT_COLUMNS, (seq, now, author, author_name, table, change.row_id, label,
                                                     change.class_id, kind, shown_text, op_id, entry_prev,
                                                     prev_hash))))
    if sqlite:
        connection.exec_driver_sql(_insert_sql(connection, ChangeRecord.__table__, _RECORD_COLUMNS), records)
        connection.exec_driver_sql(_insert_sql(connection, AuditEntry.__table__, _AUDIT_COLUMNS), entries)
        outbox.record_local(connection, node_hex, author_hex, author_name, local_ops)
    else:
        insert_rows(connection, ChangeRecord.__table__, records)
        insert_rows(connection, AuditEntry.__table__, entries)
    state["hlc"].value = str(clock)
    state["audit_head"].value = f"{seq}:{prev_hash}"


def _before_flush(session: Session, flush_context, instances) -> None:
    synced_new = [o for o in session.new if is_synced(o)]
    synced_dirty = [o for o in session.dirty if is_synced(o)]
    if any(is_synced(o) for o in session.deleted):
        raise CaptureBypass(
            _("Không được xóa hẳn bản ghi; hãy đánh dấu đã xóa để còn lưu vết.")
        )
    if not synced_new and not synced_dirty:
        return
    if session.info.get("sync_applying"):
        raise CaptureBypass(_("Phiên nhận dữ liệu đồng bộ không được ghi qua ORM."))
    if session.info.get("read_only"):
        raise CaptureBypass(_("Phiên chỉ đọc không được ghi dữ liệu."))
    actor = session_actor(session)
    now = utcnow()
    changes = [_change_for_new(o, actor, now) for o in synced_new]
    changes += [c for o in synced_dirty if (c := _change_for_dirty(o, actor, now)) is not None]
    _allow_raw_writes(True)
    with session.no_autoflush:
        write_journal(session, actor, changes)


def bulk_insert(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> list[uuid.UUID]:
    """Insert many rows of a synced *model* with Core speed, journaled like any flush.

    Each dict holds column keys; ``id`` and the meta columns are filled here.
    Returns the new ids in order.
    """
    actor = session_actor(session)
    if session.info.get("read_only"):
        raise CaptureBypass(_("Phiên chỉ đọc không được ghi dữ liệu."))
    mapper = inspect(model)
    now = utcnow()
    defaults = {}
    for column in mapper.columns:
        if column.default is not None and column.default.is_scalar:
            defaults[column.key] = column.default.arg
    secret = _secret_keys(mapper)
    labeller = _label_proxy(model)
    template = dict.fromkeys(c.key for c in mapper.columns)
    template.update(defaults)
    meta = {"created_at": now, "updated_at": now, "created_by": actor.account_id, "updated_by": actor.account_id}
    blank: dict[str, Any] = {}  # the old values of an insert: none (shared, read only)
    table_name = str(mapper.local_table.name)  # plain str: the driver adapts a str subclass slowly
    full_rows, changes = [], []
    for row, fresh_id in zip(rows, ordered_ids(len(rows))):
        values = template.copy()
        values.update(row)
        values["id"] = values["id"] or fresh_id
        values.update(meta)
        full_rows.append(values)
    if not full_rows:
        return []
    for values, texts in zip(full_rows, insert_texts(full_rows, secret) or [None] * len(full_rows)):
        probe = labeller(values)
        changes.append(RowChange(table_name, values["id"], "ins", values, blank, probe.audit_label(),
                                 probe.audit_class_id(), secret, texts))
    _allow_raw_writes(True)
    try:
        insert_rows(session.connection(), mapper.local_table, full_rows)
        write_journal(session, actor, changes)
    finally:
        _allow_raw_writes(False)
    return [r["id"] for r in full_rows]


_PROXIES: dict[type, type] = {}


def _label_proxy(model: type[Base]):
    """A light stand-in of *model* for ``audit_label`` / ``audit_class_id`` (no ORM instance per row)."""
    proxy = _PROXIES.get(model)
    if proxy is None:
        members = {name: value for klass in reversed(model.__mro__) for name, value in vars(klass).items()
                   if isinstance(value, property) or name in ("audit_label", "audit_class_id")}
        proxy = _PROXIES[model] = type(f"{model.__name__}Row", (), members)

    def make(values: dict):
        row = proxy()
        row.__dict__.update(values)
        return row
    return make


def _guard_orm_statements(orm_execute_state) -> None:
    """Refuse ORM-enabled INSERT/UPDATE/DELETE statements on synced tables."""
    if not (orm_execute_state.is_update or orm_execute_state.is_delete or orm_execute_state.is_insert):
        return
    mapper = orm_execute_state.bind_mapper
    if mapper is not None and is_synced(mapper.class_):
        raise CaptureBypass(
            _("Lệnh ghi hàng loạt vào bảng {table} bỏ qua nhật ký nên bị từ chối.").format(
                table=mapper.local_table.name
            )
        )


# --- raw-SQL guard (strict mode): SQLite's authorizer --------------------------------

_capture_state = threading.local()
_DENY_ACTIONS = {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE}


def synced_table_names() -> frozenset[str]:
    return frozenset(
        mapper.local_table.name for mapper in Base.registry.mappers if is_synced(mapper.class_)
    )


def install_authorizer(dbapi_connection) -> None:
    """Reject writes to synced tables on this connection unless inside the capture path."""
    tables = synced_table_names()

    def authorize(action, arg1, arg2, db_name, trigger):
        if action in _DENY_ACTIONS and arg1 in tables and not getattr(_capture_state, "open", False):
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    dbapi_connection.set_authorizer(authorize)


def _allow_raw_writes(allowed: bool) -> None:
    """Open or close the capture window of this thread (see ``install_authorizer``)."""
    _capture_state.open = allowed


def end_write() -> None:
    """Close the capture window whatever happened (called when a write session ends)."""
    _allow_raw_writes(False)


def _after_flush_postexec(session: Session, flush_context) -> None:
    _allow_raw_writes(False)


def install() -> None:
    """Register the capture hooks on every Session (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush_postexec", _after_flush_postexec)
        event.listen(Session, "do_orm_execute", _guard_orm_statements)
