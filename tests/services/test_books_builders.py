"""The data of the printed books built from the database (both backends): official order, values, permissions."""

import datetime as dt

import pytest

from nk_desktop.actor import SYSTEM
from nk_desktop.errors import NotFound, PermissionDenied, ValidationError
from nk_desktop.printing import danh_sach_lop, hoc_ba, so_diem_ca_nhan, so_goi_ten_ghi_diem, thong_bao
from nk_desktop.services import attendance, books, gradebook, pupils, results
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Role

from .test_books import _pages
from .test_corrections_and_results import _fill_year_end
from .test_gradebook import IN_TERM_1, marks  # noqa: F401  (fixture)

D = dt.date
NOV_30 = D(2026, 11, 30)
ORDER = ["Nguyễn Văn An", "Lê Thị Ánh", "Đặng Thị Hoà"]


def _roll(db, marks):
    """November 2026 in 4A: An absent with leave on the 4th, Hoà without on the 5th (both sessions), Ánh late."""
    for day in (D(2026, 11, 3), D(2026, 11, 4), D(2026, 11, 5)):
        for session_name in ("sang", "chieu"):
            absent = {}
            if day.day == 4:
                absent = {marks.an: ("P", "Ốm")}
            if day.day == 5:
                absent = {marks.hoa: ("K", "")}
            if day.day == 3 and session_name == "sang":
                absent = {marks.anh: ("M", "")}
            attendance.take_roll(db, marks.teacher, marks.class_id, day, session_name, absent, on=NOV_30)


def test_class_roster_in_official_order_and_who_may_print_it(db, marks, people, principal):
    data = books.class_roster(db, principal, marks.class_id, on=NOV_30)
    assert [r.full_name for r in data.rows] == ORDER and [r.number for r in data.rows] == [1, 2, 3]
    assert data.by_gender == {"Nam": 1, "Nữ": 2} and data.homeroom_name == "Trần Thị Gvchunhiem"
    assert data.class_name == "4A" and data.year_name == "2026-2027" and data.on == NOV_30
    assert data.header.governing_body and data.header.place_name == "Cầu Đất"
    text = _pages(danh_sach_lop.render(data))[0]
    assert text.index("Nguyễn Văn An") < text.index("Lê Thị Ánh") < text.index("Đặng Thị Hoà")
    for actor in (marks.teacher, people.actors[Role.VAN_THU], people.actors[Role.PHO_HIEU_TRUONG]):
        books.class_roster(db, actor, marks.class_id, on=NOV_30)
    for actor in (marks.other_teacher, people.actors[Role.KE_TOAN], people.actors[Role.TO_TRUONG_CM]):
        with pytest.raises(PermissionDenied):
            books.class_roster(db, actor, marks.class_id)
    # The subject teacher prints the class they teach (4B).
    assert books.class_roster(db, marks.other_teacher, people.class_4b).rows == []


def test_term_book_months_scores_traits_and_teachers(db, marks, people, principal):
    _roll(db, marks)
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "GK1", [
        CellEdit(marks.an, "level", "T"), CellEdit(marks.an, "score", 8)], on=D(2026, 10, 30))
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1", [
        CellEdit(marks.an, "level", "H"), CellEdit(marks.an, "score", 6), CellEdit(marks.an, "comment", "Cần cẩn thận"),
        CellEdit(marks.hoa, "level", "C"), CellEdit(marks.hoa, "score", 3)], on=IN_TERM_1)
    gradebook.save_trait_cells(db, marks.teacher, marks.class_id, "CK1",
                               [CellEdit(marks.anh, "level", "Đ", trait="CHAM_CHI")], on=IN_TERM_1)
    book = books.term_book(db, principal, marks.class_id, 1)
    assert [s.month for s in book.months] == ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01"]
    assert book.term == 1 and [p.full_name for p in book.pupils] == ORDER
    november = book.months[2]
    an, anh, hoa = november.rows
    assert (an.full_name, an.cells[4], an.excused) == ("Nguyễn Văn An", "P/P", 2)
    assert (hoa.cells[5], hoa.unexcused, anh.cells[3], anh.late) == ("K/K", 2, "M", 1)
    assert 24 in november.day_off and 1 in november.day_off  # Ngày Văn hóa Việt Nam; a Sunday
    math = next(p for p in book.score_pages if p.subject_name == "Toán")
    assert math.teachers == ["Trần Thị Gvchunhiem"] and math.tested == ["GK1", "CK1"]  # grade 4 tests at mid-term
    first = math.rows[0]
    assert (first.full_name, first.levels, first.scores) == ("Nguyễn Văn An", {"GK1": "T", "CK1": "H"},
                                                               {"GK1": "8", "CK1": "6"})
    assert first.comments == {"CK1": "Cần cẩn thận"} and math.rows[2].scores == {"CK1": "3"}
    ethics = next(p for p in book.score_pages if p.subject_name == "Đạo đức")
    assert ethics.tested == []
    assert [p.milestone for p in book.trait_pages] == ["GK1", "CK1"] and book.trait_pages[1].rows[1][2][2] == "Đ"
    pdf = so_goi_ten_ghi_diem.render(book)
    pages = _pages(pdf)
    # marks of CK1 are not all entered: a draft for checking, nothing to certify yet (Điều 12.2)
    assert "BẢN NHÁP — CHƯA ĐỦ ĐIỂM ĐỂ KÍ DUYỆT" in pages[1] and f"Bản in này có {len(pages)} trang" in pages[1]
    november_page = next(p for p in pages if "PHẦN GỌI TÊN — THÁNG 11/2026" in p)
    assert "P/P" in november_page and "K/K" in november_page and "Ngày Văn hóa Việt Nam" in november_page
    with pytest.raises(PermissionDenied):
        books.term_book(db, marks.other_teacher, marks.class_id, 1)
    with pytest.raises(ValidationError):
        books.term_book(db, principal, marks.class_id, 3)


def test_one_months_roll_sheet_and_its_term(db, marks, principal):
    _roll(db, marks)
    assert books.term_of_month(db, principal, marks.class_id, "2026-11") == 1
    assert books.term_of_month(db, principal, marks.class_id, "2027-03") == 2
    book = books.term_book(db, principal, marks.class_id, 1, months=["2026-11"], scores=False, paper="A3")
    assert book.score_pages == [] and book.trait_pages == [] and book.paper == "A3"
    pages = _pages(so_goi_ten_ghi_diem.render_months(book))
    assert len(pages) == 1 and "THÁNG 11/2026" in pages[0] and "Nguyễn Văn An" in pages[0]


def test_hoc_ba_of_a_pupil_with_the_year_end_results(db, marks, principal):
    _fill_year_end(db, marks)
    gradebook.save_subject_cells(db, SYSTEM, marks.class_id, marks.math, "CN",
                                 [CellEdit(marks.an, "comment", "Tính toán nhanh & chính xác")], on=D(2027, 4, 30))
    for other in (marks.hoa, marks.anh):
        pupils.transfer_out(db, principal, other, D(2027, 5, 1), "Trường khác")
    results.record_results(db, marks.teacher, marks.class_id)
    [book] = books.hoc_ba(db, principal, pupil_id=marks.an)
    assert book.identity.full_name == "Nguyễn Văn An" and book.identity.gender == "Nam"
    assert [(h.year_name, h.class_name) for h in book.history] == [("2026-2027", "4A")]
    [year] = book.years
    assert (year.class_name, year.grade, year.homeroom_name) == ("4A", 4, "Trần Thị Gvchunhiem")
    lines = {s.name: s for s in year.subjects}
    assert lines["Toán"].level == "T" and lines["Toán"].score == "9" and lines["Tiếng Việt"].score == "10"
    assert lines["Toán"].comment == "Tính toán nhanh & chính xác" and lines["Đạo đức"].score == ""
    assert [t.level for t in year.qualities] == ["T"] * 5 and len(year.general) == 3 and len(year.specific) == 7
    assert (year.overall, year.award, year.completion) == ("Hoàn thành xuất sắc", "Học sinh Xuất sắc",
                                                           "Hoàn thành chương trình lớp học")
    pages = _pages(hoc_ba.render(book))
    assert "Toán T 9 Tính toán nhanh & chính xác" in pages[1] and "Hoàn thành xuất sắc" in pages[1]


def test_hoc_ba_of_a_class_in_official_order_and_permissions(db, marks, people, principal):
    class_books = books.hoc_ba(db, principal, class_id=marks.class_id, on=NOV_30)
    assert [b.identity.full_name for b in class_books] == ORDER
    assert all(b.years[0].overall == "" and b.years[0].completion == "" for b in class_books)
    assert all(b.current_class == "4A" for b in class_books)
    books.hoc_ba(db, marks.teacher, pupil_id=marks.hoa)
    with pytest.raises(PermissionDenied):
        books.hoc_ba(db, marks.other_teacher, pupil_id=marks.hoa)
    with pytest.raises(ValidationError):
        books.hoc_ba(db, principal)


def test_personal_book_lists_each_assignment_with_its_pupils(db, marks, people, principal, year_id):
    own = books.personal_book(db, marks.teacher, marks.teacher.staff_id, year_id, 1, on=NOV_30)
    assert own.teacher_name == "Trần Thị Gvchunhiem" and own.term == 1
    assert [(s.class_name, s.subject_name) for s in own.sections] == [("4A", "Toán"), ("4A", "Đạo đức")]
    assert [name for _n, name in own.sections[0].pupils] == ORDER
    english = books.personal_book(db, people.actors[Role.VAN_THU], marks.other_teacher.staff_id, year_id, 2)
    assert [(s.class_name, s.subject_name, s.pupils) for s in english.sections] == [("4B", "Ngoại ngữ 1", [])]
    pages = _pages(so_diem_ca_nhan.render(own))
    assert "LỚP 4A — MÔN TOÁN — HỌC KÌ I — NĂM HỌC 2026-2027" in pages[1] and "Lê Thị Ánh" in pages[1]
    with pytest.raises(PermissionDenied):  # a teacher prints only their own book
        books.personal_book(db, marks.other_teacher, marks.teacher.staff_id, year_id, 1)
    with pytest.raises(NotFound):
        books.personal_book(db, principal, marks.teacher.staff_id, year_id, 3)


def test_notice_sheet_with_attendance_and_results(db, marks, people, principal):
    _roll(db, marks)
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1", [
        CellEdit(marks.an, "level", "T"), CellEdit(marks.an, "score", 9)], on=IN_TERM_1)
    sheet = books.notice_sheet(db, marks.teacher, marks.class_id, D(2026, 11, 1), NOV_30, milestone="CK1")
    assert [n.full_name for n in sheet.notices] == ORDER and sheet.milestone_name == "Cuối học kì I"
    an = sheet.notices[0]
    assert "đi học 4/6 buổi" in an.attendance and "vắng có phép" in an.attendance
    math = next(r for r in an.results if r.subject_name == "Toán")
    assert (math.level, math.score) == ("Hoàn thành tốt", "9")
    assert sheet.notices[1].results == []  # nothing entered for Ánh at CK1
    text = " ".join(_pages(thong_bao.render(sheet)))
    assert "Toán: Hoàn thành tốt (9 điểm)" in text and "Đặng Thị Hoà" in text
    plain = books.notice_sheet(db, principal, marks.class_id, D(2026, 11, 1), NOV_30)
    assert plain.milestone_name == "" and all(n.results == [] for n in plain.notices)
    with pytest.raises(PermissionDenied):
        books.notice_sheet(db, marks.other_teacher, marks.class_id, D(2026, 11, 1), NOV_30)
