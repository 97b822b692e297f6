"""USB backup and restore (sync-design §4.13, issue 7).

A backup is one self-checking file: a consistent online copy of the database
(SQLite's backup API), checked (integrity and foreign keys), compressed, and by
default encrypted with AES-GCM under a key derived from the school's passphrase
(the recovery sheet).  It is written under a temporary name, flushed, renamed
without overwriting, then read back and verified.  Old backups rotate
(7 daily, 4 weekly, 12 monthly).  Restore verifies, upgrades an older copy,
refuses a newer one, keeps the current file aside and gives the PC a new
identity so sync brings it forward without confusing the other PCs.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import struct
import tempfile
import uuid
import zlib
from pathlib import Path
from typing import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from nk_desktop.errors import NKError, ValidationError
from nk_desktop.i18n import _

MAGIC = b"NKBACKUP1\n"
SUFFIX = ".nkb"
NAME_RE = re.compile(r"^nk-backup-(\d{8})-(\d{6})\.nkb$")
KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY = 7, 4, 12
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 15, 8, 1
COUNTED_TABLES = ("pupil", "staff_member", "account", "school_class", "subject_result", "audit_entry")

BLOCK = 4 * 1024 * 1024  # bytes compressed as one zlib block (format 2)
LEVEL = 1                # zlib level: about a tenth larger than level 6 on the demo school, three times faster
WORKERS = 2              # threads compressing blocks (zlib and SQLite release the GIL)

Progress = Callable[[int, int, str], None]


class BackupError(NKError):
    """A backup file is unreadable, damaged, from a newer version, or the passphrase is wrong."""


class Cancelled(NKError):
    """The person pressed Hủy; nothing was written."""


@dataclasses.dataclass(frozen=True)
class BackupInfo:
    path: Path
    created_at: str            # ISO, this PC's local time
    school: str
    schema: str
    counts: dict[str, int]
    encrypted: bool

    @property
    def created_text(self) -> str:
        """"15:20 ngày 29/11/2026"."""
        try:
            return dt.datetime.fromisoformat(self.created_at).strftime("%H:%M ngày %d/%m/%Y")
        except ValueError:
            return self.created_at


def _derive(passphrase: str, salt: bytes, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def facts(path: Path) -> tuple[str, str, dict[str, int]]:
    """School name, Alembic revision and row counts of a database file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        school = conn.execute("SELECT name FROM school WHERE deleted = 0 LIMIT 1").fetchone() if "school" in tables else None
        schema = conn.execute("SELECT version_num FROM alembic_version").fetchone() if "alembic_version" in tables else None
        counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in COUNTED_TABLES if t in tables}
    finally:
        conn.close()
    return (school[0] if school else ""), (schema[0] if schema else ""), counts


def _check(path: Path, *, quick: bool = False) -> None:
    """SQLite's integrity check (``quick_check`` when making a backup: every page and b-tree, not the index
    contents against their tables, which takes three times as long) and the foreign-key check."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        integrity = conn.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check").fetchone()[0]
        broken_links = conn.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        conn.close()
    if integrity != "ok":
        raise BackupError(_("Cơ sở dữ liệu bị hỏng ({r}); không sao lưu.").format(r=integrity))
    if broken_links:
        raise BackupError(_("Cơ sở dữ liệu có {n} liên kết hỏng (bảng {t}); không sao lưu.").format(
            n=len(broken_links), t=broken_links[0][0]))


def online_copy(source: Path, target: Path, progress: Progress | None = None,
                is_cancelled: Callable[[], bool] | None = None) -> None:
    """A consistent copy of a live database with SQLite's backup API (pages copied in steps)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        def step(status, remaining, total):
            if is_cancelled and is_cancelled():
                raise Cancelled(_("Đã hủy sao lưu."))
            if progress:
                progress(total - remaining, total, _("Đang sao chép dữ liệu…"))
        src.backup(dst, pages=256, progress=step)
    finally:
        dst.close()
        src.close()


def _parse(data: bytes) -> tuple[dict, bytes, bytes]:
    """(header, header bytes, payload) of a backup file's bytes; ``BackupError`` when torn or altered."""
    if len(data) < len(MAGIC) + 4 + 32 or not data.startswith(MAGIC):
        raise BackupError(_("Đây không phải tệp sao lưu NK Desktop, hoặc tệp bị cắt cụt."))
    body, digest = data[:-32], data[-32:]
    if hashlib.sha256(body).digest() != digest:
        raise BackupError(_("Tệp sao lưu bị hỏng hoặc chép thiếu (mã kiểm tra không khớp)."))
    (length,) = struct.unpack(">I", body[len(MAGIC):len(MAGIC) + 4])
    head = body[len(MAGIC) + 4:len(MAGIC) + 4 + length]
    try:
        header = json.loads(head.decode("utf-8"))
    except ValueError:
        raise BackupError(_("Phần đầu tệp sao lưu không đọc được.")) from None
    return header, head, body[len(MAGIC) + 4 + length:]


def decode(data: bytes, passphrase: str | None) -> tuple[dict, bytes]:
    """The header and the database bytes of a backup."""
    header, head, payload = _parse(data)
    if header.get("encrypted"):
        if not passphrase:
            raise BackupError(_("Bản sao lưu được mã hóa: cần cụm mật khẩu trên phiếu khôi phục của trường."))
        payload = _decrypt(header, head, payload, _key_for(header, passphrase))
    return header, b"".join(_inflate(header, payload))


def _key_for(header: dict, passphrase: str) -> bytes:
    kdf = header["kdf"]
    return _derive(passphrase, bytes.fromhex(kdf["salt"]), kdf["n"], kdf["r"], kdf["p"])


def _decrypt(header: dict, head: bytes, payload: bytes, key: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(bytes.fromhex(header["nonce"]), payload, head)
    except InvalidTag:
        raise BackupError(_("Sai cụm mật khẩu sao lưu (hoặc tệp đã bị sửa).")) from None


def _inflate(header: dict, payload: bytes):
    """The database bytes, block by block: one zlib stream (format 1) or length-prefixed blocks (format 2)."""
    try:
        if header.get("format", 1) == 1:
            yield zlib.decompress(payload)
            return
        at, view = 0, memoryview(payload)
        while at < len(payload):
            if at + 4 > len(payload):
                raise BackupError(_("Dữ liệu trong tệp sao lưu bị hỏng."))
            size = int.from_bytes(view[at:at + 4], "big")
            block = view[at + 4:at + 4 + size]
            if len(block) != size:
                raise BackupError(_("Dữ liệu trong tệp sao lưu bị hỏng."))
            yield zlib.decompress(block)
            at += 4 + size
    except zlib.error:
        raise BackupError(_("Dữ liệu trong tệp sao lưu bị hỏng.")) from None


def existing_backups(folder: Path) -> list[tuple[dt.datetime, Path]]:
    found = []
    for path in folder.glob(f"nk-backup-*{SUFFIX}"):
        match = NAME_RE.match(path.name)
        if match:
            found.append((dt.datetime.strptime(match.group(1) + match.group(2), "%Y%m%d%H%M%S"), path))
    return sorted(found)


def rotation_keep(stamps: list[dt.datetime]) -> set[dt.datetime]:
    """The newest backup of each of the last 7 days, 4 ISO weeks and 12 months."""
    keep: set[dt.datetime] = set()
    for key, count in ((lambda s: s.date(), KEEP_DAILY), (lambda s: s.isocalendar()[:2], KEEP_WEEKLY),
                       (lambda s: (s.year, s.month), KEEP_MONTHLY)):
        newest: dict = {}
        for stamp in stamps:
            newest[key(stamp)] = max(stamp, newest.get(key(stamp), stamp))
        keep |= set(sorted(newest.values(), reverse=True)[:count])
    return keep


def backup(database_path: Path, folder: Path, *, passphrase: str | None, now: dt.datetime | None = None,
           progress: Progress | None = None, is_cancelled: Callable[[], bool] | None = None) -> BackupInfo:
    """Back up the database file into *folder*; returns what the new backup holds.

    The copy is checked (in a second thread) while it is compressed, encrypted and written under a temporary
    name; then flushed, renamed without overwriting, and read back whole: checksum, decryption and every block
    decompressed must give exactly the bytes that were checked.
    """
    folder.mkdir(parents=True, exist_ok=True)
    now = now or dt.datetime.now()
    target = folder / f"nk-backup-{now:%Y%m%d-%H%M%S}{SUFFIX}"
    with tempfile.TemporaryDirectory(prefix="nk-backup-") as scratch, \
            concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        copy = Path(scratch) / "copy.sqlite"
        online_copy(database_path, copy, progress, is_cancelled)
        school, schema, counts = facts(copy)
        _refuse_empty_over_full(folder, counts, passphrase)
        checked = pool.submit(_check, copy, quick=True)  # SQLite releases the GIL: runs beside the compression
        header = {"format": 2, "created_at": now.isoformat(timespec="seconds"), "school": school,
                  "schema": schema, "counts": counts, "compression": f"zlib-{LEVEL}-blocks"}
        temp = folder / f".tmp-{uuid.uuid4().hex}"
        try:
            key, db_digest = _write_stream(copy, temp, header, passphrase, pool, progress, is_cancelled)
            checked.result()
            if target.exists():  # names carry the time, so this only happens twice in one second
                raise BackupError(_("Đã có tệp {name}; không ghi đè.").format(name=target.name))
            os.replace(temp, target)  # a rename within one folder; USB sticks (FAT) have no hard links
        finally:
            checked.cancel()
            if temp.exists():
                temp.unlink()
        if progress:
            progress(1, 1, _("Đang kiểm tra bản sao lưu…"))
        try:
            _verify_written(target, key, db_digest, pool)
        except BackupError:
            target.unlink()
            raise BackupError(_("Đọc lại bản sao lưu không khớp (ổ USB có thể bị lỗi); đã xóa bản hỏng.")) from None
    stamps = existing_backups(folder)
    keep = rotation_keep([s for s, _p in stamps])
    for stamp, path in stamps:
        if stamp not in keep and path != target:
            path.unlink()
    return BackupInfo(target, header["created_at"], school, schema, counts, bool(passphrase))


def _blocks(path: Path):
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            yield block


def _in_order(pool, fn, items, window: int = 2 * WORKERS):
    """``pool.map(fn, items)`` holding at most *window* items in memory."""
    pending = collections.deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _compress(block: bytes) -> tuple[bytes, bytes]:
    return block, zlib.compress(block, LEVEL)


def _write_stream(copy: Path, temp: Path, header: dict, passphrase: str | None, pool, progress, is_cancelled):
    """Compress (blocks, in threads) and encrypt (AES-GCM, streamed) the copy into *temp*, flushed to disk.

    Same bytes as format 1 around the payload: MAGIC | header length | header | AES-GCM(payload, aad=header)
    | SHA-256 of all before.  Returns (the key, or None; SHA-256 of the database bytes)."""
    key = encryptor = None
    if passphrase:
        salt, nonce = os.urandom(16), os.urandom(12)
        key = _derive(passphrase, salt)
        header = {**header, "encrypted": True, "kdf": {"name": "scrypt", "salt": salt.hex(), "n": SCRYPT_N,
                                                       "r": SCRYPT_R, "p": SCRYPT_P}, "nonce": nonce.hex()}
    else:
        header = {**header, "encrypted": False}
    head = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
    if key:
        encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(head)
    file_digest, db_digest = hashlib.sha256(), hashlib.sha256()
    total, done = copy.stat().st_size, 0
    with open(temp, "wb") as out:
        def emit(data: bytes) -> None:
            file_digest.update(data)
            out.write(data)

        emit(MAGIC + struct.pack(">I", len(head)) + head)
        for block, packed in _in_order(pool, _compress, _blocks(copy)):
            if is_cancelled and is_cancelled():
                raise Cancelled(_("Đã hủy sao lưu."))
            db_digest.update(block)
            piece = len(packed).to_bytes(4, "big") + packed
            emit(encryptor.update(piece) if encryptor else piece)
            done += len(block)
            if progress:
                progress(done, total, _("Đang nén và mã hóa…"))
        if encryptor:
            emit(encryptor.finalize() + encryptor.tag)
        out.write(file_digest.digest())
        out.flush()
        os.fsync(out.fileno())
    return key, db_digest.digest()


def _verify_written(path: Path, key: bytes | None, db_digest: bytes, pool) -> None:
    """Read the new backup back whole: trailer, decryption (its tag) and every block must give the checked bytes."""
    header, head, payload = _parse(path.read_bytes())
    if header.get("encrypted"):
        payload = _decrypt(header, head, payload, key)
    digest = hashlib.sha256()
    blocks = []
    at = 0
    while at < len(payload):
        size = int.from_bytes(payload[at:at + 4], "big")
        blocks.append((at + 4, size))
        at += 4 + size
    view = memoryview(payload)
    try:
        for block in _in_order(pool, lambda span: zlib.decompress(view[span[0]:span[0] + span[1]]), blocks):
            digest.update(block)
    except zlib.error:
        raise BackupError(_("Dữ liệu trong tệp sao lưu bị hỏng.")) from None
    if digest.digest() != db_digest:
        raise BackupError(_("Dữ liệu trong tệp sao lưu không khớp bản đã kiểm tra."))


def _refuse_empty_over_full(folder: Path, counts: dict[str, int], passphrase: str | None) -> None:
    """Never let an empty database replace real backups in the rotation."""
    if counts.get("pupil", 0) or counts.get("account", 0) > 1:
        return
    for _stamp, path in reversed(existing_backups(folder)):
        try:
            header, _head, _payload = _parse(path.read_bytes())
        except BackupError:
            continue
        if header.get("counts", {}).get("pupil", 0):
            raise ValidationError(_(
                "Cơ sở dữ liệu trên máy này đang trống, còn thư mục đã có bản sao lưu có dữ liệu ({name}); "
                "không sao lưu đè để tránh mất dữ liệu.").format(name=path.name))
        return


def verify(path: Path, passphrase: str | None) -> BackupInfo:
    """Read a backup whole: checksum, decryption, decompression, integrity and foreign keys."""
    header, db_bytes = decode(Path(path).read_bytes(), passphrase)
    with tempfile.TemporaryDirectory(prefix="nk-verify-") as scratch:
        copy = Path(scratch) / "check.sqlite"
        copy.write_bytes(db_bytes)
        _check(copy)
        school, schema, counts = facts(copy)
    return BackupInfo(Path(path), header.get("created_at", ""), school, schema, counts, bool(header.get("encrypted")))


def check_restorable(backup_path: Path, passphrase: str | None) -> BackupInfo:
    """Verify a backup and refuse one made by a newer version, before anything is touched."""
    from alembic.script import ScriptDirectory

    from nk_desktop.db import alembic_config

    info = verify(backup_path, passphrase)
    known = {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if info.schema and info.schema not in known:
        raise BackupError(_("Bản sao lưu được tạo bởi phiên bản NK Desktop mới hơn; hãy cập nhật phần mềm trước."))
    return info


def restore(backup_path: Path, database_path: Path, *, passphrase: str | None,
            now: dt.datetime | None = None) -> tuple[BackupInfo, Path | None]:
    """Replace the database with the backup; returns its facts and where the current file was kept.

    An older backup is upgraded; one from a newer version is refused before anything changes.
    The restored file gets a new node id and incarnation (sync then brings it forward).
    """
    from nk_desktop.db import Database

    info = check_restorable(backup_path, passphrase)
    now = now or dt.datetime.now()
    _header, db_bytes = decode(Path(backup_path).read_bytes(), passphrase)
    database_path = Path(database_path)
    staged = database_path.with_name(f".restore-{uuid.uuid4().hex}.sqlite")
    staged.write_bytes(db_bytes)
    try:
        staging = Database(f"sqlite:///{staged}")
        staging.migrate(backup_dir=Path(tempfile.gettempdir()))
        staging.dispose()
        _rekey(staged)
        kept = None
        if database_path.exists():
            kept = database_path.with_name(f"{database_path.stem}.truoc-khoi-phuc-{now:%Y%m%d-%H%M%S}{database_path.suffix}")
            _checkpoint(database_path)  # fold the WAL in, so the file set aside is complete
            shutil.move(database_path, kept)
            for suffix in ("-wal", "-shm"):
                Path(str(database_path) + suffix).unlink(missing_ok=True)
        os.replace(staged, database_path)
    finally:
        if staged.exists():
            staged.unlink()
    return info, kept


def _checkpoint(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _rekey(path: Path) -> None:
    """A restored copy is a new member of the school's sync: new node id and incarnation."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            for key in ("node_id", "incarnation"):
                conn.execute("INSERT INTO local_state(key, value) VALUES (?, ?) "
                             "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, uuid.uuid4().hex))
            conn.execute("INSERT INTO local_state(key, value) VALUES ('restored_at', ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                         (dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),))
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
