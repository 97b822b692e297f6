"""nk-admin quarantine release ID / dismiss ID: exit 0 done, 1 refused (with why), 2 wrong usage."""

from __future__ import annotations

import csv
import io

import pytest

from nk_desktop.cli import main
from nk_desktop.models.gradebook import SubjectResult
from nk_desktop.services import gradebook
from nk_desktop.sync import conflicts

from .conftest import PASSWORD, write_orm


def _entry(net, ids) -> int:
    a, b = net["a"], net["b"]
    write_orm(b, ids.other_teacher, SubjectResult, ids.results[2], level="CHT")
    b.sync()
    assert a.sync().imported.quarantined == 1
    return conflicts.list_quarantine(a.db, ids.principal)[0].id


def test_release_and_dismiss_from_the_command_line(net, ids, capsys, monkeypatch):
    monkeypatch.setenv("NK_PASSWORD", PASSWORD)
    a = net["a"]
    entry = _entry(net, ids)
    db = ["--db", str(a.path)]
    assert main([*db, "--user", "hieutruong", "quarantine", "list", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [int(r["id"]) for r in rows] == [entry]
    assert main([*db, "--user", "quantri", "quarantine", "release", str(entry)]) == 1  # not the principal
    assert "Hiệu trưởng" in capsys.readouterr().err
    gradebook.set_lock(a.db, ids.principal, ids.year, locked=True, class_id=ids.class_4a)
    assert main([*db, "--user", "hieutruong", "quarantine", "release", str(entry)]) == 1
    assert "đang khóa" in capsys.readouterr().err and a.result(ids, 2).level == "HT"
    gradebook.set_lock(a.db, ids.principal, ids.year, locked=False, class_id=ids.class_4a)
    assert main([*db, "--user", "hieutruong", "quarantine", "release", str(entry)]) == 0
    assert "Đã ghi" in capsys.readouterr().out and a.result(ids, 2).level == "CHT"
    assert main([*db, "--user", "hieutruong", "quarantine", "dismiss", str(entry)]) == 1  # already decided
    with pytest.raises(SystemExit) as usage:
        main([*db, "--user", "hieutruong", "quarantine", "dismiss", "mot"])
    assert usage.value.code == 2


def test_dismiss_from_the_command_line(net, ids, capsys, monkeypatch):
    monkeypatch.setenv("NK_PASSWORD", PASSWORD)
    entry = _entry(net, ids)
    assert main(["--db", str(net["a"].path), "--user", "hieutruong", "quarantine", "dismiss", str(entry)]) == 0
    assert "Đã bỏ qua" in capsys.readouterr().out
    assert conflicts.list_quarantine(net["a"].db, ids.principal) == [] and net["a"].result(ids, 2).level == "HT"
