"""Long jobs (import, print-all, backup) off the UI thread: progress, cancel, callbacks on the UI thread.

The job is a plain callable ``work(progress, is_cancelled)`` that usually wraps one
service call.  It reports with ``progress(done, total, text="")`` (``total`` 0 means
"unknown": a busy bar), looks at ``is_cancelled()`` between steps and raises
``Cancelled`` to stop.  What it returns goes to ``on_success`` on the UI thread; an
exception goes to ``on_failure`` (by default one message box with the error's text).
Each job should open its own database session: sessions are not shared between threads.

    BackgroundOperation(self, lambda progress, cancelled: import_pupils(db, actor, path, progress),
                        label=_("Đang nhập danh sách học sinh…"), on_success=self.reload).start()
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QPushButton, QWidget
from shiboken6 import isValid

from nk_desktop.i18n import _
from nk_desktop.views.common import messages

Progress = Callable[..., None]  # progress(done: int, total: int = 0, text: str = "")
Work = Callable[[Progress, Callable[[], bool]], Any]

_RUNNING: set[BackgroundOperation] = set()  # keeps each operation alive until its job has ended


class Cancelled(Exception):
    """Raised by a job that saw ``is_cancelled()``: the operation ends quietly, without success or error."""


class _Signals(QObject):
    """Emitted from the worker thread; delivered (queued) on the UI thread."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()


def _run(work: Work, signals: _Signals, cancel_event: threading.Event) -> None:
    def progress(done: int, total: int = 0, text: str = "") -> None:
        signals.progressed.emit(int(done), int(total), str(text))

    try:
        result = work(progress, cancel_event.is_set)
    except Cancelled:
        signals.cancelled.emit()
    except Exception as error:  # every failure reaches the UI thread as one message
        signals.failed.emit(error)
    else:
        signals.succeeded.emit(result)


class BackgroundOperation(QObject):
    """One run of *work* on the thread pool, with a progress dialog over *parent*."""

    finished = Signal()  # after the success / failure / cancel callback has run

    def __init__(self, parent: QWidget | None, work: Work, *, label: str,
                 on_success: Callable[[Any], None] | None = None,
                 on_failure: Callable[[BaseException], None] | None = None,
                 on_cancelled: Callable[[], None] | None = None,
                 cancellable: bool = True, show_progress: bool = True,
                 pool: QThreadPool | None = None):
        super().__init__()  # no Qt parent: the operation outlives its widget if the window closes mid-job
        self._parent = parent
        self._work = work
        self._on_success = on_success
        self._on_failure = on_failure
        self._on_cancelled = on_cancelled
        self._pool = pool or QThreadPool.globalInstance()
        self._cancel_event = threading.Event()
        self._signals = _Signals()
        self._signals.progressed.connect(self._progressed)
        self._signals.succeeded.connect(self._succeeded)
        self._signals.failed.connect(self._failed)
        self._signals.cancelled.connect(self._cancelled)
        self.running = False
        self.dialog: QProgressDialog | None = None
        if show_progress:
            self.dialog = self._make_dialog(label, cancellable)

    def _make_dialog(self, label: str, cancellable: bool) -> QProgressDialog:
        dialog = QProgressDialog(label, _("Hủy"), 0, 0, self._parent)
        dialog.setWindowTitle("NK Desktop")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)  # quick jobs finish without a flash of dialog
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        # Keep the dialog up, reading "Đang hủy…", until the job has actually stopped.
        dialog.canceled.disconnect(dialog.cancel)
        if cancellable:
            dialog.canceled.connect(self.cancel)
        else:
            dialog.setCancelButton(None)
        return dialog

    def start(self) -> BackgroundOperation:
        if self.running:
            raise RuntimeError("operation already running")
        self.running = True
        _RUNNING.add(self)
        work, signals, event = self._work, self._signals, self._cancel_event
        self._pool.start(lambda: _run(work, signals, event))
        return self

    def cancel(self) -> None:
        """Ask the job to stop; it does so the next time it looks at ``is_cancelled()``."""
        self._cancel_event.set()
        if self._dialog_alive():
            self.dialog.setLabelText(_("Đang hủy…"))
            button = self.dialog.findChild(QPushButton)
            if button is not None:
                button.setEnabled(False)

    @property
    def cancel_requested(self) -> bool:
        return self._cancel_event.is_set()

    # --- on the UI thread --------------------------------------------------------------

    def _dialog_alive(self) -> bool:
        return self.dialog is not None and isValid(self.dialog)

    def _parent_alive(self) -> bool:
        return self._parent is None or isValid(self._parent)

    def _progressed(self, done: int, total: int, text: str) -> None:
        if not self._dialog_alive():
            return
        if total > 0:
            self.dialog.setMaximum(total)
            self.dialog.setValue(max(0, min(done, total)))
        else:
            self.dialog.setMaximum(0)
        if text and not self._cancel_event.is_set():
            self.dialog.setLabelText(text)

    def _succeeded(self, result: Any) -> None:
        self._end()
        if self._on_success is not None and self._parent_alive():
            self._on_success(result)
        self.finished.emit()

    def _failed(self, error: BaseException) -> None:
        self._end()
        if self._on_failure is not None:
            self._on_failure(error)
        else:
            messages.show_error(self._parent if self._parent_alive() else None, error)
        self.finished.emit()

    def _cancelled(self) -> None:
        self._end()
        if self._on_cancelled is not None and self._parent_alive():
            self._on_cancelled()
        self.finished.emit()

    def _end(self) -> None:
        self.running = False
        _RUNNING.discard(self)
        if self._dialog_alive():
            self.dialog.blockSignals(True)
            self.dialog.hide()  # not close(): closing a QProgressDialog emits canceled
            self.dialog.deleteLater()
        self.dialog = None
