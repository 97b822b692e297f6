"""What every bench shares: the figure table, the timing loop, the data folder, the Qt application.

Figures are always printed beside a baseline measured in the same run (a bare Qt window, raw
sqlite3, openpyxl alone…), so a slow or busy machine moves both numbers and the ratio stays
meaningful.  Nothing here asserts: the script prints, a person reads.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable, Iterable

ROOT = Path(__file__).resolve().parents[1]
DEMO_PASSWORD = "demo1234"
PRINCIPAL = "hieutruong"


# --- figures -----------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Target:
    """A limit on a figure: ``ms`` (absolute, milliseconds) or ``ratio`` (× the baseline)."""

    kind: str  # "ms" | "ratio"
    limit: float
    inclusive: bool = False  # "at most" (≤) rather than "under" (<)

    @classmethod
    def under_ms(cls, limit: float) -> "Target":
        return cls("ms", limit)

    @classmethod
    def at_most_ratio(cls, limit: float) -> "Target":
        return cls("ratio", limit, inclusive=True)

    def __str__(self) -> str:
        sign = "≤" if self.inclusive else "<"
        return f"{sign} {self.limit:g} ms" if self.kind == "ms" else f"{sign} {self.limit:g}× baseline"

    def met(self, value_ms: float, baseline_ms: float | None) -> bool:
        if self.kind == "ms":
            measured = value_ms
        elif baseline_ms:
            measured = value_ms / baseline_ms
        else:
            return False
        return measured <= self.limit if self.inclusive else measured < self.limit


@dataclasses.dataclass(frozen=True)
class Figure:
    name: str
    value_ms: float | None  # None: could not be measured (see note)
    baseline_name: str = ""
    baseline_ms: float | None = None
    target: Target | None = None  # None: shown for information
    note: str = ""
    crashed: bool = False

    @property
    def ratio(self) -> float | None:
        if self.value_ms is None or not self.baseline_ms:
            return None
        return self.value_ms / self.baseline_ms

    @property
    def status(self) -> str:
        if self.crashed:
            return "CRASHED"
        if self.value_ms is None:
            return "NOT MEASURED" if self.target else "n/a"
        if self.target is None:
            return "info"
        return "OK" if self.target.met(self.value_ms, self.baseline_ms) else "NOT MET"


def skipped(name: str, reason: str, target: Target | None = None, *, crashed: bool = False) -> Figure:
    return Figure(name, None, target=target, note=reason, crashed=crashed)


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f} ms" if value < 10_000 else f"{value / 1000:,.2f} s"


def table(figures: Iterable[Figure]) -> str:
    """The figures as a plain-text table (fits a terminal and a Markdown code block)."""
    head = ("figure", "measured", "baseline", "ratio", "target", "OK/NOT MET")
    rows = []
    notes = []
    for figure in figures:
        baseline = f"{figure.baseline_name}: {_ms(figure.baseline_ms)}" if figure.baseline_name else "—"
        ratio = f"{figure.ratio:.2f}×" if figure.ratio is not None else "—"
        name = figure.name
        if figure.note:
            notes.append(figure.note)
            name += f" [{len(notes)}]"
        rows.append((name, _ms(figure.value_ms), baseline, ratio, str(figure.target or "—"), figure.status))
    widths = [max(len(row[i]) for row in (head, *rows)) for i in range(len(head))]

    def line(cells) -> str:
        return " | ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()

    out = [line(head), "-+-".join("-" * width for width in widths)]
    out += [line(row) for row in rows]
    out += [f"  [{n}] {note}" for n, note in enumerate(notes, start=1)]
    return "\n".join(out)


# --- configuration and timing ----------------------------------------------------------------

@dataclasses.dataclass
class Config:
    runs: int = 7  # timed runs per measurement (after the warm-up)
    warmup: int = 1
    quick: bool = False
    workdir: Path | None = None  # where the data is built (a temp folder unless --data)


CONFIG = Config()


def runs(heavy: bool = False) -> int:
    """Timed runs for a measurement; *heavy* ones (seconds each) get fewer, never under 5 in a full run."""
    if CONFIG.quick:
        return 2 if heavy else 3
    return max(5, CONFIG.runs - 2) if heavy else CONFIG.runs


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(fn: Callable[[], object]) -> float:
    """Seconds taken by one call of *fn*, with the garbage collector held still during it."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        gc.enable()


def compare(subject: Callable[[int], object], baseline: Callable[[int], object], n: int,
            *, setup: Callable[[int], object] | None = None,
            warmup: int | None = None) -> tuple[list[float], list[float]]:
    """Warm-up, then *n* runs of the subject and the baseline, interleaved so that a change of
    machine load touches both alike.  Each callable gets the run number (negative for warm-ups);
    ``setup(i)`` runs before each subject call, untimed.  Returns the two lists of seconds."""
    warmup = CONFIG.warmup if warmup is None else warmup
    subject_times, baseline_times = [], []
    for i in range(-warmup, n):
        if setup is not None:
            setup(i)
        s = timed(lambda: subject(i))
        b = timed(lambda: baseline(i))
        if i >= 0:
            subject_times.append(s)
            baseline_times.append(b)
    return subject_times, baseline_times


def repeat(fn: Callable[[int], object], n: int, *, setup: Callable[[int], object] | None = None,
           warmup: int | None = None) -> list[float]:
    warmup = CONFIG.warmup if warmup is None else warmup
    samples = []
    for i in range(-warmup, n):
        if setup is not None:
            setup(i)
        elapsed = timed(lambda: fn(i))
        if i >= 0:
            samples.append(elapsed)
    return samples


def progress(text: str) -> None:
    print(f"  … {text}", file=sys.stderr, flush=True)


# --- data -----------------------------------------------------------------------------------

class Data:
    """The data folder: the demo school built once, copied for each bench that writes."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.built_ms: dict[str, float] = {}

    def path(self, name: str) -> Path:
        return self.folder / name

    def demo(self) -> Path:
        """The demo school (built once per data folder, then reused)."""
        target = self.path("demo.sqlite")
        if not target.exists():
            progress("building the demo school")
            from nk_desktop.db import open_database
            from nk_desktop.services.demo import build_demo_school

            scratch = self.path("demo.building.sqlite")
            remove_db(scratch)
            start = time.perf_counter()
            db = open_database(scratch)
            build_demo_school(db, DEMO_PASSWORD)
            db.dispose()
            self.built_ms["demo school"] = (time.perf_counter() - start) * 1000
            checkpoint(scratch)
            scratch.rename(target)
        return target

    def copy(self, source: Path, name: str) -> Path:
        """A fresh copy of *source* (a closed, checkpointed database file) named *name*."""
        target = self.path(name)
        remove_db(target)
        shutil.copyfile(source, target)
        return target


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def checkpoint(path: Path) -> None:
    """Fold the WAL into the main file so that copying the file alone copies everything."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


_DATA: Data | None = None


def data() -> Data:
    global _DATA
    if _DATA is None:
        folder = CONFIG.workdir or Path(tempfile.mkdtemp(prefix="nk-bench-"))
        CONFIG.workdir = folder
        _DATA = Data(folder)
    return _DATA


def raw_connection(path: Path) -> sqlite3.Connection:
    """A raw sqlite3 connection with the pragmas the app uses (WAL, synchronous NORMAL, foreign keys)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def hexid(value: uuid.UUID) -> str:
    """How SQLAlchemy's ``Uuid`` stores a key in SQLite (32 hex digits)."""
    return value.hex


# --- actors ------------------------------------------------------------------------------------

def actor_named(db, username: str):
    """The account's actor without checking a password (argon2 is measured once, in startup)."""
    from sqlalchemy import select

    from nk_desktop.models.accounts import Account
    from nk_desktop.services.accounts import actor_for

    with db.read() as session:
        account = session.scalar(select(Account).where(Account.username == username, Account.deleted.is_(False)))
        return actor_for(session, account)


def actor_for_staff(db, staff_id):
    from sqlalchemy import select

    from nk_desktop.models.accounts import Account
    from nk_desktop.services.accounts import actor_for

    with db.read() as session:
        account = session.scalar(select(Account).where(Account.staff_id == staff_id, Account.deleted.is_(False)))
        return actor_for(session, account) if account else None


def current_year(db):
    from nk_desktop.services.school import current_year as year_of

    with db.read() as session:
        return year_of(session)


# --- Qt -----------------------------------------------------------------------------------------

_APP = None


def qt_app():
    """One QApplication for the in-process benches, offscreen, with the app's fonts and translation."""
    global _APP
    if _APP is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from nk_desktop.app import create_application, load_resources

        _APP = create_application([sys.argv[0]])
        _APP.nk_resources = load_resources(_APP)  # the translator must stay referenced
    return _APP
