""""Theo tháng": the month as the paper roll book, its totals and rate, closing and the paper trail.

One ``month_view`` call per load: pupils × days (weekends and days off grey, the reason in
the tooltip; "-" greyed where the pupil was not in the class), then P / K / M for the month
(T), the term (HK) and the year (N).  The homeroom teacher confirms the month ("Chốt
tháng"); the office and the principal record the sheet's paper trail; the principal reopens
a month with a reason.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QPushButton, QVBoxLayout, QWidget

from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import attendance
from nk_desktop.services.attendance import PAPER_STEPS, STEP_ACTIONS, STEP_LABELS, MonthView
from nk_desktop.services.permissions import Action, Role, may
from nk_desktop.views.attendance.common import (
    Context, class_combo, labelled, make_table, month_combo, month_label, select_data,
)
from nk_desktop.views.attendance.models import MonthModel
from nk_desktop.views.common.widgets import show_notice

LEGEND = _("Trống: có mặt · P: vắng có phép · K: vắng không phép · M: đi muộn · “K/P”: sáng K, chiều P · "
           "“-”: chưa vào hoặc đã rời lớp · xám: ngày nghỉ · cộng (số buổi): T tháng, HK học kì, N cả năm")


def rate_text(view: MonthView) -> str:
    rate = _("chưa có buổi nào") if view.attendance_rate is None else \
        f"{view.attendance_rate:.1f}".replace(".", ",") + "%"
    return _("Tỉ lệ chuyên cần: {r} · Đã điểm danh {n} buổi · Sổ tháng: {s}").format(
        r=rate, n=view.sessions_taken, s=STEP_LABELS[view.state])


class MonthPage(QWidget):
    def __init__(self, context: Context, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.view: MonthView | None = None
        self.office = may(context.actor, Action.ROLL_PAPER) or may(context.actor, Action.ROLL_UNLOCK)
        self.may_reopen = may(context.actor, Action.ROLL_UNLOCK)
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.class_combo = class_combo(self.context, self)
        self.month_combo = month_combo(self.context, self)
        for text, widget in ((_("Lớp:"), self.class_combo), (_("Tháng:"), self.month_combo)):
            top.addWidget(labelled(text, widget, self))
            top.addWidget(widget)
            top.addSpacing(8)
        self.rate_label = QLabel(self)
        font = self.rate_label.font()
        font.setBold(True)
        self.rate_label.setFont(font)
        top.addWidget(self.rate_label, 1)
        layout.addLayout(top)

        self.notice_label = QLabel(self)
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        layout.addWidget(self.notice_label)

        self.model = MonthModel(self)
        self.table = make_table(self.model, self, extra_height=6)
        small = self.table.font()
        small.setPointSizeF(max(small.pointSizeF() - 1, 7))  # the roll book's small print: 31 days fit the screen
        self.table.setFont(small)
        self.table.horizontalHeader().setFont(small)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.setSelectionBehavior(self.table.SelectionBehavior.SelectItems)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        layout.addWidget(self.table, 1)
        legend = QLabel(LEGEND, self)
        legend.setWordWrap(True)
        legend.setStyleSheet("color: #555555;")
        layout.addWidget(legend)

        buttons = QHBoxLayout()
        self.confirm_button = QPushButton(_("Chốt tháng"), self)
        self.confirm_button.setToolTip(_("Giáo viên chủ nhiệm xác nhận sổ điểm danh tháng; sau đó chỉ Hiệu trưởng "
                                         "mở lại được."))
        buttons.addWidget(self.confirm_button)
        self.step_buttons: dict[str, QPushButton] = {}
        if self.office:
            buttons.addSpacing(16)
            buttons.addWidget(QLabel(_("Sổ giấy:"), self))
            for step in PAPER_STEPS[1:]:
                button = QPushButton(STEP_LABELS[step], self)
                button.setToolTip(_("Ghi nhận bước “{s}” của sổ điểm danh tháng này").format(s=STEP_LABELS[step]))
                button.clicked.connect(lambda _c=False, s=step: self.advance(s))
                self.step_buttons[step] = button
                buttons.addWidget(button)
        buttons.addStretch(1)
        self.reopen_button = QPushButton(_("Mở lại tháng…"), self)
        self.reopen_button.setVisible(self.may_reopen)
        buttons.addWidget(self.reopen_button)
        for button in (self.confirm_button, self.reopen_button, *self.step_buttons.values()):
            button.setAutoDefault(False)
        layout.addLayout(buttons)

        self.class_combo.currentIndexChanged.connect(lambda _i: self.load())
        self.month_combo.currentIndexChanged.connect(lambda _i: self.load())
        self.confirm_button.clicked.connect(self.confirm_month)
        self.reopen_button.clicked.connect(self.reopen)

    # --- loading ----------------------------------------------------------------------------

    def class_id(self) -> uuid.UUID | None:
        return self.class_combo.currentData()

    def month(self) -> str | None:
        return self.month_combo.currentData()

    def set_class(self, class_id: uuid.UUID) -> None:
        select_data(self.class_combo, class_id)

    def refresh(self) -> None:
        self.load()

    def load(self) -> None:
        """One ``month_view`` call for the chosen class and month."""
        self.view = None
        self._notice("")
        class_id, month = self.class_id(), self.month()
        if class_id is None or month is None:
            self._notice(_("Bạn không có lớp nào để xem trong năm học này."), error=False)
        else:
            try:
                self.view = attendance.month_view(self.context.db, self.context.actor, class_id, month)
            except NKError as error:
                self._notice(str(error))
        self.model.set_view(self.view)
        self._size_columns()
        self.rate_label.setText(rate_text(self.view) if self.view else "")
        self._update_buttons()

    def _size_columns(self) -> None:
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        # "K/P" fits; a rarer "M/K" loses a pixel at each edge (no elision: "…" would hide the marks).
        day = max(metrics.horizontalAdvance("K/P"), header.fontMetrics().horizontalAdvance("31")) + 6
        total = max(metrics.horizontalAdvance("00"), header.fontMetrics().horizontalAdvance("HK")) + 8
        header.resizeSection(0, metrics.horizontalAdvance("000") + 10)
        header.resizeSection(1, metrics.horizontalAdvance("Nguyễn Thị Phương Thảo") + 12)
        for column in range(2, self.model.columnCount()):
            is_day = column < self.model.first_day_column + self.model.day_count
            header.resizeSection(column, day if is_day else total)

    def _homeroom(self) -> bool:
        """Whether the actor is this class's homeroom teacher (the services check again)."""
        actor = self.context.actor
        if actor.is_system:
            return True
        own = self.context.own_class_id()
        return actor.has(Role.GV_CHU_NHIEM.value) and own is not None and own == self.class_id()

    def _update_buttons(self) -> None:
        view = self.view
        state = view.state if view else "open"
        self.confirm_button.setVisible(self._homeroom())
        self.confirm_button.setEnabled(view is not None and state == "open")
        following = PAPER_STEPS[PAPER_STEPS.index(state) + 1] if state in PAPER_STEPS[:-1] else None
        for step, button in self.step_buttons.items():
            done = state in PAPER_STEPS and PAPER_STEPS.index(state) >= PAPER_STEPS.index(step)
            button.setText(("✓ " if done else "") + STEP_LABELS[step])
            button.setEnabled(view is not None and step == following and may(self.context.actor, STEP_ACTIONS[step]))
        self.reopen_button.setEnabled(view is not None and state != "open")

    def _notice(self, text: str, *, error: bool = True) -> None:
        show_notice(self.notice_label, text, error=error)

    # --- actions ---------------------------------------------------------------------------------

    def _run(self, action, done: str) -> bool:
        try:
            action()
        except NKError as error:
            self.load()
            self._notice(str(error))
            return False
        self.load()
        self._notice(done, error=False)
        return True

    def confirm_month(self) -> bool:
        class_id, month = self.class_id(), self.month()
        if class_id is None or month is None:
            return False
        name = self.context.class_name(class_id)
        question = _("Chốt sổ điểm danh lớp {c}, {m}? Sau khi chốt, muốn sửa phải đề nghị Hiệu trưởng mở lại.").format(
            c=name, m=month_label(month).lower())
        if not self.context.confirm(self, question):
            return False
        return self._run(lambda: attendance.confirm_month(self.context.db, self.context.actor, class_id, month,
                                                          on=self.context.today()),
                         _("Đã chốt sổ điểm danh lớp {c}, {m}.").format(c=name, m=month_label(month).lower()))

    def advance(self, step: str) -> bool:
        class_id, month = self.class_id(), self.month()
        if class_id is None or month is None:
            return False
        return self._run(lambda: attendance.advance_paper(self.context.db, self.context.actor, class_id, month, step),
                         _("Đã ghi nhận: {s}.").format(s=STEP_LABELS[step]))

    def reopen(self) -> bool:
        class_id, month = self.class_id(), self.month()
        if class_id is None or month is None:
            return False
        reason = self.context.ask_text(self, _("Mở lại tháng"), _("Lí do mở lại sổ điểm danh lớp {c}, {m}:").format(
            c=self.context.class_name(class_id), m=month_label(month).lower()))
        if reason is None:
            return False
        return self._run(lambda: attendance.reopen_month(self.context.db, self.context.actor, class_id, month, reason),
                         _("Đã mở lại {m}; giáo viên chủ nhiệm sửa được điểm danh.").format(
                             m=month_label(month).lower()))
