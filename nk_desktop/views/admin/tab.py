"""The "Quản trị" tab: one sub-tab per page, each page built the first time it is opened.

Which pages a person sees is declared once in ``PAGES``.  Every role may *read* the
school's structure (``Action.SCHOOL_VIEW``), so a read-only page is offered only to
people who administer something related: the years calendar to those who manage the
school's structure or keep the staff records (the office), the classes and assignments
to those who manage classes or assignments.  Hiding is convenience; the services
refuse what the roles do not allow.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.i18n import _
from nk_desktop.services.permissions import Action, may
from nk_desktop.views.admin.assignments_page import AssignmentsPage
from nk_desktop.views.admin.audit_page import AuditPage
from nk_desktop.views.admin.classes_page import ClassesPage
from nk_desktop.views.admin.messages import Messages
from nk_desktop.views.admin.page import AdminPage
from nk_desktop.views.admin.staff_page import StaffPage
from nk_desktop.views.admin.years_page import YearsPage


@dataclasses.dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    shown_for: frozenset[Action]  # the page appears when the actor may do any of these
    build: Callable[..., AdminPage]


PAGES: tuple[PageSpec, ...] = (
    PageSpec("staff", _("Cán bộ và tài khoản"),
             frozenset({Action.STAFF_VIEW, Action.ACCOUNT_MANAGE}), StaffPage),
    PageSpec("years", _("Năm học và lịch"),
             frozenset({Action.SCHOOL_YEAR_MANAGE, Action.CLASS_MANAGE, Action.ASSIGNMENT_MANAGE,
                        Action.STAFF_EDIT}), YearsPage),
    PageSpec("classes", _("Lớp học"),
             frozenset({Action.CLASS_MANAGE, Action.ASSIGNMENT_MANAGE}), ClassesPage),
    PageSpec("assignments", _("Phân công giảng dạy"),
             frozenset({Action.ASSIGNMENT_MANAGE, Action.CLASS_MANAGE}), AssignmentsPage),
    PageSpec("audit", _("Nhật ký thay đổi"), frozenset({Action.AUDIT_VIEW}), AuditPage),
)


def visible_pages(actor: Actor) -> list[PageSpec]:
    """The admin pages *actor* sees, in order (the main window hides the tab when there are none)."""
    return [spec for spec in PAGES if any(may(actor, action) for action in spec.shown_for)]


def has_admin_pages(actor: Actor) -> bool:
    return bool(visible_pages(actor))


class AdminTab(QWidget):
    """The "Quản trị" tab for *actor*; *messages* replaces the message boxes (tests)."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None, *,
                 messages: Messages | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.messages = messages or Messages()
        self.specs = visible_pages(actor)
        self.pages: dict[str, AdminPage] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        for spec in self.specs:
            holder = QWidget(self.tabs)  # the page goes in here the first time it is opened
            QVBoxLayout(holder).setContentsMargins(0, 0, 0, 0)
            self.tabs.addTab(holder, spec.title)
        layout.addWidget(self.tabs)
        self.tabs.currentChanged.connect(self._open_index)
        if self.specs:
            self._open_index(0)

    def page_titles(self) -> list[str]:
        return [spec.title for spec in self.specs]

    def page_keys(self) -> list[str]:
        return [spec.key for spec in self.specs]

    def show_page(self, key: str) -> AdminPage:
        """Open the page *key* (building it the first time) and return it."""
        index = self.page_keys().index(key)
        if self.tabs.currentIndex() != index:
            self.tabs.setCurrentIndex(index)
        return self.pages[key]

    def _open_index(self, index: int) -> None:
        if not 0 <= index < len(self.specs):
            return
        spec = self.specs[index]
        page = self.pages.get(spec.key)
        if page is None:
            holder = self.tabs.widget(index)
            page = spec.build(self.db, self.actor, self.messages, holder)
            holder.layout().addWidget(page)
            self.pages[spec.key] = page
        else:
            page.refresh()  # another page may have changed what this one shows
