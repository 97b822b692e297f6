"""Backups of formats 1 (one zlib stream) and 2 (zlib blocks) still verify and restore; format 3's zstd
frames round-trip, and a damaged frame is refused even when the file's checksum is made to match."""

import datetime as dt
import hashlib
import json
import os
import sqlite3
import struct
import zlib

import pytest
import zstandard
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


def _old_format(form: int, db_bytes: bytes, passphrase: str | None) -> bytes:
    """What earlier versions wrote: format 1, zlib level 6 of the whole file; format 2, 4 kB blocks of zlib
    level 1, each after its length; then AES-GCM (with a passphrase) and the SHA-256 trailer."""
    if form == 1:
        compressed = zlib.compress(db_bytes, 6)
    else:
        blocks = [zlib.compress(db_bytes[at:at + 4096], 1) for at in range(0, len(db_bytes), 4096)]
        compressed = b"".join(len(block).to_bytes(4, "big") + block for block in blocks)
    header = {"format": form, "created_at": "2026-11-01T10:00:00", "school": "", "schema": "", "counts": {},
              "encrypted": bool(passphrase)}
    if passphrase:
        salt, nonce = os.urandom(16), os.urandom(12)
        header.update(kdf={"name": "scrypt", "salt": salt.hex(), "n": backup.SCRYPT_N, "r": backup.SCRYPT_R,
                           "p": backup.SCRYPT_P}, nonce=nonce.hex())
    head = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
    payload = compressed
    if passphrase:
        payload = AESGCM(backup._derive(passphrase, salt)).encrypt(nonce, compressed, head)
    body = backup.MAGIC + struct.pack(">I", len(head)) + head + payload
    return body + hashlib.sha256(body).digest()


def _rewrap(data: bytes, payload: bytes) -> bytes:
    """The same backup with another (unencrypted) payload and a matching trailer."""
    header, head, _payload = backup._parse(data)
    body = backup.MAGIC + struct.pack(">I", len(head)) + head + payload
    return body + hashlib.sha256(body).digest()


@pytest.mark.parametrize("form, passphrase", [(1, PASSPHRASE), (2, PASSPHRASE), (2, None)])
def test_older_formats_still_decode_and_verify(tmp_path, form, passphrase):
    db_bytes = _database(tmp_path / "old.sqlite").read_bytes()
    old = tmp_path / "nk-backup-20261101-100000.nkb"
    old.write_bytes(_old_format(form, db_bytes, passphrase))
    header, restored = backup.decode(old.read_bytes(), passphrase)
    assert header["format"] == form and restored == db_bytes
    assert backup.verify(old, passphrase).counts["pupil"] == 3000
    backup._extract(old.read_bytes(), passphrase, tmp_path / "restored.sqlite")  # what restore stages
    assert (tmp_path / "restored.sqlite").read_bytes() == db_bytes


@pytest.mark.parametrize("passphrase", [PASSPHRASE, None])
def test_format_3_round_trip_in_several_frames(tmp_path, monkeypatch, passphrase):
    monkeypatch.setattr(backup, "FRAME", 3 * 4096)  # many frames even for a small file,
    monkeypatch.setattr(backup, "CHUNK", 2 * 4096)  # read in pieces that straddle the frames' ends
    source = _database(tmp_path / "school.sqlite")
    info = backup.backup(source, tmp_path / "usb", passphrase=passphrase, now=dt.datetime(2026, 11, 29, 10, 0))
    header, restored = backup.decode(info.path.read_bytes(), passphrase)
    assert header["format"] == 3 and header["compression"] == "zstd-1"
    assert restored == source.read_bytes()  # read straight from the file: the same bytes
    (tmp_path / "restored.sqlite").write_bytes(restored)
    conn = sqlite3.connect(tmp_path / "restored.sqlite")
    assert conn.execute("SELECT COUNT(*), MAX(name) FROM pupil").fetchone() == (3000, "Lê Thị Mai 999")
    conn.close()
    assert backup.verify(info.path, passphrase).counts["pupil"] == 3000
    if passphrase is None:  # a plain zstd stream, frame after frame, as `zstd -d` reads it
        rest, frames = bytes(backup._parse(info.path.read_bytes())[2]), 0
        while rest:
            inflater = zstandard.ZstdDecompressor().decompressobj()
            inflater.decompress(rest)
            assert inflater.eof and zstandard.get_frame_parameters(rest[:18]).has_checksum
            rest, frames = inflater.unused_data, frames + 1
        assert frames == -(-len(restored) // (3 * 4096)) > 1


def test_a_damaged_frame_is_refused_even_with_a_matching_trailer(tmp_path, monkeypatch):
    monkeypatch.setattr(backup, "FRAME", 3 * 4096)
    source = _database(tmp_path / "school.sqlite")
    data = backup.backup(source, tmp_path / "usb", passphrase=None).path.read_bytes()
    payload = bytes(backup._parse(data)[2])
    flipped = bytearray(payload)
    flipped[len(flipped) // 2] ^= 0x01
    for broken in (payload[:-4], payload[:-1], payload[:len(payload) // 2], bytes(flipped), payload + b"\0",
                   payload + payload[:9], b""):
        with pytest.raises(backup.BackupError, match="bị hỏng"):
            backup.decode(_rewrap(data, broken), None)


def test_a_format_from_a_newer_version_is_refused(tmp_path):
    data = _old_format(2, _database(tmp_path / "db.sqlite").read_bytes(), None)
    newer = data.replace(b'"format": 2', b'"format": 9')[:-32]
    with pytest.raises(backup.BackupError, match="phiên bản NK Desktop mới hơn"):
        backup.decode(newer + hashlib.sha256(newer).digest(), None)
