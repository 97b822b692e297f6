"""The audit log: plain Vietnamese sentences, filters, and a hash chain that shows tampering."""

import datetime as dt
import json
import uuid

import pytest

from nk_desktop.actor import SYSTEM
from nk_desktop.errors import PermissionDenied
from nk_desktop.models.journal import AuditEntry
from nk_desktop.services import audit, school, staff
from nk_desktop.services.permissions import Role


def _entry(kind, changes, label="lớp 4A", table="school_class"):
    return AuditEntry(
        seq=1, at=dt.datetime(2026, 1, 15, 13, 14), actor_id=uuid.uuid4(), actor_name="Cô Lan",
        table_name=table, row_id=uuid.uuid4(), record_label=label, class_id=None, kind=kind,
        changes=json.dumps(changes, ensure_ascii=False), op_id=uuid.uuid4(), prev_hash="0" * 64, entry_hash="",
    )


def test_sentence_of_a_change_in_vietnam_time():
    entry = _entry("upd", {"room": ["6", "8"]})
    # 13:14 UTC is 20:14 in Vietnam.
    assert audit.sentence(entry) == "Cô Lan sửa Phòng học từ 6 thành 8 của lớp 4A lúc 20:14 ngày 15/01/2026."


def test_sentences_of_insert_delete_and_special_values():
    assert audit.sentence(_entry("ins", {})) == "Cô Lan thêm lớp 4A lúc 20:14 ngày 15/01/2026."
    assert audit.sentence(_entry("del", {"deleted": [False, True]})) == "Cô Lan xóa lớp 4A lúc 20:14 ngày 15/01/2026."
    text = audit.sentence(_entry("upd", {"date_of_birth": ["1990-05-01", None], "active": [True, False]},
                                 label="Nguyễn Thị Lan", table="staff_member"))
    assert "Ngày sinh từ 01/05/1990 thành (trống)" in text and "Đang công tác từ có thành không" in text


def test_passwords_never_appear_in_the_log(db, people, principal):
    from nk_desktop.services import accounts

    accounts.reset_password(db, principal, "ke.toan", "tam123456")
    row = audit.list_entries(db, principal, kind="accounts")[0]
    assert "Mật khẩu từ *** thành ***" in row.sentence and "argon2" not in row.sentence


def test_filters_by_person_kind_class_and_date(db, people, principal, year_id):
    teacher_staff = staff.create_staff(db, principal, family_name="Lê", given_name="Hương", gender="Nữ")
    school.set_homeroom(db, principal, people.class_4b, teacher_staff)
    rows = audit.list_entries(db, principal, actor_id=principal.account_id)
    assert rows[0].sentence.startswith("hieutruong sửa Giáo viên chủ nhiệm")
    assert rows[1].sentence.startswith("hieutruong thêm Lê Hương")
    assert all(r.kind_label == "Cán bộ" for r in audit.list_entries(db, principal, kind="staff"))
    by_class = audit.list_entries(db, principal, class_id=people.class_4b)
    assert by_class and all("4B" in r.sentence or "phân công" in r.sentence for r in by_class)
    assert audit.list_entries(db, principal, since=dt.date(2030, 1, 1)) == []
    assert audit.list_entries(db, principal, until=dt.date(2020, 1, 1)) == []


def test_only_leaders_read_the_log(db, people):
    with pytest.raises(PermissionDenied):
        audit.list_entries(db, people.actors[Role.GV_CHU_NHIEM])
    with pytest.raises(PermissionDenied):
        audit.verify(db, people.actors[Role.KE_TOAN])
    assert audit.verify(db, people.actors[Role.PHO_HIEU_TRUONG]).intact


def _raw(db, sql, **params):
    """Tamper with the log behind the application's back (plain SQL on the engine, either backend)."""
    from sqlalchemy import text

    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_the_intact_chain_verifies(db, principal):
    school.add_day_off(db, principal, dt.date(2026, 12, 1), "Nghỉ")
    report = audit.verify(db, principal)
    assert report.intact and report.entries > 100


def test_an_edited_entry_is_named(db, principal):
    _raw(db, "UPDATE audit_entry SET actor_name = 'Người khác' WHERE seq = 7")
    report = audit.verify(db, principal)
    assert not report.intact and report.first_broken == 7 and "đã bị sửa" in report.reason


def test_an_entry_edited_with_its_hash_recomputed_breaks_the_next_link(db, principal):
    from sqlalchemy import select

    from nk_desktop.sync.capture import audit_fields, entry_hash

    with db.read() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.seq == 7)).one()
        row = {c.key: getattr(entry, c.key) for c in AuditEntry.__table__.columns}
    row["actor_name"] = "Người khác"
    forged = entry_hash(audit_fields(row))
    _raw(db, "UPDATE audit_entry SET actor_name = :name, entry_hash = :hash WHERE seq = 7",
         name="Người khác", hash=forged)
    report = audit.verify(db, principal)
    assert not report.intact and report.first_broken == 8 and "không nối tiếp" in report.reason


def test_a_deleted_entry_is_named(db, principal):
    _raw(db, "DELETE FROM audit_entry WHERE seq = 5")
    report = audit.verify(db, principal)
    assert not report.intact and report.first_broken == 5 and "bị xóa" in report.reason


def test_deleting_the_newest_entries_is_detected(db, principal):
    school.add_day_off(db, principal, dt.date(2026, 12, 1), "Nghỉ")
    _raw(db, "DELETE FROM audit_entry WHERE seq = (SELECT MAX(seq) FROM audit_entry)")
    report = audit.verify(db, principal)
    assert not report.intact and "các mục cuối" in report.reason


def test_system_changes_are_attributed_to_the_system(db, principal):
    school.add_day_off(db, SYSTEM, dt.date(2026, 12, 2), "Nghỉ")
    assert audit.list_entries(db, principal)[0].sentence.startswith("Hệ thống thêm ngày 02/12/2026")


def test_sentences_name_people_roles_and_times_instead_of_ids(db, people, principal):
    from nk_desktop.services import accounts

    school.set_homeroom(db, principal, people.class_4b, people.staff[Role.THU_VIEN])
    accounts.set_roles(db, principal, people.actors[Role.KE_TOAN].account_id, [Role.KE_TOAN, Role.Y_TE])
    accounts.reset_password(db, principal, "ke.toan", "tam123456")
    newest = [r.sentence for r in audit.list_entries(db, principal, limit=3)]
    assert "Đổi mật khẩu lúc từ" in newest[0] and "T" not in newest[0].split("Đổi mật khẩu lúc từ ")[1][:20]
    assert "thêm vai trò (Vai trò: Y tế; Cán bộ" not in newest[1]
    assert "thêm vai trò (Vai trò: Y tế; account_id" not in newest[1]
    assert "Vai trò: Y tế" in newest[1] and "ke.toan" in newest[1]
    homeroom = [r.sentence for r in audit.list_entries(db, principal, class_id=people.class_4b)][0]
    assert "Giáo viên chủ nhiệm từ (trống) thành Trần Thị Thuvien" in homeroom
