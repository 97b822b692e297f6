"""Pupil records and enrolment history (issue 3; regulation Điều 7.1, 4.1–4.2)."""

import datetime as dt
import unicodedata

import pytest
from sqlalchemy import func, select

from nk_desktop.actor import SYSTEM
from nk_desktop.errors import NotFound, PermissionDenied, ValidationError
from nk_desktop.models.pupils import Enrolment, Pupil
from nk_desktop.services import pupils, school
from nk_desktop.services.permissions import Role

D = dt.date


def _add(db, actor, class_id, full_name, dob=D(2016, 3, 2), gender="Nữ", **extra):
    return pupils.add_pupil(db, actor, class_id, {"full_name": full_name, "date_of_birth": dob, "gender": gender,
                                                   **extra})


def _names(db, actor, class_id, **kw):
    return [r.full_name for r in pupils.class_list(db, actor, class_id, **kw).rows]


def test_class_list_in_official_order_with_counts(db, principal, people):
    for name, gender in [("Đặng Thị Hoà", "Nữ"), ("Nguyễn Văn An", "Nam"), ("Lê Thị Ánh", "Nữ"),
                         ("Dương Minh An", "Nam"), ("Trần Văn Đức", "Nam"), ("Phạm Văn Dũng", "Nam")]:
        _add(db, principal, people.class_4a, name, gender=gender)
    _add(db, principal, people.class_4a, "Lò Văn Páo", gender="Nam", ethnicity="tay")
    listing = pupils.class_list(db, principal, people.class_4a, on=D(2026, 10, 1))
    assert [r.full_name for r in listing.rows] == [
        "Dương Minh An", "Nguyễn Văn An", "Lê Thị Ánh", "Phạm Văn Dũng", "Trần Văn Đức", "Đặng Thị Hoà", "Lò Văn Páo"]
    assert [r.number for r in listing.rows] == list(range(1, 8))
    assert listing.by_gender == {"Nam": 5, "Nữ": 2}
    assert listing.by_ethnicity == {"Kinh": 6, "Tày": 1}


def test_names_are_stored_nfc_and_searchable_without_accents(db, principal, people):
    pupil_id = _add(db, principal, people.class_4a, unicodedata.normalize("NFD", "  Đặng   Thị Hoà "))
    with db.read() as session:
        pupil = session.get(Pupil, pupil_id)
    assert pupil.full_name == "Đặng Thị Hoà" and unicodedata.is_normalized("NFC", pupil.full_name)
    assert pupil.folded_name == "dang thi hoa"


@pytest.mark.parametrize("fields, message", [
    ({"personal_id": "03121600123"}, "đúng 12 chữ số"),
    ({"personal_id": "031316001234", "gender": "Nam"}, "giới tính Nữ"),
    ({"personal_id": "031216001234"}, "giới tính Nam"),
    ({"personal_id": "031317001234"}, "hai số cuối năm sinh"),
    ({"personal_id": "031116001234"}, "thế kỉ 20"),
    ({"contact_phone": "12345"}, "không phải số Việt Nam"),
    ({"date_of_birth": D(2030, 1, 1)}, "không hợp lí"),
    ({"date_of_birth": D(2005, 1, 1)}, "không hợp lí"),
    ({"gender": "nu"}, "Nam” hoặc “Nữ"),
    ({"ethnicity": "Kinh Tày"}, "54 dân tộc"),
    ({"moet_code": "31-0001"}, "chữ và số"),
    ({"full_name": "   "}, "Thiếu"),
])
def test_record_validation_in_vietnamese_and_nothing_written(db, principal, people, fields, message):
    base = {"full_name": "Nguyễn Thị Mai", "date_of_birth": D(2016, 3, 2), "gender": "Nữ"}
    with db.read() as session:
        before = session.scalar(select(func.count()).select_from(Pupil))
    with pytest.raises(ValidationError, match=message):
        pupils.add_pupil(db, principal, people.class_4a, {**base, **fields})
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Pupil)) == before


def test_valid_identifiers_and_phone_normalisation(db, principal, people):
    pupil_id = _add(db, principal, people.class_4a, "Nguyễn Thị Mai", personal_id="031316001234",
                    contact_phone="+84 912 345 678", moet_code="3101234567")
    with db.read() as session:
        pupil = session.get(Pupil, pupil_id)
    assert (pupil.personal_id, pupil.contact_phone) == ("031316001234", "0912345678")


def test_moet_code_is_never_changed_or_reused(db, principal, people):
    first = _add(db, principal, people.class_4a, "Nguyễn Thị Mai", moet_code="3101234567")
    with pytest.raises(ValidationError, match="không được thay đổi"):
        pupils.update_pupil(db, principal, first, moet_code="3109999999")
    with pytest.raises(ValidationError, match="đã thuộc về học sinh Nguyễn Thị Mai"):
        _add(db, principal, people.class_4a, "Lê Văn Nam", gender="Nam", moet_code="3101234567")


def test_same_name_and_birthday_needs_confirmation(db, principal, people):
    _add(db, principal, people.class_4a, "Nguyễn Thị Mai")
    with pytest.raises(ValidationError) as error:
        _add(db, principal, people.class_4b, "Nguyễn Thị Mai")
    assert error.value.field == "duplicate"
    pupils.add_pupil(db, principal, people.class_4b, {"full_name": "Nguyễn Thị Mai", "date_of_birth": D(2016, 3, 2),
                                                       "gender": "Nữ"}, allow_same_name=True)


def test_transfer_out_keeps_the_record_and_class_size_is_by_date(db, principal, people):
    stays = _add(db, principal, people.class_4a, "Nguyễn Văn An", gender="Nam")
    leaves = _add(db, principal, people.class_4a, "Lê Thị Ánh")
    pupils.transfer_out(db, principal, leaves, D(2026, 11, 2), "Trường Tiểu học Lê Lợi, Hà Nội")
    assert _names(db, principal, people.class_4a, on=D(2026, 11, 1)) == ["Nguyễn Văn An", "Lê Thị Ánh"]
    assert _names(db, principal, people.class_4a, on=D(2026, 11, 2)) == ["Nguyễn Văn An"]
    with_left = pupils.class_list(db, principal, people.class_4a, on=D(2026, 11, 20), include_left=True)
    gone = [r for r in with_left.rows if r.id == leaves][0]
    assert gone.end_date == D(2026, 11, 2) and gone.end_reason == "chuyen_di"
    assert with_left.by_gender == {"Nam": 1}
    with db.read() as session:
        assert session.get(Pupil, leaves).deleted is False
    history = pupils.history(db, principal, leaves)
    assert [(h.class_name, h.end_reason, h.went_to) for h in history] == [
        ("4A", "Chuyển trường", "Trường Tiểu học Lê Lợi, Hà Nội")]
    year_id = school.current_year(db._sessions(), D(2026, 11, 29)).id
    assert pupils.class_sizes(db, principal, year_id, D(2026, 11, 20))[people.class_4a] == 1
    assert stays


def test_transfer_in_and_change_of_class(db, principal, people):
    with pytest.raises(ValidationError, match="chuyển đến từ"):
        pupils.add_pupil(db, principal, people.class_4a,
                         {"full_name": "Hoàng Văn Bình", "date_of_birth": D(2016, 5, 5), "gender": "Nam"},
                         start_date=D(2026, 10, 12), start_reason="chuyen_den")
    newcomer = pupils.add_pupil(db, principal, people.class_4a,
                                {"full_name": "Hoàng Văn Bình", "date_of_birth": D(2016, 5, 5), "gender": "Nam"},
                                start_date=D(2026, 10, 12), start_reason="chuyen_den",
                                came_from="Trường Tiểu học Kim Đồng")
    assert _names(db, principal, people.class_4a, on=D(2026, 10, 11)) == []
    pupils.move_to_class(db, principal, newcomer, people.class_4b, D(2026, 11, 16))
    assert _names(db, principal, people.class_4b, on=D(2026, 11, 16)) == ["Hoàng Văn Bình"]
    assert _names(db, principal, people.class_4a, on=D(2026, 11, 16)) == []
    stays = pupils.history(db, principal, newcomer)
    assert [(s.class_name, s.start_reason, s.end_reason) for s in stays] == [
        ("4A", "Chuyển đến", "Chuyển lớp"), ("4B", "Chuyển lớp", "")]


def test_leaving_dates_are_checked(db, principal, people):
    pupil = _add(db, principal, people.class_4a, "Nguyễn Văn An", gender="Nam")
    with pytest.raises(ValidationError, match="sau ngày vào lớp"):
        pupils.transfer_out(db, principal, pupil, D(2026, 9, 7), "Trường khác")
    with pytest.raises(ValidationError, match="ngoài năm học"):
        pupils.drop_out(db, principal, pupil, D(2028, 1, 1), "Theo gia đình")
    with pytest.raises(ValidationError, match="lí do"):
        pupils.drop_out(db, principal, pupil, D(2026, 12, 1), "")
    pupils.drop_out(db, principal, pupil, D(2026, 12, 1), "Theo gia đình vào Nam")
    with pytest.raises(ValidationError, match="không học lớp nào"):
        pupils.transfer_out(db, principal, pupil, D(2026, 12, 10), "Trường khác")


def test_repeating_a_grade_is_a_new_enrolment(db, principal, people, year_id):
    pupil = _add(db, principal, people.class_4a, "Nguyễn Văn An", gender="Nam")
    with pytest.raises(ValidationError, match="đang học lớp 4A"):
        pupils.enrol_existing(db, principal, pupil, people.class_4b)
    next_year = school.rollover_year(db, principal, year_id, "2027-2028", D(2027, 9, 6))
    with db.read() as session:
        again_4a = school.class_by_name(session, next_year, "4A").id
    pupils.enrol_existing(db, principal, pupil, again_4a, start_reason="luu_ban")
    assert [(s.year_name, s.class_name, s.start_reason) for s in pupils.history(db, principal, pupil)] == [
        ("2026-2027", "4A", "Đầu năm học"), ("2027-2028", "4A", "Học lại lớp (lưu ban)")]


def test_homeroom_teacher_edits_only_their_class(db, principal, people):
    teacher = people.actors[Role.GV_CHU_NHIEM]
    own = _add(db, teacher, people.class_4a, "Nguyễn Văn An", gender="Nam")
    pupils.update_pupil(db, teacher, own, contact_phone="0912345678")
    with pytest.raises(PermissionDenied):
        _add(db, teacher, people.class_4b, "Lê Văn Bình", gender="Nam")
    other = _add(db, principal, people.class_4b, "Lê Văn Bình", gender="Nam")
    with pytest.raises(PermissionDenied):
        pupils.update_pupil(db, teacher, other, contact_phone="0912345678")
    with pytest.raises(PermissionDenied):
        pupils.move_to_class(db, teacher, own, people.class_4b, D(2026, 11, 16))
    with pytest.raises(PermissionDenied):
        pupils.class_list(db, teacher, people.class_4b)


def test_subject_teacher_reads_taught_classes_only(db, principal, people, year_id):
    teacher = people.actors[Role.GV_BO_MON]
    _add(db, principal, people.class_4b, "Lê Văn Bình", gender="Nam")
    assert _names(db, teacher, people.class_4b) == ["Lê Văn Bình"]
    with pytest.raises(PermissionDenied):
        pupils.class_list(db, teacher, people.class_4a)
    with pytest.raises(PermissionDenied):
        _add(db, teacher, people.class_4b, "Lê Văn Cường", gender="Nam")
    assert [c.name for c in pupils.visible_classes(db, teacher, year_id)] == ["4B"]
    assert [c.name for c in pupils.visible_classes(db, principal, year_id)] == ["4A", "4B"]
    assert not pupils.may_edit_class(db, teacher, people.class_4b)


def test_vice_principal_and_db_admin_edit_all_classes(db, people):
    for role in (Role.PHO_HIEU_TRUONG, Role.QUAN_TRI_CSDL):
        _add(db, people.actors[role], people.class_4b, f"Lê Văn {role.name[:3].title()}", gender="Nam")


def test_every_change_is_in_the_audit_log(db, principal, people):
    from nk_desktop.services import audit

    pupil = _add(db, principal, people.class_4a, "Nguyễn Văn An", gender="Nam")
    pupils.update_pupil(db, principal, pupil, contact_phone="0912345678")
    pupils.transfer_out(db, principal, pupil, D(2026, 11, 2), "Trường Tiểu học Lê Lợi")
    sentences = [r.sentence for r in audit.list_entries(db, principal, kind="pupils")]
    assert sentences[0].startswith("hieutruong sửa Rời lớp ngày từ (trống) thành 02/11/2026")
    assert any("Điện thoại liên hệ từ (trống) thành 0912345678 của học sinh Nguyễn Văn An" in s for s in sentences)
    assert audit.list_entries(db, principal, class_id=people.class_4a)


def test_unknown_pupil(db, principal):
    import uuid

    with pytest.raises(NotFound, match="học sinh"):
        pupils.update_pupil(db, principal, uuid.uuid4(), notes="x")


def test_promoting_a_class_to_the_next_grade(db, principal, people, year_id):
    kept = _add(db, principal, people.class_4a, "Nguyễn Văn An", gender="Nam")
    _add(db, principal, people.class_4a, "Lê Thị Ánh")
    left = _add(db, principal, people.class_4a, "Trần Văn Đức", gender="Nam")
    pupils.transfer_out(db, principal, left, D(2026, 12, 1), "Trường khác")
    next_year = school.rollover_year(db, principal, year_id, "2027-2028", D(2027, 9, 6))
    with db.read() as session:
        wrong = school.class_by_name(session, next_year, "4A").id
    five_a = school.create_class(db, principal, next_year, "5A")
    with pytest.raises(ValidationError, match="khối 5"):
        pupils.promote_class(db, principal, people.class_4a, wrong)
    assert pupils.promote_class(db, principal, people.class_4a, five_a, keep_back=frozenset({kept})) == 1
    assert _names(db, principal, five_a) == ["Lê Thị Ánh"]
    assert pupils.promote_class(db, principal, people.class_4a, five_a, keep_back=frozenset({kept})) == 0


def test_photo_is_optional_and_must_be_a_small_jpeg_or_png(db, principal, people):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    pupil_id = _add(db, principal, people.class_4a, "Nguyễn Thị Mai")
    pupils.update_pupil(db, principal, pupil_id, photo=png)
    assert pupils.get_pupil(db, principal, pupil_id).photo == png
    for data, message in ((b"GIF89a...", "JPEG hoặc PNG"), (b"\xff\xd8\xff" + b"\x00" * 1_000_000, "tối đa 1 MB")):
        with pytest.raises(ValidationError, match=message):
            pupils.update_pupil(db, principal, pupil_id, photo=data)
    assert pupils.get_pupil(db, principal, pupil_id).photo == png
    pupils.update_pupil(db, principal, pupil_id, photo=b"")
    assert pupils.get_pupil(db, principal, pupil_id).photo is None
