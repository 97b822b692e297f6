"""Snapshots (sync-design §4.7): a new PC starts from a verified copy instead of replaying every segment;
each PC packs its own old segments once a snapshot and every active PC have them.

A snapshot is ``VACUUM INTO`` a temporary file, stripped of this PC's local-only state
(outbox, its sealed segments, login state, its identity), checked (``integrity_check``),
then compressed and encrypted like a segment and published to ``snapshots/``.  Its
header carries the cursor vector it covers (every node's last applied segment,
this PC's own last published one included): the joiner's cursors.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import tempfile
import uuid
from pathlib import Path

from nk_desktop import __version__
from nk_desktop.clock import utcnow
from nk_desktop.db import Database, open_database
from nk_desktop.errors import NKError, ValidationError
from nk_desktop.i18n import _
from nk_desktop.sync import keys
from nk_desktop.sync.codec import (Unreadable, decode_pack, decode_segment, decode_snapshot, encode_pack,
                                   encode_snapshot, sha_of)
from nk_desktop.sync.segments import app_schema, known_schemas, local_value
from nk_desktop.sync.share import NODES, SNAPSHOT_RE, SNAPSHOTS, Share, ShareError, pack_name, segment_name

LOCAL_ONLY_KEYS = ("node_id", "incarnation", "restored_at", "clock_offset_ms", "sync_share", "sync_last_ok",
                   "rekeyed_from", "rekeyed_at", "rekey_reason")
ACTIVE_WITHIN = dt.timedelta(days=120)  # a PC silent for longer re-joins from a snapshot


def snapshot_names(share: Share) -> list[str]:
    """Snapshot files on the share, newest first."""
    return sorted((n for n in share.listdir(SNAPSHOTS) if SNAPSHOT_RE.match(n)), reverse=True)


def snapshot_time(name: str) -> dt.datetime:
    return dt.datetime.strptime(SNAPSHOT_RE.match(name).group(1), "%Y%m%dT%H%M%SZ")


def snapshot_due(share: Share, every: dt.timedelta, now: dt.datetime | None = None) -> bool:
    names = snapshot_names(share)
    return not names or (now or utcnow()) - snapshot_time(names[0]) > every


def publish_snapshot(db: Database, share: Share, key: bytes, target: dict) -> str:
    """Publish a snapshot of this database; returns its name ("" when skipped: changes not yet published)."""
    source = Path(db.location)
    with tempfile.TemporaryDirectory(prefix="nk-snap-") as scratch:
        copy = Path(scratch) / "snapshot.sqlite"
        reader = sqlite3.connect(source)  # a plain connection: VACUUM cannot run inside a transaction
        try:
            reader.execute("VACUUM INTO ?", (str(copy),))
        finally:
            reader.close()
        conn = sqlite3.connect(copy)
        try:
            me = conn.execute("SELECT value FROM local_state WHERE key = 'node_id'").fetchone()[0]
            if conn.execute("SELECT COUNT(*) FROM sync_outbox").fetchone()[0]:
                return ""  # a change made meanwhile is not on the share yet: next time
            own = conn.execute("SELECT seq, sha FROM sync_segment_out WHERE node = ? AND published_at IS NOT NULL "
                               "ORDER BY seq DESC LIMIT 1", (me,)).fetchone()
            incarnation = conn.execute("SELECT value FROM local_state WHERE key = 'incarnation'").fetchone()[0]
            with conn:
                if own:
                    conn.execute("INSERT INTO sync_cursor (node, seq, sha, incarnation) VALUES (?, ?, ?, ?) "
                                 "ON CONFLICT(node) DO UPDATE SET seq = excluded.seq, sha = excluded.sha, "
                                 "incarnation = excluded.incarnation", (me, own[0], own[1], incarnation))
                for table in ("sync_outbox", "sync_segment_out", "login_state"):
                    conn.execute(f"DELETE FROM {table}")
                conn.execute("DELETE FROM sync_quarantine WHERE kind = 'segment'")
                conn.execute("UPDATE sync_cursor SET last_error = NULL, error_since = NULL")
                conn.execute(f"DELETE FROM local_state WHERE key IN ({','.join('?' * len(LOCAL_ONLY_KEYS))})",
                             LOCAL_ONLY_KEYS)
                conn.execute("INSERT OR REPLACE INTO local_state (key, value) VALUES ('snapshot_of', ?)", (me,))
            vector = dict(conn.execute("SELECT node, seq FROM sync_cursor WHERE seq > 0"))
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise NKError(_("Bản chụp vừa tạo không qua được kiểm tra toàn vẹn; không đăng."))
            conn.execute("VACUUM")
        finally:
            conn.close()
        data = copy.read_bytes()
    now = utcnow()
    header = {"school_id": target["school_id"], "epoch": target["epoch"], "schema": app_schema(), "node": me,
              "vector": vector, "created": now.isoformat(timespec="seconds"), "app": __version__,
              "source": source.name}
    name = f"snap-{now:%Y%m%dT%H%M%SZ}-{me}.nksnap"
    share.publish(f"{SNAPSHOTS}/{name}", encode_snapshot(key, header, data))
    return name


def _verified(share: Share, key: bytes, name: str, target: dict, folder: Path) -> tuple[dict, Path]:
    """(header, checked database file in *folder*) of a snapshot; ``Unreadable`` when it cannot be used."""
    header, database = decode_snapshot(key, share.read(f"{SNAPSHOTS}/{name}"))
    if header.get("school_id") != target.get("school_id") or header.get("epoch") != target.get("epoch"):
        raise Unreadable(_("Bản chụp {name} không thuộc thư mục đồng bộ này.").format(name=name))
    if header["schema"] not in known_schemas():
        raise Unreadable(_("Bản chụp {name} do phiên bản NK Desktop mới hơn tạo; hãy cập nhật phần mềm.").format(
            name=name))
    path = folder / f".join-{uuid.uuid4().hex}.sqlite"
    path.write_bytes(database)
    conn = sqlite3.connect(path)
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError:
        ok = False
    finally:
        conn.close()
    if not ok:
        path.unlink(missing_ok=True)
        raise Unreadable(_("Bản chụp {name} không qua được kiểm tra toàn vẹn.").format(name=name))
    return header, path


def join(database_path: str | os.PathLike, share: Share, key: bytes) -> Database:
    """A new PC's database from the newest usable snapshot (older ones when it fails); not yet synced."""
    target = share.read_target()
    keys.verify_against(key, target)
    path = Path(database_path).resolve()
    if path.exists() and path.stat().st_size > 0:
        raise ValidationError(_("Đã có tệp dữ liệu {path}; máy mới tham gia cần một tệp chưa có.").format(path=path))
    path.parent.mkdir(parents=True, exist_ok=True)
    problems = []
    for name in snapshot_names(share):
        try:
            _header, staged = _verified(share, key, name, target, path.parent)
        except (Unreadable, OSError) as error:
            problems.append(f"{name}: {error}")
            continue
        os.replace(staged, path)
        break
    else:
        detail = "; ".join(problems) or _("thư mục chưa có bản chụp nào")
        raise ShareError(_("Không có bản chụp dùng được để tham gia ({d}).").format(d=detail))
    db = open_database(path)  # an older snapshot is upgraded here; the PC gets its own node id
    with db.engine.execution_options(nk_write=True).begin() as conn:
        conn.exec_driver_sql("INSERT OR REPLACE INTO local_state (key, value) VALUES ('sync_epoch', ?)",
                             (target["epoch"],))
        conn.exec_driver_sql("INSERT OR REPLACE INTO local_state (key, value) VALUES ('sync_share', ?)",
                             (str(share.root),))
    return db


# --- packing this PC's old segments ------------------------------------------------------

def covered_seq(db: Database, share: Share, key: bytes, target: dict, now: dt.datetime | None = None) -> int:
    """The highest own segment number every copy that matters has: the newest verified snapshot and every
    PC heard from recently."""
    now = now or utcnow()
    with db.engine.connect() as conn:
        me = local_value(conn, "node_id")
    names = snapshot_names(share)
    if not names:
        return 0
    with tempfile.TemporaryDirectory(prefix="nk-pack-") as scratch:
        try:
            header, path = _verified(share, key, names[0], target, Path(scratch))
        except (Unreadable, OSError):
            return 0
    covered = header["vector"].get(me, 0)
    for node in share.nodes():
        if node == me:
            continue
        status = share.read_status(node) or {}
        try:
            heard = dt.datetime.fromisoformat(str(status.get("at", "")).rstrip("Z"))
        except ValueError:
            continue
        if now - heard <= ACTIVE_WITHIN:
            covered = min(covered, int((status.get("cursors") or {}).get(me, 0)))
    return covered


def pack_own(db: Database, share: Share, key: bytes, target: dict, *, older_than: dt.timedelta = dt.timedelta(days=7),
             now: dt.datetime | None = None) -> str:
    """Pack this PC's old, covered segments into one file and delete the originals; returns the pack's name."""
    now = now or utcnow()
    covered = covered_seq(db, share, key, target, now)
    with db.engine.connect() as conn:
        me = local_value(conn, "node_id")
        rows = conn.exec_driver_sql(
            "SELECT seq, sha, body, sealed_at FROM sync_segment_out WHERE node = ? AND published_at IS NOT NULL "
            "AND body IS NOT NULL AND seq <= ? ORDER BY seq", (me, covered)).fetchall()
    limit = (now - older_than).isoformat(sep=" ")
    chosen = []
    for seq, sha, body, sealed_at in rows:
        if str(sealed_at) > limit or (chosen and seq != chosen[-1][0] + 1):
            break
        if sha_of(bytes(body)) != sha:
            break
        decode_segment(key, bytes(body))  # never pack what could not be read back
        chosen.append((seq, bytes(body)))
    if len(chosen) < 2:
        return ""
    first, last = chosen[0][0], chosen[-1][0]
    name = pack_name(first, last)
    blob = encode_pack([body for _seq, body in chosen])
    share.publish(f"{NODES}/{me}/{name}", blob)
    if [sha_of(s) for s in decode_pack(share.read(f"{NODES}/{me}/{name}"))] != [sha_of(b) for _s, b in chosen]:
        raise ShareError(_("Tệp gộp đọc lại không khớp; giữ nguyên các tệp cũ."))
    for seq, _body in chosen:
        share.delete_own(f"{NODES}/{me}/{segment_name(seq)}")
    with db.engine.execution_options(nk_write=True).begin() as conn:
        conn.exec_driver_sql("UPDATE sync_segment_out SET body = NULL WHERE node = ? AND seq BETWEEN ? AND ?",
                             (me, first, last))
    return name
