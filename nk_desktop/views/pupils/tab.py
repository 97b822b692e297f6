"""The "Học sinh" tab: a class list on a date, searched without accents, and the pupil record actions.

One ``class_list`` call per load fills the grid (official order, counts by gender and
ethnic group).  Teachers see only their classes (``visible_classes``); the buttons that
change data are enabled where ``may_edit_class`` allows, and the services check again.
"Nhập từ Excel…" (shown to who may import into the class) reads and plans the file in the
background and opens the dry run (``import_dialog``); a whole-school list (its "Lớp" column
naming other classes) goes into those classes for who may import into every class; "Xuất Excel…" writes the class, and for
school-wide readers "Xuất cả trường…" every class of the year.
"""

from __future__ import annotations

import datetime as dt
import uuid

from PySide6.QtCore import QDate, QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
    QPushButton, QTableView, QVBoxLayout, QWidget,
)

from nk_desktop.actor import Actor
from nk_desktop.clock import today
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.models.school import SchoolYear
from nk_desktop.views.common import BackgroundOperation
from nk_desktop.services import duplicates, pupils, school
from nk_desktop.services.pupils import ClassList, PupilRow
from nk_desktop.views.common.messages import confirm as ask
from nk_desktop.views.pupils.form import ERROR_STYLE, Confirm
from nk_desktop.views.pupils.duplicates_dialog import DuplicatesDialog
from nk_desktop.views.pupils.history_dialog import HistoryDialog
from nk_desktop.views.pupils.import_dialog import AskPath, ImportPreviewDialog, plan_in_background
from nk_desktop.views.pupils.leave_dialogs import DropOutDialog, MoveClassDialog, TransferOutDialog
from nk_desktop.views.pupils.record_dialog import PupilRecordDialog
from nk_desktop.views.pupils.table_model import COLUMNS, PupilTableModel, has_left

_NO_MODIFIER = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
SEARCH_PLACEHOLDER = _("Tìm theo tên (không cần dấu)…")
# A typical widest value of each column but the last (the header title counts too); the note column
# takes the rest.  Fixed widths: sizing to contents would cost a pass over the rows at every load.
_WIDTH_SAMPLES = ("000", "Nguyễn Thị Phương Thảo", "00/00/0000", "Nam", "Bru Vân Kiều", "000000000000",
                  "00000000000000000000", "0000000000")


def counts_text(listing: ClassList) -> str:
    """"Sĩ số: 35 (Nữ: 17, Nam: 18) · Dân tộc: Kinh 34, Tày 1" for the pupils in class on the list's date."""
    total = sum(listing.by_gender.values())
    text = _("Sĩ số: {n}").format(n=total)
    genders = [f"{gender}: {listing.by_gender[gender]}" for gender in ("Nữ", "Nam") if gender in listing.by_gender]
    genders += [f"{gender}: {count}" for gender, count in sorted(listing.by_gender.items())
                if gender not in ("Nữ", "Nam")]
    if genders:
        text += f" ({', '.join(genders)})"
    if listing.by_ethnicity:
        groups = sorted(listing.by_ethnicity.items(), key=lambda item: (-item[1], _ethnic_rank(item[0])))
        text += " · " + _("Dân tộc: {groups}").format(groups=", ".join(f"{name} {n}" for name, n in groups))
    return text


def _ethnic_rank(name: str) -> tuple[int, str]:
    try:
        return pupils.ETHNIC_GROUPS.index(name), name
    except ValueError:
        return len(pupils.ETHNIC_GROUPS), name


def ask_open_path(parent: QWidget | None, title: str, suggested: str) -> str:
    from PySide6.QtWidgets import QFileDialog

    path, _filter = QFileDialog.getOpenFileName(parent, title, suggested, _("Bảng tính Excel (*.xlsx *.xlsm)"))
    return path


def ask_save_path(parent: QWidget | None, title: str, suggested: str) -> str:
    from PySide6.QtWidgets import QFileDialog

    path, _filter = QFileDialog.getSaveFileName(parent, title, suggested, _("Bảng tính Excel (*.xlsx)"))
    if path and not path.lower().endswith(".xlsx"):
        path += ".xlsx"
    return path


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


class PupilsTab(QWidget):
    """Class lists and pupil records for the year and class chosen at the top."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None, *, confirm: Confirm = ask,
                 open_path: AskPath = ask_open_path, save_path: AskPath = ask_save_path):
        super().__init__(parent)
        self.db, self.actor, self.confirm = db, actor, confirm
        self.open_path, self.save_path = open_path, save_path  # file choosers (tests inject their own)
        self.listing: ClassList | None = None
        self.may_edit = False
        self.may_import = False
        self.operation: BackgroundOperation | None = None  # the import / export running or run last
        self.sees_school = pupils.may_view_school(db, actor)
        self.imports_school = pupils.may_import_school(db, actor)
        self.merges = duplicates.may_merge(db, actor)  # the school-wide pupil editors
        self.dialog: QDialog | None = None  # the dialog opened last (tests drive it without exec())
        self._years: dict[uuid.UUID, SchoolYear] = {}
        self._years_error = ""
        self._build()
        self._load_years()

    # --- building ----------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.year_combo = QComboBox(self)
        self.year_combo.setMinimumContentsLength(9)
        self.class_combo = QComboBox(self)
        self.class_combo.setMinimumContentsLength(5)
        self.class_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.date_edit = QDateEdit(self)
        self.date_edit.setDisplayFormat("dd/MM/yyyy")
        self.date_edit.setCalendarPopup(True)
        self.left_check = QCheckBox(_("Hiện cả học sinh đã rời lớp"), self)
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(SEARCH_PLACEHOLDER)
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(self.fontMetrics().horizontalAdvance(SEARCH_PLACEHOLDER) + 40)
        for text, widget in ((_("Năm học:"), self.year_combo), (_("Lớp:"), self.class_combo),
                             (_("Sĩ số tính đến ngày:"), self.date_edit)):
            label = QLabel(text, self)
            label.setBuddy(widget)
            top.addWidget(label)
            top.addWidget(widget)
            top.addSpacing(8)
        top.addWidget(self.left_check)
        top.addStretch(1)
        top.addWidget(self.search_edit)
        layout.addLayout(top)

        self.model = PupilTableModel(self)
        self.table = self._make_table()
        layout.addWidget(self.table, 1)

        under = QHBoxLayout()
        self.counts_label = QLabel(self)
        self.counts_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.counts_label.setWordWrap(True)  # the class-size and Điều 7.1 notes must not widen the window
        self.found_label = QLabel(self)
        under.addWidget(self.counts_label, 1)
        under.addWidget(self.found_label)
        layout.addLayout(under)
        self.notice_label = QLabel(self)
        self.notice_label.setWordWrap(True)
        self.notice_label.setStyleSheet(ERROR_STYLE)
        self.notice_label.hide()
        layout.addWidget(self.notice_label)

        buttons = QHBoxLayout()
        self.add_button = QPushButton(_("Thêm học sinh…"), self)
        self.edit_button = QPushButton(_("Sửa…"), self)
        self.transfer_button = QPushButton(_("Chuyển đi…"), self)
        self.dropout_button = QPushButton(_("Bỏ học…"), self)
        self.move_button = QPushButton(_("Chuyển lớp…"), self)
        self.history_button = QPushButton(_("Quá trình học"), self)
        self.import_button = QPushButton(_("Nhập từ Excel…"), self)
        self.export_button = QPushButton(_("Xuất Excel…"), self)
        self.export_school_button = QPushButton(_("Xuất cả trường…"), self)
        self.duplicates_button = QPushButton(_("Học sinh có thể trùng…"), self)
        self.buttons = (self.add_button, self.edit_button, self.transfer_button, self.dropout_button,
                        self.move_button, self.history_button)
        self.excel_buttons = (self.import_button, self.export_button, self.export_school_button,
                              self.duplicates_button)
        for button in (*self.buttons, *self.excel_buttons):
            button.setAutoDefault(False)
            if button is self.import_button:
                buttons.addStretch(1)
            buttons.addWidget(button)
        self.export_school_button.setVisible(self.sees_school)
        self.duplicates_button.setVisible(self.merges)
        layout.addLayout(buttons)

        order = (self.year_combo, self.class_combo, self.date_edit, self.left_check, self.search_edit, self.table,
                 *self.buttons, *self.excel_buttons)
        for first, second in zip(order, order[1:]):
            QWidget.setTabOrder(first, second)

        self.year_combo.currentIndexChanged.connect(self._year_changed)
        self.class_combo.currentIndexChanged.connect(self._class_changed)
        self.date_edit.dateChanged.connect(lambda _date: self.reload())
        self.left_check.toggled.connect(lambda _on: self.reload())
        self.search_edit.textChanged.connect(self._search_changed)
        self.search_edit.returnPressed.connect(self._enter_table)
        self.search_edit.installEventFilter(self)
        self.table.doubleClicked.connect(lambda _index: self.open_record())
        self.table.installEventFilter(self)  # Enter opens the record (``activated`` differs by platform)
        self.table.selectionModel().selectionChanged.connect(lambda *_args: self._update_buttons())
        self.add_button.clicked.connect(self.add_pupil)
        self.edit_button.clicked.connect(self.open_record)
        self.transfer_button.clicked.connect(self.transfer_out)
        self.dropout_button.clicked.connect(self.drop_out)
        self.move_button.clicked.connect(self.move_to_class)
        self.history_button.clicked.connect(self.show_history)
        self.import_button.clicked.connect(self.import_file)
        self.export_button.clicked.connect(lambda: self.export_file())
        self.export_school_button.clicked.connect(lambda: self.export_file(whole_school=True))
        self.duplicates_button.clicked.connect(self.show_duplicates)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)

    def _make_table(self) -> QTableView:
        view = QTableView(self)
        view.setModel(self.model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setAlternatingRowColors(True)
        view.setWordWrap(False)
        view.setTabKeyNavigation(False)  # Tab leaves the grid for the buttons; arrows move inside it
        vertical = view.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(view.fontMetrics().height() + 10)
        header = view.horizontalHeader()
        header.setResizeContentsPrecision(50)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(True)
        cell, title = view.fontMetrics(), header.fontMetrics()
        for column, sample in enumerate(_WIDTH_SAMPLES):
            width = max(cell.horizontalAdvance(sample), title.horizontalAdvance(COLUMNS[column])) + 24
            header.resizeSection(column, width)
        return view

    # --- loading -----------------------------------------------------------------------

    def _load_years(self) -> None:
        try:
            years = school.list_years(self.db, self.actor)
        except NKError as error:
            self._years_error = str(error)
            years = []
        self._years = {year.id: year for year, _current in years}
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        for year, is_current in years:
            self.year_combo.addItem(year.name, year.id)
            if is_current:
                self.year_combo.setCurrentIndex(self.year_combo.count() - 1)
        self.year_combo.blockSignals(False)
        self._year_changed()

    def current_year(self) -> SchoolYear | None:
        return self._years.get(self.year_combo.currentData())

    def current_class_id(self) -> uuid.UUID | None:
        return self.class_combo.currentData()

    def on_date(self) -> dt.date:
        return self.date_edit.date().toPython()

    def _year_changed(self) -> None:
        year = self.current_year()
        classes = []
        if year is not None:
            self.date_edit.blockSignals(True)
            self.date_edit.setDateRange(_qdate(year.start_date), _qdate(year.end_date))
            self.date_edit.setDate(_qdate(min(max(today(), year.start_date), year.end_date)))
            self.date_edit.blockSignals(False)
            classes = pupils.visible_classes(self.db, self.actor, year.id)  # refuses nothing: filters
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        for school_class in classes:
            self.class_combo.addItem(school_class.name, school_class.id)
        self.class_combo.blockSignals(False)
        self.class_combo.setEnabled(bool(classes))
        self._class_changed()

    def _class_changed(self) -> None:
        class_id = self.current_class_id()
        self.may_edit = class_id is not None and pupils.may_edit_class(self.db, self.actor, class_id)
        self.may_import = class_id is not None and pupils.may_import_class(self.db, self.actor, class_id)
        self.import_button.setVisible(self.may_import)
        self.reload()

    def reload(self, select: uuid.UUID | None = None) -> None:
        """Load the chosen class on the chosen date (one service call); keep or move the selection."""
        keep = select or self._selected_id()
        class_id = self.current_class_id()
        self.listing = None
        self._notice("")
        if class_id is not None:
            try:
                self.listing = pupils.class_list(self.db, self.actor, class_id, on=self.on_date(),
                                                 include_left=self.left_check.isChecked())
            except NKError as error:
                self._notice(str(error))
        elif self.current_year() is None:
            self._notice(self._years_error or _("Chưa có năm học nào."), error=bool(self._years_error))
        else:
            self._notice(_("Bạn không có lớp nào để xem trong năm học {name}.").format(
                name=self.current_year().name), error=False)
        if self.listing is None:
            self.model.set_rows([], self.on_date())
            self.counts_label.setText("")
        else:
            self.model.set_rows(self.listing.rows, self.listing.on)
            self.counts_label.setText(self._counts())
        self._show_found()
        self._select(keep)
        self._update_buttons()

    def _counts(self) -> str:
        text = counts_text(self.listing)
        left = self.model.left_count()
        if left:
            text += " · " + _("Đã rời lớp: {n}").format(n=left)
        lacking = sum(1 for row in self.listing.rows if row.missing and not has_left(row, self.listing.on))
        if lacking:
            text += " · " + _("Hồ sơ còn thiếu thông tin tối thiểu (Điều 7.1): {n}").format(n=lacking)
        warning = school.class_size_warning(self.listing.class_name, sum(self.listing.by_gender.values()))
        self.counts_label.setStyleSheet(ERROR_STYLE if warning else "")
        self.counts_label.setToolTip(warning)
        return f"{text} · {warning}" if warning else text

    def _notice(self, text: str, *, error: bool = True) -> None:
        self.notice_label.setText(text)
        self.notice_label.setStyleSheet(ERROR_STYLE if error else "")
        self.notice_label.setVisible(bool(text))

    # --- searching and selecting ---------------------------------------------------------

    def _search_changed(self, text: str) -> None:
        keep = self._selected_id()
        self.model.set_filter(text)
        self._show_found()
        self._select(keep)
        self._update_buttons()

    def _show_found(self) -> None:
        if self.search_edit.text().strip():
            self.found_label.setText(_("Tìm thấy {n}/{total} học sinh").format(
                n=self.model.rowCount(), total=self.model.total()))
        else:
            self.found_label.setText("")

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def _enter_table(self) -> None:
        """Enter or Down in the search box: on to the list, at the first match."""
        if self.model.rowCount() and self.selected_row() is None:
            self.table.selectRow(0)
        self.table.setFocus(Qt.FocusReason.TabFocusReason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and event.modifiers() in _NO_MODIFIER:
            if watched is self.search_edit and event.key() == Qt.Key.Key_Down:
                self._enter_table()
                return True
            if watched is self.table and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.open_record()
                return True
        return super().eventFilter(watched, event)

    def selected_row(self) -> PupilRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.pupil_at(rows[0].row()) if rows else None

    def _selected_id(self) -> uuid.UUID | None:
        row = self.selected_row()
        return row.id if row else None

    def select_pupil(self, pupil_id: uuid.UUID) -> bool:
        """Select the pupil's row when it is shown."""
        position = self.model.row_of(pupil_id)
        if position < 0:
            return False
        self.table.selectRow(position)
        self.table.scrollTo(self.model.index(position, 0))
        return True

    def _select(self, pupil_id: uuid.UUID | None) -> None:
        if pupil_id is None or not self.select_pupil(pupil_id):
            self.table.clearSelection()

    def _update_buttons(self) -> None:
        row = self.selected_row()
        present = row is not None and row.end_date is None
        self.add_button.setEnabled(self.may_edit)
        self.edit_button.setEnabled(self.may_edit and row is not None)
        for button in (self.transfer_button, self.dropout_button, self.move_button):
            button.setEnabled(self.may_edit and present)
        self.history_button.setEnabled(row is not None)
        idle = self.operation is None or not self.operation.running
        self.import_button.setEnabled(self.may_import and idle)
        self.export_button.setEnabled(self.listing is not None and idle)
        self.export_school_button.setEnabled(self.sees_school and self.current_year() is not None and idle)
        self.duplicates_button.setEnabled(self.merges and self.current_year() is not None)

    # --- actions -------------------------------------------------------------------------

    def _open(self, dialog: QDialog) -> QDialog:
        """Show *dialog* window-modal without blocking; reload (selecting the pupil) when it is accepted."""
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = dialog

        def accepted() -> None:
            chosen = getattr(dialog, "result_value", None)
            self.reload(select=chosen if isinstance(chosen, uuid.UUID) else None)

        dialog.accepted.connect(accepted)
        dialog.open()
        return dialog

    def add_pupil(self) -> QDialog | None:
        year, class_id = self.current_year(), self.current_class_id()
        if not self.may_edit or year is None or class_id is None:
            return None
        return self._open(PupilRecordDialog(
            self.db, self.actor, class_id=class_id, class_name=self.class_combo.currentText(),
            year_start=year.start_date, on=self.on_date(), confirm=self.confirm, parent=self))

    def open_record(self) -> QDialog | None:
        """The selected pupil's record: editable for whoever may edit the class, otherwise read-only."""
        row, year = self.selected_row(), self.current_year()
        if row is None or year is None:
            return None
        try:
            pupil = pupils.get_pupil(self.db, self.actor, row.id)
        except NKError as error:
            self._notice(str(error))
            return None
        return self._open(PupilRecordDialog(
            self.db, self.actor, class_id=self.current_class_id(), class_name=self.class_combo.currentText(),
            year_start=year.start_date, on=self.on_date(), pupil=pupil, row=row, read_only=not self.may_edit,
            confirm=self.confirm, parent=self))

    def _leaving_row(self) -> PupilRow | None:
        row = self.selected_row()
        return row if self.may_edit and row is not None and row.end_date is None else None

    def transfer_out(self) -> QDialog | None:
        row = self._leaving_row()
        return self._open(TransferOutDialog(self.db, self.actor, row, self.on_date(), self)) if row else None

    def drop_out(self) -> QDialog | None:
        row = self._leaving_row()
        return self._open(DropOutDialog(self.db, self.actor, row, self.on_date(), self)) if row else None

    def move_to_class(self) -> QDialog | None:
        row = self._leaving_row()
        if row is None:
            return None
        others = [(self.class_combo.itemData(n), self.class_combo.itemText(n)) for n in range(self.class_combo.count())
                  if self.class_combo.itemData(n) != self.current_class_id()]
        return self._open(MoveClassDialog(self.db, self.actor, row, self.on_date(), others, self))

    def show_history(self) -> QDialog | None:
        row = self.selected_row()
        if row is None:
            return None
        try:
            stays = pupils.history(self.db, self.actor, row.id)
        except NKError as error:
            self._notice(str(error))
            return None
        return self._open(HistoryDialog(row.full_name, stays, self))

    def show_duplicates(self) -> QDialog | None:
        """Pairs of records that look like one child (two PCs entered the same pupil): merge or mark distinct."""
        year = self.current_year()
        if not self.merges or year is None:
            return None
        return self._open(DuplicatesDialog(self.db, self.actor, year.id, year.name, self))

    # --- Excel in and out ------------------------------------------------------------------

    def import_file(self) -> BackgroundOperation | None:
        """Choose a file, then read and plan it in the background; the dry run opens when it is ready."""
        year, class_id = self.current_year(), self.current_class_id()
        if not self.may_import or year is None or class_id is None:
            return None
        path = self.open_path(self, _("Chọn tệp danh sách học sinh (Excel)"), "")
        if not path:
            return None
        class_name = self.class_combo.currentText()
        self._notice("")

        def planned(plan) -> None:
            self._update_buttons()
            if plan.class_id is None:
                target = _("các lớp ghi ở cột “Lớp”, năm học {year}").format(year=year.name)
            else:
                target = _("lớp {cls}, năm học {year}").format(cls=class_name, year=year.name)
            self._open_import(ImportPreviewDialog(self.db, self.actor, plan, target=target,
                                                  ask_save_path=self.save_path, parent=self))

        def failed(error: BaseException) -> None:
            self._update_buttons()
            self._notice(str(error) if isinstance(error, NKError) else _("Không đọc được tệp: {e}").format(e=error))

        self.operation = plan_in_background(self, self.db, self.actor, path, year.id, class_id,
                                            on_success=planned, on_failure=failed, class_name=class_name,
                                            school_wide=self.imports_school)
        self.operation.finished.connect(self._update_buttons)
        self._update_buttons()
        return self.operation

    def _open_import(self, dialog: ImportPreviewDialog) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = dialog

        def accepted() -> None:
            counts = dialog.result_counts or {}
            self.reload()
            self._notice(_("Đã nhập: thêm mới {new}, cập nhật {updated}, không đổi {unchanged}.").format(
                new=counts.get("new", 0), updated=counts.get("updated", 0), unchanged=counts.get("unchanged", 0)),
                error=False)

        dialog.accepted.connect(accepted)
        dialog.open()

    def export_file(self, *, whole_school: bool = False) -> BackgroundOperation | None:
        """Write the class (or every class of the year) to .xlsx in the background."""
        year, class_id = self.current_year(), self.current_class_id()
        if year is None or (not whole_school and class_id is None):
            return None
        if whole_school:
            suggested = _("Danh-sach-hoc-sinh-toan-truong-{year}.xlsx").format(year=year.name)
        else:
            suggested = _("Danh-sach-hoc-sinh-lop-{cls}-{year}.xlsx").format(cls=self.class_combo.currentText(),
                                                                            year=year.name)
        path = self.save_path(self, _("Xuất danh sách học sinh ra Excel"), suggested)
        if not path:
            return None
        db, actor, year_id = self.db, self.actor, year.id
        target = None if whole_school else class_id

        def done(count: int) -> None:
            self._update_buttons()
            self._notice(_("Đã xuất {n} học sinh vào {path}.").format(n=count, path=path), error=False)

        def failed(error: BaseException) -> None:
            self._update_buttons()
            self._notice(str(error) if isinstance(error, NKError) else _("Không xuất được: {e}").format(e=error))

        from nk_desktop.exchange.pupils import export_pupils

        self.operation = BackgroundOperation(
            self, lambda _progress, _cancelled: export_pupils(db, actor, year_id, target, path),
            label=_("Đang xuất danh sách học sinh…"), cancellable=False, on_success=done, on_failure=failed)
        self.operation.start()
        self._update_buttons()
        return self.operation
