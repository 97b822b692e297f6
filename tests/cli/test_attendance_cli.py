"""nk-admin attendance export / import: exit codes 0 done, 1 refused with nothing written, 2 wrong usage.

"Today" is Monday 30/11/2026 (24/11 is a public holiday).
"""

import datetime as dt
import shutil
import sqlite3

import openpyxl
import pytest

from nk_desktop.cli import main
from nk_desktop.exchange import attendance as sheet

PASSWORD = "matkhau123"
TODAY = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def school_file(tmp_path_factory):
    from nk_desktop.actor import SYSTEM
    from nk_desktop.db import open_database
    from nk_desktop.services import accounts, attendance, pupils, school, staff
    from nk_desktop.services.permissions import Role
    from nk_desktop.services.setup import init_school

    path = tmp_path_factory.mktemp("cli_attendance") / "truong.sqlite"
    db = open_database(path)
    init_school(db, "Trường Tiểu học Nguyễn Khuyến", PASSWORD, on=TODAY)
    with db.read() as session:
        year = school.current_year(session, TODAY)
    lan = staff.create_staff(db, SYSTEM, family_name="Trần", middle_name="Thị", given_name="Lan", gender="Nữ")
    accounts.create_account(db, SYSTEM, username="gvcn4a", staff_id=lan, roles=[Role.GV_CHU_NHIEM],
                            password=PASSWORD, must_change=False)
    class_4a = school.create_class(db, SYSTEM, year.id, "4A", homeroom_id=lan)
    an = pupils.add_pupil(db, SYSTEM, class_4a, {"full_name": "Nguyễn Văn An", "date_of_birth": dt.date(2016, 5, 5),
                                                 "gender": "Nam"})
    pupils.add_pupil(db, SYSTEM, class_4a, {"full_name": "Lê Thị Chi", "date_of_birth": dt.date(2016, 6, 6),
                                            "gender": "Nữ"})
    teacher = accounts.login(db, "gvcn4a", PASSWORD).actor
    attendance.take_roll(db, teacher, class_4a, dt.date(2026, 11, 2), "sang", {an: ("K", "")}, on=TODAY)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture
def school_db(tmp_path, school_file, monkeypatch):
    path = tmp_path / "truong.sqlite"
    shutil.copyfile(school_file, path)
    monkeypatch.setenv("NK_PASSWORD", PASSWORD)
    for module in ("nk_desktop.services.attendance", "nk_desktop.exchange.attendance"):
        monkeypatch.setattr(f"{module}.today", lambda: TODAY)
    return path


def run(capsys, *argv):
    """(exit code, stdout, stderr); argparse's usage errors exit through SystemExit(2)."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exit_info:
        code = exit_info.code
    out, err = capsys.readouterr()
    return code, out, err


def marks(path):
    with sqlite3.connect(path) as conn:
        return sorted(conn.execute("SELECT day, status FROM attendance_mark WHERE status != ''").fetchall())


def set_cell(path, name, day, text):
    book = openpyxl.load_workbook(path)
    data = book[sheet.DATA_SHEET]
    row = next(r for r in range(sheet.FIRST_ROW, data.max_row + 1) if data.cell(r, 2).value == name)
    data.cell(row, sheet.FIRST_DAY_COLUMN + day - 1).value = text
    book.save(path)


def export(capsys, db, out):
    return run(capsys, "--db", db, "--user", "gvcn4a", "attendance", "export", "--class", "4a", "--month",
               "2026-11", "--out", out)


def test_export_then_import_unchanged(school_db, tmp_path, capsys):
    out = tmp_path / "4A-11.xlsx"
    code, stdout, err = export(capsys, school_db, out)
    assert code == 0, err
    assert stdout.strip() == f"Đã xuất sổ điểm danh lớp 4A tháng 11/2026 ra {out}."
    assert openpyxl.load_workbook(out)[sheet.DATA_SHEET].cell(1, 1).value == "SỔ ĐIỂM DANH LỚP 4A — THÁNG 11/2026"
    code, stdout, err = run(capsys, "--db", school_db, "--user", "gvcn4a", "attendance", "import", out)
    assert code == 0, err
    assert stdout.splitlines()[-1] == "Không có gì để ghi."
    # --year names the school year explicitly.
    code, _out, err = run(capsys, "--db", school_db, "--user", "gvcn4a", "attendance", "export", "--class", "4A",
                          "--month", "2026-11", "--year", "2026-2027", "--out", tmp_path / "b.xlsx")
    assert code == 0, err


def test_dry_run_then_import(school_db, tmp_path, capsys):
    out = tmp_path / "4A-11.xlsx"
    assert export(capsys, school_db, out)[0] == 0
    set_cell(out, "Lê Thị Chi", 27, "P")
    before = marks(school_db)
    code, stdout, err = run(capsys, "--db", school_db, "--user", "gvcn4a", "attendance", "import", out, "--dry-run")
    assert code == 0, err
    assert "Dòng 8 (2 Lê Thị Chi): sửa ngày 27: (có mặt) → P" in stdout
    assert "Chạy thử: chưa ghi gì; 1 ngày sẽ được ghi." in stdout
    assert marks(school_db) == before
    code, stdout, err = run(capsys, "--db", school_db, "--user", "gvcn4a", "attendance", "import", out)
    assert code == 0, err
    assert "Đã ghi 1 ngày (1 ô điểm danh thay đổi)." in stdout
    assert marks(school_db) == sorted(before + [("2026-11-27", "P")])


def test_a_refused_day_exits_1_and_writes_nothing(school_db, tmp_path, capsys):
    out = tmp_path / "4A-11.xlsx"
    assert export(capsys, school_db, out)[0] == 0
    set_cell(out, "Nguyễn Văn An", 24, "K")  # public holiday
    set_cell(out, "Lê Thị Chi", 25, "P")  # fine on its own
    before = marks(school_db)
    code, stdout, err = run(capsys, "--db", school_db, "--user", "gvcn4a", "attendance", "import", out)
    assert code == 1
    assert err.strip() == "nk-admin: 1 ngày bị từ chối; không ghi gì."
    assert "Ngày 24/11/2026 bị từ chối: Ngày 24/11/2026 là ngày nghỉ (Ngày Văn hóa Việt Nam)." in stdout
    assert marks(school_db) == before
    # The principal may read the class but not take its roll: refused too.
    set_cell(out, "Nguyễn Văn An", 24, None)
    code, stdout, err = run(capsys, "--db", school_db, "--user", "hieutruong", "attendance", "import", out)
    assert code == 1 and "chỉ giáo viên chủ nhiệm" in stdout
    assert marks(school_db) == before


def test_one_bad_row_exits_1_with_the_count_and_writes_nothing(school_db, tmp_path, capsys):
    out = tmp_path / "4A-11.xlsx"
    assert export(capsys, school_db, out)[0] == 0
    set_cell(out, "Lê Thị Chi", 25, "P")  # fine on its own
    set_cell(out, "Lê Thị Chi", 26, "P")
    set_cell(out, "Nguyễn Văn An", 27, "V")  # not a roll-book letter
    before = marks(school_db)
    code, stdout, err = run(capsys, "--db", school_db, "--user", "gvcn4a", "attendance", "import", out)
    assert code == 1
    assert err.strip() == "nk-admin: 1 dòng có ô bị từ chối, 1 ngày bị từ chối; không ghi gì."
    assert "Dòng 7 (1 Nguyễn Văn An): LỖI ngày 27: “V” không phải kí hiệu điểm danh" in stdout
    assert marks(school_db) == before


@pytest.mark.parametrize("argv, code, message", [
    (["attendance", "export", "--class", "4A", "--month", "2026/11", "--out", "x.xlsx"], 2, "năm-tháng"),
    (["attendance", "export", "--class", "4A", "--month", "2026-11", "--out", "x.csv"], 2, ".xlsx"),
    (["attendance", "export", "--class", "4A", "--out", "x.xlsx"], 2, "--month"),
    (["attendance"], 2, "ACTION"),
    (["attendance", "export", "--class", "9Z", "--month", "2026-11", "--out", "x.xlsx"], 1, "Không có lớp 9Z"),
    (["attendance", "import", "khong-co.xlsx"], 1, "Không tìm thấy tệp"),
])
def test_usage_and_refusals(school_db, tmp_path, capsys, argv, code, message):
    argv = [str(tmp_path / a) if a.endswith((".xlsx", ".csv")) else a for a in argv]
    got, _out, err = run(capsys, "--db", school_db, "--user", "gvcn4a", *argv)
    assert got == code and message in err


def test_without_a_user_is_wrong_usage(school_db, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("NK_USER", raising=False)
    code, _out, err = run(capsys, "--db", school_db, "attendance", "import", tmp_path / "x.xlsx")
    assert code == 2 and "--user" in err
