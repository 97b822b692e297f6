""""Sổ giấy": where each class's printed roll sheet of a month is (Điều 12.1), late ones in red.

For the office and the principal: one ``paper_trail`` call per load; the button records the
selected class's next step (printing, the teacher's signature, receipt, the principal's
signature, binding), each by the role the regulation names.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import attendance
from nk_desktop.services.attendance import PAPER_STEPS, STEP_ACTIONS, STEP_LABELS, PaperRow
from nk_desktop.services.permissions import may
from nk_desktop.views.attendance.common import (
    ERROR_STYLE, Context, labelled, make_table, month_combo, month_label, set_widths,
)
from nk_desktop.views.attendance.models import ListModel, ListRow
from nk_desktop.views.common.widgets import show_notice

COLUMNS = (_("Lớp"), _("Bước hiện tại"), _("Bước tiếp theo"), _("Hạn"))


def default_month(today: dt.date) -> str:
    """The month whose sheet is in play: this one on its last day, else the one before."""
    last_day = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    day = today if today == last_day else today.replace(day=1) - dt.timedelta(days=1)
    return f"{day.year:04d}-{day.month:02d}"


def next_step(state: str) -> str | None:
    if state not in PAPER_STEPS or state == PAPER_STEPS[-1]:
        return None
    return PAPER_STEPS[PAPER_STEPS.index(state) + 1]


def late_text(row: PaperRow) -> str:
    if not row.late:
        return ""
    return _("Trễ: GVCN chưa chốt") if row.state == "open" else _("Trễ: chưa in (hạn tuần đầu tháng sau)")


class PaperPage(QWidget):
    def __init__(self, context: Context, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.month_combo = month_combo(self.context, self, default_month(self.context.today()))
        top.addWidget(labelled(_("Tháng:"), self.month_combo, self))
        top.addWidget(self.month_combo)
        top.addSpacing(12)
        self.count_label = QLabel(self)
        top.addWidget(self.count_label, 1)
        layout.addLayout(top)
        self.notice_label = QLabel(self)
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        layout.addWidget(self.notice_label)
        self.model = ListModel(COLUMNS, self)
        self.table = make_table(self.model, self, stretch=3)
        set_widths(self.table, {0: "00000", 1: "Văn phòng đã nhận", 2: "Văn phòng đã nhận"})
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.step_button = QPushButton(_("Ghi nhận bước tiếp theo"), self)
        self.step_button.setAutoDefault(False)
        buttons.addWidget(self.step_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.month_combo.currentIndexChanged.connect(lambda _i: self.load())
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_button())
        self.step_button.clicked.connect(self.advance)

    def month(self) -> str | None:
        return self.month_combo.currentData()

    def refresh(self) -> None:
        self.load()

    def load(self, keep: str | None = None) -> None:
        """One ``paper_trail`` call for the chosen month."""
        self._notice("")
        selected = keep or self._selected_name()
        rows: list[PaperRow] = []
        if self.context.year is not None and self.month():
            try:
                rows = attendance.paper_trail(self.context.db, self.context.actor, self.context.year.id,
                                              self.month(), on=self.context.today())
            except NKError as error:
                self._notice(str(error))
        self.model.set_rows([ListRow((r.class_name, r.state_label,
                                      STEP_LABELS[n] if (n := next_step(r.state)) else "", late_text(r)),
                                     r, r.late) for r in rows])
        late = [r.class_name for r in rows if r.late]
        self.count_label.setText(_("{m}: {n} lớp, {late} lớp trễ hạn{names}").format(
            m=month_label(self.month()) if self.month() else "", n=len(rows), late=len(late),
            names=f" ({', '.join(late)})" if late else ""))
        self.count_label.setStyleSheet(ERROR_STYLE if late else "")
        if selected:
            for n, row in enumerate(rows):
                if row.class_name == selected:
                    self.table.selectRow(n)
        self._update_button()

    def _selected_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        row = self.model.row_at(rows[0].row()) if rows else None
        return row.payload.class_name if row else None

    def selected(self) -> PaperRow | None:
        rows = self.table.selectionModel().selectedRows()
        row = self.model.row_at(rows[0].row()) if rows else None
        return row.payload if row else None

    def _update_button(self) -> None:
        row = self.selected()
        step = next_step(row.state) if row else None
        if row is None:
            self.step_button.setText(_("Ghi nhận bước tiếp theo"))
        elif row.state == "open":
            self.step_button.setText(_("Lớp {c}: chờ GVCN chốt tháng").format(c=row.class_name))
        elif step is None:
            self.step_button.setText(_("Lớp {c}: đã đóng tập").format(c=row.class_name))
        else:
            self.step_button.setText(_("Lớp {c}: ghi nhận “{s}”").format(c=row.class_name, s=STEP_LABELS[step]))
        self.step_button.setEnabled(step is not None and may(self.context.actor, STEP_ACTIONS[step]))

    def advance(self) -> bool:
        row, month = self.selected(), self.month()
        step = next_step(row.state) if row else None
        if row is None or step is None or month is None:
            return False
        try:
            attendance.advance_paper(self.context.db, self.context.actor, row.class_id, month, step)
        except NKError as error:
            self.load(row.class_name)
            self._notice(str(error))
            return False
        self.load(row.class_name)
        self._notice(_("Lớp {c}: đã ghi nhận “{s}”.").format(c=row.class_name, s=STEP_LABELS[step]), error=False)
        return True

    def _notice(self, text: str, *, error: bool = True) -> None:
        show_notice(self.notice_label, text, error=error)
