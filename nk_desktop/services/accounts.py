"""Accounts: login with lockout, passwords and their policy, roles (Điều 2, 3.1)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from nk_desktop.actor import SYSTEM, Actor
from nk_desktop.clock import to_local, utcnow
from nk_desktop.db import Database
from nk_desktop.errors import AuthenticationError, PermissionDenied, ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.accounts import Account, AccountRole, LoginState
from nk_desktop.models.school import School
from nk_desktop.models.staff import StaffMember
from nk_desktop.services.common import get_live
from nk_desktop.services.permissions import Action, Role, db_admin_delegated, require

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = dt.timedelta(minutes=15)
USERNAME_RE = re.compile(r"^[a-z][a-z0-9._]{2,31}$")
_hasher = PasswordHasher()


@dataclasses.dataclass(frozen=True)
class LoginResult:
    actor: Actor
    password_change_reason: str | None  # set when the password must be changed before going on


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def actor_for(session: Session, account: Account) -> Actor:
    roles = frozenset(session.scalars(
        select(AccountRole.role).where(AccountRole.account_id == account.id, AccountRole.deleted.is_(False))
    ))
    staff = session.get(StaffMember, account.staff_id) if account.staff_id else None
    return Actor(
        account_id=account.id,
        username=account.username,
        display_name=staff.honorific if staff else account.username,
        staff_id=account.staff_id,
        roles=roles,
    )


def _find_account(session: Session, username: str) -> Account | None:
    return session.scalar(
        select(Account).where(Account.username == username.strip().lower(), Account.deleted.is_(False))
    )


def _policy(session: Session) -> tuple[int, int]:
    school = session.scalar(select(School).where(School.deleted.is_(False)))
    if school is None:
        return 8, 90
    return school.password_min_length, school.password_max_age_days


def login(db: Database, username: str, password: str, *, now: dt.datetime | None = None) -> LoginResult:
    """Check the password; lock the account on this PC after 5 failures for 15 minutes."""
    now = now or utcnow()
    with db.write(SYSTEM) as session:
        account = _find_account(session, username)
        if account is None or not account.active:
            raise AuthenticationError(_("Sai tên đăng nhập hoặc mật khẩu."))
        state = session.get(LoginState, account.id) or LoginState(account_id=account.id, failed_attempts=0)
        session.add(state)
        if state.locked_until and state.locked_until > now:
            raise AuthenticationError(
                _("Tài khoản đang bị khóa tạm thời do nhập sai mật khẩu {n} lần; thử lại sau {time}.").format(
                    n=MAX_FAILED_ATTEMPTS, time=to_local(state.locked_until).strftime("%H:%M")
                )
            )
        if not _verify(account.password_hash, password):
            state.failed_attempts = (state.failed_attempts or 0) + 1
            if state.failed_attempts >= MAX_FAILED_ATTEMPTS:
                state.locked_until = now + LOCKOUT
                state.failed_attempts = 0
                session.commit()
                raise AuthenticationError(
                    _("Nhập sai mật khẩu {n} lần: tài khoản bị khóa {minutes} phút.").format(
                        n=MAX_FAILED_ATTEMPTS, minutes=int(LOCKOUT.total_seconds() // 60)
                    )
                )
            left = MAX_FAILED_ATTEMPTS - state.failed_attempts
            session.commit()
            raise AuthenticationError(
                _("Sai tên đăng nhập hoặc mật khẩu (còn {left} lần thử trước khi bị khóa).").format(left=left)
            )
        state.failed_attempts = 0
        state.locked_until = None
        state.last_login_at = now
        actor = actor_for(session, account)
        _min_length, max_age = _policy(session)
        reason = None
        if account.must_change_password:
            reason = _("Đây là lần đăng nhập đầu tiên hoặc mật khẩu vừa được cấp lại: hãy đặt mật khẩu mới.")
        elif max_age and account.password_changed_at + dt.timedelta(days=max_age) <= now:
            reason = _("Mật khẩu đã dùng quá {days} ngày: hãy đổi mật khẩu mới (Điều 2 quy chế).").format(days=max_age)
        return LoginResult(actor=actor, password_change_reason=reason)


def check_password_policy(session: Session, password: str, *, username: str) -> None:
    min_length, _age = _policy(session)
    if len(password) < min_length:
        raise ValidationError(_("Mật khẩu phải có ít nhất {n} kí tự.").format(n=min_length), field="password")
    if not re.search(r"[^\W\d_]", password) or not re.search(r"\d", password):
        raise ValidationError(_("Mật khẩu phải có cả chữ và số."), field="password")
    if username and username.lower() in password.lower():
        raise ValidationError(_("Mật khẩu không được chứa tên đăng nhập."), field="password")


def change_password(db: Database, actor: Actor, old_password: str, new_password: str) -> None:
    """The user changes their own password (clears a forced change)."""
    with db.write(actor) as session:
        account = get_live(session, Account, actor.account_id, _("tài khoản"))
        if not _verify(account.password_hash, old_password):
            raise AuthenticationError(_("Mật khẩu hiện tại không đúng."))
        if old_password == new_password:
            raise ValidationError(_("Mật khẩu mới phải khác mật khẩu cũ."), field="password")
        check_password_policy(session, new_password, username=account.username)
        account.password_hash = hash_password(new_password)
        account.password_changed_at = utcnow()
        account.must_change_password = False


def _check_username(session: Session, username: str) -> str:
    name = username.strip().lower()
    if not USERNAME_RE.match(name):
        raise ValidationError(
            _("Tên đăng nhập “{name}” không hợp lệ: 3–32 kí tự, bắt đầu bằng chữ, chỉ gồm chữ không dấu, số, dấu chấm hoặc gạch dưới.").format(name=username),
            field="username",
        )
    if _find_account(session, name) is not None:
        raise ValidationError(_("Tên đăng nhập “{name}” đã có.").format(name=name), field="username")
    return name


def _check_grantable(session: Session, actor: Actor, roles: set[Role]) -> None:
    """Only the principal hands out the principal's and the DB admin's roles."""
    if actor.is_system or Role.HIEU_TRUONG.value in actor.roles:
        return
    sensitive = roles & {Role.HIEU_TRUONG, Role.QUAN_TRI_CSDL}
    if sensitive:
        raise PermissionDenied(
            _("Chỉ Hiệu trưởng mới giao được vai trò {roles}.").format(
                roles=", ".join(r.label for r in sorted(sensitive, key=lambda r: r.value))
            )
        )


def create_account(db: Database, actor: Actor, *, username: str, staff_id: uuid.UUID | None,
                   roles: list[Role], password: str, must_change: bool = True) -> uuid.UUID:
    """A new account with a temporary password that must be changed at first login."""
    with db.write(actor) as session:
        require(session, actor, Action.ACCOUNT_MANAGE)
        name = _check_username(session, username)
        if staff_id is not None:
            get_live(session, StaffMember, staff_id, _("cán bộ"))
        _check_grantable(session, actor, set(roles))
        check_password_policy(session, password, username=name)
        account = Account(
            username=name,
            staff_id=staff_id,
            password_hash=hash_password(password),
            password_changed_at=utcnow(),
            must_change_password=must_change,
        )
        session.add(account)
        session.flush()
        for role in dict.fromkeys(roles):
            session.add(AccountRole(account_id=account.id, role=role.value))
        return account.id


def set_roles(db: Database, actor: Actor, account_id: uuid.UUID, roles: list[Role]) -> None:
    """Replace an account's roles; revoked roles keep their row as a tombstone."""
    with db.write(actor) as session:
        require(session, actor, Action.ACCOUNT_MANAGE)
        account = get_live(session, Account, account_id, _("tài khoản"))
        current = {
            row.role: row for row in session.scalars(
                select(AccountRole).where(AccountRole.account_id == account.id, AccountRole.deleted.is_(False))
            )
        }
        wanted = {r.value for r in roles}
        changed = {Role(r) for r in (wanted ^ set(current))}
        _check_grantable(session, actor, changed)
        if Role.HIEU_TRUONG.value in current and Role.HIEU_TRUONG.value not in wanted:
            _refuse_removing_last_principal(session, account.id)
        for code, row in current.items():
            if code not in wanted:
                row.deleted = True
        for code in wanted - set(current):
            session.add(AccountRole(account_id=account.id, role=code))


def _refuse_removing_last_principal(session: Session, account_id: uuid.UUID) -> None:
    others = session.scalar(
        select(AccountRole.id).join(Account, Account.id == AccountRole.account_id).where(
            AccountRole.role == Role.HIEU_TRUONG.value, AccountRole.deleted.is_(False),
            AccountRole.account_id != account_id, Account.deleted.is_(False), Account.active.is_(True),
        ).limit(1)
    )
    if others is None:
        raise ValidationError(_("Không thể bỏ vai trò Hiệu trưởng của tài khoản Hiệu trưởng duy nhất."))


def reset_password(db: Database, actor: Actor, username: str, new_password: str) -> None:
    """Give a temporary password (changed at next login) and lift any lockout."""
    with db.write(actor) as session:
        require(session, actor, Action.ACCOUNT_MANAGE)
        account = _find_account(session, username)
        if account is None:
            raise ValidationError(_("Không có tài khoản “{name}”.").format(name=username), field="username")
        roles = set(session.scalars(select(AccountRole.role).where(
            AccountRole.account_id == account.id, AccountRole.deleted.is_(False))))
        if Role.HIEU_TRUONG.value in roles and not actor.is_system and Role.HIEU_TRUONG.value not in actor.roles:
            raise PermissionDenied(_("Chỉ Hiệu trưởng mới cấp lại được mật khẩu của tài khoản Hiệu trưởng."))
        check_password_policy(session, new_password, username=account.username)
        account.password_hash = hash_password(new_password)
        account.password_changed_at = utcnow()
        account.must_change_password = True
        state = session.get(LoginState, account.id)
        if state is not None:
            state.failed_attempts, state.locked_until = 0, None


def set_active(db: Database, actor: Actor, account_id: uuid.UUID, active: bool) -> None:
    with db.write(actor) as session:
        require(session, actor, Action.ACCOUNT_MANAGE)
        account = get_live(session, Account, account_id, _("tài khoản"))
        if account.id == actor.account_id and not active:
            raise ValidationError(_("Không thể tự khóa tài khoản của chính mình."))
        account.active = active


def set_db_admin_delegation(db: Database, actor: Actor, allowed: bool) -> None:
    """The principal lets (or stops) the DB admin manage accounts (Điều 3.1)."""
    with db.write(actor) as session:
        require(session, actor, Action.ACCOUNT_DELEGATE)
        school = session.scalar(select(School).where(School.deleted.is_(False)))
        school.db_admin_manages_accounts = allowed


def set_password_policy(db: Database, actor: Actor, *, min_length: int, max_age_days: int) -> None:
    with db.write(actor) as session:
        require(session, actor, Action.SETTINGS_EDIT)
        if not 6 <= min_length <= 64:
            raise ValidationError(_("Độ dài tối thiểu của mật khẩu phải từ 6 đến 64 kí tự."))
        if not 0 <= max_age_days <= 3650:
            raise ValidationError(_("Thời hạn đổi mật khẩu phải từ 0 (không bắt buộc) đến 3650 ngày."))
        school = session.scalar(select(School).where(School.deleted.is_(False)))
        school.password_min_length = min_length
        school.password_max_age_days = max_age_days


@dataclasses.dataclass(frozen=True)
class AccountRow:
    id: uuid.UUID
    username: str
    full_name: str
    staff_id: uuid.UUID | None
    roles: tuple[str, ...]  # role codes, in the order of ``Role``
    classes: tuple[str, ...]  # homeroom classes this school year
    active: bool
    must_change_password: bool


def list_accounts(db: Database, actor: Actor, *, year_id: uuid.UUID | None = None) -> list[AccountRow]:
    """Every live account with its roles and homeroom classes (one query each, not per row)."""
    from nk_desktop.models.school import SchoolClass
    from nk_desktop.services.school import current_year
    from nk_desktop.text import person_sort_key

    with db.read() as session:
        _require_account_reading(session, actor)
        accounts = session.execute(
            select(Account, StaffMember).outerjoin(StaffMember, StaffMember.id == Account.staff_id)
            .where(Account.deleted.is_(False))
        ).all()
        roles: dict[uuid.UUID, set[str]] = {}
        for account_id, role in session.execute(
            select(AccountRole.account_id, AccountRole.role).where(AccountRole.deleted.is_(False))
        ):
            roles.setdefault(account_id, set()).add(role)
        year = session.get(type(current_year(session)), year_id) if year_id else current_year(session)
        classes: dict[uuid.UUID, list[str]] = {}
        if year is not None:
            for staff_id, name in session.execute(
                select(SchoolClass.homeroom_id, SchoolClass.name).where(
                    SchoolClass.year_id == year.id, SchoolClass.deleted.is_(False),
                    SchoolClass.homeroom_id.is_not(None),
                ).order_by(SchoolClass.name)
            ):
                classes.setdefault(staff_id, []).append(name)
        order = [r.value for r in Role]
        rows = []
        for account, staff in accounts:
            rows.append(AccountRow(
                id=account.id,
                username=account.username,
                full_name=staff.full_name if staff else "",
                staff_id=account.staff_id,
                roles=tuple(sorted(roles.get(account.id, ()), key=order.index)),
                classes=tuple(classes.get(account.staff_id, ())),
                active=account.active,
                must_change_password=account.must_change_password,
            ))
        staff_by_id = {a.staff_id: s for a, s in accounts if s is not None}
        rows.sort(key=lambda r: (
            (0, person_sort_key(s.family_name, s.middle_name, s.given_name, r.username))
            if (s := staff_by_id.get(r.staff_id)) else (1, r.username)
        ))
        return rows


def _require_account_reading(session: Session, actor: Actor) -> None:
    """Those who manage accounts, or read staff records, may list accounts."""
    try:
        require(session, actor, Action.ACCOUNT_MANAGE)
    except PermissionDenied:
        require(session, actor, Action.STAFF_VIEW)
