"""How the admin pages tell the user something outside a dialog: warnings, information, yes/no.

One small object passed down from ``AdminTab`` so tests can replace the message boxes
(never ``exec()`` a box in a test); the defaults are Qt's standard boxes, whose buttons
Qt's Vietnamese translation file names.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

TITLE = "NK Desktop"


class Messages:
    """Modal message boxes (the production behaviour)."""

    def warn(self, parent: QWidget | None, text: str) -> None:
        QMessageBox.warning(parent, TITLE, text)

    def inform(self, parent: QWidget | None, text: str) -> None:
        QMessageBox.information(parent, TITLE, text)

    def confirm(self, parent: QWidget | None, text: str) -> bool:
        answer = QMessageBox.question(
            parent, TITLE, text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes
