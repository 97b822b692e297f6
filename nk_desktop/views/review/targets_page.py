"""Chỉ tiêu tổ (Điều 5.3): each group's target share at Hoàn thành or above, and where it is missed."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import (
    QComboBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services import review
from nk_desktop.services.review import TargetMiss, TargetRow
from nk_desktop.text import fold
from nk_desktop.views.admin.grid import Column, Row, RowTableModel, make_table, selected_row, text_key
from nk_desktop.views.review.common import ERROR_STYLE, data_index, milestone_combo, notice_label

TARGET_COLUMNS = (Column(_("Tổ")), Column(_("Môn")), Column(_("Thời điểm")),
                  Column(_("Chỉ tiêu HT trở lên"), align_right=True))
MISS_COLUMNS = (Column(_("Tổ")), Column(_("Lớp")), Column(_("Môn")), Column(_("Giáo viên")),
                Column(_("HT trở lên"), align_right=True), Column(_("Tỉ lệ"), align_right=True),
                Column(_("Chỉ tiêu"), align_right=True))
_MILESTONE_RANK = {m: n for n, m in enumerate(rules.MILESTONES)}


def target_row(target: TargetRow) -> Row:
    cells = (target.group_name, target.subject_name, rules.MILESTONE_NAMES[target.milestone],
             f"{target.min_share_completed}%")
    keys = (text_key(target.group_name), text_key(target.subject_name), _MILESTONE_RANK[target.milestone],
            target.min_share_completed)
    return Row(cells, keys, payload=target)


def miss_row(miss: TargetMiss) -> Row:
    cells = (miss.group_name, miss.class_name, miss.subject_name, miss.teacher_name,
             f"{miss.completed}/{miss.assessed}", review.percent(miss.share), f"{miss.target}%")
    keys = (text_key(miss.group_name), (len(miss.class_name), miss.class_name), text_key(miss.subject_name),
            text_key(miss.teacher_name), miss.completed, miss.share, miss.target)
    return Row(cells, keys, payload=miss, search=fold(miss.sentence), tooltips=(miss.sentence,) * len(cells))


class TargetsPage(QWidget):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.year_id: uuid.UUID | None = None
        layout = QVBoxLayout(self)

        self.form = QGroupBox(_("Đặt chỉ tiêu của tổ"), self)
        form = QHBoxLayout(self.form)
        self.group_combo = QComboBox(self.form)
        self.group_combo.setMinimumContentsLength(12)
        self.subject_combo = QComboBox(self.form)
        self.subject_combo.setMinimumContentsLength(16)
        self.form_milestone = milestone_combo(self.form)
        self.share_spin = QSpinBox(self.form)
        self.share_spin.setRange(0, 100)
        self.share_spin.setSuffix("%")
        self.share_spin.setValue(95)
        for text, widget in ((_("Tổ:"), self.group_combo), (_("Môn:"), self.subject_combo),
                             (_("Thời điểm:"), self.form_milestone), (_("HT trở lên ít nhất:"), self.share_spin)):
            label = QLabel(text, self.form)
            label.setBuddy(widget)
            form.addWidget(label)
            form.addWidget(widget)
            form.addSpacing(4)
        self.save_button = QPushButton(_("Lưu chỉ tiêu"), self.form)
        self.remove_button = QPushButton(_("Bỏ chỉ tiêu đang chọn"), self.form)
        for button in (self.save_button, self.remove_button):
            button.setAutoDefault(False)
            form.addWidget(button)
        form.addStretch(1)
        layout.addWidget(self.form)
        self.notice = notice_label(self)
        layout.addWidget(self.notice)

        self.targets_model = RowTableModel(TARGET_COLUMNS, self)
        self.targets_table = make_table(self.targets_model, self, stretch=1)
        layout.addWidget(self.targets_table, 2)

        head = QHBoxLayout()
        self.misses_title = QLabel(self)
        self.miss_milestone = milestone_combo(self)
        label = QLabel(_("Lớp, môn chưa đạt chỉ tiêu — thời điểm:"), self)
        label.setBuddy(self.miss_milestone)
        head.addWidget(label)
        head.addWidget(self.miss_milestone)
        head.addStretch(1)
        head.addWidget(self.misses_title)
        layout.addLayout(head)
        self.misses_model = RowTableModel(MISS_COLUMNS, self)
        self.misses_table = make_table(self.misses_model, self, stretch=3)
        layout.addWidget(self.misses_table, 3)
        self.sentence_label = QLabel(self)
        self.sentence_label.setWordWrap(True)
        layout.addWidget(self.sentence_label)
        self._set_widths()

        self.save_button.clicked.connect(self.save_target)
        self.remove_button.clicked.connect(self.remove_target)
        self.miss_milestone.currentIndexChanged.connect(self.load_misses)
        self.targets_table.selectionModel().selectionChanged.connect(self._target_picked)
        self.misses_table.selectionModel().selectionChanged.connect(self._miss_picked)

    def _set_widths(self) -> None:
        metrics = self.fontMetrics()
        header = self.targets_table.horizontalHeader()
        header.resizeSection(0, metrics.horizontalAdvance("Tổ chuyên biệt 00") + 18)
        header.resizeSection(2, metrics.horizontalAdvance("Giữa học kì II") + 24)
        header.resizeSection(3, metrics.horizontalAdvance("Chỉ tiêu HT trở lên") + 18)
        header = self.misses_table.horizontalHeader()
        for column, sample in ((0, "Tổ chuyên biệt 00"), (1, "Lớp 00"), (2, "Hoạt động trải nghiệm"),
                               (4, "HT trở lên"), (5, "100,0%"), (6, "Chỉ tiêu")):
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 18)

    def set_year(self, year_id: uuid.UUID, milestone: str | None) -> None:
        self.year_id = year_id
        self.group_combo.clear()
        self.subject_combo.clear()
        self.subject_combo.addItem(review.ALL_SUBJECTS, None)
        try:
            for group_id, name in review.review_groups(self.db, self.actor, year_id):
                self.group_combo.addItem(name, group_id)
            for subject_id, name in review.subject_choices(self.db, self.actor, year_id):
                self.subject_combo.addItem(name, subject_id)
        except NKError as error:
            self._warn(str(error))
        self.form.setEnabled(self.group_combo.count() > 0)
        self.form.setToolTip("" if self.group_combo.count() else
                             _("Chỉ Hiệu trưởng hoặc tổ trưởng chuyên môn được đặt chỉ tiêu của tổ."))
        if milestone is not None:
            for combo in (self.form_milestone, self.miss_milestone):
                combo.blockSignals(True)
                combo.setCurrentIndex(max(data_index(combo, milestone), 0))
                combo.blockSignals(False)
        self.reload()

    def reload(self) -> None:
        if self.year_id is None:
            return
        try:
            targets = review.list_targets(self.db, self.actor, self.year_id)
        except NKError as error:
            self._warn(str(error))
            targets = []
        self.targets_model.set_rows([target_row(t) for t in targets])
        self.load_misses()

    def load_misses(self) -> None:
        if self.year_id is None:
            return
        try:
            misses = review.missed_targets(self.db, self.actor, self.year_id, self.miss_milestone.currentData())
        except NKError as error:
            self._warn(str(error))
            misses = []
        self.misses_model.set_rows([miss_row(m) for m in misses])
        self.misses_title.setText(_("{n} trường hợp chưa đạt").format(n=len(misses)) if misses
                                  else _("Không có lớp nào dưới chỉ tiêu."))
        self.sentence_label.setText(misses[0].sentence if misses else "")
        if misses:
            self.misses_table.selectRow(0)

    def save_target(self) -> None:
        group_id = self.group_combo.currentData()
        if group_id is None or self.year_id is None:
            return
        try:
            review.set_target(self.db, self.actor, self.year_id, group_id, self.form_milestone.currentData(),
                              self.share_spin.value(), subject_id=self.subject_combo.currentData())
        except NKError as error:
            self._warn(str(error))
            return
        self.notice.hide()
        self.reload()

    def remove_target(self) -> None:
        target = self.targets_model.payload(selected_row(self.targets_table))
        if target is None or self.year_id is None:
            self._warn(_("Hãy chọn chỉ tiêu cần bỏ trong bảng."))
            return
        try:
            review.set_target(self.db, self.actor, self.year_id, target.group_id, target.milestone, None,
                              subject_id=target.subject_id)
        except NKError as error:
            self._warn(str(error))
            return
        self.notice.hide()
        self.reload()

    def _target_picked(self, *_args) -> None:
        """A target chosen in the table fills the form, so changing it is changing the number."""
        target = self.targets_model.payload(selected_row(self.targets_table))
        if target is None:
            return
        for combo, value in ((self.group_combo, target.group_id), (self.subject_combo, target.subject_id),
                             (self.form_milestone, target.milestone)):
            index = data_index(combo, value)
            if index >= 0:
                combo.setCurrentIndex(index)
        self.share_spin.setValue(target.min_share_completed)

    def _miss_picked(self, *_args) -> None:
        miss = self.misses_model.payload(selected_row(self.misses_table))
        self.sentence_label.setText(miss.sentence if miss else "")

    def _warn(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setStyleSheet(ERROR_STYLE)
        self.notice.show()
