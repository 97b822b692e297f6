"""The roll-call grids: today's roll (editable), the month as the paper roll book, and plain lists.

Each model is filled by one service result; every string, colour and tooltip is computed
when the rows are loaded, so ``data()`` is a lookup (TECH-NOTES "Grids").
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from nk_desktop.i18n import _
from nk_desktop.services.attendance import STATUSES, MonthView, Roll
from nk_desktop.text import nfc

Index = QModelIndex | QPersistentModelIndex
_DISPLAY, _EDIT, _TIP = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole
_ALIGN, _BACK, _FORE = Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole
_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_BASE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

# One colour per mark, the same on every screen: P blue, K red, M amber; days off and "-" grey.
MARK_BACKGROUND = {"P": QBrush(QColor("#dbe9ff")), "K": QBrush(QColor("#ffd9d6")), "M": QBrush(QColor("#fff0c2"))}
MARK_FOREGROUND = {"P": QBrush(QColor("#1f4e9c")), "K": QBrush(QColor("#b00020")), "M": QBrush(QColor("#8a5a00"))}
OFF_BACKGROUND = QBrush(QColor("#d9d9d9"))
DIM = QBrush(QColor("#808080"))
LATE = QBrush(QColor("#b00020"))
PRESENT = _("Có mặt")
WEEKDAYS = (_("T2"), _("T3"), _("T4"), _("T5"), _("T6"), _("T7"), _("CN"))
WEEKDAY_NAMES = (_("Thứ Hai"), _("Thứ Ba"), _("Thứ Tư"), _("Thứ Năm"), _("Thứ Sáu"), _("Thứ Bảy"), _("Chủ nhật"))


def mark_text(status: str) -> str:
    """"K · Vắng không phép"; "" for present (the roll book leaves the cell empty)."""
    return f"{status} · {STATUSES[status]}" if status else ""


# --- today's roll ----------------------------------------------------------------------------

NUMBER, NAME, MARK, REASON = range(4)
ROLL_COLUMNS = (_("STT"), _("Họ và tên"), _("Điểm danh"), _("Lí do"))


class RollModel(QAbstractTableModel):
    """One class, one day, one session: everyone present unless marked; edited in place, saved in one call."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._ids: list[uuid.UUID] = []
        self._fixed: list[tuple[str, str]] = []  # (STT, name)
        self._status: list[str] = []
        self._reason: list[str] = []
        self._saved: list[tuple[str, str]] = []
        self.editable = False

    def set_roll(self, roll: Roll | None) -> None:
        self.beginResetModel()
        rows = roll.rows if roll else []
        self._ids = [r.pupil_id for r in rows]
        self._fixed = [(str(r.number), r.full_name) for r in rows]
        self._status = [r.status for r in rows]
        self._reason = [r.reason if r.status else "" for r in rows]
        self._saved = list(zip(self._status, self._reason))
        self.editable = bool(roll and roll.editable)
        self.endResetModel()

    # --- editing ---------------------------------------------------------------------

    def set_status(self, row: int, status: str) -> bool:
        """Mark a pupil P, K or M, or present (""); a cleared mark loses its reason."""
        if not self.editable or not 0 <= row < len(self._ids) or status not in ("", *STATUSES):
            return False
        if self._status[row] == status:
            return True
        self._status[row] = status
        if not status:
            self._reason[row] = ""
        self.dataChanged.emit(self.index(row, MARK), self.index(row, REASON))
        return True

    def set_reason(self, row: int, reason: str) -> bool:
        if not self.editable or not 0 <= row < len(self._ids) or not self._status[row]:
            return False
        self._reason[row] = nfc(reason) or ""
        self.dataChanged.emit(self.index(row, REASON), self.index(row, REASON))
        return True

    def marks(self) -> dict[uuid.UUID, tuple[str, str]]:
        """The absent and late pupils, as ``take_roll`` takes them."""
        return {pid: (s, r) for pid, s, r in zip(self._ids, self._status, self._reason) if s}

    def is_dirty(self) -> bool:
        return list(zip(self._status, self._reason)) != self._saved

    def counts(self) -> dict[str, int]:
        return {letter: self._status.count(letter) for letter in STATUSES}

    def status_at(self, row: int) -> str:
        return self._status[row]

    def reason_at(self, row: int) -> str:
        return self._reason[row]

    def pupil_at(self, row: int) -> uuid.UUID:
        return self._ids[row]

    # --- QAbstractTableModel ---------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(ROLL_COLUMNS)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        status = self._status[row]
        if role == _DISPLAY:
            if column == MARK:
                return mark_text(status)
            if column == REASON:
                return self._reason[row]
            return self._fixed[row][column]
        if role == _EDIT:
            return status if column == MARK else self._reason[row] if column == REASON else self._fixed[row][column]
        if role == _ALIGN and column == NUMBER:
            return _CENTER
        if column == MARK and status:
            if role == _BACK:
                return MARK_BACKGROUND[status]
            if role == _FORE:
                return MARK_FOREGROUND[status]
        if role == _TIP and column == MARK:
            return STATUSES.get(status, PRESENT)
        if role == _TIP and column == NAME:
            return self._fixed[row][1]
        return None

    def setData(self, index: Index, value: Any, role: int = _EDIT) -> bool:  # noqa: N802
        if not index.isValid() or role != _EDIT:
            return False
        if index.column() == MARK:
            status = str(value or "").strip().upper()
            return status in ("", *STATUSES) and self.set_status(index.row(), status)
        if index.column() == REASON:
            return self.set_reason(index.row(), str(value or ""))
        return False

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(ROLL_COLUMNS):
            if role == _DISPLAY:
                return ROLL_COLUMNS[section]
            if role == _TIP and section == MARK:
                return _("Gõ P (vắng có phép), K (vắng không phép), M (đi muộn); Phím cách hoặc Delete: có mặt")
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.column() == REASON and self.editable and self._status[index.row()]:
            return _BASE | Qt.ItemFlag.ItemIsEditable
        return _BASE


# --- the month, as the paper roll book -------------------------------------------------------------

TOTAL_GROUPS = (("month", _("T"), _("tháng")), ("term", _("HK"), _("học kì")), ("year", _("N"), _("cả năm")))
TOTAL_FIELDS = (("excused", "P"), ("unexcused", "K"), ("late", "M"))


class MonthModel(QAbstractTableModel):
    """Pupils × days of the month, then P / K / M for the month, the term and the year."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._headers: list[str] = []
        self._header_tips: list[str] = []
        self._header_back: list[QBrush | None] = []
        self._cells: list[tuple[str, ...]] = []
        self._tips: list[dict[int, str]] = []
        self._fore: list[dict[int, QBrush]] = []
        self._off: set[int] = set()  # columns of days off
        self.first_day_column = 2
        self.day_count = 0

    def set_view(self, view: MonthView | None) -> None:
        self.beginResetModel()
        headers, tips, back = [_("STT"), _("Họ và tên")], ["", ""], [None, None]
        self._off, self._cells, self._tips, self._fore = set(), [], [], []
        days = view.days if view else []
        self.day_count = len(days)
        for n, day in enumerate(days):
            reason = view.day_off.get(day.day, "")
            headers.append(f"{day.day}\n{WEEKDAYS[day.weekday()]}")
            tips.append(f"{WEEKDAY_NAMES[day.weekday()]} {day:%d/%m/%Y}" + (f": {reason}" if reason else ""))
            back.append(OFF_BACKGROUND if reason else None)
            if reason:
                self._off.add(self.first_day_column + n)
        for _group, short, long in TOTAL_GROUPS if view else ():
            for _field, letter in TOTAL_FIELDS:
                headers.append(f"{letter}\n{short}")
                tips.append(_("{what}, số buổi — {period}").format(what=STATUSES[letter], period=long))
                back.append(None)
        self._headers, self._header_tips, self._header_back = headers, tips, back
        for row in view.rows if view else ():
            cells = [str(row.number), row.full_name]
            row_tips = {1: row.full_name + (f" — {row.note}" if row.note else "")}
            colours: dict[int, QBrush] = {}
            for n, day in enumerate(days):
                text = row.cells.get(day.day, "")
                parts = text.split("/")
                both = len(parts) == 2 and parts[0] == parts[1]
                if both:
                    text = parts[0]  # the same mark morning and afternoon: one letter, as on paper
                cells.append(text)
                column = self.first_day_column + n
                if column in self._off:
                    row_tips[column] = tips[column]
                elif text == "-":
                    row_tips[column] = _("Chưa vào lớp hoặc đã rời lớp")
                    colours[column] = DIM
                elif text:
                    row_tips[column] = _("{s} (cả hai buổi)").format(s=STATUSES[text]) if both else \
                        " / ".join(STATUSES.get(part, PRESENT) for part in text.split("/"))
                    colours[column] = MARK_FOREGROUND.get(next((p for p in text.split("/") if p), ""), DIM)
            for group, _short, _long in TOTAL_GROUPS:
                totals = getattr(row, group)
                cells += [str(getattr(totals, field)) for field, _letter in TOTAL_FIELDS]
            self._cells.append(tuple(cells))
            self._tips.append(row_tips)
            self._fore.append(colours)
        self.endResetModel()

    def is_day_off(self, column: int) -> bool:
        return column in self._off

    def day_column(self, day: int) -> int:
        return self.first_day_column + day - 1

    def cell_text(self, row: int, column: int) -> str:
        return self._cells[row][column]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._cells)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        text = self._cells[row][column]
        if role == _DISPLAY:
            return text
        if role == _TIP:
            return self._tips[row].get(column)
        if role == _ALIGN and column != 1:
            return _CENTER
        if role == _BACK and column in self._off:
            return OFF_BACKGROUND
        if role == _FORE:
            return self._fore[row].get(column)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._headers):
            return None
        if role == _DISPLAY:
            return self._headers[section]
        if role == _TIP:
            return self._header_tips[section] or None
        if role == _BACK:
            return self._header_back[section]
        if role == _ALIGN:
            return _CENTER
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _BASE if index.isValid() else Qt.ItemFlag.NoItemFlags


# --- plain lists: the paper trail, alerts, parent notices --------------------------------------------

@dataclasses.dataclass(frozen=True)
class ListRow:
    cells: tuple[str, ...]
    payload: Any = None
    red: bool = False  # late / needs attention
    tooltips: tuple[str, ...] = ()


class ListModel(QAbstractTableModel):
    """Read-only rows of precomputed strings; a red row is one that needs attention."""

    def __init__(self, columns: Sequence[str], parent=None, *, centered: Sequence[int] = ()):
        super().__init__(parent)
        self._columns = tuple(columns)
        self._centered = frozenset(centered)
        self._rows: list[ListRow] = []
        self._bold: QFont | None = None

    def set_rows(self, rows: Sequence[ListRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> ListRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rows(self) -> list[ListRow]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        row, column = self._rows[index.row()], index.column()
        if role == _DISPLAY:
            return row.cells[column]
        if role == _TIP:
            tip = row.tooltips[column] if row.tooltips else ""
            return tip or row.cells[column] or None
        if role == _FORE and row.red:
            return LATE
        if role == Qt.ItemDataRole.FontRole and row.red:
            if self._bold is None:
                self._bold = QFont()
                self._bold.setBold(True)
            return self._bold
        if role == _ALIGN and column in self._centered:
            return _CENTER
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns) and role == _DISPLAY:
            return self._columns[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _BASE if index.isValid() else Qt.ItemFlag.NoItemFlags
