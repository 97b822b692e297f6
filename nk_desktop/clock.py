"""Time helpers: the database keeps UTC; people read Vietnam time (UTC+7).

Vietnam has kept UTC+7 without daylight saving since 1975, so a fixed offset is
exact and needs no time-zone database (Windows Python ships none).
"""

from __future__ import annotations

import datetime as dt

SCHOOL_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")


def utcnow() -> dt.datetime:
    """Now, as a naive UTC datetime (the form stored in the database)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def today() -> dt.date:
    """Today's date in Vietnam."""
    return dt.datetime.now(SCHOOL_TZ).date()


def to_local(stamp: dt.datetime) -> dt.datetime:
    """A stored naive-UTC datetime as Vietnam local time."""
    return stamp.replace(tzinfo=dt.timezone.utc).astimezone(SCHOOL_TZ)


def format_date(day: dt.date | None) -> str:
    """dd/mm/yyyy, the form every Vietnamese form uses."""
    return day.strftime("%d/%m/%Y") if day else ""


def parse_date(text: str) -> dt.date:
    """Parse dd/mm/yyyy (also d/m/yyyy, with '-' or '.') or ISO yyyy-mm-dd.

    Raises ``ValueError`` with a Vietnamese message on anything else.
    """
    from nk_desktop.i18n import _

    raw = (text or "").strip()
    for sep in ("/", "-", "."):
        parts = raw.split(sep)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            if len(parts[0]) == 4:
                year, month, day = (int(p) for p in parts)
            elif len(parts[2]) == 4:
                day, month, year = (int(p) for p in parts)
            else:
                break
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise ValueError(_("Ngày không tồn tại: “{text}”.").format(text=raw)) from None
    raise ValueError(
        _("Ngày “{text}” không đúng dạng; hãy nhập ngày/tháng/năm, ví dụ 05/09/2025.").format(text=raw)
    )
