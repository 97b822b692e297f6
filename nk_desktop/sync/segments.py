"""Sealing this PC's outbox into numbered segments and publishing them (sync-design §4.5 steps 2–4).

Sealing is one transaction: the pending ops become ``seg-<seq>`` (header: format,
schema, node, incarnation, seq, ``prev_sha`` of the previous segment, epoch, ``deps`` =
the cursors, i.e. what this PC had applied from each other PC), the file's bytes are
kept in ``sync_segment_out`` and the ops are marked with the segment.  Publishing copies
unpublished segments to ``nodes/<node>/`` in order (no overwrite, read back); only then
are the ops removed from the outbox.  The bytes stay here so a segment the share lost
(IT restored an older copy of the share) is published again.
"""

from __future__ import annotations

import functools
import json

from nk_desktop import __version__
from nk_desktop.clock import utcnow
from nk_desktop.sync.codec import GENESIS_SHA, encode_segment, sha_of
from nk_desktop.sync.outbox import AUTHORITY_TABLES
from nk_desktop.sync.share import NODES, Share, segment_name

MAX_OPS = 2000  # ops per segment


@functools.lru_cache(maxsize=1)
def _all_revisions() -> frozenset[str]:
    from alembic.script import ScriptDirectory  # only when a file names another schema than ours

    from nk_desktop.db import alembic_config

    return frozenset(rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions())


def app_schema() -> str:
    """The schema this version writes: its Alembic head."""
    from nk_desktop.db import HEAD_REVISION

    return HEAD_REVISION


class _KnownSchemas:
    """The schemas this version reads: its head and every older revision (Alembic is asked only for others)."""

    def __contains__(self, revision: object) -> bool:
        return revision == app_schema() or revision in _all_revisions()

    def __or__(self, other) -> set[str]:
        return set(_all_revisions()) | set(other)


def known_schemas() -> _KnownSchemas:
    return _KnownSchemas()


def local_value(conn, key: str, default: str | None = None) -> str | None:
    found = conn.exec_driver_sql("SELECT value FROM local_state WHERE key = ?", (key,)).first()
    return found[0] if found else default


def set_local(conn, key: str, value: str | None) -> None:
    if value is None:
        conn.exec_driver_sql("DELETE FROM local_state WHERE key = ?", (key,))
    else:
        conn.exec_driver_sql("INSERT INTO local_state (key, value) VALUES (?, ?) "
                             "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))


def last_sealed(conn, node: str) -> tuple[int, str]:
    found = conn.exec_driver_sql("SELECT seq, sha FROM sync_segment_out WHERE node = ? ORDER BY seq DESC LIMIT 1",
                                 (node,)).first()
    return (found[0], found[1]) if found else (0, GENESIS_SHA)


def seal(engine, key: bytes, *, epoch: str, max_ops: int = MAX_OPS) -> list[int]:
    """Seal every pending op into new segments; returns their numbers."""
    sealed = []
    with engine.execution_options(nk_write=True).begin() as conn:
        node, incarnation = local_value(conn, "node_id"), local_value(conn, "incarnation")
        pending = conn.exec_driver_sql(
            "SELECT seq, op FROM sync_outbox WHERE segment IS NULL ORDER BY seq").fetchall()
        if not pending:
            return []
        seq, prev_sha = last_sealed(conn, node)
        deps = {n: s for n, s in conn.exec_driver_sql("SELECT node, seq FROM sync_cursor WHERE seq > 0")}
        now = utcnow()
        for start in range(0, len(pending), max_ops):
            chunk = pending[start:start + max_ops]
            ops = [json.loads(op) for _seq, op in chunk]
            seq += 1
            header = {"schema": app_schema(), "node": node, "incarnation": incarnation, "seq": seq,
                      "prev_sha": prev_sha, "epoch": epoch, "deps": deps, "app": __version__,
                      "created": now.isoformat(timespec="seconds")}
            body = encode_segment(key, header, ops)
            conn.exec_driver_sql(
                "INSERT INTO sync_segment_out (node, seq, sha, prev_sha, n_ops, body, sealed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", (node, seq, sha_of(body), prev_sha, len(ops), body,
                                                 now.isoformat(sep=" ")))
            conn.exec_driver_sql("UPDATE sync_outbox SET segment = ? WHERE seq BETWEEN ? AND ? AND segment IS NULL",
                                 (seq, chunk[0][0], chunk[-1][0]))
            placed = [(node, seq, idx, op["id"]) for idx, op in enumerate(ops) if op["tbl"] in AUTHORITY_TABLES]
            if placed:
                conn.exec_driver_sql("UPDATE sync_authority SET node = ?, seq = ?, idx = ? WHERE op_id = ?", placed)
            prev_sha = sha_of(body)
            sealed.append(seq)
    return sealed


def publish(engine, share: Share) -> int:
    """Publish this PC's sealed, unpublished segments in order; returns how many were written.

    Raises ``share.Collision`` when a name is taken by other bytes (another database under this node id).
    """
    with engine.connect() as conn:
        node = local_value(conn, "node_id")
        waiting = conn.exec_driver_sql(
            "SELECT seq, body FROM sync_segment_out WHERE node = ? AND published_at IS NULL ORDER BY seq",
            (node,)).fetchall()
    count = 0
    for seq, body in waiting:
        share.publish(f"{NODES}/{node}/{segment_name(seq)}", bytes(body))
        with engine.execution_options(nk_write=True).begin() as conn:
            conn.exec_driver_sql("UPDATE sync_segment_out SET published_at = ? WHERE node = ? AND seq = ?",
                                 (utcnow().isoformat(sep=" "), node, seq))
            conn.exec_driver_sql("DELETE FROM sync_outbox WHERE segment = ?", (seq,))
        count += 1
    return count


def republish_missing(engine, share: Share) -> int:
    """Publish again own segments the share no longer lists (an older copy of the share was restored)."""
    with engine.connect() as conn:
        node = local_value(conn, "node_id")
        mine = conn.exec_driver_sql(
            "SELECT seq FROM sync_segment_out WHERE node = ? AND published_at IS NOT NULL AND body IS NOT NULL",
            (node,)).fetchall()
    listed, packs, _unknown = share.segments(node)
    packed = {s for first, last, _name in packs for s in range(first, last + 1)}
    missing = [seq for (seq,) in mine if seq not in listed and seq not in packed]
    for seq in missing:
        with engine.connect() as conn:
            body = conn.exec_driver_sql("SELECT body FROM sync_segment_out WHERE node = ? AND seq = ?",
                                        (node, seq)).scalar()
        share.publish(f"{NODES}/{node}/{segment_name(seq)}", bytes(body))
    return len(missing)


def pending_counts(conn) -> tuple[int, int]:
    """(ops not yet on the share, sealed segments not yet published) of this PC."""
    ops = conn.exec_driver_sql("SELECT COUNT(*) FROM sync_outbox").scalar()
    node = local_value(conn, "node_id")
    segments = conn.exec_driver_sql("SELECT COUNT(*) FROM sync_segment_out WHERE node = ? AND published_at IS NULL",
                                    (node,)).scalar()
    return ops, segments
