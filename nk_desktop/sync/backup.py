"""USB backup and restore (sync-design §4.13, issue 7).

A backup is one self-checking file: a consistent snapshot of the database, checked (integrity and
foreign keys), compressed (zstd), and by default encrypted with AES-GCM under a key derived from the
school's passphrase (the recovery sheet).  It is written under a temporary name, flushed, renamed
without overwriting, then read back and verified.  Old backups rotate (7 daily, 4 weekly,
12 monthly).  Restore verifies, upgrades an older copy, refuses a newer one, keeps the current file
aside and gives the PC a new identity so sync brings it forward without confusing the other PCs.

The snapshot is read straight from the live file when SQLite guarantees the file's bytes are the
snapshot (the WAL folded in and empty, a read transaction open: see ``_pin``); otherwise it is an
online copy made with SQLite's backup API, as before.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import errno
import hashlib
import itertools
import json
import os
import re
import shutil
import sqlite3
import struct
import tempfile
import threading
import uuid
import zlib
from pathlib import Path
from typing import Callable, Iterator

import zstandard
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

FORMAT = 3                # 1: one zlib stream; 2: zlib blocks; 3: zstd frames (all three are read)
ZSTD_LEVEL = 1            # the demo school's 482 MB → 29 MB (zlib level 1: 45 MB) in a third of zlib's time
ZSTD_THREADS = 2          # zstd's own worker threads
FRAME = 32 * 1024 * 1024  # database bytes per zstd frame: the read-back decompresses frames in two threads
CHUNK = 4 * 1024 * 1024   # bytes read from the database file at a time
DIRECT_LIMIT = 1 << 30    # from 1 GiB a file holds SQLite's lock-byte page, which Windows may refuse to read
CHECKPOINT_WAIT = 1.0     # seconds the checkpoint waits for a writer before the backup copies with the backup API

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
        return _facts_of(conn)
    finally:
        conn.close()


def _facts_of(conn: sqlite3.Connection) -> tuple[str, str, dict[str, int]]:
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    school = conn.execute("SELECT name FROM school WHERE deleted = 0 LIMIT 1").fetchone() if "school" in tables else None
    schema = conn.execute("SELECT version_num FROM alembic_version").fetchone() if "alembic_version" in tables else None
    counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in COUNTED_TABLES if t in tables}
    return (school[0] if school else ""), (schema[0] if schema else ""), counts


def _check(path: Path, *, quick: bool = False) -> None:
    """SQLite's integrity check and the foreign-key check of a database file (see ``_check_open``)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        _check_open(conn, quick=quick)
    finally:
        conn.close()


def _check_open(conn: sqlite3.Connection, *, quick: bool = False) -> None:
    """SQLite's integrity check (``quick_check`` when making a backup: every page and b-tree, not the index
    contents against their tables, which takes three times as long) and the foreign-key check."""
    integrity = conn.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check").fetchone()[0]
    broken_links = conn.execute("PRAGMA foreign_key_check").fetchall()
    if integrity != "ok":
        raise BackupError(_("Cơ sở dữ liệu bị hỏng ({r}); không sao lưu.").format(r=integrity))
    if broken_links:
        raise BackupError(_("Cơ sở dữ liệu có {n} liên kết hỏng (bảng {t}); không sao lưu.").format(
            n=len(broken_links), t=broken_links[0][0]))


def online_copy(source: Path, target: Path, progress: Progress | None = None,
                is_cancelled: Callable[[], bool] | None = None) -> None:
    """A consistent copy of a live database with SQLite's backup API (pages copied in steps) into a scratch
    file: not flushed to the disk (the backup made from it is)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        dst.execute("PRAGMA synchronous=OFF")
        def step(status, remaining, total):
            if is_cancelled and is_cancelled():
                raise Cancelled(_("Đã hủy sao lưu."))
            if progress:
                progress(total - remaining, total, _("Đang sao chép dữ liệu…"))
        src.backup(dst, pages=256, progress=step)
    finally:
        dst.close()
        src.close()


# --- the snapshot -----------------------------------------------------------------------------

def _connect(path: Path) -> sqlite3.Connection:
    """A read-write connection (the checkpoint writes) that must not create a missing file; usable from the
    checking thread too (one thread at a time)."""
    name = str(path).replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    return sqlite3.connect(f"file:{name}?mode=rw", uri=True, timeout=CHECKPOINT_WAIT, isolation_level=None,
                           check_same_thread=False)


def _pin(conn: sqlite3.Connection, path: Path, limit: int | None) -> int | None:
    """Begin a read transaction whose database is exactly the file's first N bytes; N, or None (no transaction).

    ``wal_checkpoint(TRUNCATE)`` folds the WAL into the file and empties it.  A read transaction begun with
    the WAL still empty reads the file alone (WAL read-mark 0), and while it is open SQLite changes nothing
    in the file: writers append to the WAL, and a checkpoint must take read-mark 0 exclusively before it
    copies pages back (wal.c, ``walCheckpoint``).  So the file's bytes stay this snapshot until the
    transaction ends, while other connections go on writing.  (The WAL was empty when the transaction
    began if it is empty after: with older frames in it, our read-mark would not be 0 and nobody could
    truncate it under us.)  A database in rollback-journal mode has no WAL: the transaction's SHARED lock
    keeps writers out until it ends.  None when a writer kept the checkpoint busy, the WAL is not empty,
    or the file reaches *limit* (1 GiB: the lock-byte page, which Windows will not let another handle read
    while a writer holds it)."""
    if limit is not None and os.path.getsize(path) >= limit:
        return None
    try:
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    except sqlite3.OperationalError:  # locked by a writer for longer than CHECKPOINT_WAIT
        return None
    if busy:
        return None
    conn.execute("BEGIN")
    try:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # a read: the snapshot is taken here
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    except sqlite3.OperationalError:  # rollback-journal mode, a writer holding the file
        conn.execute("ROLLBACK")
        return None
    wal = Path(f"{path}-wal")
    if (wal.exists() and wal.stat().st_size) or os.path.getsize(path) < page_size * pages:
        conn.execute("ROLLBACK")
        return None
    return page_size * pages


def _open_snapshot(source: Path, scratch: Path, progress: Progress | None,
                   is_cancelled: Callable[[], bool] | None) -> tuple[sqlite3.Connection, Path, int, bool]:
    """(a connection in a read transaction, the file whose first *size* bytes are its database, size, whether
    that file is the live one).  Straight from the live file when ``_pin`` allows it, else from an online
    copy in *scratch* made with SQLite's backup API."""
    conn = _connect(source)
    try:
        size = _pin(conn, source, DIRECT_LIMIT)
    except BaseException:
        conn.close()
        raise
    if size is not None:
        return conn, Path(source), size, True
    conn.close()
    copy = scratch / "copy.sqlite"
    online_copy(source, copy, progress, is_cancelled)
    conn = _connect(copy)
    size = _pin(conn, copy, None)  # nobody else has the copy open
    if size is None:
        conn.close()
        raise BackupError(_("Không giữ được bản chụp dữ liệu để sao lưu; hãy thử lại."))
    return conn, copy, size, False


_HELD: dict[tuple[int, int], int] = {}
_HELD_LOCK = threading.Lock()


def _held_descriptor(path: Path) -> int:
    """A read descriptor of a live database file, opened once per file and never closed.

    On POSIX, closing any descriptor of a file drops every fcntl lock this process holds on it, SQLite's
    own included: the app's pooled connections would lose the SHARED lock that tells another process
    (nk-admin run by the task scheduler) it is not alone, and that process could then checkpoint and
    delete the WAL under them.  SQLite keeps its own spare descriptors open for the same reason (os_unix.c).
    An open descriptor also keeps the inode from being reused, so (device, inode) names one file."""
    status = os.stat(path)
    with _HELD_LOCK:
        key = (status.st_dev, status.st_ino)
        if key not in _HELD:
            _HELD[key] = os.open(path, os.O_RDONLY)
        return _HELD[key]


def _file_chunks(path: Path, size: int, *, live: bool) -> Iterator[memoryview]:
    """The first *size* bytes of *path*, CHUNK at a time, into one reused buffer (each chunk is valid until
    the next is asked for)."""
    buffer = memoryview(bytearray(CHUNK))
    if live and os.name == "posix":
        fd, at = _held_descriptor(path), 0  # shared: positioned reads, never a close
        while at < size:
            into = buffer[:min(CHUNK, size - at)]
            if hasattr(os, "preadv"):
                got = os.preadv(fd, [into], at)
            else:
                data = os.pread(fd, len(into), at)
                got, into[:len(data)] = len(data), data
            if not got:
                raise BackupError(_("Tệp dữ liệu ngắn hơn dự kiến; không sao lưu."))
            yield buffer[:got]
            at += got
        return
    with open(path, "rb", buffering=0) as raw:  # Windows locks belong to a handle: closing this one is harmless
        at = 0
        while at < size:
            got = raw.readinto(buffer[:min(CHUNK, size - at)])
            if not got:
                raise BackupError(_("Tệp dữ liệu ngắn hơn dự kiến; không sao lưu."))
            yield buffer[:got]
            at += got


# --- the file ---------------------------------------------------------------------------------

def _split(data: bytes) -> tuple[dict, bytes, memoryview]:
    """(header, header bytes, payload) of a backup file's bytes, its trailer not checked."""
    if len(data) < len(MAGIC) + 4 + 32 or not data.startswith(MAGIC):
        raise BackupError(_("Đây không phải tệp sao lưu NK Desktop, hoặc tệp bị cắt cụt."))
    (length,) = struct.unpack(">I", data[len(MAGIC):len(MAGIC) + 4])
    head = data[len(MAGIC) + 4:len(MAGIC) + 4 + length]
    try:
        header = json.loads(head.decode("utf-8"))
    except ValueError:
        raise BackupError(_("Phần đầu tệp sao lưu không đọc được.")) from None
    if not isinstance(header, dict) or len(MAGIC) + 4 + length > len(data) - 32:
        raise BackupError(_("Phần đầu tệp sao lưu không đọc được."))
    return header, head, memoryview(data)[len(MAGIC) + 4 + length:len(data) - 32]


def _parse(data: bytes) -> tuple[dict, bytes, memoryview]:
    """(header, header bytes, payload) of a backup file's bytes; ``BackupError`` when torn or altered."""
    if len(data) < len(MAGIC) + 4 + 32 or not data.startswith(MAGIC):
        raise BackupError(_("Đây không phải tệp sao lưu NK Desktop, hoặc tệp bị cắt cụt."))
    if hashlib.sha256(memoryview(data)[:-32]).digest() != data[-32:]:
        raise BackupError(_("Tệp sao lưu bị hỏng hoặc chép thiếu (mã kiểm tra không khớp)."))
    return _split(data)


def decode(data: bytes, passphrase: str | None) -> tuple[dict, bytes]:
    """The header and the database bytes of a backup."""
    header, payload = _open(data, passphrase)
    return header, b"".join(_inflate(header, payload))


def _open(data: bytes, passphrase: str | None) -> tuple[dict, bytes | memoryview]:
    """The header and the compressed database of a backup: trailer checked, decrypted."""
    header, head, payload = _parse(data)
    if header.get("encrypted"):
        if not passphrase:
            raise BackupError(_("Bản sao lưu được mã hóa: cần cụm mật khẩu trên phiếu khôi phục của trường."))
        payload = _decrypt(header, head, payload, _key_for(header, passphrase))
    return header, payload


def _extract(data: bytes, passphrase: str | None, target: Path) -> dict:
    """Write the database of a backup to *target*, piece by piece; returns the header."""
    header, payload = _open(data, passphrase)
    with open(target, "wb") as out:
        for piece in _inflate(header, payload):
            out.write(piece)
    return header


def _key_for(header: dict, passphrase: str) -> bytes:
    kdf = header["kdf"]
    return _derive(passphrase, bytes.fromhex(kdf["salt"]), kdf["n"], kdf["r"], kdf["p"])


def _decrypt(header: dict, head: bytes, payload, key: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(bytes.fromhex(header["nonce"]), payload, head)
    except InvalidTag:
        raise BackupError(_("Sai cụm mật khẩu sao lưu (hoặc tệp đã bị sửa).")) from None


def _inflate(header: dict, payload) -> Iterator[bytes]:
    """The database bytes, piece by piece: one zlib stream (format 1), length-prefixed zlib blocks
    (format 2) or zstd frames (format 3)."""
    form = header.get("format", 1)
    if form == 3:
        yield from _unzstd(payload)
        return
    if form not in (1, 2):
        raise BackupError(_("Bản sao lưu được tạo bởi phiên bản NK Desktop mới hơn; hãy cập nhật phần mềm trước."))
    try:
        if form == 1:
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


def _unzstd(payload) -> Iterator[bytes]:
    """The content of a sequence of zstd frames (what ``zstd -d`` reads), piece by piece."""
    view, at = memoryview(payload), 0
    while True:
        end, inflater = yield from _frame(view, at)
        at = end - len(inflater.unused_data)
        if at >= len(view):
            return


def _frame(view: memoryview, at: int):
    """Yield the content of the zstd frame starting at *at*, piece by piece; return (where feeding stopped,
    the decompressor).  zstd checks the frame's checksum (xxh64 of its content) at the frame's end; a
    frame cut just before its checksum decodes without complaint, so its end and the content length in
    its header are checked here."""
    step, stop = CHUNK // 16, len(view)
    try:
        expected = zstandard.get_frame_parameters(view[at:at + 18]).content_size
        inflater = zstandard.ZstdDecompressor().decompressobj(write_size=CHUNK)
        produced, end = 0, at
        while end < stop and not inflater.eof:
            piece = inflater.decompress(view[end:min(end + step, stop)])
            end = min(end + step, stop)
            produced += len(piece)
            if piece:
                yield piece
    except zstandard.ZstdError:
        raise BackupError(_("Dữ liệu trong tệp sao lưu bị hỏng.")) from None
    if not inflater.eof or produced != expected:
        raise BackupError(_("Dữ liệu trong tệp sao lưu bị hỏng."))
    return end, inflater


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

    A snapshot is held (``_open_snapshot``: the live file itself when SQLite allows, else an online copy)
    and checked in a second thread — ``quick_check`` and the foreign-key check on the snapshot's own
    connection — while its bytes are compressed, encrypted and written under a temporary name, flushed;
    then renamed without overwriting, and read back from the disk (``_verify_written``).
    """
    folder.mkdir(parents=True, exist_ok=True)
    now = now or dt.datetime.now()
    target = folder / f"nk-backup-{now:%Y%m%d-%H%M%S}{SUFFIX}"
    with tempfile.TemporaryDirectory(prefix="nk-backup-") as scratch, \
            concurrent.futures.ThreadPoolExecutor(1) as pool:
        conn, file, size, live = _open_snapshot(database_path, Path(scratch), progress, is_cancelled)
        checked = None
        try:
            school, schema, counts = _facts_of(conn)
            _refuse_empty_over_full(folder, counts, passphrase)
            checked = pool.submit(_check_open, conn, quick=True)  # SQLite releases the GIL: runs beside the rest
            header = {"format": FORMAT, "created_at": now.isoformat(timespec="seconds"), "school": school,
                      "schema": schema, "counts": counts, "compression": f"zstd-{ZSTD_LEVEL}"}
            temp = folder / f".tmp-{uuid.uuid4().hex}"
            try:
                chunks = _file_chunks(file, size, live=live)
                key, digest, frames = _write_stream(chunks, size, temp, header, passphrase, progress, is_cancelled)
                if progress:
                    progress(1, 1, _("Đang kiểm tra dữ liệu…"))
                _wait_checks(checked, is_cancelled)
                if target.exists():  # names carry the time, so this only happens twice in one second
                    raise BackupError(_("Đã có tệp {name}; không ghi đè.").format(name=target.name))
                os.replace(temp, target)  # a rename within one folder; USB sticks (FAT) have no hard links
                _sync_folder(folder)
            finally:
                if temp.exists():
                    temp.unlink()
        except BaseException:
            if checked is not None and not checked.done():
                conn.interrupt()  # stops the check at its next step
            raise
        finally:
            if checked is not None:
                concurrent.futures.wait([checked])
            conn.close()  # ends the read transaction: checkpoints may go on
    if progress:
        progress(1, 1, _("Đang kiểm tra bản sao lưu…"))
    try:
        _verify_written(target, key, digest, frames)
    except BackupError:
        target.unlink()
        raise BackupError(_("Đọc lại bản sao lưu không khớp (ổ USB có thể bị lỗi); đã xóa bản hỏng.")) from None
    stamps = existing_backups(folder)
    keep = rotation_keep([s for s, _p in stamps])
    for stamp, path in stamps:
        if stamp not in keep and path != target:
            path.unlink()
    return BackupInfo(target, header["created_at"], school, schema, counts, bool(passphrase))


def _wait_checks(checked: concurrent.futures.Future, is_cancelled: Callable[[], bool] | None) -> None:
    """The end of the snapshot's integrity and foreign-key checks (the part not hidden behind the rest)."""
    while True:
        try:
            return checked.result(timeout=0.1)
        except concurrent.futures.TimeoutError:
            if is_cancelled and is_cancelled():
                raise Cancelled(_("Đã hủy sao lưu.")) from None


def _write_stream(chunks: Iterator[memoryview], size: int, temp: Path, header: dict, passphrase: str | None,
                  progress: Progress | None, is_cancelled: Callable[[], bool] | None
                  ) -> tuple[bytes | None, bytes, list[tuple[int, int]]]:
    """Compress (zstd frames of FRAME bytes of the database, each compressed in zstd's threads and carrying
    its content's size and checksum) and encrypt (AES-GCM, streamed) the database's *size* bytes into
    *temp*, flushed to the disk.

    Layout, as in formats 1 and 2: MAGIC | header length | header | AES-GCM(frames, aad=header) + tag (or
    the frames alone) | SHA-256 of all before.  Returns (the key or None, the file's SHA-256, each frame's
    compressed and content lengths)."""
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
    zstd = zstandard.ZstdCompressor(level=ZSTD_LEVEL, threads=ZSTD_THREADS, write_checksum=True,
                                    write_content_size=True)
    file_digest = hashlib.sha256()
    frames: list[tuple[int, int]] = []  # (compressed length, content length) of each frame
    done = packed_length = 0
    with open(temp, "wb") as out:
        def emit(data: bytes) -> None:
            if data:
                file_digest.update(data)
                out.write(data)

        def pack(data: bytes) -> None:
            nonlocal packed_length
            packed_length += len(data)
            emit(encryptor.update(data) if encryptor and data else data)

        emit(MAGIC + struct.pack(">I", len(head)) + head)
        compressor, left, length = None, 0, 0
        for chunk in chunks:
            if is_cancelled and is_cancelled():
                raise Cancelled(_("Đã hủy sao lưu."))
            while chunk:
                if not left:
                    left = length = min(FRAME, size - done)
                    compressor, packed_length = zstd.compressobj(size=length), 0
                part, chunk = chunk[:left], chunk[left:]
                pack(compressor.compress(part))
                left -= len(part)
                done += len(part)
                if not left:
                    pack(compressor.flush())
                    frames.append((packed_length, length))
            if progress:
                progress(-(-done // 1024), -(-size // 1024), _("Đang nén và mã hóa…"))  # KiB: Qt's int
        if not frames:  # an empty database file: one empty frame
            packed_length = 0
            pack(zstd.compressobj(size=0).flush())
            frames.append((packed_length, 0))
        if encryptor:
            emit(encryptor.finalize() + encryptor.tag)
        out.write(file_digest.digest())
        out.flush()
        os.fsync(out.fileno())
        if hasattr(os, "posix_fadvise"):  # the read-back should come from the disk, not from memory
            os.posix_fadvise(out.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    return key, file_digest.digest(), frames


def _sync_folder(folder: Path) -> None:
    """Flush the rename itself where a folder can be flushed (POSIX; not every file system allows it)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def _verify_written(path: Path, key: bytes | None, digest: bytes, frames: list[tuple[int, int]]) -> None:
    """Read the new backup back (from the disk: its pages were dropped from memory after the flush): its
    SHA-256 must be the one computed while writing it, the AES-GCM tag must hold, and every zstd frame must
    decompress to its length with the checksum zstd computed over the snapshot's bytes as it compressed
    them.  The frames are decompressed in two threads (zstd releases the GIL)."""
    data = path.read_bytes()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        hashed = pool.submit(lambda: hashlib.sha256(memoryview(data)[:-32]).digest())
        header, head, payload = _split(data)
        if header.get("encrypted"):
            payload = _decrypt(header, head, payload, key)
        if data[-32:] != digest or hashed.result() != digest:
            raise BackupError(_("Tệp sao lưu bị hỏng hoặc chép thiếu (mã kiểm tra không khớp)."))
        if sum(packed for packed, _content in frames) != len(payload):
            raise BackupError(_("Dữ liệu trong tệp sao lưu bị hỏng."))
        view = memoryview(payload)
        starts = [0, *itertools.accumulate(packed for packed, _content in frames)]
        buffers = threading.local()  # one output buffer per thread

        def content_length(n: int) -> int:
            if not hasattr(buffers, "one"):
                buffers.one = memoryview(bytearray(CHUNK))
            return _frame_content_length(view[starts[n]:starts[n + 1]], buffers.one)

        try:
            produced = list(pool.map(content_length, range(len(frames))))
        except zstandard.ZstdError:
            raise BackupError(_("Dữ liệu trong tệp sao lưu bị hỏng.")) from None
    if produced != [content for _packed, content in frames]:
        raise BackupError(_("Dữ liệu trong tệp sao lưu không khớp bản đã kiểm tra."))


def _frame_content_length(frame: memoryview, buffer: memoryview) -> int:
    """How many bytes one zstd frame, known to be whole, decompresses to; zstd checks its checksum at its
    end.  Into a reused *buffer*: twice as fast as new bytes for every piece."""
    if not zstandard.get_frame_parameters(frame[:18]).has_checksum:
        raise zstandard.ZstdError("no checksum")
    reader = zstandard.ZstdDecompressor().stream_reader(frame, read_size=CHUNK // 16, read_across_frames=False)
    produced = 0
    while got := reader.readinto(buffer):
        produced += got
    return produced


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
    with tempfile.TemporaryDirectory(prefix="nk-verify-") as scratch:
        copy = Path(scratch) / "check.sqlite"
        header = _extract(Path(path).read_bytes(), passphrase, copy)
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
    database_path = Path(database_path)
    staged = database_path.with_name(f".restore-{uuid.uuid4().hex}.sqlite")
    try:
        _extract(Path(backup_path).read_bytes(), passphrase, staged)
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
