"""Score sheets and the qualities and competencies sheet in Excel, from the Sổ điểm tab.

"Xuất phiếu điểm…" writes the grid shown (class × subject × milestone, or the homeroom class's
qualities and competencies), blank or filled, in the background.  "Nhập từ Excel…" runs the
import's dry run in the background (progress, Hủy) and opens ``SheetImportDialog``: one line per
row of the file (would change / unchanged / refused, with the reason) and the counts; "Nhập" then
runs the real import, all cells or none, in the background.  The services decide everything
(right, lock, deadline, validation, cells changed in the app since the export).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget,
)

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.i18n import _
from nk_desktop.exchange import scores, traits
from nk_desktop.views.common import BackgroundOperation, Cancelled
from nk_desktop.views.common.messages import error_text
from nk_desktop.views.common.widgets import bold_label, report_table
from nk_desktop.views.common.widgets import ERROR_STYLE

Report = scores.ImportReport | traits.ImportReport
HEADERS = (_("Dòng"), _("Học sinh"), _("Kết quả"), _("Chi tiết"))
STATUS = {"changed": _("Sẽ sửa"), "unchanged": _("Không đổi"), "error": _("Bị từ chối")}
_COLOURS = {"changed": "#0d47a1", "unchanged": "#616161", "error": "#b00020"}
OK_STYLE = "color: #1b5e20;"


def import_sheet(db: Database, actor: Actor, path: str, *, dry_run: bool, on) -> Report:
    """The file's import (a score sheet, a grade's test scores, or a qualities and competencies sheet)."""
    if traits.is_traits_sheet(path):
        return traits.import_traits_sheet(db, actor, path, dry_run=dry_run, on=on)
    return scores.import_score_sheet(db, actor, path, dry_run=dry_run, on=on)


def dry_run_in_background(parent: QWidget, db: Database, actor: Actor, path: str, on, *,
                          on_success: Callable[[Report], None],
                          on_failure: Callable[[BaseException], None]) -> BackgroundOperation:
    """Read *path* and check every cell through the services (nothing written), off the UI thread."""

    def work(progress, cancelled) -> Report:
        progress(0, 2, _("Đang đọc tệp {name}…").format(name=Path(path).name))
        if cancelled():
            raise Cancelled()
        report = import_sheet(db, actor, path, dry_run=True, on=on)
        if cancelled():
            raise Cancelled()
        progress(2, 2)
        return report

    return BackgroundOperation(parent, work, label=_("Đang kiểm tra tệp điểm…"), on_success=on_success,
                               on_failure=on_failure).start()


def counts(report: Report) -> dict[str, int]:
    found = {status: 0 for status in STATUS}
    for row in report.rows:
        found[row.status] += 1
    return found


def counts_line(report: Report) -> str:
    found = counts(report)
    return _("{total} dòng: sẽ sửa {changed} ({cells} ô), không đổi {unchanged}, bị từ chối {error}.").format(
        total=len(report.rows), cells=report.changed_cells, **found)


def _who(row, grade: bool) -> str:
    """"3. Nguyễn Văn An" (a grade sheet: "4A 3. Nguyễn Văn An")."""
    number = getattr(row, "number", "")
    place = getattr(row, "class_name", "") if grade else ""
    return " ".join(p for p in (place, f"{number}." if number else "", row.full_name) if p)


class ReportTableModel(QAbstractTableModel):
    """The report's rows as text (computed once), the result coloured by status."""

    def __init__(self, report: Report, parent: QWidget | None = None):
        super().__init__(parent)
        grade = getattr(report, "kind", "") == "grade"
        self._all = [(row.status, (str(row.row), _who(row, grade), STATUS[row.status], row.detail()))
                     for row in report.rows]
        self._rows = self._all
        self._brushes = {status: QBrush(QColor(colour)) for status, colour in _COLOURS.items()}

    def set_hide_unchanged(self, on: bool) -> None:
        self.beginResetModel()
        self._rows = [item for item in self._all if item[0] != "unchanged"] if on else self._all
        self.endResetModel()

    def status_at(self, position: int) -> str:
        return self._rows[position][0]

    def texts(self, position: int) -> tuple[str, ...]:
        return self._rows[position][1]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        status, texts = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return texts[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 2:
            return self._brushes[status]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None


class SheetImportDialog(QDialog):
    """The dry run of one sheet; "Nhập" writes it (every cell or none) in the background."""

    def __init__(self, db: Database, actor: Actor, report: Report, on, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor, self.report, self.on = db, actor, report, on
        self.operation: BackgroundOperation | None = None
        self.applied: Report | None = None
        self.setWindowTitle(_("Nhập điểm từ Excel — xem trước"))
        self.resize(980, 600)
        layout = QVBoxLayout(self)
        about = QLabel(_("Tệp: {name} · {heading}").format(name=Path(report.path).name, heading=report.heading), self)
        about.setWordWrap(True)
        layout.addWidget(about)
        self.counts_label = bold_label(counts_line(report), self)
        layout.addWidget(self.counts_label)

        self.model = ReportTableModel(report, self)
        self.table = report_table(self.model, HEADERS, ("00000", "35. Nguyễn Thị Phương Thảo", "Bị từ chối"), self)
        layout.addWidget(self.table, 1)

        self.hide_unchanged = QCheckBox(_("Ẩn các dòng không đổi"), self)
        self.hide_unchanged.toggled.connect(self.model.set_hide_unchanged)
        layout.addWidget(self.hide_unchanged)
        if report.missing:
            missing = QLabel(_("Không có trong tệp (giữ nguyên): {names}.").format(names=", ".join(report.missing)),
                             self)
            missing.setWordWrap(True)
            layout.addWidget(missing)
        self.notice_label = QLabel(self)
        self.notice_label.setWordWrap(True)
        layout.addWidget(self.notice_label)

        box = QDialogButtonBox(self)
        self.import_button = box.addButton(_("Nhập"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = box.addButton(_("Đóng"), QDialogButtonBox.ButtonRole.RejectRole)
        box.rejected.connect(self.reject)
        self.import_button.clicked.connect(self.run_import)
        layout.addWidget(box)
        self.import_button.setEnabled(not report.refused and report.changed_cells > 0)
        if report.refused:
            self._notice(_("Có {n} ô bị từ chối: chưa nhập ô nào (nhập cả tệp hoặc không gì cả). Hãy sửa tệp "
                           "rồi nhập lại.").format(n=report.refused))
        elif not report.changed_cells:
            self._notice(_("Tệp không có gì khác với sổ điểm."), error=False)
        else:
            self._notice(_("Chạy thử: chưa ghi gì. Nhấn “Nhập” để ghi {n} ô.").format(n=report.changed_cells),
                         error=False)
        if report.refused or counts(report)["unchanged"] > 10:
            self.hide_unchanged.setChecked(True)

    def _notice(self, text: str, *, error: bool = True) -> None:
        self.notice_label.setText(text)
        self.notice_label.setStyleSheet(ERROR_STYLE if error else OK_STYLE)

    def run_import(self) -> BackgroundOperation | None:
        """The real run in the background (every cell or none); the dialog closes, accepted, when it is written."""
        if not self.import_button.isEnabled():
            return None
        self.import_button.setEnabled(False)
        self.close_button.setEnabled(False)
        db, actor, path, on, cells = self.db, self.actor, self.report.path, self.on, self.report.changed_cells

        def work(progress, _cancelled) -> Report:
            progress(0, 0, _("Đang ghi {n} ô…").format(n=cells))
            return import_sheet(db, actor, path, dry_run=False, on=on)

        self.operation = BackgroundOperation(self, work, label=_("Đang nhập điểm…"), cancellable=False,
                                             on_success=self._done, on_failure=self._failed)
        return self.operation.start()

    def _done(self, report: Report) -> None:
        if report.applied:
            self.applied = report
            self.accept()
            return
        self._show(report)  # refused on the real run (something changed since the dry run): nothing written
        self._notice(_("Không ghi gì: {n} ô bị từ chối.").format(n=report.refused) if report.refused
                     else _("Không có gì để ghi."))

    def _failed(self, error: BaseException) -> None:
        self.close_button.setEnabled(True)
        self._notice(error_text(error))

    def _show(self, report: Report) -> None:
        self.report = report
        self.model = ReportTableModel(report, self)
        self.table.setModel(self.model)
        self.hide_unchanged.toggled.disconnect()
        self.hide_unchanged.toggled.connect(self.model.set_hide_unchanged)
        self.model.set_hide_unchanged(self.hide_unchanged.isChecked())
        self.counts_label.setText(counts_line(report))
        self.close_button.setEnabled(True)
