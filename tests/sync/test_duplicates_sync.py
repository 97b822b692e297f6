"""Two PCs enter the same pupil before syncing; after the sync both list the pair; a merge on one PC
reaches every PC (sync-design §4.3, master data).  Also: a pair marked "not the same child" on one PC stops
being listed on the others, and a mark a third PC enters for the merged record is listed and merged again."""

import datetime as dt

from nk_desktop.services import attendance, duplicates, gradebook, pupils
from nk_desktop.services.gradebook import CellEdit

from .conftest import OPEN_DAY

ROLL_DAY, MONTH_END = dt.date(2026, 11, 27), dt.date(2026, 11, 30)
TABLES = ("pupil", "enrolment", "subject_result", "trait_result", "attendance_mark", "pupil_not_duplicate")


def _add(pc, actor, ids, name="Vũ Thị Hằng", dob=dt.date(2016, 7, 8), **extra):
    return pupils.add_pupil(pc.db, actor, ids.class_4a, {"full_name": name, "date_of_birth": dob, "gender": "Nữ",
                                                         **extra}, start_date=dt.date(2026, 10, 5),
                            start_reason="chuyen_den", came_from="TH Lê Lợi")


def _listed(pc, ids):
    return {(frozenset((p.first.id, p.second.id)), p.reasons)
            for p in duplicates.possible_duplicates(pc.db, ids.principal, ids.year)}


def _names(pc, ids):
    return [r.full_name for r in pupils.class_list(pc.db, ids.principal, ids.class_4a, on=MONTH_END).rows]


def _trait(pc, ids, pupil, trait):
    result = gradebook.save_trait_cells(pc.db, ids.teacher, ids.class_4a, "GK1",
                                        [CellEdit(pupil, "level", "T", trait=trait)], on=OPEN_DAY)
    assert not result.refused, result.refused


def test_the_same_pupil_entered_on_two_pcs_is_merged_once_for_all(net, ids):
    a, b, c = net["a"], net["b"], net["c"]
    # The clerk's PC (the principal's login here) and the homeroom teacher's laptop each add the newcomer.
    on_a = _add(a, ids.principal, ids, contact_phone="0912345678")
    on_b = _add(b, ids.teacher, ids, name="Vũ Thị Hằng", personal_id="031316004321")
    gradebook.save_subject_cells(a.db, ids.teacher, ids.class_4a, ids.math, "GK1",
                                 [CellEdit(on_a, "level", "HTT")], on=OPEN_DAY)
    _trait(b, ids, on_b, "YEU_NUOC")
    attendance.take_rolls(b.db, ids.teacher, ids.class_4a, [(ROLL_DAY, "sang", {on_b: ("P", "Ốm")})], on=MONTH_END)
    net.sync_all()
    assert _names(b, ids).count("Vũ Thị Hằng") == 2
    for pc in (a, b, c):
        assert _listed(pc, ids) == {(frozenset((on_a, on_b)), ("name_dob",))}

    # C had synced before the merge and, not hearing of it, records a quality for the newcomer's second record.
    _trait(c, ids, on_b, "CHAM_CHI")
    duplicates.merge_pupils(a.db, ids.principal, on_a, on_b)
    net.sync_all()
    for pc in (a, b, c):
        assert _names(pc, ids).count("Vũ Thị Hằng") == 1
        assert pc.count("SELECT count(*) FROM sync_quarantine") == 0
        assert pc.count("SELECT count(*) FROM sync_conflict") == 0
    for table in TABLES:
        assert a.rows(table) == b.rows(table) == c.rows(table), table
    kept = pupils.get_pupil(b.db, ids.principal, on_a)
    assert (kept.personal_id, kept.contact_phone) == ("031316004321", "0912345678")
    with b.db.engine.connect() as conn:
        hex_a, hex_b = on_a.hex, on_b.hex
        assert conn.exec_driver_sql(f"SELECT count(*) FROM subject_result WHERE pupil_id = '{hex_a}'").scalar() == 1
        assert conn.exec_driver_sql(f"SELECT count(*) FROM attendance_mark WHERE pupil_id = '{hex_a}' "
                                    "AND deleted = 0").scalar() == 1
        assert conn.exec_driver_sql(f"SELECT count(*) FROM trait_result WHERE pupil_id = '{hex_a}'").scalar() == 1
        # C's quality arrived for the merged record: listed on every PC, merged again by anyone allowed.
        assert conn.exec_driver_sql(f"SELECT count(*) FROM trait_result WHERE pupil_id = '{hex_b}' "
                                    "AND deleted = 0").scalar() == 1
    for pc in (a, b, c):
        assert _listed(pc, ids) == {(frozenset((on_a, on_b)), ("leftovers",))}
    assert duplicates.merge_pupils(b.db, ids.admin, on_a, on_b).moved["đánh giá phẩm chất, năng lực"] == 1
    net.sync_all()
    for pc in (a, b, c):
        assert _listed(pc, ids) == set()
        assert pc.count("SELECT count(*) FROM sync_quarantine") == 0
    for table in TABLES:
        assert a.rows(table) == b.rows(table) == c.rows(table), table
    with a.db.engine.connect() as conn:
        assert conn.exec_driver_sql(f"SELECT count(*) FROM trait_result WHERE pupil_id = '{on_a.hex}' "
                                    "AND deleted = 0").scalar() == 2


def test_a_pair_marked_distinct_on_one_pc_is_no_longer_listed_on_the_others(net, ids):
    a, b = net["a"], net["b"]
    first = _add(a, ids.principal, ids, name="Hồ Thị Lan")
    second = _add(b, ids.teacher, ids, name="Hồ Thị Lan")
    net.sync_all()
    assert _listed(a, ids) == {(frozenset((first, second)), ("name_dob",))}
    duplicates.mark_not_duplicate(b.db, ids.admin, first, second, "Hai chị em sinh đôi cùng tên đệm")
    net.sync_all()
    for pc in (a, b, net["c"]):
        assert _listed(pc, ids) == set()
        assert _names(pc, ids).count("Hồ Thị Lan") == 2
