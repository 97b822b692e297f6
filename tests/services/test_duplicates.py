"""Possible duplicate pupils and merging two records of one child (issue 7, sync-design §4.3 master data)."""

import datetime as dt
import unicodedata

import pytest
from sqlalchemy import select

from nk_desktop.actor import SYSTEM
from nk_desktop.errors import Locked, PermissionDenied, ValidationError
from nk_desktop.models import Base
from nk_desktop.models.attendance import AttendanceMark, ClubMember
from nk_desktop.models.gradebook import CorrectionRequest, SubjectResult, TraitResult, YearResult
from nk_desktop.models.journal import AuditEntry
from nk_desktop.models.prints import PrintRecord
from nk_desktop.models.pupils import Enrolment, Pupil, PupilNotDuplicate
from nk_desktop.services import attendance, clubs, duplicates, gradebook, pupils
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Role

D = dt.date
OPEN_DAY = D(2026, 10, 30)  # GK1 marks may still be entered


def _add(db, class_id, full_name, dob=D(2016, 3, 2), gender="Nữ", **extra):
    return pupils.add_pupil(db, SYSTEM, class_id, {"full_name": full_name, "date_of_birth": dob, "gender": gender,
                                                    **extra}, allow_same_name=True)


def _as_another_pc(db, pupil_id, **values):
    with db.write(SYSTEM) as session:
        pupil = session.get(Pupil, pupil_id)
        for key, value in values.items():
            setattr(pupil, key, value)


def _pairs(db, actor, year_id):
    return {(frozenset((p.first.id, p.second.id)), p.reasons)
            for p in duplicates.possible_duplicates(db, actor, year_id)}


def _mark(db, people, pupil, level, milestone="GK1", subject=None):
    result = gradebook.save_subject_cells(db, SYSTEM, people.class_4a, subject or people.math, milestone,
                                          [CellEdit(pupil, "level", level)], on=OPEN_DAY)
    assert not result.refused, result.refused


def _table(db):
    """Every synced row as plain values (to check a refusal changed nothing)."""
    with db.engine.connect() as conn:
        return {name: sorted(map(tuple, conn.execute(table.select()).all()), key=repr)
                for name, table in Base.metadata.tables.items() if name in (
                    "pupil", "enrolment", "subject_result", "trait_result", "attendance_mark", "audit_entry")}


def test_detection_by_each_key_with_folded_names(db, principal, people, year_id):
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hoà")
    a = _add(db, people.class_4a, "Nguyễn Thị Hòa")
    b = _add(db, people.class_4b, nfd)                      # NFD input, the other tone placement
    c = _add(db, people.class_4a, "NGUYEN THI HOA")         # no diacritics, capitals
    d = _add(db, people.class_4a, "Trần Văn Bình", D(2016, 5, 1), "Nam", personal_id="031216001111")
    e = _add(db, people.class_4b, "Trần Văn Bính", D(2016, 5, 2), "Nam", moet_code="HP123")
    f = _add(db, people.class_4a, "Trần Bình", D(2016, 5, 1), "Nam")
    _add(db, people.class_4a, "Nguyễn Thị Hoà", D(2016, 3, 3))  # another birthday: another child
    # A shared ID cannot be typed twice on one PC; the sync brings it (written here as the import would).
    _as_another_pc(db, e, personal_id="031216001111")
    _as_another_pc(db, f, moet_code="HP123")
    found = _pairs(db, principal, year_id)
    assert found == {
        (frozenset((a, b)), ("name_dob",)), (frozenset((a, c)), ("name_dob",)), (frozenset((b, c)), ("name_dob",)),
        (frozenset((d, e)), ("personal_id",)), (frozenset((e, f)), ("moet_code",)),
    }
    listed = duplicates.possible_duplicates(db, principal, year_id)
    pair = next(p for p in listed if {p.first.id, p.second.id} == {d, e})
    assert pair.first.id < pair.second.id
    assert {pair.first.class_name, pair.second.class_name} == {"4A", "4B"}
    assert pair.reason_text == "cùng số định danh cá nhân"
    assert pair.first.created_at is not None


def test_namesakes_with_different_ids_are_two_children(db, principal, people, year_id):
    """Same name and birthday, but each record carries its own personal ID (or MoET code): the ID belongs to one
    child, so they are twins or namesakes, not one child entered twice. One ID missing: still listed."""
    a = _add(db, people.class_4a, "Lê Thảo Tâm", personal_id="030316410057")
    b = _add(db, people.class_4a, "Lê Thảo Tâm", personal_id="031316193248")
    c = _add(db, people.class_4b, "Phạm Minh Khôi", D(2016, 7, 7), "Nam", moet_code="HP001")
    d = _add(db, people.class_4b, "Phạm Minh Khôi", D(2016, 7, 7), "Nam", moet_code="HP002")
    e = _add(db, people.class_4b, "Lê Thảo Tâm")  # no ID yet: may be either of them
    assert _pairs(db, principal, year_id) == {(frozenset((a, e)), ("name_dob",)), (frozenset((b, e)), ("name_dob",))}
    assert (frozenset((a, b)), ("name_dob",)) not in _pairs(db, principal, year_id)
    assert (frozenset((c, d)), ("name_dob",)) not in _pairs(db, principal, year_id)


def test_only_live_pupils_enrolled_in_the_year(db, principal, people, year_id):
    a = _add(db, people.class_4a, "Lê Thị Mai")
    b = _add(db, people.class_4a, "Lê Thị Mai")
    with db.write(SYSTEM) as session:
        session.get(Pupil, b).deleted = True
        for stay in session.scalars(select(Enrolment).where(Enrolment.pupil_id == b)):
            stay.deleted = True
    assert _pairs(db, principal, year_id) == set()
    c = _add(db, people.class_4a, "Lê Thị Mai")
    assert _pairs(db, principal, year_id) == {(frozenset((a, c)), ("name_dob",))}


def test_a_pair_marked_not_duplicate_disappears(db, principal, people, year_id):
    a = _add(db, people.class_4a, "Phạm Minh Anh")
    b = _add(db, people.class_4b, "Phạm Minh Anh")
    with pytest.raises(ValidationError, match="lí do"):
        duplicates.mark_not_duplicate(db, principal, a, b, "  ")
    record = duplicates.mark_not_duplicate(db, principal, b, a, "Hai học sinh khác nhau, khác cha mẹ")
    assert duplicates.mark_not_duplicate(db, principal, a, b, "lần nữa") == record  # once is enough
    assert _pairs(db, principal, year_id) == set()
    with db.read() as session:
        row = session.get(PupilNotDuplicate, record)
        assert (row.first_id, row.second_id) == tuple(sorted((a, b)))
        entry = session.scalars(select(AuditEntry).where(AuditEntry.row_id == record)).one()
        assert "Phạm Minh Anh" in entry.record_label


def test_permissions_in_vietnamese_and_nothing_changes(db, people, year_id):
    a = _add(db, people.class_4a, "Lê Thị Mai")
    b = _add(db, people.class_4a, "Lê Thị Mai")
    before = _table(db)
    for role in (Role.GV_CHU_NHIEM, Role.VAN_THU, Role.KE_TOAN):
        actor = people.actors[role]
        with pytest.raises(PermissionDenied, match="Tài khoản của bạn không có quyền"):
            duplicates.possible_duplicates(db, actor, year_id)
        with pytest.raises(PermissionDenied, match="không có quyền"):
            duplicates.merge_pupils(db, actor, a, b)
        with pytest.raises(PermissionDenied, match="không có quyền"):
            duplicates.mark_not_duplicate(db, actor, a, b, "Khác nhau")
        assert not duplicates.may_merge(db, actor)
    assert _table(db) == before
    for role in (Role.PHO_HIEU_TRUONG, Role.QUAN_TRI_CSDL):
        assert duplicates.may_merge(db, people.actors[role])
        assert duplicates.possible_duplicates(db, people.actors[role], year_id)


def _every_kind_of_row(db, people, year_id, pupil):
    """Marks, qualities, a year result, an absence, a club, a correction request and a print, for *pupil*."""
    _mark(db, people, pupil, "T")
    gradebook.save_trait_cells(db, SYSTEM, people.class_4a, "GK1",
                               [CellEdit(pupil, "level", "T", trait="NHAN_AI")], on=OPEN_DAY)
    attendance.take_rolls(db, SYSTEM, people.class_4a, [(D(2026, 11, 27), "sang", {pupil: ("P", "Ốm")})],
                          on=D(2026, 11, 30))
    club = clubs.create_club(db, SYSTEM, year_id, "Cờ vua")
    clubs.add_members(db, SYSTEM, club, [pupil], day=D(2026, 11, 2), on=D(2026, 11, 30))
    with db.write(SYSTEM) as session:
        session.add(YearResult(year_id=year_id, class_id=people.class_4a, pupil_id=pupil, rule_set="tt27",
                               overall="H"))
        session.add(CorrectionRequest(year_id=year_id, class_id=people.class_4a, pupil_id=pupil,
                                      subject_id=people.math, milestone="GK1", field="level", new_value="H",
                                      reason="Nhầm"))
        session.add(PrintRecord(year_id=year_id, kind="hoc_ba", class_id=people.class_4a, pupil_id=pupil,
                                title="Học bạ", pages=2, printed_at=dt.datetime(2026, 11, 28, 8, 0)))


def _live_rows(db, model, pupil):
    with db.read() as session:
        return session.scalars(select(model).where(model.pupil_id == pupil, model.deleted.is_(False))).all()


def test_merge_moves_every_kind_of_row_fills_empty_fields_and_tombstones(db, principal, people, year_id):
    keep = _add(db, people.class_4a, "Lê Thị Mai", contact_phone="0912345678")
    twin = _add(db, people.class_4a, "Le Thi Mai", personal_id="031316001234", contact_phone="0987654321",
                notes="Chuyển đến từ TH Lê Lợi")
    _every_kind_of_row(db, people, year_id, twin)
    plan = duplicates.merge_plan(db, principal, keep, twin)
    assert plan.possible
    summary = "\n".join(plan.summary())
    assert "Số định danh cá nhân" in summary and "0987654321" in summary
    result = duplicates.merge_pupils(db, principal, keep, twin)
    assert result.moved["điểm môn học"] == 1 and result.dropped["quá trình học"] == 1
    for model in (SubjectResult, TraitResult, YearResult, AttendanceMark, ClubMember, CorrectionRequest, PrintRecord):
        assert len(_live_rows(db, model, keep)) == 1, model.__name__
        assert _live_rows(db, model, twin) == [], model.__name__
    with db.read() as session:
        kept, gone = session.get(Pupil, keep), session.get(Pupil, twin)
        assert kept.personal_id == "031316001234" and kept.contact_phone == "0912345678"  # filled; kept's wins
        assert kept.notes == "Chuyển đến từ TH Lê Lợi"
        assert gone.deleted and gone.notes.startswith("Đã gộp vào hồ sơ Lê Thị Mai (")
        entry = session.scalars(select(AuditEntry).where(AuditEntry.row_id == twin)
                                .order_by(AuditEntry.seq.desc())).first()
        assert entry.kind == "del" and entry.actor_name == principal.display_name
    assert [r.full_name for r in pupils.class_list(db, principal, people.class_4a).rows] == ["Lê Thị Mai"]
    assert _pairs(db, principal, year_id) == set()
    with pytest.raises(ValidationError, match="không còn dữ liệu"):
        duplicates.merge_pupils(db, principal, keep, twin)


def test_equal_values_are_dropped_and_a_blank_row_gives_way(db, principal, people, year_id):
    keep = _add(db, people.class_4a, "Lê Thị Mai")
    twin = _add(db, people.class_4a, "Lê Thị Mai")
    _mark(db, people, keep, "HTT")
    _mark(db, people, twin, "HTT")
    _mark(db, people, twin, "HT", milestone="GK1", subject=people.english)  # the kept record has none: moves
    result = duplicates.merge_pupils(db, principal, keep, twin)
    assert result.dropped["điểm môn học"] == 1 and result.moved["điểm môn học"] == 1
    levels = sorted(r.level for r in _live_rows(db, SubjectResult, keep))
    assert levels == ["HT", "HTT"]


def test_a_clash_refuses_the_whole_merge_and_names_it(db, principal, people, year_id):
    keep = _add(db, people.class_4a, "Lê Thị Mai")
    twin = _add(db, people.class_4a, "Lê Thị Mai")
    _mark(db, people, keep, "HTT")
    _mark(db, people, twin, "HT")
    attendance.take_rolls(db, SYSTEM, people.class_4a, [(D(2026, 11, 27), "sang", {twin: ("P", "Ốm")})],
                          on=D(2026, 11, 30))
    before = _table(db)
    assert not duplicates.merge_plan(db, principal, keep, twin).possible
    with pytest.raises(ValidationError, match=r"Khác nhau ở điểm môn học Toán GK1 lớp 4A: hồ sơ giữ lại “HTT”, "
                                              r"hồ sơ trùng “HT”"):
        duplicates.merge_pupils(db, principal, keep, twin)
    assert _table(db) == before


def test_stays_in_two_classes_at_once_refuse_and_separate_stays_move(db, principal, people):
    keep = _add(db, people.class_4a, "Lê Thị Mai")
    twin = _add(db, people.class_4b, "Lê Thị Mai")
    before = _table(db)
    with pytest.raises(ValidationError, match="hai lớp khác nhau \\(4A và 4B\\)"):
        duplicates.merge_pupils(db, principal, keep, twin)
    assert _table(db) == before
    # One PC knew the child in 4B until 1/10, the other from 1/10 in 4A: one history, both stays.
    later = pupils.add_pupil(db, SYSTEM, people.class_4a, {"full_name": "Trần Văn Bình", "gender": "Nam",
                                                           "date_of_birth": D(2016, 4, 4)},
                             start_date=D(2026, 10, 1), start_reason="chuyen_lop")
    earlier = _add(db, people.class_4b, "Trần Văn Bình", D(2016, 4, 4), "Nam")
    pupils.move_to_class(db, principal, earlier, people.class_4a, D(2026, 10, 1))
    result = duplicates.merge_pupils(db, principal, later, earlier)
    assert result.moved["quá trình học"] == 1 and result.dropped["quá trình học"] == 1
    assert [(s.class_name, s.start_date) for s in pupils.history(db, principal, later)] == [
        ("4B", D(2026, 9, 7)), ("4A", D(2026, 10, 1))]


def test_marks_in_a_locked_book_are_not_moved(db, principal, people, year_id):
    keep = _add(db, people.class_4a, "Lê Thị Mai")
    twin = _add(db, people.class_4a, "Lê Thị Mai")
    _mark(db, people, twin, "T")
    gradebook.set_lock(db, principal, year_id, locked=True, class_id=people.class_4a, milestone="GK1",
                       reason="Chốt GK1")
    before = _table(db)
    with pytest.raises(Locked, match="sổ đã khóa \\(Toán GK1, lớp 4A\\).*Điều 11.2"):
        duplicates.merge_pupils(db, principal, keep, twin)
    assert _table(db) == before
    gradebook.set_lock(db, principal, year_id, locked=False, class_id=people.class_4a, milestone="GK1",
                       reason="Gộp hồ sơ trùng")
    assert duplicates.merge_pupils(db, principal, keep, twin).moved["điểm môn học"] == 1


def test_rows_arriving_for_a_merged_record_are_listed_and_merged_again(db, principal, people, year_id):
    keep = _add(db, people.class_4a, "Lê Thị Mai", personal_id="031316001234")
    twin = _add(db, people.class_4a, "Lê Thị Mai")
    duplicates.merge_pupils(db, principal, keep, twin)
    # A third PC that had not heard of the merge enters a mark for the old record (as its import writes it).
    with db.write(SYSTEM) as session:
        session.add(SubjectResult(year_id=year_id, class_id=people.class_4a, pupil_id=twin, subject_id=people.math,
                                  milestone="GK1", level="T"))
    listed = duplicates.possible_duplicates(db, principal, year_id)
    assert [(p.first.id, p.second.id, p.reasons, p.leftovers) for p in listed] == [(keep, twin, ("leftovers",), 1)]
    assert listed[0].second.deleted
    result = duplicates.merge_pupils(db, principal, keep, twin)
    assert result.moved["điểm môn học"] == 1
    assert duplicates.possible_duplicates(db, principal, year_id) == []


def test_every_pupil_reference_has_a_merge_rule():
    handled = {ref.model.__table__.name for ref in duplicates.REFERENCES} | {"pupil_not_duplicate"}
    referencing = {table.name for table in Base.metadata.tables.values()
                   for fk in table.foreign_keys if fk.target_fullname == "pupil.id"}
    assert referencing <= handled, referencing - handled


def test_merge_needs_a_live_kept_record_and_two_records(db, principal, people):
    keep = _add(db, people.class_4a, "Lê Thị Mai")
    twin = _add(db, people.class_4a, "Lê Thị Mai")
    with pytest.raises(ValidationError, match="hai hồ sơ khác nhau"):
        duplicates.merge_pupils(db, principal, keep, keep)
    duplicates.merge_pupils(db, principal, keep, twin)
    with pytest.raises(ValidationError, match="đã bị xóa hoặc đã gộp"):
        duplicates.merge_pupils(db, principal, twin, keep)
    with db.read() as session:
        assert len(session.scalars(select(Enrolment).where(Enrolment.deleted.is_(False))).all()) == 1


def test_qualities_clash_by_name_and_a_closed_roll_month_refuses(db, principal, people, year_id):
    keep = _add(db, people.class_4a, "Lê Thị Mai")
    twin = _add(db, people.class_4a, "Lê Thị Mai")
    for pupil, level in ((keep, "T"), (twin, "Đ")):
        gradebook.save_trait_cells(db, SYSTEM, people.class_4a, "GK1",
                                   [CellEdit(pupil, "level", level, trait="NHAN_AI")], on=OPEN_DAY)
    with pytest.raises(ValidationError, match="phẩm chất, năng lực Nhân ái GK1 lớp 4A"):
        duplicates.merge_pupils(db, principal, keep, twin)
    gradebook.save_trait_cells(db, SYSTEM, people.class_4a, "GK1",
                               [CellEdit(twin, "level", "T", trait="NHAN_AI")], on=OPEN_DAY)
    attendance.take_rolls(db, SYSTEM, people.class_4a, [(D(2026, 11, 27), "sang", {twin: ("K", "")})],
                          on=D(2026, 11, 30))
    attendance.confirm_month(db, SYSTEM, people.class_4a, "2026-11", on=D(2026, 11, 30))
    before = _table(db)
    with pytest.raises(Locked, match="tháng 11/2026 lớp 4A đã chốt"):
        duplicates.merge_pupils(db, principal, keep, twin)
    assert _table(db) == before
    attendance.reopen_month(db, principal, people.class_4a, "2026-11", "Gộp hồ sơ trùng")
    result = duplicates.merge_pupils(db, principal, keep, twin)
    assert result.dropped["đánh giá phẩm chất, năng lực"] == 1 and result.moved["điểm danh"] == 1
