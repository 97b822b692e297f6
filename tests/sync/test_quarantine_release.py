"""The principal's decision on a quarantined op: release (re-checked against today's rules) or dismiss."""

from __future__ import annotations

import uuid

import pytest

from nk_desktop.errors import NotFound, PermissionDenied, ValidationError
from nk_desktop.models.gradebook import SubjectResult
from nk_desktop.services import audit, gradebook
from nk_desktop.sync import conflicts
from tests.sync.conftest import write_orm


def _quarantine_outside_assignment(net, ids):
    a, b = net["a"], net["b"]
    write_orm(b, ids.other_teacher, SubjectResult, ids.results[2], level="CHT")
    b.sync()
    assert a.sync().imported.quarantined == 1
    [entry] = conflicts.list_quarantine(a.db, ids.principal)
    return entry


def test_the_list_names_the_record_and_the_values(net, ids):
    entry = _quarantine_outside_assignment(net, ids)
    assert entry.id > 0 and "GK1" in entry.label and "Mức đạt được = CHT" in entry.fields
    assert (entry.pupil, entry.class_name, entry.subject) == ("Trần Ngọc Ánh", "4A", "Toán")


def test_release_applies_the_op_as_the_principals_change_and_it_reaches_every_pc(net, ids):
    a, b, c = net["a"], net["b"], net["c"]
    entry = _quarantine_outside_assignment(net, ids)
    label = conflicts.release(a.db, ids.principal, entry.id)
    assert "GK1" in label
    assert a.result(ids, 2).level == "CHT"
    assert conflicts.list_quarantine(a.db, ids.principal) == []
    assert audit.verify(a.db, ids.principal).intact
    net.sync_all()
    assert all(pc.result(ids, 2).level == "CHT" for pc in (a, b, c))
    # The principal's release is not quarantined anywhere, and her decision (synced) takes the original op off
    # the lists of the PCs that refused it themselves.
    assert all(conflicts.list_quarantine(pc.db, ids.principal) == [] for pc in (a, b, c))
    assert all(audit.verify(pc.db, ids.principal).intact for pc in (a, b, c))


def test_release_into_a_book_locked_now_is_refused_with_the_reason_and_changes_nothing(net, ids):
    a = net["a"]
    entry = _quarantine_outside_assignment(net, ids)
    gradebook.set_lock(a.db, ids.principal, ids.year, locked=True, class_id=ids.class_4a, reason="Đã duyệt GK1")
    with pytest.raises(ValidationError, match="đang khóa"):
        conflicts.release(a.db, ids.principal, entry.id)
    assert a.result(ids, 2).level == "HT"
    assert [q.id for q in conflicts.list_quarantine(a.db, ids.principal)] == [entry.id]


def test_dismiss_drops_the_entry_with_an_audit_entry(net, ids):
    a = net["a"]
    entry = _quarantine_outside_assignment(net, ids)
    before = a.count("SELECT COUNT(*) FROM audit_entry")
    conflicts.dismiss(a.db, ids.principal, entry.id)
    assert conflicts.list_quarantine(a.db, ids.principal) == []
    assert a.result(ids, 2).level == "HT"
    assert a.count("SELECT COUNT(*) FROM audit_entry WHERE kind = 'dismiss'") == 1
    # the decision with its reasons, and the synced decision record that tells the other PCs
    assert a.count("SELECT COUNT(*) FROM audit_entry") == before + 2
    assert a.count("SELECT COUNT(*) FROM quarantine_decision WHERE decision = 'bo_qua'") == 1
    assert audit.verify(a.db, ids.principal).intact
    with pytest.raises(NotFound):
        conflicts.dismiss(a.db, ids.principal, entry.id)


def test_a_dismissal_on_one_pc_clears_every_pc_and_a_late_copy_is_never_listed(net, ids):
    """Each PC holds back the op by itself; the principal decides once, on any PC, and that is the decision
    everywhere — including a PC that receives the op only after the decision."""
    a, b, c = net["a"], net["b"], net["c"]
    write_orm(b, ids.other_teacher, SubjectResult, ids.results[2], level="CHT")
    b.sync()
    assert a.sync().imported.quarantined == 1
    [entry] = conflicts.list_quarantine(a.db, ids.principal)
    conflicts.dismiss(a.db, ids.principal, entry.id)
    a.sync()
    report = c.sync()  # c receives b's op and a's decision in the same run, in either order
    assert conflicts.list_quarantine(c.db, ids.principal) == []
    assert report.imported.quarantined in (0, 1)  # held back, then taken off by the decision: never listed
    net.sync_all()
    assert all(conflicts.list_quarantine(pc.db, ids.principal) == [] for pc in (a, b, c))
    assert all(pc.result(ids, 2).level == "HT" for pc in (a, c))


def test_a_decision_from_someone_not_the_principal_is_held_back_itself(net, ids):
    """The decision record is checked on import like a lock: a PC whose user is not the principal cannot
    clear the other PCs' lists (a tampered or outdated PC)."""
    from nk_desktop.models.decisions import DISMISSED, QuarantineDecision

    a, b = net["a"], net["b"]
    entry = _quarantine_outside_assignment(net, ids)
    op_id = a.count(f"SELECT op_id FROM sync_quarantine WHERE id = {entry.id}")
    with b.db.write(ids.other_teacher) as session:  # no service lets a teacher do this: a tampered PC
        session.add(QuarantineDecision(op_id=uuid.UUID(op_id), decision=DISMISSED, summary="tự bỏ qua"))
    b.sync()
    a.sync()
    listed = conflicts.list_quarantine(a.db, ids.principal)
    assert entry.id in [q.id for q in listed] and any(q.table == "quarantine_decision" for q in listed)


def test_only_the_principal_decides(net, ids):
    a = net["a"]
    entry = _quarantine_outside_assignment(net, ids)
    for actor in (ids.admin, ids.teacher):
        with pytest.raises(PermissionDenied):
            conflicts.release(a.db, actor, entry.id)
        with pytest.raises(PermissionDenied):
            conflicts.dismiss(a.db, actor, entry.id)
    assert len(conflicts.list_quarantine(a.db, ids.principal)) == 1


def test_the_conflict_queue_names_pupil_class_subject_field_and_who_may_choose(net, ids):
    a, b = net["a"], net["b"]
    a.set_level(ids.teacher, 0, "T", ids)
    b.set_level(ids.teacher, 0, "C", ids)
    net.sync_all()
    [conflict] = conflicts.list_conflicts(a.db, ids.principal)
    assert (conflict.pupil, conflict.class_name, conflict.subject, conflict.field_label) == (
        "Lê Thị Mai", "4A", "Toán", "Mức đạt được")
    assert sorted(v.text for v in conflict.values) == ["CHT", "HTT"]
    assert conflict.may_resolve(ids.principal) and conflict.may_resolve(ids.teacher)
    assert not conflict.may_resolve(ids.other_teacher)
