"""The shared folder: a mailbox of finished, never-changed files, each PC writing only its own folder.

::

    <share>/SYNC-TARGET.json              written once by `share init` (school, epoch, key check)
    <share>/nodes/<node>/seg-0000000001.jrn   sealed segments (immutable)
    <share>/nodes/<node>/pack-…-….jrnpack     the owner's packs of old segments
    <share>/nodes/<node>/status.json      the owner's status (the one file that is overwritten)
    <share>/snapshots/snap-<UTC time>-<node>.nksnap

Publishing is write ``.tmp-<uuid>`` → flush + fsync → rename *without overwrite* →
read back and compare.  Readers ignore ``.tmp-*``; a name that is listed may still
be torn, so readers check every byte (``codec``).  Nothing is ever inferred from a
file being absent: a listing can be seconds stale on SMB.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import re
import time
import uuid
from pathlib import Path

from nk_desktop.errors import NKError
from nk_desktop.i18n import _

TARGET_FILE = "SYNC-TARGET.json"
NODES, SNAPSHOTS = "nodes", "snapshots"
SEGMENT_RE = re.compile(r"^seg-(\d{10})\.jrn$")
PACK_RE = re.compile(r"^pack-(\d{10})-(\d{10})\.jrnpack$")
SNAPSHOT_RE = re.compile(r"^snap-(\d{8}T\d{6}Z)-([0-9a-f]{32})\.nksnap$")
NODE_RE = re.compile(r"^[0-9a-f]{32}$")
RENAME_RETRY_SECONDS = 10.0  # antivirus or the indexer holding the new file (WinError 5/32)
TMP_MAX_AGE = dt.timedelta(hours=24)


class ShareError(NKError):
    """The shared folder cannot be used now (offline, not initialised, not this school's)."""


class Collision(NKError):
    """A file with this name exists with other bytes: another database writes under this node id."""


def segment_name(seq: int) -> str:
    return f"seg-{seq:010d}.jrn"


def pack_name(first: int, last: int) -> str:
    return f"pack-{first:010d}-{last:010d}.jrnpack"


class Share:
    """The real shared folder (a UNC path on Windows, any directory in tests).

    Tests subclass it to inject faults (stale listings, torn reads, refused renames).
    """

    def __init__(self, root: str | os.PathLike, *, rename_retry_seconds: float = RENAME_RETRY_SECONDS):
        self.root = Path(root)
        self.rename_retry_seconds = rename_retry_seconds

    # --- reading ---------------------------------------------------------------------

    def listdir(self, relative: str) -> list[str]:
        try:
            return sorted(os.listdir(self.root / relative))
        except FileNotFoundError:
            return []

    def read(self, relative: str) -> bytes:
        with open(self.root / relative, "rb") as handle:
            return handle.read()

    def exists(self, relative: str) -> bool:
        return (self.root / relative).exists()

    def nodes(self) -> list[str]:
        return [name for name in self.listdir(NODES) if NODE_RE.match(name)]

    def segments(self, node: str) -> tuple[dict[int, str], list[tuple[int, int, str]], list[str]]:
        """A node folder's segments {seq: name}, packs [(first, last, name)] and unknown names."""
        segments, packs, unknown = {}, [], []
        for name in self.listdir(f"{NODES}/{node}"):
            if name.startswith(".tmp-") or name == "status.json":
                continue
            if match := SEGMENT_RE.match(name):
                segments[int(match.group(1))] = name
            elif match := PACK_RE.match(name):
                packs.append((int(match.group(1)), int(match.group(2)), name))
            else:
                unknown.append(name)
        return segments, sorted(packs), unknown

    # --- writing (only into this PC's own folder) ---------------------------------------

    def publish(self, relative: str, data: bytes) -> bool:
        """Publish *data* under *relative* without ever overwriting; True if written now, False if it was
        already there with the same bytes.  ``Collision`` if it exists with other bytes."""
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".tmp-{uuid.uuid4().hex}")
        try:
            with open(temp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            written = self._link_no_clobber(temp, target)
        finally:
            try:
                temp.unlink()
            except FileNotFoundError:
                pass
        back = self.read(relative)
        if hashlib.sha256(back).digest() != hashlib.sha256(data).digest():
            if written:
                # Our own file read back wrong (server or network fault): remove it, the caller retries.
                target.unlink(missing_ok=True)
                raise ShareError(_("Đọc lại tệp vừa ghi lên thư mục chung không khớp; sẽ ghi lại."))
            raise Collision(_("Thư mục chung đã có tệp {name} khác nội dung.").format(name=relative))
        return written

    def _link_no_clobber(self, temp: Path, target: Path) -> bool:
        deadline = time.monotonic() + self.rename_retry_seconds
        delay = 0.05
        while True:
            try:
                if os.name == "nt":
                    os.rename(temp, target)  # fails when the target exists
                else:
                    os.link(temp, target)  # POSIX rename would overwrite silently
                return True
            except FileExistsError:
                return False
            except PermissionError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
            except OSError as error:
                if error.errno in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, getattr(errno, "EOPNOTSUPP", -1)):
                    return self._create_exclusive(temp, target)  # a filesystem without hard links
                raise

    @staticmethod
    def _create_exclusive(temp: Path, target: Path) -> bool:
        """Fallback without hard links: O_EXCL create and copy (readers refuse it until it is whole)."""
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as handle:
            handle.write(temp.read_bytes())
            handle.flush()
            os.fsync(handle.fileno())
        return True

    def write_status(self, node: str, status: dict) -> None:
        """Overwrite this PC's status.json (the only file that changes; readers tolerate a bad one)."""
        folder = self.root / NODES / node
        folder.mkdir(parents=True, exist_ok=True)
        temp = folder / f".tmp-{uuid.uuid4().hex}"
        temp.write_text(json.dumps(status, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(temp, folder / "status.json")

    def read_status(self, node: str) -> dict | None:
        try:
            status = json.loads(self.read(f"{NODES}/{node}/status.json").decode("utf-8"))
        except (OSError, ValueError):
            return None
        return status if isinstance(status, dict) else None

    def delete_own(self, relative: str) -> None:
        (self.root / relative).unlink(missing_ok=True)

    def clean_own_temps(self, node: str, now: float | None = None) -> int:
        """Delete this PC's orphaned ``.tmp-*`` files older than a day (a crash between write and rename)."""
        now = now or time.time()
        removed = 0
        folder = self.root / NODES / node
        for name in self.listdir(f"{NODES}/{node}"):
            if name.startswith(".tmp-"):
                try:
                    if now - (folder / name).stat().st_mtime > TMP_MAX_AGE.total_seconds():
                        (folder / name).unlink()
                        removed += 1
                except OSError:
                    pass
        return removed

    def server_time(self, node: str) -> float:
        """The file server's clock: the mtime of a fresh temp file in this PC's folder (then deleted)."""
        folder = self.root / NODES / node
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".tmp-clock-{uuid.uuid4().hex}"
        try:
            with open(probe, "wb") as handle:
                handle.write(b"clock")
                handle.flush()
                os.fsync(handle.fileno())
            return probe.stat().st_mtime
        finally:
            probe.unlink(missing_ok=True)

    # --- the target file ---------------------------------------------------------------------

    def read_target(self) -> dict:
        try:
            target = json.loads(self.read(TARGET_FILE).decode("utf-8"))
        except FileNotFoundError:
            raise ShareError(_("{path} chưa phải thư mục đồng bộ của trường (thiếu {f}); hãy chạy “share init” "
                               "trên máy đầu tiên.").format(path=self.root, f=TARGET_FILE)) from None
        except OSError as error:
            raise ShareError(_("Không mở được thư mục chung {path}: {e}").format(path=self.root, e=error)) from None
        except ValueError:
            raise ShareError(_("Tệp {f} trong thư mục chung bị hỏng.").format(f=TARGET_FILE)) from None
        if not isinstance(target, dict) or target.get("format") != 1:
            raise ShareError(_("Thư mục chung được tạo bởi phiên bản NK Desktop khác; hãy cập nhật phần mềm."))
        return target

    def create_target(self, target: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / NODES).mkdir(exist_ok=True)
        (self.root / SNAPSHOTS).mkdir(exist_ok=True)
        data = json.dumps(target, ensure_ascii=False, indent=1).encode("utf-8")
        if not self.publish(TARGET_FILE, data):
            raise ShareError(_("Thư mục {path} đã được khởi tạo trước đó.").format(path=self.root))

    def check_reachable(self) -> None:
        if not self.root.is_dir():
            raise ShareError(_("Không thấy thư mục chung {path} (mạng hoặc máy chủ tệp đang tắt?).").format(
                path=self.root))
