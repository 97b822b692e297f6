"""`nk-admin print thong-bao --week YYYY-MM-DD`: a week's parents' notices, logged like a month's."""

import pytest

from .test_print_cli import _prints, _text, run, school_db, school_file  # noqa: F401  (fixtures)


def test_a_week_of_notices_is_written_and_logged(capsys, school_db, tmp_path):
    out = tmp_path / "tuan.pdf"
    code, stdout, err = run(capsys, "--db", school_db, "--user", "lan.nt", "print", "thong-bao", "--class", "4A",
                            "--week", "2026-11-05", "--milestone", "CK1", "--out", out)
    assert code == 0, err
    text = " ".join(_text(out))
    assert "Lớp 4A, từ 02/11 đến 08/11/2026: em Nguyễn Văn An đi học 0/1 buổi; 04/11 sáng: vắng có phép (Ốm)" in text
    assert "Toán: Hoàn thành tốt (9 điểm)" in text and text.count("PHIẾU THÔNG BÁO GỬI CHA MẸ HỌC SINH") == 3
    assert "Thông báo gửi cha mẹ học sinh lớp 4A — tuần 02/11–08/11/2026" in stdout
    [(kind, period, pages, _digest, state)] = _prints(school_db)
    assert (kind, period, pages, state) == ("thong_bao", "2026-W45", 1, "printed")


@pytest.mark.parametrize("argv", [
    ("thong-bao", "--class", "4A", "--out", "t.pdf"),                                         # neither
    ("thong-bao", "--class", "4A", "--week", "2026-11-05", "--month", "2026-11", "--out", "t.pdf"),  # both
    ("thong-bao", "--class", "4A", "--week", "05/11/2026", "--out", "t.pdf"),                 # bad day
    ("danh-sach-lop", "--class", "4A", "--week", "2026-11-05", "--out", "t.pdf"),             # not a notice
])
def test_week_usage_errors_exit_2(capsys, school_db, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    code, _stdout, err = run(capsys, "--db", school_db, "--user", "vanthu", "print", *argv)
    assert code == 2 and "nk-admin" in err, err
    assert not list(tmp_path.glob("t.*")) and _prints(school_db) == []


def test_a_week_for_every_class_one_file_each(capsys, school_db, tmp_path):
    folder = tmp_path / "tuan"
    code, _stdout, err = run(capsys, "--db", school_db, "--user", "vanthu", "print", "thong-bao", "--all-classes",
                             "--week", "2026-11-02", "--out", folder)
    assert code == 0, err
    assert sorted(p.name for p in folder.iterdir()) == ["thong-bao-4A-2026-W45.pdf", "thong-bao-4B-2026-W45.pdf"]
    assert "em Lê Văn Bình đi học 0/0 buổi" in " ".join(_text(folder / "thong-bao-4B-2026-W45.pdf"))
    assert [(kind, period) for kind, period, *_rest in _prints(school_db)] == [("thong_bao", "2026-W45")] * 2
