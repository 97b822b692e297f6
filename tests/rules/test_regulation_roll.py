"""Regulation 39/QC-THNK Điều 12.1 (with 7.3): the monthly roll sheet — confirmed by the homeroom teacher at the end
of the month, printed by the office in the first week of the next month, then signed, kept and bound."""

import datetime as dt

import pytest

from nk_desktop.errors import PermissionDenied
from nk_desktop.services import attendance
from nk_desktop.services.permissions import Role

D = dt.date


def _late(db, principal, year_id, on):
    return {r.class_name: r.late for r in attendance.paper_trail(db, principal, year_id, "2026-11", on=on)}


def test_printing_is_due_in_the_first_week_of_the_next_month(db, people, principal, year_id):
    """Điều 12.1: "Tuần đầu của tháng kế tiếp, bộ phận quản lý sổ in ra giấy": November's sheet confirmed on
    30/11 is on time until Monday 07/12/2026 and late from 08/12 if the office has not printed it."""
    teacher = people.actors[Role.GV_CHU_NHIEM]
    attendance.confirm_month(db, teacher, people.class_4a, "2026-11", on=D(2026, 11, 30))
    assert _late(db, principal, year_id, D(2026, 12, 1))["4A"] is False
    assert _late(db, principal, year_id, D(2026, 12, 7))["4A"] is False
    assert _late(db, principal, year_id, D(2026, 12, 8))["4A"] is True
    attendance.advance_paper(db, people.actors[Role.VAN_THU], people.class_4a, "2026-11", "printed")
    assert _late(db, principal, year_id, D(2026, 12, 20))["4A"] is False


def test_a_month_not_confirmed_is_late_once_the_month_is_over(db, people, principal, year_id):
    """Điều 12.1: "Cuối mỗi tháng, GVCN ghi điểm danh … vào CSDLN": on the month's last day the homeroom teacher is
    not late yet; from the 1st of the next month an unconfirmed month is."""
    assert _late(db, principal, year_id, D(2026, 11, 30)) == {"4A": False, "4B": False}
    assert _late(db, principal, year_id, D(2026, 12, 1)) == {"4A": True, "4B": True}


def test_each_step_is_recorded_by_its_own_people(db, people, principal, year_id):
    """Điều 12.1: the homeroom teacher confirms the month; the office prints, collects the signed sheet and binds;
    the principal signs — each step in order, and the teacher cannot record the office's or principal's steps."""
    teacher, clerk = people.actors[Role.GV_CHU_NHIEM], people.actors[Role.VAN_THU]
    for actor in (clerk, principal, people.actors[Role.GV_BO_MON]):
        with pytest.raises(PermissionDenied):
            attendance.confirm_month(db, actor, people.class_4a, "2026-11", on=D(2026, 11, 30))
    attendance.confirm_month(db, teacher, people.class_4a, "2026-11", on=D(2026, 11, 30))
    steps = [("printed", clerk), ("signed_teacher", clerk), ("received", clerk), ("signed_principal", principal),
             ("bound", clerk)]
    for step, actor in steps:
        with pytest.raises(PermissionDenied):
            attendance.advance_paper(db, teacher, people.class_4a, "2026-11", step)
        if step == "signed_principal":
            for other in (clerk, people.actors[Role.PHO_HIEU_TRUONG]):
                with pytest.raises(PermissionDenied):
                    attendance.advance_paper(db, other, people.class_4a, "2026-11", step)
        attendance.advance_paper(db, actor, people.class_4a, "2026-11", step)
    trail = attendance.paper_trail(db, principal, year_id, "2026-11", on=D(2026, 12, 8))
    assert {r.class_name: r.state for r in trail}["4A"] == "bound"

