"""The merge rule (sync-design §4.2) and the policy per kind of data (§4.3).

Every field is a multi-value register.  A cell's *heads* are the ops that wrote it
and that no op known here replaced (``p``, the predecessors).  Applying an op:

1. its predecessors stop being heads, and are remembered as superseded, so one
   arriving late never comes back;
2. it becomes a head itself unless an op already known replaced it;
3. what the row shows is the value of the head with the highest ``(t, id)``
   (a deleted mark only when every head is one).

This is commutative and idempotent: any arrival order gives the same heads.  Two
heads with different values are a *conflict* on official records and other shared
data (both values are kept until a person decides); on preference-like tables the
highest ``(t, id)`` is simply shown (last writer wins) and no conflict is raised.
Clocks order the display, never decide whether there is a conflict.
"""

from __future__ import annotations

import enum
import typing

from nk_desktop.sync.ops import DELETED_TEXT, canonical


class Policy(str, enum.Enum):
    MV = "mv"            # keep every concurrent value; different values = conflict
    LWW = "lww"          # show the highest (t, id); never a conflict
    LEDGER = "ledger"    # rows are only ever added (and tombstoned); an edit is refused


# Official records (Thông tư 27 books, roll, pupil records): a conflict blocks printing
# and locking of the affected book until a person with the right role resolves it.
OFFICIAL = frozenset({
    "subject_result", "trait_result", "year_result", "attendance_mark", "roll_call", "month_sheet",
    "pupil", "enrolment", "mark_lock", "correction_request",
})
# Preferences and settings where the last writer wins.
LWW_TABLES = frozenset({"comment_template", "attendance_setting"})
# Insert-only ledgers (evidence attached to a correction is never edited, only added).
LEDGER_TABLES = frozenset({"evidence"})
# Bookkeeping columns: the highest (t, id) wins, concurrent edits of other fields must not clash on them.
# ``version`` (official records' optimistic version, for the PostgreSQL mode) is each database's own counter: an
# op may carry it (an insert does), but it never decides anything and never clashes.
BOOKKEEPING = frozenset({"created_at", "created_by", "updated_at", "updated_by", "folded_name", "version"})


def table_policy(table: str) -> Policy:
    if table in LWW_TABLES:
        return Policy.LWW
    if table in LEDGER_TABLES:
        return Policy.LEDGER
    return Policy.MV


def field_is_lww(table: str, field: str) -> bool:
    return table in LWW_TABLES or field in BOOKKEEPING


class Head(typing.NamedTuple):  # a tuple: made for every field an op writes, it must be cheap
    op_id: str
    t: int
    node: str
    value: str  # canonical JSON


Cell = dict[str, Head]  # op id → head


def merge(heads: Cell, head: Head, preds: list[str] | tuple[str, ...], superseded: bool) -> Cell:
    """The heads of a cell after an op (*head*) that replaces *preds*; *superseded* if an op known here
    already replaced this one.  Never mutates *heads*."""
    merged = {op_id: h for op_id, h in heads.items() if op_id not in preds}
    if not superseded:
        merged[head.op_id] = head
    return merged


def winner(heads: Cell) -> Head | None:
    """The head shown: the highest (t, id) among real values; a deleted mark only when nothing else is left."""
    live = [h for h in heads.values() if h.value != DELETED_TEXT]
    pool = live or list(heads.values())
    return max(pool, key=lambda h: (h.t, h.op_id)) if pool else None


def in_conflict(table: str, field: str, heads: Cell) -> bool:
    """Whether people must decide: several different values on a multi-value field."""
    if field_is_lww(table, field):
        return False
    return len({h.value for h in heads.values()}) > 1


def apply_op(cells: dict[str, Cell], superseded: set[tuple[str, str]], op: dict) -> tuple[dict[str, Cell], list]:
    """The merge rule for one op: the new heads of each field it writes (``cells`` holds the current heads by
    field) and the (op id, field) pairs it replaces.  Inputs are not changed."""
    merged, replaced = {}, []
    for field, value in op["f"].items():
        preds = op["p"].get(field, [])
        head = Head(op["id"], op["t"], op["n"], canonical(value))
        merged[field] = merge(cells.get(field, {}), head, preds, (op["id"], field) in superseded)
        replaced += [(pred, field) for pred in preds]
    return merged, replaced
