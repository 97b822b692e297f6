"""The print log (regulation Điều 12): each print recorded with pages and hash, the paper's steps in
order, the principal's queue of what awaits her signature; journaled like every other write."""

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from nk_desktop.errors import PermissionDenied, ValidationError
from nk_desktop.models.journal import AuditEntry
from nk_desktop.printing import danh_sach_lop, tong_hop
from nk_desktop.services import books
from nk_desktop.services.permissions import Role

from .test_capture import check_captured
from .test_gradebook import marks  # noqa: F401  (fixture)

D = dt.date


def _print_list(db, actor, marks):
    pdf = danh_sach_lop.render(books.class_roster(db, actor, marks.class_id, on=D(2026, 11, 30)))
    record = books.record_print(db, actor, year_id=marks.year_id, kind="danh_sach_lop", pdf=pdf,
                                title="Danh sách học sinh lớp 4A", class_id=marks.class_id, period="")
    return record, pdf


def test_a_print_is_recorded_with_pages_hash_and_who(db, marks, people):
    clerk = people.actors[Role.VAN_THU]
    record, pdf = _print_list(db, clerk, marks)
    [row] = books.print_log(db, clerk, marks.year_id)
    assert row.id == record and row.kind == "danh_sach_lop" and row.kind_label == "Danh sách học sinh"
    assert row.class_name == "4A" and row.pages == 1 and row.digest == hashlib.sha256(pdf).hexdigest()
    assert row.printed_by == "Trần Thị Vanthu" and row.state == "printed" and row.awaits == "teachers"
    assert row.state_label == "Đã in" and row.printed_at.tzinfo is not None  # shown in Vietnam time


def test_the_paper_goes_through_its_steps_in_order(db, marks, people, principal):
    clerk = people.actors[Role.VAN_THU]
    record, _pdf = _print_list(db, clerk, marks)
    with pytest.raises(ValidationError, match="cần bước “Giáo viên đã kí” trước"):
        books.advance_print_state(db, principal, record, "signed_principal")
    books.advance_print_state(db, marks.teacher, record, "signed_teachers")  # the homeroom teacher of 4A
    with pytest.raises(PermissionDenied):  # only the principal records her signature
        books.advance_print_state(db, clerk, record, "signed_principal")
    books.advance_print_state(db, principal, record, "signed_principal")
    with pytest.raises(PermissionDenied):  # a teacher of another class
        books.advance_print_state(db, marks.other_teacher, record, "archived")
    books.advance_print_state(db, clerk, record, "archived")
    [row] = books.print_log(db, principal, marks.year_id)
    assert (row.state, row.state_label, row.awaits) == ("archived", "Đã lưu trữ", "")
    with pytest.raises(ValidationError):
        books.advance_print_state(db, principal, record, "printed")


def test_the_principals_queue_shows_what_awaits_her_first_and_a_reprint_replaces_the_earlier(db, marks, people,
                                                                                            principal):
    clerk = people.actors[Role.VAN_THU]
    first, _pdf = _print_list(db, clerk, marks)
    summary = books.class_summary(db, clerk, marks.class_id, "GK1")
    sheet = books.record_print(db, clerk, year_id=marks.year_id, kind="tong_hop", pdf=tong_hop.render(summary),
                               title="Bảng tổng hợp lớp 4A — GK1", class_id=marks.class_id, period="GK1")
    books.advance_print_state(db, clerk, sheet, "signed_teachers")
    queue = books.print_queue(db, principal, marks.year_id)
    assert [(r.id, r.awaits) for r in queue] == [(sheet, "principal"), (first, "teachers")]
    again, _pdf = _print_list(db, clerk, marks)
    assert [r.id for r in books.print_queue(db, principal, marks.year_id)] == [sheet, again]
    books.advance_print_state(db, principal, sheet, "signed_principal")
    assert [r.id for r in books.print_queue(db, principal, marks.year_id)] == [again]
    assert len(books.print_log(db, principal, marks.year_id)) == 3
    with pytest.raises(PermissionDenied):
        books.print_queue(db, clerk, marks.year_id)


def test_who_may_print_and_read_the_log(db, marks, people, principal):
    with pytest.raises(PermissionDenied):
        _print_list(db, people.actors[Role.KE_TOAN], marks)
    with pytest.raises(PermissionDenied):
        books.record_print(db, marks.other_teacher, year_id=marks.year_id, kind="danh_sach_lop", pdf=b"%PDF",
                           title="x", class_id=marks.class_id)
    _print_list(db, marks.teacher, marks)
    assert len(books.print_log(db, marks.teacher, marks.year_id)) == 1
    assert len(books.print_log(db, marks.teacher, marks.year_id, class_id=marks.class_id)) == 1
    with pytest.raises(PermissionDenied):  # nothing of theirs in the log
        books.print_log(db, marks.other_teacher, marks.year_id)
    with pytest.raises(ValidationError):
        books.record_print(db, principal, year_id=marks.year_id, kind="so_cai", pdf=b"%PDF", title="x")


def test_print_log_writes_are_journaled_and_audited(db, marks, people, principal):
    clerk = people.actors[Role.VAN_THU]
    pdf = danh_sach_lop.render(books.class_roster(db, clerk, marks.class_id, on=D(2026, 11, 30)))
    made = []
    check_captured(db, clerk, lambda: made.append(books.record_print(
        db, clerk, year_id=marks.year_id, kind="danh_sach_lop", pdf=pdf, title="Danh sách học sinh lớp 4A",
        class_id=marks.class_id)))
    check_captured(db, marks.teacher, lambda: books.advance_print_state(db, marks.teacher, made[0],
                                                                         "signed_teachers"))
    check_captured(db, principal, lambda: books.advance_print_state(db, principal, made[0], "signed_principal"))
    with db.read() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(3)).all()
    assert {(e.table_name, e.record_label, e.class_id) for e in entries} == {
        ("print_record", "bản in Danh sách học sinh lớp 4A", marks.class_id)}
