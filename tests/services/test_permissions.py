"""Every role × every action, written out by hand from regulation 39/QC-THNK Điều 3–10."""

import uuid

import pytest

from nk_desktop.actor import SYSTEM, Actor
from nk_desktop.errors import PermissionDenied
from nk_desktop.services import accounts, permissions
from nk_desktop.services.permissions import Action, Role, require

H, P, TT, QT = "hieu_truong", "pho_hieu_truong", "to_truong_cm", "quan_tri_csdl"
CN, BM, VT, KT, TV, YT, TB = "gv_chu_nhiem", "gv_bo_mon", "van_thu", "ke_toan", "thu_vien", "y_te", "thiet_bi"
EVERYONE = {H, P, TT, QT, CN, BM, VT, KT, TV, YT, TB}

# School-wide grants: who may do the action anywhere without a scope.
SCHOOL_WIDE = {
    "account_manage": {H},
    "account_delegate": {H},
    "settings_edit": {H},
    "school_profile_edit": {H, QT},
    "school_year_manage": {H, QT},
    "class_manage": {H, QT},
    "assignment_manage": {H, P, QT},
    "school_view": EVERYONE,
    "staff_view": {H, P, QT, VT},
    "staff_edit": {H, QT, VT},
    "audit_view": {H, P, QT},
    "pupil_view": {H, P, QT, YT, KT, VT},
    "pupil_edit": {H, P, QT},
    "pupil_import": {H, P, QT},
    "marks_view": {H, P, QT},
    "marks_enter": set(),           # only in scope: the assigned class × subject
    "traits_enter": set(),          # only in scope: the homeroom class
    "marks_import_grade": {QT, VT},  # the school's secretary (Điều 8.1)
    "marks_lock": {H, QT},
    "marks_schedule": {H, P, QT},
    "deadlines_set": {H},           # Điều 11.1.a: the principal sets the deadlines
    "correction_request": set(),    # only the teacher of the cell
    "correction_decide": {H},       # Điều 11.2.a
    "correction_apply": {QT},       # with the teacher, after approval
    "results_record": set(),        # only the homeroom teacher of the class
    "results_approve": {H},         # Điều 3.4
    "marks_review": {H, P, QT},     # the group head only for the group's classes (Điều 4.3–4.4, 5.2–5.3)
    "gradebook_check": {H, P},      # the monthly check of each class's gradebook (Điều 4.1)
    "books_print": {H, P, QT, VT},  # the homeroom / subject teacher only for their classes (Điều 12)
    "books_signoff": {H},           # the principal signs the printed books (Điều 12.3.c)
    "roll_view": {H, P, QT, VT, YT},
    "roll_take": set(),             # only the homeroom teacher of the class (Điều 7.3, 7.5)
    "roll_unlock": {H},
    "roll_paper": {VT, H},          # the office prints, receives, binds; the principal signs (Điều 12.1)
    "roll_settings": {H},
    "club_manage": {H, P},          # the school opens clubs; its teacher takes their roll (Điều 7.5)
    "backup": {H, QT, VT},          # the DB admin (Điều 6.1); the office keeps the books (Điều 9.2, 12.3.a)
    "restore": {H, QT},
}


def test_the_table_names_every_action():
    assert set(SCHOOL_WIDE) == {a.value for a in Action}


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_school_wide_matrix(db, role, action):
    actor = Actor(account_id=uuid.uuid4(), username="x", display_name="x", roles=frozenset({role.value}))
    expected = role.value in SCHOOL_WIDE[action.value]
    with db.read() as session:
        if expected:
            require(session, actor, action)
        else:
            with pytest.raises(PermissionDenied, match="không có quyền"):
                require(session, actor, action)


def test_homeroom_teacher_edits_only_their_class(db, people):
    teacher = people.actors[Role.GV_CHU_NHIEM]
    with db.read() as session:
        require(session, teacher, Action.PUPIL_EDIT, class_id=people.class_4a)
        require(session, teacher, Action.PUPIL_VIEW, class_id=people.class_4a)
        with pytest.raises(PermissionDenied):
            require(session, teacher, Action.PUPIL_EDIT, class_id=people.class_4b)
        with pytest.raises(PermissionDenied):
            require(session, teacher, Action.PUPIL_VIEW, class_id=people.class_4b)


def test_subject_teacher_reads_only_the_classes_they_teach(db, people):
    teacher = people.actors[Role.GV_BO_MON]
    with db.read() as session:
        require(session, teacher, Action.PUPIL_VIEW, class_id=people.class_4b)
        assert permissions.taught_pairs(session, teacher.staff_id) == {(people.class_4b, people.english)}
        with pytest.raises(PermissionDenied):
            require(session, teacher, Action.PUPIL_VIEW, class_id=people.class_4a)
        with pytest.raises(PermissionDenied):
            require(session, teacher, Action.PUPIL_EDIT, class_id=people.class_4b)


def test_group_head_reads_the_group_members_only(db, people, year_id):
    from nk_desktop.services import school

    head = people.actors[Role.TO_TRUONG_CM]
    school.create_group(db, SYSTEM, year_id, "Tổ 4", head_id=head.staff_id,
                        member_ids=[people.staff[Role.GV_CHU_NHIEM]])
    with db.read() as session:
        require(session, head, Action.STAFF_VIEW, staff_id=people.staff[Role.GV_CHU_NHIEM])
        require(session, head, Action.PUPIL_VIEW, class_id=people.class_4a)  # member's homeroom class
        with pytest.raises(PermissionDenied):
            require(session, head, Action.STAFF_VIEW, staff_id=people.staff[Role.KE_TOAN])
        with pytest.raises(PermissionDenied):
            require(session, head, Action.STAFF_VIEW)


def test_db_admin_manages_accounts_only_when_the_principal_allows(db, people, principal):
    admin = people.actors[Role.QUAN_TRI_CSDL]
    with pytest.raises(PermissionDenied):
        accounts.create_account(db, admin, username="moi.gv", staff_id=None, roles=[Role.GV_BO_MON],
                                password="matkhau123")
    with pytest.raises(PermissionDenied):
        accounts.set_db_admin_delegation(db, admin, True)  # only the principal decides (Điều 3.1)
    accounts.set_db_admin_delegation(db, principal, True)
    accounts.create_account(db, admin, username="moi.gv", staff_id=None, roles=[Role.GV_BO_MON],
                            password="matkhau123")
    # Even then, the principal's and the DB admin's roles stay the principal's to give.
    with pytest.raises(PermissionDenied, match="Chỉ Hiệu trưởng"):
        accounts.create_account(db, admin, username="moi.qt", staff_id=None, roles=[Role.QUAN_TRI_CSDL],
                                password="matkhau123")


def test_system_actor_may_do_everything(db):
    with db.read() as session:
        for action in Action:
            require(session, SYSTEM, action)


def test_roles_parse_from_codes_and_vietnamese_names():
    assert permissions.parse_role("gv_chu_nhiem") is Role.GV_CHU_NHIEM
    assert permissions.parse_role("Giáo viên chủ nhiệm") is Role.GV_CHU_NHIEM
    assert permissions.parse_role("hieu-truong") is Role.HIEU_TRUONG
    with pytest.raises(PermissionDenied, match="Không có vai trò"):
        permissions.parse_role("giam_doc")
