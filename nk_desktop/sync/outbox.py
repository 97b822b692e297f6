"""Local ops: what capture adds for sync in the same transaction as the change (sync-design §4.5 step 1).

For each captured row change: the op with its per-field predecessors (the heads this
PC has for those fields, so a local edit replaces whatever this PC saw), appended to
``sync_outbox``; then this PC's own merge state moves on (the op becomes the only
head of each field it writes; a conflict it overwrites is resolved).
SQLite only: a PostgreSQL server has no file sync.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from typing import Any, Iterable

from nk_desktop.models.base import Base
from nk_desktop.sync.merge import BOOKKEEPING
from nk_desktop.sync.ops import DELETED, canonical, encode_value

BIRTH = "*"  # sync_head's pseudo-field naming the op that inserted the row (see ``merge``)
# Tables whose values decide what an author may do; their field history is kept so an
# import can ask what the op's writer had seen (see ``authorize``).
AUTHORITY_TABLES = frozenset({"account", "account_role", "teaching_assignment", "school_class", "mark_lock"})
CHUNK = 400


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def current_heads(connection, table: str, rows: Iterable[str]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """{(row, field): [(op id, value), …]} for *rows* of *table*."""
    found: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    rows = list(rows)
    for chunk in _chunks(rows):
        marks = ",".join("?" * len(chunk))
        for row, field, op_id, value in connection.exec_driver_sql(
                f"SELECT row, field, op_id, value FROM sync_head WHERE tbl = ? AND row IN ({marks})",
                (table, *chunk)):
            found[(row, field)].append((op_id, value))
    return found


_PLAIN = frozenset({type(None), bool, int, str, float})
# One encoder for every op (``json.dumps`` with options builds a new one per call); the same text.
_OP_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def build_op(op_id: str, t: int, change, node: str, author: str | None, author_name: str, heads: dict) -> dict:
    """The op that travels: capture's row change (*change*) with its op id, clock, node and author (hex)."""
    table, row = change.table, change.row_id.hex
    plain = _PLAIN
    fields = {key: value if type(value) in plain else encode_value(value)
              for key, value in change.new.items() if key != "id"}
    if change.kind == "del":  # a delete writes "deleted" into every field (edit-vs-delete = conflict)
        for column in Base.metadata.tables[table].columns:
            if column.key not in fields and column.key != "id" and column.key not in BOOKKEEPING:
                fields[column.key] = DELETED
    preds = {}
    if heads:  # a fresh insert's row has none (its table's heads are read only for rows already there)
        for field in fields:
            replaced = heads.get((row, field)) or heads.get((row, BIRTH))
            if replaced:
                preds[field] = sorted(pred for pred, _value in replaced)
    return {"id": op_id, "t": t, "n": node, "u": author, "a": author_name, "tbl": table, "row": row,
            "k": change.kind, "f": fields, "p": preds, "l": change.label,
            "c": change.class_id.hex if change.class_id else None}


def insert_op_text(op_id: str, t: int, change, node: str, author: str | None, author_name: str,
                   row: str | None = None) -> str:
    """The op of a fresh insert whose fields' JSON capture made already (``change.texts``), as text:
    the same text as ``encode(build_op(…))`` with no heads, without encoding the values again.
    *op_id*, *node* and *row* (the row id's hex, if known) are hex: nothing in them to escape."""
    school_class = f'"{change.class_id.hex}"' if change.class_id else "null"
    return (f'{{"id":"{op_id}","t":{t},{_op_author(node, author, author_name, change.table)},'
            f'"row":"{row or change.row_id.hex}","k":"ins","f":{{{change.texts[2]}}},"p":{{}},'
            f'"l":{canonical(change.label)},"c":{school_class}}}')


@functools.lru_cache(maxsize=64)
def _op_author(node: str, author: str | None, author_name: str, table: str) -> str:
    """The middle of an op's text, the same for a whole batch: node, author and table."""
    return f'"n":"{node}","u":{canonical(author)},"a":{canonical(author_name)},"tbl":{canonical(table)}'


def record_local(connection, node: str, author: str | None, author_name: str,
                 items: list[tuple[str, int, Any]]) -> None:
    """Append the ops of *items* (capture's (op id, clock, row change) triples; ids in hex) and move the merge state."""
    if connection.dialect.name != "sqlite" or not items:
        return
    wanted: dict[str, set[str]] = defaultdict(set)
    for _op_id, _t, change in items:
        if change.kind != "ins":
            wanted[change.table].add(change.row_id.hex)
    heads_by_table = {table: current_heads(connection, table, rows) for table, rows in wanted.items()}
    outbox, applied, superseded, dropped, new_heads, resolved, authority = [], [], [], [], [], [], []
    encode, no_heads = _OP_ENCODER.encode, {}
    for op_id, t, change in items:
        table, kind = change.table, change.kind
        heads = heads_by_table.get(table, no_heads)
        if kind == "ins" and change.texts is not None and not heads and table not in AUTHORITY_TABLES:
            row = change.row_id.hex
            outbox.append((op_id, insert_op_text(op_id, t, change, node, author, author_name, row)))
            applied.append((op_id,))
            new_heads.append((table, row, BIRTH, op_id, t, node, ""))
            continue  # as below: one birth head, nothing replaced
        travelling = build_op(op_id, t, change, node, author, author_name, heads)
        row = travelling["row"]
        outbox.append((op_id, encode(travelling)))
        applied.append((op_id,))
        if kind == "ins":  # one row names the insert; its fields are implicit heads until written again
            new_heads.append((table, row, BIRTH, op_id, t, node, ""))
            if not heads and table not in AUTHORITY_TABLES:
                continue  # nothing replaced, no field heads written: the loop below would do nothing
        preds = travelling["p"]
        for field, value in travelling["f"].items():
            replaced = preds.get(field, ())
            superseded.extend((pred, field) for pred in replaced)
            explicit = heads.get((row, field))
            if explicit:
                dropped.append((table, row, field))
                if len({v for _o, v in explicit}) > 1:
                    resolved.append((table, row, field))
            text = canonical(value)
            if kind != "ins":
                new_heads.append((table, row, field, op_id, t, node, text))
            if table in AUTHORITY_TABLES:
                authority.append((op_id, field, table, row, text, t, node, json.dumps(list(replaced))))

    def run(sql: str, rows: list) -> None:
        if rows:
            connection.exec_driver_sql(sql, rows)

    run("INSERT INTO sync_outbox (op_id, op) VALUES (?, ?)", outbox)
    run("INSERT OR IGNORE INTO sync_applied (op_id) VALUES (?)", applied)
    run("DELETE FROM sync_head WHERE tbl = ? AND row = ? AND field = ?", dropped)
    run("INSERT OR IGNORE INTO sync_superseded (op_id, field) VALUES (?, ?)", superseded)
    run("INSERT OR REPLACE INTO sync_head (tbl, row, field, op_id, t, node, value) VALUES (?, ?, ?, ?, ?, ?, ?)",
        new_heads)
    run("DELETE FROM sync_conflict WHERE tbl = ? AND row = ? AND field = ?", resolved)
    run("INSERT OR REPLACE INTO sync_authority (op_id, field, tbl, row, value, t, node, seq, idx, preds) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)", authority)
