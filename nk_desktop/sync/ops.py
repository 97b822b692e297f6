"""Ops as they travel (sync-design §4.2) and the lossless JSON form of column values.

An op is a dict::

    {"id": op uuid hex, "t": HLC, "n": node hex, "u": author account hex | None, "a": author's name,
     "tbl": table, "row": row uuid hex, "k": "ins" | "upd" | "del" | "res",
     "f": {field: value}, "p": {field: [op ids it replaces]}, "l": audit label, "c": class hex | None}

Values are JSON: ids as hex, dates and times ISO, bytes as ``{"$b64": …}``; a deleted
field (a delete writes "deleted" into every field, so an edit made meanwhile shows up
as a conflict) is ``DELETED``.  ``TableCodec`` turns them back into what SQLite stores.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import functools
import json
import re
import uuid
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, LargeBinary, Table, Uuid
from sqlalchemy.dialects import sqlite

DELETED: dict = {"$del": 1}
KINDS = ("ins", "upd", "del", "res")
OP_KEYS = {"id": str, "t": int, "n": str, "tbl": str, "row": str, "k": str, "f": dict, "p": dict}


def canonical(value: Any) -> str:
    """The one text form of a JSON value (heads compare values by it); same text as ``json.dumps``."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)  # what json.dumps(ensure_ascii=False) uses, without its overhead
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


DELETED_TEXT = canonical(DELETED)


def encode_value(value: Any) -> Any:
    """A Python column value as lossless JSON."""
    if value is None or isinstance(value, (bool, int, str, float)):
        return value
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, decimal.Decimal):
        return str(value)
    if value == DELETED:
        return DELETED
    return str(value)


def is_valid_op(op: Any) -> bool:
    """Shape check of an op read from a file (anything else makes the file unreadable)."""
    if not isinstance(op, dict):
        return False
    for key, kind in OP_KEYS.items():
        if not isinstance(op.get(key), kind) or (kind is int and isinstance(op.get(key), bool)):
            return False
    if op["k"] not in KINDS or len(op["id"]) != 32 or len(op["row"]) != 32 or len(op["n"]) != 32:
        return False
    try:
        int(op["id"], 16), int(op["row"], 16), int(op["n"], 16)
    except ValueError:
        return False
    for field, preds in op["p"].items():
        if field not in op["f"] or not isinstance(preds, list) or not all(
                isinstance(p, str) and len(p) == 32 for p in preds):
            return False
    return (op.get("u") is None or isinstance(op["u"], str)) and (op.get("c") is None or isinstance(op["c"], str))


_HEX96 = re.compile("[0-9a-f]{96}")


def all_valid(ops: list) -> bool:
    """``is_valid_op`` for every op of a segment, in one pass.

    The common shape (JSON types, lowercase hex ids) is accepted by a few cheap checks; an op
    they do not accept gets the full ``is_valid_op``, so the verdict is exactly its verdict."""
    hex96, kinds = _HEX96.fullmatch, KINDS
    for op in ops:
        try:
            op_id, row, node, preds = op["id"], op["row"], op["n"], op["p"]
            fast = (type(op["t"]) is int and type(op["tbl"]) is str and type(op["f"]) is dict
                    and type(preds) is dict and op["k"] in kinds and type(op["k"]) is str
                    and len(op_id) == 32 and len(row) == 32 and len(node) == 32
                    and hex96(op_id + row + node) is not None)
        except (KeyError, TypeError):
            fast = False
        if fast:
            author, school_class = op.get("u"), op.get("c")
            fast = ((author is None or type(author) is str) and (school_class is None or type(school_class) is str)
                    and (not preds or _preds_fine(op["f"], preds)))
        if not fast and not is_valid_op(op):
            return False
    return True


def _preds_fine(fields: dict, preds: dict) -> bool:
    for field, replaced in preds.items():
        if field not in fields or type(replaced) is not list:
            return False
        for pred in replaced:
            if type(pred) is not str or len(pred) != 32:
                return False
    return True


_DIALECT = sqlite.dialect()
_HEX = frozenset("0123456789abcdef")


class _Hex(str):
    """An id already in the stored form (32 lowercase hex digits)."""


def _uuid(value: str):
    if len(value) == 32 and _HEX.issuperset(value):
        return _Hex(value)
    return uuid.UUID(value)


class TableCodec:
    """JSON values ⇄ SQLite storage values for one table's columns (through SQLAlchemy's own processors)."""

    def __init__(self, table: Table):
        self.table = table
        self.name = table.name
        self.columns = [c.key for c in table.columns]
        self.required = {c.key for c in table.columns if not c.nullable and c.key != "id"}
        self._to_db = {}
        self._from_db = {}
        # field → f(JSON value, not None) giving the parameter that stores what to_db's result stores (dates and
        # times as the text sqlite3's adapters make of them); None: the value as it is
        self.converters = {}
        for column in table.columns:
            self._to_db[column.key] = (self._decoder(column), column.type.bind_processor(_DIALECT))
            self._from_db[column.key] = column.type.result_processor(_DIALECT, None)
            self.converters[column.key] = self._converter(column.key)

    def _converter(self, field: str):
        """``to_db`` for one column as one call: most columns keep the value or check an id's form."""
        decode, bind = self._to_db[field]
        if decode is None and bind is None:
            return None
        if decode is _uuid:
            def stored_id(value, generic=functools.partial(self.to_db, field), hexdigits=_HEX):
                if type(value) is str and len(value) == 32 and hexdigits.issuperset(value):
                    return value  # what to_db returns for an id already in the stored form
                return generic(value)
            return stored_id
        if bind is None and decode == dt.datetime.fromisoformat:
            return lambda value: dt.datetime.fromisoformat(value).isoformat(" ")  # sqlite3's adapter for datetime
        if bind is None and decode == dt.date.fromisoformat:
            return lambda value: dt.date.fromisoformat(value).isoformat()  # and for date
        if bind is None:
            return decode
        return functools.partial(self.to_db, field)

    @staticmethod
    def _decoder(column):
        kind = column.type
        if isinstance(kind, Uuid):
            return _uuid
        if isinstance(kind, DateTime):
            return dt.datetime.fromisoformat
        if isinstance(kind, Date):
            return dt.date.fromisoformat
        if isinstance(kind, LargeBinary):
            return lambda v: base64.b64decode(v["$b64"]) if isinstance(v, dict) else v
        if isinstance(kind, Boolean):
            return bool
        if isinstance(kind, Integer):
            return int
        return None

    def to_db(self, field: str, value: Any) -> Any:
        """A JSON value as the parameter SQLite stores for *field*."""
        if value is None:
            return None
        decode, bind = self._to_db[field]
        if decode is not None:
            value = decode(value)
            if type(value) is _Hex:
                return str(value)
        return bind(value) if bind is not None else value

    def from_db(self, field: str, raw: Any) -> Any:
        """A stored value as JSON (the form ops carry)."""
        if raw is None:
            return None
        process = self._from_db[field]
        return encode_value(process(raw) if process is not None else raw)


_CODECS: dict[str, TableCodec] = {}


def codec(table: Table) -> TableCodec:
    found = _CODECS.get(table.name)
    if found is None or found.table is not table:
        found = _CODECS[table.name] = TableCodec(table)
    return found
