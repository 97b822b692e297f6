"""Issue 2: start-up to a usable main window on the demo school ≤ 1.5× a bare PySide6 window.

Both are fresh processes (offscreen).  Two clocks: the parent's, from spawning the process to
reading the child's "shown" line (interpreter start included), and the child's own, from its
first line to the window shown (imports included).  The app child does what ``app.py`` does
(fonts, Qt translation, open the database), logs in the principal through
``services.accounts.login`` (no dialog: the figure is start-up, not typing) and shows
``MainWindow``.  Login is timed inside the child and left out of the main figures, because
argon2 is slow on purpose; it is reported on its own, beside a bare argon2 verify.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import common
from bench.common import Figure, Target

PYTHON = sys.executable

BARE = r"""
import time
T0 = time.perf_counter()
import sys
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.show()
app.processEvents()
print(f"shown {(time.perf_counter() - T0) * 1000:.3f} 0", flush=True)
"""

# The least any window backed by SQLAlchemy can cost: the bare window plus importing the ORM.
FLOOR = BARE.replace("import sys\n", "import sys\nimport sqlalchemy.orm\n", 1)

APP = r"""
import time
T0 = time.perf_counter()
import sys
from nk_desktop.app import create_application, load_resources
app = create_application(sys.argv[:1])
resources = load_resources(app)
from nk_desktop.db import open_database
db = open_database(sys.argv[1])
from nk_desktop.services import accounts
t = time.perf_counter()
result = accounts.login(db, sys.argv[2], sys.argv[3])
login = time.perf_counter() - t
from nk_desktop.views.app_shell import MainWindow
window = MainWindow(db, result.actor)
window.show()
app.processEvents()
shown = time.perf_counter() - T0
assert window.isVisible() and window.tabs is not None and window.tabs.count() > 0
print(f"shown {shown * 1000:.3f} {login * 1000:.3f}", flush=True)
window.close()
db.dispose()
"""


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(common.ROOT),
               XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
               XDG_CACHE_HOME=str(home / "cache"), XDG_RUNTIME_DIR=str(home / "runtime"),
               PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    env.pop("NK_DATABASE_URL", None)
    (home / "runtime").mkdir(parents=True, exist_ok=True, mode=0o700)
    return env


def _spawn(code: str, args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(parent ms to "shown", child ms to "shown", child's login ms) for one fresh process."""
    start = time.perf_counter()
    child = subprocess.Popen([PYTHON, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=env, text=True, cwd=common.ROOT)
    line = child.stdout.readline()
    wall = (time.perf_counter() - start) * 1000
    _out, err = child.communicate(timeout=120)
    if not line.startswith("shown ") or child.returncode != 0:
        raise RuntimeError(f"start-up child failed (exit {child.returncode}): {line!r} {err[-2000:]}")
    _word, inside, login = line.split()
    return wall, float(inside), float(login)


def _argon2_verify_ms(db_path: Path, n: int) -> float:
    import sqlite3

    from argon2 import PasswordHasher

    with sqlite3.connect(db_path) as conn:
        (password_hash,) = conn.execute("SELECT password_hash FROM account WHERE username = ?",
                                        (common.PRINCIPAL,)).fetchone()
    conn.close()
    hasher = PasswordHasher()
    return common.median_ms(common.repeat(lambda _i: hasher.verify(password_hash, common.DEMO_PASSWORD), n))


def run() -> list[Figure]:
    data = common.data()
    db_path = data.copy(data.demo(), "startup.sqlite")
    env = _env(data.path("startup-home"))
    n = common.runs(heavy=True)
    args = [str(db_path), common.PRINCIPAL, common.DEMO_PASSWORD]
    common.progress(f"start-up: {n} + warm-up fresh processes each (python -c pass, bare window, app, bare + ORM)")

    interpreter, bare, app, floor = [], [], [], []
    for i in range(-common.CONFIG.warmup, n):
        t = time.perf_counter()
        subprocess.run([PYTHON, "-c", "pass"], env=env, check=True)
        empty = (time.perf_counter() - t) * 1000
        b = _spawn(BARE, [], env)
        a = _spawn(APP, args, env)
        f = _spawn(FLOOR, [], env)
        if i >= 0:
            interpreter.append(empty)
            bare.append(b)
            app.append(a)
            floor.append(f)

    med = statistics.median
    bare_wall, bare_inside = med(b[0] for b in bare), med(b[1] for b in bare)
    login = med(a[2] for a in app)
    app_wall = med(a[0] - a[2] for a in app)
    app_inside = med(a[1] - a[2] for a in app)
    app_wall_login = med(a[0] for a in app)
    target = Target.at_most_ratio(1.5)
    return [
        Figure("start-up: process start → main window shown (parent clock, login excluded)", app_wall,
               "bare PySide6 window", bare_wall, target),
        Figure("start-up: first line → main window shown (child clock, login excluded)", app_inside,
               "bare PySide6 window", bare_inside, target),
        Figure("start-up incl. login (parent clock)", app_wall_login, "bare PySide6 window", bare_wall),
        Figure("login (services.accounts.login, argon2 inside)", login, "argon2 verify alone",
               _argon2_verify_ms(db_path, n)),
        Figure("bare window + import sqlalchemy.orm (parent clock)", med(f[0] for f in floor),
               "bare PySide6 window", bare_wall),
        Figure("python -c pass (interpreter alone)", med(interpreter)),
    ]
