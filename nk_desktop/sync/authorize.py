"""Permission re-check on import: an op its author's roles did not allow is quarantined, never applied.

The question asked is "did the *writer* of this segment know that the author could do
this?", not "does this PC think so now": the roles, accounts, classes, teaching
assignments and locks are read as the writer had seen them, i.e. only ops the writer
had applied (its own earlier ops, and other PCs' ops up to the segment's ``deps``
vector).  Every PC therefore reaches the same verdict whatever order segments arrive
in, and a lock the writer had not seen yet (a concurrent one) does not refuse an edit,
while a mark typed after the writer received the lock is refused (sync-design §4.3,
"milestone locks").  The history of those tables is ``sync_authority``.

Rules checked here (the services check much more when a person types; these are the
ones a tampered or outdated PC could break and that matter for the official books):

* marks (``subject_result``, ``trait_result``): the author teaches that class × subject
  (homeroom class for qualities), or is the secretary/DB admin entering test scores,
  or the DB admin applying an approved correction; and the book was not locked
  (a correction by the DB admin is the one way into a locked book, Điều 11.2); the principal may
  settle a conflicting cell (a ``res`` op); a school-wide pupil editor merging two records of one
  pupil may move a mark to the kept record or tombstone an equal copy (still not in a locked book);
* locks (``mark_lock``): the principal or the DB admin;
* roles (``account_role``): the principal, or the DB admin;
* decisions on held-back ops (``quarantine_decision``): the principal;
* the monthly gradebook check (``gradebook_check``, Điều 4.1): the principal or a vice-principal.
Ops by the application itself (no author) are accepted.
"""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict

from nk_desktop.i18n import _
from nk_desktop.services.permissions import MATRIX, Action, Role, allowed_roles
from nk_desktop.sync.merge import BOOKKEEPING
from nk_desktop.sync.ops import DELETED, DELETED_TEXT

CHECKED = frozenset({"subject_result", "trait_result", "mark_lock", "account_role", "quarantine_decision",
                     "gradebook_check"})
_QT, _VT, _CN, _BM, _H = Role.QUAN_TRI_CSDL.value, Role.VAN_THU.value, Role.GV_CHU_NHIEM.value, \
    Role.GV_BO_MON.value, Role.HIEU_TRUONG.value
_MISSING = object()
_PUPIL_EDITORS = {r.value for r in MATRIX[Action.PUPIL_EDIT]}  # who edits every class's pupils


@dataclasses.dataclass(frozen=True)
class Entry:
    op_id: str
    t: int
    value: str
    preds: frozenset[str]
    node: str | None
    seq: int | None
    idx: int | None


class History:
    """The field history of the permission tables (``sync_authority``), loaded once per import run."""

    def __init__(self, raw):
        self.version = 0
        self.cells: dict[str, dict[str, dict[str, list[Entry]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
        for op_id, field, tbl, row, value, t, node, seq, idx, preds in raw.execute(
                "SELECT op_id, field, tbl, row, value, t, node, seq, idx, preds FROM sync_authority"):
            self.cells[tbl][row][field].append(Entry(op_id, t, value, frozenset(json.loads(preds)), node, seq, idx))

    def add(self, tbl: str, row: str, field: str, entry: Entry) -> None:
        self.cells[tbl][row][field].append(entry)
        self.version += 1


class WriterView:
    """The permission tables as the writer of one segment had seen them before its op number *idx*."""

    def __init__(self, history: History, writer: str, seq: int, deps: dict[str, int]):
        self.history, self.writer, self.seq, self.deps = history, writer, seq, deps
        self.idx = 0
        self._cache: dict[str, tuple[int, list]] = {}

    def _seen(self, e: Entry) -> bool:
        if e.seq == 0:
            return True  # the state the school's sync began with
        if e.seq is None or e.node is None:
            return False  # not published yet: nobody else can have seen it
        if e.node == self.writer:
            return e.seq < self.seq or (e.seq == self.seq and (e.idx or 0) < self.idx)
        return self.deps.get(e.node, 0) >= e.seq

    def _value(self, entries: list[Entry]):
        seen = [e for e in entries if self._seen(e)]
        if not seen:
            return _MISSING
        replaced = set().union(*(e.preds for e in seen))
        heads = [e for e in seen if e.op_id not in replaced] or seen
        live = [e for e in heads if e.value != DELETED_TEXT]
        best = max(live or heads, key=lambda e: (e.t, e.op_id))
        return None if best.value == DELETED_TEXT else json.loads(best.value)

    def row(self, tbl: str, row: str | None) -> dict | None:
        if row is None:
            return None
        fields = self.history.cells[tbl].get(row)
        if not fields:
            return None
        values = {f: self._value(entries) for f, entries in fields.items()}
        values = {f: v for f, v in values.items() if v is not _MISSING}
        return values or None

    def rows(self, tbl: str) -> list[tuple[str, dict]]:
        """The live rows of *tbl*.  An entry becomes visible only by being added to the history (ops of
        the writer's own segment are added as they are applied), so the history's version keys the cache."""
        cached = self._cache.get(tbl)
        if cached is None or cached[0] != self.history.version:
            found = []
            for row in list(self.history.cells[tbl]):
                values = self.row(tbl, row)
                if values is not None and not values.get("deleted"):
                    found.append((row, values))
            cached = self._cache[tbl] = (self.history.version, found)
        return cached[1]

    # --- facts ------------------------------------------------------------------------

    def roles(self, account: str) -> set[str]:
        return {r.get("role") for _row, r in self.rows("account_role") if r.get("account_id") == account}

    def staff_of(self, account: str) -> str | None:
        found = self.row("account", account)
        return found.get("staff_id") if found else None

    def teaches(self, staff: str, class_id: str, subject_id: str) -> bool:
        return any(r.get("staff_id") == staff and r.get("class_id") == class_id and r.get("subject_id") == subject_id
                   for _row, r in self.rows("teaching_assignment"))

    def active_lock(self, class_id: str, subject_id: str | None, milestone: str) -> dict | None:
        """The most specific lock record covering the cells (as ``services.gradebook.active_lock``)."""
        school_class = self.row("school_class", class_id)
        if not school_class:
            return None
        candidates = [r for _row, r in self.rows("mark_lock")
                      if r.get("year_id") == school_class.get("year_id")
                      and r.get("grade") in (None, school_class.get("grade"))
                      and r.get("class_id") in (None, class_id)
                      and (r.get("subject_id") in (None, subject_id) if subject_id else r.get("subject_id") is None)
                      and r.get("milestone") in (None, milestone)]
        if not candidates:
            return None
        return max(candidates, key=lambda r: (r.get("class_id") is not None, r.get("grade") is not None,
                                              r.get("subject_id") is not None, r.get("milestone") is not None,
                                              r.get("updated_at") or ""))


def refusal(view: WriterView, op: dict, row_now) -> str | None:
    """Why *op* is quarantined, or None when its author was allowed (as its writer had seen things)."""
    table, author = op["tbl"], op.get("u")
    if table not in CHECKED or author is None:
        return None
    roles = view.roles(author)
    if table == "mark_lock":
        if not roles & {r.value for r in allowed_roles(Action.MARKS_LOCK)}:
            return _("Người khóa/mở khóa sổ điểm không có quyền đó (Điều 3.2).")
        return None
    if table == "account_role":
        if not roles & {_H, _QT}:
            return _("Người giao vai trò không có quyền quản lý tài khoản.")
        return None
    if table == "quarantine_decision":
        if _H not in roles:
            return _("Chỉ Hiệu trưởng quyết định về thay đổi bị giữ lại.")
        return None
    if table == "gradebook_check":
        if not roles & {r.value for r in allowed_roles(Action.GRADEBOOK_CHECK)}:
            return _("Chỉ Hiệu trưởng, Phó hiệu trưởng ghi nhận xét kiểm tra sổ điểm (Điều 4.1).")
        return None

    def fact(key: str):
        value = op["f"].get(key, DELETED)  # a delete writes the deleted mark: the row still says which cells
        return (row_now.get(key) if row_now else None) if value == DELETED else value

    class_id, subject_id, milestone = fact("class_id"), fact("subject_id"), fact("milestone")
    if _QT in roles:
        return None  # the DB admin: test scores, and approved corrections even in a locked book
    if op["k"] == "res" and _H in roles:
        return None  # the principal settles any conflicting cell (sync-design §9.3)
    written = set(op["f"]) - BOOKKEEPING - {"deleted"}
    staff = view.staff_of(author)
    if (op["k"] == "del" or written <= {"pupil_id"}) and roles & _PUPIL_EDITORS:
        pass  # merging two records of one pupil (services/duplicates.py) moves a mark or drops an equal copy
    elif written <= {"score"} and _VT in roles:
        pass  # the secretary enters periodic test scores for a whole grade (Điều 8.1)
    elif table == "subject_result" and roles & {_CN, _BM}:
        if not (staff and view.teaches(staff, class_id, subject_id)):
            return _("Giáo viên không được phân công dạy môn này ở lớp này (Điều 11).")
    elif table == "trait_result" and _CN in roles:
        school_class = view.row("school_class", class_id) or {}
        if not staff or school_class.get("homeroom_id") != staff:
            return _("Chỉ giáo viên chủ nhiệm của lớp được đánh giá phẩm chất, năng lực.")
    else:
        return _("Tài khoản này không có quyền nhập điểm.")
    lock = view.active_lock(class_id, subject_id if table == "subject_result" else None, milestone)
    if lock and lock.get("locked"):
        return _("Sổ điểm đã khóa trước khi máy gửi nhận được khóa đó; điểm nhập sau khi khóa không được ghi "
                 "(phải lập biên bản sửa điểm, Điều 11.2).")
    return None


def seed_base(raw, node: str) -> int:
    """Record the permission tables' current values as the state sync begins with (seq 0, seen by all).

    Only fields with no history yet (a database made before sync existed); run by ``share init``.
    """
    import uuid

    from nk_desktop.models.base import Base
    from nk_desktop.sync.ops import canonical, codec
    from nk_desktop.sync.outbox import AUTHORITY_TABLES

    added = []
    for name in sorted(AUTHORITY_TABLES):
        table_codec = codec(Base.metadata.tables[name])
        known = set(raw.execute("SELECT row, field FROM sync_authority WHERE tbl = ?", (name,)))
        cursor = raw.execute(f'SELECT * FROM "{name}"')
        names = [d[0] for d in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(names, values))
            row_id = table_codec.from_db("id", row["id"])
            op_id = uuid.uuid5(uuid.NAMESPACE_URL, f"nk-sync-base:{name}:{row_id}").hex
            for field, raw_value in row.items():
                if field != "id" and (row_id, field) not in known:
                    added.append((op_id, field, name, row_id, canonical(table_codec.from_db(field, raw_value)),
                                  0, node, 0, 0, "[]"))
    raw.executemany("INSERT OR IGNORE INTO sync_authority (op_id, field, tbl, row, value, t, node, seq, idx, preds) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", added)
    return len(added)
