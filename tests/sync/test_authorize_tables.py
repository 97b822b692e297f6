"""The import's permission re-check of the records only leaders write (a tampered or outdated PC)."""

from __future__ import annotations

import datetime as dt

from nk_desktop.models.gradebook import GradebookCheck
from nk_desktop.sync import conflicts


def _check(pc, actor, ids, remark):
    with pc.db.write(actor) as session:  # straight to the ORM: what a PC without the service's check would send
        session.add(GradebookCheck(year_id=ids.year, class_id=ids.class_4a, month="2026-10",
                                   checked_on=dt.date(2026, 10, 30), checker_id=actor.account_id,
                                   checker_name=actor.display_name, remark=remark))


def _checks(pc):
    return pc.count("SELECT COUNT(*) FROM gradebook_check")


def test_a_gradebook_check_from_a_teacher_is_held_back_and_the_principals_goes_through(net, ids):
    """Điều 4.1: the monthly check and its remark are the vice-principal's (or the principal's)."""
    a, b = net["a"], net["b"]
    _check(b, ids.teacher, ids, "Tự kiểm tra sổ của lớp mình")
    b.sync()
    report = a.sync()
    assert report.imported.quarantined == 1 and _checks(a) == 0
    [held] = conflicts.list_quarantine(a.db, ids.principal)
    assert held.table == "gradebook_check" and "Điều 4.1" in held.reason
    _check(a, ids.principal, ids, "Sổ ghi đầy đủ, đúng hạn.")
    a.sync()
    assert b.sync().imported.quarantined == 0
    assert b.count("SELECT remark FROM gradebook_check WHERE remark LIKE 'Sổ ghi%'") == "Sổ ghi đầy đủ, đúng hạn."
