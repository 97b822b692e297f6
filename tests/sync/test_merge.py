"""The merge table (sync-design §6.2): multi-value registers with predecessors and a superseded set.

``Replica`` keeps what the importer keeps (applied ids, superseded pairs, heads per field)
and calls the same rule (``merge.apply_op``); the results must not depend on arrival order.
"""

from __future__ import annotations

import itertools
import uuid

from nk_desktop.sync import merge
from nk_desktop.sync.ops import DELETED, DELETED_TEXT

ROW = "aa" * 16


class Replica:
    def __init__(self, table: str = "subject_result"):
        self.table = table
        self.applied: set[str] = set()
        self.superseded: set[tuple[str, str]] = set()
        self.cells: dict[str, merge.Cell] = {}

    def receive(self, *ops: dict) -> "Replica":
        for op in ops:
            if op["id"] in self.applied:
                continue
            self.applied.add(op["id"])
            merged, replaced = merge.apply_op(self.cells, self.superseded, op)
            self.cells.update(merged)
            self.superseded.update(replaced)
        return self

    def values(self, field: str) -> list:
        return sorted(h.value for h in self.cells.get(field, {}).values())

    def shown(self, field: str) -> str | None:
        head = merge.winner(self.cells.get(field, {}))
        return head.value if head else None

    def conflict(self, field: str) -> bool:
        return merge.in_conflict(self.table, field, self.cells.get(field, {}))

    def state(self):
        return {f: sorted(c) for f, c in self.cells.items()}


def op(t: int, preds: dict | None = None, node: str = "n1", **fields) -> dict:
    return {"id": uuid.uuid4().hex, "t": t, "n": node, "tbl": "subject_result", "row": ROW, "k": "upd",
            "f": fields, "p": {f: [p["id"] for p in ps] for f, ps in (preds or {}).items()}}


def all_orders(ops, table="subject_result"):
    return [Replica(table).receive(*order) for order in itertools.permutations(ops)]


def test_concurrent_sets_are_both_kept_and_flagged():
    base = op(1, level="H")
    a = op(5, {"level": [base]}, level="T")
    b = op(4, {"level": [base]}, level="C")
    for replica in all_orders([base, a, b]):
        assert replica.values("level") == ['"C"', '"T"']
        assert replica.conflict("level")
        assert replica.shown("level") == '"T"'  # the highest (t, id) is displayed, nothing is dropped


def test_set_then_set_is_causal_and_leaves_one_head():
    base = op(1, level="H")
    a = op(5, {"level": [base]}, level="T")
    b = op(9, {"level": [a]}, level="C")
    for replica in all_orders([base, a, b]):
        assert replica.values("level") == ['"C"'] and not replica.conflict("level")


def test_equal_values_written_concurrently_collapse_into_no_conflict():
    base = op(1, status="")
    a = op(5, {"status": [base]}, status="P")
    b = op(6, {"status": [base]}, status="P", node="n2")
    replica = Replica("attendance_mark").receive(base, a, b)
    assert len(replica.cells["status"]) == 2 and not replica.conflict("status")


def test_delete_versus_edit_is_a_conflict():
    base = op(1, level="H", comment="Tốt")
    delete = op(5, {"level": [base], "comment": [base]}, level=DELETED, comment=DELETED, deleted=True)
    edit = op(4, {"level": [base]}, level="T")
    for replica in all_orders([base, delete, edit]):
        assert replica.values("level") == sorted([DELETED_TEXT, '"T"'])
        assert replica.conflict("level")
        assert replica.shown("level") == '"T"'  # a value beats the deleted mark on display
        assert replica.values("comment") == [DELETED_TEXT] and not replica.conflict("comment")


def test_delete_and_delete_agree():
    base = op(1, level="H")
    d1 = op(5, {"level": [base]}, level=DELETED, deleted=True)
    d2 = op(6, {"level": [base]}, level=DELETED, deleted=True, node="n2")
    replica = Replica().receive(base, d1, d2)
    assert not replica.conflict("level") and not replica.conflict("deleted")


def test_resolution_with_two_and_three_heads():
    base = op(1, level="H")
    heads = [op(2 + n, {"level": [base]}, level=v, node=f"n{n}") for n, v in enumerate(("T", "C", "H"))]
    for count in (2, 3):
        chosen = heads[:count]
        resolution = op(20, {"level": chosen}, level="T")
        resolution["k"] = "res"
        for replica in all_orders([base, *chosen, resolution]):
            assert replica.values("level") == ['"T"'] and not replica.conflict("level")


def test_lww_fields_tie_on_equal_clock_by_op_id_and_never_conflict():
    base = op(1, text="a")
    x = op(7, {"text": [base]}, text="x")
    y = op(7, {"text": [base]}, text="y", node="n2")
    winner = max((x, y), key=lambda o: o["id"])
    for replica in all_orders([base, x, y], table="comment_template"):
        assert not replica.conflict("text")
        assert replica.shown("text") == f'"{winner["f"]["text"]}"'


def test_bookkeeping_fields_never_conflict_on_official_tables():
    base = op(1, updated_at="2026-11-01T00:00:00")
    x = op(2, {"updated_at": [base]}, updated_at="2026-11-02T00:00:00")
    y = op(3, {"updated_at": [base]}, updated_at="2026-11-03T00:00:00")
    replica = Replica().receive(base, x, y)
    assert not replica.conflict("updated_at") and replica.shown("updated_at") == '"2026-11-03T00:00:00"'


def test_an_op_arriving_after_the_op_that_superseded_it_stays_dead():
    """The prototype's causal-chain failure (§7): C reads B's folder before A's."""
    base = op(1, level="H")
    a = op(2, {"level": [base]}, level="T")
    b = op(3, {"level": [a]}, level="C")
    c = Replica().receive(base, b, a)
    assert c.values("level") == ['"C"'] and not c.conflict("level")
    assert ("%s" % a["id"], "level") in c.superseded


def test_the_same_op_twice_changes_nothing():
    base = op(1, level="H")
    a = op(2, {"level": [base]}, level="T")
    b = op(3, {"level": [base]}, level="C")
    once = Replica().receive(base, a, b)
    twice = Replica().receive(base, a, b, a, base, b, a)
    assert once.state() == twice.state() and once.superseded == twice.superseded


def test_late_delivery_of_an_old_value_after_a_resolution_changes_nothing():
    base = op(1, level="H")
    a = op(2, {"level": [base]}, level="T")
    b = op(3, {"level": [base]}, level="C")
    resolution = op(9, {"level": [a, b]}, level="C")
    early = Replica().receive(base, a, b, resolution)
    late = Replica().receive(base, resolution, a, b)
    assert early.state() == late.state() and early.values("level") == ['"C"']


def test_fields_of_one_row_merge_independently():
    base = op(1, level="H", comment="")
    a = op(2, {"level": [base]}, level="T")
    b = op(3, {"comment": [base]}, comment="Chăm chỉ")
    for replica in all_orders([base, a, b]):
        assert replica.values("level") == ['"T"'] and replica.values("comment") == ['"Chăm chỉ"']
        assert not replica.conflict("level") and not replica.conflict("comment")
