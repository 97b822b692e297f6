"""The "In sổ" tab: the print centre, the print log, and (for the principal) what awaits her signature."""

from __future__ import annotations

import datetime as dt
from typing import Callable

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from nk_desktop import clock
from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import school
from nk_desktop.services.permissions import Action, may
from nk_desktop.views.printing.center import AskDirectory, AskSavePath, PrintContext, PrintPage, ask_folder, ask_save_pdf
from nk_desktop.views.printing.log_page import LogPage
from nk_desktop.views.printing.pdf import PrintFunction, print_documents


class PrintingTab(QWidget):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None, *,
                 today: Callable[[], dt.date] = clock.today, ask_save_path: AskSavePath = ask_save_pdf,
                 ask_directory: AskDirectory = ask_folder, print_function: PrintFunction = print_documents):
        super().__init__(parent)
        try:
            years = school.list_years(db, actor, on=today())
        except NKError:
            years = []
        self.context = PrintContext(db, actor, today, years, ask_save_path, ask_directory, print_function)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs)
        signs = may(actor, Action.BOOKS_SIGNOFF)
        self.log_page = LogPage(db, actor, self._year_id, self, may_sign=signs)
        self.queue_page = LogPage(db, actor, self._year_id, self, queue=True, may_sign=True) if signs else None
        self.print_page = PrintPage(self.context, self, on_recorded=self._recorded)
        self.tabs.addTab(self.print_page, _("In sổ"))
        self.tabs.addTab(self.log_page, _("Sổ đã in"))
        if self.queue_page is not None:
            self.tabs.addTab(self.queue_page, _("Chờ Hiệu trưởng kí"))
        self.tabs.currentChanged.connect(lambda _i: self._refresh_current())

    def _year_id(self):
        year = self.print_page.year() if hasattr(self, "print_page") else None
        return year.id if year is not None else None

    def _refresh_current(self) -> None:
        page = self.tabs.currentWidget()
        if page is not self.print_page:
            page.refresh()

    def _recorded(self) -> None:
        for page in (self.log_page, self.queue_page):
            if page is not None and page.isVisible():
                page.refresh()

    def page_titles(self) -> list[str]:
        return [self.tabs.tabText(i) for i in range(self.tabs.count())]

    def show_page(self, page: QWidget) -> QWidget:
        self.tabs.setCurrentWidget(page)
        return page
