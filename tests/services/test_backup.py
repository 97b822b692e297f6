"""USB backup and restore: verified round trips, damaged and truncated files, wrong passphrase, rotation."""

import datetime as dt
import os
import shutil

import pytest
from sqlalchemy import select

from nk_desktop.cli import main
from nk_desktop.db import open_database
from nk_desktop.errors import PermissionDenied, ValidationError
from nk_desktop.models.journal import LocalState
from nk_desktop.models.school import School
from nk_desktop.services import maintenance, school
from nk_desktop.services.permissions import Role
from nk_desktop.sync import backup as backups

PASS = "Cụm mật khẩu của trường 2026"
pytestmark = pytest.mark.usefixtures("sqlite_only")


def test_round_trip_encrypted(db, principal, tmp_path):
    info = maintenance.backup_database(db, principal, tmp_path / "usb", passphrase=PASS)
    assert info.encrypted and info.school == "Trường Tiểu học Nguyễn Khuyến" and info.counts["account"] == 1
    header, _head, payload = backups._parse(info.path.read_bytes())
    assert header["encrypted"] and b"hieutruong" not in payload and b"SQLite format" not in payload
    again = backups.verify(info.path, PASS)
    assert again.counts == info.counts and again.schema == info.schema


def test_wrong_or_missing_passphrase_is_refused(db, principal, tmp_path):
    info = maintenance.backup_database(db, principal, tmp_path / "usb", passphrase=PASS)
    with pytest.raises(backups.BackupError, match="Sai cụm mật khẩu"):
        backups.verify(info.path, "sai")
    with pytest.raises(backups.BackupError, match="cần cụm mật khẩu"):
        backups.verify(info.path, None)


def test_every_truncation_and_a_flipped_byte_are_refused(db, principal, tmp_path):
    info = maintenance.backup_database(db, principal, tmp_path / "usb", passphrase=None)
    data = info.path.read_bytes()
    broken = tmp_path / "broken.nkb"
    step = max(1, len(data) // 400)  # a few hundred cut points across the whole file, plus the edges
    for cut in sorted(set(range(0, len(data), step)) | {1, 9, 10, 14, len(data) - 33, len(data) - 1}):
        broken.write_bytes(data[:cut])
        with pytest.raises(backups.BackupError):
            backups.verify(broken, None)
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0x01
    broken.write_bytes(bytes(flipped))
    with pytest.raises(backups.BackupError, match="mã kiểm tra không khớp"):
        backups.verify(broken, None)


def test_rotation_keeps_7_daily_4_weekly_12_monthly():
    start = dt.datetime(2026, 1, 1, 17, 0)
    stamps = [start + dt.timedelta(days=n) for n in range(400)]
    keep = backups.rotation_keep(stamps)
    newest = stamps[-1]
    assert newest in keep
    assert all(stamps[-n] in keep for n in range(1, 8))  # the last 7 days
    months = {(s.year, s.month) for s in keep}
    assert len(months) == 12
    assert len(keep) <= 7 + 4 + 12


def test_old_backups_are_rotated_on_the_disk(db, principal, tmp_path):
    folder = tmp_path / "usb"
    for n in range(10):
        maintenance.backup_database(db, principal, folder, passphrase=None,
                                    now=dt.datetime(2026, 11, 1, 17, 0) + dt.timedelta(days=n))
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 8  # 7 daily + the newest of the first week of November
    assert names[-1] == "nk-backup-20261110-170000.nkb" and not any(n.startswith(".tmp") for n in names)


def test_an_empty_database_never_replaces_real_backups(tmp_path, db, principal):
    from nk_desktop.actor import SYSTEM
    from nk_desktop.services import pupils

    with db.read() as session:
        year_id = school.current_year(session, dt.date(2026, 11, 29)).id
    class_id = school.create_class(db, SYSTEM, year_id, "1A")
    pupils.add_pupil(db, SYSTEM, class_id, {"full_name": "Lê Văn An", "date_of_birth": dt.date(2020, 1, 1),
                                            "gender": "Nam"})
    folder = tmp_path / "usb"
    maintenance.backup_database(db, principal, folder, passphrase=None, now=dt.datetime(2026, 11, 1, 17, 0))
    empty = open_database(tmp_path / "empty.sqlite")
    from nk_desktop.services.setup import init_school

    init_school(empty, "Trường Tiểu học Nguyễn Khuyến", "matkhau123")
    with pytest.raises(ValidationError, match="đang trống"):
        backups.backup(tmp_path / "empty.sqlite", folder, passphrase=None, now=dt.datetime(2026, 11, 2, 17, 0))
    assert len(list(folder.iterdir())) == 1


def test_restore_keeps_the_current_file_and_rekeys(db, principal, tmp_path):
    info = maintenance.backup_database(db, principal, tmp_path / "usb", passphrase=PASS)
    node_before = db.node_id()
    school.update_profile(db, principal, phone="0225 999 888")  # a change made after the backup
    restored, kept = maintenance.restore_database(db, principal, info.path, passphrase=PASS)
    assert kept is not None and kept.exists() and "truoc-khoi-phuc" in kept.name
    reopened = open_database(db.location)
    with reopened.read() as session:
        assert session.scalars(select(School.phone)).one() == ""  # the backup's value
        assert session.scalar(select(LocalState.value).where(LocalState.key == "restored_at"))
    assert reopened.node_id() != node_before
    aside = open_database(kept)
    with aside.read() as session:
        assert session.scalars(select(School.phone)).one() == "0225 999 888"
    reopened.dispose()
    aside.dispose()


def test_a_backup_from_a_newer_version_is_refused_untouched(db, principal, tmp_path):
    import sqlite3

    future = tmp_path / "future.sqlite"
    shutil.copyfile(db.location, future)
    conn = sqlite3.connect(future)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    info = backups.backup(future, tmp_path / "usb", passphrase=None)
    before = open(db.location, "rb").read()
    with pytest.raises(backups.BackupError, match="phiên bản NK Desktop mới hơn"):
        maintenance.restore_database(db, principal, info.path, passphrase=None)
    assert open(db.location, "rb").read() == before


def test_only_the_principal_db_admin_and_office_back_up(db, people, tmp_path):
    with pytest.raises(PermissionDenied):
        maintenance.backup_database(db, people.actors[Role.GV_CHU_NHIEM], tmp_path, passphrase=None)
    with pytest.raises(PermissionDenied):
        maintenance.restore_database(db, people.actors[Role.VAN_THU], tmp_path / "x.nkb", passphrase=None)
    maintenance.backup_database(db, people.actors[Role.QUAN_TRI_CSDL], tmp_path / "usb", passphrase=None)


def test_cli_backup_verify_restore(db, tmp_path, monkeypatch, capsys):
    location = db.location
    db.dispose()
    monkeypatch.setenv("NK_PASSWORD", "matkhau123")
    base = ["--db", location, "--user", "hieutruong"]
    monkeypatch.delenv("NK_BACKUP_PASSPHRASE", raising=False)
    assert main(base + ["backup", "--to", str(tmp_path / "usb")]) == 2  # encryption needs a passphrase
    monkeypatch.setenv("NK_BACKUP_PASSPHRASE", PASS)
    assert main(base + ["backup", "--to", str(tmp_path / "usb")]) == 0
    made = next((tmp_path / "usb").glob("*.nkb"))
    assert main(base + ["backup", "verify", str(made)]) == 0
    monkeypatch.setenv("NK_BACKUP_PASSPHRASE", "sai")
    assert main(base + ["backup", "verify", str(made)]) == 1
    monkeypatch.setenv("NK_BACKUP_PASSPHRASE", PASS)
    assert main(base + ["backup", "verify"]) == 2
    assert main(base + ["restore", str(made)]) == 2  # needs --yes
    assert main(base + ["restore", str(made), "--yes"]) == 0
    assert "Đã khôi phục" in capsys.readouterr().out
    assert main(base + ["backup", "--to", str(tmp_path / "plain"), "--no-encrypt"]) == 0


@pytest.mark.postgresql
def test_usb_backup_is_for_sqlite_files_only(tmp_path):
    """On a PostgreSQL server the district backs up the server; the app says so instead of failing."""
    from nk_desktop.db import Database

    server = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(ValidationError, match="PostgreSQL"):
        maintenance._file_of(server)
