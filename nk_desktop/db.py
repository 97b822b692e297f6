"""Opening the database: engine, pragmas, migrations, and the read/write sessions.

SQLite by default (WAL, foreign keys on, busy timeout); any SQLAlchemy URL
through ``NK_DATABASE_URL``.  Opening a file made by an older version migrates
it after a safety copy; a file from a newer version is refused untouched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import uuid
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from nk_desktop import paths
from nk_desktop.actor import Actor
from nk_desktop.errors import DatabaseVersionError, NKError
from nk_desktop.i18n import _
from nk_desktop.models import Base
from nk_desktop.models.journal import LocalState
from nk_desktop.sync import capture


def database_url(path: str | os.PathLike | None = None) -> str:
    """The URL to open: ``--db PATH``, else ``NK_DATABASE_URL``, else this PC's default file."""
    if path is not None:
        return f"sqlite:///{Path(path).resolve()}"
    env = os.environ.get("NK_DATABASE_URL")
    if env:
        return env
    target = paths.default_database()
    return f"sqlite:///{target}"


# The newest migration of this version of the application.  Checked against the scripts by
# tests/services/test_migrations.py; knowing it here lets an up-to-date file open without
# importing Alembic at all (a third of the start-up time otherwise).
HEAD_REVISION = "0014"


def alembic_config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(paths.MIGRATIONS))
    return cfg


def _sqlite_pragmas(dbapi_connection, strict: bool) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _begin)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    if strict:
        capture.install_authorizer(dbapi_connection)


class StaleRecord(NKError):
    """Someone else saved the same record since it was read (optimistic version, PostgreSQL mode)."""

    def __init__(self, message: str | None = None, *, table: str = "", row_ids: tuple = ()):
        super().__init__(message or _("Người khác vừa sửa bản ghi này trong lúc bạn đang sửa; thay đổi của bạn "
                                      "chưa được lưu. Hãy tải lại để xem giá trị mới rồi nhập lại."))
        self.table, self.row_ids = table, tuple(row_ids)  # what to reload (empty: not known)


class Database:
    """One open database: the engine and the two kinds of session services use."""

    def __init__(self, url: str, *, strict_writes: bool = False):
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs = {}
        if self.is_sqlite:
            file_path = url.removeprefix("sqlite:///")
            if file_path and file_path != ":memory:":
                Path(file_path).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", lambda c, r: _sqlite_pragmas(c, strict_writes))
            event.listen(self.engine, "begin", self._begin)
        capture.install()
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False, autoflush=True)
        self._writer_engine = self.engine.execution_options(nk_write=True)
        self._writers = sessionmaker(bind=self._writer_engine, expire_on_commit=False)

    @staticmethod
    def _begin(conn) -> None:
        # A write transaction takes SQLite's write lock at once, so the audit chain
        # head and the clock read at flush time cannot be changed by another process.
        immediate = conn.get_execution_options().get("nk_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    @property
    def location(self) -> str:
        """The database as a person would name it (a file path or a server URL without password)."""
        if self.is_sqlite:
            return self.url.removeprefix("sqlite:///")
        return self.engine.url.render_as_string(hide_password=True)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; any attempt to write through it is refused."""
        session = self._sessions()
        session.info["read_only"] = True
        try:
            yield session
        finally:
            session.close()  # ends the transaction; loaded objects stay readable (detached)

    @contextlib.contextmanager
    def write(self, actor: Actor) -> Iterator[Session]:
        """A unit of work by *actor*: committed on success, rolled back on any error."""
        session = self._writers()
        session.info["actor"] = actor
        try:
            yield session
            session.commit()
        except StaleDataError as error:  # an UPDATE … WHERE version = N found the row moved on
            session.rollback()
            raise StaleRecord() from error
        except BaseException:
            session.rollback()
            raise
        finally:
            capture.end_write()
            session.close()

    # --- schema ---------------------------------------------------------------------

    def current_revision(self) -> str | None:
        """The schema's Alembic revision (read directly: Alembic itself is imported only to migrate)."""
        with self.engine.connect() as conn:
            if "alembic_version" not in inspect(conn).get_table_names():
                return None
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()

    def migrate(self, *, backup_dir: Path | None = None) -> Path | None:
        """Bring the schema to this version's head; returns the safety copy made, if any.

        Refuses (``DatabaseVersionError``) a database stamped by a newer version.
        """
        current = self.current_revision()
        if current == HEAD_REVISION:
            self._ensure_identity()
            return None
        from alembic import command
        from alembic.script import ScriptDirectory

        cfg = alembic_config()
        script = ScriptDirectory.from_config(cfg)
        if current is not None:
            try:
                script.get_revision(current)
            except Exception:
                raise DatabaseVersionError(
                    _(
                        "Tệp dữ liệu này được tạo bởi phiên bản NK Desktop mới hơn (mã lược đồ {rev}). "
                        "Hãy cập nhật phần mềm trên máy này; tệp không bị thay đổi."
                    ).format(rev=current)
                ) from None
        safety_copy = None
        if current is not None and self.is_sqlite:
            safety_copy = self._safety_copy(current, backup_dir)
        # A migration changes every PC's file alike (each runs it), so it is not a change to sync: the strict
        # guard on synced tables lets it copy and drop a table (SQLite's way to change a column's type).
        capture._allow_raw_writes(True)
        try:
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        finally:
            capture._allow_raw_writes(False)
        self._ensure_identity()
        return safety_copy

    def _safety_copy(self, revision: str, backup_dir: Path | None) -> Path:
        source = Path(self.location)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        target_dir = backup_dir or source.parent
        target = target_dir / f"{source.stem}.truoc-nang-cap-{revision}-{stamp}{source.suffix}"
        src = sqlite3.connect(source)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return target

    def _ensure_identity(self) -> None:
        """Give this database file its node id and incarnation on first open."""
        with self._sessions() as session, session.begin():
            existing = session.scalar(select(LocalState).where(LocalState.key == "node_id"))
            if existing is None:
                session.add(LocalState(key="node_id", value=uuid.uuid4().hex))
                session.add(LocalState(key="incarnation", value=uuid.uuid4().hex))

    def node_id(self) -> uuid.UUID:
        with self.read() as session:
            return uuid.UUID(session.scalar(select(LocalState.value).where(LocalState.key == "node_id")))

    def has_schema(self) -> bool:
        return "school" in inspect(self.engine).get_table_names()

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(path: str | os.PathLike | None = None, *, url: str | None = None,
                  strict_writes: bool = False) -> Database:
    """Open (creating or migrating as needed) the database at *path* / *url*."""
    database = Database(url or database_url(path), strict_writes=strict_writes)
    database.migrate()
    return database


__all__ = ["Database", "StaleRecord", "open_database", "database_url", "Base"]
