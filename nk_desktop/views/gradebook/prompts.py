"""How the gradebook tab asks and tells the user: boxes and file pickers, injectable so tests never block."""

from __future__ import annotations

import dataclasses
from typing import Callable

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

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


EXCEL_FILTER = _("Bảng tính Excel (*.xlsx);;Mọi tệp (*)")


def open_sheet(parent: QWidget | None, title: str) -> str:
    """An .xlsx to import ("" when cancelled)."""
    path, _filter = QFileDialog.getOpenFileName(parent, title, "", EXCEL_FILTER)
    return path


def save_sheet(parent: QWidget | None, title: str, suggested: str) -> str:
    """Where to write an .xlsx ("" when cancelled)."""
    path, _filter = QFileDialog.getSaveFileName(parent, title, suggested, EXCEL_FILTER)
    return path


def choose(parent: QWidget | None, text: str, options: list[str]) -> int:
    """One of *options* as buttons (its index), or -1 when closed."""
    box = QMessageBox(QMessageBox.Icon.Question, messages.TITLE, text, QMessageBox.StandardButton.NoButton, parent)
    buttons = [box.addButton(option, QMessageBox.ButtonRole.AcceptRole) for option in options]
    box.setEscapeButton(box.addButton(_("Hủy"), QMessageBox.ButtonRole.RejectRole))
    box.exec()
    clicked = box.clickedButton()
    return buttons.index(clicked) if clicked in buttons else -1


@dataclasses.dataclass
class Prompts:
    confirm: Callable[..., bool] = messages.confirm  # (parent, text) -> yes?
    inform: Callable[[QWidget | None, str], None] = messages.show_info
    error: Callable[[QWidget | None, object], None] = messages.show_error
    ask_text: Callable[[QWidget | None, str, str], str | None] = ask_text
    pick_file: Callable[[QWidget | None, str], str] = pick_file
    open_sheet: Callable[[QWidget | None, str], str] = open_sheet
    save_sheet: Callable[[QWidget | None, str, str], str] = save_sheet
    choose: Callable[[QWidget | None, str, list[str]], int] = choose
