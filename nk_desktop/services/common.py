"""Small helpers shared by the services."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy.orm import Session

from nk_desktop.errors import NotFound
from nk_desktop.i18n import _

T = TypeVar("T")


def get_live(session: Session, model: type[T], row_id: uuid.UUID, what: str) -> T:
    """The record *row_id* of *model*, or ``NotFound`` naming *what* in Vietnamese."""
    obj = session.get(model, row_id)
    if obj is None or obj.deleted:
        raise NotFound(_("Không tìm thấy {what}.").format(what=what))
    return obj
