"""Staff members: the people behind accounts, homerooms and assignments (Điều 9.1)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.errors import PermissionDenied, ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.staff import StaffMember
from nk_desktop.services.common import get_live, normal_phone
from nk_desktop.services.permissions import Action, Role, group_member_ids, require
from nk_desktop.text import fold, nfc, person_sort_key

GENDERS = ("Nam", "Nữ", "")  # "" = not recorded yet
EDITABLE = ("family_name", "middle_name", "given_name", "gender", "date_of_birth", "id_number",
            "phone", "email", "address", "position", "active")


def _clean(fields: dict) -> dict:
    clean = {}
    for key, value in fields.items():
        if key not in EDITABLE:
            raise ValidationError(_("Không có trường thông tin “{key}”.").format(key=key))
        clean[key] = nfc(value) if isinstance(value, str) else value
    if "given_name" in clean and not clean["given_name"]:
        raise ValidationError(_("Tên không được để trống."), field="given_name")
    if "family_name" in clean and not clean["family_name"]:
        raise ValidationError(_("Họ không được để trống."), field="family_name")
    if "gender" in clean and clean["gender"] not in GENDERS:
        raise ValidationError(_("Giới tính phải là “Nam” hoặc “Nữ”."), field="gender")
    if "phone" in clean:
        clean["phone"] = normal_phone(clean["phone"])
    if clean.get("id_number") and not re.fullmatch(r"\d{12}", clean["id_number"]):
        raise ValidationError(_("Số định danh cá nhân phải gồm đúng 12 chữ số."), field="id_number")
    dob = clean.get("date_of_birth")
    if dob is not None and not (dt.date(1940, 1, 1) <= dob <= dt.date.today()):
        raise ValidationError(_("Ngày sinh {d:%d/%m/%Y} không hợp lí.").format(d=dob), field="date_of_birth")
    return clean


def create_staff(db: Database, actor: Actor, **fields) -> uuid.UUID:
    with db.write(actor) as session:
        require(session, actor, Action.STAFF_EDIT)
        return _create_staff(session, fields).id


def _create_staff(session: Session, fields: dict) -> StaffMember:
    clean = _clean(fields)
    for required in ("family_name", "given_name"):
        if not clean.get(required):
            raise ValidationError(_("Thiếu {what}.").format(
                what={"family_name": _("họ"), "given_name": _("tên")}[required]), field=required)
    staff = StaffMember(**clean)
    staff.folded_name = fold(staff.full_name)
    session.add(staff)
    session.flush()
    return staff


def update_staff(db: Database, actor: Actor, staff_id: uuid.UUID, **fields) -> None:
    with db.write(actor) as session:
        require(session, actor, Action.STAFF_EDIT)
        staff = get_live(session, StaffMember, staff_id, _("cán bộ"))
        for key, value in _clean(fields).items():
            setattr(staff, key, value)
        staff.folded_name = fold(staff.full_name)


def list_staff(db: Database, actor: Actor, *, search: str = "", include_inactive: bool = False) -> list[StaffMember]:
    """Staff the actor may read, in official name order; *search* ignores accents and case.

    A group head (Điều 5.1) sees the members of the groups they lead, everyone sees themselves.
    """
    with db.read() as session:
        query = select(StaffMember).where(StaffMember.deleted.is_(False))
        try:
            require(session, actor, Action.STAFF_VIEW)
        except PermissionDenied:
            if actor.staff_id is None:
                raise
            visible = {actor.staff_id}
            if Role.TO_TRUONG_CM.value in actor.roles:
                visible |= group_member_ids(session, actor.staff_id)
            query = query.where(StaffMember.id.in_(visible))
        if not include_inactive:
            query = query.where(StaffMember.active.is_(True))
        if search:
            query = query.where(StaffMember.folded_name.contains(fold(search)))
        staff = list(session.scalars(query))
        staff.sort(key=lambda s: person_sort_key(s.family_name, s.middle_name, s.given_name, str(s.id)))
        return staff


def get_staff(db: Database, actor: Actor, staff_id: uuid.UUID) -> StaffMember:
    with db.read() as session:
        require(session, actor, Action.STAFF_VIEW, staff_id=staff_id) if staff_id != actor.staff_id else None
        return get_live(session, StaffMember, staff_id, _("cán bộ"))
