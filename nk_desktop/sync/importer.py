"""Import (sync-design §4.6): other PCs' segments, in order per PC, one transaction each.

For each remote node folder: the next segment after the cursor (or the pack holding it)
is read, checked (trailer, key, header, chain ``prev_sha``, schema, epoch) and, once the
segments it depends on (``deps``) are in, applied in **one** SQLite transaction that also
moves the cursor, so a crash or a kill repeats at most that segment.  Ops already
applied are skipped (``sync_applied``), so late and duplicate deliveries change nothing.

Applying an op: permission re-check (``authorize``, else quarantine), the merge rule
(``merge``) on its fields, then the domain row is materialised with plain SQL (capture is
off: a received change is not journaled again as this PC's), and an audit entry records
it with the remote author's name (``sync_audit_origin`` marks it as received).  A mark written
into cells under a lock in force on this PC, its writer not having seen the lock, is flagged
"edit after lock" (``late_edits``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import gc
import hashlib
import json
import sqlite3
import typing
import uuid
from collections import defaultdict

from nk_desktop.clock import utcnow
from nk_desktop.i18n import _
from nk_desktop.models.base import Base, is_synced
from nk_desktop.sync import capture, hlc
from nk_desktop.sync.authorize import CHECKED, History, WriterView, refusal, Entry as AuthorityEntry
from nk_desktop.sync.codec import GENESIS_SHA, Unreadable, decode_pack, decode_segment, sha_of
from nk_desktop.sync.late_edits import LATE_TABLES, LocalLocks, late_changes, may_write_locked, settled_by
from nk_desktop.sync.merge import BOOKKEEPING, LEDGER_TABLES, OFFICIAL, Head, apply_op, in_conflict, winner
from nk_desktop.sync.ops import DELETED, DELETED_TEXT, canonical, codec
from nk_desktop.sync.outbox import AUTHORITY_TABLES, BIRTH, CHUNK
from nk_desktop.sync.share import NODES, Share

VERSION = "version"  # the optimistic version column of the official records
DECISION_TABLE = "quarantine_decision"  # the principal's decisions on held-back ops (models/decisions.py)
CACHE_KIB = 64 * 1024  # SQLite page cache of the importing connection
# Checkpoint the write-ahead log every 10,000 pages (40 MB) while importing, not every 1,000: each segment
# writes several hundred pages, and a checkpoint (with its fsyncs) after every few segments was about
# a tenth of an import; the run ends with one checkpoint and SQLite's usual setting.
WAL_PAGES, WAL_PAGES_USUAL = 10_000, 1_000
SYNCED_TABLES = {m.local_table.name: m.local_table for m in Base.registry.mappers if is_synced(m.class_)}


@dataclasses.dataclass
class ImportReport:
    segments: int = 0
    ops: int = 0
    duplicates: int = 0
    quarantined: int = 0
    conflicts: int = 0  # new conflicting fields
    paused: dict[str, str] = dataclasses.field(default_factory=dict)   # node → why its stream stopped
    waiting: dict[str, str] = dataclasses.field(default_factory=dict)  # node → why nothing came this time
    changed: dict[str, set[str]] = dataclasses.field(default_factory=lambda: defaultdict(set))  # for views


@dataclasses.dataclass(frozen=True)
class Cursor:
    seq: int = 0
    sha: str = GENESIS_SHA
    incarnation: str | None = None


class Importer:
    """One import run over the share for the database behind *engine* (SQLite)."""

    def __init__(self, engine, share: Share, key: bytes, *, me: str, epoch: str, known_schemas: set[str],
                 clock_offset_ms: int = 0):
        self.engine = engine.execution_options(nk_write=True)
        self.share, self.key, self.me, self.epoch = share, key, me, epoch
        self.known_schemas = known_schemas
        self.clock_offset_ms = clock_offset_ms
        self.report = ImportReport()
        self._history: History | None = None
        self._packs: dict[str, list[bytes]] = {}  # packs read in this run (one read for all their segments)
        self._folded = True  # no segment applied since the write-ahead log was last folded in

    # --- the loop -----------------------------------------------------------------------

    def run(self) -> ImportReport:
        """Import until nothing new can be applied."""
        try:
            while True:
                progressed = False
                for node in self.share.nodes():
                    if node != self.me:
                        progressed |= self._node(node)
                if not progressed:
                    break
        except BaseException:
            with contextlib.suppress(Exception):
                self._fold_wal()
            raise
        self._fold_wal()
        return self.report

    def _fold_wal(self) -> None:
        """Back to SQLite's usual checkpoint size once the segments are in, the log folded into the file now."""
        if self._folded:
            return
        with self.engine.connect() as conn:
            raw = conn.connection.driver_connection
            raw.execute(f"PRAGMA wal_autocheckpoint={WAL_PAGES_USUAL}").fetchall()
            raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        self._folded = True

    def cursors(self) -> dict[str, Cursor]:
        with self.engine.connect() as conn:
            return {node: Cursor(seq, sha, inc) for node, seq, sha, inc in conn.exec_driver_sql(
                "SELECT node, seq, sha, incarnation FROM sync_cursor")}

    def _node(self, node: str) -> bool:
        progressed = False
        try:
            segments, packs, _unknown = self.share.segments(node)
        except OSError as error:
            self._note(node, _("Không đọc được thư mục của máy này: {e}").format(e=error))
            return False
        while True:
            cursors = self.cursors()
            cursor = cursors.get(node, Cursor())
            want = cursor.seq + 1
            try:
                data = self._fetch(node, want, segments, packs)
            except OSError as error:
                self._note(node, _("Đọc tệp lỗi: {e}").format(e=error))
                return progressed
            except Unreadable as error:
                self._note(node, str(error))
                return progressed
            if data is None:
                if any(seq > want for seq in segments):
                    self._note(node, _("Thiếu tệp số {n} (các tệp sau đã có); chờ tệp này.").format(n=want))
                return progressed
            try:
                with _without_cyclic_gc():
                    header, ops = decode_segment(self.key, data)
            except Unreadable as error:
                self._note(node, _("Tệp số {n}: {e}").format(n=want, e=error))
                return progressed
            problem = self._check_header(node, want, cursor, header)
            if problem:
                self._pause(node, want, problem)
                return progressed
            waiting = [d for d, s in header["deps"].items() if d != self.me and cursors.get(d, Cursor()).seq < s]
            if waiting:
                self.report.waiting[node] = _("Chờ dữ liệu của máy {m} trước.").format(m=waiting[0][:8])
                return progressed
            with _without_cyclic_gc():
                self._apply(node, header, ops, sha_of(data))
            progressed = True

    def _fetch(self, node: str, want: int, segments: dict[int, str], packs) -> bytes | None:
        if want in segments:
            return self.share.read(f"{NODES}/{node}/{segments[want]}")
        for first, last, name in packs:
            if first <= want <= last:
                key = f"{NODES}/{node}/{name}"
                if key not in self._packs:
                    self._packs[key] = decode_pack(self.share.read(key))
                inner = self._packs[key]
                if len(inner) != last - first + 1:
                    raise Unreadable(_("Tệp gộp {name} không đủ số tệp.").format(name=name))
                return inner[want - first]
        return None

    def _check_header(self, node: str, want: int, cursor: Cursor, header: dict) -> str | None:
        if header["node"] != node or header["seq"] != want:
            return _("Tệp số {n} ghi sai máy hoặc sai số thứ tự.").format(n=want)
        if header["epoch"] != self.epoch:
            return _("Tệp thuộc đợt đồng bộ khác của trường; máy gửi cần tham gia lại.")
        if header["prev_sha"] != cursor.sha:
            return _("Chuỗi tệp của máy này bị rẽ nhánh (hai cơ sở dữ liệu cùng ghi dưới một mã máy?); "
                     "tạm dừng nhận từ máy này.")
        if header["schema"] not in self.known_schemas:
            return _("Máy này dùng phiên bản NK Desktop mới hơn (lược đồ {s}); hãy cập nhật phần mềm trên máy "
                     "này để nhận tiếp dữ liệu của nó.").format(s=header["schema"])
        return None

    def _note(self, node: str, message: str) -> None:
        self.report.waiting[node] = message
        with self.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO sync_cursor (node, seq, sha, last_error, error_since) VALUES (?, 0, ?, ?, ?) "
                "ON CONFLICT(node) DO UPDATE SET last_error = excluded.last_error, "
                "error_since = COALESCE(sync_cursor.error_since, excluded.error_since)",
                (node, GENESIS_SHA, message, _now_text()))

    def _pause(self, node: str, seq: int, reason: str) -> None:
        self.report.paused[node] = reason
        now = _now_text()
        with self.engine.begin() as conn:
            found = conn.exec_driver_sql("SELECT id FROM sync_quarantine WHERE kind = 'segment' AND node = ? AND seq = ?",
                                         (node, seq)).first()
            if found:
                conn.exec_driver_sql("UPDATE sync_quarantine SET reason = ?, last_try = ? WHERE id = ?",
                                     (reason, now, found[0]))
            else:
                conn.exec_driver_sql(
                    "INSERT INTO sync_quarantine (kind, node, seq, author_name, reason, first_seen, last_try) "
                    "VALUES ('segment', ?, ?, '', ?, ?, ?)", (node, seq, reason, now, now))

    # --- one segment, one transaction ---------------------------------------------------

    def _apply(self, node: str, header: dict, ops: list[dict], sha: str) -> None:
        try:
            applier = self._apply_in_transaction(node, header, ops, sha)
        except BaseException:
            self._history = None  # it may hold entries of the rolled-back segment
            raise
        self._history.version += 1  # what the committed segment added is final now
        self._folded = False
        self.report.segments += 1
        self.report.ops += applier.applied
        self.report.duplicates += applier.duplicates
        self.report.quarantined += applier.quarantined
        self.report.conflicts += applier.new_conflicts
        for table, rows in applier.changed.items():
            self.report.changed[table] |= rows
        self.report.paused.pop(node, None)
        self.report.waiting.pop(node, None)

    def _apply_in_transaction(self, node: str, header: dict, ops: list[dict], sha: str) -> "SegmentApplier":
        with self.engine.begin() as conn:
            raw = conn.connection.driver_connection
            if self._history is None:
                self._history = History(raw)
            raw.execute(f"PRAGMA cache_size=-{CACHE_KIB}")  # the heads, applied ids and audit indexes stay in memory
            raw.execute(f"PRAGMA wal_autocheckpoint={WAL_PAGES}")  # see WAL_PAGES
            capture._allow_raw_writes(True)
            try:
                # Fast path: the segment's row writes batched (one executemany per statement).  A foreign key
                # or other constraint refused in the batch (a child before its parent in one flush, a value
                # the table cannot hold) sends the segment through the op-by-op path, which retries and
                # quarantines exactly the ops at fault.
                raw.execute("SAVEPOINT nk_segment")
                try:
                    applier = SegmentApplier(raw, self._history, node, header, ops, self.clock_offset_ms,
                                             batched=True)
                    applier.run()
                except sqlite3.IntegrityError:
                    raw.execute("ROLLBACK TO nk_segment")
                    self._history = History(raw)  # drop what the abandoned pass added in memory
                    applier = SegmentApplier(raw, self._history, node, header, ops, self.clock_offset_ms)
                    applier.run()
                raw.execute("RELEASE nk_segment")
            finally:
                capture._allow_raw_writes(False)
            conn.exec_driver_sql(
                "INSERT INTO sync_cursor (node, seq, sha, incarnation, updated_at, last_error, error_since) "
                "VALUES (?, ?, ?, ?, ?, NULL, NULL) ON CONFLICT(node) DO UPDATE SET seq = excluded.seq, "
                "sha = excluded.sha, incarnation = excluded.incarnation, updated_at = excluded.updated_at, "
                "last_error = NULL, error_since = NULL",
                (node, header["seq"], sha, header["incarnation"], _now_text()))
            conn.exec_driver_sql("DELETE FROM sync_quarantine WHERE kind = 'segment' AND node = ? AND seq <= ?",
                                 (node, header["seq"]))
        return applier


class CachedWriterView(WriterView):
    """``WriterView`` remembering each row as read until the history changes.

    A row's value depends on the op's position (``idx``) only through entries of the writer's
    own segment; rows holding such an entry are never cached.  Anything added to the history
    moves its ``version`` and empties the cache.
    """

    def __init__(self, *args):
        super().__init__(*args)
        self._rows: dict[tuple[str, str], dict | None] = {}
        self._rows_version = self.history.version

    def row(self, tbl: str, row: str | None) -> dict | None:
        if row is None:
            return None
        if self._rows_version != self.history.version:
            self._rows.clear()
            self._rows_version = self.history.version
        key = (tbl, row)
        if key in self._rows:
            return self._rows[key]
        found = super().row(tbl, row)
        fields = self.history.cells[tbl].get(row) or {}
        if not any(e.seq == self.seq and e.node == self.writer for entries in fields.values() for e in entries):
            self._rows[key] = found
        return found


class StoredRow:
    """A domain row as read with plain SQL; values turned into op JSON only when asked for."""

    def __init__(self, table_codec, raw: dict):
        self._codec, self._raw = table_codec, raw

    def get(self, field: str, default=None):
        if field not in self._raw:
            return default
        return self._codec.from_db(field, self._raw[field])


def _now_text() -> str:
    return utcnow().isoformat(sep=" ")


class SegmentApplier:
    """Applies one segment's ops inside the caller's transaction (batched reads and writes)."""

    def __init__(self, raw: sqlite3.Connection, history: History, node: str, header: dict, ops: list[dict],
                 clock_offset_ms: int = 0, *, batched: bool = False):
        self.raw, self.history = raw, history
        self.batched = batched
        self.writes: list[tuple[str, tuple]] = []  # batched row writes, in op order
        self.node, self.header, self.ops = node, header, ops
        self.clock_offset_ms = clock_offset_ms
        self.applied = self.duplicates = self.quarantined = self.new_conflicts = 0
        self.changed: dict[str, set[str]] = defaultdict(set)
        self.cells: dict[tuple[str, str, str], dict[str, Head]] = {}
        self.births: dict[tuple[str, str], tuple] = {}  # (op id, t, node) that inserted each row (implicit heads)
        self.new_births: list[tuple] = []
        self.original: dict[tuple[str, str, str], dict[str, Head]] = {}
        self.superseded: set[tuple[str, str]] = set()
        self.new_superseded: list[tuple[str, str]] = []
        self.applied_ids: list[tuple[str]] = []
        self.authority: list[tuple] = []
        self.quarantine: list[tuple] = []
        self.audit: list[tuple] = []
        self.origins: list[tuple] = []
        self.origin_node, self.origin_seq = header["node"], header["seq"]
        self.who: dict[tuple, tuple] = {}  # an op's author, class, label, kind, table → their audit texts
        self.at_millis, self.at_texts = None, ("", "")
        self.stored: dict[tuple[str, str], dict | tuple] = {}  # domain rows the segment touches, as stored
        self.early: set[tuple[str, str]] = set()
        self.view = CachedWriterView(history, header["node"], header["seq"], header["deps"])
        # Verdicts of the permission re-check, reused when no op of this segment changes the permission tables.
        self.verdicts: dict | None = None if any(op["tbl"] in AUTHORITY_TABLES for op in ops) else {}
        # "Edit after lock" (sync-design §4.3): marks written into cells locked on this PC by a writer who had
        # not seen the lock.  This PC's locks are read once per segment, and only when one is in force.
        self.locks: LocalLocks | None = None
        self.late_edits: list[tuple] = []
        self.pending_late: dict[tuple[str, str], list[tuple]] = {}  # this PC's undecided flags, by record
        self.settled: list[tuple] = []  # flags a decider's resolution from another PC settles here
        self.decided: list[tuple[str]] = []  # held-back ops the principal decided on another PC

    def _query(self, sql: str, values: list, extra: tuple = ()) -> list:
        found = []
        for start in range(0, len(values), CHUNK):
            chunk = values[start:start + CHUNK]
            found += self.raw.execute(sql.format(marks=",".join("?" * len(chunk))), (*extra, *chunk)).fetchall()
        return found

    def _load(self, ops: list[dict]) -> list[dict]:
        ids = [op["id"] for op in ops]
        known = {row[0] for row in self._query("SELECT op_id FROM sync_applied WHERE op_id IN ({marks})", ids)}
        fresh, seen = [], set()
        for op in ops:
            if op["id"] in known or op["id"] in seen:
                self.duplicates += 1
            else:
                seen.add(op["id"])
                fresh.append(op)
        self.superseded = set(self._query("SELECT op_id, field FROM sync_superseded WHERE op_id IN ({marks})",
                                          [op["id"] for op in fresh]))
        rows_by_table: dict[str, set[str]] = defaultdict(set)
        for op in fresh:
            rows_by_table[op["tbl"]].add(op["row"])
        for table, rows in rows_by_table.items():
            if table in SYNCED_TABLES:
                cursor = None
                for start in range(0, len(rows), CHUNK):
                    chunk = sorted(rows)[start:start + CHUNK]
                    cursor = self.raw.execute(f'SELECT * FROM "{table}" WHERE id IN ({",".join("?" * len(chunk))})',
                                              chunk)
                    names = [d[0] for d in cursor.description]
                    for values in cursor.fetchall():
                        stored = dict(zip(names, values))
                        self.stored[(table, stored["id"])] = stored
            for row, field, op_id, t, node, value in self._query(
                    "SELECT row, field, op_id, t, node, value FROM sync_head WHERE tbl = ? AND row IN ({marks})",
                    sorted(rows), (table,)):
                if field == BIRTH:
                    self.births[(table, row)] = (op_id, t, node)
                else:
                    self.original.setdefault((table, row, field), {})[op_id] = Head(op_id, t, node, value)
        self.cells = {key: dict(heads) for key, heads in self.original.items()}
        self.early = {(table, row) for table, row, _field in self.original}  # rows with explicit heads
        return fresh

    def run(self) -> None:
        fresh = self._load(self.ops)
        state = dict(self.raw.execute("SELECT key, value FROM local_state WHERE key IN ('hlc', 'audit_head')"))
        self.clock = int(state.get("hlc", "0"))
        # This PC's clock moves past the latest op clock it may adopt (hlc.receive: not one more than
        # MAX_AHEAD_MS ahead of now), once for the segment.
        now = hlc.wall_millis() + self.clock_offset_ms
        self.latest, self.adoptable = 0, hlc.pack(now + hlc.MAX_AHEAD_MS + 1, 0)
        seq_text, self.prev_hash = state.get("audit_head", f"0:{capture.GENESIS_HASH}").split(":", 1)
        self.audit_seq = int(seq_text)
        if any(op["tbl"] in LATE_TABLES for op in fresh):
            self.locks = LocalLocks.read(self.raw)
            if any(op["k"] == "res" for op in fresh):
                for entry_id, tbl, row, fields in self.raw.execute(
                        "SELECT id, tbl, row, fields FROM sync_late_edit WHERE decision IS NULL"):
                    self.pending_late.setdefault((tbl, row), []).append((entry_id, fields))
        positions = {op["id"]: i for i, op in enumerate(self.ops)}
        waiting = []
        view, apply = self.view, self._op
        for op in fresh:
            view.idx = positions[op["id"]]
            if not apply(op, last_try=False):
                waiting.append(op)
        # An insert whose parent row comes later in the same segment (the order of one flush is not the
        # foreign-key order) is tried again once the others are in; what still fails is quarantined.
        while waiting:
            again = []
            for op in waiting:
                self.view.idx = positions[op["id"]]
                if not self._op(op, last_try=False):
                    again.append(op)
            if len(again) == len(waiting):
                for op in again:
                    self.view.idx = positions[op["id"]]
                    self._op(op, last_try=True)
                break
            waiting = again
        if self.applied:
            self.clock = hlc.receive(self.clock, self.latest, now) if self.latest else hlc.tick(self.clock, now)
        self._flush()

    def _op(self, op: dict, *, last_try: bool) -> bool:
        """Apply (or quarantine) *op*; False when it should be tried again later in this segment."""
        table = SYNCED_TABLES.get(op["tbl"])
        if table is None:
            self._refuse(op, _("Bảng “{t}” không phải dữ liệu đồng bộ.").format(t=op["tbl"]))
            return True
        tbl, row = op["tbl"], op["row"]
        row_now = self.stored.get((tbl, row))
        if row_now is None and op["k"] == "ins" and (tbl, row) not in self.early:
            return self._insert(op, table, last_try)
        if type(row_now) is tuple:  # inserted by this segment: (columns, parameters), see _insert
            row_now = self.stored[(tbl, row)] = dict(zip(*row_now))
        table_codec = codec(table)
        current = StoredRow(table_codec, row_now) if row_now is not None else None
        if tbl in LEDGER_TABLES and op["k"] != "ins" and any(
                f not in BOOKKEEPING and f != "deleted" and canonical(v) != DELETED_TEXT for f, v in op["f"].items()):
            self._refuse(op, _("Sổ này chỉ được ghi thêm, không được sửa dòng đã có."))
            return True
        reason = self._refusal(op, current)
        if reason:
            self._refuse(op, reason)
            return True
        try:
            merged, new_superseded, values = self._merge(op, table_codec, current)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            self._refuse(op, _("Thao tác mang giá trị không hợp lệ cho cột của bảng “{t}”.").format(t=tbl))
            return True
        if row_now is None and op["k"] != "ins" and not table_codec.required - {VERSION} <= set(values):
            self._refuse(op, _("Bản ghi này chưa có trên máy (bản ghi gốc bị giữ lại hoặc chưa tới)."))
            return True
        if row_now is None:
            write = (_insert_sql(table.name, tuple(values)), (row, *values.values()))
        elif values:
            if VERSION in _column_set(table_codec):
                # A received change moves this PC's optimistic version too, so an edit made from a copy read
                # before it is refused (db.StaleRecord) instead of silently overwriting it.
                values.pop(VERSION, None)
                write = (_update_sql(table.name, tuple(values), True), (*values.values(), row))
            else:
                write = (_update_sql(table.name, tuple(values)), (*values.values(), row))
        else:
            write = None
        try:
            if write is not None:
                if self.batched:
                    self.writes.append(write)
                else:
                    self.raw.execute(*write)
        except sqlite3.IntegrityError as error:
            if not last_try:
                return False
            self._refuse(op, _("Dữ liệu không khớp với cơ sở dữ liệu trên máy này ({e}).").format(e=error))
            return True
        if self.latest < op["t"] < self.adoptable:
            self.latest = op["t"]
        self.cells.update(merged)
        if op["k"] == "ins":
            self.births[(tbl, row)] = (op["id"], op["t"], op["n"])
            self.new_births.append((tbl, row, BIRTH, op["id"], op["t"], op["n"], ""))
        for pair in new_superseded:
            if pair not in self.superseded:
                self.superseded.add(pair)
                self.new_superseded.append(pair)
        self.applied_ids.append((op["id"],))
        self.applied += 1
        self.changed[tbl].add(row)
        if tbl in AUTHORITY_TABLES:
            self._remember_authority(op)
        if tbl == DECISION_TABLE:
            self._decided(op)
        if self.locks is not None and tbl in LATE_TABLES:
            self._late(op, current)
        if self.pending_late and op["k"] == "res" and (tbl, row) in self.pending_late:
            self._settle(op)
        self._audit(op, table, current)
        if row_now is None:
            self.stored[(tbl, row)] = {"id": row, **values}
        else:
            row_now.update(values)
        return True

    def _insert(self, op: dict, table, last_try: bool) -> bool:
        """``_op`` for the insert of a row not seen here (the bulk of any import): its values are the row and
        the fields' implicit heads (see ``_merge``), so there is nothing to merge and no old value to show."""
        fields = op["f"]
        names = tuple(fields)
        if self.verdicts is not None and op.get("u") is not None and type(fields.get("class_id")) is str \
                and type(fields.get("subject_id")) is str and type(fields.get("milestone")) is str:
            # _refusal's key for a mark naming its cells (the common case), without the call
            key = (op["tbl"], op["u"], op["k"], names, fields["class_id"], fields["subject_id"], fields["milestone"])
            reason = self.verdicts.get(key, _UNKNOWN)
            if reason is _UNKNOWN:
                reason = self._refusal(op, None, names)
        else:
            reason = self._refusal(op, None, names)
        if reason:
            self._refuse(op, reason)
            return True
        plan = _insert_plan(codec(table), names)
        params, shown, escaped = [op["row"], *plan.blank], [""] * plan.shown, [""] * plan.shown
        try:
            # One pass over the op's fields: each value's stored form and audit text, remembered per field
            # (the values of bulk work repeat: class, subject, pupil, author, time).
            for value, (to_param, to_shown, memo, make) in zip(fields.values(), plan.slots):
                try:
                    kind, params[to_param], shown[to_shown], escaped[to_shown] = memo[value]
                    if kind is not type(value):  # 1, 1.0 and True are one key; not one value here
                        kind, params[to_param], shown[to_shown], escaped[to_shown] = make(value)
                except KeyError:
                    kind, params[to_param], shown[to_shown], escaped[to_shown] = make(value)
                except TypeError:  # not hashable (bytes as {"$b64": …}, the deleted mark)
                    kind, params[to_param], shown[to_shown], escaped[to_shown] = make(value)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            self._refuse(op, _("Thao tác mang giá trị không hợp lệ cho cột của bảng “{t}”.").format(t=op["tbl"]))
            return True
        params.pop()  # the place of fields that are not columns
        tbl, row, op_id, t = op["tbl"], op["row"], op["id"], op["t"]
        if self.batched:
            self.writes.append((plan.sql, params))
        else:
            try:
                self.raw.execute(plan.sql, params)
            except sqlite3.IntegrityError as error:
                if not last_try:
                    return False
                self._refuse(op, _("Dữ liệu không khớp với cơ sở dữ liệu trên máy này ({e}).").format(e=error))
                return True
        if self.latest < t < self.adoptable:
            self.latest = t
        self.births[(tbl, row)] = (op_id, t, op["n"])
        self.new_births.append((tbl, row, BIRTH, op_id, t, op["n"], ""))
        self.applied_ids.append((op_id,))
        self.applied += 1
        self.changed[tbl].add(row)
        if tbl in AUTHORITY_TABLES:
            self._remember_authority(op)
        if tbl == DECISION_TABLE:
            self._decided(op)
        if self.locks is not None and tbl in LATE_TABLES and self.locks.may_cover(fields.get("class_id")):
            self._late(op, None)
        # capture.canonical({field: [None, new]}): each shown field's text ends with a comma; and that text as
        # a JSON string (escaping works character by character: the escaped parts joined)
        self._chain(op, "{" + "".join(shown)[:-1] + "}", '"{' + "".join(escaped)[:-1] + '}"')
        self.stored[(tbl, row)] = (plan.columns, params)  # made a dict if another op of the segment needs it
        return True

    def _refusal(self, op: dict, current: "StoredRow | None", names: tuple | None = None) -> str | None:
        """``authorize.refusal``, remembered per kind of op while the writer's view cannot change.

        Without an op on the permission tables in this segment the view is the same for every op of it, and
        the verdict depends only on the table, the author, the kind, the fields written and the cells named
        (class, subject, milestone: from the op, or the row for a delete)."""
        if self.verdicts is None or op["tbl"] not in CHECKED or op.get("u") is None:
            return refusal(self.view, op, current)
        fields = op["f"]
        facts = (fields.get("class_id", DELETED), fields.get("subject_id", DELETED), fields.get("milestone", DELETED))
        if type(facts[0]) is dict or type(facts[1]) is dict or type(facts[2]) is dict:  # absent or deleted
            facts = tuple((current.get(name) if current else None) if value == DELETED else value
                          for name, value in zip(_CELL_FACTS, facts))
        key = (op["tbl"], op["u"], op["k"], names or tuple(fields), *facts)
        if key not in self.verdicts:
            self.verdicts[key] = refusal(self.view, op, current)
        return self.verdicts[key]

    def _merge(self, op: dict, table_codec, current: "StoredRow | None"):
        """(new heads by cell, (op, field) pairs replaced, column values to store) — nothing written yet."""
        tbl, row = op["tbl"], op["row"]
        values, merged, new_superseded = {}, {}, []
        if op["k"] == "ins":
            # The insert's values are the fields' implicit heads (sync_head keeps one BIRTH row for it), except
            # where ops that replaced it arrived first (possible only without deps): those stay.
            columns = _column_set(table_codec)
            cells = self.cells if (tbl, row) in self.early else None
            for field, value in op["f"].items():
                if field in columns:
                    explicit = cells.get((tbl, row, field)) if cells is not None else None
                    shown = winner(explicit) if explicit else None
                    if shown is not None and shown.value != DELETED_TEXT:
                        value = json.loads(shown.value)
                    values[field] = table_codec.to_db(field, value)
            return merged, new_superseded, values
        birth = self.births.get((tbl, row))
        base = {}
        for field in op["f"]:
            cell = self.cells.get((tbl, row, field))
            if cell is None and birth is not None and current is not None:
                op_id, t, node = birth
                cell = {op_id: Head(op_id, t, node, canonical(current.get(field)))}
            base[field] = cell or {}
        by_field, new_superseded = apply_op(base, self.superseded, op)
        self.early.add((tbl, row))
        columns = _column_set(table_codec)
        for field, heads in by_field.items():
            merged[(tbl, row, field)] = heads
            if field in columns:
                shown = winner(heads)
                if shown is not None and shown.value != DELETED_TEXT:
                    values[field] = table_codec.to_db(field, json.loads(shown.value))
        return merged, new_superseded, values

    def _late(self, op: dict, current: "StoredRow | None") -> None:
        """Flag an applied mark op as an "edit after lock" when a lock is in force over its cells on this PC.

        The op passed the permission re-check, so its writer had not seen that lock in force (authorize reads
        locks as the writer saw them) — unless its author may write into a locked book anyway (the DB admin's
        corrections, the principal settling a cell): those are not flagged."""
        author, fields = op.get("u"), op["f"]
        if author is None:
            return
        facts = []
        for name in _CELL_FACTS:
            value = fields.get(name, DELETED)
            if type(value) is dict:  # absent, or the deleted mark: the row says which cells
                value = current.get(name) if current is not None else None
            facts.append(value)
        class_id, subject_id, milestone = facts
        lock_id = self.locks.in_force(class_id, subject_id if op["tbl"] == "subject_result" else None, milestone)
        if lock_id is None or may_write_locked(self.view.roles(author), op["k"]):
            return
        changes = late_changes(op, current)
        if not changes:
            return
        made = _EPOCH + dt.timedelta(milliseconds=op["t"] >> hlc.COUNTER_BITS)
        self.late_edits.append((op["id"], op["tbl"], op["row"], json.dumps(changes, ensure_ascii=False), author,
                                str(op.get("a") or "")[:200], lock_id, self.origin_node, self.origin_seq,
                                made.isoformat(sep=" ", timespec="microseconds"), _now_text(), ""))

    def _settle(self, op: dict) -> None:
        """The principal's or DB admin's resolution of a record this PC flagged (their keep or revert on another
        PC): the flags it settles are marked decided, by them, at the op's time."""
        author = op.get("u")
        if author is None or not may_write_locked(self.view.roles(author), "res"):
            return
        key = (op["tbl"], op["row"])
        done = settled_by(self.pending_late[key], op)
        at = (_EPOCH + dt.timedelta(milliseconds=op["t"] >> hlc.COUNTER_BITS)).isoformat(sep=" ", timespec="microseconds")
        self.settled += [(decision, author, str(op.get("a") or "")[:200], at, entry_id) for decision, entry_id in done]
        closed = {entry_id for _decision, entry_id in done}
        self.pending_late[key] = [entry for entry in self.pending_late[key] if entry[0] not in closed]

    def _remember_authority(self, op: dict) -> None:
        idx = self.view.idx
        for field, value in op["f"].items():
            preds = op["p"].get(field, [])
            entry = AuthorityEntry(op["id"], op["t"], canonical(value), frozenset(preds), self.header["node"],
                                   self.header["seq"], idx)
            self.history.add(op["tbl"], op["row"], field, entry)
            self.authority.append((op["id"], field, op["tbl"], op["row"], entry.value, op["t"], self.header["node"],
                                   self.header["seq"], idx, json.dumps(preds)))

    def _decided(self, op: dict) -> None:
        """A principal's decision on a held-back op (made on another PC): this PC's copy leaves its list too."""
        value = op["f"].get("op_id")
        if type(value) is str:
            self.decided.append((uuid.UUID(value).hex,))

    def _refuse(self, op: dict, reason: str) -> None:
        self.applied_ids.append((op["id"],))
        if self.raw.execute("SELECT 1 FROM quarantine_decision WHERE op_id = ? AND deleted = 0",
                            (uuid.UUID(op["id"]).hex,)).fetchone():
            return  # the principal already decided on it on another PC (released values came as her change)
        self.quarantined += 1
        now = _now_text()
        self.quarantine.append(("op", self.node, self.header["seq"], op["id"], op["tbl"], op["row"], op.get("u"),
                                str(op.get("a") or "")[:200], reason, json.dumps(op, ensure_ascii=False), now, now))

    def _audit(self, op: dict, table, current: StoredRow | None) -> None:
        """The audit entry of a received op, hash-chained like capture's (ids as hex: the same hash)."""
        fields, inserted = op["f"], op["k"] == "ins"
        shown = []  # capture.canonical({field: [old, new]}) written directly, in its sorted key order
        for field, key, secret in _audited_fields(table, tuple(fields)):
            new = fields[field]
            if type(new) is dict and canonical(new) == DELETED_TEXT:
                continue
            if inserted and new in (None, "", False):
                continue
            old = current.get(field) if current else None
            if secret:
                old, new = (None if old is None else capture.SECRET_MARK), capture.SECRET_MARK
            shown.append(f"{key}:[{canonical(old)},{canonical(new)}]")
        changes = "{" + ",".join(shown) + "}"
        self._chain(op, changes, _string(changes))

    def _chain(self, op: dict, changes: str, changes_json: str) -> None:
        """The audit entry (and its origin) of a received op showing *changes* (*changes_json*: the same as a
        JSON string), next in this PC's hash chain."""
        self.audit_seq += 1
        millis = op["t"] >> hlc.COUNTER_BITS
        if millis != self.at_millis:  # the author's time (server-corrected); ops of one save share it
            at = _EPOCH + dt.timedelta(milliseconds=millis)
            self.at_millis, self.at_texts = millis, (at.isoformat(), at.isoformat(sep=" ", timespec="microseconds"))
        at_hashed, at_stored = self.at_texts
        who = (op.get("u"), op.get("a"), op.get("c"), op.get("l"), op["k"], op["tbl"])
        try:
            actor_id, actor_name, class_id, label, start, middle, end = self.who[who]
        except (KeyError, TypeError):  # TypeError: a name or label that is not text (made text by _who_texts)
            actor_id, actor_name, class_id, label, start, middle, end = found = _who_texts(op)
            if len(self.who) < _MEMO and type(who[1]) in _TEXT_OR_NONE and type(who[3]) in _TEXT_OR_NONE:
                self.who[who] = found
        prev_hash = self.prev_hash
        # capture.canonical(capture.audit_fields(entry)) written directly, keys sorted (every id is hex text
        # already): the same text, so the same hash (tests/sync checks the chain with audit.verify_chain).
        text = (f'{start}{at_hashed}","changes":{changes_json}{middle}{_string(op["id"])},"prev":{_string(prev_hash)},'
                f'"row":{_string(op["row"])},"seq":{self.audit_seq}{end}')
        self.prev_hash = _sha256(text.encode("utf-8")).hexdigest()
        # In AUDIT_COLUMNS order; "at" in SQLAlchemy's SQLite DateTime storage form.
        self.audit.append((self.audit_seq, at_stored, actor_id, actor_name, op["tbl"], op["row"], label, class_id,
                           op["k"], changes, op["id"], prev_hash, self.prev_hash))
        self.origins.append((self.audit_seq, self.origin_node, self.origin_seq))

    def _flush(self) -> None:
        run = self.raw.executemany
        start = 0
        for end in range(1, len(self.writes) + 1):  # consecutive writes of one statement: one executemany
            if end == len(self.writes) or self.writes[end][0] != self.writes[start][0]:
                run(self.writes[start][0], [params for _sql, params in self.writes[start:end]])
                start = end
        dropped, added, conflicts_on, conflicts_off = [], [], [], []
        now = _now_text()
        for key, heads in self.cells.items():
            before = self.original.get(key, {})
            if heads.keys() == before.keys():
                continue
            dropped += [(*key, op_id) for op_id in before.keys() - heads.keys()]
            added += [(*key, h.op_id, h.t, h.node, h.value) for op_id, h in heads.items() if op_id not in before]
            table, _row, field = key
            was, now_conflict = in_conflict(table, field, before), in_conflict(table, field, heads)
            if now_conflict and not was:
                conflicts_on.append((*key, table in OFFICIAL, now))
            elif was and not now_conflict:
                conflicts_off.append(key)
        added += self.new_births
        run("DELETE FROM sync_head WHERE tbl = ? AND row = ? AND field = ? AND op_id = ?", dropped)
        run("INSERT OR REPLACE INTO sync_head (tbl, row, field, op_id, t, node, value) VALUES (?, ?, ?, ?, ?, ?, ?)",
            added)
        run("INSERT OR IGNORE INTO sync_superseded (op_id, field) VALUES (?, ?)", self.new_superseded)
        run("INSERT OR IGNORE INTO sync_applied (op_id) VALUES (?)", self.applied_ids)
        run("INSERT OR IGNORE INTO sync_conflict (tbl, row, field, official, first_seen) VALUES (?, ?, ?, ?, ?)",
            conflicts_on)
        run("DELETE FROM sync_conflict WHERE tbl = ? AND row = ? AND field = ?", conflicts_off)
        self.new_conflicts = len(conflicts_on)
        run("INSERT OR REPLACE INTO sync_authority (op_id, field, tbl, row, value, t, node, seq, idx, preds) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self.authority)
        run("INSERT INTO sync_quarantine (kind, node, seq, op_id, tbl, row, author_id, author_name, reason, op, "
            "first_seen, last_try) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self.quarantine)
        if self.audit:
            run(f"INSERT INTO audit_entry ({', '.join(AUDIT_COLUMNS)}) VALUES ({', '.join('?' * len(AUDIT_COLUMNS))})",
                self.audit)
            run("INSERT INTO sync_audit_origin (audit_seq, node, seq) VALUES (?, ?, ?)", self.origins)
        if self.late_edits:
            run("INSERT OR IGNORE INTO sync_late_edit (op_id, tbl, row, fields, author_id, author_name, lock_id, node, "
                "seq, made_at, received_at, reviewed_by_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self.late_edits)
        if self.settled:
            run("UPDATE sync_late_edit SET decision = ?, reviewed_by = ?, reviewed_by_name = ?, reviewed_at = ? "
                "WHERE id = ? AND decision IS NULL", self.settled)
        if self.decided:
            run("DELETE FROM sync_quarantine WHERE kind = 'op' AND op_id = ?", self.decided)
        run("INSERT INTO local_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [("hlc", str(self.clock)), ("audit_head", f"{self.audit_seq}:{self.prev_hash}")])


@contextlib.contextmanager
def _without_cyclic_gc():
    """Decoding and applying a segment makes tens of thousands of small acyclic objects (ops, values,
    rows); the cyclic garbage collector would scan the whole heap several times over for nothing (about
    6 % of an import here, more in the app's larger heap).  Off for the segment, as it was after."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


_COLUMN_SETS: dict = {}  # table codec → its column names


def _column_set(table_codec) -> frozenset[str]:
    found = _COLUMN_SETS.get(table_codec)
    if found is None:
        found = _COLUMN_SETS[table_codec] = frozenset(table_codec.columns)
    return found


@functools.lru_cache(maxsize=512)
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f'INSERT INTO "{table}" ({", ".join(("id", *columns))}) VALUES ({", ".join("?" * (len(columns) + 1))})'


@functools.lru_cache(maxsize=512)
def _update_sql(table: str, columns: tuple[str, ...], bump: bool = False) -> str:
    sets = [f"{c} = ?" for c in columns] + ([f"{VERSION} = {VERSION} + 1"] if bump else [])
    return f'UPDATE "{table}" SET {", ".join(sets)} WHERE id = ?'


class _InsertPlan(typing.NamedTuple):
    sql: str
    columns: tuple[str, ...]   # "id" and the op's fields that are columns, in the op's order: the parameters
    blank: tuple[None, ...]    # the parameters after the id, and one place for the fields that are not columns
    shown: int                 # audit texts: one per shown field (sorted as canonical JSON sorts keys), one spare
    slots: tuple               # per field of the op: (parameter index, audit text index, memo, make)


@functools.lru_cache(maxsize=512)
def _insert_plan(table_codec, fields: tuple[str, ...]) -> _InsertPlan:
    """How an insert op writing *fields* (in this order) becomes its row's parameters and its audit text."""
    columns = tuple(f for f in fields if f in _column_set(table_codec))
    secret = _secret_columns(table_codec.table)
    audited = sorted(f for f in fields if f not in capture.META_FIELDS and f != "id")
    slots = []
    for field in fields:
        to_param = 1 + columns.index(field) if field in columns else 1 + len(columns)
        to_shown = audited.index(field) if field in audited else len(audited)
        slots.append((to_param, to_shown, *_value_maker(table_codec.converters.get(field) if field in columns else None,
                                                        _string(field) if field in audited else None,
                                                        field in secret)))
    return _InsertPlan(_insert_sql(table_codec.name, columns), ("id", *columns), (None,) * (len(columns) + 1),
                       len(audited) + 1, tuple(slots))


def _value_maker(to_db, key: str | None, secret: bool):
    """(memo, make) for one field of an insert: make(value) = (type, parameter, audit text, that text escaped
    as inside a JSON string), remembered."""
    memo: dict = {}

    def make(value):
        parameter = value if value is None or to_db is None else to_db(value)
        if key is None or value in _EMPTY or (type(value) is dict and canonical(value) == DELETED_TEXT):
            text = ""  # left out of the audit entry, as capture leaves it out
        else:
            text = f"{key}:[null,{_SECRET if secret else canonical(value)}],"
        made = (type(value), parameter, text, _string(text)[1:-1])
        if len(memo) >= _MEMO:
            memo.clear()
        try:
            memo[value] = made
        except TypeError:
            pass
        return made

    return memo, make


@functools.lru_cache(maxsize=512)
def _audited_fields(table, fields: tuple[str, ...]) -> tuple[tuple[str, str, bool], ...]:
    """The fields of an op an audit entry shows, sorted as canonical JSON sorts keys: (field, key as JSON, secret)."""
    secret = _secret_columns(table)
    return tuple((f, _string(f), f in secret) for f in sorted(fields) if f not in capture.META_FIELDS and f != "id")


def _json_text(value: str | None) -> str:
    return "null" if value is None else _string(value)


def _who_texts(op: dict) -> tuple:
    """(actor id, actor name, class id, label) of an op's audit entry as stored, and the canonical JSON of the
    hashed fields around them: up to "at", from "class" to "op", and "table" to the end."""
    actor_id, class_id = op.get("u") or None, op.get("c") or None
    actor_name, label = str(op.get("a") or "")[:200], str(op.get("l") or "")[:300]
    return (actor_id, actor_name, class_id, label,
            f'{{"actor_id":{_json_text(actor_id)},"actor_name":{_string(actor_name)},"at":"',
            f',"class":{_json_text(class_id)},"kind":{_string(op["k"])},"label":{_string(label)},"op":',
            f',"table":{_string(op["tbl"])}}}')


_MEMO = 4096  # values remembered per field of an insert plan
_CELL_FACTS = ("class_id", "subject_id", "milestone")  # what a mark's permission verdict depends on
_TEXT_OR_NONE = (str, type(None))
_UNKNOWN = object()
_EMPTY = (None, "", False)  # values an insert's audit entry leaves out (as capture does)
_EPOCH = dt.datetime(1970, 1, 1)
_string = json.encoder.encode_basestring  # a JSON string as json.dumps(ensure_ascii=False) writes it
_SECRET = _string(capture.SECRET_MARK)
_sha256 = hashlib.sha256
AUDIT_COLUMNS = ("seq", "at", "actor_id", "actor_name", "table_name", "row_id", "record_label", "class_id", "kind",
                 "changes", "op_id", "prev_hash", "entry_hash")
_SECRETS: dict[str, frozenset[str]] = {}


def _secret_columns(table) -> frozenset[str]:
    found = _SECRETS.get(table.name)
    if found is None:
        found = _SECRETS[table.name] = frozenset(c.key for c in table.columns if c.info.get("secret"))
    return found
