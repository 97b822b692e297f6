"""The one channel for telling the user something in a box: errors, information, yes/no questions.

Views that ask a question take ``confirm`` as a constructor argument defaulting to
the function here, so tests pass a lambda instead of opening a modal box.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from nk_desktop.errors import NKError
from nk_desktop.i18n import _

log = logging.getLogger(__name__)

TITLE = "NK Desktop"


def error_text(error: BaseException | str) -> str:
    """What the user reads for *error*: our own errors carry their Vietnamese message."""
    if isinstance(error, str):
        return error
    if isinstance(error, NKError):
        return str(error)
    return _("Đã xảy ra lỗi không mong đợi ({kind}: {detail}). Hãy báo cho người quản trị phần mềm.").format(
        kind=type(error).__name__, detail=error
    )


def show_error(parent: QWidget | None, error: BaseException | str) -> None:
    """Show *error* in a modal box; unexpected exceptions are also logged with their traceback."""
    if isinstance(error, BaseException) and not isinstance(error, NKError):
        log.error("unexpected error", exc_info=error)
    _box(parent, QMessageBox.Icon.Critical, error_text(error)).exec()


def show_info(parent: QWidget | None, text: str) -> None:
    _box(parent, QMessageBox.Icon.Information, text).exec()


def confirm(parent: QWidget | None, text: str, *, yes: str | None = None, default_yes: bool = False) -> bool:
    """Ask a yes/no question; the safe answer (no) is the default unless *default_yes*."""
    box = _box(parent, QMessageBox.Icon.Question, text, close_button=False)
    yes_button = box.addButton(yes or _("Đồng ý"), QMessageBox.ButtonRole.AcceptRole)
    no_button = box.addButton(_("Hủy"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(yes_button if default_yes else no_button)
    box.setEscapeButton(no_button)
    box.exec()
    return box.clickedButton() is yes_button


def _box(parent: QWidget | None, icon: QMessageBox.Icon, text: str, *, close_button: bool = True) -> QMessageBox:
    # Buttons named in Vietnamese here, so the box reads right even without Qt's translation file.
    box = QMessageBox(icon, TITLE, text, QMessageBox.StandardButton.NoButton, parent)
    if close_button:
        box.setEscapeButton(box.addButton(_("Đóng"), QMessageBox.ButtonRole.AcceptRole))
    return box
