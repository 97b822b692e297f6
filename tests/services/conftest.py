"""Fixtures for service tests: a fresh school database in a temporary folder."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from nk_desktop.actor import SYSTEM
from nk_desktop.db import open_database
from nk_desktop.services import accounts, school, staff
from nk_desktop.services.permissions import Role
from nk_desktop.services.setup import init_school

PASSWORD = "matkhau123"
TODAY = dt.date(2026, 11, 29)


@pytest.fixture(scope="session")
def school_template(tmp_path_factory):
    """A freshly initialised school file, made once; each test gets its own copy."""
    path = tmp_path_factory.mktemp("template") / "school.sqlite"
    database = open_database(path)
    init_school(database, "Trường Tiểu học Nguyễn Khuyến", PASSWORD,
                address="số 2 Lê Lợi, phường Cầu Đất, thành phố Hải Phòng", place_name="Cầu Đất", on=TODAY)
    with database.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


@pytest.fixture
def principal(db):
    return accounts.login(db, "hieutruong", PASSWORD).actor


@pytest.fixture
def year_id(db):
    with db.read() as session:
        return school.current_year(session, TODAY).id


class People:
    """A small school: one account per role, a class 4A with its homeroom teacher, assignments."""

    def __init__(self, db, year_id):
        self.staff = {}
        self.actors = {}
        for role in Role:
            if role is Role.HIEU_TRUONG:
                continue
            staff_id = staff.create_staff(db, SYSTEM, family_name="Trần", middle_name="Thị",
                                          given_name=role.value.replace("_", "").title()[:10], gender="Nữ")
            accounts.create_account(db, SYSTEM, username=role.value.replace("_", "."), staff_id=staff_id,
                                    roles=[role], password=PASSWORD, must_change=False)
            self.staff[role] = staff_id
            self.actors[role] = accounts.login(db, role.value.replace("_", "."), PASSWORD).actor
        self.class_4a = school.create_class(db, SYSTEM, year_id, "4A", homeroom_id=self.staff[Role.GV_CHU_NHIEM])
        self.class_4b = school.create_class(db, SYSTEM, year_id, "4B")
        with db.read() as session:
            self.math = school.subject_by_name(session, "Toán").id
            self.english = school.subject_by_name(session, "Ngoại ngữ 1").id
        school.assign_teacher(db, SYSTEM, self.class_4b, self.english, self.staff[Role.GV_BO_MON])


@pytest.fixture(scope="session")
def people_template(tmp_path_factory, school_template):
    """The small school built once (password hashing is deliberately slow); tests copy the file."""
    path = tmp_path_factory.mktemp("people") / "school.sqlite"
    shutil.copyfile(school_template, path)
    database = open_database(path)
    with database.read() as session:
        year = school.current_year(session, TODAY).id
    built = People(database, year)
    with database.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path, built


@pytest.fixture
def people(tmp_path, people_template):
    """Same ids and actors as the template; the test's ``db`` is a copy of the template's file."""
    return people_template[1]


@pytest.fixture
def db(tmp_path, school_template, request):
    source = request.getfixturevalue("people_template")[0] if "people" in request.fixturenames else school_template
    target = tmp_path / "school.sqlite"
    shutil.copyfile(source, target)
    database = open_database(target, strict_writes=True)
    yield database
    database.dispose()
