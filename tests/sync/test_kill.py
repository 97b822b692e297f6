"""A real `kill -9` during import (sync-design §5 case 8): one segment's transaction is lost, nothing else.

PC A publishes a large set of segments; PC B imports them in a child process that is killed
with SIGKILL part-way, twice, then finishes.  B's file passes ``integrity_check``, holds exactly
the rows PC C got by an undisturbed import, and every op was applied (and audited) once.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from nk_desktop.actor import SYSTEM
from nk_desktop.models.pupils import Pupil
from nk_desktop.sync import capture, segments

from .conftest import KEY

PUPILS = 12_000
CHILD = """
import sys
from nk_desktop.db import Database
from nk_desktop.sync import engine
from nk_desktop.sync.share import Share
db = Database("sqlite:///" + sys.argv[1])
engine.sync(db, Share(sys.argv[2]), bytes.fromhex(sys.argv[3]), make_snapshot=False, measure=False)
print("done")
"""


def _applied(path, node: str) -> int:
    conn = sqlite3.connect(path, timeout=30)
    try:
        found = conn.execute("SELECT seq FROM sync_cursor WHERE node = ?", (node,)).fetchone()
        return found[0] if found else 0
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_kill_9_during_import_loses_and_duplicates_nothing(net, ids):
    a, b, c = net["a"], net["b"], net["c"]
    rows = [dict(family_name="Lê", middle_name="Thị", given_name=f"Học sinh {n}", gender="Nữ",
                 date_of_birth=dt.date(2017, 1, 1) + dt.timedelta(days=n % 300), notes="ghi chú " * 5)
            for n in range(PUPILS)]
    with a.db.write(SYSTEM) as session:
        capture.bulk_insert(session, Pupil, rows)
    epoch = a.share.read_target()["epoch"]
    sealed = segments.seal(a.db.engine, KEY, epoch=epoch, max_ops=400)
    segments.publish(a.db.engine, a.share)
    assert len(sealed) >= 25
    node = a.node()
    c.sync()  # the reference: an undisturbed import
    b.db.dispose()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    kills = 0
    for _attempt in range(2):
        start = _applied(b.path, node)
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(b.path), str(net.share_root), KEY.hex()],
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while child.poll() is None and _applied(b.path, node) < start + 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)  # land inside some segment's transaction
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            kills += 1
        child.wait()
    assert kills >= 1, "the child finished before it could be killed; make the segment set larger"
    assert 0 < _applied(b.path, node) < sealed[-1], "the kill did not land part-way"
    conn = sqlite3.connect(b.path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    b.sync()
    assert b.rows("pupil") == c.rows("pupil")
    assert b.sync_state() == c.sync_state()
    assert b.count("SELECT COUNT(*) FROM pupil") == c.count("SELECT COUNT(*) FROM pupil") >= PUPILS
    # Each received op audited exactly once, applied once.
    assert b.count("SELECT COUNT(*) FROM audit_entry") == b.count("SELECT COUNT(DISTINCT op_id) FROM audit_entry")
    assert b.count("SELECT COUNT(*) FROM sync_applied") == c.count("SELECT COUNT(*) FROM sync_applied")
    assert b.count("SELECT COUNT(*) FROM sync_audit_origin") == c.count("SELECT COUNT(*) FROM sync_audit_origin")
