"""Pupils: the record the homeroom teacher keeps (Điều 7.1) and the enrolment history.

Nothing is deleted: a pupil leaves a class by closing the enrolment with a date
and a reason (transfer out, dropout, change of class), so the class size on any
date is known (the vice-principal watches it, Điều 4.1–4.2).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import uuid
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from nk_desktop.actor import Actor
from nk_desktop.clock import today
from nk_desktop.db import Database
from nk_desktop.errors import PermissionDenied, ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.pupils import Enrolment, Pupil
from nk_desktop.models.school import SchoolClass, SchoolYear
from nk_desktop.services.common import get_live, normal_phone
from nk_desktop.services.permissions import Action, allows, require
from nk_desktop.text import fold, nfc, person_sort_key, split_full_name

GENDERS = ("Nam", "Nữ")

START_REASONS = {
    "dau_nam": _("Đầu năm học"),
    "chuyen_den": _("Chuyển đến"),
    "chuyen_lop": _("Chuyển lớp"),
    "luu_ban": _("Học lại lớp (lưu ban)"),
    "tro_lai": _("Trở lại học"),
}
END_REASONS = {
    "chuyen_di": _("Chuyển trường"),
    "bo_hoc": _("Bỏ học"),
    "chuyen_lop": _("Chuyển lớp"),
    "het_nam": _("Hết năm học"),
}

# The 54 ethnic groups of Viet Nam (Tổng cục Thống kê), as written in the national database.
ETHNIC_GROUPS = (
    "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "Mông", "Dao", "Gia Rai", "Ê Đê", "Ba Na",
    "Sán Chay", "Chăm", "Cơ Ho", "Xơ Đăng", "Sán Dìu", "Hrê", "Ra Glai", "Mnông", "Thổ", "Xtiêng", "Khơ mú",
    "Bru Vân Kiều", "Cơ Tu", "Giáy", "Tà Ôi", "Mạ", "Giẻ Triêng", "Co", "Chơ Ro", "Xinh Mun", "Hà Nhì",
    "Chu Ru", "Lào", "Kháng", "La Chí", "Phù Lá", "La Hủ", "La Ha", "Pà Thẻn", "Lự", "Ngái", "Chứt", "Lô Lô",
    "Mảng", "Cơ Lao", "Bố Y", "Cống", "Si La", "Pu Péo", "Rơ Măm", "Brâu", "Ơ Đu",
)
_ETHNIC_ALIASES = {"hmong": "Mông", "hmông": "Mông", "stieng": "Xtiêng", "khome": "Khmer", "ede": "Ê Đê",
                   "bru": "Bru Vân Kiều", "vankieu": "Bru Vân Kiều"}
_ETHNIC_BY_KEY = {re.sub(r"[\s\-']", "", fold(name)): name for name in ETHNIC_GROUPS}

TEXT_FIELDS = ("birthplace", "permanent_address", "current_address", "policy_kind", "father_name", "father_job",
               "mother_name", "mother_job", "school_code", "notes")
PHONE_FIELDS = ("father_phone", "mother_phone", "contact_phone")
EDITABLE = ("family_name", "middle_name", "given_name", "date_of_birth", "gender", "ethnicity", "policy_family",
            "personal_id", "moet_code", "photo", *TEXT_FIELDS, *PHONE_FIELDS)
MOET_CODE_RE = re.compile(r"^[0-9A-Za-z]{1,20}$")
_EDITABLE_KEYS = frozenset(EDITABLE)
_ID_INPUTS = frozenset({"personal_id", "gender", "date_of_birth"})  # what the personal ID is checked against
_SPACES, _TWELVE_DIGITS = re.compile(r"\s"), re.compile(r"\d{12}")


@functools.lru_cache(maxsize=256)  # an import repeats a handful of spellings over thousands of rows
def normal_ethnicity(text: str) -> str:
    """The official name of an ethnic group ("Tay" → "Tày", "H'Mông" → "Mông"), or ``ValidationError``."""
    key = re.sub(r"[\s\-']", "", fold(text or ""))
    if not key:
        return "Kinh"
    name = _ETHNIC_BY_KEY.get(key) or _ETHNIC_ALIASES.get(key)
    if name is None:
        raise ValidationError(_("Dân tộc “{text}” không có trong danh mục 54 dân tộc.").format(text=text),
                              field="ethnicity")
    return name


def check_personal_id(number: str, *, gender: str | None, date_of_birth: dt.date | None) -> str:
    """The 12-digit số định danh cá nhân; digits 4–6 must match century, gender and birth year.

    Digit 4: 0/1 = male/female born 1900–1999, 2/3 = male/female born 2000–2099 (then 4/5, 6/7…);
    digits 5–6: the last two digits of the year of birth.
    """
    digits = _SPACES.sub("", number or "")
    if not digits:
        return ""
    if not _TWELVE_DIGITS.fullmatch(digits):
        raise ValidationError(
            _("Số định danh cá nhân phải gồm đúng 12 chữ số (đang có {n}).").format(n=len(digits)),
            field="personal_id")
    code = int(digits[3])
    century, female = 1900 + (code // 2) * 100, code % 2 == 1
    if date_of_birth is not None:
        if date_of_birth.year // 100 * 100 != century:
            raise ValidationError(
                _("Chữ số thứ 4 của số định danh ({d}) chỉ người sinh thế kỉ {c}, không khớp năm sinh {y}.").format(
                    d=digits[3], c=century // 100 + 1, y=date_of_birth.year), field="personal_id")
        if digits[4:6] != f"{date_of_birth.year % 100:02d}":
            raise ValidationError(
                _("Chữ số 5–6 của số định danh ({d}) phải là hai số cuối năm sinh ({y}).").format(
                    d=digits[4:6], y=date_of_birth.year), field="personal_id")
    if gender in GENDERS and (gender == "Nữ") != female:
        raise ValidationError(
            _("Chữ số thứ 4 của số định danh ({d}) chỉ giới tính {g}, không khớp hồ sơ ({h}).").format(
                d=digits[3], g="Nữ" if female else "Nam", h=gender), field="personal_id")
    return digits


PHOTO_MAX_BYTES = 1_000_000
_PHOTO_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")  # JPEG, PNG


def check_photo(data: bytes | None) -> bytes | None:
    """The pupil's photo (optional): a JPEG or PNG of at most 1 MB; empty means no photo."""
    if not data:
        return None
    data = bytes(data)
    if not data.startswith(_PHOTO_MAGIC):
        raise ValidationError(_("Ảnh phải là tệp JPEG hoặc PNG."), field="photo")
    if len(data) > PHOTO_MAX_BYTES:
        raise ValidationError(_("Ảnh {size:.1f} MB, quá lớn: tối đa 1 MB (hãy thu nhỏ ảnh rồi chọn lại).").format(
            size=len(data) / 1_000_000), field="photo")
    return data


def check_birth_date(date_of_birth: dt.date, on: dt.date) -> None:
    """A primary pupil is 5 to 17 in the calendar year (TT28 Điều 33: 6, up to 3 years older; some leeway)."""
    age = on.year - date_of_birth.year
    if date_of_birth > on or not 5 <= age <= 17:
        raise ValidationError(
            _("Ngày sinh {d:%d/%m/%Y} không hợp lí với học sinh tiểu học (tuổi {a} trong năm {y}).").format(
                d=date_of_birth, a=age, y=on.year), field="date_of_birth")


def clean_fields(fields: dict[str, Any], *, current: Pupil | None = None, on: dt.date | None = None) -> dict:
    """Normalise (NFC, trimmed, phones, ethnicity) and validate pupil fields; messages in Vietnamese."""
    if "full_name" in fields:
        fields = dict(fields)
        family, middle, given = split_full_name(fields.pop("full_name") or "")
        fields.setdefault("family_name", family)
        fields.setdefault("middle_name", middle)
        fields.setdefault("given_name", given)
    if not _EDITABLE_KEYS.issuperset(fields):
        key = next(key for key in fields if key not in _EDITABLE_KEYS)
        raise ValidationError(_("Không có trường thông tin “{key}”.").format(key=key))
    clean: dict[str, Any] = {key: nfc(value) if isinstance(value, str) else value for key, value in fields.items()}
    if current:
        merged = {key: getattr(current, key) for key in EDITABLE}
        merged.update(clean)
    else:
        merged = clean  # a new pupil (an import's usual row): no copy; read below before clean's values change
    for key, what in (("family_name", _("họ")), ("given_name", _("tên"))):
        if not merged.get(key):
            raise ValidationError(_("Thiếu {what} của học sinh.").format(what=what), field=key)
    if merged.get("gender") not in GENDERS:
        raise ValidationError(_("Giới tính phải là “Nam” hoặc “Nữ”."), field="gender")
    if not isinstance(merged.get("date_of_birth"), dt.date):
        raise ValidationError(_("Thiếu ngày sinh của học sinh."), field="date_of_birth")
    if "date_of_birth" in clean:
        check_birth_date(merged["date_of_birth"], on or today())
    if "ethnicity" in clean:
        clean["ethnicity"] = normal_ethnicity(clean["ethnicity"])
    for key in PHONE_FIELDS:
        if key in clean:
            clean[key] = normal_phone(clean[key] or "", field=key)
    if not _ID_INPUTS.isdisjoint(clean):
        clean_id = check_personal_id(merged.get("personal_id") or "", gender=merged["gender"],
                                     date_of_birth=merged["date_of_birth"])
        if "personal_id" in clean:
            clean["personal_id"] = clean_id
    if clean.get("moet_code"):
        if not MOET_CODE_RE.match(clean["moet_code"]):
            raise ValidationError(_("Mã định danh Bộ GD&ĐT chỉ gồm chữ và số, tối đa 20 kí tự."), field="moet_code")
    if current is not None and "moet_code" in clean and current.moet_code and clean["moet_code"] != current.moet_code:
        raise ValidationError(
            _("Mã định danh Bộ GD&ĐT do hệ thống CSDL ngành cấp, không được thay đổi (đang là {code}).").format(
                code=current.moet_code), field="moet_code")
    for key in ("policy_family",):
        if key in clean:
            clean[key] = bool(clean[key])
    if "photo" in clean:
        clean["photo"] = check_photo(clean["photo"])
    for key in TEXT_FIELDS:
        if key in clean and clean[key] is None:
            clean[key] = ""
    return clean


def _check_unique(session: Session, values: dict, pupil_id: uuid.UUID | None) -> None:
    """Refuse a personal ID, MoET code or school code already held by another pupil (never reused)."""
    for key, label in (("personal_id", _("Số định danh cá nhân")), ("moet_code", _("Mã định danh Bộ GD&ĐT")),
                       ("school_code", _("Mã học sinh"))):
        value = values.get(key)
        if not value:
            continue
        other = session.scalar(select(Pupil).where(
            getattr(Pupil, key) == value, Pupil.id != pupil_id if pupil_id else True))
        if other is not None:
            raise ValidationError(
                _("{label} {value} đã thuộc về học sinh {name}.").format(label=label, value=value, name=other.full_name),
                field=key)


def find_name_duplicate(session: Session, family: str, middle: str, given: str, dob: dt.date,
                        exclude: uuid.UUID | None = None) -> Pupil | None:
    """Another live pupil with the same full name and date of birth (a likely duplicate)."""
    folded = fold(" ".join(p for p in (family, middle, given) if p))
    return session.scalar(select(Pupil).where(
        Pupil.folded_name == folded, Pupil.date_of_birth == dob, Pupil.deleted.is_(False),
        Pupil.id != exclude if exclude else True))


def _class_and_year(session: Session, class_id: uuid.UUID) -> tuple[SchoolClass, SchoolYear]:
    school_class = get_live(session, SchoolClass, class_id, _("lớp"))
    return school_class, session.get(SchoolYear, school_class.year_id)


def _check_in_year(year: SchoolYear, day: dt.date, what: str) -> None:
    if not year.start_date - dt.timedelta(days=45) <= day <= year.end_date + dt.timedelta(days=92):
        raise ValidationError(
            _("Ngày {what} {d:%d/%m/%Y} nằm ngoài năm học {y}.").format(what=what, d=day, y=year.name), field="date")


def add_pupil(db: Database, actor: Actor, class_id: uuid.UUID, fields: dict[str, Any], *,
              start_date: dt.date | None = None, start_reason: str = "dau_nam", came_from: str = "",
              allow_same_name: bool = False) -> uuid.UUID:
    """A new pupil enrolled in *class_id* from *start_date* (transfer in: ``start_reason="chuyen_den"``)."""
    with db.write(actor) as session:
        require(session, actor, Action.PUPIL_EDIT, class_id=class_id)
        school_class, year = _class_and_year(session, class_id)
        start = start_date or year.start_date
        _check_in_year(year, start, _("vào lớp"))
        if start_reason not in START_REASONS:
            raise ValidationError(_("Hình thức vào lớp không hợp lệ."), field="start_reason")
        if start_reason == "chuyen_den" and not nfc(came_from):
            raise ValidationError(_("Học sinh chuyển đến: hãy ghi chuyển đến từ trường nào."), field="came_from")
        clean = clean_fields(fields, on=start)
        _check_unique(session, clean, None)
        if not allow_same_name:
            twin = find_name_duplicate(session, clean["family_name"], clean.get("middle_name", ""),
                                       clean["given_name"], clean["date_of_birth"])
            if twin is not None:
                raise ValidationError(
                    _("Đã có học sinh {name} sinh ngày {d:%d/%m/%Y}; nếu đúng là hai học sinh khác nhau, hãy xác nhận thêm.").format(
                        name=twin.full_name, d=twin.date_of_birth), field="duplicate")
        pupil = Pupil(**clean)
        pupil.folded_name = fold(pupil.full_name)
        session.add(pupil)
        session.flush()
        session.add(Enrolment(pupil_id=pupil.id, class_id=school_class.id, start_date=start,
                              start_reason=start_reason, came_from=nfc(came_from) or ""))
        return pupil.id


def open_enrolment(session: Session, pupil_id: uuid.UUID, on: dt.date | None = None) -> Enrolment | None:
    """The enrolment covering *on* (default: the latest one still open)."""
    query = select(Enrolment).where(Enrolment.pupil_id == pupil_id, Enrolment.deleted.is_(False))
    if on is not None:
        # A stay without a leaving date lasts until the end of its school year.
        query = (
            query.join(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .join(SchoolYear, SchoolYear.id == SchoolClass.year_id)
            .where(Enrolment.start_date <= on, or_(Enrolment.end_date.is_(None), Enrolment.end_date > on),
                   SchoolYear.end_date >= on)
        )
    else:
        query = query.where(Enrolment.end_date.is_(None))
    return session.scalars(query.order_by(Enrolment.start_date.desc())).first()


def _require_pupil(session: Session, actor: Actor, action: Action, pupil_id: uuid.UUID) -> Pupil:
    pupil = get_live(session, Pupil, pupil_id, _("học sinh"))
    enrolment = open_enrolment(session, pupil.id) or session.scalars(
        select(Enrolment).where(Enrolment.pupil_id == pupil.id).order_by(Enrolment.start_date.desc())).first()
    require(session, actor, action, class_id=enrolment.class_id if enrolment else None)
    return pupil


def update_pupil(db: Database, actor: Actor, pupil_id: uuid.UUID, **fields) -> None:
    with db.write(actor) as session:
        pupil = _require_pupil(session, actor, Action.PUPIL_EDIT, pupil_id)
        clean = clean_fields(fields, current=pupil)
        _check_unique(session, clean, pupil.id)
        for key, value in clean.items():
            setattr(pupil, key, value)
        pupil.folded_name = fold(pupil.full_name)


def _close(session: Session, actor: Actor, pupil_id: uuid.UUID, day: dt.date, reason: str,
           went_to: str = "", note: str = "") -> Enrolment:
    pupil = _require_pupil(session, actor, Action.PUPIL_EDIT, pupil_id)
    enrolment = open_enrolment(session, pupil.id)
    if enrolment is None:
        raise ValidationError(_("Học sinh {name} hiện không học lớp nào.").format(name=pupil.full_name))
    if day <= enrolment.start_date:
        raise ValidationError(
            _("Ngày rời lớp phải sau ngày vào lớp ({d:%d/%m/%Y}).").format(d=enrolment.start_date), field="date")
    year = session.get(SchoolYear, session.get(SchoolClass, enrolment.class_id).year_id)
    _check_in_year(year, day, _("rời lớp"))
    enrolment.end_date, enrolment.end_reason = day, reason
    enrolment.went_to, enrolment.note = nfc(went_to) or "", nfc(note) or ""
    return enrolment


def transfer_out(db: Database, actor: Actor, pupil_id: uuid.UUID, day: dt.date, went_to: str) -> None:
    """The pupil moves to another school from *day* (their last day in class is the day before)."""
    if not nfc(went_to):
        raise ValidationError(_("Hãy ghi trường học sinh chuyển đến."), field="went_to")
    with db.write(actor) as session:
        _close(session, actor, pupil_id, day, "chuyen_di", went_to=went_to)


def drop_out(db: Database, actor: Actor, pupil_id: uuid.UUID, day: dt.date, reason: str) -> None:
    if not nfc(reason):
        raise ValidationError(_("Hãy ghi lí do bỏ học."), field="note")
    with db.write(actor) as session:
        _close(session, actor, pupil_id, day, "bo_hoc", note=reason)


def move_to_class(db: Database, actor: Actor, pupil_id: uuid.UUID, class_id: uuid.UUID, day: dt.date,
                  note: str = "") -> None:
    """Change of class within the year: the old stay ends and a new one starts on *day*."""
    with db.write(actor) as session:
        old = _close(session, actor, pupil_id, day, "chuyen_lop", note=note)
        require(session, actor, Action.PUPIL_EDIT, class_id=class_id)
        target, year = _class_and_year(session, class_id)
        if target.year_id != session.get(SchoolClass, old.class_id).year_id:
            raise ValidationError(_("Chỉ chuyển lớp trong cùng năm học."), field="class")
        if target.id == old.class_id:
            raise ValidationError(_("Học sinh đang ở lớp {name}.").format(name=target.name), field="class")
        session.add(Enrolment(pupil_id=pupil_id, class_id=target.id, start_date=day, start_reason="chuyen_lop"))


def enrol_existing(db: Database, actor: Actor, pupil_id: uuid.UUID, class_id: uuid.UUID, *,
                   start_date: dt.date | None = None, start_reason: str = "dau_nam", came_from: str = "") -> None:
    """Enrol a known pupil in a class: a new year, a repeated grade (``luu_ban``) or a return (``tro_lai``)."""
    with db.write(actor) as session:
        require(session, actor, Action.PUPIL_EDIT, class_id=class_id)
        pupil = get_live(session, Pupil, pupil_id, _("học sinh"))
        target, year = _class_and_year(session, class_id)
        start = start_date or year.start_date
        _check_in_year(year, start, _("vào lớp"))
        if start_reason not in START_REASONS:
            raise ValidationError(_("Hình thức vào lớp không hợp lệ."), field="start_reason")
        current = open_enrolment(session, pupil.id, start)
        if current is not None:
            raise ValidationError(
                _("{name} đang học lớp {cls} vào ngày {d:%d/%m/%Y}.").format(
                    name=pupil.full_name, cls=session.get(SchoolClass, current.class_id).name, d=start),
                field="class")
        session.add(Enrolment(pupil_id=pupil.id, class_id=target.id, start_date=start, start_reason=start_reason,
                              came_from=nfc(came_from) or ""))


@dataclasses.dataclass(frozen=True)
class PupilRow:
    """One line of a class list, display values computed once."""

    id: uuid.UUID
    number: int  # STT in official order
    family_name: str
    middle_name: str
    given_name: str
    full_name: str
    folded_name: str
    date_of_birth: dt.date
    gender: str
    ethnicity: str
    personal_id: str
    moet_code: str
    contact_phone: str
    start_date: dt.date
    start_reason: str
    end_date: dt.date | None
    end_reason: str
    missing: tuple[str, ...] = ()  # what the record still lacks of Điều 7.1's minimum (see ``missing_minimum``)


def missing_minimum(pupil: Pupil) -> tuple[str, ...]:
    """What the record lacks of the minimum the homeroom teacher keeps (Quy chế Điều 7.1): name, birth date,
    ethnicity, gender, permanent address, the policy-family flag (its kind when set), a parent, a phone."""
    missing = []
    if not pupil.ethnicity:
        missing.append(_("dân tộc"))
    if not pupil.permanent_address:
        missing.append(_("địa chỉ thường trú"))
    if pupil.policy_family and not pupil.policy_kind:
        missing.append(_("diện chính sách"))
    if not (pupil.father_name or pupil.mother_name):
        missing.append(_("họ tên cha hoặc mẹ"))
    if not (pupil.contact_phone or pupil.father_phone or pupil.mother_phone):
        missing.append(_("điện thoại liên hệ"))
    return tuple(missing)


@dataclasses.dataclass(frozen=True)
class ClassList:
    class_id: uuid.UUID
    class_name: str
    on: dt.date
    rows: list[PupilRow]
    by_gender: dict[str, int]
    by_ethnicity: dict[str, int]


def _can_view_class(session: Session, actor: Actor, class_id: uuid.UUID) -> None:
    require(session, actor, Action.PUPIL_VIEW, class_id=class_id)


def class_list(db: Database, actor: Actor, class_id: uuid.UUID, *, on: dt.date | None = None,
               include_left: bool = False) -> ClassList:
    """The class on *on* (default today within the year) in official order, one query.

    ``include_left`` adds pupils who were in the class earlier in the year (with their leaving date).
    """
    with db.read() as session:
        _can_view_class(session, actor, class_id)
        school_class, year = _class_and_year(session, class_id)
        day = on or min(max(today(), year.start_date), year.end_date)
        query = (
            select(Pupil, Enrolment).join(Enrolment, Enrolment.pupil_id == Pupil.id)
            .where(Enrolment.class_id == class_id, Enrolment.deleted.is_(False), Pupil.deleted.is_(False))
        )
        if include_left:
            query = query.where(Enrolment.start_date <= day)
        else:
            query = query.where(Enrolment.start_date <= day,
                                or_(Enrolment.end_date.is_(None), Enrolment.end_date > day))
        pairs = session.execute(query).all()
    pairs.sort(key=lambda pe: person_sort_key(pe[0].family_name, pe[0].middle_name, pe[0].given_name,
                                              pe[0].date_of_birth, str(pe[0].id)))
    rows, genders, ethnicities = [], {}, {}
    for number, (pupil, enrolment) in enumerate(pairs, start=1):
        rows.append(PupilRow(
            id=pupil.id, number=number, family_name=pupil.family_name, middle_name=pupil.middle_name,
            given_name=pupil.given_name, full_name=pupil.full_name, folded_name=pupil.folded_name,
            date_of_birth=pupil.date_of_birth, gender=pupil.gender, ethnicity=pupil.ethnicity,
            personal_id=pupil.personal_id, moet_code=pupil.moet_code, contact_phone=pupil.contact_phone,
            start_date=enrolment.start_date, start_reason=enrolment.start_reason,
            end_date=enrolment.end_date, end_reason=enrolment.end_reason, missing=missing_minimum(pupil),
        ))
        if enrolment.end_date is None or enrolment.end_date > day:
            genders[pupil.gender] = genders.get(pupil.gender, 0) + 1
            ethnicities[pupil.ethnicity] = ethnicities.get(pupil.ethnicity, 0) + 1
    return ClassList(class_id, school_class.name, day, rows, genders, ethnicities)


def get_pupil(db: Database, actor: Actor, pupil_id: uuid.UUID) -> Pupil:
    with db.read() as session:
        return _require_pupil(session, actor, Action.PUPIL_VIEW, pupil_id)


@dataclasses.dataclass(frozen=True)
class StayRow:
    class_name: str
    year_name: str
    start_date: dt.date
    start_reason: str  # label
    came_from: str
    end_date: dt.date | None
    end_reason: str  # label
    went_to: str
    note: str


def history(db: Database, actor: Actor, pupil_id: uuid.UUID) -> list[StayRow]:
    """Every stay of the pupil in a class, oldest first, with Vietnamese reason labels."""
    with db.read() as session:
        _require_pupil(session, actor, Action.PUPIL_VIEW, pupil_id)
        rows = session.execute(
            select(Enrolment, SchoolClass, SchoolYear)
            .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .join(SchoolYear, SchoolYear.id == SchoolClass.year_id)
            .where(Enrolment.pupil_id == pupil_id, Enrolment.deleted.is_(False))
            .order_by(Enrolment.start_date)
        ).all()
        return [
            StayRow(c.name, y.name, e.start_date, START_REASONS.get(e.start_reason, e.start_reason), e.came_from,
                    e.end_date, END_REASONS.get(e.end_reason, e.end_reason), e.went_to, e.note)
            for e, c, y in rows
        ]


def class_sizes(db: Database, actor: Actor, year_id: uuid.UUID, on: dt.date) -> dict[uuid.UUID, int]:
    """Pupils in each class of the year on *on* (one query)."""
    with db.read() as session:
        require(session, actor, Action.SCHOOL_VIEW)
        return dict(session.execute(
            select(Enrolment.class_id, func.count(Enrolment.id))
            .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .where(SchoolClass.year_id == year_id, Enrolment.deleted.is_(False), Enrolment.start_date <= on,
                   or_(Enrolment.end_date.is_(None), Enrolment.end_date > on))
            .group_by(Enrolment.class_id)
        ).all())


def visible_classes(db: Database, actor: Actor, year_id: uuid.UUID) -> list[SchoolClass]:
    """The classes of the year whose list *actor* may open (all for leaders; own for teachers)."""
    with db.read() as session:
        classes = session.scalars(select(SchoolClass).where(
            SchoolClass.year_id == year_id, SchoolClass.deleted.is_(False))).all()
        visible = []
        for school_class in classes:
            try:
                require(session, actor, Action.PUPIL_VIEW, class_id=school_class.id)
            except PermissionDenied:
                continue
            visible.append(school_class)
        visible.sort(key=lambda c: (c.grade, len(c.name), c.name))
        return visible


def may_edit_class(db: Database, actor: Actor, class_id: uuid.UUID) -> bool:
    with db.read() as session:
        return allows(session, actor, Action.PUPIL_EDIT, class_id=class_id)


def may_import_class(db: Database, actor: Actor, class_id: uuid.UUID) -> bool:
    """Whether *actor* may import a pupil list into the class (to show the button; the import checks again)."""
    with db.read() as session:
        return allows(session, actor, Action.PUPIL_IMPORT, class_id=class_id)


def may_import_school(db: Database, actor: Actor) -> bool:
    """Whether *actor* may import pupil lists into every class (a whole-school file)."""
    with db.read() as session:
        return allows(session, actor, Action.PUPIL_IMPORT)


def may_view_school(db: Database, actor: Actor) -> bool:
    """Whether *actor* reads every class's pupils (the whole-school export)."""
    with db.read() as session:
        return allows(session, actor, Action.PUPIL_VIEW)




def promote_class(db: Database, actor: Actor, from_class_id: uuid.UUID, to_class_id: uuid.UUID, *,
                  keep_back: frozenset[uuid.UUID] = frozenset()) -> int:
    """Enrol last year's class in next year's class from its first day (lên lớp); returns how many.

    Pupils in *keep_back* (not completing the grade's programme) are left for ``enrol_existing``
    with ``luu_ban``; pupils who left during the year or already have a class are skipped.
    """
    with db.write(actor) as session:
        require(session, actor, Action.PUPIL_EDIT, class_id=to_class_id)
        source, source_year = _class_and_year(session, from_class_id)
        target, target_year = _class_and_year(session, to_class_id)
        if target_year.start_date <= source_year.start_date:
            raise ValidationError(_("Lớp lên phải thuộc năm học sau năm học của lớp cũ."), field="class")
        if target.grade != source.grade + 1:
            raise ValidationError(
                _("Học sinh lớp {a} lên lớp thuộc khối {g}, không phải lớp {b}.").format(
                    a=source.name, g=source.grade + 1, b=target.name), field="class")
        finishing = session.scalars(select(Enrolment.pupil_id).where(
            Enrolment.class_id == source.id, Enrolment.deleted.is_(False), Enrolment.end_date.is_(None))).all()
        already = set(session.scalars(
            select(Enrolment.pupil_id).join(SchoolClass, SchoolClass.id == Enrolment.class_id).where(
                SchoolClass.year_id == target_year.id, Enrolment.deleted.is_(False))))
        moved = 0
        for pupil_id in finishing:
            if pupil_id in keep_back or pupil_id in already:
                continue
            session.add(Enrolment(pupil_id=pupil_id, class_id=target.id, start_date=target_year.start_date,
                                  start_reason="dau_nam"))
            moved += 1
        return moved
