"""nk-admin pupils duplicates / pupils merge (issue 7: the same pupil entered on two PCs)."""

import csv
import datetime as dt
import io

from nk_desktop.cli import main
from tests.cli.test_pupil_cli import school, school_file, year  # noqa: F401


def _twins(path):
    from nk_desktop.actor import SYSTEM
    from nk_desktop.db import open_database
    from nk_desktop.services import pupils, school as school_service

    db = open_database(path)
    with db.read() as session:
        class_4a = school_service.class_by_name(session, school_service.current_year(session).id, "4A").id
    ids = [pupils.add_pupil(db, SYSTEM, class_4a, {"full_name": name, "date_of_birth": dt.date(2016, 3, 2),
                                                   "gender": "Nữ", **extra}, allow_same_name=True)
           for name, extra in (("Lê Thị Ánh", {}), ("Le Thi Anh", {"personal_id": "031316001234"}))]
    db.dispose()
    return ids


def _rows(capsys):
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_list_then_merge(capsys, school, year):  # noqa: F811
    keep, twin = _twins(school)
    base = ["--db", str(school), "--user", "hieutruong", "pupils"]
    assert main([*base, "duplicates", "--year", year, "--format", "csv"]) == 0
    rows = _rows(capsys)
    assert len(rows) == 1 and rows[0]["reasons"] == "name_dob"
    assert {rows[0]["first_id"], rows[0]["second_id"]} == {str(keep), str(twin)}
    assert main([*base, "merge", str(keep), str(twin), "--dry-run"]) == 0
    assert "Số định danh cá nhân" in capsys.readouterr().out
    assert main([*base, "merge", str(keep), str(twin)]) == 0
    assert "Đã gộp hồ sơ Le Thi Anh vào hồ sơ Lê Thị Ánh." in capsys.readouterr().out
    assert main([*base, "duplicates", "--format", "csv"]) == 0
    assert _rows(capsys) == []
    assert main([*base, "merge", "khong-phai-ma", str(twin)]) == 2
