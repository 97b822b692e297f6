"""Backups made before format 2 (one zlib stream) still verify and restore; format 2's blocks are checked."""

import datetime as dt
import hashlib
import json
import os
import sqlite3
import struct
import zlib

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from nk_desktop.sync import backup

PASSPHRASE = "cụm mật khẩu"


def _database(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE pupil (id INTEGER PRIMARY KEY, name TEXT, deleted INTEGER DEFAULT 0)")
    conn.executemany("INSERT INTO pupil (name) VALUES (?)", [(f"Lê Thị Mai {n}",) for n in range(3000)])
    conn.commit()
    conn.close()
    return path


def _format_1(db_bytes: bytes, passphrase: str) -> bytes:
    """What the first version wrote: zlib level 6 of the whole file, then AES-GCM."""
    salt, nonce = os.urandom(16), os.urandom(12)
    header = {"format": 1, "created_at": "2026-11-01T10:00:00", "school": "", "schema": "", "counts": {},
              "encrypted": True, "kdf": {"name": "scrypt", "salt": salt.hex(), "n": backup.SCRYPT_N,
                                         "r": backup.SCRYPT_R, "p": backup.SCRYPT_P}, "nonce": nonce.hex()}
    head = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
    payload = AESGCM(backup._derive(passphrase, salt)).encrypt(nonce, zlib.compress(db_bytes, 6), head)
    body = backup.MAGIC + struct.pack(">I", len(head)) + head + payload
    return body + hashlib.sha256(body).digest()


def test_a_format_1_backup_still_decodes(tmp_path):
    db_bytes = _database(tmp_path / "old.sqlite").read_bytes()
    old = tmp_path / "nk-backup-20261101-100000.nkb"
    old.write_bytes(_format_1(db_bytes, PASSPHRASE))
    header, restored = backup.decode(old.read_bytes(), PASSPHRASE)
    assert header["format"] == 1 and restored == db_bytes
    assert backup.verify(old, PASSPHRASE).encrypted


@pytest.mark.parametrize("passphrase", [PASSPHRASE, None])
def test_format_2_round_trip_in_several_blocks(tmp_path, monkeypatch, passphrase):
    monkeypatch.setattr(backup, "BLOCK", 4096)  # many blocks even for a small file
    source = _database(tmp_path / "school.sqlite")
    info = backup.backup(source, tmp_path / "usb", passphrase=passphrase, now=dt.datetime(2026, 11, 29, 10, 0))
    header, restored = backup.decode(info.path.read_bytes(), passphrase)
    assert header["format"] == 2 and len(restored) == source.stat().st_size  # an online copy: same pages
    (tmp_path / "restored.sqlite").write_bytes(restored)
    conn = sqlite3.connect(tmp_path / "restored.sqlite")
    assert conn.execute("SELECT COUNT(*), MAX(name) FROM pupil").fetchone() == (3000, "Lê Thị Mai 999")
    conn.close()
    assert backup.verify(info.path, passphrase).counts["pupil"] == 3000
