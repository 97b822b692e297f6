""""Câu lạc bộ": a club session's roll taken with the keyboard, its members, its attendance totals (Điều 7.5).

The roll works as on "Điểm danh hôm nay": arrows move, P / K / M mark, Space clears, typing in
"Lí do" writes the reason, Ctrl+S saves the session in one ``take_club_roll`` call.  Only the
club's teacher in charge takes its roll; the principal and vice-principals open, rename and close
clubs ("Đóng từ ngày"); the teacher in charge and they keep the member list ("Thêm thành viên…",
"Cho rời CLB", from the day in "Ngày vào/rời CLB"; today unless changed).  Each load is one service
call per list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QListWidget, QListWidgetItem, QPushButton, QTabWidget, QVBoxLayout, QWidget,
)

from nk_desktop.clock import format_date
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import clubs, staff
from nk_desktop.services.clubs import ClubInfo, ClubRoll, Member
from nk_desktop.services.permissions import Action, may
from nk_desktop.text import fold
from nk_desktop.views.attendance.common import (
    ERROR_STYLE, INFO_STYLE, Context, labelled, make_table, qdate, set_widths,
)
from nk_desktop.views.attendance.models import MARK, NAME, NUMBER, REASON, WEEKDAY_NAMES, ListModel, ListRow, RollModel
from nk_desktop.views.attendance.roll_page import commit_editor, mark_key, summary_text
from nk_desktop.views.common.widgets import show_notice

# (parent, pupils one may add) -> the chosen pupils' ids, None if cancelled
ChoosePupils = Callable[[QWidget | None, list[Member]], "list[uuid.UUID] | None"]
# (parent, title, name, teacher id, teachers [(id, name)]) -> (name, teacher id), None if cancelled
EditClub = Callable[[QWidget | None, str, str, "uuid.UUID | None", list[tuple[uuid.UUID, str]]],
                    "tuple[str, uuid.UUID | None] | None"]

MEMBER_COLUMNS = (_("Họ và tên"), _("Lớp"), _("Vào CLB"), _("Số buổi"), _("Rời CLB"))
TOTAL_COLUMNS = (_("Họ và tên"), _("Lớp"), _("Số buổi"), _("Có mặt"), _("P"), _("K"), _("M"), _("Tỉ lệ"))


def choose_pupils(parent: QWidget | None, candidates: list[Member]) -> list[uuid.UUID] | None:
    """A list to pick pupils from, filtered as one types (Vietnamese without tones works too)."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(_("Thêm thành viên câu lạc bộ"))
    layout = QVBoxLayout(dialog)
    search = QLineEdit(dialog)
    search.setPlaceholderText(_("Tìm theo tên hoặc lớp…"))
    listing = QListWidget(dialog)
    listing.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    for member in candidates:
        item = QListWidgetItem(f"{member.full_name} — {member.class_name}", listing)
        item.setData(Qt.ItemDataRole.UserRole, member.pupil_id)
    search.textChanged.connect(lambda text: [
        listing.item(i).setHidden(fold(text) not in fold(listing.item(i).text())) for i in range(listing.count())])
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(labelled(_("Chọn học sinh (giữ Ctrl để chọn nhiều em):"), search, dialog))
    layout.addWidget(search)
    layout.addWidget(listing, 1)
    layout.addWidget(buttons)
    dialog.resize(420, 480)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return [item.data(Qt.ItemDataRole.UserRole) for item in listing.selectedItems()]


def edit_club(parent: QWidget | None, title: str, name: str, teacher_id: uuid.UUID | None,
              teachers: list[tuple[uuid.UUID, str]]) -> tuple[str, uuid.UUID | None] | None:
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    form = QFormLayout(dialog)
    name_edit = QLineEdit(name, dialog)
    teacher_combo = QComboBox(dialog)
    teacher_combo.addItem(_("(chưa phân công)"), None)
    for staff_id, staff_name in teachers:
        teacher_combo.addItem(staff_name, staff_id)
    teacher_combo.setCurrentIndex(next((i + 1 for i, (staff_id, _n) in enumerate(teachers) if staff_id == teacher_id),
                                       0))
    form.addRow(_("Tên câu lạc bộ:"), name_edit)
    form.addRow(_("Giáo viên phụ trách:"), teacher_combo)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    form.addRow(buttons)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return name_edit.text(), teacher_combo.currentData()


class ClubsPage(QWidget):
    """One club at a time: a session's roll on the left, its members and totals on the right."""

    def __init__(self, context: Context, parent: QWidget | None = None, *, choose: ChoosePupils = choose_pupils,
                 edit: EditClub = edit_club):
        super().__init__(parent)
        self.context = context
        self.choose = choose
        self.edit = edit
        self.infos: list[ClubInfo] = []
        self.roll: ClubRoll | None = None
        self.members: list[Member] = []
        self._loaded: tuple[uuid.UUID | None, dt.date] | None = None
        self._build()

    # --- building ------------------------------------------------------------------------

    def _build(self) -> None:
        context = self.context
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.club_combo = QComboBox(self)
        self.club_combo.setMinimumContentsLength(16)
        self.club_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.date_edit = QDateEdit(self)
        self.date_edit.setDisplayFormat("dd/MM/yyyy")
        self.date_edit.setCalendarPopup(True)
        today = context.today()
        if context.year is not None:
            self.date_edit.setDateRange(qdate(context.year.start_date), qdate(max(context.year.start_date,
                                                                                   min(today, context.year.end_date))))
        self.date_edit.setDate(qdate(today))
        self.weekday_label = QLabel(self)
        self.teacher_label = QLabel(self)
        self.teacher_label.setStyleSheet("color: #555555;")
        for text, widget in ((_("Câu lạc bộ:"), self.club_combo), (_("Ngày sinh hoạt:"), self.date_edit)):
            top.addWidget(labelled(text, widget, self))
            top.addWidget(widget)
            top.addSpacing(8)
        top.addWidget(self.weekday_label)
        top.addSpacing(12)
        top.addWidget(self.teacher_label)
        top.addStretch(1)
        layout.addLayout(top)
        self.manage_row = QWidget(self)
        manage = QHBoxLayout(self.manage_row)
        manage.setContentsMargins(0, 0, 0, 0)
        self.new_button = QPushButton(_("Mở câu lạc bộ…"), self.manage_row)
        self.rename_button = QPushButton(_("Sửa tên, phụ trách…"), self.manage_row)
        self.close_date = self._day_edit(self.manage_row)
        self.close_date.setToolTip(_("Từ ngày này câu lạc bộ không sinh hoạt nữa (sau buổi cuối đã điểm danh)"))
        self.close_button = QPushButton(_("Đóng câu lạc bộ"), self.manage_row)
        manage.addWidget(self.new_button)
        manage.addWidget(self.rename_button)
        manage.addSpacing(16)
        manage.addWidget(labelled(_("Đóng từ ngày:"), self.close_date, self.manage_row))
        manage.addWidget(self.close_date)
        manage.addWidget(self.close_button)
        manage.addStretch(1)
        for button in (self.new_button, self.rename_button, self.close_button):
            button.setAutoDefault(False)
        layout.addWidget(self.manage_row)

        self.notice_label = QLabel(self)
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        layout.addWidget(self.notice_label)

        body = QHBoxLayout()
        left = QVBoxLayout()
        self.state_label = QLabel(self)
        left.addWidget(self.state_label)
        self.model = RollModel(self)
        self.table = make_table(self.model, self, stretch=REASON)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AnyKeyPressed
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.DoubleClicked)
        set_widths(self.table, {NUMBER: "000", NAME: "Nguyễn Thị Phương Thảo (4A)", MARK: "K · Vắng không phép"})
        self.table.installEventFilter(self)
        left.addWidget(self.table, 1)
        under = QHBoxLayout()
        self.summary_label = QLabel(self)
        font = self.summary_label.font()
        font.setBold(True)
        self.summary_label.setFont(font)
        self.save_button = QPushButton(_("Lưu điểm danh"), self)
        self.save_button.setToolTip(_("Lưu cả buổi sinh hoạt (Ctrl+S)"))
        self.save_button.setAutoDefault(False)
        under.addWidget(self.summary_label, 1)
        under.addWidget(self.save_button)
        left.addLayout(under)
        help_label = QLabel(_("Phím: ↑↓ chọn học sinh · P có phép · K không phép · M muộn · Phím cách: có mặt · "
                              "→ Lí do · Ctrl+S lưu"), self)
        help_label.setStyleSheet("color: #555555;")
        left.addWidget(help_label)
        self.saved_label = QLabel(self)
        self.saved_label.setStyleSheet("color: #2e7d32;")
        left.addWidget(self.saved_label)
        body.addLayout(left, 1)

        self.side = QTabWidget(self)
        members = QWidget(self.side)
        members_layout = QVBoxLayout(members)
        self.members_model = ListModel(MEMBER_COLUMNS, self, centered=(1, 2, 3, 4))
        self.members_table = make_table(self.members_model, members, stretch=0)
        set_widths(self.members_table, {1: "4A", 2: "00/00/0000", 3: "Số buổi", 4: "00/00/0000"})
        members_layout.addWidget(self.members_table, 1)
        buttons = QHBoxLayout()
        self.member_date = self._day_edit(members)
        self.member_date.setToolTip(_("Ngày em vào câu lạc bộ (Thêm thành viên…) hoặc không còn là thành viên "
                                      "(Cho rời CLB)"))
        self.member_date_label = labelled(_("Ngày vào/rời CLB:"), self.member_date, members)
        self.add_button = QPushButton(_("Thêm thành viên…"), members)
        self.remove_button = QPushButton(_("Cho rời CLB"), members)
        buttons.addWidget(self.member_date_label)
        buttons.addWidget(self.member_date)
        for button in (self.add_button, self.remove_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        members_layout.addLayout(buttons)
        self.side.addTab(members, _("Thành viên"))
        totals = QWidget(self.side)
        totals_layout = QVBoxLayout(totals)
        self.totals_label = QLabel(totals)
        totals_layout.addWidget(self.totals_label)
        self.totals_model = ListModel(TOTAL_COLUMNS, self, centered=range(1, len(TOTAL_COLUMNS)))
        self.totals_table = make_table(self.totals_model, totals, stretch=0)
        set_widths(self.totals_table, {1: "4A", 2: "Số buổi", 3: "Có mặt", 4: "00", 5: "00", 6: "00",
                                       7: "100,0%"})
        totals_layout.addWidget(self.totals_table, 1)
        self.side.addTab(totals, _("Chuyên cần"))
        body.addWidget(self.side, 1)
        layout.addLayout(body, 1)

        for first, second in zip((self.club_combo, self.date_edit, self.table, self.save_button),
                                 (self.date_edit, self.table, self.save_button, self.side)):
            QWidget.setTabOrder(first, second)
        self.club_combo.currentIndexChanged.connect(lambda _i: self._choice_changed())
        self.date_edit.dateChanged.connect(lambda _d: self._choice_changed())
        self.save_button.clicked.connect(self.save)
        self.new_button.clicked.connect(self.new_club)
        self.rename_button.clicked.connect(self.rename_club)
        self.close_button.clicked.connect(self.close_club)
        self.add_button.clicked.connect(self.add_members)
        self.remove_button.clicked.connect(self.remove_member)
        self.members_table.selectionModel().selectionChanged.connect(lambda *_a: self._show_buttons())
        self.model.dataChanged.connect(lambda *_a: self._show_counts())
        save = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.activated.connect(self.save)

    def _day_edit(self, parent: QWidget) -> QDateEdit:
        """A day of the school year up to today (dd/MM/yyyy, calendar popup), today to start with."""
        edit = QDateEdit(parent)
        edit.setDisplayFormat("dd/MM/yyyy")
        edit.setCalendarPopup(True)
        today, year = self.context.today(), self.context.year
        if year is not None:
            edit.setDateRange(qdate(year.start_date), qdate(max(year.start_date, min(today, year.end_date))))
        edit.setDate(qdate(today))
        return edit

    # --- loading ---------------------------------------------------------------------------------

    def club(self) -> ClubInfo | None:
        club_id = self.club_combo.currentData()
        return next((c for c in self.infos if c.club_id == club_id), None)

    def _index_of(self, club_id: uuid.UUID | None) -> int:
        """The club's row in the list (by value: ``findData`` compares Python objects by identity)."""
        return next((i for i, c in enumerate(self.infos) if c.club_id == club_id), -1)

    def select_club(self, club_id: uuid.UUID) -> bool:
        """Show *club_id* (asks first about unsaved marks, as choosing it in the list does)."""
        index = self._index_of(club_id)
        if index >= 0:
            self.club_combo.setCurrentIndex(index)
        return index >= 0

    def chosen(self) -> tuple[uuid.UUID | None, dt.date]:
        return self.club_combo.currentData(), self.date_edit.date().toPython()

    def refresh(self) -> None:
        if not self.model.is_dirty():
            self.load()

    def load(self, *, club_id: uuid.UUID | None = None) -> None:
        """The clubs (one call), then the chosen club's session roll, members and totals (one call each)."""
        self._notice("")
        keep = club_id or self.club_combo.currentData()
        self.infos = []
        if self.context.year is not None:
            try:
                self.infos = clubs.list_clubs(self.context.db, self.context.actor, self.context.year.id)
            except NKError as error:
                self._notice(str(error))
        self.club_combo.blockSignals(True)
        self.club_combo.clear()
        for info in self.infos:
            self.club_combo.addItem(info.name, info.club_id)
        own = next((i for i, c in enumerate(self.infos) if c.may_take), 0)
        index = self._index_of(keep)
        self.club_combo.setCurrentIndex(index if index >= 0 else (own if self.infos else -1))
        self.club_combo.blockSignals(False)
        self.club_combo.setEnabled(bool(self.infos))
        self._load_club()

    def _load_club(self) -> None:
        club, day = self.club(), self.date_edit.date().toPython()
        keep = self.table.currentIndex()
        same = self._loaded == (club.club_id if club else None, day)
        self.roll, self.members = None, []
        self.saved_label.setText("")
        self.weekday_label.setText(WEEKDAY_NAMES[day.weekday()])
        totals = None
        if club is None:
            self._notice(_("Chưa có câu lạc bộ nào bạn được xem trong năm học này."), error=False)
        else:
            self.teacher_label.setText(_("Phụ trách: {t}").format(t=club.teacher_name or _("chưa phân công")))
            db, actor = self.context.db, self.context.actor
            try:
                self.roll = clubs.club_roll(db, actor, club.club_id, day, on=self.context.today())
                self.members = clubs.club_members(db, actor, club.club_id)
                totals = clubs.club_totals(db, actor, club.club_id)
            except NKError as error:
                self._notice(str(error))
        if club is None:
            self.teacher_label.setText("")
        shown = None
        if self.roll is not None:
            rows = [dataclasses.replace(r, full_name=f"{r.full_name} ({r.class_name})" if r.class_name
                                        else r.full_name) for r in self.roll.rows]
            shown = dataclasses.replace(self.roll, rows=rows)
        self.model.set_roll(shown)
        self._loaded = (club.club_id if club else None, day)
        if self.roll is not None and not self.roll.editable:
            self._notice(self.roll.closed_reason or _(
                "Chỉ giáo viên phụ trách câu lạc bộ {n} điểm danh được; bạn đang xem.").format(n=self.roll.club_name),
                error=bool(self.roll.closed_reason))
        elif self.roll is not None and not self.roll.rows:
            self._notice(_("Câu lạc bộ chưa có thành viên: thêm ở bên phải trước khi điểm danh."), error=False)
        if self.model.rowCount():
            row = keep.row() if same and keep.isValid() and keep.row() < self.model.rowCount() else 0
            self.table.setCurrentIndex(self.model.index(row, keep.column() if same and keep.isValid() else MARK))
        self.members_model.set_rows([ListRow(
            (m.full_name, m.class_name, format_date(m.joined), str(m.sessions), format_date(m.left)), m,
            tooltips=("", "", "", "", self._left_tip(m))) for m in self.members])
        self.totals_model.set_rows([ListRow((t.full_name, t.class_name, str(t.sessions), str(t.present),
                                             str(t.excused), str(t.unexcused), str(t.late),
                                             "" if t.rate is None else f"{t.rate:.1f}%".replace(".", ",")),
                                            t, red=t.rate is not None and t.rate < 80)
                                    for t in (totals.rows if totals else [])])
        if totals is None:
            self.totals_label.setText("")
        else:
            rate = "—" if totals.rate is None else f"{totals.rate:.1f}%".replace(".", ",")
            self.totals_label.setText(_("{n} buổi sinh hoạt đã điểm danh · tỉ lệ chuyên cần {r}").format(
                n=len(totals.sessions), r=rate))
        self._show_counts()
        self._show_buttons()

    @staticmethod
    def _left_tip(member: Member) -> str:
        if member.left is None:
            return ""
        tip = _("Không còn là thành viên từ ngày {d}; buổi cuối em có tên: {s}").format(
            d=format_date(member.left), s=format_date(member.last_session) or "—")
        if member.after_leaving:
            tip += _(" ({n} buổi đã điểm danh sau ngày rời vẫn giữ tên em)").format(n=member.after_leaving)
        return tip

    def _show_counts(self) -> None:
        roll = self.roll
        self.summary_label.setText(summary_text(self.model.counts(), self.model.rowCount()) if roll else "")
        if roll is None:
            state = ""
        elif self.model.is_dirty():
            state = _("Có thay đổi chưa lưu")
        elif roll.taken and roll.pending:
            state = _("Đã điểm danh; {n} thành viên vào CLB từ trước ngày này chưa được ghi: lưu để ghi").format(
                n=roll.pending)
        elif roll.taken:
            state = _("Đã điểm danh buổi sinh hoạt này")
        else:
            state = _("Chưa điểm danh buổi sinh hoạt này")
        self.state_label.setText(state)
        unsaved = roll is not None and (self.model.is_dirty() or not roll.taken or bool(roll.pending))
        self.state_label.setStyleSheet(ERROR_STYLE if unsaved else INFO_STYLE)
        self.save_button.setEnabled(bool(roll and roll.editable and roll.rows and unsaved))

    def _show_buttons(self) -> None:
        manager = may(self.context.actor, Action.CLUB_MANAGE) and self.context.year is not None
        club = self.club()
        self.manage_row.setVisible(manager)
        for widget in (self.rename_button, self.close_date, self.close_button):
            widget.setEnabled(club is not None)
        keeps = bool(club and club.may_keep_members)
        for widget in (self.member_date_label, self.member_date, self.add_button, self.remove_button):
            widget.setVisible(keeps)
        chosen = self._chosen_member()
        self.remove_button.setEnabled(chosen is not None and chosen.left is None)

    def _chosen_member(self) -> Member | None:
        index = self.members_table.currentIndex()
        row = self.members_model.row_at(index.row()) if index.isValid() else None
        return row.payload if row else None

    def _notice(self, text: str, *, error: bool = True) -> None:
        show_notice(self.notice_label, text, error=error)

    # --- keyboard and saving -------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.table and mark_key(self.table, self.model, event):
            return True
        return super().eventFilter(watched, event)

    def _take(self, roll: ClubRoll) -> str | None:
        try:
            changed = clubs.take_club_roll(self.context.db, self.context.actor, roll.club_id, roll.day,
                                           self.model.marks(), on=self.context.today())
        except NKError as error:
            self._notice(str(error))
            return None
        return _("Đã lưu điểm danh câu lạc bộ {n} ngày {d:%d/%m/%Y} ({c} thay đổi).").format(
            n=roll.club_name, d=roll.day, c=changed)

    def save(self) -> bool:
        commit_editor(self.table)
        roll = self.roll
        if roll is None or not roll.editable:
            return not self.model.is_dirty()
        if roll.taken and not roll.pending and not self.model.is_dirty():
            return True
        message = self._take(roll)
        if message is None:
            return False
        self._load_club()
        self.saved_label.setText(message)
        return True

    def _choice_changed(self) -> None:
        message = ""
        roll = self.roll
        if roll is not None and roll.editable and self.model.is_dirty():
            commit_editor(self.table)
            question = _("Buổi sinh hoạt câu lạc bộ {n} ngày {d:%d/%m/%Y} có thay đổi chưa lưu. Lưu trước khi chuyển?") \
                .format(n=roll.club_name, d=roll.day)
            if self.context.confirm(self, question):
                message = self._take(roll)
                if message is None:
                    self._restore_choice()
                    return
        self._load_club()
        self.saved_label.setText(message or "")

    def _restore_choice(self) -> None:
        if self._loaded is None:
            return
        club_id, day = self._loaded
        self.club_combo.blockSignals(True)
        self.club_combo.setCurrentIndex(self._index_of(club_id))
        self.club_combo.blockSignals(False)
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(qdate(day))
        self.date_edit.blockSignals(False)

    # --- clubs and members -------------------------------------------------------------------------

    def _teachers(self) -> list[tuple[uuid.UUID, str]]:
        try:
            return [(s.id, s.full_name) for s in staff.list_staff(self.context.db, self.context.actor)]
        except NKError:
            return []

    def new_club(self) -> None:
        if self.context.year is None:
            return
        answer = self.edit(self, _("Mở câu lạc bộ"), "", None, self._teachers())
        if answer is None:
            return
        try:
            club_id = clubs.create_club(self.context.db, self.context.actor, self.context.year.id, *answer)
        except NKError as error:
            self._notice(str(error))
            return
        self.load(club_id=club_id)
        self.saved_label.setText(_("Đã mở câu lạc bộ {n}.").format(n=self.club().name if self.club() else ""))

    def rename_club(self) -> None:
        club = self.club()
        if club is None:
            return
        answer = self.edit(self, _("Sửa câu lạc bộ {n}").format(n=club.name), club.name, club.teacher_id,
                           self._teachers())
        if answer is None:
            return
        try:
            clubs.update_club(self.context.db, self.context.actor, club.club_id, name=answer[0], teacher_id=answer[1])
        except NKError as error:
            self._notice(str(error))
            return
        self.load(club_id=club.club_id)

    def close_club(self) -> None:
        club, day = self.club(), self.close_date.date().toPython()
        if club is None or not self.context.confirm(self, _(
                "Đóng câu lạc bộ {n} từ ngày {d:%d/%m/%Y}? Không điểm danh, thêm thành viên được nữa; các buổi đã "
                "ghi vẫn giữ.").format(n=club.name, d=day)):
            return
        try:
            clubs.close_club(self.context.db, self.context.actor, club.club_id, day=day, on=self.context.today())
        except NKError as error:
            self._notice(str(error))
            return
        self.load()
        self.saved_label.setText(_("Đã đóng câu lạc bộ {n} từ ngày {d:%d/%m/%Y}.").format(n=club.name, d=day))

    def add_members(self) -> None:
        club = self.club()
        if club is None:
            return
        day = self.member_date.date().toPython()
        try:  # the pupils of the school on the joining day
            found = clubs.candidates(self.context.db, self.context.actor, club.club_id, on=day)
        except NKError as error:
            self._notice(str(error))
            return
        chosen = self.choose(self, found)
        if not chosen:
            return
        try:
            added = clubs.add_members(self.context.db, self.context.actor, club.club_id, chosen, day=day,
                                      on=self.context.today())
        except NKError as error:
            self._notice(str(error))
            return
        self.load(club_id=club.club_id)
        self.saved_label.setText(_("Đã thêm {n} thành viên vào câu lạc bộ {c} từ ngày {d:%d/%m/%Y}.").format(
            n=added, c=club.name, d=day))

    def remove_member(self) -> None:
        club, member = self.club(), self._chosen_member()
        if club is None or member is None or member.left is not None:
            return
        day = self.member_date.date().toPython()
        if not self.context.confirm(self, _("{p} rời câu lạc bộ {c} từ ngày {d:%d/%m/%Y}? Các buổi em đã dự vẫn "
                                            "giữ.").format(p=member.full_name, c=club.name, d=day)):
            return
        try:
            kept = clubs.remove_member(self.context.db, self.context.actor, club.club_id, member.pupil_id, day=day,
                                       on=self.context.today())
        except NKError as error:
            self._notice(str(error))
            return
        self.load(club_id=club.club_id)
        message = _("{p} đã rời câu lạc bộ {c} từ ngày {d:%d/%m/%Y}.").format(p=member.full_name, c=club.name, d=day)
        if kept:
            message += " " + _("{n} buổi đã điểm danh từ ngày đó vẫn có tên em (điểm danh giữ nguyên; sửa buổi đó "
                               "nếu cần).").format(n=kept)
        self.saved_label.setText(message)
