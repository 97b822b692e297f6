"""What the shell shows about the school, read once per login."""

from __future__ import annotations

import dataclasses

from nk_desktop.db import Database
from nk_desktop.services.school import current_year, school_profile

DEFAULT_PASSWORD_MIN_LENGTH = 8


@dataclasses.dataclass(frozen=True)
class ShellInfo:
    school_name: str | None  # None: the file has no school yet
    year_name: str | None  # "2026-2027"; None before any year is created
    password_min_length: int
    location: str  # the database file or server, as a person would name it


def load_shell_info(db: Database) -> ShellInfo:
    with db.read() as session:
        school = school_profile(session)
        year = current_year(session) if school is not None else None
        return ShellInfo(
            school_name=school.name if school else None,
            year_name=year.name if year else None,
            password_min_length=school.password_min_length if school else DEFAULT_PASSWORD_MIN_LENGTH,
            location=db.location,
        )
