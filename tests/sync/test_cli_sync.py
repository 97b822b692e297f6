"""nk-admin share init / share join / sync / sync status / conflicts list / quarantine list."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys

import pytest

from nk_desktop.cli import main
from nk_desktop.sync import keys

from .conftest import KEY, PASSWORD


@pytest.fixture(scope="module")
def first_pc(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-sync")
    path = folder / "a.sqlite"
    os.environ["NK_PASSWORD"] = PASSWORD
    try:
        assert main(["--db", str(path), "init", "--school", "Trường Tiểu học Nguyễn Khuyến"]) == 0
    finally:
        del os.environ["NK_PASSWORD"]
    return path


@pytest.fixture
def school(tmp_path, first_pc, monkeypatch):
    path = tmp_path / "a.sqlite"
    shutil.copyfile(first_pc, path)
    monkeypatch.setenv("NK_PASSWORD", PASSWORD)
    monkeypatch.setenv("NK_SHARE_KEY", keys.format_key(KEY))
    return path


def test_init_join_sync_status_and_lists(school, tmp_path, capsys):
    share, sheet, second = tmp_path / "share", tmp_path / "phieu.pdf", tmp_path / "b.sqlite"
    assert main(["--db", str(school), "--user", "hieutruong", "share", "init", "--share", str(share),
                 "--sheet", str(sheet)]) == 0
    out = capsys.readouterr().out
    assert "Đã khởi tạo" in out and sheet.read_bytes().startswith(b"%PDF")
    assert (share / "SYNC-TARGET.json").exists() and list((share / "snapshots").glob("snap-*.nksnap"))
    assert main(["--db", str(second), "share", "join", "--share", str(share)]) == 0
    assert "Đã tham gia" in capsys.readouterr().out
    assert main(["--db", str(school), "--user", "hieutruong", "users", "add", "lan.nt", "--name", "Nguyễn Thị Lan",
                 "--gender", "Nữ", "--role", "gv_chu_nhiem"]) == 0
    capsys.readouterr()
    assert main(["--db", str(school), "sync", "--share", str(share)]) == 0
    assert "Đã gửi" in capsys.readouterr().out
    assert main(["--db", str(second), "sync"]) == 0  # the folder is remembered
    out = capsys.readouterr().out
    assert "đã nhận" in out
    assert main(["--db", str(second), "--user", "hieutruong", "users", "list", "--format", "csv"]) == 0
    assert "lan.nt" in capsys.readouterr().out
    assert main(["--db", str(second), "sync", "status", "--share", str(share)]) == 0
    status = capsys.readouterr().out
    assert "Chờ gửi: 0" in status and "đã nhận đến tệp" in status
    assert main(["--db", str(second), "--user", "hieutruong", "conflicts", "list", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["table", "row_id", "field", "official", "record", "values", "authors", "first_seen"]]
    assert main(["--db", str(second), "--user", "hieutruong", "quarantine", "list", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("kind,node,segment")


def test_share_init_generates_a_key_and_shows_it_when_no_sheet_is_asked_for(school, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("NK_SHARE_KEY")
    assert main(["--db", str(school), "--user", "hieutruong", "share", "init", "--share", str(tmp_path / "s")]) == 0
    captured = capsys.readouterr()
    line = next(line for line in captured.out.splitlines() if "Khóa của trường" in line)
    key = keys.parse_key(line.rsplit(": ", 1)[1])
    assert len(key) == 32
    assert "NK_SHARE_KEY" in captured.err  # no keyring here: later syncs need the variable


def test_exit_codes(school, tmp_path, capsys, monkeypatch):
    share = tmp_path / "share"
    assert main(["--db", str(school), "sync", "--share", str(share)]) == 1  # the folder is not there: refused
    assert "Không thấy thư mục chung" in capsys.readouterr().err
    share.mkdir()
    assert main(["--db", str(school), "sync", "--share", str(share)]) == 1  # not initialised
    assert "share init" in capsys.readouterr().err
    assert main(["--db", str(school), "share", "init", "--share", str(share)]) == 2  # no --user
    assert main(["--db", str(school), "--user", "hieutruong", "share", "init", "--share", str(share)]) == 0
    assert main(["--db", str(school), "--user", "hieutruong", "share", "init", "--share", str(share)]) == 1
    monkeypatch.delenv("NK_SHARE_KEY")
    assert main(["--db", str(school), "sync", "--share", str(share)]) == 2  # no key anywhere
    monkeypatch.setenv("NK_SHARE_KEY", keys.format_key(bytes(32)))
    assert main(["--db", str(school), "sync", "--share", str(share)]) == 1  # wrong key
    assert "Khóa" in capsys.readouterr().err
    assert main(["share", "join", "--share", str(share)]) == 2  # a new PC needs --db
    for wrong in (["sync", "stats"], ["--db", str(tmp_path / "x.sqlite"), "share", "join"]):
        with pytest.raises(SystemExit) as exit_info:
            main(wrong)
        assert exit_info.value.code == 2


def test_nk_admin_sync_runs_as_a_program(school, tmp_path):
    share = tmp_path / "share"
    assert main(["--db", str(school), "--user", "hieutruong", "share", "init", "--share", str(share)]) == 0
    done = subprocess.run([sys.executable, "-m", "nk_desktop.cli", "--db", str(school), "sync", "--share", str(share)],
                          capture_output=True, text=True, encoding="utf-8", env={**os.environ})
    assert done.returncode == 0, done.stderr
    assert "Đã gửi 0 thay đổi" in done.stdout
