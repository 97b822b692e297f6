"""The pupil list import, as the teacher sees it: the dry run row by row, then "Nhập" for real.

The tab reads and plans the file in the background (``plan_in_background``) and opens
``ImportPreviewDialog`` with the plan: counts, one line per row (new / updated / unchanged /
error with the reason), "Lưu các dòng lỗi…" (a copy of the file with a "Lỗi" column) and
"Nhập", which runs ``apply_import`` in the background: all rows or none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget,
)

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.exchange import pupils as exchange
from nk_desktop.i18n import _
from nk_desktop.views.common import BackgroundOperation, Cancelled
from nk_desktop.views.common.widgets import bold_label, report_table
from nk_desktop.views.pupils.form import ERROR_STYLE

AskPath = Callable[[QWidget | None, str, str], str]  # (parent, title, suggested) -> path or ""

HEADERS = (_("Dòng"), _("Họ và tên"), _("Lớp"), _("Kết quả"), _("Chi tiết"))
_STATUS_COLOURS = {"new": "#1b5e20", "updated": "#0d47a1", "unchanged": "#616161", "error": "#b00020"}


def plan_in_background(parent: QWidget, db: Database, actor: Actor, path: str, year_id, class_id, *,
                       on_success: Callable[[exchange.ImportPlan], None],
                       on_failure: Callable[[BaseException], None], class_name: str = "",
                       school_wide: bool = False) -> BackgroundOperation:
    """Read *path* and plan its import off the UI thread (progress, cancel); nothing is written.

    Rows go into the class *class_id*; with *school_wide* (who may import into every class) a
    file whose "Lớp" column names other classes (a whole-school list) goes into those classes.
    """

    def work(progress, cancelled) -> exchange.ImportPlan:
        progress(0, 2, _("Đang đọc tệp {name}…").format(name=Path(path).name))
        parsed = exchange.read_pupil_file(path)
        if cancelled():
            raise Cancelled()
        progress(1, 2, _("Đang kiểm tra {n} dòng…").format(n=len(parsed.rows)))
        named = {row.class_name for row in parsed.rows if row.class_name}
        target = None if school_wide and named - {class_name} else class_id
        plan = exchange.plan_import(db, actor, parsed, year_id, target)
        if cancelled():
            raise Cancelled()
        progress(2, 2)
        return plan

    return BackgroundOperation(parent, work, label=_("Đang đọc danh sách học sinh…"), on_success=on_success,
                               on_failure=on_failure).start()


def counts_line(plan: exchange.ImportPlan) -> str:
    counts = plan.counts
    return _("{total} dòng: thêm mới {new}, cập nhật {updated}, không đổi {unchanged}, lỗi {error}.").format(
        total=len(plan.rows), **counts)


class PlanTableModel(QAbstractTableModel):
    """The plan's rows as text (computed once); the result column coloured by status."""

    def __init__(self, plan: exchange.ImportPlan, parent: QWidget | None = None):
        super().__init__(parent)
        self._all = [(row, (str(row.row), row.name, row.class_name, row.status_label, row.reason)) for row in plan.rows]
        self._rows = self._all
        self._brushes = {status: QBrush(QColor(colour)) for status, colour in _STATUS_COLOURS.items()}

    def set_errors_only(self, on: bool) -> None:
        self.beginResetModel()
        self._rows = [item for item in self._all if item[0].status == "error"] if on else self._all
        self.endResetModel()

    def status_at(self, position: int) -> str:
        return self._rows[position][0].status

    def texts(self, column: int) -> list[str]:
        return [texts[column] for _row, texts in self._rows]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, texts = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return texts[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 3:
            return self._brushes[row.status]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None


class ImportPreviewDialog(QDialog):
    """The dry run of one file; "Nhập" writes it (all rows or none), "Lưu các dòng lỗi…" saves the error copy."""

    def __init__(self, db: Database, actor: Actor, plan: exchange.ImportPlan, *, target: str,
                 ask_save_path: AskPath, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor, self.plan, self.ask_save_path = db, actor, plan, ask_save_path
        self.operation: BackgroundOperation | None = None
        self.result_counts: dict[str, int] | None = None
        self.setWindowTitle(_("Nhập danh sách học sinh — xem trước"))
        self.resize(980, 620)
        layout = QVBoxLayout(self)
        parsed = plan.parsed
        about = QLabel(_("Tệp: {name} · trang tính “{sheet}” · tiêu đề cột ở dòng {row} · nhập vào: {target}").format(
            name=parsed.path.name, sheet=parsed.sheet, row=parsed.header_row, target=target), self)
        about.setWordWrap(True)
        layout.addWidget(about)
        if parsed.ignored:
            ignored = QLabel(_("Các cột không nhập: {columns}.").format(columns=", ".join(parsed.ignored)), self)
            ignored.setWordWrap(True)
            layout.addWidget(ignored)
        self.counts_label = bold_label(counts_line(plan), self)
        layout.addWidget(self.counts_label)

        self.model = PlanTableModel(plan, self)
        self.table = report_table(self.model, HEADERS, ("00000", "Nguyễn Thị Phương Thảo", "4A", "Không đổi"), self)
        layout.addWidget(self.table, 1)

        self.errors_only = QCheckBox(_("Chỉ hiện các dòng lỗi"), self)
        self.errors_only.setEnabled(bool(plan.errors))
        self.errors_only.toggled.connect(self.model.set_errors_only)
        layout.addWidget(self.errors_only)
        self.notice_label = QLabel(self)
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        layout.addWidget(self.notice_label)

        buttons = QHBoxLayout()
        self.save_errors_button = QPushButton(_("Lưu các dòng lỗi…"), self)
        self.save_errors_button.setEnabled(bool(plan.errors))
        self.save_errors_button.clicked.connect(self.save_errors)
        buttons.addWidget(self.save_errors_button)
        buttons.addStretch(1)
        box = QDialogButtonBox(self)
        self.import_button = box.addButton(_("Nhập"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = box.addButton(_("Đóng"), QDialogButtonBox.ButtonRole.RejectRole)
        box.rejected.connect(self.reject)
        self.import_button.clicked.connect(self.run_import)
        buttons.addWidget(box)
        layout.addLayout(buttons)
        counts = plan.counts
        writes = counts["new"] + counts["updated"]
        self.import_button.setEnabled(not plan.errors and writes > 0)
        if plan.errors:
            self._notice(_("Có {n} dòng lỗi: chưa nhập được dòng nào. Hãy sửa tệp (có thể lưu bản có cột “Lỗi”) "
                           "rồi nhập lại.").format(n=len(plan.errors)))
        elif not writes:
            self._notice(_("Tệp không có gì mới so với dữ liệu đã có."), error=False)
        if plan.errors:
            self.errors_only.setChecked(True)

    def _notice(self, text: str, *, error: bool = True) -> None:
        self.notice_label.setText(text)
        self.notice_label.setStyleSheet(ERROR_STYLE if error else "")
        self.notice_label.setVisible(bool(text))

    def save_errors(self) -> str:
        """Ask where, then write the copy of the file with the "Lỗi" column; returns the path ("" if none)."""
        source = self.plan.parsed.path
        suggested = str(source.with_name(f"{source.stem}-loi{source.suffix}"))
        path = self.ask_save_path(self, _("Lưu tệp có cột “Lỗi”"), suggested)
        if not path:
            return ""
        try:
            exchange.write_error_copy(source, self.plan, path)
        except NKError as error:
            self._notice(str(error))
            return ""
        self._notice(_("Đã lưu {n} dòng lỗi vào {path}.").format(n=len(self.plan.errors), path=path), error=False)
        return path

    def run_import(self) -> BackgroundOperation | None:
        """The real run in the background, all rows or none; the dialog closes (accepted) when it is done."""
        if not self.import_button.isEnabled():
            return None
        self.import_button.setEnabled(False)
        self.close_button.setEnabled(False)
        db, actor, plan = self.db, self.actor, self.plan

        def work(progress, _cancelled) -> dict[str, int]:
            progress(0, 0, _("Đang ghi {n} học sinh…").format(n=plan.counts["new"] + plan.counts["updated"]))
            return exchange.apply_import(db, actor, plan)

        self.operation = BackgroundOperation(
            self, work, label=_("Đang nhập danh sách học sinh…"), cancellable=False,
            on_success=self._imported, on_failure=self._refused)
        return self.operation.start()

    def _imported(self, counts: dict[str, int]) -> None:
        self.result_counts = counts
        self.accept()

    def _refused(self, error: BaseException) -> None:
        self.close_button.setEnabled(True)
        if isinstance(error, exchange.ImportRefused):
            self.plan = error.plan
            self.model = PlanTableModel(error.plan, self)
            self.table.setModel(self.model)
            self.errors_only.toggled.disconnect()
            self.errors_only.toggled.connect(self.model.set_errors_only)
            self.counts_label.setText(counts_line(error.plan))
            self.save_errors_button.setEnabled(True)
        self._notice(str(error) if isinstance(error, NKError) else _("Lỗi không mong đợi: {e}").format(e=error))
