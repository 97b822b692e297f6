"""Who may do what: roles (regulation 39/QC-THNK Điều 3–10) × actions, plus scope.

Every service calls ``require`` before it reads or writes.  Hiding a tab is only
convenience; this module is the security.  The matrix is data: a changed
regulation is an edit of ``MATRIX``.
"""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from nk_desktop.actor import Actor
from nk_desktop.errors import PermissionDenied
from nk_desktop.i18n import _
from nk_desktop.models.school import (
    School, SchoolClass, SubjectGroup, SubjectGroupMember, TeachingAssignment,
)


class Role(str, enum.Enum):
    HIEU_TRUONG = "hieu_truong"
    PHO_HIEU_TRUONG = "pho_hieu_truong"
    TO_TRUONG_CM = "to_truong_cm"
    QUAN_TRI_CSDL = "quan_tri_csdl"
    GV_CHU_NHIEM = "gv_chu_nhiem"
    GV_BO_MON = "gv_bo_mon"
    VAN_THU = "van_thu"
    KE_TOAN = "ke_toan"
    THU_VIEN = "thu_vien"
    Y_TE = "y_te"
    THIET_BI = "thiet_bi"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.HIEU_TRUONG: _("Hiệu trưởng"),
    Role.PHO_HIEU_TRUONG: _("Phó hiệu trưởng"),
    Role.TO_TRUONG_CM: _("Tổ trưởng chuyên môn"),
    Role.QUAN_TRI_CSDL: _("Quản trị CSDL"),
    Role.GV_CHU_NHIEM: _("Giáo viên chủ nhiệm"),
    Role.GV_BO_MON: _("Giáo viên bộ môn"),
    Role.VAN_THU: _("Tổ trưởng văn phòng / văn thư"),
    Role.KE_TOAN: _("Kế toán"),
    Role.THU_VIEN: _("Thư viện"),
    Role.Y_TE: _("Y tế"),
    Role.THIET_BI: _("Thiết bị"),
}


def parse_role(text: str) -> Role:
    """A role from its code ("gv_chu_nhiem") or its Vietnamese name ("Giáo viên chủ nhiệm")."""
    from nk_desktop.text import fold

    wanted = fold(text.replace("-", "_"))
    for role in Role:
        if wanted in (role.value, fold(role.label)):
            return role
    choices = ", ".join(r.value for r in Role)
    raise PermissionDenied(_("Không có vai trò “{text}”. Các vai trò: {choices}.").format(text=text, choices=choices))


class Action(str, enum.Enum):
    # Administration (Điều 3.1, 6.2)
    ACCOUNT_MANAGE = "account_manage"          # create accounts, assign roles, reset passwords
    ACCOUNT_DELEGATE = "account_delegate"      # let the DB admin manage accounts
    SETTINGS_EDIT = "settings_edit"            # password policy and school-wide settings
    SCHOOL_PROFILE_EDIT = "school_profile_edit"
    SCHOOL_YEAR_MANAGE = "school_year_manage"  # years, terms, weeks, days off, rollover
    CLASS_MANAGE = "class_manage"              # classes and their homeroom teachers
    ASSIGNMENT_MANAGE = "assignment_manage"    # teaching assignments, subject groups
    SCHOOL_VIEW = "school_view"                # read the school's structure
    STAFF_VIEW = "staff_view"                  # read staff records (scoped for group heads)
    STAFF_EDIT = "staff_edit"                  # staff dossiers (Điều 9.1)
    AUDIT_VIEW = "audit_view"                  # read and verify the audit log
    # Pupils (Điều 7.1, 4.2)
    PUPIL_VIEW = "pupil_view"                  # scoped: homeroom class, taught classes
    PUPIL_EDIT = "pupil_edit"                  # scoped: homeroom class
    PUPIL_IMPORT = "pupil_import"
    # Gradebook (Điều 3.2–3.4, 7.3, 8.1, 11)
    MARKS_VIEW = "marks_view"                  # scoped: taught and homeroom classes
    MARKS_ENTER = "marks_enter"                # scoped: assigned class × subject
    TRAITS_ENTER = "traits_enter"              # scoped: homeroom class (qualities, competencies)
    MARKS_IMPORT_GRADE = "marks_import_grade"  # the secretary enters periodic test scores (Điều 8.1)
    MARKS_LOCK = "marks_lock"                  # lock and unlock (Điều 3.2, 11.2.a)
    MARKS_SCHEDULE = "marks_schedule"          # test dates
    DEADLINES_SET = "deadlines_set"            # entry weeks (Điều 11.1.a: the principal decides)
    CORRECTION_REQUEST = "correction_request"  # scoped like MARKS_ENTER / TRAITS_ENTER
    CORRECTION_DECIDE = "correction_decide"
    CORRECTION_APPLY = "correction_apply"
    RESULTS_RECORD = "results_record"          # scoped: homeroom class (year-end results)
    RESULTS_APPROVE = "results_approve"        # Điều 3.4
    MARKS_REVIEW = "marks_review"              # completion, distributions, anomalies, targets (Điều 4.3–4.4, 5.2–5.3)
    GRADEBOOK_CHECK = "gradebook_check"        # the monthly check of each class's gradebook, remark at its end (Điều 4.1)
    # Roll call (Điều 7.3, 7.5, 12.1)
    ROLL_VIEW = "roll_view"                    # scoped: homeroom class, taught classes
    ROLL_TAKE = "roll_take"                    # scoped: homeroom class (and a club's teacher)
    ROLL_UNLOCK = "roll_unlock"                # reopen a closed month (the principal, with a reason)
    ROLL_PAPER = "roll_paper"                  # record printing, receiving and binding (the office)
    ROLL_SETTINGS = "roll_settings"            # alert thresholds
    CLUB_MANAGE = "club_manage"                # open, rename, close clubs (Điều 7.5); members also by its teacher
    # Keeping the data (Điều 6.1, 12.3.a: backed up to USB after the check)
    BACKUP = "backup"
    RESTORE = "restore"
    # Printed books (Điều 12): printing them, and the principal's signature on the paper
    BOOKS_PRINT = "books_print"                # scoped: homeroom class, taught classes
    BOOKS_SIGNOFF = "books_signoff"            # the principal records signing a printed book


_H, _P, _TT, _QT = Role.HIEU_TRUONG, Role.PHO_HIEU_TRUONG, Role.TO_TRUONG_CM, Role.QUAN_TRI_CSDL
_CN, _BM, _VT = Role.GV_CHU_NHIEM, Role.GV_BO_MON, Role.VAN_THU
ALL_ROLES = frozenset(Role)

# Roles allowed each action school-wide.  ``SCOPED`` below lists roles allowed only
# within their own class / subject / group; those are checked against the data.
MATRIX: dict[Action, frozenset[Role]] = {
    Action.ACCOUNT_MANAGE: frozenset({_H}),  # + the DB admin when the principal allows it
    Action.ACCOUNT_DELEGATE: frozenset({_H}),
    Action.SETTINGS_EDIT: frozenset({_H}),
    Action.SCHOOL_PROFILE_EDIT: frozenset({_H, _QT}),
    Action.SCHOOL_YEAR_MANAGE: frozenset({_H, _QT}),
    Action.CLASS_MANAGE: frozenset({_H, _QT}),
    Action.ASSIGNMENT_MANAGE: frozenset({_H, _P, _QT}),
    Action.SCHOOL_VIEW: ALL_ROLES,
    Action.STAFF_VIEW: frozenset({_H, _P, _QT, _VT}),
    Action.STAFF_EDIT: frozenset({_H, _QT, _VT}),
    Action.AUDIT_VIEW: frozenset({_H, _P, _QT}),
    Action.PUPIL_VIEW: frozenset({_H, _P, _QT, Role.Y_TE, Role.KE_TOAN, _VT}),
    Action.PUPIL_EDIT: frozenset({_H, _P, _QT}),
    Action.PUPIL_IMPORT: frozenset({_H, _P, _QT}),
    Action.MARKS_VIEW: frozenset({_H, _P, _QT}),
    Action.MARKS_ENTER: frozenset(),
    Action.TRAITS_ENTER: frozenset(),
    Action.MARKS_IMPORT_GRADE: frozenset({_QT, _VT}),
    Action.MARKS_LOCK: frozenset({_H, _QT}),
    Action.MARKS_SCHEDULE: frozenset({_H, _P, _QT}),
    Action.DEADLINES_SET: frozenset({_H}),
    Action.CORRECTION_REQUEST: frozenset(),
    Action.CORRECTION_DECIDE: frozenset({_H}),
    Action.CORRECTION_APPLY: frozenset({_QT}),
    Action.RESULTS_RECORD: frozenset(),
    Action.RESULTS_APPROVE: frozenset({_H}),
    Action.MARKS_REVIEW: frozenset({_H, _P, _QT}),
    Action.GRADEBOOK_CHECK: frozenset({_H, _P}),
    Action.ROLL_VIEW: frozenset({_H, _P, _QT, _VT, Role.Y_TE}),
    Action.ROLL_TAKE: frozenset(),
    Action.ROLL_UNLOCK: frozenset({_H}),
    Action.ROLL_PAPER: frozenset({_VT, _H}),
    Action.ROLL_SETTINGS: frozenset({_H}),
    Action.CLUB_MANAGE: frozenset({_H, _P}),
    Action.BACKUP: frozenset({_H, _QT, _VT}),
    Action.RESTORE: frozenset({_H, _QT}),
    Action.BOOKS_PRINT: frozenset({_H, _P, _QT, _VT}),
    Action.BOOKS_SIGNOFF: frozenset({_H}),
}

SCOPED: dict[Action, frozenset[Role]] = {
    Action.STAFF_VIEW: frozenset({_TT}),              # the group's members (Điều 5.1)
    Action.PUPIL_VIEW: frozenset({_CN, _BM, _TT}),     # own class, taught classes, group's classes
    Action.PUPIL_EDIT: frozenset({_CN}),              # own class (Điều 7.1)
    Action.PUPIL_IMPORT: frozenset({_CN}),
    Action.MARKS_VIEW: frozenset({_CN, _BM, _TT}),
    Action.MARKS_ENTER: frozenset({_CN, _BM}),
    Action.TRAITS_ENTER: frozenset({_CN}),
    Action.CORRECTION_REQUEST: frozenset({_CN, _BM}),
    Action.RESULTS_RECORD: frozenset({_CN}),
    Action.MARKS_REVIEW: frozenset({_TT}),            # the group's classes (Điều 5.2–5.3)
    Action.ROLL_VIEW: frozenset({_CN, _BM, _TT}),
    Action.ROLL_TAKE: frozenset({_CN}),
    Action.BOOKS_PRINT: frozenset({_CN, _BM}),       # their own classes' books
}


def _roles(actor: Actor) -> set[Role]:
    return {Role(r) for r in actor.roles if r in Role._value2member_map_}


def allowed_roles(action: Action) -> frozenset[Role]:
    return MATRIX[action] | SCOPED.get(action, frozenset())


def may(actor: Actor, action: Action) -> bool:
    """Whether *actor* may do *action* somewhere (school-wide or in some scope)."""
    if actor.is_system:
        return True
    return bool(_roles(actor) & allowed_roles(action))


def deny(action: Action) -> PermissionDenied:
    return PermissionDenied(
        _("Tài khoản của bạn không có quyền {action}.").format(action=ACTION_LABELS[action])
    )


ACTION_LABELS = {
    Action.ACCOUNT_MANAGE: _("quản lý tài khoản"),
    Action.ACCOUNT_DELEGATE: _("giao quyền quản lý tài khoản"),
    Action.SETTINGS_EDIT: _("thay đổi cài đặt chung của trường"),
    Action.SCHOOL_PROFILE_EDIT: _("sửa hồ sơ trường"),
    Action.SCHOOL_YEAR_MANAGE: _("quản lý năm học và lịch"),
    Action.CLASS_MANAGE: _("quản lý lớp học"),
    Action.ASSIGNMENT_MANAGE: _("phân công giảng dạy"),
    Action.SCHOOL_VIEW: _("xem thông tin trường"),
    Action.STAFF_VIEW: _("xem hồ sơ cán bộ"),
    Action.STAFF_EDIT: _("sửa hồ sơ cán bộ"),
    Action.AUDIT_VIEW: _("xem nhật ký thay đổi"),
    Action.PUPIL_VIEW: _("xem hồ sơ học sinh của lớp này"),
    Action.PUPIL_EDIT: _("sửa hồ sơ học sinh của lớp này"),
    Action.PUPIL_IMPORT: _("nhập danh sách học sinh cho lớp này"),
    Action.MARKS_VIEW: _("xem sổ điểm của lớp này"),
    Action.MARKS_ENTER: _("nhập điểm môn này của lớp này (chỉ giáo viên được phân công)"),
    Action.TRAITS_ENTER: _("đánh giá phẩm chất, năng lực của lớp này (chỉ giáo viên chủ nhiệm)"),
    Action.MARKS_IMPORT_GRADE: _("nhập điểm kiểm tra định kì cho cả khối"),
    Action.MARKS_LOCK: _("khóa hoặc mở khóa sổ điểm"),
    Action.MARKS_SCHEDULE: _("đặt lịch kiểm tra định kì"),
    Action.DEADLINES_SET: _("quy định thời hạn nhập điểm"),
    Action.CORRECTION_REQUEST: _("lập biên bản đề nghị sửa điểm cho ô này"),
    Action.CORRECTION_DECIDE: _("phê duyệt đề nghị sửa điểm"),
    Action.CORRECTION_APPLY: _("sửa điểm theo biên bản đã duyệt"),
    Action.RESULTS_RECORD: _("ghi kết quả cuối năm của lớp này"),
    Action.RESULTS_APPROVE: _("phê duyệt kết quả đánh giá"),
    Action.MARKS_REVIEW: _("giám sát việc nhập điểm, phổ điểm và chỉ tiêu"),
    Action.GRADEBOOK_CHECK: _("kiểm tra sổ điểm hằng tháng và ghi nhận xét"),
    Action.ROLL_VIEW: _("xem điểm danh của lớp này"),
    Action.ROLL_TAKE: _("điểm danh lớp này (chỉ giáo viên chủ nhiệm)"),
    Action.ROLL_UNLOCK: _("mở lại tháng điểm danh đã chốt"),
    Action.ROLL_PAPER: _("ghi nhận in, nhận và đóng tập sổ điểm danh"),
    Action.ROLL_SETTINGS: _("đặt ngưỡng cảnh báo vắng"),
    Action.CLUB_MANAGE: _("mở, đổi tên, đóng câu lạc bộ"),
    Action.BACKUP: _("sao lưu dữ liệu"),
    Action.RESTORE: _("khôi phục dữ liệu từ bản sao lưu"),
    Action.BOOKS_PRINT: _("in sổ sách của lớp này"),
    Action.BOOKS_SIGNOFF: _("xác nhận Hiệu trưởng đã kí sổ"),
}


def require(session: Session, actor: Actor, action: Action, *, class_id: uuid.UUID | None = None,
            staff_id: uuid.UUID | None = None, subject_id: uuid.UUID | None = None) -> None:
    """Raise ``PermissionDenied`` unless *actor* may do *action* on the given scope.

    ``class_id`` scopes pupil actions; ``staff_id`` scopes staff reading.  A role
    that holds an action only in scope is refused when no scope is given.
    """
    if actor.is_system:
        return
    roles = _roles(actor)
    if roles & MATRIX[action]:
        return
    if action is Action.ACCOUNT_MANAGE and Role.QUAN_TRI_CSDL in roles and db_admin_delegated(session):
        return
    scoped = roles & SCOPED.get(action, frozenset())
    if scoped and _in_scope(session, actor, action, scoped, class_id=class_id, staff_id=staff_id,
                            subject_id=subject_id):
        return
    raise deny(action)


def allows(session: Session, actor: Actor, action: Action, **scope) -> bool:
    """``require`` as a yes/no answer (to enable a button, to choose a path); never raises."""
    try:
        require(session, actor, action, **scope)
        return True
    except PermissionDenied:
        return False


def db_admin_delegated(session: Session) -> bool:
    """Whether the principal lets the DB admin manage accounts (Điều 3.1)."""
    return bool(session.scalar(select(School.db_admin_manages_accounts).where(School.deleted.is_(False))))


def _in_scope(session: Session, actor: Actor, action: Action, roles: set[Role], *,
              class_id: uuid.UUID | None, staff_id: uuid.UUID | None, subject_id: uuid.UUID | None) -> bool:
    if actor.staff_id is None:
        return False
    if staff_id is not None and action is Action.STAFF_VIEW:
        return staff_id == actor.staff_id or staff_id in group_member_ids(session, actor.staff_id)
    if class_id is None:
        return False
    if action in (Action.MARKS_ENTER, Action.CORRECTION_REQUEST) and subject_id is not None:
        return (class_id, subject_id) in taught_pairs(session, actor.staff_id)
    if action in (Action.TRAITS_ENTER, Action.RESULTS_RECORD, Action.ROLL_TAKE) or (
            action is Action.CORRECTION_REQUEST and subject_id is None):
        return Role.GV_CHU_NHIEM in roles and class_id in homeroom_class_ids(session, actor.staff_id)
    if action is Action.MARKS_ENTER:
        return False
    if Role.GV_CHU_NHIEM in roles and class_id in homeroom_class_ids(session, actor.staff_id):
        return True
    if action in (Action.PUPIL_VIEW, Action.MARKS_VIEW, Action.ROLL_VIEW, Action.MARKS_REVIEW, Action.BOOKS_PRINT):
        if Role.GV_BO_MON in roles or Role.GV_CHU_NHIEM in roles:
            if class_id in taught_class_ids(session, actor.staff_id):
                return True
        if Role.TO_TRUONG_CM in roles and class_id in group_class_ids(session, actor.staff_id):
            return True
    return False


def homeroom_class_ids(session: Session, staff_id: uuid.UUID) -> set[uuid.UUID]:
    return set(session.scalars(
        select(SchoolClass.id).where(SchoolClass.homeroom_id == staff_id, SchoolClass.deleted.is_(False))
    ))


def taught_class_ids(session: Session, staff_id: uuid.UUID) -> set[uuid.UUID]:
    return set(session.scalars(
        select(TeachingAssignment.class_id).where(
            TeachingAssignment.staff_id == staff_id, TeachingAssignment.deleted.is_(False)
        )
    ))


def taught_pairs(session: Session, staff_id: uuid.UUID) -> set[tuple[uuid.UUID, uuid.UUID]]:
    """(class, subject) pairs the teacher is assigned: the scope of mark entry."""
    rows = session.execute(
        select(TeachingAssignment.class_id, TeachingAssignment.subject_id).where(
            TeachingAssignment.staff_id == staff_id, TeachingAssignment.deleted.is_(False)
        )
    )
    return {(c, s) for c, s in rows}


def led_group_ids(session: Session, staff_id: uuid.UUID) -> set[uuid.UUID]:
    return set(session.scalars(
        select(SubjectGroup.id).where(SubjectGroup.head_id == staff_id, SubjectGroup.deleted.is_(False))
    ))


def group_member_ids(session: Session, head_staff_id: uuid.UUID) -> set[uuid.UUID]:
    """Staff in the groups *head_staff_id* leads."""
    groups = led_group_ids(session, head_staff_id)
    if not groups:
        return set()
    return set(session.scalars(
        select(SubjectGroupMember.staff_id).where(
            SubjectGroupMember.group_id.in_(groups), SubjectGroupMember.deleted.is_(False)
        )
    ))


def group_class_ids(session: Session, head_staff_id: uuid.UUID) -> set[uuid.UUID]:
    """Classes whose homeroom teacher is in a group *head_staff_id* leads."""
    members = group_member_ids(session, head_staff_id)
    if not members:
        return set()
    return set(session.scalars(
        select(SchoolClass.id).where(SchoolClass.homeroom_id.in_(members), SchoolClass.deleted.is_(False))
    ))
