"""The backup's snapshot: read straight from the live file while SQLite keeps it still, or copied with the
backup API when it cannot (a busy WAL, a file of 1 GiB or more); writers go on meanwhile; cancel and a
failed check leave nothing behind; this process keeps its SQLite locks."""

import datetime as dt
import os
import sqlite3
import subprocess
import sys

import pytest

from nk_desktop.sync import backup

NOW = dt.datetime(2026, 11, 29, 10, 0)
PASSPHRASE = "cụm mật khẩu"


def _database(path, rows: int = 3000):
    """A WAL database like the app's, with an idle connection left open (as the app's pool keeps one)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE pupil (id INTEGER PRIMARY KEY, name TEXT, deleted INTEGER DEFAULT 0)")
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO pupil (name) VALUES (?)", [(f"Lê Thị Mai {n}",) for n in range(rows)])
    conn.execute("COMMIT")
    return conn


def _rows(db_bytes: bytes, tmp_path) -> list[tuple]:
    copy = tmp_path / "restored.sqlite"
    copy.write_bytes(db_bytes)
    conn = sqlite3.connect(copy)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return conn.execute("SELECT id, name FROM pupil ORDER BY id").fetchall()
    finally:
        conn.close()
        copy.unlink()


@pytest.fixture
def copies(monkeypatch):
    """The online copies made (the fallback path)."""
    made = []
    real = backup.online_copy

    def spy(source, target, *args, **kwargs):
        made.append(source)
        return real(source, target, *args, **kwargs)

    monkeypatch.setattr(backup, "online_copy", spy)
    return made


def test_the_live_file_is_read_without_a_copy(tmp_path, copies):
    source = tmp_path / "school.sqlite"
    app = _database(source)
    app.execute("UPDATE pupil SET name = 'Trần Văn Bình' WHERE id = 7")  # in the WAL, not yet in the file
    info = backup.backup(source, tmp_path / "usb", passphrase=PASSPHRASE, now=NOW)
    assert copies == []
    header, db_bytes = backup.decode(info.path.read_bytes(), PASSPHRASE)
    assert header["format"] == 3 and db_bytes == source.read_bytes()  # the WAL was folded in first
    assert _rows(db_bytes, tmp_path)[6] == (7, "Trần Văn Bình")
    app.close()


def test_a_writer_committing_while_the_backup_streams_is_not_blocked_and_not_in_the_backup(
        tmp_path, monkeypatch, copies):
    monkeypatch.setattr(backup, "CHUNK", 4096)  # many progress calls while the file is read
    source = tmp_path / "school.sqlite"
    _database(source).close()
    before = _rows(source.read_bytes(), tmp_path)
    # timeout=0: a writer kept waiting would fail at once; checkpoint after every page: without the
    # backup's read transaction, each commit would copy its pages into the file being read
    writer = sqlite3.connect(source, timeout=0, isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint=1")
    committed = []

    def progress(done, total, text):
        if "nén" in text and not committed and done > total // 3:
            writer.execute("BEGIN")
            writer.execute("UPDATE pupil SET name = 'đã sửa trong lúc sao lưu'")
            writer.executemany("INSERT INTO pupil (name) VALUES (?)", [("Mới",)] * 500)
            writer.execute("COMMIT")
            writer.execute("PRAGMA wal_checkpoint(PASSIVE)")  # refused quietly while the backup reads
            committed.append(done)

    info = backup.backup(source, tmp_path / "usb", passphrase=None, now=NOW, progress=progress)
    assert committed and copies == []
    _header, db_bytes = backup.decode(info.path.read_bytes(), None)
    assert _rows(db_bytes, tmp_path) == before  # the state when the backup began, whole
    assert writer.execute("SELECT COUNT(*) FROM pupil").fetchone() == (3500,)  # and the writer's work is kept
    writer.close()


def test_a_busy_wal_falls_back_to_the_backup_api(tmp_path, monkeypatch, copies):
    monkeypatch.setattr(backup, "CHECKPOINT_WAIT", 0.05)
    source = tmp_path / "school.sqlite"
    app = _database(source)
    reader = sqlite3.connect(source, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM pupil").fetchone()  # an old snapshot: the WAL cannot be emptied
    app.execute("INSERT INTO pupil (name) VALUES ('Đỗ Thị Hà')")
    info = backup.backup(source, tmp_path / "usb", passphrase=PASSPHRASE, now=NOW)
    assert copies == [source]
    _header, db_bytes = backup.decode(info.path.read_bytes(), PASSPHRASE)
    assert _rows(db_bytes, tmp_path)[-1] == (3001, "Đỗ Thị Hà")  # the latest committed state
    reader.close()
    app.close()


def test_a_file_of_1_gib_or_more_is_copied_first(tmp_path, monkeypatch, copies):
    monkeypatch.setattr(backup, "DIRECT_LIMIT", 4096)  # the lock-byte page: Windows refuses to read it
    source = tmp_path / "school.sqlite"
    _database(source).close()
    info = backup.backup(source, tmp_path / "usb", passphrase=None, now=NOW)
    assert copies == [source]
    assert backup.verify(info.path, None).counts == {"pupil": 3000}


def test_cancel_leaves_nothing_and_releases_the_snapshot(tmp_path, monkeypatch):
    monkeypatch.setattr(backup, "CHUNK", 4096)
    source = tmp_path / "school.sqlite"
    app = _database(source)
    calls = []
    with pytest.raises(backup.Cancelled):
        backup.backup(source, tmp_path / "usb", passphrase=None, now=NOW,
                      progress=lambda done, total, text: calls.append(done), is_cancelled=lambda: len(calls) > 3)
    assert list((tmp_path / "usb").iterdir()) == []
    app.execute("INSERT INTO pupil (name) VALUES ('Mới')")
    assert app.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0  # no reader left behind
    app.close()


def test_a_broken_database_is_not_backed_up(tmp_path):
    source = tmp_path / "school.sqlite"
    app = _database(source)
    app.execute("CREATE TABLE mark (id INTEGER PRIMARY KEY, pupil_id INTEGER REFERENCES pupil(id))")
    app.execute("INSERT INTO mark (pupil_id) VALUES (99999)")  # foreign keys are off on this connection
    with pytest.raises(backup.BackupError, match="liên kết hỏng"):
        backup.backup(source, tmp_path / "usb", passphrase=None, now=NOW)
    assert list((tmp_path / "usb").iterdir()) == []
    app.close()


@pytest.mark.skipif(os.name != "posix", reason="fcntl locks: closing any descriptor of a file drops them all")
def test_this_process_keeps_its_sqlite_locks_after_a_backup(tmp_path):
    """The app's connections hold SQLite's SHARED lock on the database file; a backup that opened and closed
    its own descriptor of the file would drop it, and another process could then take the file as its own."""
    source = tmp_path / "school.sqlite"
    app = _database(source)
    app.execute("SELECT COUNT(*) FROM pupil").fetchone()
    probe = (
        "import fcntl, os, sys\n"
        "fd = os.open(sys.argv[1], os.O_RDWR)\n"
        "try:\n"
        "    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 510, 0x40000002)\n"  # SQLite's shared-lock range
        "    print('free')\n"
        "except OSError:\n"
        "    print('held')\n")

    def lock_state() -> str:
        return subprocess.run([sys.executable, "-c", probe, str(source)], capture_output=True, text=True,
                              check=True).stdout.strip()

    assert lock_state() == "held"
    for n in range(2):
        backup.backup(source, tmp_path / "usb", passphrase=None, now=NOW + dt.timedelta(minutes=n))
        assert lock_state() == "held"
    app.close()


@pytest.mark.parametrize("passphrase", [PASSPHRASE, None])
def test_a_backup_damaged_on_the_drive_is_found_by_the_read_back_and_removed(tmp_path, monkeypatch, passphrase):
    source = tmp_path / "school.sqlite"
    _database(source).close()
    folder = tmp_path / "usb"
    real_sync = backup._sync_folder

    def flip_a_byte_on_the_drive(where):
        real_sync(where)
        made = next(where.glob("*.nkb"))
        data = bytearray(made.read_bytes())
        data[len(data) // 2] ^= 0x10
        made.write_bytes(bytes(data))

    monkeypatch.setattr(backup, "_sync_folder", flip_a_byte_on_the_drive)
    with pytest.raises(backup.BackupError, match="Đọc lại bản sao lưu không khớp"):
        backup.backup(source, folder, passphrase=passphrase, now=NOW)
    assert list(folder.iterdir()) == []
