""""Edit after lock" (sync-design §4.3, milestone locks): a mark made on a PC that had not yet received the
principal's lock is applied everywhere and flagged on the PCs where the lock was in force; the principal
keeps or reverts it; the locked book is not printed meanwhile.  A mark typed after the PC saw the lock
stays quarantined."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from nk_desktop.errors import Locked, PermissionDenied, ValidationError
from nk_desktop.models.gradebook import SubjectResult
from nk_desktop.models.journal import AuditEntry
from nk_desktop.services import audit, books, gradebook
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.sync import conflicts, late_edits

from .conftest import write_orm

CK1_DAY = dt.date(2026, 12, 28)  # CK1 levels may still be entered (the teacher's PC, before the lock reached it)


def _ck1_level(pc, actor, ids, pupil: int, level: str):
    return gradebook.save_subject_cells(pc.db, actor, ids.class_4a, ids.math, "CK1",
                                        [CellEdit(ids.pupils[pupil], "level", level)], on=CK1_DAY)


def _ck1_row(pc, ids, pupil: int) -> SubjectResult | None:
    with pc.db.read() as session:
        return session.scalar(select(SubjectResult).where(
            SubjectResult.pupil_id == ids.pupils[pupil], SubjectResult.milestone == "CK1"))


def _lock_ck1(pc, ids):
    return gradebook.set_lock(pc.db, ids.principal, ids.year, locked=True, class_id=ids.class_4a, subject_id=ids.math,
                              milestone="CK1", reason="Đã duyệt CK1")


def _late_scenario(net, ids):
    """P (a) locks 4A Toán CK1 and C gets the lock; T (b), not having synced, enters CK1 marks; then all sync."""
    p, t, c = net["a"], net["b"], net["c"]
    assert _ck1_level(p, ids.teacher, ids, 0, "H").saved == 1  # a CK1 mark every PC has before the lock
    net.sync_all()
    lock_id = _lock_ck1(p, ids)
    p.sync()
    c.sync()
    assert _ck1_level(t, ids.teacher, ids, 0, "T").saved == 1   # an update of an existing row
    assert _ck1_level(t, ids.teacher, ids, 1, "C").saved == 1   # a new row (insert)
    net.sync_all()
    return p, t, lock_id


def test_a_mark_made_before_the_writer_saw_the_lock_is_applied_and_flagged(net, ids):
    p, t, lock_id = _late_scenario(net, ids)
    c = net["c"]
    for pc in (p, t, c):
        assert _ck1_row(pc, ids, 0).level == "HTT" and _ck1_row(pc, ids, 1).level == "CHT"
    listed = late_edits.list_late_edits(p.db, ids.principal)
    assert [(e.pupil, e.class_name, e.topic, e.milestone, e.author) for e in listed] == [
        ("Lê Thị Mai", "4A", "Toán", "CK1", "Cô Lan"), ("Phạm Văn Đức", "4A", "Toán", "CK1", "Cô Lan")]
    assert listed[0].changes_text == "Mức đạt được: HT → HTT"
    assert listed[1].changes_text == "Mức đạt được: (trống) → CHT"
    with p.db.engine.connect() as conn:
        locks = {r[0] for r in conn.exec_driver_sql("SELECT lock_id FROM sync_late_edit")}
        assert locks == {lock_id.hex}
    # C had the lock too: it flags them on its own; T made them and flags nothing.
    assert [e.changes_text for e in late_edits.list_late_edits(c.db, ids.principal)] == [
        e.changes_text for e in listed]
    assert late_edits.list_late_edits(t.db, ids.principal) == []
    assert p.count("SELECT COUNT(*) FROM sync_quarantine") == 0


def test_importing_the_same_segment_twice_adds_no_second_row(net, ids):
    p, t, _lock = _late_scenario(net, ids)
    before = p.count("SELECT COUNT(*) FROM sync_late_edit")
    with p.db.engine.begin() as conn:  # forget that T's segments were applied: they are read again
        conn.exec_driver_sql("DELETE FROM sync_cursor WHERE node = ?", (t.node(),))
    report = p.sync()
    assert report.imported.duplicates > 0 and report.imported.ops == 0
    assert p.count("SELECT COUNT(*) FROM sync_late_edit") == before == 2


def test_a_mark_typed_after_the_writer_saw_the_lock_stays_quarantined_and_is_not_flagged(net, ids):
    p, t = net["a"], net["b"]
    _ck1_level(p, ids.teacher, ids, 0, "H")
    net.sync_all()
    _lock_ck1(p, ids)
    net.sync_all()  # T has the lock now; an outdated or tampered copy writes anyway
    row = _ck1_row(t, ids, 0)
    write_orm(t, ids.teacher, SubjectResult, row.id, level="CHT")
    t.sync()
    assert p.sync().imported.quarantined == 1
    assert _ck1_row(p, ids, 0).level == "HT"
    assert p.count("SELECT COUNT(*) FROM sync_late_edit") == 0


def test_keep_records_the_decision_and_changes_no_mark_and_settles_the_flag_on_the_other_pcs(net, ids):
    p, t, _lock = _late_scenario(net, ids)
    c = net["c"]
    first = late_edits.list_late_edits(p.db, ids.principal)[0]
    audit_before = p.count("SELECT COUNT(*) FROM audit_entry")
    late_edits.keep(p.db, ids.principal, first.id)
    assert _ck1_row(p, ids, 0).level == "HTT"
    assert [e.id for e in late_edits.list_late_edits(p.db, ids.principal)] != [first.id]
    [kept] = [e for e in late_edits.list_late_edits(p.db, ids.principal, reviewed=True) if e.id == first.id]
    assert (kept.decision, kept.reviewed_by) == ("giữ", "Hiệu trưởng") and kept.reviewed_at is not None
    # the decision, and the values as they stand written as the principal's resolution (sent to every PC)
    assert p.count("SELECT COUNT(*) FROM audit_entry") == audit_before + 2
    assert p.count("SELECT COUNT(*) FROM audit_entry WHERE kind = 'keep'") == 1
    assert p.count("SELECT COUNT(*) FROM sync_outbox WHERE segment IS NULL") == 1
    assert audit.verify(p.db, ids.principal).intact
    with pytest.raises(ValidationError, match="đã được xem xét"):
        late_edits.keep(p.db, ids.principal, first.id)
    net.sync_all()
    assert all(_ck1_row(pc, ids, 0).level == "HTT" for pc in (t, c))
    decided = {e.pupil: (e.decision, e.reviewed_by) for e in late_edits.list_late_edits(c.db, ids.principal,
                                                                                         reviewed=True)}
    assert decided == {"Lê Thị Mai": ("giữ", "Hiệu trưởng"), "Phạm Văn Đức": (None, "")}


def test_revert_writes_the_old_values_back_audited_and_it_reaches_the_writer(net, ids):
    p, t, _lock = _late_scenario(net, ids)
    c = net["c"]
    edits = late_edits.list_late_edits(p.db, ids.principal)
    for edit in edits:
        late_edits.revert(p.db, ids.principal, edit.id)
    assert _ck1_row(p, ids, 0).level == "HT" and _ck1_row(p, ids, 1).level is None
    assert late_edits.list_late_edits(p.db, ids.principal) == []
    assert {e.decision for e in late_edits.list_late_edits(p.db, ids.principal, reviewed=True)} == {"hoàn lại"}
    with p.db.read() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.kind == "res")).all()
    assert len(entries) == 2 and {e.actor_name for e in entries} == {"Hiệu trưởng"}
    assert any(json.loads(e.changes).get("level") == ["HTT", "HT"] for e in entries)
    assert audit.verify(p.db, ids.principal).intact
    net.sync_all()
    for pc in (t, c):  # the principal's correction is accepted in the locked book on every PC
        assert _ck1_row(pc, ids, 0).level == "HT" and _ck1_row(pc, ids, 1).level is None
        assert pc.count("SELECT COUNT(*) FROM sync_quarantine") == 0
    # The principal's correction is not flagged itself, and it settles C's own flags of the same edits.
    assert c.count("SELECT COUNT(*) FROM sync_late_edit") == 2
    assert late_edits.list_late_edits(c.db, ids.principal) == []
    assert {(e.decision, e.reviewed_by) for e in late_edits.list_late_edits(c.db, ids.principal, reviewed=True)} == {
        ("hoàn lại", "Hiệu trưởng")}


def test_revert_is_refused_when_the_cell_was_changed_again_since(net, ids):
    p, _t, _lock = _late_scenario(net, ids)
    first = late_edits.list_late_edits(p.db, ids.principal)[0]
    row = _ck1_row(p, ids, 0)
    write_orm(p, ids.admin, SubjectResult, row.id, level="HT")  # a correction applied meanwhile
    with pytest.raises(ValidationError, match="không còn là giá trị"):
        late_edits.revert(p.db, ids.principal, first.id)
    assert late_edits.list_late_edits(p.db, ids.principal)[0].id == first.id


def test_a_teacher_cannot_keep_or_revert(net, ids):
    p, _t, _lock = _late_scenario(net, ids)
    first = late_edits.list_late_edits(p.db, ids.principal)[0]
    audit_before = p.count("SELECT COUNT(*) FROM audit_entry")
    for decide in (late_edits.keep, late_edits.revert):
        with pytest.raises(PermissionDenied) as refused:
            decide(p.db, ids.teacher, first.id)
        assert "quyền" in str(refused.value) or "Hiệu trưởng" in str(refused.value)
    with pytest.raises(PermissionDenied):
        late_edits.list_late_edits(p.db, ids.teacher)
    assert _ck1_row(p, ids, 0).level == "HTT"
    assert len(late_edits.list_late_edits(p.db, ids.principal)) == 2
    assert p.count("SELECT COUNT(*) FROM audit_entry") == audit_before


def test_the_locked_book_is_not_printed_until_every_late_edit_is_reviewed(net, ids):
    p, _t, _lock = _late_scenario(net, ids)
    request = books.PrintRequest("tong_hop", ids.year, ids.class_4a, milestone="CK1")
    with pytest.raises(Locked, match="có 2 điểm bị sửa sau khi khóa sổ"):
        books.render_document(p.db, ids.principal, request)
    first, second = late_edits.list_late_edits(p.db, ids.principal)
    late_edits.keep(p.db, ids.principal, first.id)
    with pytest.raises(Locked, match="có 1 điểm"):
        books.refuse_if_conflicts(p.db, request)
    late_edits.revert(p.db, ids.admin, second.id)  # the DB admin may decide too (Điều 11.2 corrections)
    books.refuse_if_conflicts(p.db, request)
    # Another milestone's book is not held up by them.
    books.refuse_if_conflicts(p.db, books.PrintRequest("tong_hop", ids.year, ids.class_4a, milestone="GK1"))


def test_an_update_of_an_existing_mark_in_a_book_locked_here_is_flagged_through_the_op_by_op_path(net, ids,
                                                                                                   monkeypatch):
    """The batched path falling back to op-by-op (a constraint refused) flags the same way."""
    import sqlite3

    from nk_desktop.sync import importer

    p, t = net["a"], net["b"]
    gradebook.set_lock(p.db, ids.principal, ids.year, locked=True, class_id=ids.class_4a, milestone="GK1")
    t.set_level(ids.teacher, 2, "T", ids)  # GK1 rows exist on every PC: an update
    t.sync()
    original = importer.SegmentApplier.run

    def refuse_batch(self):
        if self.batched:
            raise sqlite3.IntegrityError("test: force the op-by-op path")
        return original(self)

    monkeypatch.setattr(importer.SegmentApplier, "run", refuse_batch)
    p.sync()
    [edit] = late_edits.list_late_edits(p.db, ids.principal)
    assert (edit.pupil, edit.milestone, edit.changes_text) == ("Trần Ngọc Ánh", "GK1", "Mức đạt được: HT → HTT")
    assert p.result(ids, 2).level == "HTT"


def test_a_db_admin_correction_and_an_unlocked_book_are_not_flagged(net, ids):
    p, t = net["a"], net["b"]
    gradebook.set_lock(p.db, ids.principal, ids.year, locked=True, class_id=ids.class_4a, milestone="GK1")
    write_orm(t, ids.admin, SubjectResult, ids.results[0], level="CHT")  # the DB admin applies corrections
    t.set_level(ids.teacher, 1, "T", ids)
    net.sync_all()
    assert [e.pupil for e in late_edits.list_late_edits(p.db, ids.principal)] == ["Phạm Văn Đức"]
    gradebook.set_lock(p.db, ids.principal, ids.year, locked=False, class_id=ids.class_4a, milestone="GK1")
    net.sync_all()
    t.set_level(ids.teacher, 2, "T", ids)
    net.sync_all()
    assert [e.pupil for e in late_edits.list_late_edits(p.db, ids.principal)] == ["Phạm Văn Đức"]


def test_a_late_edit_caught_in_a_sync_conflict_waits_for_the_conflict_to_be_resolved(net, ids):
    p, t = net["a"], net["b"]
    _ck1_level(p, ids.teacher, ids, 0, "H")
    net.sync_all()
    _lock_ck1(p, ids)
    p.sync()
    write_orm(p, ids.admin, SubjectResult, _ck1_row(p, ids, 0).id, level="CHT")  # a correction on P meanwhile
    _ck1_level(t, ids.teacher, ids, 0, "T")
    t.sync()
    p.sync()
    [edit] = late_edits.list_late_edits(p.db, ids.principal)
    for decide in (late_edits.keep, late_edits.revert):
        with pytest.raises(ValidationError, match="xung đột"):
            decide(p.db, ids.principal, edit.id)
    assert late_edits.list_late_edits(p.db, ids.principal)[0].decision is None


def test_this_pc_s_locks_are_read_with_the_gradebook_s_rule(net, ids):
    import sqlite3

    from nk_desktop.models.school import SchoolClass
    from nk_desktop.sync.late_edits import LocalLocks

    p = net["a"]
    grade_lock = gradebook.set_lock(p.db, ids.principal, ids.year, locked=True, grade=4)
    gradebook.set_lock(p.db, ids.principal, ids.year, locked=False, class_id=ids.class_4a, subject_id=ids.math,
                       milestone="CK1")  # reopened for one subject and milestone: the more specific record wins
    conn = sqlite3.connect(p.path)
    try:
        locks = LocalLocks.read(conn)
        assert locks.may_cover(ids.class_4a.hex)
        with p.db.read() as session:
            school_class = session.get(SchoolClass, ids.class_4a)
            for subject in (ids.math, None):
                for milestone in ("GK1", "CK1"):
                    lock = gradebook.active_lock(session, school_class, subject, milestone)
                    expected = lock.id.hex if lock is not None and lock.locked else None
                    found = locks.in_force(ids.class_4a.hex, subject.hex if subject else None, milestone)
                    assert found == expected, (subject, milestone)
        assert locks.in_force(ids.class_4a.hex, ids.math.hex, "GK1") == grade_lock.hex
        assert locks.in_force(ids.class_4a.hex, ids.math.hex, "CK1") is None
        gradebook.set_lock(p.db, ids.principal, ids.year, locked=False, grade=4)
        gradebook.set_lock(p.db, ids.principal, ids.year, locked=False, class_id=ids.class_4a, subject_id=ids.math,
                           milestone="CK1")
        assert LocalLocks.read(conn) is None  # nothing in force: no per-op check at all
    finally:
        conn.close()


def test_a_quality_rated_before_the_writer_saw_a_class_lock_is_flagged_too(net, ids):
    p, t = net["a"], net["b"]
    gradebook.set_lock(p.db, ids.principal, ids.year, locked=True, class_id=ids.class_4a, milestone="CK1")
    p.sync()
    saved = gradebook.save_trait_cells(t.db, ids.teacher, ids.class_4a, "CK1",
                                       [CellEdit(ids.pupils[0], "level", "T", trait="TRUNG_THUC")], on=CK1_DAY)
    assert saved.saved == 1
    t.sync()
    p.sync()
    [edit] = late_edits.list_late_edits(p.db, ids.principal)
    assert (edit.table, edit.topic, edit.milestone, edit.pupil) == ("trait_result", "Trung thực", "CK1", "Lê Thị Mai")
    assert edit.changes_text.startswith("Mức đạt được: (trống) → ")
    with pytest.raises(Locked, match="có 1 điểm"):
        books.refuse_if_conflicts(p.db, books.PrintRequest("tong_hop", ids.year, ids.class_4a, milestone="CK1"))
    late_edits.revert(p.db, ids.principal, edit.id)
    books.refuse_if_conflicts(p.db, books.PrintRequest("tong_hop", ids.year, ids.class_4a, milestone="CK1"))
