"""Print NK Desktop's speed figures beside baselines measured in the same run.

    .venv/bin/python bench/run.py                  # every bench, full number of runs
    .venv/bin/python bench/run.py --quick          # fewer runs (a smoke check, not figures to quote)
    .venv/bin/python bench/run.py --only search    # one bench (repeatable: --only startup --only search)
    .venv/bin/python bench/run.py --data DIR       # build the data in DIR and reuse it next time

Benches: startup, class_list, pupil_import, search, gradebook (see each module's docstring).
The data (the demo school, its copies, the 2,000-pupil file) is built once in a temporary folder
and removed at the end unless --data is given.  Nothing here is a test: it never fails on a slow
figure, it prints "NOT MET".  Exit status: 0, or 1 when a bench crashed.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCHES = ("startup", "class_list", "pupil_import", "search", "gradebook", "attendance", "printing", "sync")


def _isolate(home: Path) -> None:
    """Keep this process off the user's settings, data folder and keyring."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["XDG_CONFIG_HOME"] = str(home / "config")
    os.environ["XDG_DATA_HOME"] = str(home / "data")
    os.environ["XDG_CACHE_HOME"] = str(home / "cache")
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    os.environ.pop("NK_DATABASE_URL", None)


def _machine() -> str:
    try:
        load = "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "load average unknown"
    return f"{platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()} · {load}"


def _peak_rss() -> str:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return f"peak RSS: this process {own:,.0f} MiB; largest child process (start-up runs) {children:,.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=BENCHES, metavar="NAME",
                        help=f"run only this bench ({', '.join(BENCHES)}); may be repeated")
    parser.add_argument("--quick", action="store_true", help="fewer runs per measurement")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per measurement (default 7, at least 5)")
    parser.add_argument("--data", type=Path, help="build the data here and keep it (reused when present)")
    args = parser.parse_args(argv)

    workdir = args.data.resolve() if args.data else Path(tempfile.mkdtemp(prefix="nk-bench-"))
    _isolate(workdir / "home")

    from bench import common

    common.CONFIG.quick = args.quick
    common.CONFIG.runs = max(5, args.runs)
    common.CONFIG.workdir = workdir
    chosen = [name for name in BENCHES if not args.only or name in args.only]

    started = time.perf_counter()
    print(f"NK Desktop benchmarks — {time.strftime('%Y-%m-%d %H:%M')} · {_machine()}")
    print(f"runs per measurement: {common.runs()} (heavy: {common.runs(heavy=True)}) after "
          f"{common.CONFIG.warmup} warm-up{' · QUICK' if args.quick else ''} · data in {workdir}", flush=True)
    figures = []
    crashed = []
    try:
        for name in chosen:
            print(f"[{name}]", file=sys.stderr, flush=True)
            module = __import__(f"bench.{name}", fromlist=["run"])
            try:
                figures += module.run()
            except Exception as error:  # one broken bench must not hide the others
                traceback.print_exc()
                crashed.append(name)
                figures.append(common.skipped(f"{name}: crashed", f"{type(error).__name__}: {error}",
                                               crashed=True))
        print()
        print(common.table(figures))
        print()
        if common.data().built_ms:
            print("set-up: " + ", ".join(f"{k} built in {v / 1000:.1f} s" for k, v in common.data().built_ms.items()))
        print(_peak_rss())
        print(f"total {time.perf_counter() - started:.0f} s · {_machine()}")
    finally:
        if not args.data:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if crashed else 0


if __name__ == "__main__":
    raise SystemExit(main())
