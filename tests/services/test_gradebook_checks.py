"""The vice-principal's monthly check of each class's gradebook (regulation 39 Điều 4.1).

Who may record it, refusals that change nothing, one check per class × month (a second save edits
it, audited), the classes not yet checked, and the month's facts shown beside the remark box.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json

import pytest
from sqlalchemy import func, select

from nk_desktop.actor import SYSTEM
from nk_desktop.errors import PermissionDenied, ValidationError
from nk_desktop.models.gradebook import GradebookCheck
from nk_desktop.models.journal import AuditEntry
from nk_desktop.services import gradebook, gradebook_checks as checks, pupils, school
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Role
from nk_desktop.sync import capture

D = dt.date
TODAY = D(2026, 11, 29)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(checks, "today", lambda: TODAY)


@pytest.fixture
def vice(people):
    return people.actors[Role.PHO_HIEU_TRUONG]


def count(db):
    with db.read() as session:
        return (session.scalar(select(func.count(GradebookCheck.id))),
                session.scalar(select(func.count(AuditEntry.seq))))


def test_the_vice_principal_and_the_principal_record_a_check(db, people, principal, vice, year_id):
    first = checks.record_check(db, vice, people.class_4a, "2026-10", "Sổ ghi đủ, sạch sẽ.", on=D(2026, 11, 2))
    second = checks.record_check(db, principal, people.class_4b, "2026-10", "Còn thiếu điểm môn Tiếng Anh.")
    assert first != second
    rows = checks.checks_for_class(db, vice, people.class_4a)
    assert [(r.month, r.checked_on, r.remark) for r in rows] == [("2026-10", D(2026, 11, 2), "Sổ ghi đủ, sạch sẽ.")]
    assert rows[0].checker_name == "Trần Thị Phohieutru"
    # the homeroom teacher of 4A reads the remarks on their own class's book
    assert len(checks.checks_for_class(db, people.actors[Role.GV_CHU_NHIEM], people.class_4a)) == 1
    with pytest.raises(PermissionDenied):
        checks.checks_for_class(db, people.actors[Role.GV_CHU_NHIEM], people.class_4b)


@pytest.mark.parametrize("role", [r for r in Role if r not in (Role.HIEU_TRUONG, Role.PHO_HIEU_TRUONG)],
                         ids=lambda r: r.value)
def test_other_roles_may_not_record_nor_list(db, people, year_id, role):
    before = count(db)
    with pytest.raises(PermissionDenied, match="kiểm tra sổ điểm"):
        checks.record_check(db, people.actors[role], people.class_4a, "2026-11", "Đã xem.")
    with pytest.raises(PermissionDenied):
        checks.month_board(db, people.actors[role], year_id, "2026-11")
    with pytest.raises(PermissionDenied):
        checks.month_facts(db, people.actors[role], people.class_4a, "2026-11")
    assert count(db) == before


@pytest.mark.parametrize("month, remark, on, message", [
    ("2026-12", "Đã xem.", None, "chưa đến"),                  # a future month
    ("2026-07", "Đã xem.", None, "không thuộc năm học"),       # before the year
    ("2027-06", "Đã xem.", None, "không thuộc năm học|chưa đến"),
    ("2026-13", "Đã xem.", None, "năm-tháng"),
    ("tháng 11", "Đã xem.", None, "năm-tháng"),
    ("2026-11", "   ", None, "ghi nhận xét"),                  # an empty remark
    ("2026-11", "Đã xem.", D(2026, 11, 30), "sau hôm nay"),    # dated tomorrow
    ("2026-11", "Đã xem.", D(2026, 10, 31), "trước tháng"),    # dated before the month
    ("2026-11", "x" * 2001, None, "dài quá"),
])
def test_refusals_change_nothing(db, people, vice, month, remark, on, message):
    before = count(db)
    with pytest.raises(ValidationError, match=message):
        checks.record_check(db, vice, people.class_4a, month, remark, on=on)
    assert count(db) == before


def test_one_check_per_class_and_month_a_second_save_edits_it(db, people, principal, vice):
    first = checks.record_check(db, vice, people.class_4a, "2026-11", "Đa\u0303 xem.", on=D(2026, 11, 20))
    again = checks.record_check(db, principal, people.class_4a, "2026-11", "  Cần vào điểm GK1 môn Toán.  ")
    assert again == first
    rows = checks.checks_for_class(db, vice, people.class_4a)
    assert [(r.month, r.checked_on, r.remark) for r in rows] == [("2026-11", TODAY, "Cần vào điểm GK1 môn Toán.")]
    with db.read() as session:
        assert session.scalar(select(func.count(GradebookCheck.id))) == 1
        entries = session.execute(select(AuditEntry.kind, AuditEntry.changes, AuditEntry.record_label,
                                         AuditEntry.class_id)
                                  .where(AuditEntry.table_name == "gradebook_check").order_by(AuditEntry.seq)).all()
    assert [e.kind for e in entries] == ["ins", "upd"]
    assert json.loads(entries[0].changes)["remark"][1] == "Đã xem."  # NFC
    assert json.loads(entries[1].changes)["remark"] == ["Đã xem.", "Cần vào điểm GK1 môn Toán."]
    assert entries[1].record_label == "kiểm tra sổ điểm lớp 4A tháng 11/2026"
    assert entries[1].class_id == people.class_4a


def test_the_board_and_the_unchecked_classes(db, people, vice, year_id):
    extra = school.create_class(db, SYSTEM, year_id, "1A")
    checks.record_check(db, vice, people.class_4a, "2026-11", "Đã xem.")
    checks.record_check(db, vice, people.class_4b, "2026-10", "Đã xem.")
    board = checks.month_board(db, vice, year_id, "2026-11")
    assert [(r.class_name, r.check is not None) for r in board] == [("1A", False), ("4A", True), ("4B", False)]
    assert board[1].homeroom_name == "Trần Thị Gvchunhiem"
    assert board[1].check.checked_on == TODAY
    assert [r.class_id for r in checks.unchecked_classes(db, vice, year_id, "2026-11")] == [extra, people.class_4b]
    assert [r.class_name for r in checks.unchecked_classes(db, vice, year_id, "2026-10")] == ["1A", "4A"]


def test_checks_of_a_term(db, people, vice):
    checks.record_check(db, vice, people.class_4a, "2026-09", "Tháng 9.", on=D(2026, 10, 1))
    checks.record_check(db, vice, people.class_4a, "2026-11", "Tháng 11.")
    assert [r.month for r in checks.checks_for_class(db, vice, people.class_4a, term=1)] == ["2026-09", "2026-11"]
    assert checks.checks_for_class(db, vice, people.class_4a, term=2) == []
    assert [r.month for r in checks.checks_for_class(db, vice, people.class_4a, months=["2026-11"])] == ["2026-11"]


def test_month_facts(db, people, vice, monkeypatch):
    teacher = people.actors[Role.GV_CHU_NHIEM]
    with db.read() as session:
        math = school.subject_by_name(session, "Toán").id
    school.assign_teacher(db, SYSTEM, people.class_4a, math, teacher.staff_id)
    stamps = itertools.count()
    monkeypatch.setattr(capture, "utcnow", lambda: dt.datetime(2026, 11, 10, 3) + dt.timedelta(minutes=next(stamps)))
    an = pupils.add_pupil(db, SYSTEM, people.class_4a, {"full_name": "Nguyễn Văn An", "gender": "Nam",
                                                        "date_of_birth": D(2016, 1, 2)}, start_date=D(2026, 9, 5))
    binh = pupils.add_pupil(db, SYSTEM, people.class_4a, {"full_name": "Lê Thị Bình", "gender": "Nữ",
                                                          "date_of_birth": D(2016, 3, 2)}, start_date=D(2026, 9, 5))
    cuc = pupils.add_pupil(db, SYSTEM, people.class_4a, {"full_name": "Vũ Thị Cúc", "gender": "Nữ",
                                                         "date_of_birth": D(2016, 4, 2)}, start_date=D(2026, 11, 16),
                           start_reason="chuyen_den", came_from="Trường Tiểu học Lê Lợi")
    pupils.transfer_out(db, SYSTEM, binh, D(2026, 11, 20), "Trường Tiểu học Trần Phú")
    gradebook.save_subject_cells(db, teacher, people.class_4a, math, "CK1",
                                 [CellEdit(an, "level", "HT"), CellEdit(cuc, "level", "HTT")], on=D(2026, 11, 28))
    gradebook.save_subject_cells(db, teacher, people.class_4a, math, "CK1", [CellEdit(an, "level", "HTT")],
                                 on=D(2026, 11, 28))
    monkeypatch.setattr(capture, "utcnow", lambda: dt.datetime(2026, 10, 31, 16, 59))  # 23:59 on 31/10 in Vietnam
    gradebook.save_subject_cells(db, teacher, people.class_4a, math, "CK1", [CellEdit(an, "comment", "Giỏi")],
                                 on=D(2026, 10, 31))

    facts = checks.month_facts(db, vice, people.class_4a, "2026-11")
    assert (facts.first_day, facts.last_day) == (D(2026, 11, 1), TODAY)
    assert (facts.size_start, facts.size_end) == (2, 2)
    assert [(m.name, m.day, m.reason) for m in facts.arrivals] == [("Vũ Thị Cúc", D(2026, 11, 16), "Chuyển đến")]
    assert [(m.name, m.day, m.reason) for m in facts.leavers] == [("Lê Thị Bình", D(2026, 11, 20), "Chuyển trường")]
    assert [(e.person, e.what, e.entered, e.changed) for e in facts.entries] == [
        ("Cô Gvchunhiem", "Kết quả môn học", 2, 1)]
    assert facts.corrections == 0
    text = "\n".join(facts.lines())
    assert "Sĩ số ngày 01/11: 2; ngày 29/11: 2." in text and "Vũ Thị Cúc (16/11, Chuyển đến)" in text
    assert "nhập 2, sửa 1" in text
    october = checks.month_facts(db, vice, people.class_4a, "2026-10")
    assert [(e.entered, e.changed) for e in october.entries] == [(0, 1)]  # the edit at 23:59 local time
    assert october.arrivals == [] and (october.size_start, october.size_end) == (2, 2)


# --- the end of the printed book -----------------------------------------------------------------

def test_the_term_books_last_page_holds_the_remarks_and_ruled_rows_for_months_unchecked():
    from nk_desktop.printing import so_goi_ten_ghi_diem as sgt

    from .test_books import _pages
    from .test_books_documents import term_book

    book = dataclasses.replace(term_book(10), checks=[
        sgt.CheckLine("2026-10", D(2026, 11, 2), "Trần Thị Phó", "Sổ ghi đủ & sạch; chú ý em <Ánh> chuyển đến."),
        sgt.CheckLine("2026-09", D(2026, 10, 1), "Trần Thị Phó", "Đã kiểm tra, đủ điểm.")])
    pages = _pages(sgt.render(book))
    last = pages[-1]
    assert "NHẬN XÉT CỦA BAN GIÁM HIỆU — LỚP 4A — HỌC KÌ I — NĂM HỌC 2026-2027" in last
    assert "Tháng Ngày kiểm tra Người kiểm tra Nhận xét Kí tên" in last
    assert "02/11/2026" in last and "Sổ ghi đủ & sạch; chú ý em <Ánh> chuyển đến." in last
    assert last.index("09/2026") < last.index("Đã kiểm tra, đủ điểm.") < last.index("02/11/2026")
    assert "11/2026" in last and "12/2026" in last  # unchecked months: empty ruled rows
    assert "Điều 4.1" in last
    assert all("NHẬN XÉT CỦA BAN GIÁM HIỆU" not in page for page in pages[:-1])
    # a book built without checks (other callers) still ends with the empty page for the vice-principal
    assert "NHẬN XÉT CỦA BAN GIÁM HIỆU" in _pages(sgt.render(term_book(10)))[-1]


def test_term_book_fills_the_checks_of_its_term(db, people, vice):
    from nk_desktop.printing import so_goi_ten_ghi_diem as sgt
    from nk_desktop.services import books

    from .test_books import _pages

    checks.record_check(db, vice, people.class_4a, "2026-10", "Giáo viên vào điểm GK1 đúng hạn.", on=D(2026, 11, 2))
    checks.record_check(db, vice, people.class_4b, "2026-11", "Lớp khác.")
    book = books.term_book(db, vice, people.class_4a, 1)
    assert [(c.month, c.remark) for c in book.checks] == [("2026-10", "Giáo viên vào điểm GK1 đúng hạn.")]
    last = _pages(sgt.render(book))[-1]
    assert "Giáo viên vào điểm GK1 đúng hạn." in last and "Trần Thị Phohieutru" in last and "Lớp khác." not in last
    assert books.term_book(db, vice, people.class_4a, 2).checks == []
