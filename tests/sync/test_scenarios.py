"""Scenario tests: three PCs and one shared folder (sync-design §5 failure table, §6.3)."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from sqlalchemy import select

from nk_desktop.errors import PermissionDenied, ValidationError
from nk_desktop.models.gradebook import SubjectResult
from nk_desktop.models.journal import AuditEntry
from nk_desktop.services import gradebook
from nk_desktop.services.audit import verify_chain
from nk_desktop.sync import codec, conflicts, engine, snapshot
from nk_desktop.sync.codec import Unreadable
from nk_desktop.sync.share import ShareError

from .conftest import KEY, OPEN_DAY, PC, write_orm


def converged(*pcs: PC, tables=("pupil", "subject_result", "mark_lock", "enrolment", "account_role")) -> None:
    first = pcs[0]
    for pc in pcs[1:]:
        for table in tables:
            assert pc.rows(table) == first.rows(table), f"{table} differs between {first.name} and {pc.name}"
        assert pc.sync_state() == first.sync_state(), f"sync state differs between {first.name} and {pc.name}"


def test_an_edit_on_one_pc_reaches_the_others(net, ids):
    a, b, c = net["a"], net["b"], net["c"]
    assert a.set_level(ids.teacher, 0, "T", ids).saved == 1
    report = a.sync()
    assert report.published_ops == 1 and report.published_segments == 1
    got = b.sync()
    assert got.imported.ops == 1 and got.imported.quarantined == 0
    assert b.result(ids, 0).level == "HTT"
    c.sync()
    assert c.result(ids, 0).level == "HTT"
    converged(a, b, c)


def test_the_op_carries_per_field_predecessors_from_the_local_heads(net, ids):
    a, b = net["a"], net["b"]
    a.set_level(ids.teacher, 0, "T", ids)
    with a.db.engine.connect() as conn:
        first = json.loads(conn.exec_driver_sql("SELECT op FROM sync_outbox ORDER BY seq DESC LIMIT 1").scalar())
    a.sync()
    b.sync()
    b.set_level(ids.teacher, 0, "C", ids)
    with b.db.engine.connect() as conn:
        second = json.loads(conn.exec_driver_sql("SELECT op FROM sync_outbox ORDER BY seq DESC LIMIT 1").scalar())
    assert first["k"] == "upd" and first["f"]["level"] == "HTT" and len(first["p"]["level"]) == 1
    assert second["p"]["level"] == [first["id"]]  # B replaced exactly what it had seen: A's value
    assert second["u"] == ids.teacher.account_id.hex and second["a"] == "Cô Lan"


def test_concurrent_edits_are_both_kept_as_a_conflict_on_every_pc_then_resolved(net, ids):
    a, b, c = net["a"], net["b"], net["c"]
    a.set_level(ids.teacher, 1, "T", ids)
    b.set_level(ids.teacher, 1, "C", ids)
    net.sync_all()
    converged(a, b, c)
    state = a.sync_state()
    assert [(t, f, o) for t, _r, f, o in state["conflicts"]] == [("subject_result", "level", 1)]
    heads = [h for h in state["heads"] if h[:3] == ("subject_result", ids.results[1].hex, "level")]
    assert sorted(h[4] for h in heads) == ['"CHT"', '"HTT"']
    listed = conflicts.list_conflicts(c.db, ids.principal)
    assert len(listed) == 1 and sorted(v.text for v in listed[0].values) == ["CHT", "HTT"]
    assert listed[0].official and {v.author for v in listed[0].values} == {"Cô Lan"}
    with c.db.read() as session:
        assert conflicts.open_conflicts(session, "subject_result", ids.results) == {(ids.results[1].hex, "level")}
    with pytest.raises(ValidationError, match="chọn một trong"):
        conflicts.resolve(c.db, ids.principal, "subject_result", ids.results[1], "level", "HT")
    with pytest.raises(PermissionDenied):
        conflicts.resolve(c.db, ids.other_teacher, "subject_result", ids.results[1], "level", "CHT")
    conflicts.resolve(c.db, ids.principal, "subject_result", ids.results[1], "level", "CHT")
    net.sync_all()
    converged(a, b, c)
    assert a.sync_state()["conflicts"] == [] and {pc.result(ids, 1).level for pc in (a, b, c)} == {"CHT"}
    heads = [h for h in a.sync_state()["heads"] if h[:3] == ("subject_result", ids.results[1].hex, "level")]
    assert len(heads) == 1


def test_the_same_value_entered_on_two_pcs_is_not_a_conflict(net, ids):
    a, b, c = net["a"], net["b"], net["c"]
    a.set_level(ids.teacher, 2, "T", ids)
    b.set_level(ids.teacher, 2, "T", ids)
    net.sync_all()
    converged(a, b, c)
    assert a.sync_state()["conflicts"] == []


def test_edits_of_different_fields_of_one_record_merge_without_conflict(net, ids):
    a, b, c = net["a"], net["b"], net["c"]
    a.set_level(ids.teacher, 0, "T", ids)
    b.set_level(ids.teacher, 0, "Em làm bài cẩn thận.", ids, field="comment")
    net.sync_all()
    converged(a, b, c)
    assert a.sync_state()["conflicts"] == []
    result = c.result(ids, 0)
    assert (result.level, result.comment) == ("HTT", "Em làm bài cẩn thận.")


def test_deleted_on_one_pc_while_edited_on_another_is_a_conflict(net, ids):
    a, b, c = net["a"], net["b"], net["c"]
    write_orm(a, ids.teacher, SubjectResult, ids.results[0], deleted=True)
    b.set_level(ids.teacher, 0, "C", ids)
    net.sync_all()
    converged(a, b, c)
    fields = {f for t, r, f, _o in a.sync_state()["conflicts"] if r == ids.results[0].hex}
    assert fields == {"level"}
    shown = conflicts.list_conflicts(a.db, ids.principal)[0]
    assert sorted(v.text for v in shown.values) == ["(đã xóa)", "CHT"]
    assert all(pc.result(ids, 0).deleted for pc in (a, b, c))
    deleted = next(v.value for v in shown.values if v.text == "(đã xóa)")
    conflicts.resolve(b.db, ids.principal, "subject_result", ids.results[0], "level", deleted)  # it stays deleted
    net.sync_all()
    converged(a, b, c)
    assert a.sync_state()["conflicts"] == [] and all(pc.result(ids, 0).deleted for pc in (a, b, c))


def test_a_mark_typed_after_the_pc_saw_the_lock_is_quarantined_everywhere(net, ids):
    a, b, c = net["a"], net["b"], net["c"]
    gradebook.set_lock(a.db, ids.principal, ids.year, locked=True, class_id=ids.class_4a, reason="Đã duyệt GK1")
    a.sync()
    b.sync()  # B has the lock now; its app would refuse, but an outdated or tampered copy writes anyway
    write_orm(b, ids.teacher, SubjectResult, ids.results[0], level="CHT")
    b.sync()
    got_a, got_c = a.sync(), c.sync()
    assert got_a.imported.quarantined == 1 and got_c.imported.quarantined == 1
    for pc in (a, c):
        assert pc.result(ids, 0).level == "HT"
        listed = conflicts.list_quarantine(pc.db, ids.principal)
        assert [(q.kind, q.table, q.author) for q in listed] == [("op", "subject_result", "Cô Lan")]
        assert "khóa" in listed[0].reason
    assert a.rows("subject_result") == c.rows("subject_result")


def test_a_mark_made_before_the_pc_saw_a_concurrent_lock_is_applied(net, ids):
    a, b, c = net["a"], net["b"], net["c"]
    gradebook.set_lock(a.db, ids.principal, ids.year, locked=True, class_id=ids.class_4a)
    b.set_level(ids.teacher, 0, "C", ids)  # B has not seen the lock: the service accepts it
    net.sync_all()
    converged(a, b, c)
    assert all(pc.result(ids, 0).level == "CHT" for pc in (a, b, c))
    assert a.count("SELECT COUNT(*) FROM sync_quarantine") == 0


def test_a_mark_outside_the_teaching_assignment_is_quarantined(net, ids):
    a, b, c = net["a"], net["b"], net["c"]
    write_orm(b, ids.other_teacher, SubjectResult, ids.results[2], level="CHT")
    b.sync()
    assert a.sync().imported.quarantined == 1
    assert a.result(ids, 2).level == "HT"
    assert "phân công" in conflicts.list_quarantine(a.db, ids.principal)[0].reason
    # A later duplicate delivery of the same op neither applies nor lists it twice.
    _rewind(a, b)
    a.sync()
    assert a.count("SELECT COUNT(*) FROM sync_quarantine") == 1


def _rewind(reader: PC, writer: PC) -> None:
    """Set *reader*'s cursor for *writer* back to 0, as if every segment were delivered again."""
    with reader.db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE sync_cursor SET seq = 0, sha = ? WHERE node = ?", (codec.GENESIS_SHA, writer.node()))


def test_duplicate_and_late_deliveries_change_nothing(net, ids):
    a, b, c = net["a"], net["b"], net["c"]
    a.set_level(ids.teacher, 0, "T", ids)
    b.set_level(ids.teacher, 0, "C", ids)
    net.sync_all()
    before = {pc.name: (pc.rows("subject_result"), pc.sync_state(), pc.count("SELECT COUNT(*) FROM audit_entry"))
              for pc in (a, b, c)}
    for reader in (a, b, c):
        for writer in (a, b, c):
            if reader is not writer:
                _rewind(reader, writer)
        report = reader.sync()
        assert report.imported.ops == 0 and report.imported.duplicates > 0
    after = {pc.name: (pc.rows("subject_result"), pc.sync_state(), pc.count("SELECT COUNT(*) FROM audit_entry"))
             for pc in (a, b, c)}
    assert after == before


def test_a_received_change_is_in_the_audit_log_with_its_author_not_in_the_outbox(net, ids):
    a, b = net["a"], net["b"]
    a.set_level(ids.teacher, 0, "T", ids)
    a.sync()
    outbox_before = b.count("SELECT COUNT(*) FROM sync_outbox")
    b.sync()
    assert b.count("SELECT COUNT(*) FROM sync_outbox") == outbox_before == 0
    assert b.count("SELECT COUNT(*) FROM change_record WHERE table_name = 'subject_result' AND kind = 'upd'") == 0
    with b.db.read() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert (entry.actor_name, entry.actor_id, entry.table_name, entry.kind) == (
            "Cô Lan", ids.teacher.account_id, "subject_result", "upd")
        assert json.loads(entry.changes)["level"] == ["HT", "HTT"]
        assert verify_chain(session).intact
    origin = b.count(f"SELECT COUNT(*) FROM sync_audit_origin WHERE node = '{a.node()}'")
    assert origin >= 1


def test_a_pc_restored_from_an_old_copy_rekeys_and_loses_nothing(net, ids, tmp_path):
    a, b, c = net["a"], net["b"], net["c"]
    b.set_level(ids.teacher, 0, "T", ids)
    b.sync()
    b.set_level(ids.teacher, 1, "T", ids)  # not yet on the share when the copy is taken
    b.db.dispose()
    old_copy = tmp_path / "b-old.sqlite"
    shutil.copyfile(b.path, old_copy)
    old_node = b.node()
    b.set_level(ids.teacher, 2, "C", ids)
    b.sync()  # publishes pupils 1 and 2
    b.close()
    shutil.copyfile(old_copy, b.path)  # IT restores last week's disk image
    b = net.add_pc("b", b.path)
    report = b.sync()
    assert report.rekeyed and b.node() != old_node
    assert (b.result(ids, 0).level, b.result(ids, 1).level, b.result(ids, 2).level) == ("HTT", "HTT", "CHT")
    net.sync_all()
    converged(a, b, c)
    for pc in (a, c):  # the re-published op (same id) was not applied twice
        assert pc.count(f"SELECT COUNT(*) FROM audit_entry WHERE row_id = '{ids.results[1].hex}' AND kind = 'upd'") == 1


def test_the_app_restore_of_a_usb_backup_rejoins_with_a_new_identity(net, ids, tmp_path):
    from nk_desktop.sync import backup

    a, b = net["a"], net["b"]
    b.set_level(ids.teacher, 0, "T", ids)
    b.sync()
    b.db.dispose()
    made = backup.backup(b.path, tmp_path / "usb", passphrase=None)
    b.set_level(ids.teacher, 1, "C", ids)
    b.sync()
    old_node = b.node()
    b.close()
    backup.restore(made.path, b.path, passphrase=None)
    b = net.add_pc("b", b.path)
    assert b.node() != old_node
    b.sync()
    assert (b.result(ids, 0).level, b.result(ids, 1).level) == ("HTT", "CHT")
    b.set_level(ids.teacher, 2, "T", ids)
    b.sync()
    a.sync()
    assert a.result(ids, 2).level == "HTT"


def test_two_pcs_cloned_from_one_disk_image_are_told_apart(net, ids):
    a, b = net["a"], net["b"]
    b.db.dispose()
    shutil.copyfile(b.path, net.folder / "d.sqlite")
    d = net.add_pc("d", net.folder / "d.sqlite")
    assert d.node() == b.node()
    b.set_level(ids.teacher, 0, "T", ids)
    d.set_level(ids.teacher, 1, "C", ids)
    b.sync()
    d.share.hide_newest[b.node()] = 5  # D's listing is stale: it does not see B's new segment yet
    report = d.sync()
    assert report.rekeyed and d.node() != b.node()  # the no-clobber publish collided
    d.share.hide_newest.clear()
    net.sync_all()
    d.sync()
    converged(a, b, d)
    assert (a.result(ids, 0).level, a.result(ids, 1).level) == ("HTT", "CHT")


def test_a_stale_listing_only_delays(net, ids):
    a, b = net["a"], net["b"]
    a.set_level(ids.teacher, 0, "T", ids)
    a.sync()
    b.share.hide_newest[a.node()] = 1
    assert b.sync().imported.ops == 0
    assert b.result(ids, 0).level == "HT"
    b.share.hide_newest.clear()
    assert b.sync().imported.ops == 1
    assert b.result(ids, 0).level == "HTT"


def test_torn_temp_files_and_torn_reads_are_ignored_until_whole(net, ids):
    a, b = net["a"], net["b"]
    a.set_level(ids.teacher, 0, "T", ids)
    a.sync()
    folder = net.share_root / "nodes" / a.node()
    (folder / ".tmp-0123456789abcdef").write_bytes(b"NKJRN01\n half a segm")
    newest = max(p.name for p in folder.glob("seg-*.jrn"))
    b.share.torn[newest] = 100
    report = b.sync()
    assert report.imported.ops == 0 and a.node() in report.imported.waiting
    assert b.count(f"SELECT last_error FROM sync_cursor WHERE node = '{a.node()}'") is not None
    b.share.torn.clear()
    assert b.sync().imported.ops == 1
    assert b.count(f"SELECT last_error FROM sync_cursor WHERE node = '{a.node()}'") is None


def test_every_truncation_of_a_real_published_segment_is_refused(net, ids):
    a = net["a"]
    a.set_level(ids.teacher, 0, "T", ids)
    a.sync()
    folder = net.share_root / "nodes" / a.node()
    data = (folder / max(p.name for p in folder.glob("seg-*.jrn"))).read_bytes()
    codec.decode_segment(KEY, data)
    for length in range(len(data)):
        with pytest.raises(Unreadable):
            codec.decode_segment(KEY, data[:length])


def test_a_gap_in_a_pc_s_segments_stops_that_pc_only(net, ids):
    a, b, c = net["a"], net["b"], net["c"]
    a.set_level(ids.teacher, 0, "T", ids)
    a.sync()
    a.set_level(ids.teacher, 1, "T", ids)
    a.sync()
    c.set_level(ids.teacher, 2, "C", ids)
    c.sync()
    folder = net.share_root / "nodes" / a.node()
    newest = sorted(folder.glob("seg-*.jrn"))[-2]
    moved = newest.with_name("elsewhere")
    newest.rename(moved)
    report = b.sync()
    assert a.node() in report.imported.waiting and "Thiếu" in report.imported.waiting[a.node()]
    assert b.result(ids, 2).level == "CHT" and b.result(ids, 0).level == "HT"
    moved.rename(newest)
    b.sync()
    assert (b.result(ids, 0).level, b.result(ids, 1).level) == ("HTT", "HTT")


def test_a_segment_from_a_newer_app_pauses_only_that_pc(net, ids, monkeypatch):
    from nk_desktop.sync import segments

    a, b, c = net["a"], net["b"], net["c"]
    c.set_level(ids.teacher, 2, "C", ids)
    c.sync()
    monkeypatch.setattr(segments, "app_schema", lambda: "9999")  # B runs a newer version
    b.set_level(ids.teacher, 0, "T", ids)
    b.sync()
    monkeypatch.undo()
    report = a.sync()
    assert b.node() in report.imported.paused and "mới hơn" in report.imported.paused[b.node()]
    assert any("Tạm dừng" in w for w in report.warnings)
    assert a.result(ids, 2).level == "CHT" and a.result(ids, 0).level == "HT"
    assert a.count("SELECT COUNT(*) FROM sync_quarantine WHERE kind = 'segment'") == 1
    known = segments.known_schemas() | {"9999"}
    monkeypatch.setattr(segments, "known_schemas", lambda: known)  # A is updated
    a.sync()
    assert a.result(ids, 0).level == "HTT"
    assert a.count("SELECT COUNT(*) FROM sync_quarantine") == 0


def test_segments_wait_for_the_segments_they_depend_on(net, ids):
    """B's mark refers to a pupil created on A: C must not apply it before A's pupil (foreign keys)."""
    from nk_desktop.services import pupils
    from nk_desktop.services.gradebook import CellEdit

    a, b, c = net["a"], net["b"], net["c"]
    pupil = pupils.add_pupil(a.db, ids.principal, ids.class_4a, {
        "full_name": "Hoàng Văn Nam", "date_of_birth": dt.date(2016, 5, 5), "gender": "Nam"})
    a.sync()
    b.sync()
    b.set_level(ids.teacher, 0, "T", ids)  # any op sealed after B applied A's pupil depends on it
    gradebook.save_subject_cells(b.db, ids.teacher, ids.class_4a, ids.math, "GK1", [CellEdit(pupil, "level", "T")],
                                 on=OPEN_DAY)
    b.sync()
    c.share.hidden_nodes.add(a.node())
    report = c.sync()
    assert report.imported.ops == 0 and b.node() in report.imported.waiting
    c.share.hidden_nodes.clear()
    assert c.sync().imported.ops == 4  # pupil, enrolment, then B's two marks
    net.sync_all()
    converged(a, b, c)


def test_a_new_pc_joining_from_the_snapshot_equals_full_replay(net, ids, tmp_path):
    a, b, c = net["a"], net["b"], net["c"]
    a.set_level(ids.teacher, 0, "T", ids)
    b.set_level(ids.teacher, 0, "C", ids)
    net.sync_all()
    assert engine.sync(a.db, a.share, KEY, make_snapshot=True, measure=False).snapshot
    c.set_level(ids.teacher, 1, "T", ids)
    c.sync()
    joined = snapshot.join(net.folder / "d.sqlite", a.share, KEY)
    joined.dispose()
    d = net.add_pc("d", net.folder / "d.sqlite")
    d.sync()
    net.sync_all()
    converged(a, b, c, d)
    assert len({pc.node() for pc in (a, b, c, d)}) == 4


def test_a_corrupt_newest_snapshot_falls_back_to_the_previous(net, ids):
    a = net["a"]
    a.set_level(ids.teacher, 0, "T", ids)
    name = engine.sync(a.db, a.share, KEY, make_snapshot=True, measure=False).snapshot
    path = net.share_root / "snapshots" / name
    path.write_bytes(path.read_bytes()[:-100])
    joined = snapshot.join(net.folder / "d.sqlite", a.share, KEY)
    joined.dispose()
    d = net.add_pc("d", net.folder / "d.sqlite")
    d.sync()
    assert d.result(ids, 0).level == "HTT"


def test_packing_old_segments_keeps_them_readable(net, ids):
    a, b, c = net["a"], net["b"], net["c"]
    for level in ("T", "C", "H", "T"):
        a.set_level(ids.teacher, 0, level, ids)
        a.sync()
    net.sync_all()
    engine.sync(a.db, a.share, KEY, make_snapshot=True, measure=False)
    net.sync_all()
    target = a.share.read_target()
    name = snapshot.pack_own(a.db, a.share, KEY, target, older_than=dt.timedelta(0))
    assert name.startswith("pack-")
    folder = net.share_root / "nodes" / a.node()
    assert not any(folder.glob("seg-*.jrn"))
    # A reader far behind (cursor reset) still gets everything, from the pack.
    _rewind(b, a)
    b.sync()
    converged(a, b, c)
    a.set_level(ids.teacher, 1, "T", ids)
    a.sync()
    b.sync()
    assert b.result(ids, 1).level == "HTT"


def test_an_owner_republishes_segments_the_share_lost(net, ids):
    a, b = net["a"], net["b"]
    a.set_level(ids.teacher, 0, "T", ids)
    a.sync()
    folder = net.share_root / "nodes" / a.node()
    lost = max(folder.glob("seg-*.jrn"))
    lost.unlink()  # IT restored last night's copy of the share
    a.sync()
    assert lost.exists()
    b.sync()
    assert b.result(ids, 0).level == "HTT"


def test_the_share_offline_does_not_stop_local_work(net, ids):
    a = net["a"]
    net.share_root.rename(net.folder / "share-away")
    a.set_level(ids.teacher, 0, "T", ids)
    with pytest.raises(ShareError):
        a.sync()
    assert a.count("SELECT COUNT(*) FROM sync_outbox") == 1
    (net.folder / "share-away").rename(net.share_root)
    assert a.sync().published_ops == 1


def test_a_wrong_key_is_refused_before_anything_is_read(net, ids):
    a = net["a"]
    a.key = bytes(32)
    with pytest.raises(ValidationError, match="Khóa"):
        a.sync()


def test_the_clock_offset_is_measured_against_the_file_server_and_warned_about(net, ids):
    a = net["a"]
    a.share.server_offset = 5 * 60
    report = a.sync(measure=True)
    assert 4.5 * 60_000 < report.clock_offset_ms < 5.5 * 60_000
    assert any("lệch" in w for w in report.warnings)
    a.set_level(ids.teacher, 0, "T", ids)  # the next local op is stamped with server time
    with a.db.engine.connect() as conn:
        t = json.loads(conn.exec_driver_sql("SELECT op FROM sync_outbox").scalar())["t"]
    import time

    from nk_desktop.sync import hlc
    assert hlc.unpack(t)[0] > (time.time() + 4 * 60) * 1000


def test_status_lists_the_other_pcs(net, ids):
    from nk_desktop.sync import status

    a, b = net["a"], net["b"]
    a.set_level(ids.teacher, 0, "T", ids)
    shown = status.gather(a.db, a.share)
    assert shown.pending_ops == 1 and len(shown.peers) == 2
    a.sync()
    b.sync()
    lines = status.gather(b.db, b.share).lines()
    assert any(a.node()[:8] in line for line in lines)


def test_another_incarnation_writing_under_this_node_id_makes_this_pc_rekey(net, ids):
    import uuid as uuid_module

    a, b = net["a"], net["b"]
    b.set_level(ids.teacher, 0, "T", ids)
    b.sync()
    old_node = b.node()
    with b.db.engine.begin() as conn:  # as if this file were re-initialised while its segments stayed on the share
        conn.exec_driver_sql("UPDATE local_state SET value = ? WHERE key = 'incarnation'", (uuid_module.uuid4().hex,))
    b.set_level(ids.teacher, 1, "C", ids)
    report = b.sync()
    assert report.rekeyed and "khác lần khởi tạo" in report.rekeyed and b.node() != old_node
    a.sync()
    assert (a.result(ids, 0).level, a.result(ids, 1).level) == ("HTT", "CHT")


def _edit_outbox(pc: PC, change) -> None:
    """Rewrite the pending ops (as an older or foreign program might have written them)."""
    with pc.db.engine.begin() as conn:
        rows = conn.exec_driver_sql("SELECT seq, op FROM sync_outbox ORDER BY seq").fetchall()
        ops = change([json.loads(op) for _seq, op in rows])
        for (seq, _old), op in zip(rows, ops):
            conn.exec_driver_sql("UPDATE sync_outbox SET op = ?, op_id = ? WHERE seq = ?",
                                 (json.dumps(op, ensure_ascii=False), op["id"], seq))


def test_a_child_row_listed_before_its_parent_in_one_segment_is_still_applied(net, ids):
    from nk_desktop.services import pupils

    a, b = net["a"], net["b"]
    pupil = pupils.add_pupil(a.db, ids.principal, ids.class_4a, {
        "full_name": "Vũ Minh Châu", "date_of_birth": dt.date(2016, 7, 7), "gender": "Nữ"})
    _edit_outbox(a, lambda ops: list(reversed(ops)))  # the enrolment before its pupil
    a.sync()
    report = b.sync()
    assert report.imported.ops == 2 and report.imported.quarantined == 0
    assert b.count(f"SELECT COUNT(*) FROM enrolment WHERE pupil_id = '{pupil.hex}'") == 1


def test_an_op_with_a_value_the_column_cannot_hold_is_quarantined(net, ids):
    a, b = net["a"], net["b"]
    a.set_level(ids.teacher, 0, "T", ids)
    a.set_level(ids.teacher, 1, "T", ids)

    def spoil(ops):
        ops[0]["f"]["updated_at"] = "29/11/2026"
        return ops
    _edit_outbox(a, spoil)
    a.sync()
    report = b.sync()
    assert report.imported.quarantined == 1 and report.imported.ops == 1
    assert "không hợp lệ" in conflicts.list_quarantine(b.db, ids.principal)[0].reason
    assert (b.result(ids, 0).level, b.result(ids, 1).level) == ("HT", "HTT")
