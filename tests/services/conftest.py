"""Fixtures for service tests: a fresh school database per test, on SQLite and (when available) PostgreSQL.

Building a school (password hashing is deliberately slow) happens once per backend;
each test gets its own copy: a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on
PostgreSQL.  ``scripts/test.sh`` starts a throwaway PostgreSQL server and sets
``NK_TEST_PG_URL``; without it the PostgreSQL half is skipped.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid

import pytest
from sqlalchemy import create_engine

from nk_desktop.actor import SYSTEM
from nk_desktop.db import open_database
from nk_desktop.services import accounts, school, staff
from nk_desktop.services.permissions import Role
from nk_desktop.services.setup import init_school

PASSWORD = "matkhau123"
TODAY = dt.date(2026, 11, 29)
PG_URL = os.environ.get("NK_TEST_PG_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


def _init(database) -> None:
    init_school(database, "Trường Tiểu học Nguyễn Khuyến", PASSWORD,
                address="số 2 Lê Lợi, phường Cầu Đất, thành phố Hải Phòng",
                place_name="Cầu Đất", on=TODAY)


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


def _build_people(database) -> People:
    with database.read() as session:
        year = school.current_year(session, TODAY).id
    return People(database, year)


class SqliteTemplates:
    def __init__(self, folder):
        self.folder = folder
        self.people = None

    def make(self, name: str, people: bool):
        path = self.folder / f"{name}.sqlite"
        database = open_database(path)
        _init(database)
        built = _build_people(database) if people else None
        database.dispose()
        return path, built

    def copy(self, template, tmp_path):
        target = tmp_path / "school.sqlite"
        shutil.copyfile(template, target)
        return open_database(target, strict_writes=True), lambda: None


class PostgresTemplates:
    def __init__(self, url):
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")
        self.base = url.rsplit("/", 1)[0]

    def _create(self, name: str, template: str | None = None) -> str:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return f"{self.base}/{name}"

    def make(self, name: str, people: bool):
        database = open_database(url=self._create(f"nk_tmpl_{name}"))
        _init(database)
        built = _build_people(database) if people else None
        database.dispose()
        return f"nk_tmpl_{name}", built

    def copy(self, template, tmp_path):
        name = f"nk_t_{uuid.uuid4().hex[:12]}"
        database = open_database(url=self._create(name, template))

        def drop():
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return database, drop


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request, tmp_path_factory):
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("PostgreSQL not running (NK_TEST_PG_URL unset); scripts/test.sh starts one")
        return PostgresTemplates(PG_URL)
    return SqliteTemplates(tmp_path_factory.mktemp("templates"))


@pytest.fixture(scope="session")
def school_template(backend):
    return backend.make("school", people=False)[0]


@pytest.fixture(scope="session")
def people_template(backend):
    return backend.make("people", people=True)


@pytest.fixture
def people(people_template):
    """Same ids and actors as the template; the test's ``db`` is a copy of the template."""
    return people_template[1]


@pytest.fixture
def db(tmp_path, backend, request):
    template = (request.getfixturevalue("people_template")[0] if "people" in request.fixturenames
                else request.getfixturevalue("school_template"))
    database, cleanup = backend.copy(template, tmp_path)
    yield database
    database.dispose()
    cleanup()


@pytest.fixture
def sqlite_only(db):
    """For tests of SQLite files themselves (raw file access, USB backup, the authorizer)."""
    if not db.is_sqlite:
        pytest.skip("concerns the SQLite file")


@pytest.fixture
def principal(db):
    return accounts.login(db, "hieutruong", PASSWORD).actor


@pytest.fixture
def year_id(db):
    with db.read() as session:
        return school.current_year(session, TODAY).id
