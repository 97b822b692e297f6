"""The optimistic version under sync: carried harmlessly, never a conflict, moved by a received change."""

import pytest

from nk_desktop.db import StaleRecord
from nk_desktop.models.gradebook import SubjectResult
from nk_desktop.services.versions import VersionedEdit, update_if_current, versions_of


def test_a_received_change_moves_the_local_version_so_a_stale_window_is_refused(net, ids):
    a, b = net["a"], net["b"]
    row = ids.results[0]
    with b.db.read() as session:
        seen = versions_of(session, SubjectResult, [row])[row]   # a window on PC b shows the mark
    a.set_level(ids.teacher, 0, "T", ids)
    a.sync()
    b.sync()
    assert b.result(ids, 0).level == "HTT" and b.result(ids, 0).version == seen + 1
    with pytest.raises(StaleRecord):
        with b.db.write(ids.teacher) as session:
            update_if_current(session, SubjectResult, [VersionedEdit(row, seen, {"level": "CHT"})])
    assert b.result(ids, 0).level == "HTT"


def test_different_version_counts_on_two_pcs_are_no_conflict(net, ids):
    a, b = net["a"], net["b"]
    a.set_level(ids.teacher, 2, "T", ids)
    a.set_level(ids.teacher, 2, "C", ids)   # a's row at version 3
    b.set_level(ids.teacher, 2, "T", ids)   # b's at version 2: a real conflict on level only
    net.sync_all()
    conflicts = {(t, f) for t, _r, f, _o in a.sync_state()["conflicts"]}
    assert conflicts == {("subject_result", "level")}
    assert a.sync_state() == b.sync_state()
