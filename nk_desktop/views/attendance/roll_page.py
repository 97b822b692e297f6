""""Điểm danh hôm nay": a class's roll for a day and session, taken with the keyboard alone.

Everyone is present until marked.  In the list, the arrow keys move; P, K or M marks the
pupil (vắng có phép, vắng không phép, đi muộn); Space or Delete puts them back to present;
typing in the "Lí do" column writes the reason; Ctrl+S (or "Lưu điểm danh") saves the whole
roll in one ``take_roll`` call.  Changing the class, day or session with unsaved marks asks
first and saves.  A day that cannot change (day off, closed month, someone else's class) is
shown read-only with the reason.
"""

from __future__ import annotations

import datetime as dt
import uuid

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemDelegate, QAbstractItemView, QApplication, QComboBox, QDateEdit, QHBoxLayout, QLabel, QPushButton,
    QVBoxLayout, QWidget,
)

from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import attendance
from nk_desktop.services.attendance import SESSIONS, STATUSES, Roll
from nk_desktop.views.attendance.common import (
    ERROR_STYLE, INFO_STYLE, Context, class_combo, labelled, make_table, qdate, select_data, set_widths,
)
from nk_desktop.views.attendance.models import MARK, NAME, NUMBER, REASON, WEEKDAY_NAMES, RollModel
from nk_desktop.views.common.widgets import show_notice

_MODIFIERS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
_CLEAR_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_Delete, Qt.Key.Key_Backspace)


def summary_text(counts: dict[str, int], size: int) -> str:
    """"Sĩ số 35 · Vắng có phép 1 · Không phép 0 · Muộn 2"."""
    return _("Sĩ số {n} · Vắng có phép {p} · Không phép {k} · Muộn {m}").format(
        n=size, p=counts.get("P", 0), k=counts.get("K", 0), m=counts.get("M", 0))


def mark_key(table: QAbstractItemView, model: RollModel, event: QEvent) -> bool:
    """P, K, M mark the current pupil, Space/Delete clears; in "Lí do", Delete clears the reason.

    True when the key was used (the table must not see it); typing in "Lí do" opens the editor.
    """
    if event.type() != QEvent.Type.KeyPress or event.modifiers() & _MODIFIERS:
        return False
    index = table.currentIndex()
    if not index.isValid() or not model.editable:
        return False
    letter = event.text().strip().upper()
    if index.column() == REASON:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            model.set_reason(index.row(), "")
            return True
        return False  # typing opens the reason's editor
    if letter in STATUSES:
        model.set_status(index.row(), letter)
        return True
    if event.key() in _CLEAR_KEYS:
        model.set_status(index.row(), "")
        return True
    return False


def commit_editor(table: QAbstractItemView) -> None:
    """Ctrl+S while typing a reason: the text typed so far is part of the roll."""
    editor = QApplication.focusWidget()
    if editor is not None and editor is not table and table.isAncestorOf(editor):
        table.commitData(editor)
        table.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)


class RollPage(QWidget):
    """Today's roll (or any past day's) for one class and session."""

    def __init__(self, context: Context, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.roll: Roll | None = None
        self.saved_message = ""
        self._loaded: tuple[uuid.UUID | None, dt.date, str] | None = None
        self._build()

    # --- building ----------------------------------------------------------------------

    def _build(self) -> None:
        context = self.context
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.class_combo = class_combo(context, self)
        self.date_edit = QDateEdit(self)
        self.date_edit.setDisplayFormat("dd/MM/yyyy")
        self.date_edit.setCalendarPopup(True)
        today = context.today()
        if context.year is not None:
            self.date_edit.setDateRange(qdate(context.year.start_date), qdate(max(context.year.start_date,
                                                                                   min(today, context.year.end_date))))
        self.date_edit.setDate(qdate(today))
        self.weekday_label = QLabel(self)
        self.session_combo = QComboBox(self)
        for key, label in SESSIONS.items():
            self.session_combo.addItem(label, key)
        for text, widget in ((_("Lớp:"), self.class_combo), (_("Ngày:"), self.date_edit)):
            top.addWidget(labelled(text, widget, self))
            top.addWidget(widget)
            top.addSpacing(8)
        top.addWidget(self.weekday_label)
        top.addSpacing(8)
        top.addWidget(labelled(_("Buổi:"), self.session_combo, self))
        top.addWidget(self.session_combo)
        top.addStretch(1)
        self.state_label = QLabel(self)
        top.addWidget(self.state_label)
        layout.addLayout(top)

        self.notice_label = QLabel(self)
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        layout.addWidget(self.notice_label)

        self.model = RollModel(self)
        self.table = make_table(self.model, self, stretch=REASON)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AnyKeyPressed
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.DoubleClicked)
        set_widths(self.table, {NUMBER: "000", NAME: "Nguyễn Thị Phương Thảo", MARK: "K · Vắng không phép"})
        self.table.installEventFilter(self)
        layout.addWidget(self.table, 1)

        under = QHBoxLayout()
        self.summary_label = QLabel(self)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.summary_label.font()
        font.setBold(True)
        self.summary_label.setFont(font)
        self.help_label = QLabel(_("Phím: ↑↓ chọn học sinh · P có phép · K không phép · M muộn · "
                                   "Phím cách: có mặt · → Lí do · Ctrl+S lưu"), self)
        self.help_label.setStyleSheet("color: #555555;")
        self.save_button = QPushButton(_("Lưu điểm danh"), self)
        self.save_button.setToolTip(_("Lưu cả buổi điểm danh (Ctrl+S)"))
        self.save_button.setAutoDefault(False)
        under.addWidget(self.summary_label)
        under.addSpacing(16)
        under.addWidget(self.help_label, 1)
        under.addWidget(self.save_button)
        layout.addLayout(under)
        self.saved_label = QLabel(self)
        self.saved_label.setStyleSheet("color: #2e7d32;")
        layout.addWidget(self.saved_label)

        for first, second in zip((self.class_combo, self.date_edit, self.session_combo, self.table),
                                 (self.date_edit, self.session_combo, self.table, self.save_button)):
            QWidget.setTabOrder(first, second)
        self.class_combo.currentIndexChanged.connect(lambda _i: self._choice_changed())
        self.date_edit.dateChanged.connect(lambda _d: self._choice_changed())
        self.session_combo.currentIndexChanged.connect(lambda _i: self._choice_changed())
        self.save_button.clicked.connect(self.save)
        self.model.dataChanged.connect(lambda *_a: self._show_counts())
        save = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.activated.connect(self.save)

    # --- what is shown -------------------------------------------------------------------

    def chosen(self) -> tuple[uuid.UUID | None, dt.date, str]:
        return self.class_combo.currentData(), self.date_edit.date().toPython(), self.session_combo.currentData()

    def set_class(self, class_id: uuid.UUID) -> None:
        """Follow the class chosen on another page, unless marks here are not saved yet."""
        if not self.model.is_dirty() and select_data(self.class_combo, class_id):
            self._loaded = None

    def refresh(self) -> None:
        """Shown again: reload unless there are marks not saved yet."""
        if not self.model.is_dirty():
            self.load()

    def load(self) -> None:
        """One ``roll_for`` call for the chosen class, day and session; the cursor on the first pupil's mark."""
        class_id, day, session_name = self.chosen()
        keep = self.table.currentIndex()
        same = self._loaded == (class_id, day, session_name)
        self.roll = None
        self._notice("")
        self.saved_label.setText("")
        self.weekday_label.setText(WEEKDAY_NAMES[day.weekday()])
        if class_id is None:
            self._notice(_("Bạn không có lớp nào để điểm danh trong năm học này."), error=False)
        else:
            try:
                self.roll = attendance.roll_for(self.context.db, self.context.actor, class_id, day, session_name,
                                                on=self.context.today())
            except NKError as error:
                self._notice(str(error))
        self.model.set_roll(self.roll)
        self._loaded = (class_id, day, session_name)
        if self.roll is not None and not self.roll.editable:
            self._notice(self.roll.closed_reason or _(
                "Chỉ giáo viên chủ nhiệm lớp {c} điểm danh được; bạn đang xem.").format(c=self.roll.class_name),
                error=bool(self.roll.closed_reason))
        if self.model.rowCount():
            row = keep.row() if same and keep.isValid() and keep.row() < self.model.rowCount() else 0
            column = keep.column() if same and keep.isValid() else MARK
            self.table.setCurrentIndex(self.model.index(row, column))
        self._show_counts()

    def _show_counts(self) -> None:
        roll = self.roll
        self.summary_label.setText(summary_text(self.model.counts(), self.model.rowCount()) if roll else "")
        if roll is None:
            state = ""
        elif self.model.is_dirty():
            state = _("Có thay đổi chưa lưu")
        elif roll.taken:
            state = _("Đã điểm danh")
        else:
            state = _("Chưa điểm danh buổi này")
        self.state_label.setText(state)
        self.state_label.setStyleSheet(ERROR_STYLE if roll is not None and (self.model.is_dirty() or not roll.taken)
                                       else INFO_STYLE)
        self.save_button.setEnabled(bool(roll and roll.editable and (self.model.is_dirty() or not roll.taken)))

    def _notice(self, text: str, *, error: bool = True) -> None:
        show_notice(self.notice_label, text, error=error)

    # --- keyboard ---------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.table and mark_key(self.table, self.model, event):
            return True
        return super().eventFilter(watched, event)

    # --- saving ------------------------------------------------------------------------------

    def _commit_editor(self) -> None:
        commit_editor(self.table)

    def _take(self, roll: Roll) -> bool:
        """One ``take_roll`` call with the marks on screen; the outcome said under the list."""
        try:
            changed = attendance.take_roll(self.context.db, self.context.actor, roll.class_id, roll.day, roll.session,
                                           self.model.marks(), on=self.context.today())
        except NKError as error:
            self._notice(str(error))
            return False
        self.saved_message = _("Đã lưu điểm danh lớp {c}, buổi {s} ngày {d:%d/%m/%Y} ({n} thay đổi).").format(
            c=roll.class_name, s=SESSIONS[roll.session].lower(), d=roll.day, n=changed)
        return True

    def save(self) -> bool:
        """Save the roll on screen; True when saved (or when there was nothing to save)."""
        self._commit_editor()
        roll = self.roll
        if roll is None or not roll.editable:
            return not self.model.is_dirty()
        if roll.taken and not self.model.is_dirty():
            return True
        if not self._take(roll):
            return False
        message = self.saved_message
        self.load()
        self.saved_label.setText(message)
        return True

    def _choice_changed(self) -> None:
        """Another class, day or session: with unsaved marks, ask, and save them first if so answered."""
        message = ""
        roll = self.roll
        if roll is not None and roll.editable and self.model.is_dirty():
            self._commit_editor()
            question = _("Buổi điểm danh lớp {c}, {s} ngày {d:%d/%m/%Y} có thay đổi chưa lưu. Lưu trước khi chuyển?") \
                .format(c=roll.class_name, s=SESSIONS[roll.session].lower(), d=roll.day)
            if self.context.confirm(self, question):
                if not self._take(roll):
                    self._restore_choice()
                    return
                message = self.saved_message
        self.load()
        self.saved_label.setText(message)

    def _restore_choice(self) -> None:
        """Back to the class, day and session still on screen (their roll could not be saved)."""
        if self._loaded is None:
            return
        class_id, day, session_name = self._loaded
        select_data(self.class_combo, class_id)
        select_data(self.session_combo, session_name)
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(qdate(day))
        self.date_edit.blockSignals(False)
