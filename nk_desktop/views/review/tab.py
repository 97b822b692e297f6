"""The "Giám sát sổ điểm" tab (Điều 4.1, 4.3–4.4, 5.2–5.3): the pages over the review services.

The principal, vice-principals and DB admin see the whole school; a group head sees the
group's classes (the services decide; this tab only shows what they return).  A page
loads the first time it is opened and again when the year changes while it is shown.
"""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from nk_desktop.actor import Actor
from nk_desktop.clock import today
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import review, school
from nk_desktop.services.permissions import Action, may
from nk_desktop.views.review.anomalies_page import AnomaliesPage
from nk_desktop.views.review.checks_page import ChecksPage
from nk_desktop.views.review.common import current_milestone, notice_label
from nk_desktop.views.review.completion_page import CompletionPage
from nk_desktop.views.review.distribution_page import DistributionPage
from nk_desktop.views.review.targets_page import TargetsPage

PAGE_TITLES = {
    "completion": _("Tiến độ nhập điểm"),
    "distribution": _("Phổ điểm"),
    "anomalies": _("Bất thường"),
    "targets": _("Chỉ tiêu tổ"),
    "checks": _("Kiểm tra sổ điểm"),
}


class ReviewTab(QWidget):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.milestone: str | None = None
        self._loaded: set[str] = set()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.setContentsMargins(9, 9, 9, 0)
        self.year_combo = QComboBox(self)
        self.year_combo.setMinimumContentsLength(9)
        label = QLabel(_("Năm học:"), self)
        label.setBuddy(self.year_combo)
        top.addWidget(label)
        top.addWidget(self.year_combo)
        self.scope_label = QLabel(self)
        top.addSpacing(12)
        top.addWidget(self.scope_label, 1)
        layout.addLayout(top)
        self.notice = notice_label(self)
        layout.addWidget(self.notice)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.pages = {
            "completion": CompletionPage(db, actor, self.tabs),
            "distribution": DistributionPage(db, actor, self.tabs),
            "anomalies": AnomaliesPage(db, actor, self.tabs),
            "targets": TargetsPage(db, actor, self.tabs),
        }
        if may(actor, Action.GRADEBOOK_CHECK):  # the vice-principal's monthly check (Điều 4.1)
            self.pages["checks"] = ChecksPage(db, actor, self.tabs)
        for key, page in self.pages.items():
            self.tabs.addTab(page, PAGE_TITLES[key])
        layout.addWidget(self.tabs, 1)

        self._load_years()
        self.year_combo.currentIndexChanged.connect(self._year_changed)
        self.tabs.currentChanged.connect(self._page_shown)
        self._page_shown(self.tabs.currentIndex())

    def page(self, key: str) -> QWidget:
        return self.pages[key]

    def show_page(self, key: str) -> QWidget:
        self.tabs.setCurrentWidget(self.pages[key])
        return self.pages[key]

    @property
    def year_id(self) -> uuid.UUID | None:
        return self.year_combo.currentData()

    def _load_years(self) -> None:
        try:
            years = school.list_years(self.db, self.actor)
        except NKError as error:
            self.notice.setText(str(error))
            self.notice.show()
            return
        self.year_combo.blockSignals(True)
        for year, is_current in years:
            self.year_combo.addItem(year.name, year.id)
            if is_current:
                self.year_combo.setCurrentIndex(self.year_combo.count() - 1)
        self.year_combo.blockSignals(False)
        self._year_facts()

    def _year_facts(self) -> None:
        """The milestone being entered today (the pages' default) and what the actor may see."""
        self.milestone = None
        if self.year_id is None:
            return
        try:
            self.milestone = current_milestone(today(), review.milestone_deadlines(self.db, self.actor, self.year_id))
        except NKError as error:
            self.notice.setText(str(error))
            self.notice.show()
            self.scope_label.clear()
            self.tabs.setEnabled(False)
            return
        self.notice.hide()
        self.tabs.setEnabled(True)
        groups = review.review_groups(self.db, self.actor, self.year_id)
        whole = review.may_review_school(self.actor)
        self.scope_label.setText(_("Phạm vi: toàn trường") if whole else
                                 _("Phạm vi: các lớp của {groups}").format(groups=", ".join(n for _i, n in groups)))

    def _year_changed(self) -> None:
        self._year_facts()
        self._loaded.clear()
        self._page_shown(self.tabs.currentIndex())

    def _page_shown(self, index: int) -> None:
        key = next((k for k, p in self.pages.items() if p is self.tabs.widget(index)), None)
        if key is None or key in self._loaded or self.year_id is None or self.milestone is None:
            return
        self._loaded.add(key)
        self.pages[key].set_year(self.year_id, self.milestone)
