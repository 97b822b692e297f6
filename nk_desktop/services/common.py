"""Small helpers shared by the services."""

from __future__ import annotations

import re
import uuid
from typing import TypeVar

from sqlalchemy.orm import Session

from nk_desktop.errors import NotFound, ValidationError
from nk_desktop.i18n import _

T = TypeVar("T")


def get_live(session: Session, model: type[T], row_id: uuid.UUID, what: str) -> T:
    """The record *row_id* of *model*, or ``NotFound`` naming *what* in Vietnamese."""
    obj = session.get(model, row_id)
    if obj is None or obj.deleted:
        raise NotFound(_("Không tìm thấy {what}.").format(what=what))
    return obj


PHONE_RE = re.compile(r"^0(3|5|7|8|9)\d{8}$|^02\d{9}$")
_PHONE_PUNCTUATION = re.compile(r"[\s.\-()]")


def normal_phone(text: str, field: str = "phone") -> str:
    """A Vietnamese phone number as 10–11 digits starting with 0, or ``ValidationError``.

    Spaces, dots, dashes and brackets are dropped; +84 / 84 becomes 0.
    """
    digits = _PHONE_PUNCTUATION.sub("", text or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if digits and not PHONE_RE.match(digits):
        raise ValidationError(
            _("Số điện thoại “{text}” không phải số Việt Nam (10 chữ số bắt đầu bằng 0, ví dụ 0912345678).").format(
                text=text), field=field)
    return digits
