""""Cảnh báo": pupils absent several school days in a row or above the principal's share, and the
classes that have not taken today's roll (for the principal and vice-principals).  One ``alerts`` call."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import attendance
from nk_desktop.services.attendance import Alert
from nk_desktop.views.attendance.common import ERROR_STYLE, Context, make_table, set_widths
from nk_desktop.views.attendance.models import ListModel, ListRow

KINDS = {"streak": _("Vắng liên tiếp"), "share": _("Vắng nhiều"), "no_roll": _("Chưa điểm danh")}
COLUMNS = (_("Loại"), _("Lớp"), _("Học sinh"), _("Nội dung"))


class AlertsPage(QWidget):
    def __init__(self, context: Context, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.count_label = QLabel(self)
        self.refresh_button = QPushButton(_("Làm mới"), self)
        self.refresh_button.setAutoDefault(False)
        top.addWidget(self.count_label, 1)
        top.addWidget(self.refresh_button)
        layout.addLayout(top)
        self.notice_label = QLabel(self)
        self.notice_label.setStyleSheet(ERROR_STYLE)
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        layout.addWidget(self.notice_label)
        self.model = ListModel(COLUMNS, self, centered=(1,))
        self.table = make_table(self.model, self, stretch=3)
        set_widths(self.table, {0: "Chưa điểm danh ··", 1: "000", 2: "Nguyễn Thị Phương Thảo"})
        layout.addWidget(self.table, 1)
        self.refresh_button.clicked.connect(self.load)

    def refresh(self) -> None:
        self.load()

    def load(self) -> None:
        found: list[Alert] = []
        self.notice_label.hide()
        if self.context.year is not None:
            try:
                found = attendance.alerts(self.context.db, self.context.actor, self.context.year.id,
                                          on=self.context.today())
            except NKError as error:
                self.notice_label.setText(str(error))
                self.notice_label.show()
        order = {"no_roll": 0, "streak": 1, "share": 2}
        found = sorted(found, key=lambda a: order.get(a.kind, 3))  # the day's missing rolls first; stable otherwise
        # A class without today's roll needs acting on today: in red.
        self.model.set_rows([ListRow((KINDS.get(a.kind, a.kind), a.class_name, a.pupil_name, a.text), a,
                                     a.kind == "no_roll") for a in found])
        counts = {kind: sum(1 for a in found if a.kind == kind) for kind in KINDS}
        today = self.context.today()
        self.count_label.setText(_("Ngày {d:%d/%m/%Y}: {s} học sinh vắng liên tiếp · {h} học sinh vắng nhiều · "
                                   "{n} lớp chưa điểm danh hôm nay").format(
            d=today, s=counts["streak"], h=counts["share"], n=counts["no_roll"]))
