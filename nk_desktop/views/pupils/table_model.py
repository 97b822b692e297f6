"""The class list grid: display strings computed once per load, search over precomputed folded names.

``data()`` is a list lookup (TECH-NOTES "Grids").  Searching keeps a list of the
row numbers whose folded name contains the folded query ("dang" finds "Đặng",
"hoa" finds "Hòa" and "Hoà"); the rows stay in the services' official order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from nk_desktop.clock import format_date
from nk_desktop.i18n import _
from nk_desktop.services.pupils import PupilRow
from nk_desktop.text import fold

COLUMNS: tuple[str, ...] = (
    _("STT"), _("Họ và tên"), _("Ngày sinh"), _("Giới tính"), _("Dân tộc"), _("Số định danh"),
    _("Mã định danh Bộ GD&ĐT"), _("SĐT liên hệ"), _("Ghi chú"),
)
NAME_COLUMN, NOTE_COLUMN = 1, len(COLUMNS) - 1
_CENTERED = frozenset({0, 2, 3})  # STT, date of birth, gender
_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_LEFT_BRUSH = QBrush(QColor("#8a8a8a"))
_ALIGNMENTS = tuple(_CENTER if column in _CENTERED else None for column in range(len(COLUMNS)))
# Roles as plain ints: data() runs about 7 times per visible cell per paint, and comparing
# with the enum members costs more than the lookup itself.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

# How a stay began or ended, as the note column says it ("Chuyển đến 12/10/2026").
_CAME = {"chuyen_den": _("Chuyển đến {d}"), "chuyen_lop": _("Từ lớp khác {d}"),
         "luu_ban": _("Lưu ban"), "tro_lai": _("Trở lại học {d}")}
_LEFT = {"chuyen_di": _("Đã chuyển đi {d}"), "bo_hoc": _("Đã bỏ học {d}"),
         "chuyen_lop": _("Đã chuyển lớp {d}"), "het_nam": _("Hết năm học {d}")}
_LEAVING = {"chuyen_di": _("Chuyển đi từ {d}"), "bo_hoc": _("Bỏ học từ {d}"),
            "chuyen_lop": _("Chuyển lớp từ {d}"), "het_nam": _("Hết năm học {d}")}


def has_left(row: PupilRow, on: dt.date) -> bool:
    """Whether the pupil had left the class by *on* (the end date is their first day away)."""
    return row.end_date is not None and row.end_date <= on


def note_text(row: PupilRow, on: dt.date) -> str:
    """The note column: how the pupil came (when not at the start of the year), how they left, and what the
    record still lacks of the minimum (Điều 7.1)."""
    parts = []
    if row.start_reason in _CAME:
        parts.append(_CAME[row.start_reason].format(d=format_date(row.start_date)))
    if row.end_date is not None:
        texts = _LEFT if has_left(row, on) else _LEAVING
        template = texts.get(row.end_reason, _("Rời lớp {d}"))
        parts.append(template.format(d=format_date(row.end_date)))
    if row.missing:
        parts.append(_("thiếu {what}").format(what=", ".join(row.missing)))
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


@dataclasses.dataclass(frozen=True)
class ShownRow:
    """One row as the grid shows it."""

    pupil: PupilRow
    cells: tuple[str, ...]
    left: bool


class PupilTableModel(QAbstractTableModel):
    """Read-only class list; ``set_rows`` once per load, ``set_filter`` per keystroke."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._all: list[ShownRow] = []
        self._folded: list[str] = []
        self._shown: list[int] = []  # positions in _all of the rows passing the search
        self._query = ""

    # --- loading and searching ---------------------------------------------------------

    def set_rows(self, rows: Sequence[PupilRow], on: dt.date) -> None:
        """Replace the rows (official order kept).  STT numbers the pupils still in the class on *on*,
        so a pupil's number does not change when those who left are shown too."""
        shown, number = [], 0
        for row in rows:
            left = has_left(row, on)
            if not left:
                number += 1
            shown.append(ShownRow(row, (
                "" if left else str(number), row.full_name, format_date(row.date_of_birth), row.gender,
                row.ethnicity, row.personal_id, row.moet_code, row.contact_phone, note_text(row, on),
            ), left))
        self.beginResetModel()
        self._all = shown
        self._folded = [row.folded_name or fold(row.full_name) for row in rows]
        self._shown = self._matching(self._query)
        self.endResetModel()

    def set_filter(self, text: str) -> None:
        """Show only the pupils whose name contains *text*, accents and case ignored.

        A longer query only narrows the rows shown (typing letter by letter); when the rows
        shown stay the same nothing is signalled, so the view does not repaint.
        """
        query = fold(text or "")
        if query == self._query:
            return
        narrowing = bool(self._query) and self._query in query
        shown = self._matching(query, self._shown if narrowing else None)
        self._query = query
        if shown == self._shown:
            return
        self.beginResetModel()
        self._shown = shown
        self.endResetModel()

    def _matching(self, query: str, among: list[int] | None = None) -> list[int]:
        if not query:
            return list(range(len(self._all)))
        folded = self._folded
        if among is not None:
            return [n for n in among if query in folded[n]]
        return [n for n, name in enumerate(folded) if query in name]

    # --- access --------------------------------------------------------------------

    def pupil_at(self, row: int) -> PupilRow | None:
        return self._all[self._shown[row]].pupil if 0 <= row < len(self._shown) else None

    def is_left(self, row: int) -> bool:
        return 0 <= row < len(self._shown) and self._all[self._shown[row]].left

    def row_of(self, pupil_id: uuid.UUID | None) -> int:
        """The shown position of the pupil, or -1."""
        for position, index in enumerate(self._shown):
            if self._all[index].pupil.id == pupil_id:
                return position
        return -1

    def total(self) -> int:
        return len(self._all)

    def left_count(self) -> int:
        return sum(1 for row in self._all if row.left)

    def column_texts(self, column: int) -> list[str]:
        """The shown cells of one column, top to bottom."""
        return [self._all[index].cells[column] for index in self._shown]

    # --- QAbstractTableModel ---------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        role = int(role)
        if role == _DISPLAY:
            return self._all[self._shown[index.row()]].cells[index.column()]
        if role == _ALIGNMENT:
            return _ALIGNMENTS[index.column()]
        if role == _FOREGROUND:
            return _LEFT_BRUSH if self._all[self._shown[index.row()]].left else None
        if role == _TOOLTIP and index.column() in (NAME_COLUMN, NOTE_COLUMN):
            return self._all[self._shown[index.row()]].cells[index.column()] or None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in _CENTERED:
            return _CENTER
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _FLAGS
