"""One full exchange with the share: check identity and clock, publish, then import until nothing is new.

This is what "Sync now", the background timer and ``nk-admin sync`` run.  It never
blocks local work: when the share is away the outbox simply grows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import socket
import time

from sqlalchemy import select

from nk_desktop import __version__
from nk_desktop.clock import utcnow
from nk_desktop.db import Database
from nk_desktop.errors import ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.school import School
from nk_desktop.sync import identity, keys, segments
from nk_desktop.sync.capture import CLOCK_OFFSET_KEY
from nk_desktop.sync.importer import Importer, ImportReport
from nk_desktop.sync.segments import local_value, set_local
from nk_desktop.sync.share import TARGET_FILE as TARGET_FILE_NAME, Collision, Share, ShareError

CLOCK_WARN_MS = 2 * 60 * 1000
CLOCK_ALARM_MS = 60 * 60 * 1000
SNAPSHOT_EVERY = dt.timedelta(hours=48)


@dataclasses.dataclass
class SyncReport:
    published_ops: int = 0
    published_segments: int = 0
    imported: ImportReport = dataclasses.field(default_factory=ImportReport)
    rekeyed: str = ""             # why this database took a new node id, if it did
    clock_offset_ms: int | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)
    snapshot: str = ""            # name of a snapshot published in this run

    def lines(self) -> list[str]:
        got = self.imported
        out = [_("Đã gửi {ops} thay đổi ({segs} tệp); đã nhận {got} thay đổi trong {n} tệp "
                 "(trùng bỏ qua: {dup}); xung đột mới: {c}; bị giữ lại: {q}.").format(
            ops=self.published_ops, segs=self.published_segments, got=got.ops, n=got.segments,
            dup=got.duplicates, c=got.conflicts, q=got.quarantined)]
        if self.rekeyed:
            out.append(_("Máy đã nhận mã mới: {why}").format(why=self.rekeyed))
        if self.snapshot:
            out.append(_("Đã đăng bản chụp {name}.").format(name=self.snapshot))
        return out


def school_id(db: Database) -> str:
    with db.read() as session:
        found = session.scalar(select(School.id).where(School.deleted.is_(False)))
    if found is None:
        raise ValidationError(_("Cơ sở dữ liệu này chưa có trường."))
    return found.hex


def open_target(db: Database, share: Share, key: bytes) -> dict:
    """The share's target file, checked against this database's school and the key."""
    share.check_reachable()
    target = share.read_target()
    keys.verify_against(key, target)
    if target.get("school_id") != school_id(db):
        raise ShareError(_("Thư mục chung {path} là của một trường khác (hoặc một lần khởi tạo khác).").format(
            path=share.root))
    return target


def measure_clock(db: Database, share: Share) -> int:
    """Offset of the file server's clock against this PC's (ms), kept for the HLC; also returned."""
    with db.engine.connect() as conn:
        node = local_value(conn, "node_id")
    before = time.time()
    server = share.server_time(node)
    after = time.time()
    offset = int(round((server - (before + after) / 2) * 1000))
    with db.engine.execution_options(nk_write=True).begin() as conn:
        set_local(conn, CLOCK_OFFSET_KEY, str(offset))
    return offset


def clock_warning(offset_ms: int) -> str:
    if abs(offset_ms) > CLOCK_ALARM_MS:
        return _("Đồng hồ máy này lệch {m} phút so với máy chủ tệp: hãy chỉnh giờ Windows ngay.").format(
            m=round(offset_ms / 60000))
    if abs(offset_ms) > CLOCK_WARN_MS:
        return _("Đồng hồ máy này lệch {m} phút so với máy chủ tệp; hãy chỉnh giờ Windows.").format(
            m=round(offset_ms / 60000))
    return ""


def sync(db: Database, share: Share, key: bytes, *, make_snapshot: bool | None = None,
         measure: bool = True) -> SyncReport:
    """Publish this PC's changes, then import everything new.  ``make_snapshot`` None = when due (48 h)."""
    from nk_desktop.sync import snapshot

    if not db.is_sqlite:
        raise ValidationError(_("Máy chủ PostgreSQL không đồng bộ qua thư mục chung."))
    report = SyncReport()
    target = open_target(db, share, key)
    epoch = target["epoch"]
    with db.engine.execution_options(nk_write=True).begin() as conn:
        if local_value(conn, "sync_epoch") not in (None, epoch):
            raise ShareError(_("Máy này thuộc một đợt đồng bộ khác của thư mục chung; hãy tham gia lại (share join)."))
        set_local(conn, "sync_epoch", epoch)
        set_local(conn, "sync_share", str(share.root))
        identity.adopt_old_identities(conn)
    if measure:
        report.clock_offset_ms = measure_clock(db, share)
        if warning := clock_warning(report.clock_offset_ms):
            report.warnings.append(warning)
    problem = identity.problem_on_share(db.engine, share, key)
    if problem:
        identity.rekey(db.engine, problem)
        report.rekeyed = problem
    _publish(db, share, key, epoch, report)
    with db.engine.connect() as conn:
        offset = int(local_value(conn, CLOCK_OFFSET_KEY, "0"))  # measured now or at an earlier sync
    importer = Importer(db.engine, share, key, me=_node(db), epoch=epoch, known_schemas=segments.known_schemas(),
                        clock_offset_ms=offset)
    report.imported = importer.run()
    for node, why in report.imported.paused.items():
        report.warnings.append(_("Tạm dừng nhận từ máy {m}: {why}").format(m=node[:8], why=why))
    due = snapshot.snapshot_due(share, SNAPSHOT_EVERY) if make_snapshot is None else make_snapshot
    if due:
        report.snapshot = snapshot.publish_snapshot(db, share, key, target)
    write_status(db, share)
    share.clean_own_temps(_node(db))
    with db.engine.execution_options(nk_write=True).begin() as conn:
        set_local(conn, "sync_last_ok", utcnow().isoformat(timespec="seconds"))
    return report


def _publish(db: Database, share: Share, key: bytes, epoch: str, report: SyncReport) -> None:
    for attempt in range(2):
        with db.engine.connect() as conn:
            pending_ops = conn.exec_driver_sql("SELECT COUNT(*) FROM sync_outbox").scalar()
        segments.seal(db.engine, key, epoch=epoch)
        try:
            report.published_segments += segments.publish(db.engine, share)
            segments.republish_missing(db.engine, share)
        except Collision as clash:
            if attempt:
                raise
            why = _("{e} Một cơ sở dữ liệu khác dùng cùng mã máy.").format(e=clash)
            identity.rekey(db.engine, why)
            report.rekeyed = why
            continue
        with db.engine.connect() as conn:
            report.published_ops += pending_ops - conn.exec_driver_sql("SELECT COUNT(*) FROM sync_outbox").scalar()
        return


def _node(db: Database) -> str:
    with db.engine.connect() as conn:
        return local_value(conn, "node_id")


def write_status(db: Database, share: Share) -> None:
    """This PC's status.json: what other PCs and the principal's board show about it."""
    with db.engine.connect() as conn:
        node = local_value(conn, "node_id")
        last = conn.exec_driver_sql(
            "SELECT MAX(seq) FROM sync_segment_out WHERE node = ? AND published_at IS NOT NULL", (node,)).scalar()
        cursors = {n: s for n, s in conn.exec_driver_sql("SELECT node, seq FROM sync_cursor")}
        offset = local_value(conn, CLOCK_OFFSET_KEY)
        status = {"node": node, "incarnation": local_value(conn, "incarnation"), "pc_name": socket.gethostname(),
                  "app": __version__, "schema": segments.app_schema(), "last_seq": last or 0, "cursors": cursors,
                  "clock_offset_ms": int(offset) if offset else None, "rekeyed_from": local_value(conn, "rekeyed_from"),
                  "at": utcnow().isoformat(timespec="seconds") + "Z"}
    try:
        share.write_status(node, status)
    except OSError:
        pass  # status is a courtesy; the next sync writes it again


def init_share(db: Database, share: Share, key: bytes) -> dict:
    """Make *share* this school's sync folder: the target file, this PC's journal so far, the first snapshot."""
    import uuid

    from nk_desktop.sync import authorize, codec, snapshot

    if not db.is_sqlite:
        raise ValidationError(_("Máy chủ PostgreSQL không đồng bộ qua thư mục chung."))
    if share.exists(TARGET_FILE_NAME):
        raise ShareError(_("Thư mục {path} đã là thư mục đồng bộ; máy mới hãy dùng “share join”.").format(
            path=share.root))
    with db.engine.execution_options(nk_write=True).begin() as conn:
        if local_value(conn, "sync_epoch"):
            raise ShareError(_("Cơ sở dữ liệu này đã tham gia một thư mục đồng bộ."))
        node = local_value(conn, "node_id")
        authorize.seed_base(conn.connection.driver_connection, node)
    target = {"format": codec.FORMAT, "school_id": school_id(db), "epoch": uuid.uuid4().hex,
              "created_at": utcnow().isoformat(timespec="seconds") + "Z", "created_by": node,
              "key_check": keys.key_check(key)}
    share.create_target(target)
    with db.engine.execution_options(nk_write=True).begin() as conn:
        set_local(conn, "sync_epoch", target["epoch"])
        set_local(conn, "sync_share", str(share.root))
    sync(db, share, key, make_snapshot=True)
    return target
