"""Who this database is on the share: node id + incarnation, and the re-key (sync-design §4.8).

A database restored from an old backup, or copied onto a second PC, would write under
a node id that already has a future on the share.  Detected by:

* this PC's own folder holding segments beyond the last one this database sealed
  (a restore, or the other copy ran ahead), or one written by another incarnation;
* a publish finding ``seg-<n>`` already there with other bytes (``share.Collision``);
* the restore flow (``sync.backup``) having changed the node id already.

Re-key: a new node id and incarnation; the old id becomes a foreign node whose later
segments are imported like any other PC's (bringing back work newer than the backup);
ops sealed but never published go back to the outbox and leave under the new id.  Op
ids never change, so predecessors stay valid and duplicates are dropped on import.
"""

from __future__ import annotations

import uuid

from nk_desktop.clock import utcnow
from nk_desktop.i18n import _
from nk_desktop.sync.codec import Unreadable, decode_segment
from nk_desktop.sync.segments import last_sealed, local_value, set_local
from nk_desktop.sync.share import NODES, Share


def problem_on_share(engine, share: Share, key: bytes) -> str | None:
    """Why this database must re-key before publishing, or None."""
    with engine.connect() as conn:
        node, incarnation = local_value(conn, "node_id"), local_value(conn, "incarnation")
        mine, _sha = last_sealed(conn, node)
    listed, packs, _unknown = share.segments(node)
    highest = max([*listed, *(last for _first, last, _name in packs)], default=0)
    if highest > mine:
        return _("Thư mục chung đã có tệp số {n} của máy này, cơ sở dữ liệu mới đến số {m} "
                 "(khôi phục từ bản sao lưu cũ, hoặc chép từ máy khác).").format(n=highest, m=mine)
    if highest and highest in listed:
        try:
            header, _ops = decode_segment(key, share.read(f"{NODES}/{node}/{listed[highest]}"))
        except (Unreadable, OSError):
            return None  # not readable now: the next sync looks again
        if header["incarnation"] != incarnation:
            return _("Một cơ sở dữ liệu khác đang ghi dưới cùng mã máy này (khác lần khởi tạo).")
    return None


def rekey(engine, reason: str) -> str:
    """Give this database a new node id and incarnation; returns the new node id."""
    new_node, new_incarnation = uuid.uuid4().hex, uuid.uuid4().hex
    with engine.execution_options(nk_write=True).begin() as conn:
        old = local_value(conn, "node_id")
        set_local(conn, "node_id", new_node)
        set_local(conn, "incarnation", new_incarnation)
        set_local(conn, "rekeyed_from", old)
        set_local(conn, "rekeyed_at", utcnow().isoformat(timespec="seconds"))
        set_local(conn, "rekey_reason", reason)
        adopt_old_identities(conn)
    return new_node


def adopt_old_identities(conn) -> list[str]:
    """Turn segments sealed under earlier node ids of this database into a foreign node's stream.

    Idempotent; runs at every sync (after a restore the node id was changed by ``sync.backup``).
    """
    me = local_value(conn, "node_id")
    old_nodes = [n for (n,) in conn.exec_driver_sql("SELECT DISTINCT node FROM sync_segment_out WHERE node != ?", (me,))]
    for old in old_nodes:
        unpublished = [s for (s,) in conn.exec_driver_sql(
            "SELECT seq FROM sync_segment_out WHERE node = ? AND published_at IS NULL", (old,))]
        if unpublished:
            marks = ",".join("?" * len(unpublished))
            conn.exec_driver_sql(f"UPDATE sync_outbox SET segment = NULL WHERE segment IN ({marks})", tuple(unpublished))
            conn.exec_driver_sql(f"UPDATE sync_authority SET node = NULL, seq = NULL, idx = NULL "
                                 f"WHERE node = ? AND seq IN ({marks})", (old, *unpublished))
            conn.exec_driver_sql("DELETE FROM sync_segment_out WHERE node = ? AND published_at IS NULL", (old,))
        published = conn.exec_driver_sql(
            "SELECT seq, sha FROM sync_segment_out WHERE node = ? ORDER BY seq DESC LIMIT 1", (old,)).first()
        if published:
            conn.exec_driver_sql(
                "INSERT INTO sync_cursor (node, seq, sha, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(node) DO UPDATE SET seq = excluded.seq, sha = excluded.sha "
                "WHERE sync_cursor.seq < excluded.seq",
                (old, published[0], published[1], utcnow().isoformat(sep=" ")))
        # The old id's published history stays on the share; its bytes are no longer ours to keep.
        conn.exec_driver_sql("DELETE FROM sync_segment_out WHERE node = ?", (old,))
    return old_nodes
