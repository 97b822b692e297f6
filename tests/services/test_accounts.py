"""Accounts: login, lockout, password policy and expiry, roles (regulation Điều 2, 3.1)."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from nk_desktop.actor import SYSTEM
from nk_desktop.clock import utcnow
from nk_desktop.errors import AuthenticationError, PermissionDenied, ValidationError
from nk_desktop.models.accounts import Account
from nk_desktop.models.journal import ChangeRecord
from nk_desktop.services import accounts
from nk_desktop.services.permissions import Role

from .conftest import PASSWORD


def _count(db, model):
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_login_returns_the_actor_with_roles(db):
    result = accounts.login(db, "HieuTruong ", PASSWORD)
    assert result.actor.username == "hieutruong"
    assert result.actor.roles == {"hieu_truong"}
    assert result.password_change_reason is None


def test_wrong_password_says_how_many_tries_are_left(db):
    with pytest.raises(AuthenticationError, match="còn 4 lần thử"):
        accounts.login(db, "hieutruong", "sai")
    with pytest.raises(AuthenticationError, match="Sai tên đăng nhập hoặc mật khẩu"):
        accounts.login(db, "khongco", PASSWORD)


def test_five_failures_lock_the_account_for_fifteen_minutes(db):
    start = utcnow()
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            accounts.login(db, "hieutruong", "sai", now=start)
    with pytest.raises(AuthenticationError, match="bị khóa 15 phút"):
        accounts.login(db, "hieutruong", "sai", now=start)
    # Locked: even the right password is refused for 15 minutes.
    with pytest.raises(AuthenticationError, match="bị khóa tạm thời"):
        accounts.login(db, "hieutruong", PASSWORD, now=start + dt.timedelta(minutes=14, seconds=59))
    assert accounts.login(db, "hieutruong", PASSWORD, now=start + dt.timedelta(minutes=15, seconds=1)).actor


def test_a_success_resets_the_failure_count(db):
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            accounts.login(db, "hieutruong", "sai")
    accounts.login(db, "hieutruong", PASSWORD)
    with pytest.raises(AuthenticationError, match="còn 4 lần thử"):
        accounts.login(db, "hieutruong", "sai")


def test_login_attempts_are_not_journaled(db):
    before = _count(db, ChangeRecord)
    with pytest.raises(AuthenticationError):
        accounts.login(db, "hieutruong", "sai")
    accounts.login(db, "hieutruong", PASSWORD)
    assert _count(db, ChangeRecord) == before


def test_a_new_account_must_change_its_password_at_first_login(db, principal):
    accounts.create_account(db, principal, username="lan.nt", staff_id=None, roles=[Role.GV_CHU_NHIEM],
                            password="tam12345")
    first = accounts.login(db, "lan.nt", "tam12345")
    assert "lần đăng nhập đầu tiên" in first.password_change_reason
    accounts.change_password(db, first.actor, "tam12345", "moi123456")
    assert accounts.login(db, "lan.nt", "moi123456").password_change_reason is None


def test_password_expires_after_the_principals_period(db, principal):
    later = utcnow() + dt.timedelta(days=90, minutes=1)
    assert "quá 90 ngày" in accounts.login(db, "hieutruong", PASSWORD, now=later).password_change_reason
    accounts.set_password_policy(db, principal, min_length=10, max_age_days=120)
    assert accounts.login(db, "hieutruong", PASSWORD, now=later).password_change_reason is None
    with pytest.raises(ValidationError, match="ít nhất 10"):
        accounts.change_password(db, principal, PASSWORD, "ngan12345")


@pytest.mark.parametrize("password, message", [
    ("a1b2c3", "ít nhất 8"),
    ("chicochuthoi", "cả chữ và số"),
    ("1234567890", "cả chữ và số"),
    ("xlan.nt2025", "tên đăng nhập"),
])
def test_password_policy(db, principal, password, message):
    before = _count(db, Account)
    with pytest.raises(ValidationError, match=message):
        accounts.create_account(db, principal, username="lan.nt", staff_id=None, roles=[], password=password)
    assert _count(db, Account) == before


def test_change_password_checks_the_old_one_and_refuses_the_same(db, principal):
    with pytest.raises(AuthenticationError, match="hiện tại không đúng"):
        accounts.change_password(db, principal, "sai", "moi123456")
    with pytest.raises(ValidationError, match="khác mật khẩu cũ"):
        accounts.change_password(db, principal, PASSWORD, PASSWORD)


@pytest.mark.parametrize("username", ["ab", "Lan Nguyen", "1lan", "lan-nt", "đức"])
def test_usernames_are_checked(db, principal, username):
    with pytest.raises(ValidationError, match="không hợp lệ"):
        accounts.create_account(db, principal, username=username, staff_id=None, roles=[], password="matkhau123")


def test_duplicate_username_is_refused(db, principal):
    with pytest.raises(ValidationError, match="đã có"):
        accounts.create_account(db, principal, username="HieuTruong", staff_id=None, roles=[], password="matkhau123")


def test_reset_password_forces_a_change_and_lifts_the_lockout(db, people, principal):
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            accounts.login(db, "ke.toan", "sai")
    accounts.reset_password(db, principal, "ke.toan", "tam123456")
    result = accounts.login(db, "ke.toan", "tam123456")
    assert result.password_change_reason


def test_only_the_principal_resets_the_principals_password(db, people, principal):
    accounts.set_db_admin_delegation(db, principal, True)
    with pytest.raises(PermissionDenied, match="Chỉ Hiệu trưởng"):
        accounts.reset_password(db, people.actors[Role.QUAN_TRI_CSDL], "hieutruong", "tam123456")
    with pytest.raises(PermissionDenied):
        accounts.reset_password(db, people.actors[Role.THU_VIEN], "ke.toan", "tam123456")


def test_set_roles_revokes_with_a_tombstone_and_keeps_one_principal(db, people, principal):
    account_id = people.actors[Role.THU_VIEN].account_id
    accounts.set_roles(db, principal, account_id, [Role.THU_VIEN, Role.THIET_BI])
    assert accounts.login(db, "thu.vien", PASSWORD).actor.roles == {"thu_vien", "thiet_bi"}
    accounts.set_roles(db, principal, account_id, [Role.THIET_BI])
    assert accounts.login(db, "thu.vien", PASSWORD).actor.roles == {"thiet_bi"}
    with pytest.raises(ValidationError, match="duy nhất"):
        accounts.set_roles(db, principal, principal.account_id, [Role.GV_BO_MON])


def test_deactivated_accounts_cannot_log_in(db, people, principal):
    accounts.set_active(db, principal, people.actors[Role.Y_TE].account_id, False)
    with pytest.raises(AuthenticationError):
        accounts.login(db, "y.te", PASSWORD)
    with pytest.raises(ValidationError, match="chính mình"):
        accounts.set_active(db, principal, principal.account_id, False)


def test_list_accounts_with_roles_and_homeroom_classes(db, people, principal):
    rows = {r.username: r for r in accounts.list_accounts(db, principal)}
    assert rows["gv.chu.nhiem"].classes == ("4A",)
    assert rows["hieutruong"].roles == ("hieu_truong",)
    with pytest.raises(PermissionDenied):
        accounts.list_accounts(db, people.actors[Role.THU_VIEN])


def test_the_system_actor_never_needs_a_login(db):
    accounts.create_account(db, SYSTEM, username="he.thong", staff_id=None, roles=[], password="matkhau123",
                            must_change=False)
    assert accounts.login(db, "he.thong", "matkhau123").password_change_reason is None
