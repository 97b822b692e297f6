"""nk-admin: commands, CSV columns, and the exit codes schools script against (0 / 1 / 2)."""

import csv
import io
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from nk_desktop import __version__
from nk_desktop.cli import main

PASSWORD = "matkhau123"


@pytest.fixture(scope="module")
def school_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "truong.sqlite"
    os.environ["NK_PASSWORD"] = PASSWORD
    try:
        assert main(["--db", str(path), "init", "--school", "Trường Tiểu học Nguyễn Khuyến",
                     "--address", "số 2 Lê Lợi, phường Cầu Đất"]) == 0
        assert main(["--db", str(path), "--user", "hieutruong", "users", "add", "lan.nt",
                     "--name", "Nguyễn Thị Lan", "--gender", "Nữ", "--role", "gv_chu_nhiem"]) == 0
    finally:
        del os.environ["NK_PASSWORD"]
    return path


@pytest.fixture
def school(tmp_path, school_file, monkeypatch):
    path = tmp_path / "truong.sqlite"
    shutil.copyfile(school_file, path)
    monkeypatch.setenv("NK_PASSWORD", PASSWORD)
    return path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def rows(out):
    return list(csv.DictReader(io.StringIO(out)))


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert __version__ in capsys.readouterr().out


@pytest.mark.parametrize("argv", [[], ["bogus"], ["users"], ["users", "list", "--format", "xml"],
                                  ["classes", "list", "--year"]])
def test_wrong_usage_exits_2(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2


def test_missing_user_or_password_is_usage(capsys, school, monkeypatch):
    code, _out, err = run(capsys, "--db", school, "years", "list")
    assert code == 2 and "--user" in err
    monkeypatch.delenv("NK_PASSWORD")
    code, _out, err = run(capsys, "--db", school, "--user", "hieutruong", "years", "list")
    assert code == 2 and "NK_PASSWORD" in err


def test_users_list_csv(capsys, school):
    code, out, _err = run(capsys, "--db", school, "--user", "hieutruong", "users", "list", "--format", "csv")
    assert code == 0
    assert out.splitlines()[0] == "username,full_name,roles,classes"
    by_name = {r["username"]: r for r in rows(out)}
    assert by_name["lan.nt"] == {"username": "lan.nt", "full_name": "Nguyễn Thị Lan", "roles": "gv_chu_nhiem",
                                 "classes": ""}
    assert by_name["hieutruong"]["roles"] == "hieu_truong"


def test_users_add_with_a_class_and_the_temporary_password(capsys, school, monkeypatch):
    from nk_desktop.db import open_database
    from nk_desktop.services import accounts, school as school_service
    from nk_desktop.actor import SYSTEM

    db = open_database(school)
    with db.read() as session:
        year = school_service.current_year(session).id
    school_service.create_class(db, SYSTEM, year, "4A")
    db.dispose()
    monkeypatch.setenv("NK_NEW_PASSWORD", "tam123456")
    code, out, _err = run(capsys, "--db", school, "--user", "hieutruong", "users", "add", "hoa.dt",
                          "--name", "Đặng Thị Hoà", "--role", "Giáo viên chủ nhiệm", "--role", "gv_bo_mon",
                          "--class", "4a")
    assert code == 0 and "tam123456" in out
    code, out, _err = run(capsys, "--db", school, "--user", "hieutruong", "users", "list", "--format", "csv")
    hoa = {r["username"]: r for r in rows(out)}["hoa.dt"]
    assert hoa["roles"] == "gv_chu_nhiem;gv_bo_mon" and hoa["classes"] == "4A"
    db = open_database(school)
    assert accounts.login(db, "hoa.dt", "tam123456").password_change_reason  # must change at first login
    db.dispose()


def _audit_count(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT COUNT(*) FROM audit_entry").fetchone()[0]


def test_refused_action_exits_1_and_changes_nothing(capsys, school, monkeypatch):
    monkeypatch.setenv("NK_NEW_PASSWORD", "tam123456")
    assert run(capsys, "--db", school, "--user", "hieutruong", "users", "reset-password", "lan.nt")[0] == 0
    # lan.nt must change the temporary password first: scripts are refused with the reason.
    monkeypatch.setenv("NK_PASSWORD", "tam123456")
    before = _audit_count(school)
    code, out, err = run(capsys, "--db", school, "--user", "lan.nt", "users", "add", "x.y", "--role", "ke_toan")
    assert code == 1 and "đổi mật khẩu" in err and out == ""
    assert _audit_count(school) == before


def test_permission_denied_exits_1_with_one_line(capsys, school, tmp_path):
    from nk_desktop.db import open_database
    from nk_desktop.services import accounts
    from nk_desktop.services.permissions import Role
    from nk_desktop.actor import SYSTEM

    db = open_database(school)
    accounts.create_account(db, SYSTEM, username="thuvien", staff_id=None, roles=[Role.THU_VIEN],
                            password=PASSWORD, must_change=False)
    db.dispose()
    before = _audit_count(school)
    code, _out, err = run(capsys, "--db", school, "--user", "thuvien", "users", "add", "x.y", "--name", "A B",
                          "--role", "ke_toan")
    assert code == 1 and err.count("\n") == 1 and "không có quyền quản lý tài khoản" in err
    assert _audit_count(school) == before


def test_invalid_input_exits_1(capsys, school):
    code, _out, err = run(capsys, "--db", school, "--user", "hieutruong", "users", "add", "Bad Name", "--role", "ke_toan")
    assert code == 1 and "không hợp lệ" in err
    code, _out, err = run(capsys, "--db", school, "--user", "hieutruong", "users", "add", "abc", "--role", "giam_doc")
    assert code == 1 and "Không có vai trò" in err
    code, _out, err = run(capsys, "--db", school, "--user", "hieutruong", "classes", "list", "--year", "2026")
    assert code == 1 and "2025-2026" in err


def test_wrong_password_exits_1(capsys, school, monkeypatch):
    monkeypatch.setenv("NK_PASSWORD", "sai")
    code, _out, err = run(capsys, "--db", school, "--user", "hieutruong", "years", "list")
    assert code == 1 and "Sai tên đăng nhập hoặc mật khẩu" in err


def test_years_and_classes_lists(capsys, school):
    code, out, _err = run(capsys, "--db", school, "--user", "hieutruong", "years", "list", "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "name,start,end,current"
    year = rows(out)[-1]
    assert year["current"] == "yes" and year["name"][:4] == year["start"][:4]
    code, out, _err = run(capsys, "--db", school, "--user", "hieutruong", "classes", "list", "--format", "csv")
    assert code == 0 and out.splitlines() == ["class,grade,homeroom_username,pupils"]


def test_init_refuses_a_second_school(capsys, school):
    code, _out, err = run(capsys, "--db", school, "init", "--school", "Trường khác")
    assert code == 1 and "đã có trường" in err


def test_audit_verify_exit_codes(capsys, school):
    code, out, _err = run(capsys, "--db", school, "--user", "hieutruong", "audit", "verify")
    assert code == 0 and "nguyên vẹn" in out
    with sqlite3.connect(school) as conn:
        conn.execute("UPDATE audit_entry SET record_label = 'giả mạo' WHERE seq = 3")
    code, _out, err = run(capsys, "--db", school, "--user", "hieutruong", "audit", "verify")
    assert code == 1 and "mục số 3" in err


def test_the_installed_command_runs(school):
    env = dict(os.environ, NK_PASSWORD=PASSWORD, PYTHONIOENCODING="utf-8")
    exe = shutil.which("nk-admin", path=os.path.dirname(sys.executable)) or "nk-admin"
    done = subprocess.run([exe, "--db", str(school), "--user", "hieutruong", "users", "list", "--format", "csv"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Nguyễn Thị Lan" in done.stdout
