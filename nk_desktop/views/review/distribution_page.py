"""Phổ điểm: score counts 0–10 and levels for the school (or a grade) and each class or teacher, with a chart."""

from __future__ import annotations

import uuid

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import review
from nk_desktop.services.review import Counts, Distribution
from nk_desktop.views.admin.grid import Column, Row, RowTableModel, make_table, selected_row, text_key
from nk_desktop.views.review.common import data_index, grade_combo, milestone_combo, notice_label

COLUMNS = (
    (Column(_("Đối tượng")), Column(_("Số bài"), align_right=True))
    + tuple(Column(str(score), align_right=True) for score in review.SCORE_RANGE)
    + (Column(_("TB"), align_right=True), Column(_("T"), align_right=True), Column(_("H"), align_right=True),
       Column(_("C"), align_right=True), Column(_("HT trở lên"), align_right=True))
)
LEVEL_NAMES = (_("Hoàn thành tốt"), _("Hoàn thành"), _("Chưa hoàn thành"))
BASE_COLOUR = QColor("#9e9e9e")
ROW_COLOUR = QColor("#1f6fb2")


def counts_row(counts: Counts, position: int) -> Row:
    mean = "" if counts.mean is None else review.number(counts.mean)
    share = "" if counts.share_completed is None else review.percent(counts.share_completed)
    cells = ((counts.label, str(counts.scored)) + tuple(str(n) if n else "·" for n in counts.scores)
             + (mean, *(str(n) for n in counts.levels), share))
    keys = ((position, text_key(counts.label)), counts.scored, *counts.scores, counts.mean or -1, *counts.levels,
            counts.share_completed or -1)
    tooltips = ("", "") + tuple(
        _("{n} bài điểm {s} ({p})").format(n=n, s=s, p=review.percent(counts.share_of_score(s))) if n else ""
        for s, n in enumerate(counts.scores)) + ("",) * 5
    return Row(cells, keys, payload=counts, tooltips=tooltips)


class SpectrumChart(QChartView):
    """Bars of the base's spectrum (grey) beside the chosen row's (blue), in % so sizes compare."""

    def __init__(self, parent: QWidget | None = None):
        self.chart_ = QChart()
        super().__init__(self.chart_, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart_.setMargins(QMargins(4, 4, 4, 4))
        self.chart_.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.categories: list[str] = []
        self.series: list[tuple[str, list[float]]] = []

    def show_counts(self, base: Counts, other: Counts | None) -> None:
        chart = self.chart_
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        by_score = base.scored > 0 or (other is not None and other.scored > 0)
        if by_score:
            chart.setTitle(_("Phổ điểm kiểm tra định kì (tỉ lệ % số bài)"))
            self.categories = [str(s) for s in review.SCORE_RANGE]
            values = lambda c: [100 * c.share_of_score(s) for s in review.SCORE_RANGE]  # noqa: E731
        else:
            chart.setTitle(_("Mức đánh giá (tỉ lệ % học sinh)"))
            self.categories = list(LEVEL_NAMES)
            values = lambda c: [100 * n / c.assessed if c.assessed else 0 for n in c.levels]  # noqa: E731
        series = QBarSeries()
        self.series = []
        for counts, colour in ((base, BASE_COLOUR), (other, ROW_COLOUR)):
            if counts is None:
                continue
            bars = QBarSet(counts.label)
            bars.setColor(colour)
            bars.setBorderColor(colour)
            numbers = values(counts)
            bars.append(numbers)
            series.append(bars)
            self.series.append((counts.label, numbers))
        chart.addSeries(series)
        x_axis = QBarCategoryAxis()
        x_axis.append(self.categories)
        y_axis = QValueAxis()
        top = max([v for _l, numbers in self.series for v in numbers] + [10])
        y_axis.setRange(0, min(100, (int(top) // 10 + 1) * 10))
        y_axis.setLabelFormat("%d%%")
        y_axis.setTickCount(6)
        font = QFont(self.font())
        for axis in (x_axis, y_axis):
            axis.setLabelsFont(font)
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x_axis)
        series.attachAxis(y_axis)
        chart.legend().setFont(font)
        title = QFont(font)
        title.setBold(True)
        chart.setTitleFont(title)


class DistributionPage(QWidget):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.year_id: uuid.UUID | None = None
        self.result: Distribution | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.milestone_combo = milestone_combo(self, whole_year=True)
        self.subject_combo = QComboBox(self)
        self.subject_combo.setMinimumContentsLength(16)
        self.grade_combo = grade_combo(self, _("Toàn trường"))
        self.compare_combo = QComboBox(self)
        self.compare_combo.addItem(_("các lớp"), "class")
        self.compare_combo.addItem(_("các giáo viên"), "teacher")
        for text, widget in ((_("Thời điểm:"), self.milestone_combo), (_("Môn:"), self.subject_combo),
                             (_("Phạm vi:"), self.grade_combo), (_("So sánh:"), self.compare_combo)):
            label = QLabel(text, self)
            label.setBuddy(widget)
            top.addWidget(label)
            top.addWidget(widget)
            top.addSpacing(6)
        top.addStretch(1)
        layout.addLayout(top)
        self.notice = notice_label(self)
        layout.addWidget(self.notice)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.model = RowTableModel(COLUMNS, self)
        self.table = make_table(self.model, splitter, stretch=0)
        self.chart = SpectrumChart(splitter)
        self.chart.setMinimumHeight(220)
        splitter.addWidget(self.table)
        splitter.addWidget(self.chart)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([320, 400])
        layout.addWidget(splitter, 1)
        self.hint = QLabel(_("Chọn một dòng để so sánh với mặt bằng chung (cột xám) trên biểu đồ."), self)
        layout.addWidget(self.hint)
        self._set_widths()

        self.milestone_combo.currentIndexChanged.connect(self.reload)
        self.subject_combo.currentIndexChanged.connect(self.reload)
        self.grade_combo.currentIndexChanged.connect(self.reload)
        self.compare_combo.currentIndexChanged.connect(self._show)
        self.table.selectionModel().selectionChanged.connect(self._draw)

    def _set_widths(self) -> None:
        metrics = self.fontMetrics()
        header = self.table.horizontalHeader()
        header.resizeSection(0, metrics.horizontalAdvance("Nguyễn Thị Phương Thảo") + 18)
        header.resizeSection(1, metrics.horizontalAdvance("Số bài 0") + 12)
        for column in range(2, 13):
            header.resizeSection(column, metrics.horizontalAdvance("0000") + 10)
        for column, sample in ((13, "TB 0"), (14, "0000"), (15, "0000"), (16, "0000"), (17, "HT trở lên")):
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 14)

    def set_year(self, year_id: uuid.UUID, milestone: str | None) -> None:
        self.year_id = year_id
        for combo in (self.milestone_combo, self.subject_combo):
            combo.blockSignals(True)
        try:
            chosen = self.subject_combo.currentData()
            self.subject_combo.clear()
            self.subject_combo.addItem(_("Mọi môn"), None)
            try:
                for subject_id, name in review.subject_choices(self.db, self.actor, year_id):
                    self.subject_combo.addItem(name, subject_id)
            except NKError:
                pass
            self.subject_combo.setCurrentIndex(max(data_index(self.subject_combo, chosen), 0))
            if milestone is not None:
                self.milestone_combo.setCurrentIndex(max(data_index(self.milestone_combo, milestone), 0))
        finally:
            for combo in (self.milestone_combo, self.subject_combo):
                combo.blockSignals(False)
        self.reload()

    def choose(self, *, milestone: str | None = ..., subject_id: uuid.UUID | None = ..., grade: int | None = ...,
               compare: str | None = None) -> None:
        """Set several filters and load once (tests, screenshots, links from other pages)."""
        widgets = (self.milestone_combo, self.subject_combo, self.grade_combo, self.compare_combo)
        for widget in widgets:
            widget.blockSignals(True)
        for combo, value in ((self.milestone_combo, milestone), (self.subject_combo, subject_id),
                             (self.grade_combo, grade), (self.compare_combo, compare)):
            if value is not ... and (combo is not self.compare_combo or value is not None):
                combo.setCurrentIndex(max(data_index(combo, value), 0))
        for widget in widgets:
            widget.blockSignals(False)
        self.reload()

    def reload(self) -> None:
        if self.year_id is None:
            return
        try:
            self.result = review.distribution(self.db, self.actor, self.year_id, self.milestone_combo.currentData(),
                                              subject_id=self.subject_combo.currentData(),
                                              grade=self.grade_combo.currentData())
        except NKError as error:
            self.result = None
            self.notice.setText(str(error))
            self.notice.show()
        else:
            self.notice.hide()
        self._show()

    def _show(self) -> None:
        result = self.result
        if result is None:
            self.model.set_rows([])
            return
        others = result.classes if self.compare_combo.currentData() == "class" else result.teachers
        self.model.set_rows([counts_row(result.school, 0)] + [counts_row(c, n) for n, c in enumerate(others, 1)])
        self.table.selectRow(1 if others else 0)
        self._draw()

    def _draw(self, *_args) -> None:
        if self.result is None:
            return
        row = selected_row(self.table)
        chosen = self.model.payload(row) if row > 0 else None
        self.chart.show_counts(self.result.school, chosen)
