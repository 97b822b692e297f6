""""Cảnh báo": pupils absent several school days in a row or above the principal's share, and the
classes that have not taken today's roll (for the principal and vice-principals).  One ``alerts`` call.

Above the list, the thresholds: the share of absent school days (%) and the streak length.  The
principal changes them ("Lưu ngưỡng", then the list is computed again); others read them."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import attendance
from nk_desktop.services.attendance import Alert
from nk_desktop.views.attendance.common import ERROR_STYLE, INFO_STYLE, Context, labelled, make_table, set_widths
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
        limits = QHBoxLayout()
        self.percent_spin = QSpinBox(self)
        self.percent_spin.setRange(1, 100)
        self.percent_spin.setSuffix(" %")
        self.streak_spin = QSpinBox(self)
        self.streak_spin.setRange(2, 30)
        self.streak_spin.setSuffix(_(" ngày"))
        self.save_limits_button = QPushButton(_("Lưu ngưỡng"), self)
        self.save_limits_button.setAutoDefault(False)
        self.limits_label = QLabel(self)
        self.limits_label.setStyleSheet(INFO_STYLE)
        limits.addWidget(labelled(_("Cảnh báo khi vắng quá:"), self.percent_spin, self))
        limits.addWidget(self.percent_spin)
        limits.addWidget(QLabel(_("số ngày học, hoặc vắng liên tiếp từ:"), self))
        limits.addWidget(self.streak_spin)
        limits.addWidget(self.save_limits_button)
        limits.addSpacing(8)
        limits.addWidget(self.limits_label, 1)
        layout.addLayout(limits)
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
        self.save_limits_button.clicked.connect(self.save_thresholds)
        self.percent_spin.valueChanged.connect(lambda _v: self._limits_changed())
        self.streak_spin.valueChanged.connect(lambda _v: self._limits_changed())
        self.thresholds: attendance.Thresholds | None = None

    def refresh(self) -> None:
        self.load()

    def _load_thresholds(self) -> None:
        self.thresholds = None
        if self.context.year is not None:
            try:
                self.thresholds = attendance.alert_thresholds(self.context.db, self.context.actor,
                                                              self.context.year.id)
            except NKError:
                pass  # the list below says why
        limits = self.thresholds
        for spin, value in ((self.percent_spin, limits.percent if limits else 20),
                            (self.streak_spin, limits.streak_days if limits else 3)):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        editable = bool(limits and limits.may_edit)
        for widget in (self.percent_spin, self.streak_spin):
            widget.setReadOnly(not editable)
            widget.setButtonSymbols(QSpinBox.ButtonSymbols.UpDownArrows if editable
                                    else QSpinBox.ButtonSymbols.NoButtons)
        self.save_limits_button.setVisible(editable)
        self.save_limits_button.setEnabled(False)
        self.limits_label.setText("" if editable else _("Hiệu trưởng đặt các ngưỡng này."))

    def _limits_changed(self) -> None:
        limits = self.thresholds
        self.save_limits_button.setEnabled(bool(limits and limits.may_edit and (
            self.percent_spin.value(), self.streak_spin.value()) != (limits.percent, limits.streak_days)))

    def save_thresholds(self) -> bool:
        """The principal's new thresholds, then the alerts again with them."""
        if self.context.year is None or not self.save_limits_button.isEnabled():
            return False
        percent, streak = self.percent_spin.value(), self.streak_spin.value()
        try:
            attendance.set_alert_thresholds(self.context.db, self.context.actor, self.context.year.id,
                                            percent=percent, streak_days=streak)
        except NKError as error:
            self.notice_label.setText(str(error))
            self.notice_label.show()
            return False
        self.load()
        self.limits_label.setText(_("Đã lưu: vắng quá {p}% số ngày học hoặc {n} ngày liên tiếp.").format(
            p=percent, n=streak))
        return True

    def load(self) -> None:
        found: list[Alert] = []
        self.notice_label.hide()
        self._load_thresholds()
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
