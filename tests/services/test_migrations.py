"""Opening files: empty → head, older → upgraded after a safety copy, newer → refused untouched."""

import hashlib
import sqlite3

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select

from nk_desktop.db import Database, alembic_config, open_database
from nk_desktop.errors import DatabaseVersionError
from nk_desktop.models import Base
from nk_desktop.models.school import School
from nk_desktop.services.setup import init_school

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_an_empty_file_is_migrated_to_head(tmp_path):
    db = open_database(tmp_path / "new.sqlite")
    assert db.current_revision() == HEAD
    assert db.has_schema()
    assert len(db.node_id().hex) == 32


def test_the_migrations_build_exactly_the_models(tmp_path):
    db = open_database(tmp_path / "new.sqlite")
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_sqlite_pragmas(tmp_path):
    db = open_database(tmp_path / "new.sqlite")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_an_older_file_is_upgraded_after_a_safety_copy(tmp_path):
    path = tmp_path / "old.sqlite"
    db = open_database(path)
    init_school(db, "Trường Tiểu học Nguyễn Khuyến", "matkhau123")
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    node = db.node_id()
    db.dispose()

    reopened = Database(f"sqlite:///{path}")
    copy = reopened.migrate()
    assert reopened.current_revision() == HEAD
    assert copy is not None and copy.exists() and "truoc-nang-cap-0001" in copy.name
    with sqlite3.connect(copy) as old:
        assert old.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    with reopened.read() as session:
        assert session.scalars(select(School.name)).one() == "Trường Tiểu học Nguyễn Khuyến"
    assert reopened.node_id() == node


def test_a_table_copied_by_a_migration_keeps_its_rows_under_the_strict_write_guard(tmp_path):
    """0011 changes a column's type, which SQLite does by copying the table and dropping the old one; the
    guard that refuses raw writes to synced tables must let a migration do it, rows kept."""
    from nk_desktop.actor import SYSTEM
    from nk_desktop.models.gradebook import YearResult
    from nk_desktop.services import pupils, school

    path = tmp_path / "old.sqlite"
    db = open_database(path)
    init_school(db, "Trường Tiểu học Nguyễn Khuyến", "matkhau123")
    with db.read() as session:
        year = school.current_year(session)
    class_id = school.create_class(db, SYSTEM, year.id, "5A")
    pupil_id = pupils.add_pupil(db, SYSTEM, class_id, {"full_name": "Lê Thị Mai", "gender": "Nữ",
                                                       "date_of_birth": year.start_date.replace(year=year.start_date.year - 10)})
    with db.write(SYSTEM) as session:
        session.add(YearResult(year_id=year.id, class_id=class_id, pupil_id=pupil_id, rule_set="TT27",
                               overall="HT", reason="", completed=True, decision="hoan_thanh_tieu_hoc"))
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010")
    db.dispose()

    strict = Database(f"sqlite:///{path}", strict_writes=True)
    strict.migrate(backup_dir=tmp_path)
    assert strict.current_revision() == HEAD
    with strict.read() as session:
        assert session.scalars(select(YearResult.decision)).all() == ["hoan_thanh_tieu_hoc"]
    strict.dispose()


def test_a_file_from_a_newer_version_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "future.sqlite"
    db = open_database(path)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    db.dispose()  # the last connection closing checkpoints the WAL into the file
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(DatabaseVersionError, match="phiên bản NK Desktop mới hơn"):
        open_database(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert not list(tmp_path.glob("*truoc-nang-cap*"))


def test_the_head_the_app_knows_is_the_newest_migration():
    """db.HEAD_REVISION lets an up-to-date file open without importing Alembic; it must be the real head."""
    from nk_desktop.db import HEAD_REVISION

    assert HEAD_REVISION == HEAD
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1
