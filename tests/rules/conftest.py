"""The rule tests reuse the service fixtures (a school per test, SQLite and, with NK_TEST_PG_URL, PostgreSQL)
and the gradebook's ``marks`` fixture (4A with three pupils; its homeroom teacher teaches Toán and Đạo đức)."""

from tests.services.conftest import (  # noqa: F401  (fixtures)
    backend, db, people, people_template, principal, school_template, sqlite_only, year_id,
)
from tests.services.test_gradebook import marks  # noqa: F401  (fixture)
