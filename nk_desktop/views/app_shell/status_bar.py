"""The status bar: the sync corner (added by views/sync), who is logged in with which roles, the school year,
where the data lives."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from nk_desktop.actor import Actor
from nk_desktop.i18n import _
from nk_desktop.services.permissions import Role
from nk_desktop.views.app_shell.info import ShellInfo
from nk_desktop.views.common import ElidedLabel

LOCATION_MAX_WIDTH = 420  # longer paths are shortened in the middle; the tooltip has the whole path
LOCATION_WITH_SYNC_MAX_WIDTH = 200  # when the sync corner shares the bar


def role_labels(actor: Actor) -> str:
    """The actor's roles in Vietnamese, in the regulation's order."""
    labels = [role.label for role in Role if role.value in actor.roles]
    return ", ".join(labels) if labels else _("chưa có vai trò")


def user_text(actor: Actor) -> str:
    who = actor.username if actor.display_name == actor.username else f"{actor.display_name} ({actor.username})"
    return _("Người dùng: {who} — {roles}").format(who=who, roles=role_labels(actor))


class ShellStatusBar(QStatusBar):
    def __init__(self, actor: Actor, info: ShellInfo, parent: QWidget | None = None):
        super().__init__(parent)
        self.user_label = QLabel(user_text(actor))
        self.user_label.setObjectName("user")
        self.year_label = QLabel(
            _("Năm học {name}").format(name=info.year_name) if info.year_name else _("Chưa có năm học")
        )
        self.year_label.setObjectName("year")
        self.location_label = ElidedLabel(_("Dữ liệu: {location}").format(location=info.location))
        self.location_label.setObjectName("location")
        self.location_label.setMaximumWidth(LOCATION_MAX_WIDTH)
        self.addPermanentWidget(self.user_label)
        self.addPermanentWidget(_separator())
        self.addPermanentWidget(self.year_label)
        self.addPermanentWidget(_separator())
        self.addPermanentWidget(self.location_label)

    def add_sync_widget(self, widget: QWidget) -> None:
        """The sync corner (views/sync): last sync, pending changes, "Đồng bộ ngay", the conflict badge."""
        self.sync_widget = widget
        self.location_label.setMaximumWidth(LOCATION_WITH_SYNC_MAX_WIDTH)  # the whole path stays in its tooltip
        self.insertPermanentWidget(0, widget)
        self.insertPermanentWidget(1, _separator())

    def texts(self) -> list[str]:
        return [self.user_label.text(), self.year_label.text(), self.location_label.text()]


def _separator() -> QLabel:
    label = QLabel("|")
    label.setForegroundRole(QPalette.ColorRole.Mid)
    return label
