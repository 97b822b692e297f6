"""Printed books: the binding margin (Nghị định 30/2020, vn-primary-rules §3.5) and the teachers' confirmation under
every page of the class summary (regulation 39/QC-THNK Điều 12.2). Laid out from plain data, no database."""

import io

import pytest
from pypdf import PdfReader

from nk_desktop.printing import danh_sach_lop, hoc_ba, so_diem_ca_nhan, so_goi_ten_ghi_diem as sgt, tong_hop
from tests.services.test_books import _pages
from tests.services.test_books_documents import HEADER, hoc_ba_book, personal_book, roster, term_book

MM = 72 / 25.4

DOCUMENTS = {
    "danh sách lớp (A4 dọc)": lambda: danh_sach_lop.render(roster(40)),
    "sổ gọi tên và ghi điểm (A4 ngang)": lambda: sgt.render(term_book(10)),
    "sổ gọi tên và ghi điểm (A3 ngang)": lambda: sgt.render(term_book(45, paper="A3")),
    "học bạ (A4 dọc)": lambda: hoc_ba.render(hoc_ba_book()),
    "sổ điểm cá nhân (A4 dọc)": lambda: so_diem_ca_nhan.render(personal_book()),
    "bảng tổng hợp (A3 ngang)": lambda: tong_hop.render(summary(45)),
}


def summary(n: int) -> tong_hop.ClassSummary:
    subjects = [tong_hop.SubjectColumn("TV", "Tiếng Việt", True), tong_hop.SubjectColumn("TOAN", "Toán", True),
                tong_hop.SubjectColumn("DD", "Đạo đức", False)]
    rows = [tong_hop.SummaryRow(i + 1, f"Nguyễn Thị Thanh Hương {i:02d}", {"TV": "T", "TOAN": "H", "DD": "T"},
                                {"TV": "9", "TOAN": "7"}, ["T"] * 15) for i in range(n)]
    return tong_hop.ClassSummary(header=HEADER, year_name="2026-2027", class_name="4A", milestone="CK1",
                                 milestone_name="Cuối học kì I", subjects=subjects, rows=rows,
                                 homeroom_name="Đỗ Thị Hằng", principal_name="Hồ Đức Mạnh", sign_date=None)


def _text_starts(pdf: bytes):
    """Per page: (page height, [(x, y) where each run of text starts]) in points from the bottom-left corner."""
    pages = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        starts = []

        def visit(text, cm, tm, _font, _size, starts=starts):
            if text.strip():
                starts.append((tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))
        page.extract_text(visitor_text=visit)
        pages.append((float(page.mediabox.height), starts))
    return pages


@pytest.mark.parametrize("document", list(DOCUMENTS))
def test_books_keep_a_30_to_35_mm_binding_margin_and_a_20_mm_top_margin(document):
    """Nghị định 30/2020 (vn-primary-rules §3.5): left margin 30–35 mm for binding, top margin at least 20 mm —
    no text of any page starts inside them, and the body does start within 35 mm of the edge."""
    pages = _text_starts(DOCUMENTS[document]())
    leftmost = min(x for _h, starts in pages for x, _y in starts)
    assert 30 * MM - 0.5 <= leftmost <= 35 * MM, leftmost / MM
    for height, starts in pages:
        assert all(x >= 30 * MM - 0.5 for x, _y in starts)
        assert all(height - y >= 20 * MM for _x, y in starts), min(height - y for _x, y in starts) / MM


def test_every_page_of_the_class_summary_has_the_teachers_confirmation():
    """Điều 12.2: "GVBM và GVCN kiểm tra xong sẽ ký xác nhận vào dưới mỗi trang in": a 45-pupil summary runs over
    two pages and each page carries both confirmation lines; the principal's signature block comes once, at the end."""
    pages = _pages(tong_hop.render(summary(45)))
    assert len(pages) >= 2
    for page in pages:
        assert "Xác nhận của giáo viên bộ môn" in page and "Xác nhận của giáo viên chủ nhiệm" in page
    assert "Hồ Đức Mạnh" in pages[-1] and all("Hồ Đức Mạnh" not in page for page in pages[:-1])
