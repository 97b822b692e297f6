"""PCs and a shared folder in tmp_path: the first PC sets the school up and runs `share init`, the
others JOIN from its snapshot (so every PC holds the same school rows and ids).

The network (three databases and the share) is built once per session; each test gets a copy.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from nk_desktop.actor import SYSTEM, Actor
from nk_desktop.db import Database, open_database
from nk_desktop.models.gradebook import CommentTemplate, SubjectResult
from nk_desktop.services import accounts, gradebook, pupils, school, staff
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Role
from nk_desktop.services.setup import init_school
from nk_desktop.sync import engine, snapshot
from nk_desktop.sync.share import Share

PASSWORD = "matkhau123"
TODAY = dt.date(2026, 11, 29)
OPEN_DAY = dt.date(2026, 10, 30)  # GK1 marks may still be entered
KEY = bytes(range(32))
NAMES = ("a", "b", "c")
DOMAIN_TABLES = ("pupil", "subject_result", "trait_result", "mark_lock", "enrolment", "school", "comment_template",
                 "account_role", "staff_member")


@dataclasses.dataclass(frozen=True)
class Ids:
    year: uuid.UUID
    class_4a: uuid.UUID
    math: uuid.UUID
    pupils: tuple[uuid.UUID, ...]
    results: tuple[uuid.UUID, ...]   # math GK1 of each pupil
    template: uuid.UUID              # a comment-bank phrase (last writer wins)
    principal: Actor
    teacher: Actor                   # homeroom of 4A, teaches math in 4A
    other_teacher: Actor             # subject teacher without 4A math
    admin: Actor                     # DB admin


class PC:
    """One school PC: its own database file and this test's share."""

    def __init__(self, name: str, path: Path, share: Share, *, key: bytes = KEY):
        self.name, self.path, self.share, self.key = name, path, share, key
        self.db = Database(f"sqlite:///{path}", strict_writes=True)

    def sync(self, **kwargs) -> engine.SyncReport:
        kwargs.setdefault("make_snapshot", False)
        kwargs.setdefault("measure", False)
        return engine.sync(self.db, self.share, self.key, **kwargs)

    def node(self) -> str:
        with self.db.engine.connect() as conn:
            return conn.exec_driver_sql("SELECT value FROM local_state WHERE key = 'node_id'").scalar()

    def set_level(self, actor: Actor, pupil: int, level: str, ids: Ids, field: str = "level"):
        return gradebook.save_subject_cells(self.db, actor, ids.class_4a, ids.math, "GK1",
                                            [CellEdit(ids.pupils[pupil], field, level)], on=OPEN_DAY)

    def result(self, ids: Ids, pupil: int) -> SubjectResult:
        with self.db.read() as session:
            return session.get(SubjectResult, ids.results[pupil])

    def rows(self, table: str) -> list[tuple]:
        """The table's rows without ``version``: each database's own optimistic counter (it need not converge)."""
        with self.db.engine.connect() as conn:
            columns = [r[1] for r in conn.exec_driver_sql(f"PRAGMA table_info({table})") if r[1] != "version"]
            return sorted(tuple(r) for r in conn.exec_driver_sql(f"SELECT {', '.join(columns)} FROM {table}"))

    def sync_state(self) -> dict[str, list[tuple]]:
        with self.db.engine.connect() as conn:
            return {
                "heads": sorted(conn.exec_driver_sql("SELECT tbl, row, field, op_id, value FROM sync_head").fetchall()),
                "conflicts": sorted(conn.exec_driver_sql("SELECT tbl, row, field, official FROM sync_conflict").fetchall()),
            }

    def count(self, sql: str) -> int:
        with self.db.engine.connect() as conn:
            return conn.exec_driver_sql(sql).scalar()

    def close(self):
        self.db.dispose()


class Net:
    def __init__(self, folder: Path, ids: Ids):
        self.folder, self.ids = folder, ids
        self.share_root = folder / "share"
        # Each PC sees the share through its own (possibly faulty) view, as each Windows client caches on its own.
        self.pcs = {name: PC(name, folder / f"{name}.sqlite", FaultyShare(self.share_root, rename_retry_seconds=0.2))
                    for name in NAMES}

    def __getitem__(self, name: str) -> PC:
        return self.pcs[name]

    def add_pc(self, name: str, path: Path) -> PC:
        pc = self.pcs[name] = PC(name, path, FaultyShare(self.share_root, rename_retry_seconds=0.2))
        return pc

    def sync_all(self, rounds: int = 2):
        for _ in range(rounds):
            for pc in self.pcs.values():
                pc.sync()

    def close(self):
        for pc in self.pcs.values():
            pc.close()


def _actor(db: Database, username: str, roles: set[Role], name: str) -> Actor:
    with db.read() as session:
        from nk_desktop.models.accounts import Account

        account = session.scalar(select(Account).where(Account.username == username))
    return Actor(account.id, username, name, account.staff_id, frozenset(r.value for r in roles))


def build_network(folder: Path) -> Ids:
    db = open_database(folder / "a.sqlite")
    init_school(db, "Trường Tiểu học Nguyễn Khuyến", PASSWORD, address="số 2 Lê Lợi, Cầu Đất", place_name="Cầu Đất",
                on=TODAY)
    with db.read() as session:
        year = school.current_year(session, TODAY).id
        math = school.subject_by_name(session, "Toán").id
    people = {}
    for username, role, given in (("lan.nt", Role.GV_CHU_NHIEM, "Lan"), ("binh.tv", Role.GV_BO_MON, "Bình"),
                                  ("quantri", Role.QUAN_TRI_CSDL, "Hà")):
        staff_id = staff.create_staff(db, SYSTEM, family_name="Nguyễn", middle_name="Thị", given_name=given,
                                      gender="Nữ")
        accounts.create_account(db, SYSTEM, username=username, staff_id=staff_id, roles=[role], password=PASSWORD,
                                must_change=False)
        people[username] = staff_id
    class_4a = school.create_class(db, SYSTEM, year, "4A", homeroom_id=people["lan.nt"])
    school.assign_teacher(db, SYSTEM, class_4a, math, people["lan.nt"])
    pupil_ids = tuple(pupils.add_pupil(db, SYSTEM, class_4a, {
        "full_name": name, "date_of_birth": dt.date(2016, 3, n + 1), "gender": "Nữ"})
        for n, name in enumerate(("Lê Thị Mai", "Phạm Văn Đức", "Trần Ngọc Ánh")))
    gradebook.save_subject_cells(db, SYSTEM, class_4a, math, "GK1",
                                 [CellEdit(p, "level", "H") for p in pupil_ids], on=OPEN_DAY)
    with db.read() as session:
        by_pupil = {r.pupil_id: r.id for r in session.scalars(select(SubjectResult))}
    with db.write(SYSTEM) as session:
        phrase = CommentTemplate(subject_id=math, level="T", text="Em nắm vững kiến thức.")
        session.add(phrase)
        session.flush()
        template_id = phrase.id
    ids = Ids(year, class_4a, math, pupil_ids, tuple(by_pupil[p] for p in pupil_ids), template_id,
              principal=_actor(db, "hieutruong", {Role.HIEU_TRUONG}, "Hiệu trưởng"),
              teacher=_actor(db, "lan.nt", {Role.GV_CHU_NHIEM}, "Cô Lan"),
              other_teacher=_actor(db, "binh.tv", {Role.GV_BO_MON}, "Cô Bình"),
              admin=_actor(db, "quantri", {Role.QUAN_TRI_CSDL}, "Cô Hà"))
    share = Share(folder / "share")
    engine.init_share(db, share, KEY)
    db.dispose()
    for name in NAMES[1:]:
        joined = snapshot.join(folder / f"{name}.sqlite", share, KEY)
        engine.sync(joined, share, KEY, make_snapshot=False, measure=False)
        joined.dispose()
    for name in NAMES:
        conn = sqlite3.connect(folder / f"{name}.sqlite")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
    return ids


@pytest.fixture(scope="session")
def network_template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sync-network")
    return folder, build_network(folder)


def copy_network(template: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        shutil.copyfile(template / f"{name}.sqlite", target / f"{name}.sqlite")
    shutil.copytree(template / "share", target / "share")


@pytest.fixture
def net(network_template, tmp_path):
    folder, ids = network_template
    copy_network(folder, tmp_path / "net")
    network = Net(tmp_path / "net", ids)
    yield network
    network.close()


@pytest.fixture
def ids(network_template) -> Ids:
    return network_template[1]


class FaultyShare(Share):
    """The share as SMB can present it: stale listings, torn reads, a server clock elsewhere (sync-design §6.1)."""

    def __init__(self, root, **kwargs):
        super().__init__(root, **kwargs)
        self.hide_newest: dict[str, int] = {}   # node folder → how many newest segments the listing omits
        self.hidden_nodes: set[str] = set()
        self.torn: dict[str, int] = {}          # file name or path → bytes a read returns
        self.read_errors: set[str] = set()
        self.server_offset = 0.0

    def listdir(self, relative: str) -> list[str]:
        names = super().listdir(relative)
        if relative == "nodes":
            return [n for n in names if n not in self.hidden_nodes]
        node = relative.rsplit("/", 1)[-1]
        hide = self.hide_newest.get(node, 0)
        if hide:
            segments = sorted(n for n in names if n.startswith("seg-"))
            names = [n for n in names if n not in segments[len(segments) - hide:]]
        return names

    def read(self, relative: str) -> bytes:
        name = relative.rsplit("/", 1)[-1]
        if name in self.read_errors or relative in self.read_errors:
            raise OSError(5, "Input/output error")
        data = super().read(relative)
        cut = self.torn.get(relative, self.torn.get(name))
        return data if cut is None else data[:cut]

    def server_time(self, node: str) -> float:
        return super().server_time(node) + self.server_offset


def write_orm(pc: PC, actor: Actor, model, row_id, **values) -> None:
    """A change made without the service's checks (an outdated or tampered PC): capture still journals it."""
    with pc.db.write(actor) as session:
        obj = session.get(model, row_id)
        for key, value in values.items():
            setattr(obj, key, value)
