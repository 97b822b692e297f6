"""The printed books laid out from plain data: text, order, repeated headers, signature lines,
"Trang x/y", paper, fonts, determinism, a 45-pupil class, the longest names, "TN&XH".

No database here: ``printing/`` takes dataclasses and returns PDF bytes (the builders that
fill the dataclasses are tested in test_books_builders.py).
"""

import calendar
import dataclasses
import datetime as dt
import io

import pytest
from pypdf import PdfReader

from nk_desktop.printing import danh_sach_lop, hoc_ba, so_diem_ca_nhan, so_goi_ten_ghi_diem as sgt, thong_bao
from nk_desktop.printing.base import SchoolHeader
from nk_desktop.printing.danh_sach_lop import RosterRow
from nk_desktop.printing.sections import page_count
from nk_desktop.services import assessment_rules as rules

from .test_books import _fonts, _pages

D = dt.date
A4_PORTRAIT = (595.28, 841.89)
A4_LANDSCAPE = (841.89, 595.28)
A3_LANDSCAPE = (1190.55, 841.89)
HEADER = SchoolHeader("UBND PHƯỜNG CẦU ĐẤT", "Trường Tiểu học Nguyễn Khuyến", "Cầu Đất")
LONGEST = "Tôn Nữ Công Tằng Thị Thanh Hương Ngọc Bảo Trân Hoàng Phương"
FAMILY_NAMES = ["Nguyễn Văn", "Lê Thị", "Trần Quốc", "Phạm Thị", "Đặng Văn"]


def names(n: int, *, longest_at: int | None = 3) -> list[str]:
    """*n* distinct names "Nguyễn Văn An 00" … in the order given (the builders sort; documents keep order)."""
    out = [f"{FAMILY_NAMES[i % 5]} An {i:02d}" for i in range(n)]
    if longest_at is not None and longest_at < n:
        out[longest_at] = f"{LONGEST} {longest_at:02d}"
    return out


def _size(pdf: bytes) -> set[tuple[float, float]]:
    return {(round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2))
            for p in PdfReader(io.BytesIO(pdf)).pages}


def _raw(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _assert_numbered(pages: list[str]) -> None:
    assert all(f"Trang {n}/{len(pages)}" in page for n, page in enumerate(pages, start=1))


def _assert_embedded(pdf: bytes) -> None:
    fonts = _fonts(pdf)
    assert fonts and all(embedded for _name, embedded in fonts), fonts
    assert {name for name, _e in fonts} <= {"LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-Italic",
                                            "LiberationSerif-BoldItalic"}


def _wrapped(raw_pages: list[str], name: str) -> bool:
    """The name's first and last words sit on different lines of one page: it wrapped inside its cell."""
    first, last = name.split()[0], name.split()[-1]
    for raw in raw_pages:
        for line in raw.splitlines():
            if first in line and LONGEST.split()[1] in line and last not in line:
                return True
    return False


def _in_order(text: str, wanted: list[str]) -> bool:
    positions = [text.find(name) for name in wanted]
    return all(p >= 0 for p in positions) and positions == sorted(positions)


# --- danh sách lớp ---------------------------------------------------------------------------

def roster(n: int = 12, class_name: str = "4A") -> danh_sach_lop.ClassRoster:
    rows = [RosterRow(i + 1, name, D(2016, 1 + i % 12, 1 + i % 28), "Nữ" if i % 2 else "Nam",
                      "Tày" if i % 7 == 0 else "Kinh", f"0012160{i:05d}", "Chuyển đến 02/10/2026" if i == 1 else "")
            for i, name in enumerate(names(n))]
    return danh_sach_lop.ClassRoster(HEADER, "2026-2027", class_name, D(2026, 11, 30), rows, "Trần Thị Gấm",
                                     "Hồ Đức Mạnh", D(2026, 12, 1))


def test_class_list_text_order_size_and_signatures():
    data = roster(12)
    pdf = danh_sach_lop.render(data)
    text = _pages(pdf)[0]
    for expected in ("DANH SÁCH HỌC SINH", "Lớp 4A — Năm học 2026-2027", "UBND PHƯỜNG CẦU ĐẤT",
                     "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "STT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc",
                     "Số định danh", "Ghi chú", "Sĩ số: 12 học sinh (Nam: 6; Nữ: 6); dân tộc thiểu số: 2.",
                     "GIÁO VIÊN CHỦ NHIỆM", "HIỆU TRƯỞNG", "Trần Thị Gấm", "Hồ Đức Mạnh",
                     "Cầu Đất, ngày 01 tháng 12 năm 2026", "Chuyển đến 02/10/2026", "001216000005", "Trang 1/1"):
        assert expected in text, expected
    assert _in_order(text, [r.full_name for r in data.rows])
    assert "02/02/2016" in text  # the second pupil's date of birth
    assert _size(pdf) == {A4_PORTRAIT}
    _assert_embedded(pdf)
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert "4A" in meta.title and meta.author == "Trường Tiểu học Nguyễn Khuyến" and "2026-2027" in meta.subject


def test_class_list_of_45_repeats_the_header_wraps_the_longest_name_and_is_deterministic():
    data = roster(45)
    pdf = danh_sach_lop.render(data)
    pages = _pages(pdf)
    assert len(pages) == 2
    _assert_numbered(pages)
    assert all("Họ và tên" in page and "Số định danh" in page and "Danh sách học sinh lớp 4A" in page
               for page in pages)
    listed = "".join(pages)
    assert _in_order(listed, [r.full_name for r in data.rows])
    assert _wrapped(_raw(pdf), data.rows[3].full_name)
    assert danh_sach_lop.render(roster(45)) == pdf


def test_class_lists_bound_in_one_file_each_class_from_a_new_page():
    pdf = danh_sach_lop.render([roster(5, "4A"), roster(5, "4B")])
    pages = _pages(pdf)
    assert len(pages) == 2 and "Lớp 4A" in pages[0] and "Lớp 4B" in pages[1]
    assert "Danh sách học sinh lớp 4B" in pages[1] and "Trang 2/2" in pages[1]


# --- sổ gọi tên và ghi điểm ----------------------------------------------------------------------

MILESTONE_NAMES = dict(rules.MILESTONE_NAMES)


def roll_sheet(month: str, pupils: list[str]) -> sgt.RollSheet:
    year, number = int(month[:4]), int(month[5:])
    days = [D(year, number, d) for d in range(1, calendar.monthrange(year, number)[1] + 1)]
    off = {d.day: ("Thứ Bảy" if d.weekday() == 5 else "Chủ nhật") for d in days if d.weekday() >= 5}
    if number == 11:
        off[24] = "Ngày Văn hóa Việt Nam"
    rows = []
    for i, name in enumerate(pupils):
        cells = {d.day: "" for d in days}
        if i == 0:
            cells.update({3: "K", 4: "P", 5: "M", 6: "K/P"})
        rows.append(sgt.RollLine(i + 1, name, cells, 2 if i == 0 else 0, 2 if i == 0 else 0, 1 if i == 0 else 0))
    return sgt.RollSheet(month, days, off, rows)


def term_book(n: int = 10, *, paper: str = "A4", months=("2026-09", "2026-10", "2026-11", "2026-12")) -> sgt.TermBook:
    pupils = names(n)
    roster_rows = [RosterRow(i + 1, name, D(2016, 1, 1 + i % 28), "Nữ" if i % 2 else "Nam", "Kinh", "")
                   for i, name in enumerate(pupils)]
    score_pages = [
        sgt.ScorePage("Toán", ["Phạm Văn Bình"], ["GK1", "CK1"], [
            sgt.ScoreLine(i + 1, name, {"GK1": "T", "CK1": "H" if i == 1 else "T"}, {"GK1": "8", "CK1": str(4 + i % 7)},
                          {"CK1": "Tính toán cẩn thận & nhanh" if i == 0 else ""}) for i, name in enumerate(pupils)]),
        sgt.ScorePage("TN&XH <thử>", ["Lê Thị Cúc", "Đỗ Văn Đạt"], [], [
            sgt.ScoreLine(i + 1, name, {"GK1": "C" if i == 2 else "H", "CK1": "H"}, {}, {})
            for i, name in enumerate(pupils)]),
    ]
    trait_pages = [sgt.TraitPage(m, [(i + 1, name, ["T"] * 14 + ["Đ"]) for i, name in enumerate(pupils)])
                   for m in ("GK1", "CK1")]
    return sgt.TermBook(HEADER, "2026-2027", "4A", 1, "Trần Thị Gấm", "Hồ Đức Mạnh", MILESTONE_NAMES, roster_rows,
                        [roll_sheet(m, pupils) for m in months], score_pages, trait_pages, paper=paper)


def test_term_book_in_the_ministrys_order_with_the_right_page_count():
    book = term_book(10)
    pdf = sgt.render(book)
    pages = _pages(pdf)
    total = len(pages)
    assert page_count(pdf) == total
    _assert_numbered(pages)
    assert "SỔ GỌI TÊN VÀ GHI ĐIỂM" in pages[0] and "Lớp: 4A" in pages[0] and "Học kì I — Năm học: 2026-2027" in pages[0]
    assert f"Sổ này có {total} trang, được đánh số từ trang 1 đến trang {total}." in pages[1]
    assert "HIỆU TRƯỞNG" in pages[1] and "Hồ Đức Mạnh" in pages[1]
    order = ["DANH SÁCH HỌC SINH", "PHẦN GỌI TÊN — THÁNG 09/2026", "PHẦN GỌI TÊN — THÁNG 10/2026",
             "PHẦN GỌI TÊN — THÁNG 11/2026", "PHẦN GỌI TÊN — THÁNG 12/2026", "PHẦN GHI ĐIỂM — MÔN TOÁN",
             "PHẦN GHI ĐIỂM — MÔN TN&XH <THỬ>", "PHẨM CHẤT CHỦ YẾU VÀ NĂNG LỰC CỐT LÕI — GIỮA HỌC KÌ I",
             "PHẨM CHẤT CHỦ YẾU VÀ NĂNG LỰC CỐT LÕI — CUỐI HỌC KÌ I"]
    first_page = [next(n for n, page in enumerate(pages) if title in page) for title in order]
    assert first_page == sorted(first_page) and first_page[0] == 2
    assert _size(pdf) == {A4_LANDSCAPE}
    _assert_embedded(pdf)
    assert sgt.render(term_book(10)) == pdf


def test_roll_sheets_carry_days_marks_totals_and_the_signature_lines():
    book = term_book(10)
    pages = _pages(sgt.render(book))
    november = next(page for page in pages if "PHẦN GỌI TÊN — THÁNG 11/2026" in page)
    assert "Số buổi trong tháng" in november and "Số học sinh vắng" in november
    assert "T2 T3 T4 T5 T6 T7 CN" in november  # 2 … 8 November 2026: Monday … Sunday
    assert "Ngày nghỉ: 24/11 (Ngày Văn hóa Việt Nam)" in november
    assert "K P M K/P" in november
    assert _in_order(november, book.pupils and [p.full_name for p in book.pupils])
    assert "Giáo viên chủ nhiệm (Trần Thị Gấm) kí xác nhận" in november
    assert "Hiệu trưởng (Hồ Đức Mạnh) kí duyệt" in november
    # Every roll page, and only those, carries the principal's line; score pages the subject teachers'.
    for page in pages:
        if "PHẦN GỌI TÊN" in page:
            assert "Hiệu trưởng (Hồ Đức Mạnh) kí duyệt" in page
        if "PHẦN GHI ĐIỂM" in page:
            assert "Giáo viên bộ môn" in page and "Giáo viên chủ nhiệm (Trần Thị Gấm) kí xác nhận" in page
            assert "Hiệu trưởng (Hồ Đức Mạnh) kí duyệt" not in page


def test_score_pages_show_each_milestone_with_test_scores_only_where_tested():
    pages = _pages(sgt.render(term_book(10)))
    math = next(page for page in pages if "PHẦN GHI ĐIỂM — MÔN TOÁN" in page)
    assert "Giữa học kì I" in math and "Cuối học kì I" in math and math.count("Điểm KTĐK") >= 2
    assert "Giáo viên bộ môn (Phạm Văn Bình) kí xác nhận" in math
    assert "Tính toán cẩn thận & nhanh" in math and "&amp;" not in math
    assert "<5: 2" in math  # CK1 scores 4 + i % 7 for ten pupils: 4 twice (i = 0, 7)
    other = next(page for page in pages if "MÔN TN&XH <THỬ>" in page)
    assert "Điểm KTĐK" not in other and "Lê Thị Cúc, Đỗ Văn Đạt" in other
    assert "0/9/1" in other  # GK1: no T, nine H, one C


def test_a_term_book_with_columns_missing_is_a_draft_with_nothing_to_sign():
    """Quy chế Điều 12.2: score pages are printed for signing once every column of the subject is entered. A book
    with blanks says so on the certification page (no principal's signature block) and on each page concerned."""
    complete = term_book(10)
    gaps = dataclasses.replace(complete.score_pages[0], rows=[
        dataclasses.replace(line, levels={"GK1": "T"}, scores={"GK1": "8"}) if line.number in (2, 5) else line
        for line in complete.score_pages[0].rows])
    book = dataclasses.replace(complete, score_pages=[gaps, complete.score_pages[1]])
    assert book.incomplete() == [("Toán", 2, 2)] and complete.incomplete() == []
    pages = _pages(sgt.render(book))
    assert "BẢN NHÁP — CHƯA ĐỦ ĐIỂM ĐỂ KÍ DUYỆT" in pages[1] and "XÁC NHẬN CỦA HIỆU TRƯỞNG" not in pages[1]
    assert "Toán: còn thiếu 2 ô mức đạt được và 2 ô điểm KTĐK." in pages[1]
    assert "(Kí tên, đóng dấu)" not in pages[1] and f"Bản in này có {len(pages)} trang" in pages[1]
    math = [page for page in pages if "PHẦN GHI ĐIỂM — MÔN TOÁN" in page]
    assert all("BẢN NHÁP: còn thiếu 2 ô mức đạt được và 2 ô điểm KTĐK" in page for page in math[-1:])
    other = next(page for page in pages if "MÔN TN&XH <THỬ>" in page)
    assert "BẢN NHÁP" not in other
    signed = _pages(sgt.render(complete))
    assert "XÁC NHẬN CỦA HIỆU TRƯỞNG" in signed[1] and "BẢN NHÁP" not in "".join(signed)


def test_term_book_of_45_on_a3_repeats_headers_and_wraps_names():
    book = term_book(45, paper="A3")
    pdf = sgt.render(book)
    pages = _pages(pdf)
    assert _size(pdf) == {A3_LANDSCAPE}
    _assert_numbered(pages)
    assert f"Sổ này có {len(pages)} trang" in pages[1]
    roll_pages = [page for page in pages if "PHẦN GỌI TÊN — THÁNG 10/2026" in page]
    assert "".join(roll_pages).count("Đặng Văn An 44") == 1
    a4 = _pages(sgt.render(term_book(45)))
    october = [page for page in a4 if "PHẦN GỌI TÊN — THÁNG 10/2026" in page]
    assert len(october) == 2  # 45 pupils do not fit one A4 sheet: the title and day header repeat
    assert all("Họ và tên học sinh" in page and "Số buổi trong tháng" in page for page in october)
    assert _in_order("".join(october), names(45))
    assert _wrapped(_raw(sgt.render(term_book(45))), names(45)[3])


def test_monthly_roll_sheets_alone():
    book = term_book(8, months=("2026-10",))
    pdf = sgt.render_months(book)
    pages = _pages(pdf)
    assert len(pages) == 1 and "PHẦN GỌI TÊN — THÁNG 10/2026" in pages[0] and "SỔ GỌI TÊN VÀ GHI ĐIỂM" not in pages[0]
    assert "Hiệu trưởng (Hồ Đức Mạnh) kí duyệt" in pages[0] and "Trang 1/1" in pages[0]


def test_paper_must_be_a4_or_a3():
    from nk_desktop.errors import ValidationError

    with pytest.raises(ValidationError, match="A4 hoặc A3"):
        sgt.render(term_book(3, paper="A5"))


# --- học bạ -------------------------------------------------------------------------------------

SUBJECTS = ["Tiếng Việt", "Toán", "Ngoại ngữ 1", "Đạo đức", "Lịch sử và Địa lí", "Khoa học", "Tin học", "Công nghệ",
            "Giáo dục thể chất", "Âm nhạc", "Mĩ thuật", "Hoạt động trải nghiệm"]


def hoc_ba_book(name: str = "Nguyễn Văn An", *, years=(("2025-2026", "3A", 3), ("2026-2027", "4A", 4))) -> hoc_ba.HocBa:
    identity = hoc_ba.PupilIdentity(name, "Nam", D(2016, 3, 5), "Kinh", "Việt Nam", "Bệnh viện Đa khoa Lâm Đồng",
                                    "số 12 Trần Phú, phường Cầu Đất", "số 12 Trần Phú, phường Cầu Đất",
                                    "Nguyễn Văn Bình", "Lê Thị Cúc", "6801234567", "068216001234")
    records = []
    for year_name, class_name, grade in years:
        subjects = [hoc_ba.SubjectLine(s, "T", "9" if s in ("Tiếng Việt", "Toán") else "",
                                       "Đọc to, rõ ràng; viết đúng chính tả & trình bày đẹp" if s == "Tiếng Việt" else "")
                    for s in SUBJECTS]
        records.append(hoc_ba.YearRecord(
            HEADER, year_name, class_name, grade, subjects,
            [hoc_ba.TraitLine(n, "T", "") for _c, n in rules.QUALITIES],
            [hoc_ba.TraitLine(n, "Đ", "Mạnh dạn hơn khi trình bày") for _c, n in rules.GENERAL_COMPETENCIES],
            [hoc_ba.TraitLine(n, "T", "") for _c, n in rules.SPECIFIC_COMPETENCIES],
            "Hoàn thành tốt", "", "Hoàn thành chương trình lớp học", "Trần Thị Gấm", "Hồ Đức Mạnh"))
    history = [hoc_ba.StudyLine(y, c, "Trường Tiểu học Nguyễn Khuyến", "Đầu năm học") for y, c, _g in years]
    return hoc_ba.HocBa(HEADER, identity, history, records, "Hồ Đức Mạnh", years[-1][1])


def test_hoc_ba_identity_page_then_one_page_per_year():
    pdf = hoc_ba.render(hoc_ba_book())
    pages = _pages(pdf)
    assert len(pages) == 3
    _assert_numbered(pages)
    identity = pages[0]
    for expected in ("HỌC BẠ", "Họ và tên học sinh: Nguyễn Văn An", "Giới tính: Nam", "Ngày, tháng, năm sinh: 05/03/2016",
                     "Dân tộc: Kinh", "Nơi sinh: Bệnh viện Đa khoa Lâm Đồng", "Quê quán", "Nơi ở hiện nay",
                     "Họ và tên cha: Nguyễn Văn Bình", "Họ và tên mẹ: Lê Thị Cúc", "Mã định danh học sinh: 6801234567",
                     "QUÁ TRÌNH HỌC TẬP", "2025-2026 3A", "2026-2027 4A", "HIỆU TRƯỞNG"):
        assert expected in identity, expected
    for page, (year, class_name) in zip(pages[1:], (("2025-2026", "3A"), ("2026-2027", "4A"))):
        for expected in (f"Lớp: {class_name}", f"Năm học: {year}", "1. Các môn học và hoạt động giáo dục",
                         "Mức đạt được", "Điểm KTĐK", "2. Những phẩm chất chủ yếu", "3. Những năng lực cốt lõi",
                         "Năng lực chung", "Năng lực đặc thù", "Giải quyết vấn đề và sáng tạo",
                         "4. Đánh giá kết quả giáo dục: Hoàn thành tốt",
                         "6. Hoàn thành chương trình lớp học / chương trình tiểu học: Hoàn thành chương trình lớp học",
                         "XÁC NHẬN CỦA HIỆU TRƯỞNG", "GIÁO VIÊN CHỦ NHIỆM", "Trần Thị Gấm", "Hồ Đức Mạnh",
                         "Tiếng Việt T 9", "viết đúng chính tả & trình bày đẹp"):
            assert expected in page, expected
        assert _in_order(page, SUBJECTS)
    assert _size(pdf) == {A4_PORTRAIT}
    _assert_embedded(pdf)
    assert hoc_ba.render(hoc_ba_book()) == pdf


def test_hoc_ba_of_a_class_keeps_pupils_in_the_given_order_each_from_a_new_page():
    books = [hoc_ba_book(name) for name in names(4)]
    pdf = hoc_ba.render(books)
    pages = _pages(pdf)
    assert len(pages) == 12
    starts = [n for n, page in enumerate(pages) if "HỌC SINH TIỂU HỌC" in page]
    assert starts == [0, 3, 6, 9]
    assert all(name.split()[-1] in pages[start] for name, start in zip(names(4), starts))
    assert all("Học bạ của học sinh" in page for page in pages)
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert meta.title == "Học bạ lớp 4A" and "4 học sinh" in meta.subject


def test_hoc_ba_longest_name_and_special_characters():
    pdf = hoc_ba.render(hoc_ba_book(f"{LONGEST} Nữ"))
    pages = _pages(pdf)
    assert f"Họ và tên học sinh: {LONGEST} Nữ" in pages[0]
    assert f"{LONGEST} Nữ" in pages[1] and "&amp;" not in pages[1]


# --- sổ điểm cá nhân ------------------------------------------------------------------------------

def personal_book(n: int = 45) -> so_diem_ca_nhan.PersonalBook:
    return so_diem_ca_nhan.PersonalBook(HEADER, "2026-2027", 1, "Phạm Văn Bình", [
        so_diem_ca_nhan.MarkBookSection("4A", "Toán", list(enumerate(names(n), start=1))),
        so_diem_ca_nhan.MarkBookSection("4B", "TN&XH", list(enumerate(names(5, longest_at=None), start=1)))])


def test_personal_mark_book_has_a_cover_and_one_headed_section_per_class_and_subject():
    pdf = so_diem_ca_nhan.render(personal_book())
    pages = _pages(pdf)
    _assert_numbered(pages)
    assert "SỔ ĐIỂM CÁ NHÂN" in pages[0] and "Giáo viên: Phạm Văn Bình" in pages[0]
    assert "Học kì I — Năm học 2026-2027" in pages[0] and "Lớp 4A — Toán (45 học sinh)" in pages[0]
    math = [page for page in pages if "LỚP 4A — MÔN TOÁN — HỌC KÌ I — NĂM HỌC 2026-2027" in page]
    assert len(math) == 2  # 45 ruled rows need two pages; the heading repeats
    assert all("Họ và tên học sinh" in page and "Ghi chú" in page for page in math)
    assert _in_order("".join(math), names(45))
    assert _wrapped(_raw(pdf), names(45)[3])
    assert any("LỚP 4B — MÔN TN&XH — HỌC KÌ I" in page for page in pages)
    assert "lớp 4B, TN&XH" in pages[-1]
    assert _size(pdf) == {A4_PORTRAIT}
    _assert_embedded(pdf)
    assert so_diem_ca_nhan.render(personal_book()) == pdf


# --- thông báo ----------------------------------------------------------------------------------

def notices(n: int = 7, *, results: bool = True) -> thong_bao.NoticeSheet:
    lines = [thong_bao.NoticeResult(s, "Hoàn thành tốt", "9" if s == "Toán" else "") for s in SUBJECTS[:6]]
    return thong_bao.NoticeSheet(HEADER, "2026-2027", "4A", "từ 01/10 đến 31/10/2026", "Cuối học kì I" if results else "",
                                 "Trần Thị Gấm", [
        thong_bao.ParentNotice(i + 1, name, "0912345678",
                               f"Lớp 4A, từ 01/10 đến 31/10/2026: em {name} đi học 42/44 buổi; 05/10 sáng: vắng có "
                               f"phép (ốm).", lines if results else [])
        for i, name in enumerate(names(n))])


def test_parent_notices_several_per_page_with_cut_lines():
    data = notices(7)
    pdf = thong_bao.render(data)
    pages = _pages(pdf)
    assert len(pages) == 3  # three blocks with results per A4 page
    _assert_numbered(pages)
    text = " ".join(pages)
    assert text.count("PHIẾU THÔNG BÁO GỬI CHA MẸ HỌC SINH") == 7
    assert text.count("cắt theo đường này") == 6
    assert _in_order(text, [n.full_name for n in data.notices])
    assert "Kết quả đánh giá cuối học kì I" in text and "Toán: Hoàn thành tốt (9 điểm)" in text
    assert "đi học 42/44 buổi" in text and "Giáo viên chủ nhiệm" in text and "Trần Thị Gấm" in text
    # A block never splits: each pupil's name and its parents' line are on the same page.
    for notice in data.notices:
        page = next(p for p in pages if f"Học sinh: {notice.full_name}" in p)
        assert page.index("Ý kiến của cha mẹ học sinh", page.index(f"Học sinh: {notice.full_name}")) > 0
    assert _size(pdf) == {A4_PORTRAIT}
    _assert_embedded(pdf)
    assert thong_bao.render(notices(7)) == pdf
    assert len(_pages(thong_bao.render(notices(8, results=False)))) == 2  # four attendance-only blocks per page
