"""A week's parents' notice printed through the print centre's path (both backends): dates, counts, results, log."""

import dataclasses
import datetime as dt

import pytest

from nk_desktop.errors import PermissionDenied, ValidationError
from nk_desktop.services import books, gradebook
from nk_desktop.services.gradebook import CellEdit

from .test_books import _pages
from .test_books_builders import _roll
from .test_gradebook import IN_TERM_1, marks  # noqa: F401  (fixture)

D = dt.date


def test_weekly_notice_printed_through_the_print_path(db, marks, people, principal):
    """A week's notice (Monday 02/11 – Sunday 08/11/2026): the week's dates, the counts, the results; logged."""
    _roll(db, marks)
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1", [
        CellEdit(marks.an, "level", "T"), CellEdit(marks.an, "score", 9)], on=IN_TERM_1)
    request = books.PrintRequest(kind="thong_bao", year_id=marks.year_id, class_id=marks.class_id,
                                 week=D(2026, 11, 4), milestone="CK1")  # any day of the week
    document = books.render_document(db, marks.teacher, request)
    assert document.period == "2026-W45" and document.filename == "thong-bao-4A-2026-W45.pdf"
    assert document.title == "Thông báo gửi cha mẹ học sinh lớp 4A — tuần 02/11–08/11/2026"
    pages = _pages(document.pdf)
    text = " ".join(pages)
    assert "Chuyên cần: Lớp 4A, từ 02/11 đến 08/11/2026: em Nguyễn Văn An" in text
    assert "01/11" not in text and "09/11" not in text
    assert text.count("PHIẾU THÔNG BÁO GỬI CHA MẸ HỌC SINH") == 3
    an = text[text.index("Học sinh: Nguyễn Văn An"):text.index("Học sinh: Lê Thị Ánh")]
    assert "đi học 4/6 buổi" in an and "04/11 sáng: vắng có phép (Ốm)" in an
    assert "Kết quả đánh giá cuối học kì I:" in an and "Toán: Hoàn thành tốt (9 điểm)" in an
    hoa = text[text.index("Học sinh: Đặng Thị Hoà"):]
    assert "đi học 4/6 buổi" in hoa and "05/11 sáng: vắng không phép" in hoa
    anh = text[text.index("Học sinh: Lê Thị Ánh"):text.index("Học sinh: Đặng Thị Hoà")]
    assert "đi học 6/6 buổi" in anh and "03/11 sáng: đi muộn" in anh
    # The same week from its Sunday; the week and the month are never both given.
    assert books.render_document(db, marks.teacher, dataclasses.replace(request, week=D(2026, 11, 8))).pdf
    with pytest.raises(ValidationError, match="không chọn cả hai"):
        books.render_document(db, marks.teacher, dataclasses.replace(request, month="2026-11"))
    with pytest.raises(ValidationError, match="hãy chọn tuần hoặc tháng"):
        books.render_document(db, marks.teacher, dataclasses.replace(request, week=None))
    with pytest.raises(PermissionDenied):
        books.render_document(db, marks.other_teacher, request)
    books.record_document(db, marks.teacher, document)
    [row] = books.print_log(db, principal, marks.year_id)
    assert (row.kind, row.period, row.class_name, row.pages) == ("thong_bao", "2026-W45", "4A", len(pages))


def test_a_week_for_several_classes_in_one_bound_file(db, marks, people, principal):
    _roll(db, marks)
    week = [books.PrintRequest(kind="thong_bao", year_id=marks.year_id, class_id=class_id, week=D(2026, 11, 2))
            for class_id in (marks.class_id, people.class_4b)]
    bound = books.render_bound(db, principal, week)
    assert bound.period == "2026-W45" and bound.filename == "thong-bao-ca-truong-2026-W45.pdf"
    assert bound.title == "Thông báo gửi cha mẹ học sinh — 2 lớp — tuần 02/11–08/11/2026"
    assert "Lớp 4A, từ 02/11 đến 08/11/2026: em Nguyễn Văn An đi học 4/6 buổi" in " ".join(_pages(bound.pdf))
