"""Reads the admin pages need that no service offers as a ``(db, actor)`` function yet.

Each is a thin wrapper around existing service functions that take a session
(``school.school_profile``, ``school.grade_subjects``), with the same permission check
the services use; nothing here writes.  They belong in ``services/school.py`` once the
owner of that module adds them; the pages would then import them from there.
"""

from __future__ import annotations

import dataclasses
import uuid

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.services import school
from nk_desktop.services.permissions import Action, require


@dataclasses.dataclass(frozen=True)
class SchoolSettings:
    password_min_length: int
    password_max_age_days: int
    db_admin_manages_accounts: bool


def school_settings(db: Database, actor: Actor) -> SchoolSettings:
    """The password policy and whether the DB admin may manage accounts."""
    with db.read() as session:
        require(session, actor, Action.SCHOOL_VIEW)
        profile = school.school_profile(session)
        if profile is None:
            return SchoolSettings(8, 90, False)
        return SchoolSettings(profile.password_min_length, profile.password_max_age_days,
                              bool(profile.db_admin_manages_accounts))


@dataclasses.dataclass(frozen=True)
class GradeSubject:
    id: uuid.UUID
    name: str
    periods_per_year: int
    tested_milestones: str  # "CK1,CN" or ""


def grade_subjects(db: Database, actor: Actor, year_id: uuid.UUID, grade: int) -> list[GradeSubject]:
    """The subjects (parts where a subject has parts) taught in *grade* that year, in book order."""
    with db.read() as session:
        require(session, actor, Action.SCHOOL_VIEW)
        return [
            GradeSubject(subject.id, subject.name, entry.periods_per_year, entry.tested_milestones)
            for subject, entry in school.grade_subjects(session, year_id, grade)
        ]
