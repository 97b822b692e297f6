"""Printed books: text, order, headers, signatures, page numbers, fonts, page size, determinism."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from nk_desktop.actor import SYSTEM
from nk_desktop.errors import PermissionDenied
from nk_desktop.printing import bien_ban, tong_hop
from nk_desktop.services import books, corrections, gradebook, pupils, school
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Role

from .test_corrections_and_results import EVIDENCE
from .test_gradebook import IN_TERM_1, marks  # noqa: F401  (fixture)

D = dt.date
A3_LANDSCAPE = (1190.55, 841.89)


def _pages(pdf: bytes) -> list[str]:
    """Each page's text with line breaks and runs of spaces folded (cells wrap inside narrow columns)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def _fonts(pdf: bytes) -> set[str]:
    found = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object()
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.add((str(font["/BaseFont"]).split("+")[-1], embedded))
    return found


@pytest.fixture
def summary_pdf(db, marks, principal):
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1", [
        CellEdit(marks.an, "level", "T"), CellEdit(marks.an, "score", 9),
        CellEdit(marks.hoa, "level", "H"), CellEdit(marks.hoa, "score", 4)], on=IN_TERM_1)
    gradebook.save_trait_cells(db, marks.teacher, marks.class_id, "CK1",
                               [CellEdit(marks.anh, "level", "Đ", trait="CHAM_CHI")], on=IN_TERM_1)
    data = books.class_summary(db, principal, marks.class_id, "CK1", sign_date=D(2027, 1, 15))
    return data, tong_hop.render(data)


def test_summary_text_in_official_order_with_values(summary_pdf):
    data, pdf = summary_pdf
    text = _pages(pdf)[0]
    assert "BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC CỦA LỚP" in text
    assert "Lớp 4A — Cuối học kì I — Năm học 2026-2027" in text
    assert text.index("Nguyễn Văn An") < text.index("Lê Thị Ánh") < text.index("Đặng Thị Hoà")
    assert "UBND PHƯỜNG CẦU ĐẤT" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "Cầu Đất, ngày 15 tháng 01 năm 2027" in text
    assert "GIÁO VIÊN CHỦ NHIỆM" in text and "HIỆU TRƯỞNG" in text
    assert "Xác nhận của giáo viên bộ môn" in text and "Trang 1/1" in text
    an = data.rows[0]
    assert an.full_name == "Nguyễn Văn An" and an.levels["TOAN"] == "T" and an.scores["TOAN"] == "9"
    assert data.rows[2].scores["TOAN"] == "4" and data.rows[1].traits[2] == "Đ"


def test_summary_is_a3_landscape_with_embedded_fonts_and_metadata(summary_pdf):
    _data, pdf = summary_pdf
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == A3_LANDSCAPE
    fonts = _fonts(pdf)
    assert fonts and all(embedded for _name, embedded in fonts)
    assert {name for name, _e in fonts} <= {"LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-Italic",
                                            "LiberationSerif-BoldItalic"}
    meta = reader.metadata
    assert meta.title.startswith("Bảng tổng hợp") and "4A" in meta.subject and meta.author


def test_same_data_same_bytes(summary_pdf):
    data, pdf = summary_pdf
    assert tong_hop.render(data) == pdf


def test_a_45_pupil_class_repeats_the_header_and_never_splits_a_row(db, principal, people):
    for n in range(45):
        pupils.add_pupil(db, SYSTEM, people.class_4b, {
            "full_name": f"Nguyễn Thị Thanh Hương Ngọc Bảo Trân {n:02d}", "date_of_birth": D(2016, 1, 1),
            "gender": "Nữ"}, allow_same_name=True)
    data = books.class_summary(db, principal, people.class_4b, "GK1")
    pages = _pages(tong_hop.render(data))
    assert len(pages) >= 2
    assert all("Họ và tên học sinh" in page and "Phẩm chất chủ yếu" in page for page in pages)
    assert all(f"Trang {n}/{len(pages)}" in page for n, page in enumerate(pages, start=1))
    listed = [n for n in range(45) if any(f"Trân {n:02d}" in page for page in pages)]
    assert listed == list(range(45))


def test_special_characters_print_as_written():
    from nk_desktop.printing.base import SchoolHeader

    data = tong_hop.ClassSummary(
        header=SchoolHeader("UBND PHƯỜNG CẦU ĐẤT", "Trường Tiểu học Nguyễn Khuyến", "Cầu Đất"),
        year_name="2026-2027", class_name="3A", milestone="GK1", milestone_name="Giữa học kì I",
        subjects=[tong_hop.SubjectColumn("TNXH", "TN&XH <thử>", False)],
        rows=[tong_hop.SummaryRow(1, "Lê Thị B & C", {"TNXH": "T"}, {}, [""] * 15)],
        homeroom_name="Đỗ Thị Hằng", principal_name="Hồ Đức Mạnh", sign_date=None)
    text = _pages(tong_hop.render(data))[0]
    assert "TN&XH <thử>" in text and "Lê Thị B & C" in text and "&amp;" not in text and "TN&XH;" not in text
    assert "Cầu Đất, ngày ..... tháng ..... năm" in text


def test_teachers_print_only_classes_they_may_read(db, marks, people):
    with pytest.raises(PermissionDenied):
        books.class_summary(db, marks.other_teacher, marks.class_id, "CK1")


def test_correction_minutes(db, marks, principal, people):
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "GK1",
                                 [CellEdit(marks.an, "level", "H")], on=D(2026, 10, 30))
    request = corrections.request_correction(
        db, marks.teacher, class_id=marks.class_id, pupil_id=marks.an, milestone="GK1", field="level",
        new_value="T", reason="Nhập nhầm hàng với bạn An khác lớp", subject_id=marks.math, evidence=EVIDENCE,
        on=IN_TERM_1)
    corrections.decide_correction(db, principal, request, approve=True, remark="Đồng ý")
    corrections.apply_correction(db, people.actors[Role.QUAN_TRI_CSDL], request)
    minutes = books.correction_minutes(db, principal, request)
    text = _pages(bien_ban.render(minutes))[0]
    for expected in ("BIÊN BẢN SỬA CHỮA ĐIỂM, SỬA CHỮA MỨC ĐÁNH GIÁ", "Nguyễn Văn An", "Hoàn thành tốt",
                     "Nhập nhầm hàng với bạn An khác lớp", "so-ca-nhan-trang-12.jpg", "bai-kiem-tra-an.pdf",
                     "GIÁO VIÊN MÔN HỌC", "CÁN BỘ QUẢN TRỊ HỆ THỐNG", "HIỆU TRƯỞNG", "Giữa học kì I", "Toán"):
        assert expected in text, expected
    assert minutes.old_value == "Hoàn thành" and minutes.teacher_name == "Trần Thị Gvchunhiem"
    with pytest.raises(PermissionDenied):
        books.correction_minutes(db, marks.other_teacher, request)
