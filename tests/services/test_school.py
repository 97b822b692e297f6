"""The school's structure: years, classes, homerooms, assignments, groups, rollover."""

import datetime as dt

import pytest

from nk_desktop.actor import SYSTEM
from nk_desktop.errors import NotFound, PermissionDenied, ValidationError
from nk_desktop.services import school, staff
from nk_desktop.services.permissions import Role
from nk_desktop.services.setup import first_teaching_monday, school_year_of


@pytest.mark.parametrize("name", ["2025", "2025-2027", "25-26", "2025/2026x", ""])
def test_year_names_are_checked(db, principal, name):
    with pytest.raises(ValidationError, match="không đúng dạng"):
        school.create_school_year(db, principal, name, dt.date(2025, 9, 8))


def test_a_year_cannot_be_created_twice(db, principal):
    with pytest.raises(ValidationError, match="đã có"):
        school.create_school_year(db, principal, "2026 – 2027", dt.date(2026, 9, 7))


def test_the_school_year_of_a_date_and_its_first_week():
    assert school_year_of(dt.date(2026, 11, 29)) == "2026-2027"
    assert school_year_of(dt.date(2026, 7, 31)) == "2025-2026"
    assert first_teaching_monday(2026) == dt.date(2026, 9, 7)  # 5/9/2026 is a Saturday
    assert first_teaching_monday(2025) == dt.date(2025, 9, 8)  # 5/9/2025 is a Friday


def test_current_year_follows_the_date(db, principal):
    school.create_school_year(db, principal, "2025-2026", dt.date(2025, 9, 8))
    current = {y.name: c for y, c in school.list_years(db, principal, on=dt.date(2026, 11, 29))}
    assert current == {"2025-2026": False, "2026-2027": True}
    summer = {y.name: c for y, c in school.list_years(db, principal, on=dt.date(2026, 7, 1))}
    assert summer["2025-2026"] is True  # the summer belongs to the year just ended


def test_governing_body_since_the_two_tier_reform(db, principal, year_id):
    with db.read() as session:
        assert school.current_year(session, dt.date(2026, 11, 29)).governing_body == "UBND PHƯỜNG CẦU ĐẤT"
    assert school.default_governing_body(dt.date(2024, 9, 9), "PHƯỜNG CẦU ĐẤT") == "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO"


@pytest.mark.parametrize("name", ["6A", "A4", "4 A B C D", "lớp 4"])
def test_class_names_are_checked(db, principal, year_id, name):
    with pytest.raises(ValidationError, match="không hợp lệ"):
        school.create_class(db, principal, year_id, name)


def test_classes_are_normalised_and_unique(db, principal, year_id):
    school.create_class(db, principal, year_id, " 4a ")
    with pytest.raises(ValidationError, match="đã có"):
        school.create_class(db, principal, year_id, "4A")
    assert [(c.name, c.grade) for c in school.list_classes(db, principal, year_id)] == [("4A", 4)]


def test_a_teacher_is_homeroom_of_one_class_a_year(db, principal, year_id):
    teacher = staff.create_staff(db, principal, family_name="Nguyễn", middle_name="Thị", given_name="Lan", gender="Nữ")
    school.create_class(db, principal, year_id, "1A", homeroom_id=teacher)
    second = school.create_class(db, principal, year_id, "1B")
    with pytest.raises(ValidationError, match="đã chủ nhiệm lớp 1A"):
        school.set_homeroom(db, principal, second, teacher)


def test_assignment_must_fit_the_grades_curriculum(db, principal, year_id):
    teacher = staff.create_staff(db, principal, family_name="Phạm", given_name="Hà", gender="Nữ")
    grade1 = school.create_class(db, principal, year_id, "1A")
    with db.read() as session:
        english = school.subject_by_name(session, "ngoai ngu 1").id
        maths = school.subject_by_name(session, "TOAN").id
    with pytest.raises(ValidationError, match="Khối 1 không học môn Ngoại ngữ 1"):
        school.assign_teacher(db, principal, grade1, english, teacher)
    first = school.assign_teacher(db, principal, grade1, maths, teacher)
    other = staff.create_staff(db, principal, family_name="Vũ", given_name="Hoà", gender="Nữ")
    second = school.assign_teacher(db, principal, grade1, maths, other)
    rows = school.list_assignments(db, principal, year_id)
    assert [(r.class_name, r.subject_name, r.teacher_name) for r in rows] == [("1A", "Toán", "Vũ Hoà")]
    assert first != second


def test_unknown_subject_is_named(db):
    with db.read() as session, pytest.raises(NotFound, match="Không có môn học “Hóa học”"):
        school.subject_by_name(session, "Hóa học")


def test_teachers_cannot_restructure_the_school(db, people, year_id):
    teacher = people.actors[Role.GV_CHU_NHIEM]
    with pytest.raises(PermissionDenied):
        school.create_class(db, teacher, year_id, "5E")
    with pytest.raises(PermissionDenied):
        school.assign_teacher(db, teacher, people.class_4a, people.math, teacher.staff_id)
    with pytest.raises(PermissionDenied):
        school.add_day_off(db, teacher, dt.date(2026, 12, 1), "Nghỉ")


def test_rollover_carries_classes_and_groups_but_not_assignments(db, principal, people, year_id):
    school.create_group(db, SYSTEM, year_id, "Tổ 4", head_id=people.staff[Role.TO_TRUONG_CM],
                        member_ids=[people.staff[Role.GV_CHU_NHIEM]])
    new_year = school.rollover_year(db, principal, year_id, "2027-2028", dt.date(2027, 9, 6))
    classes = school.list_classes(db, principal, new_year)
    assert [c.name for c in classes] == ["4A", "4B"]
    assert all(c.homeroom_id is None and c.pupils == 0 for c in classes)
    assert school.list_assignments(db, principal, new_year) == []
    groups = school.list_groups(db, principal, new_year)
    assert [(g.name, g.head_id, set(m)) for g, m in groups] == [
        ("Tổ 4", people.staff[Role.TO_TRUONG_CM], {people.staff[Role.TO_TRUONG_CM], people.staff[Role.GV_CHU_NHIEM]})
    ]
    with pytest.raises(ValidationError, match="năm liền sau"):
        school.rollover_year(db, principal, year_id, "2029-2030", dt.date(2029, 9, 3))


def test_rollover_can_keep_the_homeroom_teachers(db, principal, people, year_id):
    new_year = school.rollover_year(db, principal, year_id, "2027-2028", dt.date(2027, 9, 6),
                                    carry_homerooms=True)
    homerooms = {c.name: c.homeroom_id for c in school.list_classes(db, principal, new_year)}
    assert homerooms == {"4A": people.staff[Role.GV_CHU_NHIEM], "4B": None}


def test_staff_validation(db, principal):
    from nk_desktop.models.staff import StaffMember

    with pytest.raises(ValidationError, match="không phải số Việt Nam"):
        staff.create_staff(db, principal, family_name="Lê", given_name="An", phone="12345")
    with pytest.raises(ValidationError, match="12 chữ số"):
        staff.create_staff(db, principal, family_name="Lê", given_name="An", id_number="0311")
    with pytest.raises(ValidationError, match="Nam” hoặc “Nữ"):
        staff.create_staff(db, principal, family_name="Lê", given_name="An", gender="khác")
    with pytest.raises(ValidationError, match="Tên không được để trống"):
        staff.create_staff(db, principal, family_name="Lê", given_name=" ")
    staff_id = staff.create_staff(db, principal, family_name="Lê", given_name="An", phone="091.234.5678")
    with db.read() as session:
        assert session.get(StaffMember, staff_id).phone == "0912345678"


def test_staff_search_folds_accents_and_sorts_officially(db, principal):
    for family, middle, given in [("Đặng", "Thị", "Hoà"), ("Nguyễn", "Văn", "An"), ("Lê", "Thị", "Ánh"),
                                  ("Dương", "Minh", "An")]:
        staff.create_staff(db, principal, family_name=family, middle_name=middle, given_name=given)
    assert [s.full_name for s in staff.list_staff(db, principal)] == [
        "Dương Minh An", "Nguyễn Văn An", "Lê Thị Ánh", "Đặng Thị Hoà"]
    assert [s.full_name for s in staff.list_staff(db, principal, search="dang thi hoa")] == ["Đặng Thị Hoà"]
    assert [s.full_name for s in staff.list_staff(db, principal, search="HÒA")] == ["Đặng Thị Hoà"]


def test_a_group_head_lists_only_their_members(db, people, year_id):
    school.create_group(db, SYSTEM, year_id, "Tổ 4", head_id=people.staff[Role.TO_TRUONG_CM],
                        member_ids=[people.staff[Role.GV_CHU_NHIEM]])
    seen = {s.id for s in staff.list_staff(db, people.actors[Role.TO_TRUONG_CM])}
    assert seen == {people.staff[Role.TO_TRUONG_CM], people.staff[Role.GV_CHU_NHIEM]}
    assert {s.id for s in staff.list_staff(db, people.actors[Role.THU_VIEN])} == {people.staff[Role.THU_VIEN]}
