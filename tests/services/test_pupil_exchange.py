"""Pupil lists in and out of Excel (issue 3, "Excel in and out"): files a school really has."""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from nk_desktop.actor import SYSTEM
from nk_desktop.errors import PermissionDenied, ValidationError
from nk_desktop.exchange import pupils as exchange
from nk_desktop.exchange.workbook import header_key
from nk_desktop.models.journal import ChangeRecord
from nk_desktop.models.pupils import Enrolment, Pupil
from nk_desktop.models.school import SchoolClass
from nk_desktop.services import pupils, school
from nk_desktop.services.permissions import Role

D = dt.date
HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Mã định danh"]


# --- helpers -----------------------------------------------------------------------------------

def book(path: Path, rows, *, title: str | None = "DANH SÁCH HỌC SINH LỚP 4A", merges=(), formats=None,
         sheets: dict[str, list] | None = None, excel: bool = True, formula_values: dict | None = None) -> Path:
    """An .xlsx like a school's: an optional merged title row, a blank row, then *rows* from row 3.

    ``excel=True`` rewrites it the way Excel saves (shared strings, cached formula results),
    since openpyxl itself writes inline strings and formulas without results.
    """
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "DS"
    start = 1
    if title is not None:
        sheet.cell(1, 1, title)
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(rows[0]) if rows else 1, 2))
        start = 3
    for r, values in enumerate(rows, start=start):
        for c, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(r, c, value)
                if isinstance(value, (dt.date, dt.datetime)):
                    sheet.cell(r, c).number_format = "DD/MM/YYYY"
    for ref in merges:
        sheet.merge_cells(ref)
    for ref, fmt in (formats or {}).items():
        sheet[ref].number_format = fmt
    for name, extra in (sheets or {}).items():
        other = workbook.create_sheet(name)
        for values in extra:
            other.append(values)
    workbook.save(path)
    if excel:
        excelify(path, formula_values or {})
    return path


def excelify(path: Path, formula_values: dict[str, str]) -> None:
    """Move inline strings into a shared-string table and give formulas their cached text results."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    strings: list[str] = []

    def shared(match):
        strings.append(match.group(3))
        return f'<c r="{match.group(1)}"{match.group(2) or ""} t="s"><v>{len(strings) - 1}</v></c>'

    def cached(match):
        ref = match.group(1)
        if ref not in formula_values:
            return match.group(0)
        return f'<c r="{ref}"{match.group(2) or ""} t="str"><f>{match.group(3)}</f><v>{formula_values[ref]}</v></c>'

    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        xml = parts[name].decode()
        xml = re.sub(r'<c r="([A-Z]+\d+)"( s="\d+")? t="inlineStr"><is><t(?: xml:space="preserve")?>(.*?)</t></is></c>',
                     shared, xml)
        xml = re.sub(r'<c r="([A-Z]+\d+)"( s="\d+")?><f>(.*?)</f><v ?/></c>', cached, xml)
        parts[name] = xml.encode()
    sst = "".join(f'<si><t xml:space="preserve">{s}</t></si>' for s in strings)
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" '
        f'uniqueCount="{len(strings)}">{sst}</sst>').encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", (
        b'<Relationship Id="rIdSharedStrings" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def counts(db):
    with db.read() as session:
        return (session.scalar(select(func.count()).select_from(Pupil)),
                session.scalar(select(func.count()).select_from(Enrolment)),
                session.scalar(select(func.count()).select_from(ChangeRecord)))


def statuses(plan):
    return [(r.row, r.status) for r in plan.rows]


def class_names(db, actor, class_id):
    return [r.full_name for r in pupils.class_list(db, actor, class_id).rows]


def three(tmp_path, name="ds.xlsx", **kw):
    return book(tmp_path / name, [
        HEADER,
        [1, "Nguyễn Văn An", D(2017, 3, 2), "Nam", "Kinh", "3100000001"],
        [2, "Lê Thị Bình", "05/09/2017", "Nữ", "Tày", "3100000002"],
        [3, "Trần Minh Châu", "5-9-2017", "nam", "kinh", None],
    ], **kw)


# --- reading ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("header, field", [
    ("Họ và tên", "full_name"), ("Họ tên", "full_name"), ("HỌ VÀ TÊN HỌC SINH", "full_name"),
    ("Họ và tên\nhọc sinh", "full_name"), ("Ngày sinh (dd/mm/yyyy)", "date_of_birth"),
    ("Ngày, tháng, năm sinh", "date_of_birth"), ("Giới tính", "gender"), ("Nữ", "female"), ("Dân tộc", "ethnicity"),
    ("Mã định danh", "moet_code"), ("Mã định danh Bộ GD&ĐT (trên CSDL ngành)", "moet_code"),
    ("Số ĐDCN", "personal_id"), ("Mã lớp", "class"), ("Lớp", "class"), ("SĐT", "contact_phone"),
    ("Họ tên cha", "father_name"), ("Năm sinh cha", "father_birth_year"), ("Tỉnh", "province"),
    ("Quốc tịch", "nationality"), ("DANH SÁCH HỌC SINH LỚP 3A", None), ("Ghi chú khác", None),
])
def test_header_variants(header, field):
    assert exchange.column_for_header(header) == field
    assert header_key("Mã định danh Bộ GD&ĐT") == "madinhdanhbogddt"


def test_a_real_class_list_title_rows_dates_nfd_and_footer(tmp_path):
    nfd = unicodedata.normalize("NFD", "  Đặng   Thị Hoà ")
    path = book(tmp_path / "lop4a.xlsx", [
        ["TRƯỜNG TIỂU HỌC NGUYỄN KHUYẾN"],
        [],
        ["STT", "Họ và tên", unicodedata.normalize("NFD", "Ngày sinh"), "Nữ", "Dân tộc", "Mã định danh", "Ghi chú"],
        [1, nfd, D(2017, 3, 2), "x", "Kinh", "3100000001", None],
        [2, "Nguyễn Văn An", "05/09/2017", None, "Kinh", None, "  hay   ốm "],
        [],
        [3, "Lê Minh Châu", "5-9-2017", "", "Mường", None, None],
        [4, None, None, None, None, None, None],  # a numbered line nobody filled
        [5, "Phạm Thu Hà", 43000, "X", None, None, None],  # a date typed into a number cell (serial)
        [6, None, None, "x", "Kinh", None, None],  # something written, but nobody: reported as skipped
        ["Tổng số: 4 học sinh, nữ: 2"],
        [None, "Người lập biểu", None, None, "HIỆU TRƯỞNG"],
        [None, "Trần Thị Lan", None, None, "Nguyễn Văn Hùng"],
    ], merges=("A3:G3",))
    parsed = exchange.read_pupil_file(path)
    assert (parsed.sheet, parsed.header_row) == ("DS", 5)
    assert [r.row for r in parsed.rows] == [6, 7, 9, 11] and parsed.skipped == (12,)
    assert parsed.columns["date_of_birth"] == "Ngày sinh"  # shown in messages as NFC
    hoa, an, chau, ha = parsed.rows
    assert hoa.name == "Đặng Thị Hoà" and unicodedata.is_normalized("NFC", hoa.name)
    assert hoa.fields == {"family_name": "Đặng", "middle_name": "Thị", "given_name": "Hoà",
                          "date_of_birth": D(2017, 3, 2), "gender": "Nữ", "ethnicity": "Kinh",
                          "moet_code": "3100000001"}
    assert an.fields["date_of_birth"] == D(2017, 9, 5) and an.fields["gender"] == "Nam"
    assert an.fields["notes"] == "hay ốm"
    assert chau.fields["date_of_birth"] == D(2017, 9, 5)
    assert ha.fields["date_of_birth"] == D(2017, 9, 22) and ha.fields["gender"] == "Nữ"
    assert not any(r.errors for r in parsed.rows)


def test_bad_values_are_row_errors_naming_the_cell_and_value(tmp_path):
    path = book(tmp_path / "sai.xlsx", [
        HEADER,
        [1, "Nguyễn Văn An", "31/02/2017", "Nam", "Kinh", None],
        [2, 12345, D(2017, 1, 1), "Nam", "Kinh", None],
        [3, "Lê Thị Bình", "2017", "Nữ", "Kinh", None],
        [4, "Trần Văn Cường", D(2017, 1, 1), "Trai", "Kinh", None],
        [5, "Đỗ Thị Dung", D(2017, 1, 1), "Gái", "Kinh", None],
        [6, "Võ Văn Em", D(2017, 1, 1), "không rõ", "Kinh", None],
    ])
    errors = {r.row: r.errors for r in exchange.read_pupil_file(path).rows}
    assert "31/02/2017" in errors[4][0] and "C4" in errors[4][0] and "không tồn tại" in errors[4][0]
    assert "12345" in errors[5][0] and "B5" in errors[5][0]
    assert "2017" in errors[6][0] and "không đúng dạng" in errors[6][0]
    assert errors[7] == errors[8] == ()
    assert "không rõ" in errors[9][0]


def test_missing_required_column_is_named(tmp_path):
    path = book(tmp_path / "thieu.xlsx", [["STT", "Họ và tên", "Giới tính"], [1, "Nguyễn Văn An", "Nam"]])
    with pytest.raises(ValidationError, match="thiếu cột “Ngày sinh”"):
        exchange.read_pupil_file(path)
    path = book(tmp_path / "trong.xlsx", [["Một bảng gì đó"], ["không", "phải"]])
    with pytest.raises(ValidationError, match="Không tìm thấy dòng tiêu đề cột"):
        exchange.read_pupil_file(path)
    with pytest.raises(ValidationError, match=r"\.xls"):
        (tmp_path / "cu.xls").write_bytes(b"\xd0\xcf\x11\xe0")
        exchange.read_pupil_file(tmp_path / "cu.xls")
    (tmp_path / "hong.xlsx").write_text("not a zip")
    with pytest.raises(ValidationError, match="Không đọc được tệp"):
        exchange.read_pupil_file(tmp_path / "hong.xlsx")


def test_formulas_read_their_calculated_value_or_say_why_not(tmp_path):
    rows = [["STT", "Họ đệm", "Tên", "Họ và tên", "Ngày sinh", "Giới tính"],
            [1, "Nguyễn Văn", "An", '=B4&" "&C4', D(2017, 1, 2), "Nam"],
            [2, "Lê Thị", "Bình", '=B5&" "&C5', D(2017, 3, 4), "Nữ"]]
    parsed = exchange.read_pupil_file(book(tmp_path / "excel.xlsx", rows,
                                           formula_values={"D4": "Nguyễn Văn An", "D5": "Lê Thị Bình"}))
    assert [r.name for r in parsed.rows] == ["Nguyễn Văn An", "Lê Thị Bình"]
    assert not any(r.errors for r in parsed.rows)
    # A file written by a program and never opened in Excel holds no results: say so, per cell.
    parsed = exchange.read_pupil_file(book(tmp_path / "script.xlsx", rows, excel=False))
    assert "D4" in parsed.rows[0].errors[0] and "công thức" in parsed.rows[0].errors[0]


def test_the_sheet_with_the_list_is_found_and_others_ignored(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Hướng dẫn"
    workbook.active.append(["Điền danh sách vào trang tính thứ hai."])
    data = workbook.create_sheet("Lớp 4A")
    data.append(HEADER)
    data.append([1, "Nguyễn Văn An", "02/03/2017", "Nam", "Kinh", None])
    workbook.create_sheet("DAN_TOC").append(["Kinh"])
    stale = workbook.create_sheet("Năm trước", 0)  # a hidden old list in front is not the one meant
    stale.append(HEADER)
    stale.append([1, "Lê Văn Cũ", "02/03/2016", "Nam", "Kinh", None])
    stale.sheet_state = "hidden"
    workbook.active = 2
    workbook.save(tmp_path / "hai.xlsx")
    parsed = exchange.read_pupil_file(tmp_path / "hai.xlsx")
    assert parsed.sheet == "Lớp 4A" and [r.name for r in parsed.rows] == ["Nguyễn Văn An"]
    assert exchange.read_pupil_file(tmp_path / "hai.xlsx", sheet="lớp 4a").sheet == "Lớp 4A"
    assert exchange.read_pupil_file(tmp_path / "hai.xlsx", sheet="Năm trước").rows[0].name == "Lê Văn Cũ"
    with pytest.raises(ValidationError, match="không có trang tính “4B”"):
        exchange.read_pupil_file(tmp_path / "hai.xlsx", sheet="4B")


def test_merged_cells_class_over_rows_and_name_over_two_columns(tmp_path):
    path = book(tmp_path / "gop.xlsx", [
        ["STT", "Lớp", "Họ và tên", None, "Ngày sinh", "Giới tính"],
        [1, "4A", "Nguyễn Thị Ngọc", "Anh", D(2017, 1, 2), "Nữ"],
        [2, None, "Lê Văn", "Bình", D(2017, 3, 4), "Nam"],
        [3, "4B", "Trần", "Châu", D(2017, 5, 6), "Nữ"],
    ], merges=("C3:D3", "B4:B5"))
    parsed = exchange.read_pupil_file(path)
    assert [(r.class_name, r.fields["family_name"], r.fields["middle_name"], r.fields["given_name"])
            for r in parsed.rows] == [("4A", "Nguyễn", "Thị Ngọc", "Anh"), ("4A", "Lê", "Văn", "Bình"),
                                      ("4B", "Trần", "", "Châu")]


def test_two_row_header_with_gender_ticks(tmp_path):
    path = book(tmp_path / "hai_dong.xlsx", [
        ["STT", "Họ và tên", None, "Ngày sinh", "Giới tính", None, "Dân tộc"],
        [None, "Họ đệm", "Tên", None, "Nam", "Nữ", None],
        [1, "Nguyễn Thị Ngọc", "Anh", D(2017, 1, 2), None, "x", "Kinh"],
        [2, "Lê Văn", "Bình", D(2017, 3, 4), "x", None, "Kinh"],
        [3, "Trần Văn", "Cường", D(2017, 3, 4), "x", "x", "Kinh"],
    ], merges=("B3:C3", "E3:F3", "A3:A4", "D3:D4", "G3:G4"))
    parsed = exchange.read_pupil_file(path)
    assert [(r.name, r.fields.get("gender")) for r in parsed.rows] == [
        ("Nguyễn Thị Ngọc Anh", "Nữ"), ("Lê Văn Bình", "Nam"), ("Trần Văn Cường", None)]
    assert "Nam" in parsed.rows[2].errors[0]


def test_numbers_that_lost_their_leading_zero(tmp_path):
    path = book(tmp_path / "so.xlsx", [
        ["Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân", "SĐT"],
        ["Nguyễn Thị Mai", D(2017, 3, 2), "Nữ", 31317001234, 912345678],
    ])
    fields = exchange.read_pupil_file(path).rows[0].fields
    assert (fields["personal_id"], fields["contact_phone"]) == ("031317001234", "0912345678")


# --- planning and importing -----------------------------------------------------------------------

def test_import_new_class_then_reimport_changes_nothing(db, principal, people, tmp_path):
    path = three(tmp_path)
    parsed = exchange.read_pupil_file(path)
    plan = exchange.import_pupils(db, principal, parsed, _year(db, people), people.class_4a)
    assert plan.counts == {"new": 3, "updated": 0, "unchanged": 0, "error": 0}
    assert class_names(db, principal, people.class_4a) == ["Nguyễn Văn An", "Lê Thị Bình", "Trần Minh Châu"]
    with db.read() as session:
        binh = session.scalar(select(Pupil).where(Pupil.moet_code == "3100000002"))
        assert (binh.ethnicity, binh.date_of_birth, binh.folded_name) == ("Tày", D(2017, 9, 5), "le thi binh")
        chau = session.scalar(select(Pupil).where(Pupil.given_name == "Châu"))
        assert (chau.gender, chau.ethnicity) == ("Nam", "Kinh")
    before = counts(db)
    again = exchange.import_pupils(db, principal, exchange.read_pupil_file(path), _year(db, people),
                                   people.class_4a)
    assert again.counts == {"new": 0, "updated": 0, "unchanged": 3, "error": 0}
    assert counts(db) == before


def test_dry_run_changes_nothing_and_says_what_would_happen(db, principal, people, tmp_path):
    pupils.add_pupil(db, principal, people.class_4a, {"full_name": "Nguyễn Văn An", "date_of_birth": D(2017, 3, 2),
                                                      "gender": "Nam", "moet_code": "3100000001"})
    path = book(tmp_path / "ds.xlsx", [
        HEADER,
        [1, "Nguyễn Văn An", D(2017, 3, 2), "Nam", "Tày", "3100000001"],
        [2, "Lê Thị Bình", "05/09/2017", "Nữ", "Kinh", "3100000002"],
        [3, "Trần Minh Châu", "31/02/2017", "Nam", "Kinh", None],
    ])
    before = counts(db)
    plan = exchange.plan_import(db, principal, exchange.read_pupil_file(path), _year(db, people), people.class_4a)
    assert counts(db) == before
    assert statuses(plan) == [(4, "updated"), (5, "new"), (6, "error")]
    assert plan.rows[0].reason == "Dân tộc: Kinh → Tày"
    assert "31/02/2017" in plan.rows[2].reason
    assert plan.rows[0].status_label == "Cập nhật"


def test_all_or_nothing(db, principal, people, tmp_path):
    path = book(tmp_path / "mot_loi.xlsx", [
        HEADER,
        [1, "Nguyễn Văn An", D(2017, 3, 2), "Nam", "Kinh", "3100000001"],
        [2, "Lê Thị Bình", D(2017, 9, 5), "Nữ", "Kinh Tày", "3100000002"],
    ])
    before = counts(db)
    with pytest.raises(exchange.ImportRefused, match="1 dòng lỗi") as refused:
        exchange.import_pupils(db, principal, exchange.read_pupil_file(path), _year(db, people), people.class_4a)
    assert statuses(refused.value.plan) == [(4, "new"), (5, "error")]
    assert "54 dân tộc" in refused.value.plan.rows[1].reason
    assert counts(db) == before
    with pytest.raises(exchange.ImportRefused):
        exchange.apply_import(db, principal, refused.value.plan)
    assert counts(db) == before


def test_duplicates_within_the_file_name_the_earlier_row(db, principal, people, tmp_path):
    path = book(tmp_path / "trung.xlsx", [
        HEADER,
        [1, "Đặng Thị Hoà", D(2017, 3, 2), "Nữ", "Kinh", None],
        [2, "Nguyễn Văn An", D(2017, 3, 2), "Nam", "Kinh", "3100000001"],
        [3, unicodedata.normalize("NFD", "đặng thị hòa"), D(2017, 3, 2), "Nữ", "Kinh", None],
        [4, "Nguyễn Văn Bảo", D(2017, 4, 2), "Nam", "Kinh", "3100000001"],
    ])
    plan = exchange.plan_import(db, principal, exchange.read_pupil_file(path), _year(db, people), people.class_4a)
    assert statuses(plan) == [(4, "new"), (5, "new"), (6, "error"), (7, "error")]
    assert plan.rows[2].reason == "Trùng với dòng 4: cùng họ tên và ngày sinh."
    assert plan.rows[3].reason == "Trùng với dòng 5: cùng Mã định danh Bộ GD&ĐT 3100000001."


def test_namesakes_with_their_own_codes_are_not_duplicates_in_the_file(db, principal, people, tmp_path):
    """Two children with the same name and birthday (the export of a school with such namesakes must import back):
    each row's own MoET code says they are two; one row without a code is still a duplicate of the first."""
    path = book(tmp_path / "trung-ten.xlsx", [
        HEADER,
        [1, "Lê Thảo Tâm", D(2017, 8, 14), "Nữ", "Kinh", "3100000011"],
        [2, "Lê Thảo Tâm", D(2017, 8, 14), "Nữ", "Kinh", "3100000012"],
        [3, "Lê Thảo Tâm", D(2017, 8, 14), "Nữ", "Kinh", None],
    ])
    plan = exchange.plan_import(db, principal, exchange.read_pupil_file(path), _year(db, people), people.class_4a)
    assert statuses(plan) == [(4, "new"), (5, "new"), (6, "error")]
    assert plan.rows[2].reason == "Trùng với dòng 4: cùng họ tên và ngày sinh."


def test_duplicates_against_the_database(db, principal, people, tmp_path):
    hoa = pupils.add_pupil(db, principal, people.class_4a, {"full_name": "Đặng Thị Hoà", "gender": "Nữ",
                                                            "date_of_birth": D(2017, 3, 2)})
    pupils.add_pupil(db, principal, people.class_4b, {"full_name": "Lê Văn Bình", "gender": "Nam",
                                                      "date_of_birth": D(2017, 5, 6), "moet_code": "3100000009"})
    path = book(tmp_path / "db.xlsx", [
        HEADER,
        [1, "Đặng Thị Hòa", D(2017, 3, 2), "Nữ", "Kinh", "3100000005"],  # new-style tone mark, same child
        [2, "Lê Văn Bình", D(2017, 5, 6), "Nam", "Kinh", None],  # in 4B this year
        [3, "Trần Văn Cường", D(2017, 8, 9), "Nam", "Kinh", "3100000009"],  # Bình's code, another child
    ])
    plan = exchange.plan_import(db, principal, exchange.read_pupil_file(path), _year(db, people), people.class_4a)
    assert statuses(plan) == [(4, "updated"), (5, "error"), (6, "error")]
    assert plan.rows[0].pupil_id == hoa
    assert plan.rows[0].reason == ("Họ và tên: Đặng Thị Hoà → Đặng Thị Hòa; "
                                   "Mã định danh Bộ GD&ĐT: (trống) → 3100000005")
    assert "đang học lớp 4B" in plan.rows[1].reason
    assert "là của học sinh Lê Văn Bình" in plan.rows[2].reason


def test_updates_are_journaled_and_a_pupil_of_another_year_joins_the_class(db, principal, people, tmp_path):
    year = _year(db, people)
    an = pupils.add_pupil(db, principal, people.class_4a, {"full_name": "Nguyễn Văn An", "gender": "Nam",
                                                           "date_of_birth": D(2017, 3, 2), "moet_code": "3100000001"})
    other_year = school.create_school_year(db, SYSTEM, "2027-2028", D(2027, 9, 6))
    class_5a = school.create_class(db, SYSTEM, other_year, "5A")
    binh = pupils.add_pupil(db, principal, class_5a, {"full_name": "Lê Thị Bình", "gender": "Nữ",
                                                      "date_of_birth": D(2017, 4, 5), "moet_code": "3100000002"})
    path = book(tmp_path / "sua.xlsx", [
        ["Mã định danh Bộ GD&ĐT", "Họ và tên", "Ngày sinh", "Giới tính", "Điện thoại liên hệ", "Ghi chú"],
        ["3100000001", "Nguyễn Văn An", "03/02/2017", "Nam", "+84 912 345 678", None],
        ["3100000002", None, None, None, None, None],
    ])
    before = counts(db)
    plan = exchange.import_pupils(db, principal, exchange.read_pupil_file(path), year, people.class_4a)
    assert statuses(plan) == [(4, "updated"), (5, "updated")]
    assert plan.rows[0].reason == "Ngày sinh: 02/03/2017 → 03/02/2017; Điện thoại liên hệ: (trống) → 0912345678"
    assert plan.rows[1].reason == "vào lớp 4A" and plan.rows[1].name == "Lê Thị Bình"
    with db.read() as session:
        pupil = session.get(Pupil, an)
        assert (pupil.date_of_birth, pupil.contact_phone) == (D(2017, 2, 3), "0912345678")
        change = session.scalars(select(ChangeRecord).where(ChangeRecord.row_id == an)
                                 .order_by(ChangeRecord.hlc.desc())).first()
    assert change.kind == "upd" and '"contact_phone":"0912345678"' in change.fields
    # One change record for An's edit, one for Bình's new stay; no new pupil.
    assert counts(db) == (before[0], before[1] + 1, before[2] + 2)
    assert "Lê Thị Bình" in class_names(db, principal, people.class_4a)
    assert binh in {r.id for r in pupils.class_list(db, principal, class_5a).rows}


def test_error_copy_has_the_error_column_and_imports_again(db, principal, people, tmp_path):
    path = book(tmp_path / "loi.xlsx", [
        HEADER,
        [1, "Nguyễn Văn An", D(2017, 3, 2), "Nam", "Kinh", None],
        [2, "Lê Thị Bình", "31/02/2017", "Nữ", "Kinh", None],
    ])
    parsed = exchange.read_pupil_file(path)
    plan = exchange.plan_import(db, principal, parsed, _year(db, people), people.class_4a)
    out = exchange.write_error_copy(path, plan, tmp_path / "loi_kem_ghi_chu.xlsx")
    sheet = openpyxl.load_workbook(out).active
    assert sheet.cell(3, 7).value == "Lỗi"
    assert sheet.cell(4, 7).value is None and "31/02/2017" in sheet.cell(5, 7).value
    assert sheet.cell(1, 1).value == "DANH SÁCH HỌC SINH LỚP 4A"  # the rest of the file is kept
    assert "A1:F1" in {str(r) for r in sheet.merged_cells.ranges}
    # The user fixes the date in the copy and imports it: the "Lỗi" column is read past, then refreshed.
    workbook = openpyxl.load_workbook(out)
    workbook.active.cell(5, 3).value = "28/02/2017"
    workbook.save(out)
    fixed = exchange.read_pupil_file(out)
    assert "Lỗi" not in fixed.ignored and not any(r.errors for r in fixed.rows)
    again = exchange.write_error_copy(out, exchange.plan_import(db, principal, fixed, _year(db, people),
                                                                people.class_4a), tmp_path / "lan2.xlsx")
    sheet = openpyxl.load_workbook(again).active
    assert sheet.cell(3, 7).value == "Lỗi" and sheet.cell(5, 7).value is None and sheet.max_column == 7
    with pytest.raises(ValidationError, match="không ghi đè"):
        exchange.write_error_copy(path, plan, path)


def test_export_then_import_round_trips_exactly(db, principal, people, tmp_path):
    year = _year(db, people)
    records = [
        {"full_name": "Nguyễn Thị Ngọc Anh", "date_of_birth": D(2017, 1, 2), "gender": "Nữ", "ethnicity": "Tày",
         "personal_id": "031317001234", "moet_code": "3100000001", "school_code": "HS001",
         "birthplace": "Hải Phòng", "permanent_address": "số 2 Lê Lợi, phường Cầu Đất",
         "current_address": "số 5 Trần Phú", "policy_family": True, "policy_kind": "Con thương binh",
         "father_name": "Nguyễn Văn Hải", "father_job": "Công nhân", "father_phone": "0912345678",
         "mother_name": "Lê Thị Thu", "mother_job": "Giáo viên", "mother_phone": "0987654321",
         "contact_phone": "0912345678", "notes": "Dị ứng tôm"},
        {"family_name": "Tôn Nữ", "middle_name": "", "given_name": "Hoà", "date_of_birth": D(2017, 5, 6),
         "gender": "Nữ"},
        {"family_name": "Lê", "middle_name": "", "given_name": "Minh Đức", "date_of_birth": D(2017, 7, 8),
         "gender": "Nam", "ethnicity": "Ê Đê"},
    ]
    for fields in records:
        pupils.add_pupil(db, principal, people.class_4a, fields)
    pupils.add_pupil(db, principal, people.class_4b, {"full_name": "Trần Văn Bốn", "date_of_birth": D(2017, 2, 2),
                                                      "gender": "Nam"})
    out = tmp_path / "4a.xlsx"
    assert exchange.export_pupils(db, principal, year, people.class_4a, out) == 3
    sheet = openpyxl.load_workbook(out).active
    assert sheet.cell(1, 1).value.startswith("DANH SÁCH HỌC SINH LỚP 4A — NĂM HỌC ")
    assert [c.value for c in sheet[3]][:6] == ["STT", "Lớp", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc"]
    assert sheet.cell(4, 4).value == dt.datetime(2017, 1, 2) and sheet.cell(4, 4).number_format == "DD/MM/YYYY"
    assert [sheet.cell(r, 3).value for r in (4, 5, 6)] == class_names(db, principal, people.class_4a)
    before = counts(db)
    parsed = exchange.read_pupil_file(out)
    assert parsed.header_row == 3 and not parsed.ignored
    plan = exchange.import_pupils(db, principal, parsed, year, people.class_4a)
    assert plan.counts == {"new": 0, "updated": 0, "unchanged": 3, "error": 0}
    assert counts(db) == before
    # The whole school: one sheet, a class column; imported back without naming a class.
    whole = tmp_path / "truong.xlsx"
    assert exchange.export_pupils(db, principal, year, None, whole) == 4
    plan = exchange.import_pupils(db, principal, exchange.read_pupil_file(whole), year)
    assert [(r.class_name, r.status) for r in plan.rows] == [("4A", "unchanged")] * 3 + [("4B", "unchanged")]
    assert counts(db) == before


def test_a_file_with_a_class_column_needs_no_class(db, principal, people, tmp_path):
    path = book(tmp_path / "lop.xlsx", [
        ["STT", "Lớp", "Họ và tên", "Ngày sinh", "Giới tính"],
        [1, "Lớp 4A", "Nguyễn Văn An", D(2017, 3, 2), "Nam"],
        [2, "4b", "Lê Thị Bình", D(2017, 4, 2), "Nữ"],
        [3, "5C", "Trần Văn Cường", D(2016, 4, 2), "Nam"],
        [4, None, "Đỗ Văn Dũng", D(2016, 4, 2), "Nam"],
    ])
    parsed = exchange.read_pupil_file(path)
    year = _year(db, people)
    plan = exchange.plan_import(db, principal, parsed, year)
    assert statuses(plan) == [(4, "new"), (5, "new"), (6, "error"), (7, "error")]
    assert "Không có lớp 5C" in plan.rows[2].reason and "không ghi lớp" in plan.rows[3].reason
    plan = exchange.plan_import(db, principal, parsed, year, people.class_4a)
    assert [r.status for r in plan.rows] == ["new", "error", "error", "new"]
    assert "ghi lớp 4B, khác lớp đang nhập (4A)" in plan.rows[1].reason
    with pytest.raises(ValidationError, match="không có cột “Lớp”"):
        exchange.plan_import(db, principal, exchange.read_pupil_file(three(tmp_path)), year)


def test_csdl_template_updates_pupils_by_their_code(db, principal, people, tmp_path):
    an = pupils.add_pupil(db, principal, people.class_4a, {"full_name": "Nguyễn Văn An", "gender": "Nam",
                                                           "date_of_birth": D(2017, 3, 2), "moet_code": "3100000001"})
    path = book(tmp_path / "csdl.xlsx", [
        ["STT", "Mã lớp", "Mã định danh Bộ GD&ĐT (trên CSDL ngành)", "Ngày sinh (dd/mm/yyyy)", "Giới tính",
         "Dân tộc", "Quốc tịch", "Tỉnh", "Huyện", "Xã", "Họ tên cha", "Năm sinh cha", "Họ tên mẹ", "Năm sinh mẹ",
         "Số ĐDCN"],
        [1, "4A", "3100000001", "02/03/2017", "nam", "Kinh", "Việt Nam", "Thành phố Hải Phòng", None,
         "Phường Cầu Đất", "Nguyễn Văn Hải", 1985, "Lê Thị Thu", 1987, "031217001234"],
        [2, "4A", "3100000077", "02/03/2017", "Nữ", "Kinh", "Việt Nam", None, None, None, None, None, None, None,
         None],
    ], title="Cập nhật thông tin học sinh")
    parsed = exchange.read_pupil_file(path)
    assert parsed.ignored == ("Quốc tịch", "Năm sinh cha", "Năm sinh mẹ")
    plan = exchange.plan_import(db, principal, parsed, _year(db, people))
    assert statuses(plan) == [(4, "updated"), (5, "error")]
    assert "Không có học sinh nào mang Mã định danh Bộ GD&ĐT 3100000077" in plan.rows[1].reason
    path = book(tmp_path / "csdl1.xlsx", [parsed_row for parsed_row in _rows(path)[:2]],  # header + the good row
                title="Cập nhật thông tin học sinh")
    exchange.import_pupils(db, principal, exchange.read_pupil_file(path), _year(db, people))
    with db.read() as session:
        pupil = session.get(Pupil, an)
    assert (pupil.permanent_address, pupil.father_name, pupil.mother_name, pupil.personal_id) == (
        "Phường Cầu Đất, Thành phố Hải Phòng", "Nguyễn Văn Hải", "Lê Thị Thu", "031217001234")


def test_a_previewed_plan_is_refused_when_the_data_changed(db, principal, people, tmp_path):
    parsed = exchange.read_pupil_file(three(tmp_path))
    plan = exchange.plan_import(db, principal, parsed, _year(db, people), people.class_4a)
    pupils.add_pupil(db, principal, people.class_4a, {"full_name": "Nguyễn Văn An", "gender": "Nam",
                                                      "date_of_birth": D(2017, 3, 2)})
    before = counts(db)
    with pytest.raises(ValidationError, match="đã thay đổi từ lúc xem trước"):
        exchange.apply_import(db, principal, plan)
    assert counts(db) == before
    fresh = exchange.plan_import(db, principal, parsed, _year(db, people), people.class_4a)
    assert exchange.apply_import(db, principal, fresh) == {"new": 2, "updated": 1, "unchanged": 0, "error": 0}


def test_homeroom_teacher_imports_into_their_class_only(db, principal, people, tmp_path):
    teacher = people.actors[Role.GV_CHU_NHIEM]
    year = _year(db, people)
    parsed = exchange.read_pupil_file(three(tmp_path))
    before = counts(db)
    with pytest.raises(PermissionDenied, match="nhập danh sách học sinh"):
        exchange.plan_import(db, teacher, parsed, year, people.class_4b)
    with pytest.raises(PermissionDenied):
        exchange.import_pupils(db, people.actors[Role.GV_BO_MON], parsed, year, people.class_4b)
    mixed = exchange.read_pupil_file(book(tmp_path / "hai_lop.xlsx", [
        ["Lớp", "Họ và tên", "Ngày sinh", "Giới tính"],
        ["4A", "Nguyễn Văn An", D(2017, 3, 2), "Nam"], ["4B", "Lê Văn Bình", D(2017, 3, 2), "Nam"]]))
    with pytest.raises(PermissionDenied):
        exchange.import_pupils(db, teacher, mixed, year)
    assert counts(db) == before
    assert exchange.import_pupils(db, teacher, parsed, year, people.class_4a).counts["new"] == 3
    # Export: their class yes, the whole school no.
    assert exchange.export_pupils(db, teacher, year, people.class_4a, tmp_path / "4a.xlsx") == 3
    with pytest.raises(PermissionDenied):
        exchange.export_pupils(db, teacher, year, None, tmp_path / "all.xlsx")


def test_a_pupil_who_left_is_not_silently_put_back(db, principal, people, tmp_path):
    an = pupils.add_pupil(db, principal, people.class_4a, {"full_name": "Nguyễn Văn An", "gender": "Nam",
                                                           "date_of_birth": D(2017, 3, 2), "moet_code": "3100000001"})
    with db.read() as session:
        start = school.current_year(session, D(2026, 11, 29)).start_date
    pupils.transfer_out(db, principal, an, start + dt.timedelta(days=30), "Trường Tiểu học Lê Lợi")
    plan = exchange.plan_import(db, principal, exchange.read_pupil_file(three(tmp_path)), _year(db, people),
                                people.class_4a)
    assert plan.rows[0].status == "error" and "đã rời lớp 4A" in plan.rows[0].reason


@pytest.mark.slow
def test_ten_thousand_rows(db, principal, people, tmp_path):
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("DS")
    sheet.append(["DANH SÁCH HỌC SINH TOÀN TRƯỜNG"])
    sheet.append(["STT", "Lớp", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Mã định danh"])
    for i in range(10_000):
        sheet.append([i + 1, "4A" if i % 2 else "4B", f"Nguyễn Văn {_word(i)}", D(2016, 1, 1) + dt.timedelta(i % 700),
                      "Nam" if i % 3 else "Nữ", "Kinh", f"31{i:08d}"])
    workbook.save(tmp_path / "10k.xlsx")
    started = time.perf_counter()
    parsed = exchange.read_pupil_file(tmp_path / "10k.xlsx")
    plan = exchange.import_pupils(db, principal, parsed, _year(db, people))
    assert plan.counts["new"] == 10_000
    again = exchange.plan_import(db, principal, exchange.read_pupil_file(tmp_path / "10k.xlsx"), _year(db, people))
    assert again.counts["unchanged"] == 10_000
    assert time.perf_counter() - started < 60


# --- small helpers ------------------------------------------------------------------------------------

def _year(db, people):
    with db.read() as session:
        return session.get(SchoolClass, people.class_4a).year_id


def _rows(path):
    return [list(r) for r in openpyxl.load_workbook(path).active.iter_rows(min_row=3, values_only=True)]


def _word(i: int) -> str:
    letters = "abcdeghiklmnopqrstuvxy"
    word = ""
    while True:
        word, i = letters[i % len(letters)] + word, i // len(letters)
        if not i:
            return word.title()


def test_apply_plans_again_only_when_something_was_written_since_the_preview(db, principal, people, tmp_path,
                                                                            monkeypatch):
    year = _year(db, people)
    parsed = exchange.read_pupil_file(three(tmp_path))
    plans = []
    real_plan = exchange._plan
    monkeypatch.setattr(exchange, "_plan", lambda *args: plans.append(args) or real_plan(*args))
    plan = exchange.plan_import(db, principal, parsed, year, people.class_4a)
    assert plan.journal_head and len(plans) == 1
    pupils.add_pupil(db, principal, people.class_4b, {"full_name": "Lê Văn Bình", "gender": "Nam",
                                                      "date_of_birth": D(2017, 5, 6)})  # unrelated, moves the head
    assert exchange.apply_import(db, principal, plan)["new"] == 3
    assert len(plans) == 2  # planned again, found the same, written
    parsed = exchange.read_pupil_file(three(tmp_path, "lai.xlsx"))
    plan = exchange.plan_import(db, principal, parsed, year, people.class_4a)
    assert exchange.apply_import(db, principal, plan) == {"new": 0, "updated": 0, "unchanged": 3, "error": 0}
    assert len(plans) == 3  # nothing written since this preview: not planned again
