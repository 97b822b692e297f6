"""What capture adds for sync: the op with per-field predecessors, in the same transaction as the change."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from nk_desktop.actor import SYSTEM
from nk_desktop.models.gradebook import SubjectResult
from nk_desktop.models.pupils import Pupil
from nk_desktop.sync import capture
from nk_desktop.sync.capture import CaptureBypass
from nk_desktop.sync.ops import DELETED

from .conftest import write_orm


def _ops(pc) -> list[dict]:
    with pc.db.engine.connect() as conn:
        return [json.loads(op) for (op,) in conn.exec_driver_sql("SELECT op FROM sync_outbox ORDER BY seq")]


def _heads(pc, row) -> list[tuple]:
    with pc.db.engine.connect() as conn:
        return sorted(conn.exec_driver_sql("SELECT field, op_id FROM sync_head WHERE row = ?", (row.hex,)).fetchall())


def test_an_insert_is_one_op_with_every_value_and_one_birth_head(net, ids):
    a = net["a"]
    with a.db.write(ids.principal) as session:
        new = capture.bulk_insert(session, Pupil, [dict(family_name="Đỗ", middle_name="Minh", given_name="Khôi",
                                                        date_of_birth=dt.date(2016, 2, 3), gender="Nam",
                                                        photo=b"\x89PNG\x00\x01")])
    [op] = _ops(a)
    assert op["k"] == "ins" and op["row"] == new[0].hex and op["p"] == {}
    assert op["f"]["given_name"] == "Khôi" and op["f"]["date_of_birth"] == "2016-02-03"
    assert op["f"]["photo"] == {"$b64": "iVBORwAB"}  # bytes travel whole (the audit log only keeps a digest)
    assert _heads(a, new[0]) == [("*", op["id"])]


def test_an_update_replaces_the_heads_it_saw(net, ids):
    a = net["a"]
    with a.db.engine.connect() as conn:
        birth = conn.exec_driver_sql("SELECT op_id FROM sync_head WHERE row = ? AND field = '*'",
                                     (ids.results[0].hex,)).scalar()
    write_orm(a, ids.teacher, SubjectResult, ids.results[0], comment="Tốt")
    write_orm(a, ids.teacher, SubjectResult, ids.results[0], comment="Rất tốt", level="HTT")
    first, second = _ops(a)
    assert first["p"]["comment"] == [birth] and first["k"] == "upd"
    assert second["p"]["comment"] == [first["id"]] and second["p"]["level"] == [birth]
    heads = dict(_heads(a, ids.results[0]))
    assert heads["comment"] == second["id"] and heads["level"] == second["id"] and heads["*"] == birth


def test_a_delete_writes_the_deleted_mark_into_every_field(net, ids):
    a = net["a"]
    write_orm(a, ids.teacher, SubjectResult, ids.results[1], deleted=True)
    [op] = _ops(a)
    assert op["k"] == "del" and op["f"]["deleted"] is True
    assert op["f"]["level"] == DELETED and op["f"]["pupil_id"] == DELETED
    assert "updated_at" in op["f"] and op["f"]["updated_at"] != DELETED
    assert set(op["p"]) >= {"level", "comment", "pupil_id"}


def test_nothing_changed_means_no_op(net, ids):
    a = net["a"]
    write_orm(a, ids.teacher, SubjectResult, ids.results[0], level=a.result(ids, 0).level)
    assert _ops(a) == []


def test_a_refused_write_leaves_no_op(net, ids):
    a = net["a"]
    with pytest.raises(RuntimeError):
        with a.db.write(ids.teacher) as session:
            session.get(SubjectResult, ids.results[0]).comment = "x"
            session.flush()
            raise RuntimeError("refused")
    assert _ops(a) == [] and a.result(ids, 0).comment == ""


def test_an_orm_flush_while_applying_received_changes_is_refused(net, ids):
    a = net["a"]
    with pytest.raises(CaptureBypass):
        with a.db.write(SYSTEM) as session:
            session.info["sync_applying"] = True
            session.get(SubjectResult, ids.results[0]).comment = "x"
            session.flush()
