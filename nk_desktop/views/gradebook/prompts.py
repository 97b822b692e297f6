"""How the gradebook tab asks and tells the user: boxes and file pickers, injectable so tests never block."""

from __future__ import annotations

import dataclasses
from typing import Callable

from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

from nk_desktop.i18n import _
from nk_desktop.views.common import messages


def ask_text(parent: QWidget | None, title: str, label: str) -> str | None:
    """A multi-line answer (a remark), or None when cancelled."""
    text, ok = QInputDialog.getMultiLineText(parent, title, label)
    return text if ok else None


def pick_file(parent: QWidget | None, title: str) -> str:
    """A file to attach as evidence ("" when cancelled)."""
    path, _filter = QFileDialog.getOpenFileName(
        parent, title, "", _("Ảnh hoặc bản chụp (*.jpg *.jpeg *.png *.pdf *.tif *.tiff);;Mọi tệp (*)"))
    return path


@dataclasses.dataclass
class Prompts:
    confirm: Callable[..., bool] = messages.confirm  # (parent, text) -> yes?
    inform: Callable[[QWidget | None, str], None] = messages.show_info
    error: Callable[[QWidget | None, object], None] = messages.show_error
    ask_text: Callable[[QWidget | None, str, str], str | None] = ask_text
    pick_file: Callable[[QWidget | None, str], str] = pick_file
