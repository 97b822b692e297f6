"""Canary for the PySide6 6.12.0 crash (TECH-NOTES): every Signal.emit() dropped a reference
to True and Python aborted ("bool_dealloc") after a few hundred emits.

Runs in a subprocess because the failure is an interpreter abort, which would kill pytest.
A future PySide6 bump that brings the bug back fails here instead of in a teacher's hands.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

EMITS = 100_000

SCRIPT = textwrap.dedent(
    f"""
    import sys
    from PySide6.QtCore import QCoreApplication, QObject, Signal

    class Emitter(QObject):
        changed = Signal(bool)
        counted = Signal(int)

    app = QCoreApplication(sys.argv)
    emitter = Emitter()
    received = []
    emitter.changed.connect(lambda value: received.append(value))
    emitter.counted.connect(lambda value: None)
    for i in range({EMITS}):
        emitter.changed.emit(i % 2 == 0)
        emitter.counted.emit(i)
    assert len(received) == {EMITS}, len(received)
    print("emitted", len(received))
    """
)


def test_signal_emit_does_not_crash_the_interpreter():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, (
        f"exit code {result.returncode}: PySide6 crashed while emitting signals\n"
        f"stdout: {result.stdout[-2000:]}\nstderr: {result.stderr[-2000:]}"
    )
    assert f"emitted {EMITS}" in result.stdout
