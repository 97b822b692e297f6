"""This PC's per-user window state (QSettings): declared here once, read and written nowhere else.

The database holds the school's data; QSettings holds only how each person left
the window on this PC (geometry, last tab), keyed by user name so colleagues
sharing the office PC each get their own layout.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = "NguyenKhuyen"
APPLICATION = "NK Desktop"


def open_settings() -> QSettings:
    """The application's settings store for the logged-in OS user (registry on Windows, ini on Linux)."""
    return QSettings(ORGANIZATION, APPLICATION)


class UserSettings:
    """One NK Desktop account's window state inside *settings*."""

    GEOMETRY = "geometry"
    LAST_TAB = "lastTab"

    def __init__(self, settings: QSettings, username: str):
        self._settings = settings
        self._prefix = f"users/{username}/"

    def geometry(self) -> QByteArray | None:
        value = self._settings.value(self._prefix + self.GEOMETRY)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_geometry(self, geometry: QByteArray) -> None:
        self._settings.setValue(self._prefix + self.GEOMETRY, geometry)

    def last_tab(self) -> str | None:
        value = self._settings.value(self._prefix + self.LAST_TAB)
        return str(value) if value else None

    def set_last_tab(self, key: str) -> None:
        self._settings.setValue(self._prefix + self.LAST_TAB, key)

    def sync(self) -> None:
        self._settings.sync()
