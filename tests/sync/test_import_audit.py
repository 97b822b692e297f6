"""The audit entries of received changes, checked against the sender's own.

The importer writes capture's canonical JSON by hand (and remembers the text of repeated values),
for speed; here every received entry must show exactly what the sender's capture showed for the
same op (changes, author, label, class, kind), and the receiving PC's hash chain must verify.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from nk_desktop.actor import SYSTEM
from nk_desktop.models.journal import AuditEntry
from nk_desktop.models.gradebook import SubjectResult
from nk_desktop.models.pupils import Pupil
from nk_desktop.services import accounts, pupils
from nk_desktop.services.audit import verify_chain
from nk_desktop.services.permissions import Role
from nk_desktop.sync import capture

# Text a JSON string must escape (quotes, backslash, control characters), Vietnamese, and beyond the BMP.
AWKWARD = ('Ghi chú "trích dẫn" \\ gạch chéo', "dòng một\ndòng hai\tcột", "Nguyễn Thị Ánh 😀", "", "\x01\x1f")


def _entries(pc, op_ids):
    with pc.db.read() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.op_id.in_(op_ids))).all()
        return {r.op_id: (r.changes, r.actor_id, r.actor_name, r.table_name, r.row_id, r.record_label, r.class_id,
                          r.kind) for r in rows}


def test_received_entries_show_what_the_sender_showed_and_the_chain_verifies(net, ids):
    a, b = net["a"], net["b"]
    with a.db.engine.connect() as conn:
        before = conn.exec_driver_sql("SELECT MAX(seq) FROM audit_entry").scalar()
    # Bulk inserts (the importer's fast path) with awkward text, a score of 0 and one without a level.
    rows = [{"year_id": ids.year, "class_id": ids.class_4a, "pupil_id": ids.pupils[n % 3], "subject_id": ids.math,
             "milestone": ("CK1", "GK2", "CN")[n % 3], "level": ("T", None, "C")[n % 3], "score": n % 4,
             "comment": AWKWARD[n % len(AWKWARD)]} for n in range(30)]
    with a.db.write(ids.teacher) as session:
        capture.bulk_insert(session, SubjectResult, rows)
    # Inserts through the services (ORM flush), an account with its secret password hash, an edit, a tombstone.
    added = pupils.add_pupil(a.db, SYSTEM, ids.class_4a, {
        "full_name": "Đỗ Thị Hằng", "date_of_birth": dt.date(2016, 5, 9), "gender": "Nữ", "notes": AWKWARD[0]})
    accounts.create_account(a.db, SYSTEM, username="hang.dt", staff_id=None, roles=[Role.VAN_THU],
                            password="matkhau123", must_change=False)
    pupils.update_pupil(a.db, SYSTEM, added, notes=AWKWARD[1], permanent_address=AWKWARD[2])
    with a.db.write(SYSTEM) as session:
        session.get(Pupil, ids.pupils[2]).deleted = True
    with a.db.engine.connect() as conn:
        sent = [uuid.UUID(row[0]) for row in conn.exec_driver_sql("SELECT op_id FROM audit_entry WHERE seq > ?",
                                                                     (before,))]
    assert len(sent) >= 35

    a.sync()
    report = b.sync()
    assert report.imported.ops >= len(sent) and not report.imported.quarantined

    received, own = _entries(b, sent), _entries(a, sent)
    assert set(received) == set(sent)
    assert received == own
    with b.db.read() as session:
        assert verify_chain(session).intact
