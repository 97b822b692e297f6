"""Working days and teaching weeks.

A working day is Monday–Friday that is neither a Vietnamese public holiday
(``holidays``: Tết with its eve, Giỗ Tổ, 30/4, 1/5, Quốc khánh, substitute days,
24/11) nor a day off the school set; a make-up day the school set (e.g. a
Saturday worked in exchange) counts as working.  "Within 10 working days"
(regulation Điều 11.1.b–c) is counted with ``WorkCalendar.add_working_days``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from nk_desktop.models.school import DayOff

TEACHING_WEEKS = 35
TERM_ONE_WEEKS = 18


def public_holidays(years: Iterable[int]) -> dict[dt.date, str]:
    """Vietnamese public holidays (names in Vietnamese) for the given calendar years."""
    import holidays  # imported when first needed: it is a large package and start-up does not need it

    table = holidays.country_holidays("VN", years=sorted(set(years)), language="vi")
    return {day: name for day, name in table.items()}


@dataclasses.dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days: public holidays, school days off, make-up days."""

    days_off: dict[dt.date, str]
    make_up_days: frozenset[dt.date] = frozenset()

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.make_up_days:
            return True
        return day.weekday() < 5 and day not in self.days_off

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The *count*-th working day after *start* (the start day itself is not counted)."""
        day, left = start, count
        while left > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after *start* up to and including *end*."""
        return sum(
            1 for n in range(1, (end - start).days + 1)
            if self.is_working_day(start + dt.timedelta(days=n))
        )

    def reason_off(self, day: dt.date) -> str | None:
        """Why *day* is not a working day, or None when it is one."""
        if self.is_working_day(day):
            return None
        if day in self.days_off:
            return self.days_off[day]
        return "Thứ Bảy" if day.weekday() == 5 else "Chủ nhật"


def work_calendar(session: Session, first_year: int, last_year: int) -> WorkCalendar:
    """The calendar for the calendar years *first_year*..*last_year* with the school's own days."""
    off = public_holidays(range(first_year, last_year + 1))
    make_up: set[dt.date] = set()
    rows = session.scalars(
        select(DayOff).where(
            DayOff.deleted.is_(False),
            DayOff.day >= dt.date(first_year, 1, 1),
            DayOff.day <= dt.date(last_year, 12, 31),
        )
    )
    for row in rows:
        if row.working:
            make_up.add(row.day)
            off.pop(row.day, None)
        else:
            off[row.day] = row.name
    return WorkCalendar(days_off=off, make_up_days=frozenset(make_up))


@dataclasses.dataclass(frozen=True)
class WeekPlan:
    number: int
    term: int
    start: dt.date
    end: dt.date


def plan_weeks(first_monday: dt.date, calendar: WorkCalendar, *, count: int = TEACHING_WEEKS,
               term_one: int = TERM_ONE_WEEKS) -> list[WeekPlan]:
    """Number the teaching weeks from *first_monday*, skipping weeks with no working day (Tết)."""
    if first_monday.weekday() != 0:
        first_monday -= dt.timedelta(days=first_monday.weekday())
    weeks, monday = [], first_monday
    while len(weeks) < count:
        days = [monday + dt.timedelta(days=n) for n in range(5)]
        if any(calendar.is_working_day(d) for d in days):
            number = len(weeks) + 1
            weeks.append(WeekPlan(number, 1 if number <= term_one else 2, monday, monday + dt.timedelta(days=6)))
        monday += dt.timedelta(days=7)
    return weeks
