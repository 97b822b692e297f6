"""nk-admin gradebook commands: export-scores, import-scores, evaluate, lock, unlock — and their exit codes.

The commands use today's date.  Tests pin it to Sunday 29/11/2026 (week 12 of 2026-2027): CK1 is open
until the end of week 17, GK1 closed at the end of week 8.
"""

import csv
import datetime as dt
import shutil
import sqlite3

import openpyxl
import pytest

from nk_desktop.actor import SYSTEM
from nk_desktop.cli import main
from nk_desktop.db import open_database
from nk_desktop.exchange import scores
from nk_desktop.services import accounts, gradebook, pupils, school, staff
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Role
from nk_desktop.services.setup import init_school

PASSWORD = "matkhau123"
TODAY = dt.date(2026, 11, 29)
YEAR_END = dt.date(2027, 4, 26)  # CN levels due by the end of week 34 (02/05/2027)


@pytest.fixture(scope="module")
def school_file(tmp_path_factory):
    """4A (homeroom lan.nt, who teaches Toán there; hung.bm teaches Tiếng Việt) with three pupils, 4B with one."""
    path = tmp_path_factory.mktemp("gradebook-cli") / "truong.sqlite"
    db = open_database(path)
    init_school(db, "Trường Tiểu học Nguyễn Khuyến", PASSWORD, on=TODAY)
    people = {}
    for username, name, role in (("lan.nt", "Lan", Role.GV_CHU_NHIEM), ("hung.bm", "Hùng", Role.GV_BO_MON),
                                 ("vanthu", "Mai", Role.VAN_THU)):
        staff_id = staff.create_staff(db, SYSTEM, family_name="Nguyễn", middle_name="Thị", given_name=name,
                                      gender="Nữ")
        accounts.create_account(db, SYSTEM, username=username, staff_id=staff_id, roles=[role], password=PASSWORD,
                                must_change=False)
        people[username] = staff_id
    with db.read() as session:
        year_id = school.current_year(session, TODAY).id
        math = school.subject_by_name(session, "Toán").id
        vietnamese = school.subject_by_name(session, "Tiếng Việt").id
        subjects = [(s.id, "CN" in e.tested_milestones.split(","))
                    for s, e in school.grade_subjects(session, year_id, 4)]
    class_4a = school.create_class(db, SYSTEM, year_id, "4A", homeroom_id=people["lan.nt"])
    class_4b = school.create_class(db, SYSTEM, year_id, "4B")
    school.assign_teacher(db, SYSTEM, class_4a, math, people["lan.nt"])
    school.assign_teacher(db, SYSTEM, class_4a, vietnamese, people["hung.bm"])
    an, anh, hoa = (pupils.add_pupil(db, SYSTEM, class_4a, {"full_name": name, "date_of_birth": dt.date(2016, 1, n),
                                                             "gender": g})
                    for n, (name, g) in enumerate([("Nguyễn Văn An", "Nam"), ("Lê Thị Ánh", "Nữ"),
                                                   ("Đặng Thị Hoà", "Nữ")], start=1))
    pupils.add_pupil(db, SYSTEM, class_4b, {"full_name": "Lê Văn Bình", "date_of_birth": dt.date(2016, 2, 2),
                                            "gender": "Nam"})
    gradebook.save_subject_cells(db, SYSTEM, class_4a, math, "CK1", [CellEdit(an, "level", "T"),
                                                                     CellEdit(an, "score", 9)], on=TODAY)
    # An's year is complete and excellent; Ánh has CHT in Toán; Hoà has nothing yet.
    for subject_id, tested in subjects:
        edits = [CellEdit(an, "level", "T"), CellEdit(anh, "level", "H" if subject_id != math else "C")]
        if tested:
            edits += [CellEdit(an, "score", 10), CellEdit(anh, "score", 4 if subject_id == math else 7)]
        gradebook.save_subject_cells(db, SYSTEM, class_4a, subject_id, "CN", edits, on=YEAR_END)
    gradebook.save_trait_cells(db, SYSTEM, class_4a, "CN", [
        CellEdit(p, "level", "T", trait=code) for p in (an, anh) for code, _name in rules.TRAITS], on=YEAR_END)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture
def school_db(tmp_path, school_file, monkeypatch):
    path = tmp_path / "truong.sqlite"
    shutil.copyfile(school_file, path)
    monkeypatch.setenv("NK_PASSWORD", PASSWORD)
    for module in ("nk_desktop.services.gradebook", "nk_desktop.services.school", "nk_desktop.exchange.scores",
                   "nk_desktop.exchange.traits"):
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


def _count(path, table):
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def _fill(path, changes):
    """{(full name, column letter): value} on the exported sheet."""
    book = openpyxl.load_workbook(path)
    sheet = book[scores.DATA_SHEET]
    rows = {sheet.cell(r, 2).value: r for r in range(6, sheet.max_row + 1)}
    for (name, column), value in changes.items():
        sheet[f"{column}{rows[name]}"] = value
    book.save(path)


def _export(capsys, db, tmp_path, *extra, user="lan.nt", milestone="CK1", subject="Toán"):
    out = tmp_path / f"{milestone}.xlsx"
    code, stdout, err = run(capsys, "--db", db, "--user", user, "export-scores", "--class", "4A", "--subject",
                            subject, "--milestone", milestone, "--out", out, *extra)
    assert code == 0, err
    return out


# --- export-scores ------------------------------------------------------------------------------------

def test_export_scores(capsys, school_db, tmp_path):
    out = tmp_path / "toan.xlsx"
    code, stdout, _err = run(capsys, "--db", school_db, "--user", "lan.nt", "export-scores", "--class", "4a",
                             "--subject", "toan", "--milestone", "ck1", "--out", out, "--year", "2026-2027")
    assert code == 0 and "môn Toán, lớp 4A, CK1, năm học 2026-2027" in stdout
    sheet = openpyxl.load_workbook(out)[scores.DATA_SHEET]
    assert sheet["A1"].value == "BẢNG ĐIỂM MÔN TOÁN — LỚP 4A — CUỐI HỌC KÌ I — NĂM HỌC 2026-2027"
    assert [sheet.cell(6, c).value for c in (2, 4, 5)] == ["Nguyễn Văn An", "T", 9]
    code, _out, _err = run(capsys, "--db", school_db, "--user", "lan.nt", "export-scores", "--class", "4A",
                           "--subject", "TOAN", "--milestone", "CK1", "--out", out, "--blank")
    assert code == 0 and openpyxl.load_workbook(out)[scores.DATA_SHEET]["D6"].value is None


def test_export_scores_for_the_secretary_by_grade(capsys, school_db, tmp_path):
    out = tmp_path / "khoi4.xlsx"
    code, stdout, err = run(capsys, "--db", school_db, "--user", "vanthu", "export-scores", "--grade", 4,
                            "--subject", "Toán", "--milestone", "CK1", "--out", out)
    assert code == 0, err
    sheet = openpyxl.load_workbook(out)[scores.DATA_SHEET]
    assert [sheet.cell(r, 2).value for r in range(6, 10)] == ["4A", "4A", "4A", "4B"]


@pytest.mark.parametrize("argv, expected", [
    (["--subject", "Toán", "--milestone", "CK1", "--out", "x.xlsx"], 2),  # no --class / --grade
    (["--class", "4A", "--grade", "4", "--subject", "Toán", "--milestone", "CK1", "--out", "x.xlsx"], 2),
    (["--class", "4A", "--milestone", "CK1", "--out", "x.xlsx"], 2),  # no --subject
    (["--class", "4A", "--subject", "Toán", "--milestone", "CK1"], 2),  # no --out
    (["--class", "4A", "--subject", "Toán", "--milestone", "CK1", "--out", "x.csv"], 2),
    (["--class", "9Z", "--subject", "Toán", "--milestone", "CK1", "--out", "x.xlsx"], 1),
    (["--class", "4A", "--subject", "Hoá học", "--milestone", "CK1", "--out", "x.xlsx"], 1),
    (["--class", "4A", "--subject", "Toán", "--milestone", "CK3", "--out", "x.xlsx"], 1),
    (["--class", "4A", "--subject", "Toán", "--milestone", "CK1", "--out", "x.xlsx", "--year", "2030-2031"], 1),
])
def test_export_scores_exit_codes(capsys, school_db, tmp_path, monkeypatch, argv, expected):
    monkeypatch.chdir(tmp_path)
    code, _out, err = run(capsys, "--db", school_db, "--user", "lan.nt", "export-scores", *argv)
    assert code == expected and err


def test_export_scores_refused_without_the_right_to_view(capsys, school_db, tmp_path):
    code, _out, err = run(capsys, "--db", school_db, "--user", "vanthu", "export-scores", "--class", "4A",
                          "--subject", "Toán", "--milestone", "CK1", "--out", tmp_path / "x.xlsx")
    assert code == 1 and "không có quyền" in err and not (tmp_path / "x.xlsx").exists()


# --- import-scores --------------------------------------------------------------------------------------

def test_import_unchanged_and_filled(capsys, school_db, tmp_path):
    sheet = _export(capsys, school_db, tmp_path)
    before = _count(school_db, "change_record")
    code, out, _err = run(capsys, "--db", school_db, "--user", "lan.nt", "import-scores", sheet)
    assert code == 0 and "0 dòng thay đổi (0 ô), 3 dòng không đổi, 0 ô bị từ chối." in out
    assert _count(school_db, "change_record") == before
    _fill(sheet, {("Lê Thị Ánh", "D"): "H", ("Lê Thị Ánh", "E"): 7, ("Đặng Thị Hoà", "F"): "Cần luyện thêm"})
    code, out, _err = run(capsys, "--db", school_db, "--user", "lan.nt", "import-scores", sheet, "--dry-run")
    assert code == 0 and "Chạy thử: chưa ghi gì; 3 ô sẽ được ghi." in out
    assert _count(school_db, "change_record") == before
    code, out, _err = run(capsys, "--db", school_db, "--user", "lan.nt", "import-scores", sheet)
    assert code == 0 and "Đã ghi 3 ô." in out and "Điểm KTĐK: (trống) → 7" in out
    assert _count(school_db, "change_record") == before + 2


@pytest.mark.parametrize("bad", ["7,5", "11", "abc", 7.5])
def test_import_with_invalid_scores_exits_1_and_writes_nothing(capsys, school_db, tmp_path, bad):
    sheet = _export(capsys, school_db, tmp_path)
    _fill(sheet, {("Lê Thị Ánh", "E"): bad, ("Đặng Thị Hoà", "E"): 8})
    before = _count(school_db, "change_record")
    for extra in ((), ("--dry-run",)):
        code, out, err = run(capsys, "--db", school_db, "--user", "lan.nt", "import-scores", sheet, *extra)
        assert code == 1 and "1 ô bị từ chối; không ghi gì" in err and "LỖI Điểm KTĐK" in out
    assert _count(school_db, "change_record") == before


def test_import_refused_after_the_deadline(capsys, school_db, tmp_path):
    sheet = tmp_path / "gk1.xlsx"
    assert run(capsys, "--db", school_db, "--user", "lan.nt", "export-scores", "--class", "4A", "--subject", "Toán",
               "--milestone", "GK1", "--out", sheet)[0] == 0
    _fill(sheet, {("Lê Thị Ánh", "D"): "H"})
    before = _count(school_db, "change_record")
    code, _out, err = run(capsys, "--db", school_db, "--user", "lan.nt", "import-scores", sheet)
    assert code == 1 and "quá hạn nhập" in err and err.count("\n") == 1
    assert _count(school_db, "change_record") == before


def test_another_subjects_teacher_cannot_import(capsys, school_db, tmp_path):
    sheet = _export(capsys, school_db, tmp_path)
    _fill(sheet, {("Lê Thị Ánh", "D"): "H"})
    before = _count(school_db, "change_record")
    code, _out, err = run(capsys, "--db", school_db, "--user", "hung.bm", "import-scores", sheet)
    assert code == 1 and "không có quyền" in err
    assert _count(school_db, "change_record") == before


def test_secretary_imports_a_grade_sheet(capsys, school_db, tmp_path):
    sheet = tmp_path / "khoi4.xlsx"
    assert run(capsys, "--db", school_db, "--user", "vanthu", "export-scores", "--grade", 4, "--subject", "Toán",
               "--milestone", "CK1", "--out", sheet)[0] == 0
    book = openpyxl.load_workbook(sheet)
    book[scores.DATA_SHEET]["E7"] = 6
    book[scores.DATA_SHEET]["E9"] = 8
    book.save(sheet)
    code, out, err = run(capsys, "--db", school_db, "--user", "vanthu", "import-scores", sheet)
    assert code == 0 and "Đã ghi 2 ô." in out, err
    # A hand-made sheet needs --grade with --subject and --milestone; those options alone are wrong usage.
    assert run(capsys, "--db", school_db, "--user", "vanthu", "import-scores", sheet, "--grade", 4,
               "--subject", "Toán")[0] == 2
    assert run(capsys, "--db", school_db, "--user", "vanthu", "import-scores", sheet, "--milestone", "CK1")[0] == 2
    code, out, _err = run(capsys, "--db", school_db, "--user", "vanthu", "import-scores", sheet, "--grade", 4,
                          "--subject", "toan", "--milestone", "CK1")
    assert code == 0 and "0 ô bị từ chối" in out


def test_import_scores_usage_and_missing_file(capsys, school_db, tmp_path):
    assert run(capsys, "--db", school_db, "--user", "lan.nt", "import-scores")[0] == 2
    code, _out, err = run(capsys, "--db", school_db, "--user", "lan.nt", "import-scores", tmp_path / "khong-co.xlsx")
    assert code == 1 and "Không tìm thấy tệp" in err


# --- evaluate -------------------------------------------------------------------------------------------

def test_evaluate_writes_one_row_per_pupil(capsys, school_db, tmp_path):
    out = tmp_path / "ket-qua.csv"
    code, stdout, err = run(capsys, "--db", school_db, "--user", "lan.nt", "evaluate", "--class", "4A", "--out", out)
    assert code == 0 and "3 học sinh lớp 4A" in stdout, err
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["stt", "full_name", "overall", "overall_label", "reason", "award", "completes"]
    by_name = {r["full_name"]: r for r in rows}
    assert [r["stt"] for r in rows] == ["1", "2", "3"]
    an, anh, hoa = by_name["Nguyễn Văn An"], by_name["Lê Thị Ánh"], by_name["Đặng Thị Hoà"]
    assert (an["overall"], an["overall_label"], an["award"], an["completes"]) == (
        "HTXS", "Hoàn thành xuất sắc", "XUAT_SAC", "yes")
    assert (anh["overall"], anh["completes"]) == ("CHT", "no") and "Toán" in anh["reason"]
    assert (hoa["overall"], hoa["completes"]) == ("", "") and "Chưa đủ dữ liệu" in hoa["reason"]
    code, stdout, _err = run(capsys, "--db", school_db, "--user", "lan.nt", "evaluate", "--class", "4A", "--out", "-",
                             "--year", "2026-2027")
    assert code == 0 and stdout.splitlines()[0] == "stt,full_name,overall,overall_label,reason,award,completes"


@pytest.mark.parametrize("argv, user, expected", [
    (["--out", "x.csv"], "lan.nt", 2),
    (["--class", "4A"], "lan.nt", 2),
    (["--class", "9Z", "--out", "x.csv"], "lan.nt", 1),
    (["--class", "4B", "--out", "x.csv"], "hung.bm", 1),  # teaches no class of 4B
])
def test_evaluate_exit_codes(capsys, school_db, tmp_path, monkeypatch, argv, user, expected):
    monkeypatch.chdir(tmp_path)
    code, _out, err = run(capsys, "--db", school_db, "--user", user, "evaluate", *argv)
    assert code == expected and err
    assert not (tmp_path / "x.csv").exists()


# --- lock / unlock --------------------------------------------------------------------------------------

@pytest.mark.parametrize("scope", [["--school"], ["--grade", "4"], ["--class", "4A"],
                                   ["--class", "4A", "--subject", "Toan"], ["--school", "--milestone", "CK1"],
                                   ["--class", "4A", "--subject", "Toán", "--milestone", "CK1"]])
def test_every_lock_scope_binds_the_import(capsys, school_db, tmp_path, scope):
    sheet = _export(capsys, school_db, tmp_path)
    _fill(sheet, {("Lê Thị Ánh", "D"): "H"})
    code, out, _err = run(capsys, "--db", school_db, "--user", "hieutruong", "lock", *scope, "--reason", "Kiểm tra")
    assert code == 0 and out.startswith("Đã khóa sổ điểm:")
    before = _count(school_db, "change_record")
    code, _out, err = run(capsys, "--db", school_db, "--user", "lan.nt", "import-scores", sheet)
    assert code == 1 and "đã khóa (Kiểm tra)" in err
    assert _count(school_db, "change_record") == before
    code, out, _err = run(capsys, "--db", school_db, "--user", "hieutruong", "unlock", *scope)
    assert code == 0 and out.startswith("Đã mở khóa sổ điểm:")
    code, out, _err = run(capsys, "--db", school_db, "--user", "lan.nt", "import-scores", sheet)
    assert code == 0 and "Đã ghi 1 ô." in out


def test_lock_messages_name_the_scope(capsys, school_db):
    code, out, _err = run(capsys, "--db", school_db, "--user", "hieutruong", "lock", "--grade", 4, "--subject", "Toán",
                          "--milestone", "CK1")
    assert code == 0 and out.strip() == "Đã khóa sổ điểm: khối 4, môn Toán, Cuối học kì I, năm học 2026-2027."
    code, out, _err = run(capsys, "--db", school_db, "--user", "hieutruong", "unlock", "--school")
    assert code == 0 and out.strip() == "Đã mở khóa sổ điểm: toàn trường, mọi môn, cả năm học, năm học 2026-2027."


def test_a_lock_elsewhere_does_not_bind(capsys, school_db, tmp_path):
    sheet = _export(capsys, school_db, tmp_path)
    _fill(sheet, {("Lê Thị Ánh", "D"): "H"})
    for scope in (["--class", "4B"], ["--grade", "5"], ["--class", "4A", "--subject", "Tiếng Việt"],
                  ["--class", "4A", "--milestone", "GK2"]):
        assert run(capsys, "--db", school_db, "--user", "hieutruong", "lock", *scope)[0] == 0
    assert run(capsys, "--db", school_db, "--user", "lan.nt", "import-scores", sheet)[0] == 0


@pytest.mark.parametrize("command", ["lock", "unlock"])
@pytest.mark.parametrize("argv, user, expected", [
    ([], "hieutruong", 2),  # no scope
    (["--class", "4A", "--grade", "4"], "hieutruong", 2),
    (["--school", "--class", "4A"], "hieutruong", 2),
    (["--grade", "bốn"], "hieutruong", 2),
    (["--grade", "7"], "hieutruong", 1),
    (["--class", "9Z"], "hieutruong", 1),
    (["--school", "--milestone", "HK1"], "hieutruong", 1),
    (["--school", "--subject", "Hoá học"], "hieutruong", 1),
    (["--class", "4A"], "lan.nt", 1),  # only the principal or the DB admin locks
])
def test_lock_exit_codes(capsys, school_db, command, argv, user, expected):
    before = _count(school_db, "mark_lock")
    code, _out, err = run(capsys, "--db", school_db, "--user", user, command, *argv)
    assert code == expected and err
    assert _count(school_db, "mark_lock") == before


def test_gradebook_commands_need_a_user(capsys, school_db, tmp_path):
    for argv in (["lock", "--school"], ["evaluate", "--class", "4A", "--out", tmp_path / "x.csv"],
                 ["import-scores", tmp_path / "x.xlsx"],
                 ["export-scores", "--class", "4A", "--subject", "Toán", "--milestone", "CK1", "--out",
                  tmp_path / "x.xlsx"]):
        code, _out, err = run(capsys, "--db", school_db, *argv)
        assert code == 2 and "--user" in err


# --- export-traits / import-traits -------------------------------------------------------------------------

def test_traits_sheet_round_trip_with_dry_run_and_refusals(capsys, school_db, tmp_path):
    from nk_desktop.exchange import traits

    sheet = tmp_path / "pcnl.xlsx"
    code, out, _err = run(capsys, "--db", school_db, "--user", "lan.nt", "export-traits", "--class", "4A",
                          "--milestone", "CK1", "--out", sheet)
    assert code == 0 and "Đã xuất bảng phẩm chất, năng lực lớp 4A, CK1" in out
    book = openpyxl.load_workbook(sheet)
    data = book[traits.DATA_SHEET]
    rows = {data.cell(r, 2).value: r for r in range(6, data.max_row + 1)}
    data[f"D{rows['Lê Thị Ánh']}"] = "Đ"
    data[f"E{rows['Đặng Thị Hoà']}"] = "X"
    book.save(sheet)
    before = _count(school_db, "change_record")
    code, out, err = run(capsys, "--db", school_db, "--user", "lan.nt", "import-traits", sheet, "--dry-run")
    assert code == 1 and "1 ô bị từ chối; không ghi gì" in err and "LỖI Nhân ái" in out
    data[f"E{rows['Đặng Thị Hoà']}"] = "T"
    book.save(sheet)
    code, out, _err = run(capsys, "--db", school_db, "--user", "lan.nt", "import-traits", sheet, "--dry-run")
    assert code == 0 and "Chạy thử: chưa ghi gì; 2 ô sẽ được ghi." in out
    assert _count(school_db, "change_record") == before
    code, out, _err = run(capsys, "--db", school_db, "--user", "lan.nt", "import-traits", sheet)
    assert code == 0 and "Đã ghi 2 ô." in out and _count(school_db, "change_record") == before + 2
    code, _out, err = run(capsys, "--db", school_db, "--user", "hung.bm", "import-traits", sheet)
    assert code == 1 and "không có quyền" in err  # only the homeroom teacher
