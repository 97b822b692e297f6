"""The "Điểm danh" tab: today's roll, the month, the paper trail, alerts and parent notices.

Each sub-tab is a page with one service call per load, reloaded when it is shown (the roll
page keeps marks not saved yet).  Which pages an actor sees follows the roles: everyone
with the tab takes or reads rolls and months and writes parent notices, and sees the clubs it
runs or may read (the page says when there is none); the paper trail is
for the office and the principal, the alerts for the principal and vice-principals.
The class chosen on one page is followed by the others.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Callable

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from nk_desktop import clock
from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import pupils, school
from nk_desktop.services.permissions import Action, Role, may
from nk_desktop.views.attendance.alerts_page import AlertsPage
from nk_desktop.views.attendance.clubs_page import ChoosePupils, ClubsPage, EditClub, choose_pupils, edit_club
from nk_desktop.views.attendance.common import AskPath, AskText, Confirm, Context, ask_save_path, ask_text
from nk_desktop.views.attendance.month_page import MonthPage
from nk_desktop.views.attendance.notices_page import NoticesPage
from nk_desktop.views.attendance.paper_page import PaperPage
from nk_desktop.views.attendance.roll_page import RollPage
from nk_desktop.views.common.messages import confirm as ask


def sees_paper_trail(actor: Actor) -> bool:
    return may(actor, Action.ROLL_PAPER) or may(actor, Action.ROLL_UNLOCK)


def sees_alerts(actor: Actor) -> bool:
    return actor.is_system or actor.has(Role.HIEU_TRUONG.value, Role.PHO_HIEU_TRUONG.value)


class AttendanceTab(QWidget):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None, *,
                 today: Callable[[], dt.date] = clock.today, confirm: Confirm = ask, ask_reason: AskText = ask_text,
                 ask_path: AskPath = ask_save_path, choose: ChoosePupils = choose_pupils,
                 edit: EditClub = edit_club):
        super().__init__(parent)
        self.context = self._context(db, actor, today, confirm, ask_reason, ask_path)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs)
        self.roll_page = RollPage(self.context, self)
        self.month_page = MonthPage(self.context, self)
        self.clubs_page = ClubsPage(self.context, self, choose=choose, edit=edit)
        self.paper_page = PaperPage(self.context, self) if sees_paper_trail(actor) else None
        self.alerts_page = AlertsPage(self.context, self) if sees_alerts(actor) else None
        self.notices_page = NoticesPage(self.context, self)
        pages = ((self.roll_page, _("Điểm danh hôm nay")), (self.month_page, _("Theo tháng")),
                 (self.clubs_page, _("Câu lạc bộ")),
                 (self.paper_page, _("Sổ giấy")), (self.alerts_page, _("Cảnh báo")),
                 (self.notices_page, _("Thông báo phụ huynh")))
        for page, title in pages:
            if page is not None:
                self.tabs.addTab(page, title)
        for page in (self.roll_page, self.month_page, self.notices_page):
            page.class_combo.currentIndexChanged.connect(lambda _i, p=page: self._follow(p))
        self.tabs.currentChanged.connect(lambda _i: self.tabs.currentWidget().refresh())
        self.roll_page.load()

    @staticmethod
    def _context(db, actor, today, confirm, ask_reason, ask_path) -> Context:
        year, classes = None, []
        try:
            years = school.list_years(db, actor, on=today())
            year = next((y for y, current in years if current), None)
            if year is not None:
                classes = pupils.visible_classes(db, actor, year.id)
        except NKError:
            pass  # no year or no right to see the school: every page says there is no class
        return Context(db, actor, today, year, classes, confirm, ask_reason, ask_path)

    def pages(self) -> list[QWidget]:
        return [self.tabs.widget(i) for i in range(self.tabs.count())]

    def page_titles(self) -> list[str]:
        return [self.tabs.tabText(i) for i in range(self.tabs.count())]

    def show_page(self, page: QWidget) -> QWidget:
        self.tabs.setCurrentWidget(page)
        return page

    def _follow(self, source: QWidget) -> None:
        """The class chosen on *source* becomes the others' (loaded when they are shown next)."""
        class_id: uuid.UUID | None = source.class_combo.currentData()
        if class_id is None:
            return
        for page in (self.roll_page, self.month_page, self.notices_page):
            if page is not source:
                page.set_class(class_id)
