"""Issue 6 layout details: the fast grid (same text, empty cells not drawn), the Bảng tổng hợp columns in
the order of TT27 Phụ lục 2 with unsplit words, the date line of Nghị định 30 and the A4 header on one line."""

import datetime as dt
import io

from pypdf import PdfReader
from reportlab.platypus import Table, TableStyle

from nk_desktop.printing import base, danh_sach_lop, tong_hop
from nk_desktop.printing.base import GridTable, SchoolHeader, date_line, grid_style

HEADER = SchoolHeader("UBND PHƯỜNG CẦU ĐẤT", "Trường Tiểu học Nguyễn Khuyến", "Cầu Đất")


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _content(pdf: bytes) -> bytes:
    return b"".join(page.get_contents().get_data() for page in PdfReader(io.BytesIO(pdf)).pages)


def _grid_pdf(table_class, rows) -> bytes:
    table = table_class(rows, colWidths=[60, 120, 30, 30], repeatRows=1)
    table.setStyle(TableStyle(grid_style(1) + [("ALIGN", (1, 1), (1, -1), "LEFT")]))
    info = base.DocumentInfo(title="x", school="y", subject="z")
    return base.build_pdf([table], info)


def test_the_fast_grid_prints_the_same_text_and_skips_empty_cells():
    rows = [["STT", "Họ và tên", "Mức", "Điểm"]] + [[str(n), f"Nguyễn Văn Ấn {n}", "T" if n % 2 else "Đ", ""]
                                                   for n in range(1, 80)]
    plain, fast = _grid_pdf(Table, rows), _grid_pdf(GridTable, rows)
    assert _text(plain) == _text(fast) and len(_text(fast)) >= 2
    assert _content(fast).count(b"BT") == _content(plain).count(b"BT") - 79  # the 79 empty "Điểm" cells
    assert _grid_pdf(GridTable, rows) == fast  # deterministic


def _summary(milestone: str) -> tong_hop.ClassSummary:
    subjects = [tong_hop.SubjectColumn(code, name, tested) for code, name, tested in (
        ("TV", "Tiếng Việt", True), ("TOAN", "Toán", True), ("NN", "Ngoại ngữ 1", True), ("DD", "Đạo đức", False),
        ("LSDL", "Lịch sử và Địa lí", True), ("KH", "Khoa học", True), ("TH", "Tin học", True),
        ("CN", "Công nghệ", True), ("GDTC", "Giáo dục thể chất", False), ("AN", "Âm nhạc", False),
        ("MT", "Mĩ thuật", False), ("HDTN", "Hoạt động trải nghiệm", False))]
    traits = ["Đ"] * 5 + ["T"] * 3 + ["C"] * 7  # assessment_rules.TRAITS order: qualities, general, specific
    rows = [tong_hop.SummaryRow(1, "Trần Thị Thu", {"TV": "T"}, {"TV": "9"}, traits, overall="HTT",
                                award="Học sinh Tiêu biểu", completion="HT CTTH")]
    return tong_hop.ClassSummary(HEADER, "2026-2027", "5A", milestone, "Cuối năm học", subjects, rows,
                                 "Đỗ Thị Hằng", "Hồ Đức Mạnh", dt.date(2027, 5, 25))


def test_summary_columns_follow_phu_luc_2_and_words_are_not_split():
    [raw] = _text(tong_hop.render(_summary("CN")))
    words = raw.split()
    page = " ".join(words)
    assert "nghiệm" in words and "ghiệm" not in words  # "Hoạt động trải nghiệm" in a narrow column
    assert page.index("Năng lực chung") < page.index("Năng lực đặc thù") < page.index("Phẩm chất chủ yếu")
    assert "Mức đạt được Điểm KTĐK" in page and "Giải quyết vấn đề và sáng tạo" in page
    assert "Hoàn thành chương trình lớp học/Lên lớp" in page
    # general T T T, specific C×7, then qualities Đ×5 — as the columns are printed
    assert "1 Trần Thị Thu T 9 " + " ".join(["T"] * 3 + ["C"] * 7 + ["Đ"] * 5) + " HTT" in page
    assert "Cầu Đất, ngày 25 tháng 5 năm 2027" in page


def test_date_line_zero_only_before_days_under_ten_and_months_one_and_two():
    assert date_line("Cầu Đất", dt.date(2027, 1, 5)) == "Cầu Đất, ngày 05 tháng 01 năm 2027"
    assert date_line("Cầu Đất", dt.date(2026, 9, 24)) == "Cầu Đất, ngày 24 tháng 9 năm 2026"
    assert date_line("Cầu Đất", dt.date(2026, 11, 3)) == "Cầu Đất, ngày 03 tháng 11 năm 2026"


def test_a4_header_keeps_the_school_and_the_motto_on_one_line_each():
    roster = danh_sach_lop.ClassRoster(header=HEADER, year_name="2026-2027", class_name="1A",
                                       on=dt.date(2026, 11, 30), rows=[], homeroom_name="", principal_name="",
                                       sign_date=None)
    lines = _text(danh_sach_lop.render(roster))[0].splitlines()
    assert any("TRƯỜNG TIỂU HỌC NGUYỄN KHUYẾN" in line for line in lines)
    assert any("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in line for line in lines)
    assert not any(line.strip() == "KHUYẾN" for line in lines)


def test_streams_are_binary_flate_without_ascii85():
    pdf = tong_hop.render(_summary("GK1"))
    assert b"/ASCII85Decode" not in pdf and b"/FlateDecode" in pdf  # font subsets and pages: binary Flate
