"""nk-admin print: every document, one class or all classes, the print log, and the exit codes 0 / 1 / 2.

Today is pinned to Monday 30/11/2026 (term I of 2026-2027).
"""

import datetime as dt
import hashlib
import io
import shutil
import sqlite3

import pytest
from pypdf import PdfReader

from nk_desktop.actor import SYSTEM
from nk_desktop.cli import main
from nk_desktop.db import open_database
from nk_desktop.services import accounts, attendance, corrections, gradebook, pupils, school, staff
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Role
from nk_desktop.services.setup import init_school

PASSWORD = "matkhau123"
TODAY = dt.date(2026, 11, 30)
A3_LANDSCAPE = (1190.55, 841.89)
A4_LANDSCAPE = (841.89, 595.28)


@pytest.fixture(scope="module")
def school_file(tmp_path_factory):
    """4A (homeroom lan.nt, who teaches Toán; hung.bm teaches Tiếng Việt) with three pupils, 4B with one;
    a roll in November, CK1 marks, and a correction request the principal approved."""
    path = tmp_path_factory.mktemp("print-cli") / "truong.sqlite"
    db = open_database(path)
    init_school(db, "Trường Tiểu học Nguyễn Khuyến", PASSWORD, place_name="Cầu Đất", on=TODAY)
    people = {}
    for username, name, role in (("lan.nt", "Lan", Role.GV_CHU_NHIEM), ("hung.bm", "Hùng", Role.GV_BO_MON),
                                 ("vanthu", "Mai", Role.VAN_THU), ("ketoan", "Hoa", Role.KE_TOAN)):
        staff_id = staff.create_staff(db, SYSTEM, family_name="Nguyễn", middle_name="Thị", given_name=name,
                                      gender="Nữ")
        accounts.create_account(db, SYSTEM, username=username, staff_id=staff_id, roles=[role], password=PASSWORD,
                                must_change=False)
        people[username] = staff_id
    with db.read() as session:
        year_id = school.current_year(session, TODAY).id
        math = school.subject_by_name(session, "Toán").id
        vietnamese = school.subject_by_name(session, "Tiếng Việt").id
    class_4a = school.create_class(db, SYSTEM, year_id, "4A", homeroom_id=people["lan.nt"])
    class_4b = school.create_class(db, SYSTEM, year_id, "4B")
    school.assign_teacher(db, SYSTEM, class_4a, math, people["lan.nt"])
    school.assign_teacher(db, SYSTEM, class_4a, vietnamese, people["hung.bm"])
    an, anh, hoa = (pupils.add_pupil(db, SYSTEM, class_4a, {"full_name": name, "date_of_birth": dt.date(2016, 1, n),
                                                             "gender": g, "moet_code": f"680000{n}"})
                    for n, (name, g) in enumerate([("Nguyễn Văn An", "Nam"), ("Lê Thị Ánh", "Nữ"),
                                                   ("Đặng Thị Hoà", "Nữ")], start=1))
    pupils.add_pupil(db, SYSTEM, class_4b, {"full_name": "Lê Văn Bình", "date_of_birth": dt.date(2016, 2, 2),
                                            "gender": "Nam"})
    teacher = accounts.login(db, "lan.nt", PASSWORD).actor
    attendance.take_roll(db, teacher, class_4a, dt.date(2026, 11, 4), "sang", {an: ("P", "Ốm")}, on=TODAY)
    gradebook.save_subject_cells(db, SYSTEM, class_4a, math, "GK1", [CellEdit(an, "level", "H")],
                                 on=dt.date(2026, 10, 30))
    gradebook.save_subject_cells(db, SYSTEM, class_4a, math, "CK1", [CellEdit(an, "level", "T"),
                                                                     CellEdit(an, "score", 9)], on=TODAY)
    request = corrections.request_correction(
        db, teacher, class_id=class_4a, pupil_id=an, milestone="GK1", field="level", new_value="T",
        reason="Nhập nhầm", subject_id=math, on=TODAY,
        evidence=[("so_ca_nhan", "so.jpg", b"\xff\xd8"), ("bai_kiem_tra", "bai.pdf", b"%PDF-1.4")])
    corrections.decide_correction(db, accounts.login(db, "hieutruong", PASSWORD).actor, request, approve=True,
                                  remark="Đồng ý")
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path, {"an": an, "request": request}


@pytest.fixture
def school_db(tmp_path, school_file, monkeypatch):
    path = tmp_path / "truong.sqlite"
    shutil.copyfile(school_file[0], path)
    monkeypatch.setenv("NK_PASSWORD", PASSWORD)
    monkeypatch.setattr("nk_desktop.clock.today", lambda: TODAY)
    for module in ("nk_desktop.services.gradebook", "nk_desktop.services.school", "nk_desktop.services.attendance"):
        monkeypatch.setattr(f"{module}.today", lambda: TODAY)
    return path


def run(capsys, *argv):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exit_info:
        code = exit_info.code
    out, err = capsys.readouterr()
    return code, out, err


def _prints(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT kind, period, pages, digest, state FROM print_record ORDER BY printed_at").fetchall()


def _text(path):
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(path.read_bytes())).pages]


def _size(path):
    box = PdfReader(io.BytesIO(path.read_bytes())).pages[0].mediabox
    return round(float(box.width), 2), round(float(box.height), 2)


def test_class_list_is_written_and_logged(capsys, school_db, tmp_path):
    out = tmp_path / "ds.pdf"
    code, stdout, err = run(capsys, "--db", school_db, "--user", "vanthu", "print", "danh-sach-lop", "--year",
                            "2026-2027", "--class", "4a", "--out", out)
    assert code == 0, err
    assert "Đã in Danh sách học sinh lớp 4A (1 trang)" in stdout
    text = _text(out)[0]
    assert text.index("Nguyễn Văn An") < text.index("Lê Thị Ánh") < text.index("Đặng Thị Hoà")
    [(kind, period, pages, digest, state)] = _prints(school_db)
    assert (kind, period, pages, state) == ("danh_sach_lop", "", 1, "printed")
    assert digest == hashlib.sha256(out.read_bytes()).hexdigest()
    assert not list(tmp_path.glob("*.tmp"))


def test_summary_book_and_month_sheet(capsys, school_db, tmp_path):
    summary = tmp_path / "th.pdf"
    assert run(capsys, "--db", school_db, "--user", "lan.nt", "print", "tong-hop", "--class", "4A", "--milestone",
               "ck1", "--out", summary)[0] == 0
    assert _size(summary) == A3_LANDSCAPE and "Cuối học kì I" in _text(summary)[0]
    book = tmp_path / "so.pdf"
    code, _out, err = run(capsys, "--db", school_db, "--user", "vanthu", "print", "so-goi-ten-ghi-diem", "--class",
                          "4A", "--term", "1", "--paper", "A3", "--out", book)
    assert code == 0, err
    pages = _text(book)
    assert _size(book) == A3_LANDSCAPE and f"Bản in này có {len(pages)} trang" in pages[1]  # a draft: marks missing
    assert any("PHẦN GHI ĐIỂM — MÔN TOÁN" in page for page in pages)
    month = tmp_path / "thang.pdf"
    assert run(capsys, "--db", school_db, "--user", "vanthu", "print", "so-goi-ten-ghi-diem", "--class", "4A",
               "--month", "2026-11", "--out", month)[0] == 0
    [page] = _text(month)
    assert _size(month) == A4_LANDSCAPE and "THÁNG 11/2026" in page and "Hiệu trưởng" in page
    assert [(k, p) for k, p, *_r in _prints(school_db)] == [("tong_hop", "CK1"), ("so_goi_ten_ghi_diem", "HK1"),
                                                           ("so_goi_ten_thang", "2026-11")]


def test_hoc_ba_of_a_pupil_by_code_or_of_a_class(capsys, school_db, school_file, tmp_path):
    one = tmp_path / "hb.pdf"
    assert run(capsys, "--db", school_db, "--user", "lan.nt", "print", "hoc-ba", "--pupil", "6800001",
               "--out", one)[0] == 0
    assert "Nguyễn Văn An" in _text(one)[0] and len(_text(one)) == 2
    by_id = tmp_path / "hb-id.pdf"
    assert run(capsys, "--db", school_db, "--user", "lan.nt", "print", "hoc-ba", "--pupil", school_file[1]["an"],
               "--out", by_id)[0] == 0
    assert by_id.read_bytes() == one.read_bytes()
    whole = tmp_path / "hb-4a.pdf"
    assert run(capsys, "--db", school_db, "--user", "vanthu", "print", "hoc-ba", "--class", "4A", "--out", whole)[0] == 0
    assert len(_text(whole)) == 6
    code, _out, err = run(capsys, "--db", school_db, "--user", "lan.nt", "print", "hoc-ba", "--pupil", "999",
                          "--out", tmp_path / "x.pdf")
    assert code == 1 and "999" in err


def test_personal_books_notices_and_minutes(capsys, school_db, school_file, tmp_path):
    own = tmp_path / "sdcn.pdf"
    assert run(capsys, "--db", school_db, "--user", "hung.bm", "print", "so-diem-ca-nhan", "--term", "1",
               "--out", own)[0] == 0
    assert "LỚP 4A — MÔN TIẾNG VIỆT — HỌC KÌ I" in " ".join(_text(own))
    folder = tmp_path / "so-diem"
    code, stdout, err = run(capsys, "--db", school_db, "--user", "vanthu", "print", "so-diem-ca-nhan", "--milestone",
                            "CK1", "--all-classes", "--out", folder)
    assert code == 0, err
    assert sorted(p.name for p in folder.iterdir()) == ["so-diem-ca-nhan-Nguyen-Thi-Hung-HK1.pdf",
                                                        "so-diem-ca-nhan-Nguyen-Thi-Lan-HK1.pdf"]
    notices = tmp_path / "tb.pdf"
    assert run(capsys, "--db", school_db, "--user", "lan.nt", "print", "thong-bao", "--class", "4A", "--month",
               "2026-11", "--milestone", "CK1", "--out", notices)[0] == 0
    assert "Toán: Hoàn thành tốt (9 điểm)" in " ".join(_text(notices))
    minutes = tmp_path / "bb.pdf"
    code, _out, err = run(capsys, "--db", school_db, "--user", "hieutruong", "print", "bien-ban", "--request",
                          school_file[1]["request"], "--out", minutes)
    assert code == 0, err
    assert "BIÊN BẢN SỬA CHỮA ĐIỂM" in _text(minutes)[0]


def test_all_classes_one_file_each_for_the_classes_the_user_may_print(capsys, school_db, tmp_path):
    folder = tmp_path / "ds"
    code, stdout, err = run(capsys, "--db", school_db, "--user", "vanthu", "print", "danh-sach-lop", "--all-classes",
                            "--out", folder)
    assert code == 0, err
    assert sorted(p.name for p in folder.iterdir()) == ["danh-sach-lop-4A-2026-2027.pdf",
                                                        "danh-sach-lop-4B-2026-2027.pdf"]
    assert len(_prints(school_db)) == 2
    mine = tmp_path / "mine"
    assert run(capsys, "--db", school_db, "--user", "lan.nt", "print", "tong-hop", "--milestone", "CK1",
               "--all-classes", "--out", mine)[0] == 0
    assert [p.name for p in mine.iterdir()] == ["tong-hop-4A-CK1.pdf"]


def test_refusals_write_nothing_and_log_nothing(capsys, school_db, tmp_path):
    out = tmp_path / "x.pdf"
    for user, argv in (("hung.bm", ("danh-sach-lop", "--class", "4B")),
                       ("ketoan", ("danh-sach-lop", "--class", "4A")),
                       ("lan.nt", ("hoc-ba", "--class", "4B")),
                       ("vanthu", ("tong-hop", "--class", "5C", "--milestone", "CK1"))):
        code, _stdout, err = run(capsys, "--db", school_db, "--user", user, "print", *argv, "--out", out)
        assert code == 1 and err.startswith("nk-admin: "), (user, argv, err)
        assert not out.exists()
    code, _stdout, _err = run(capsys, "--db", school_db, "--user", "ketoan", "print", "danh-sach-lop",
                              "--all-classes", "--out", tmp_path / "none")
    assert code == 1 and not (tmp_path / "none").exists()
    assert _prints(school_db) == []


@pytest.mark.parametrize("argv", [
    ("tong-hop", "--class", "4A", "--out", "t.pdf"),                             # no milestone
    ("danh-sach-lop", "--out", "t.pdf"),                                         # no class
    ("danh-sach-lop", "--class", "4A", "--out", "t.xlsx"),                       # not a .pdf
    ("so-goi-ten-ghi-diem", "--class", "4A", "--out", "t.pdf"),                  # no term or month
    ("thong-bao", "--class", "4A", "--month", "11/2026", "--out", "t.pdf"),      # bad month
    ("tong-hop", "--class", "4A", "--milestone", "HK1", "--out", "t.pdf"),       # bad milestone
    ("danh-sach-lop", "--class", "4A", "--all-classes", "--out", "d"),           # both
    ("bien-ban", "--out", "t.pdf"),                                              # no request
    ("so-cai", "--class", "4A", "--out", "t.pdf"),                               # no such document
    ("danh-sach-lop", "--class", "4A"),                                          # no --out
])
def test_usage_errors_exit_2(capsys, school_db, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    code, _stdout, err = run(capsys, "--db", school_db, "--user", "vanthu", "print", *argv)
    assert code == 2 and "nk-admin" in err
    assert not list(tmp_path.glob("t.*")) and _prints(school_db) == []


def test_books_with_an_open_sync_conflict_are_not_printed(capsys, school_db, school_file, tmp_path):
    an = school_file[1]["an"]
    with sqlite3.connect(school_db) as conn:
        [(result,)] = conn.execute("SELECT id FROM subject_result WHERE pupil_id = ? AND milestone = 'CK1'",
                                   (an.hex,)).fetchall()
        [(mark,)] = conn.execute("SELECT id FROM attendance_mark WHERE pupil_id = ?", (an.hex,)).fetchall()
        conn.executemany("INSERT INTO sync_conflict (tbl, row, field, official, first_seen) "
                         "VALUES (?, ?, ?, 1, '2026-11-30 08:00:00')",
                         [("subject_result", result, "level"), ("attendance_mark", mark, "status")])
    out = tmp_path / "th.pdf"
    code, _out, err = run(capsys, "--db", school_db, "--user", "vanthu", "print", "tong-hop", "--class", "4A",
                          "--milestone", "CK1", "--out", out)
    assert code == 1 and "xung đột đồng bộ" in err and "Nguyễn Văn An: Toán — Mức đạt được (CK1)" in err
    folder = tmp_path / "all"
    code, _out, err = run(capsys, "--db", school_db, "--user", "vanthu", "print", "tong-hop", "--all-classes",
                          "--milestone", "CK1", "--out", folder)
    assert code == 1 and "Nguyễn Văn An" in err
    code, _out, err = run(capsys, "--db", school_db, "--user", "vanthu", "print", "so-goi-ten-ghi-diem", "--class",
                          "4A", "--month", "2026-11", "--out", out)
    assert code == 1 and "Nguyễn Văn An: điểm danh ngày 04/11/2026 — Điểm danh" in err
    code, _out, err = run(capsys, "--db", school_db, "--user", "vanthu", "print", "hoc-ba", "--pupil", "6800001",
                          "--out", out)
    assert code == 1 and "Toán — Mức đạt được (CK1)" in err
    assert not out.exists() and not (folder.exists() and any(folder.iterdir())) and _prints(school_db) == []
    # other milestones and the class list still print
    assert run(capsys, "--db", school_db, "--user", "vanthu", "print", "tong-hop", "--class", "4A", "--milestone",
               "GK1", "--out", out)[0] == 0
