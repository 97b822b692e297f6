"""Page "Năm học và lịch": school years, their teaching weeks, the school's days off, public holidays."""

from __future__ import annotations

import datetime as dt
import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
    QPushButton, QSplitter, QVBoxLayout, QWidget,
)

from nk_desktop.actor import Actor
from nk_desktop.clock import format_date, today
from nk_desktop.db import Database
from nk_desktop.errors import ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.school import SchoolYear
from nk_desktop.services import calendar, school, setup
from nk_desktop.services.permissions import Action
from nk_desktop.views.admin.forms import DATE_PLACEHOLDER, FormDialog, date_from_text, date_text
from nk_desktop.views.admin.grid import Column, Row, RowTableModel, date_key, fit_columns, make_table, \
    natural_width, selected_row, text_key
from nk_desktop.views.admin.messages import Messages
from nk_desktop.views.admin.page import AdminPage, load_years

WEEKDAYS = (_("Thứ Hai"), _("Thứ Ba"), _("Thứ Tư"), _("Thứ Năm"), _("Thứ Sáu"), _("Thứ Bảy"), _("Chủ nhật"))
WEEK_COLUMNS = (Column(_("Tuần"), align_right=True), Column(_("Học kì"), align_right=True),
                Column(_("Từ ngày")), Column(_("Đến ngày")))
DAY_OFF_COLUMNS = (Column(_("Ngày")), Column(_("Thứ")), Column(_("Lí do"), tooltip=True), Column(_("Loại")))
HOLIDAY_COLUMNS = (Column(_("Ngày")), Column(_("Thứ")), Column(_("Ngày lễ"), tooltip=True))
TERM_NAMES = {1: "I", 2: "II"}


def year_span(year: SchoolYear) -> tuple[dt.date, dt.date]:
    """The days the year's calendar lists: from 1 August (opening preparations) to the year's end."""
    first_august = dt.date(year.start_date.year, 8, 1)
    return min(first_august, year.start_date), year.end_date


def next_year_name(years: list[SchoolYear]) -> str:
    latest = max((int(y.name[:4]) for y in years), default=today().year - 1)
    return f"{latest + 1}-{latest + 2}"


def suggested_monday(year_name: str) -> str:
    """Week 1's Monday for a year name ("2026-2027" → the first Monday from 5/9/2026), or ""."""
    try:
        first, _second = school.parse_year_name(year_name)
    except ValidationError:
        return ""
    return date_text(setup.first_teaching_monday(first))


def follow_year_name(name: QLineEdit, first_monday: QLineEdit) -> None:
    """Keep the suggested first Monday in step with the year name until the user types their own."""
    def update(text: str) -> None:
        if first_monday.text() in ("", first_monday.property("suggested")):
            first_monday.setText(suggested_monday(text))
        first_monday.setProperty("suggested", suggested_monday(text))

    first_monday.setProperty("suggested", first_monday.text())
    name.textChanged.connect(update)


class YearDialog(FormDialog):
    """A new school year (empty: classes are added on the "Lớp học" page)."""

    def __init__(self, db: Database, actor: Actor, name: str, parent: QWidget | None = None):
        super().__init__(_("Tạo năm học mới"), parent)
        self.db, self.actor = db, actor
        self.name = self.line(_("Năm học:"), "year", name, placeholder=_("ví dụ 2026-2027"))
        self.first_monday = self.line(_("Thứ Hai của tuần 1:"), "first_monday", suggested_monday(name),
                                      placeholder=DATE_PLACEHOLDER)
        follow_year_name(self.name, self.first_monday)
        self.governing_body = self.line(_("Cơ quan quản lý:"), "governing_body",
                                        placeholder=_("để trống: theo địa chỉ trường"))

    def submit(self) -> uuid.UUID:
        first_monday = date_from_text(self.first_monday.text(), "first_monday", required=True,
                                      what=_("ngày Thứ Hai của tuần 1"))
        return school.create_school_year(self.db, self.actor, self.name.text(), first_monday,
                                         governing_body=self.governing_body.text().strip() or None)


class RolloverDialog(FormDialog):
    """Next year's classes and subject groups copied from *source*."""

    def __init__(self, db: Database, actor: Actor, source: SchoolYear, parent: QWidget | None = None):
        super().__init__(_("Chuyển sang năm học mới"), parent)
        self.db, self.actor, self.source = db, actor, source
        first = int(source.name[:4]) + 1
        self.add_field(_("Từ năm học:"), QLabel(source.name, self))
        self.name = self.line(_("Năm học mới:"), "year", f"{first}-{first + 1}")
        self.first_monday = self.line(_("Thứ Hai của tuần 1:"), "first_monday",
                                      suggested_monday(self.name.text()), placeholder=DATE_PLACEHOLDER)
        follow_year_name(self.name, self.first_monday)
        self.keep_homerooms = QCheckBox(_("Giữ giáo viên chủ nhiệm"), self)
        self.add_field("", self.keep_homerooms)
        note = QLabel(_("Các lớp và tổ chuyên môn được chép sang năm mới; phân công giảng dạy làm lại từ đầu."), self)
        note.setWordWrap(True)
        self.add_field("", note)

    def submit(self) -> uuid.UUID:
        first_monday = date_from_text(self.first_monday.text(), "first_monday", required=True,
                                      what=_("ngày Thứ Hai của tuần 1"))
        return school.rollover_year(self.db, self.actor, self.source.id, self.name.text(), first_monday,
                                    carry_homerooms=self.keep_homerooms.isChecked())


class DayOffDialog(FormDialog):
    """A day the school does not teach, or a make-up day it teaches."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(_("Thêm ngày nghỉ"), parent)
        self.db, self.actor = db, actor
        self.day = self.line(_("Ngày:"), "day", placeholder=DATE_PLACEHOLDER)
        self.reason = self.line(_("Lí do:"), "name", placeholder=_("ví dụ: Nghỉ bù ngày 20/11"))
        self.working = QCheckBox(_("Ngày làm bù (đi học vào ngày này)"), self)
        self.add_field("", self.working, "working")

    def submit(self) -> uuid.UUID:
        day = date_from_text(self.day.text(), "day", required=True, what=_("ngày"))
        return school.add_day_off(self.db, self.actor, day, self.reason.text(), working=self.working.isChecked())


def weekday(day: dt.date) -> str:
    return WEEKDAYS[day.weekday()]


class YearsPage(AdminPage):
    def __init__(self, db: Database, actor: Actor, messages: Messages, parent: QWidget | None = None):
        super().__init__(db, actor, messages, parent)
        self.manage = self.may(Action.SCHOOL_YEAR_MANAGE)
        self.years: list[tuple[SchoolYear, bool]] = []
        outer = QHBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        outer.addWidget(splitter)

        left = QWidget(splitter)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel(_("Năm học"), left))
        self.year_list = QListWidget(left)
        left_layout.addWidget(self.year_list, 1)
        self.new_year_button = QPushButton(_("Tạo năm học mới…"), left)
        self.rollover_button = QPushButton(_("Chuyển sang năm học mới…"), left)
        for button in (self.new_year_button, self.rollover_button):
            button.setAutoDefault(False)
            button.setVisible(self.manage)
            left_layout.addWidget(button)
        self.rollover_button.setVisible(self.manage and self.may(Action.CLASS_MANAGE))

        right = QWidget(splitter)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        self.period_label = QLabel(right)
        form.addRow(_("Thời gian:"), self.period_label)
        body_row = QHBoxLayout()
        self.governing_body = QLineEdit(right)
        self.governing_body.setReadOnly(not self.manage)
        self.governing_body.setToolTip(_("Dòng đầu tiên của tiêu đề các sổ và văn bản của năm học này."))
        body_row.addWidget(self.governing_body, 1)
        self.save_body_button = QPushButton(_("Lưu"), right)
        self.save_body_button.setAutoDefault(False)
        self.save_body_button.setVisible(self.manage)
        body_row.addWidget(self.save_body_button)
        self.body_status = QLabel(right)
        body_row.addWidget(self.body_status)
        form.addRow(_("Cơ quan quản lý:"), body_row)
        right_layout.addLayout(form)

        tables = QHBoxLayout()
        weeks_group = QGroupBox(_("35 tuần thực học"), right)
        weeks_layout = QVBoxLayout(weeks_group)
        self.weeks_model = RowTableModel(WEEK_COLUMNS, self)
        self.weeks_table = make_table(self.weeks_model, weeks_group)
        metrics = self.weeks_table.fontMetrics()
        for number, column in enumerate(WEEK_COLUMNS):  # fixed widths: the contents never vary
            sample = "00/00/0000" if number >= 2 else "00"
            width = max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(column.title)) + 28
            self.weeks_table.horizontalHeader().resizeSection(number, width)
        self.weeks_table.setMinimumWidth(natural_width(self.weeks_table))
        weeks_layout.addWidget(self.weeks_table)
        tables.addWidget(weeks_group, 0)

        side = QVBoxLayout()
        days_group = QGroupBox(_("Ngày nghỉ và ngày làm bù của trường"), right)
        days_layout = QVBoxLayout(days_group)
        self.days_model = RowTableModel(DAY_OFF_COLUMNS, self)
        self.days_table = make_table(self.days_model, days_group, stretch=2)
        days_layout.addWidget(self.days_table, 1)
        day_buttons = QHBoxLayout()
        self.add_day_button = QPushButton(_("Thêm ngày nghỉ…"), days_group)
        self.remove_day_button = QPushButton(_("Xóa ngày nghỉ"), days_group)
        for button in (self.add_day_button, self.remove_day_button):
            button.setAutoDefault(False)
            button.setVisible(self.manage)
            day_buttons.addWidget(button)
        day_buttons.addStretch(1)
        days_layout.addLayout(day_buttons)
        side.addWidget(days_group, 1)
        holidays_group = QGroupBox(_("Ngày nghỉ lễ"), right)
        holidays_layout = QVBoxLayout(holidays_group)
        self.holidays_model = RowTableModel(HOLIDAY_COLUMNS, self)
        self.holidays_table = make_table(self.holidays_model, holidays_group, stretch=2)
        holidays_layout.addWidget(self.holidays_table)
        side.addWidget(holidays_group, 1)
        tables.addLayout(side, 1)
        right_layout.addLayout(tables, 1)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([170, 1070])

        self.year_list.currentRowChanged.connect(lambda _row: self.show_year())
        self.new_year_button.clicked.connect(self.open_new_year)
        self.rollover_button.clicked.connect(self.open_rollover)
        self.save_body_button.clicked.connect(self.save_governing_body)
        self.governing_body.returnPressed.connect(self.save_governing_body)
        self.add_day_button.clicked.connect(self.open_add_day_off)
        self.remove_day_button.clicked.connect(self.remove_day_off)
        self.days_table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.refresh()

    # --- loading ---------------------------------------------------------------------

    def refresh(self, select: uuid.UUID | None = None) -> None:
        keep = select or (self.selected_year().id if self.selected_year() else None)
        self.years = load_years(self)
        self.year_list.blockSignals(True)
        self.year_list.clear()
        wanted = -1
        for n, (year, is_current) in enumerate(self.years):
            item = QListWidgetItem(_("{name} (năm hiện tại)").format(name=year.name) if is_current else year.name)
            if is_current:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.year_list.addItem(item)
            if year.id == keep or (keep is None and is_current):
                wanted = n
        if wanted < 0:
            wanted = len(self.years) - 1
        self.year_list.setCurrentRow(wanted)
        self.year_list.blockSignals(False)
        self.show_year()

    def selected_year(self) -> SchoolYear | None:
        row = self.year_list.currentRow()
        return self.years[row][0] if 0 <= row < len(self.years) else None

    def show_year(self) -> None:
        year = self.selected_year()
        self.body_status.clear()
        if year is None:
            self.period_label.clear()
            self.governing_body.clear()
            for model in (self.weeks_model, self.days_model, self.holidays_model):
                model.set_rows([])
            self._update_buttons()
            return
        self.period_label.setText(_("từ {start} đến {end}").format(
            start=format_date(year.start_date), end=format_date(year.end_date)))
        self.governing_body.setText(year.governing_body)
        ok, weeks = self.call(school.year_weeks, self.db, self.actor, year.id)
        self.weeks_model.set_rows([
            Row((str(w.number), TERM_NAMES.get(w.term, str(w.term)), format_date(w.start_date),
                 format_date(w.end_date)),
                (w.number, w.term, date_key(w.start_date), date_key(w.end_date)), w)
            for w in (weeks if ok else [])
        ])
        start, end = year_span(year)
        ok, days_off = self.call(school.school_days_off, self.db, self.actor)
        self.days_model.set_rows([
            Row((format_date(d.day), weekday(d.day), d.name, _("Làm bù") if d.working else _("Nghỉ")),
                (date_key(d.day), d.day.weekday(), text_key(d.name), d.working), d, dim=d.working)
            for d in (days_off if ok else []) if start <= d.day <= end
        ])
        holidays = calendar.public_holidays(range(start.year, end.year + 1))
        self.holidays_model.set_rows([
            Row((format_date(day), weekday(day), name), (date_key(day), day.weekday(), text_key(name)), day)
            for day, name in sorted(holidays.items()) if start <= day <= end
        ])
        for view in (self.days_table, self.holidays_table):
            fit_columns(view)
        self._update_buttons()

    def _update_buttons(self) -> None:
        year = self.selected_year()
        self.rollover_button.setEnabled(year is not None)
        self.save_body_button.setEnabled(year is not None)
        self.add_day_button.setEnabled(year is not None)
        self.remove_day_button.setEnabled(selected_row(self.days_table) >= 0)

    # --- actions ---------------------------------------------------------------------

    def open_new_year(self) -> YearDialog:
        dialog = YearDialog(self.db, self.actor, next_year_name([y for y, _c in self.years]), self)
        return self.open_dialog(dialog, lambda: self.refresh(select=dialog.result_value))

    def open_rollover(self) -> RolloverDialog | None:
        year = self.selected_year()
        if year is None:
            return None
        dialog = RolloverDialog(self.db, self.actor, year, self)
        return self.open_dialog(dialog, lambda: self.refresh(select=dialog.result_value))

    def save_governing_body(self) -> None:
        year = self.selected_year()
        if year is None or not self.manage:
            return
        ok, _result = self.call(school.set_governing_body, self.db, self.actor, year.id, self.governing_body.text())
        self.refresh()
        if ok:
            self.body_status.setText(_("Đã lưu."))

    def open_add_day_off(self) -> DayOffDialog:
        dialog = DayOffDialog(self.db, self.actor, self)
        return self.open_dialog(dialog, self.refresh)

    def remove_day_off(self) -> None:
        day_off = self.days_model.payload(selected_row(self.days_table))
        if day_off is None:
            return
        if not self.messages.confirm(self, _("Xóa ngày {day} ({name}) khỏi lịch của trường?").format(
                day=format_date(day_off.day), name=day_off.name)):
            return
        ok, _result = self.call(school.remove_day_off, self.db, self.actor, day_off.id)
        if ok:
            self.refresh()
