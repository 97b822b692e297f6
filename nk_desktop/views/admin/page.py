"""What every admin page shares: the database, the actor, the message channel, the year chooser."""

from __future__ import annotations

import uuid
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QDialog, QWidget

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import school
from nk_desktop.services.permissions import Action, may
from nk_desktop.views.admin.forms import find_data
from nk_desktop.views.admin.messages import Messages


class AdminPage(QWidget):
    """A page of the "Quản trị" tab; ``refresh()`` reloads it from the services."""

    def __init__(self, db: Database, actor: Actor, messages: Messages, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.messages = messages
        self.dialog: QDialog | None = None  # the open form, kept referenced while it is shown

    def may(self, action: Action) -> bool:
        return may(self.actor, action)

    def refresh(self) -> None:
        raise NotImplementedError

    def call(self, function: Callable[..., Any], *args, **kwargs) -> tuple[bool, Any]:
        """Run a service call; a refusal is shown to the user and reported as ``(False, None)``."""
        try:
            return True, function(*args, **kwargs)
        except NKError as error:
            self.messages.warn(self, str(error))
            return False, None

    def open_dialog(self, dialog: QDialog, on_accepted: Callable[[], None]) -> QDialog:
        """Show *dialog* window-modal without blocking; *on_accepted* runs after a successful OK."""
        self.dialog = dialog
        dialog.accepted.connect(on_accepted)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog


class YearCombo(QComboBox):
    """The school years, the current one preselected and marked."""

    year_changed = Signal()
    NAME_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.currentIndexChanged.connect(lambda _index: self.year_changed.emit())

    def load(self, years: list[tuple[Any, bool]]) -> None:
        """Fill from ``school.list_years``; keeps the chosen year when it still exists."""
        keep = self.year_id()
        self.blockSignals(True)
        self.clear()
        current_index = -1
        for n, (year, is_current) in enumerate(years):
            label = _("{name} (năm hiện tại)").format(name=year.name) if is_current else year.name
            self.addItem(label, year.id)
            self.setItemData(n, year.name, self.NAME_ROLE)
            if is_current:
                current_index = n
        wanted = find_data(self, keep) if keep is not None else -1
        if wanted < 0:
            wanted = current_index if current_index >= 0 else self.count() - 1
        self.setCurrentIndex(wanted)
        self.blockSignals(False)

    def year_id(self) -> uuid.UUID | None:
        return self.currentData()

    def year_name(self) -> str:
        return self.currentData(self.NAME_ROLE) or ""


def load_years(page: AdminPage) -> list:
    ok, years = page.call(school.list_years, page.db, page.actor)
    return years if ok else []
