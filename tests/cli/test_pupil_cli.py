"""nk-admin import-pupils / export-pupils: exit codes 0 done, 1 invalid with nothing changed, 2 wrong usage."""

import datetime as dt
import os
import shutil
import sqlite3

import openpyxl
import pytest

from nk_desktop.cli import main

PASSWORD = "matkhau123"
HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc"]


@pytest.fixture(scope="module")
def school_file(tmp_path_factory):
    from nk_desktop.actor import SYSTEM
    from nk_desktop.db import open_database
    from nk_desktop.services import school

    path = tmp_path_factory.mktemp("cli_pupils") / "truong.sqlite"
    os.environ["NK_PASSWORD"] = PASSWORD
    try:
        assert main(["--db", str(path), "init", "--school", "Trường Tiểu học Nguyễn Khuyến"]) == 0
    finally:
        del os.environ["NK_PASSWORD"]
    db = open_database(path)
    with db.read() as session:
        year = school.current_year(session)
    school.create_class(db, SYSTEM, year.id, "4A")
    school.create_class(db, SYSTEM, year.id, "4B")
    db.dispose()
    return path, year.name, year.start_date


@pytest.fixture
def school(tmp_path, school_file, monkeypatch):
    path = tmp_path / "truong.sqlite"
    shutil.copyfile(school_file[0], path)
    monkeypatch.setenv("NK_PASSWORD", PASSWORD)
    return path


@pytest.fixture
def year(school_file):
    return school_file[1]


def born(school_file, years=8, days=0):
    """A birthday that makes a pupil the right age for the school year the fixture made."""
    start = school_file[2]
    return dt.date(start.year - years, 3, 2) + dt.timedelta(days=days)


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def workbook(path, rows, title="DANH SÁCH HỌC SINH LỚP 4A"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([title])
    sheet.append([])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def counts(path):
    with sqlite3.connect(path) as conn:
        return tuple(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                     for t in ("pupil", "enrolment", "change_record", "audit_entry"))


def good_file(tmp_path, school_file, name="lop4a.xlsx"):
    return workbook(tmp_path / name, [
        HEADER,
        [1, "Nguyễn Văn An", born(school_file), "Nam", "Kinh"],
        [2, "Lê Thị Bình", born(school_file, days=40).strftime("%d/%m/%Y"), "Nữ", "Tày"],
    ])


def test_import_then_reimport(capsys, school, year, school_file, tmp_path):
    path = good_file(tmp_path, school_file)
    code, out, err = run(capsys, "--db", school, "--user", "hieutruong", "import-pupils", path,
                         "--year", year, "--class", "4a")
    assert code == 0, err
    assert "thêm mới 2, cập nhật 0, không đổi 0, lỗi 0" in out
    before = counts(school)
    code, out, _err = run(capsys, "--db", school, "--user", "hieutruong", "import-pupils", path,
                          "--year", year, "--class", "4A")
    assert code == 0 and "thêm mới 0, cập nhật 0, không đổi 2" in out
    assert counts(school) == before


def test_dry_run_lists_rows_and_writes_nothing(capsys, school, year, school_file, tmp_path):
    path = good_file(tmp_path, school_file)
    before = counts(school)
    code, out, err = run(capsys, "--db", school, "--user", "hieutruong", "import-pupils", path,
                         "--year", year, "--class", "4A", "--dry-run", "--format", "csv")
    assert code == 0
    assert out.splitlines() == ["row,status,name,class,detail", "4,new,Nguyễn Văn An,4A,", "5,new,Lê Thị Bình,4A,"]
    assert "chưa ghi gì" in err
    assert counts(school) == before


def test_one_bad_row_exits_1_writes_nothing_and_saves_the_error_copy(capsys, school, year, school_file, tmp_path):
    path = workbook(tmp_path / "loi.xlsx", [
        HEADER,
        [1, "Nguyễn Văn An", born(school_file), "Nam", "Kinh"],
        [2, "Lê Thị Bình", f"31/02/{born(school_file).year}", "Nữ", "Kinh"],
        [3, "Trần Văn Cường", born(school_file), "Nam", "Kinh Tày"],
    ])
    before = counts(school)
    errors = tmp_path / "loi_ghi_chu.xlsx"
    code, out, err = run(capsys, "--db", school, "--user", "hieutruong", "import-pupils", path,
                         "--year", year, "--class", "4A", "--errors", errors)
    assert code == 1 and out == ""
    assert "Có 2 dòng lỗi" in err and "Dòng 5:" in err and "31/02/" in err and "Dòng 6:" in err
    assert counts(school) == before
    sheet = openpyxl.load_workbook(errors).active
    assert sheet.cell(3, 6).value == "Lỗi" and "31/02/" in sheet.cell(5, 6).value and sheet.cell(4, 6).value is None
    code, _out, err = run(capsys, "--db", school, "--user", "hieutruong", "import-pupils", path,
                          "--year", year, "--class", "4A", "--dry-run")
    assert code == 1 and "Có 2 dòng lỗi" in err
    assert counts(school) == before


def test_class_may_be_left_out_when_the_file_has_a_class_column(capsys, school, year, school_file, tmp_path):
    path = workbook(tmp_path / "truong.xlsx", [
        ["STT", "Lớp", "Họ và tên", "Ngày sinh", "Giới tính"],
        [1, "4A", "Nguyễn Văn An", born(school_file), "Nam"],
        [2, "4B", "Lê Thị Bình", born(school_file), "Nữ"],
    ], title="DANH SÁCH HỌC SINH TOÀN TRƯỜNG")
    code, out, err = run(capsys, "--db", school, "--user", "hieutruong", "import-pupils", path, "--year", year)
    assert code == 0 and "thêm mới 2" in out, err
    before = counts(school)
    code, _out, err = run(capsys, "--db", school, "--user", "hieutruong", "import-pupils",
                          good_file(tmp_path, school_file), "--year", year)
    assert code == 2 and "--class" in err
    assert counts(school) == before


@pytest.mark.parametrize("argv", [
    ["import-pupils"], ["import-pupils", "x.xlsx"], ["import-pupils", "x.xlsx", "--year"],
    ["export-pupils", "--year", "2025-2026"], ["export-pupils", "--out", "x.xlsx"],
])
def test_wrong_usage_exits_2(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2


def test_refusals_exit_1(capsys, school, year, school_file, tmp_path):
    path = good_file(tmp_path, school_file)
    before = counts(school)
    for argv, message in [
        (["import-pupils", tmp_path / "khong_co.xlsx", "--year", year, "--class", "4A"], "Không tìm thấy tệp"),
        (["import-pupils", path, "--year", year, "--class", "9Z"], "Không có lớp 9Z"),
        (["import-pupils", path, "--year", "1999-2000", "--class", "4A"], "Chưa có năm học 1999-2000"),
    ]:
        code, _out, err = run(capsys, "--db", school, "--user", "hieutruong", *argv)
        assert code == 1 and message in err, err
    missing = workbook(tmp_path / "thieu.xlsx", [["STT", "Họ và tên", "Giới tính"], [1, "Nguyễn Văn An", "Nam"]])
    code, _out, err = run(capsys, "--db", school, "--user", "hieutruong", "import-pupils", missing,
                          "--year", year, "--class", "4A")
    assert code == 1 and "“Ngày sinh”" in err
    assert counts(school) == before


def test_export_and_import_back_unchanged(capsys, school, year, school_file, tmp_path):
    assert run(capsys, "--db", school, "--user", "hieutruong", "import-pupils", good_file(tmp_path, school_file),
               "--year", year, "--class", "4A")[0] == 0
    out_file = tmp_path / "xuat_4a.xlsx"
    code, out, _err = run(capsys, "--db", school, "--user", "hieutruong", "export-pupils", "--year", year,
                          "--class", "4A", "--out", out_file)
    assert code == 0 and "Đã xuất 2 học sinh" in out
    assert openpyxl.load_workbook(out_file).active.cell(1, 1).value == f"DANH SÁCH HỌC SINH LỚP 4A — NĂM HỌC {year}"
    before = counts(school)
    code, out, _err = run(capsys, "--db", school, "--user", "hieutruong", "import-pupils", out_file, "--year", year)
    assert code == 0 and "không đổi 2" in out
    assert counts(school) == before
    whole = tmp_path / "toan_truong.xlsx"
    code, out, _err = run(capsys, "--db", school, "--user", "hieutruong", "export-pupils", "--year", year,
                          "--out", whole)
    assert code == 0 and "Đã xuất 2 học sinh" in out and whole.is_file()
    code, _out, err = run(capsys, "--db", school, "--user", "hieutruong", "export-pupils", "--year", year,
                          "--out", tmp_path / "x.csv")
    assert code == 2 and ".xlsx" in err
