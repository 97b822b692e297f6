"""Issue 6: a bound file of the whole school is logged once per class it covers (the principal's queue
lists each class's book), and no official book is printed while a sync conflict in it is open (issue 7)."""

import datetime as dt

import pytest
from sqlalchemy import text

from nk_desktop.errors import Locked
from nk_desktop.models.gradebook import SubjectResult
from nk_desktop.services import books
from nk_desktop.services.gradebook import CellEdit, save_subject_cells
from nk_desktop.services.permissions import Role

from .test_gradebook import marks  # noqa: F401  (fixture)

D = dt.date


def test_a_bound_file_is_logged_for_each_class_it_covers(db, marks, people, principal):
    clerk = people.actors[Role.VAN_THU]
    requests = [books.PrintRequest("tong_hop", marks.year_id, class_id=c, milestone="GK1")
                for c in (marks.class_id, people.class_4b)]
    document = books.render_bound(db, clerk, requests)
    assert [name for _id, name in document.bound_classes] == ["4A", "4B"]
    first = books.record_document(db, clerk, document)
    log = books.print_log(db, principal, marks.year_id)
    assert sorted(r.class_name for r in log) == ["4A", "4B"]
    assert {r.digest for r in log} == {log[0].digest} and first in {r.id for r in log}
    assert all("lớp " + r.class_name in r.title for r in log)
    queue = books.print_queue(db, principal, marks.year_id)
    assert sorted((r.class_name, r.awaits) for r in queue) == [("4A", "teachers"), ("4B", "teachers")]
    # a later single reprint of 4A replaces 4A's entry only
    single = books.render_document(db, clerk, requests[0])
    again = books.record_document(db, clerk, single)
    queue = books.print_queue(db, principal, marks.year_id)
    assert sorted(r.class_name for r in queue) == ["4A", "4B"] and again in {r.id for r in queue}


def _conflict(db, table, row_id, field):
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO sync_conflict (tbl, row, field, official, first_seen) "
                          "VALUES (:t, :r, :f, :o, :s)"), {"t": table, "r": row_id.hex, "f": field, "o": True,
                                                          "s": dt.datetime(2026, 11, 30, 8, 0)})


def test_printing_waits_for_the_books_sync_conflicts(db, marks, people, principal):
    clerk = people.actors[Role.VAN_THU]
    save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "GK1", [CellEdit(marks.pupils[0], "level", "H")],
                       on=D(2026, 10, 30))
    with db.read() as session:
        row = session.query(SubjectResult).filter_by(pupil_id=marks.pupils[0], milestone="GK1").one()
    summary = books.PrintRequest("tong_hop", marks.year_id, class_id=marks.class_id, milestone="GK1")
    books.render_document(db, clerk, summary)  # no conflict yet
    _conflict(db, "subject_result", row.id, "level")
    with pytest.raises(Locked, match=r"xung đột đồng bộ.*: Toán — Mức đạt được \(GK1\)"):
        books.render_document(db, clerk, summary)
    with pytest.raises(Locked):
        books.render_bound(db, clerk, [summary])
    with pytest.raises(Locked, match="Toán — Mức đạt được"):  # the pupil's học bạ shows the same result
        books.render_document(db, clerk, books.PrintRequest("hoc_ba", marks.year_id, pupil_id=marks.pupils[0]))
    # another milestone of the class and the class list are not held back
    books.render_document(db, clerk, books.PrintRequest("tong_hop", marks.year_id, class_id=marks.class_id,
                                                        milestone="CK1"))
    books.render_document(db, clerk, books.PrintRequest("danh_sach_lop", marks.year_id, class_id=marks.class_id))
    assert books.print_log(db, principal, marks.year_id) == []  # nothing was recorded
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM sync_conflict"))
    books.render_document(db, clerk, summary)


def test_a_pupils_identity_conflict_holds_back_the_class_books(db, marks, people):
    clerk = people.actors[Role.VAN_THU]
    _conflict(db, "pupil", marks.pupils[1], "date_of_birth")
    with pytest.raises(Locked, match="hồ sơ học sinh — Ngày sinh"):
        books.render_document(db, clerk, books.PrintRequest("tong_hop", marks.year_id, class_id=marks.class_id,
                                                            milestone="GK1"))
    with pytest.raises(Locked, match="hồ sơ học sinh — Ngày sinh"):
        books.render_document(db, clerk, books.PrintRequest("so_goi_ten_thang", marks.year_id,
                                                            class_id=marks.class_id, month="2026-11"))
