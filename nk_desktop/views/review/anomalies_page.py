"""Bất thường: what the vice-principal reports to the principal (Điều 4.4), one sentence per finding."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from shiboken6 import isValid

from nk_desktop.actor import Actor
from nk_desktop.clock import today
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import review
from nk_desktop.services.review import Anomaly
from nk_desktop.text import fold
from nk_desktop.views.admin.grid import Column, Row, RowTableModel, make_table
from nk_desktop.views.common import BackgroundOperation
from nk_desktop.views.review.common import date_edit, edit_date, notice_label

COLUMNS = (Column(_("Loại")), Column(_("Nội dung"), tooltip=True))
MAX_SIZED_ROWS = 400  # rows sized to their wrapped sentence; beyond that a fixed height (TECH-NOTES "Grids")


def anomaly_row(found: Anomaly, position: int) -> Row:
    return Row((found.kind_label, found.sentence), (review.KIND_ORDER.index(found.kind), position),
               payload=found, search=fold(found.sentence))


class AnomaliesPage(QWidget):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.year_id: uuid.UUID | None = None
        self.found: list[Anomaly] = []
        self.operation: BackgroundOperation | None = None  # the check running, if any
        self._again = False  # the filters changed while it ran: check once more when it ends
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.kind_combo = QComboBox(self)
        self.kind_combo.addItem(_("Mọi loại"), None)
        for kind, label in review.KIND_LABELS.items():
            self.kind_combo.addItem(label, kind)
        self.date_edit = date_edit(self, today())
        self.check_button = QPushButton(_("Kiểm tra lại"), self)
        self.check_button.setAutoDefault(False)
        for text, widget in ((_("Loại:"), self.kind_combo), (_("Tính đến hết ngày:"), self.date_edit)):
            label = QLabel(text, self)
            label.setBuddy(widget)
            top.addWidget(label)
            top.addWidget(widget)
            top.addSpacing(6)
        top.addWidget(self.check_button)
        top.addStretch(1)
        self.count_label = QLabel(self)
        top.addWidget(self.count_label)
        layout.addLayout(top)
        self.notice = notice_label(self)
        layout.addWidget(self.notice)
        self.model = RowTableModel(COLUMNS, self)
        self.table = make_table(self.model, self, stretch=1)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().resizeSection(
            0, max(self.fontMetrics().horizontalAdvance(label) for label in review.KIND_LABELS.values()) + 24)
        layout.addWidget(self.table, 1)
        explain = QLabel(_(
            "Các trường hợp cần xem lại theo Điều 4.4: ô điểm bị sửa từ {n} lần trở lên, điểm bị xóa rồi nhập lại, "
            "lớp hoặc giáo viên có điểm trung bình lệch quá {gap} điểm so với cùng khối hoặc tỉ lệ Chưa hoàn thành "
            "gấp đôi (từ {cht} học sinh, khó là ngẫu nhiên), sửa dồn (từ {burst} ô trong 1 giờ) trong 24 giờ trước "
            "hạn, sửa trong 24 giờ sau khi mở khóa, và người sửa không phải giáo viên được phân công.").format(
            n=review.MANY_CHANGES, gap=review.number(review.MEAN_GAP), cht=review.MIN_CHT_PUPILS,
            burst=review.BURST_EDITS), self)
        explain.setWordWrap(True)
        layout.addWidget(explain)

        self.table.horizontalHeader().sectionResized.connect(self._fit_rows)
        self.kind_combo.currentIndexChanged.connect(self._show)
        self.check_button.clicked.connect(self.reload)
        self.date_edit.dateChanged.connect(self.reload)

    def set_year(self, year_id: uuid.UUID, milestone: str | None) -> None:
        self.year_id = year_id
        self.reload()

    @property
    def loading(self) -> bool:
        return self.operation is not None

    def reload(self) -> None:
        """Read the year's audit log and marks off the UI thread (about a second on a full year)."""
        if self.year_id is None:
            return
        if self.operation is not None:
            self._again = True
            return
        db, actor, year_id, day = self.db, self.actor, self.year_id, edit_date(self.date_edit)
        self.check_button.setEnabled(False)
        self.count_label.setText(_("Đang kiểm tra…"))
        self.operation = BackgroundOperation(
            self, lambda progress, cancelled: review.anomalies(db, actor, year_id, on=day),
            label=_("Đang rà soát nhật ký thay đổi và phổ điểm…"), on_success=self._loaded,
            on_failure=self._failed, cancellable=False)
        self.operation.finished.connect(self._ended)
        self.operation.start()

    def _loaded(self, found: list[Anomaly]) -> None:
        if not isValid(self):
            return
        self.found = found
        self.notice.hide()
        self._show()

    def _failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        self.found = []
        self.notice.setText(str(error) if isinstance(error, NKError) else _(
            "Không kiểm tra được: {e}").format(e=error))
        self.notice.show()
        self._show()

    def _ended(self) -> None:
        if not isValid(self):
            return
        self.operation = None
        self.check_button.setEnabled(True)
        if self._again:
            self._again = False
            self.reload()

    def _fit_rows(self, *_args) -> None:
        """Rows as tall as their wrapped sentence (the sentence column's width changes with the window)."""
        if self.model.rowCount() <= MAX_SIZED_ROWS:
            self.table.resizeRowsToContents()

    def _show(self) -> None:
        kind = self.kind_combo.currentData()
        shown = [a for a in self.found if kind is None or a.kind == kind]
        self.model.set_rows([anomaly_row(a, n) for n, a in enumerate(shown)])
        self._fit_rows()
        if not self.found:
            self.count_label.setText(_("Không có trường hợp bất thường."))
        else:
            self.count_label.setText(_("{n} trường hợp").format(n=len(shown)) if kind is None else
                                     _("{n}/{all} trường hợp").format(n=len(shown), all=len(self.found)))
