"""Creating a school's database: the profile, the principal's account, the current year."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from nk_desktop.actor import SYSTEM
from nk_desktop.clock import today, utcnow
from nk_desktop.db import Database
from nk_desktop.errors import ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.accounts import Account, AccountRole
from nk_desktop.models.school import School
from nk_desktop.services.accounts import check_password_policy, hash_password
from nk_desktop.services.permissions import Role
from nk_desktop.services.school import _create_year, ensure_subjects
from nk_desktop.text import nfc

PRINCIPAL_USERNAME = "hieutruong"


def first_teaching_monday(start_year: int) -> dt.date:
    """Week 1 starts on the first Monday on or after 5 September (the opening day)."""
    day = dt.date(start_year, 9, 5)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def school_year_of(day: dt.date) -> str:
    """The school year a date belongs to: from August on, the year starting that autumn."""
    first = day.year if day.month >= 8 else day.year - 1
    return f"{first}-{first + 1}"


def init_school(db: Database, school_name: str, principal_password: str, *, address: str = "",
                place_name: str = "", on: dt.date | None = None) -> uuid.UUID:
    """Set up an empty database: profile, principal account ``hieutruong``, subjects, current year."""
    name = nfc(school_name)
    if not name:
        raise ValidationError(_("Hãy cho biết tên trường."), field="school")
    with db.write(SYSTEM) as session:
        if session.scalar(select(School.id).where(School.deleted.is_(False))) is not None:
            raise ValidationError(_("Tệp dữ liệu này đã có trường; không khởi tạo lại."))
        check_password_policy(session, principal_password, username=PRINCIPAL_USERNAME)
        session.add(School(name=name, address=nfc(address), place_name=nfc(place_name)))
        session.flush()
        account = Account(username=PRINCIPAL_USERNAME, password_hash=hash_password(principal_password),
                          password_changed_at=utcnow(), must_change_password=False)
        session.add(account)
        session.flush()
        session.add(AccountRole(account_id=account.id, role=Role.HIEU_TRUONG.value))
        ensure_subjects(session)
        year_name = school_year_of(on or today())
        _create_year(session, year_name, first_teaching_monday(int(year_name[:4])), None, None)
        return account.id
