"""What the status bar and ``nk-admin sync status`` show: last sync, pending changes, the other PCs."""

from __future__ import annotations

import dataclasses
import datetime as dt

from nk_desktop.clock import to_local
from nk_desktop.db import Database
from nk_desktop.i18n import _
from nk_desktop.sync.capture import CLOCK_OFFSET_KEY
from nk_desktop.sync.engine import clock_warning
from nk_desktop.sync.segments import local_value, pending_counts
from nk_desktop.sync.share import Share


@dataclasses.dataclass(frozen=True)
class Peer:
    node: str
    pc_name: str
    applied_seq: int
    available_seq: int       # highest segment number listed on the share (0 if unknown)
    heard_at: dt.datetime | None
    problem: str


@dataclasses.dataclass(frozen=True)
class Status:
    node: str
    last_sync: dt.datetime | None
    pending_ops: int
    unpublished_segments: int
    conflicts: int
    quarantined: int
    clock_offset_ms: int | None
    peers: list[Peer]
    share_reachable: bool
    late_edits: int = 0      # marks edited after a lock, waiting for the principal (sync_late_edit)

    def lines(self) -> list[str]:
        when = to_local(self.last_sync).strftime("%H:%M %d/%m/%Y") if self.last_sync else _("chưa lần nào")
        out = [_("Máy này: {node}; đồng bộ lần cuối: {when}.").format(node=self.node[:8], when=when),
               _("Chờ gửi: {ops} thay đổi ({segs} tệp chưa lên thư mục chung).").format(
                   ops=self.pending_ops, segs=self.unpublished_segments),
               _("Xung đột chưa giải quyết: {c}; thao tác bị giữ lại: {q}.").format(
                   c=self.conflicts, q=self.quarantined)]
        if self.late_edits:  # on the same line: the status window shows the first lines only
            out[-1] += " " + _("Điểm sửa sau khi khóa chờ xem xét: {n}.").format(n=self.late_edits)
        if not self.share_reachable:
            out.append(_("Không vào được thư mục chung lúc này."))
        if self.clock_offset_ms is not None and (warning := clock_warning(self.clock_offset_ms)):
            out.append(warning)
        for peer in self.peers:
            heard = to_local(peer.heard_at).strftime("%H:%M %d/%m/%Y") if peer.heard_at else _("chưa rõ")
            line = _("Máy {name} ({node}): đã nhận đến tệp {a}/{b}; liên lạc lần cuối {heard}.").format(
                name=peer.pc_name or "?", node=peer.node[:8], a=peer.applied_seq, b=peer.available_seq or "?",
                heard=heard)
            out.append(line + (f" {peer.problem}" if peer.problem else ""))
        return out


def _parse(text) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(str(text).rstrip("Z"))
    except ValueError:
        return None


def gather(db: Database, share: Share | None) -> Status:
    with db.engine.connect() as conn:
        node = local_value(conn, "node_id")
        ops, segments = pending_counts(conn)
        conflicts = conn.exec_driver_sql("SELECT COUNT(*) FROM sync_conflict").scalar()
        quarantined = conn.exec_driver_sql("SELECT COUNT(*) FROM sync_quarantine WHERE kind = 'op'").scalar()
        late = conn.exec_driver_sql("SELECT COUNT(*) FROM sync_late_edit WHERE decision IS NULL").scalar()
        cursors = {n: (s, e) for n, s, e in conn.exec_driver_sql("SELECT node, seq, last_error FROM sync_cursor")}
        paused = {n: r for n, r in conn.exec_driver_sql("SELECT node, reason FROM sync_quarantine WHERE kind = 'segment'")}
        last_sync = _parse(local_value(conn, "sync_last_ok"))
        offset = local_value(conn, CLOCK_OFFSET_KEY)
    reachable, peers = False, []
    nodes = set(cursors) - {node}
    if share is not None and share.root.is_dir():
        reachable = True
        nodes |= set(share.nodes()) - {node}
    for other in sorted(nodes):
        status, available = {}, 0
        if reachable:
            status = share.read_status(other) or {}
            listed, packs, _unknown = share.segments(other)
            available = max([*listed, *(last for _f, last, _n in packs)], default=0)
        applied, error = cursors.get(other, (0, None))
        problem = paused.get(other) or error or ""
        peers.append(Peer(other, str(status.get("pc_name") or ""), applied, available, _parse(status.get("at")), problem))
    return Status(node, last_sync, ops, segments, conflicts, quarantined, int(offset) if offset else None, peers,
                  reachable, late)
