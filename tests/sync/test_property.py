"""Property test over three simulated PCs sharing one folder (sync-design §6.4).

Random edits of a few fields (official marks: multi-value; a comment-bank phrase: last writer
wins; deletes), random publish/import/sync orders, stale listings, torn reads, crashes (inside an
import; after a segment reached the share but before the database recorded it), duplicated
deliveries and clock offsets.  After a final full exchange every PC must hold the same domain rows, the same
heads and the same conflicts (convergence); every value ever written is still a head or was
replaced by an op that saw it (no silent loss); and importing everything again changes nothing
(idempotence).  ``NK_HYPOTHESIS_EXAMPLES`` sets the budget (CI: 300; nightly: 5000+).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nk_desktop.models.gradebook import CommentTemplate, SubjectResult
from nk_desktop.sync import codec, engine
from nk_desktop.sync.importer import Importer
from nk_desktop.sync.share import NODES

from .conftest import KEY, NAMES, Net, copy_network, write_orm

EXAMPLES = int(os.environ.get("NK_HYPOTHESIS_EXAMPLES", 300))
PCS = st.sampled_from(NAMES)
MARK_FIELDS = {"level": ("HTT", "HT", "CHT"), "comment": ("", "Chăm ngoan.", "Cần cố gắng thêm.")}

edit_mark = st.tuples(st.just("mark"), PCS, st.integers(0, 1), st.sampled_from(sorted(MARK_FIELDS)),
                      st.integers(0, 2))
edit_phrase = st.tuples(st.just("phrase"), PCS, st.sampled_from(("Em học tốt.", "Em tiến bộ.", "Em cần cố gắng.")))
delete = st.tuples(st.just("delete"), PCS, st.integers(0, 1))
sync = st.tuples(st.just("sync"), PCS)
publish = st.tuples(st.just("publish"), PCS)
stale_import = st.tuples(st.just("import"), PCS, st.sets(PCS, max_size=2))
duplicate = st.tuples(st.just("duplicate"), PCS, PCS)
clock = st.tuples(st.just("clock"), PCS, st.sampled_from((-7200, -30, 0, 600, 5400)))
torn = st.tuples(st.just("torn"), PCS, PCS, st.floats(0.0, 0.99))
crash = st.tuples(st.just("crash"), PCS, st.sampled_from(("import", "publish")))
ACTIONS = st.lists(st.one_of(edit_mark, edit_mark, edit_phrase, delete, sync, sync, publish, stale_import,
                             duplicate, clock, torn, crash), min_size=1, max_size=24)


class Crash(Exception):
    """The PC dies here (the transaction in progress is rolled back, the process restarts)."""


def _run(net: Net, action) -> None:
    ids, kind, pc = net.ids, action[0], net[action[1]]
    if kind == "mark":
        _k, _pc, row, field, choice = action
        write_orm(pc, ids.teacher, SubjectResult, ids.results[row], **{field: MARK_FIELDS[field][choice]})
    elif kind == "phrase":
        write_orm(pc, ids.principal, CommentTemplate, ids.template, text=action[2])
    elif kind == "delete":
        write_orm(pc, ids.teacher, SubjectResult, ids.results[action[2]], deleted=True)
    elif kind == "sync":
        pc.sync()
    elif kind == "publish":
        from nk_desktop.sync import segments

        segments.seal(pc.db.engine, KEY, epoch=pc.share.read_target()["epoch"])
        segments.publish(pc.db.engine, pc.share)
    elif kind == "import":
        pc.share.hidden_nodes = {net[name].node() for name in action[2]}
        pc.sync()
        pc.share.hidden_nodes = set()
    elif kind == "duplicate":  # every segment of another PC delivered again (a pack next to its originals)
        other = net[action[2]]
        if other is not pc:
            with pc.db.engine.begin() as conn:
                conn.exec_driver_sql("UPDATE sync_cursor SET seq = 0, sha = ? WHERE node = ?",
                                     (codec.GENESIS_SHA, other.node()))
            _importer(pc).run()
    elif kind == "clock":
        pc.share.server_offset = action[2]
        engine.measure_clock(pc.db, pc.share)
    elif kind == "torn":  # another PC's newest segment is read short (SMB returned it while still arriving)
        other = net[action[2]]
        listed, _packs, _unknown = pc.share.segments(other.node())
        if listed and other is not pc:
            path = f"{NODES}/{other.node()}/{listed[max(listed)]}"
            pc.share.torn = {path: int(len(pc.share.read(path)) * action[3])}
        pc.sync()
        pc.share.torn = {}
    elif kind == "crash":
        _crash(net, pc, action[2])


def _crash(net: Net, pc, where: str) -> None:
    from unittest import mock

    from nk_desktop.sync.importer import SegmentApplier
    from nk_desktop.sync.share import Share

    def die(*_args, **_kwargs):
        raise Crash(where)

    if where == "import":  # in the middle of a segment's transaction
        patch = mock.patch.object(SegmentApplier, "_flush", die)
    else:  # the file reached the share, the database never recorded it
        real = Share.publish

        def publish_then_die(self, relative, data):
            real(self, relative, data)
            raise Crash(where)
        patch = mock.patch.object(Share, "publish", publish_then_die)
    with patch:
        try:
            pc.sync()
        except Crash:
            pass
    pc.db.dispose()  # restart: a new process opens the same file
    net.pcs[pc.name] = type(pc)(pc.name, pc.path, pc.share)


def _importer(pc) -> Importer:
    from nk_desktop.sync import segments

    return Importer(pc.db.engine, pc.share, KEY, me=pc.node(), epoch=pc.share.read_target()["epoch"],
                    known_schemas=segments.known_schemas())


def _state(net: Net):
    return {name: (pc.rows("subject_result"), pc.rows("comment_template"), pc.sync_state(),
                   pc.count("SELECT COUNT(*) FROM audit_entry")) for name, pc in net.pcs.items()}


def _all_ops(net: Net) -> list[dict]:
    ops = []
    for node in net["a"].share.nodes():
        listed, _packs, _unknown = net["a"].share.segments(node)
        for name in listed.values():
            ops += codec.decode_segment(KEY, net["a"].share.read(f"{NODES}/{node}/{name}"))[1]
    return ops


def _check_no_silent_loss(net: Net, watched: set[str]) -> None:
    ops = [op for op in _all_ops(net) if op["row"] in watched]
    replaced: dict[tuple, set[str]] = {}
    for op in ops:
        for field, preds in op["p"].items():
            replaced.setdefault((op["tbl"], op["row"], field), set()).update(preds)
    with net["a"].db.engine.connect() as conn:
        heads = {tuple(r) for r in conn.exec_driver_sql("SELECT tbl, row, field, op_id FROM sync_head")}
    explicit = {(t, r, f) for t, r, f, _o in heads}
    for op in ops:
        for field in op["f"]:
            key = (op["tbl"], op["row"], field)
            kept = (*key, op["id"]) in heads
            superseded = op["id"] in replaced.get(key, ())
            implicit = op["k"] == "ins" and key not in explicit and (op["tbl"], op["row"], "*", op["id"]) in heads
            assert kept or superseded or implicit, f"{op['k']} {field} of {op['id']} vanished"


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=ACTIONS)
def test_three_pcs_converge_lose_nothing_and_are_idempotent(network_template, actions):
    template, ids = network_template
    folder = Path(tempfile.mkdtemp(prefix="nk-prop-"))
    copy_network(template, folder)
    net = Net(folder, ids)
    try:
        for action in actions:
            _run(net, action)
        for pc in net.pcs.values():
            pc.share.server_offset = 0
        for _round in range(2):
            for pc in net.pcs.values():
                pc.sync()
        states = _state(net)
        first = states["a"][:3]
        for name in NAMES[1:]:
            assert states[name][:3] == first, f"PC {name} did not converge with PC a"
        assert all(pc.count("SELECT COUNT(*) FROM sync_quarantine") == 0 for pc in net.pcs.values())
        watched = {r.hex for r in ids.results} | {ids.template.hex}
        _check_no_silent_loss(net, watched)
        for pc in net.pcs.values():  # everything delivered again
            with pc.db.engine.begin() as conn:
                conn.exec_driver_sql("UPDATE sync_cursor SET seq = 0, sha = ?", (codec.GENESIS_SHA,))
            assert pc.sync().imported.ops == 0
        assert _state(net) == states
    finally:
        net.close()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("mutated", [False, True], ids=["real", "no-superseded-check"])
def test_late_redelivery_after_a_replacement_needs_the_superseded_set(network_template, monkeypatch, mutated):
    """Mutation check (sync-design §6.4): with the superseded check removed, A's value delivered again after
    B replaced it (a pack next to the originals, a restored share) comes back as a second head."""
    from nk_desktop.sync import merge

    template, ids = network_template
    folder = Path(tempfile.mkdtemp(prefix="nk-prop-"))
    copy_network(template, folder)
    net = Net(folder, ids)
    if mutated:
        real = merge.merge
        monkeypatch.setattr(merge, "merge", lambda heads, head, preds, superseded: real(heads, head, preds, False))
    try:
        a, b, c = net["a"], net["b"], net["c"]
        write_orm(a, ids.teacher, SubjectResult, ids.results[0], level="CHT")
        a.sync()
        b.sync()
        write_orm(b, ids.teacher, SubjectResult, ids.results[0], level="HTT")
        b.sync()
        c.sync()
        assert not c.sync_state()["conflicts"]
        with c.db.engine.begin() as conn:  # forget that A's ops were applied, then deliver them again
            conn.exec_driver_sql("DELETE FROM sync_applied")
            conn.exec_driver_sql("UPDATE sync_cursor SET seq = 0, sha = ? WHERE node = ?", (codec.GENESIS_SHA, a.node()))
        _importer(c).run()
        assert bool(c.sync_state()["conflicts"]) == mutated
    finally:
        net.close()
        shutil.rmtree(folder, ignore_errors=True)
