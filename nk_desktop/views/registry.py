"""The main window's tabs, in order: one ``TabSpec`` per module.

Adding a module is adding one entry to ``TABS``; the main window is not edited.
A tab is shown to an actor who may do any of its ``actions`` (hiding is only
convenience: every service checks permissions again).  The factory is called
the first time the tab is opened, so import the module inside it: start-up then
does not grow with the number of modules.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from PySide6.QtWidgets import QWidget

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.i18n import _
from nk_desktop.services.permissions import Action, may

TabFactory = Callable[[Database, Actor, QWidget | None], QWidget]


@dataclasses.dataclass(frozen=True)
class TabSpec:
    key: str  # stable id, remembered as the user's last tab
    title: str
    actions: tuple[Action, ...]  # visible to an actor who may do any of these
    factory: TabFactory  # (db, actor, parent) -> the tab's widget

    def __post_init__(self) -> None:
        if isinstance(self.actions, Action):
            object.__setattr__(self, "actions", (self.actions,))
        if not self.actions:
            raise ValueError(f"tab {self.key!r} names no action")

    def visible_to(self, actor: Actor) -> bool:
        return any(may(actor, action) for action in self.actions)


def _admin_tab(db: Database, actor: Actor, parent: QWidget | None) -> QWidget:
    from nk_desktop.views.admin import AdminTab

    return AdminTab(db, actor, parent)


def _pupils_tab(db: Database, actor: Actor, parent: QWidget | None) -> QWidget:
    from nk_desktop.views.pupils import PupilsTab

    return PupilsTab(db, actor, parent)


def _gradebook_tab(db: Database, actor: Actor, parent: QWidget | None) -> QWidget:
    from nk_desktop.views.gradebook import GradebookTab

    return GradebookTab(db, actor, parent)


def _review_tab(db: Database, actor: Actor, parent: QWidget | None) -> QWidget:
    from nk_desktop.views.review import ReviewTab

    return ReviewTab(db, actor, parent)


def _attendance_tab(db: Database, actor: Actor, parent: QWidget | None) -> QWidget:
    from nk_desktop.views.attendance import AttendanceTab

    return AttendanceTab(db, actor, parent)


def _printing_tab(db: Database, actor: Actor, parent: QWidget | None) -> QWidget:
    from nk_desktop.views.printing import PrintingTab

    return PrintingTab(db, actor, parent)


TABS: tuple[TabSpec, ...] = (
    TabSpec(
        key="admin",
        title=_("Quản trị"),
        actions=(
            Action.ACCOUNT_MANAGE, Action.STAFF_EDIT, Action.SCHOOL_YEAR_MANAGE,
            Action.CLASS_MANAGE, Action.ASSIGNMENT_MANAGE, Action.AUDIT_VIEW,
        ),
        factory=_admin_tab,
    ),
    TabSpec(key="pupils", title=_("Học sinh"), actions=(Action.PUPIL_VIEW,), factory=_pupils_tab),
    TabSpec(key="gradebook", title=_("Sổ điểm"), actions=(Action.MARKS_VIEW,), factory=_gradebook_tab),
    TabSpec(key="review", title=_("Giám sát sổ điểm"), actions=(Action.MARKS_REVIEW,), factory=_review_tab),
    TabSpec(key="attendance", title=_("Điểm danh"), actions=(Action.ROLL_VIEW,), factory=_attendance_tab),
    TabSpec(key="printing", title=_("In sổ"), actions=(Action.BOOKS_PRINT,), factory=_printing_tab),
)


def tabs_for(actor: Actor, tabs: tuple[TabSpec, ...] = TABS) -> list[TabSpec]:
    """The tabs *actor* sees, in registry order."""
    return [spec for spec in tabs if spec.visible_to(actor)]
