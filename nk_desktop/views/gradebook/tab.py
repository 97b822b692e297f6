"""The "Sổ điểm" tab: choose class, subject (or the qualities and competencies) and milestone, then
enter marks like in Excel; the year-end results and the correction requests are sub-tabs.

A class's subject grids are read together (``gradebook.class_grid``, once per class ×
milestone × day) and kept; choosing another subject builds its grid from what was read.
A save drops that subject's copy, so it is read again when chosen again.  Each save is
one call (``editing``).  What an actor
may open comes from ``gradebook.gradebook_choices``; the services check every right again.
Services get ``on=today()`` (injectable), so deadlines are decided for a known day.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import (
    QComboBox, QDialog, QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget,
)

from nk_desktop import clock
from nk_desktop.actor import Actor
from nk_desktop.db import Database, StaleRecord
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services import gradebook
from nk_desktop.services.gradebook import ClassChoice, GradebookChoices
from nk_desktop.exchange.scores import export_score_sheet
from nk_desktop.exchange.traits import export_traits_sheet
from nk_desktop.text import fold
from nk_desktop.views.common import BackgroundOperation
from nk_desktop.views.common.messages import error_text
from nk_desktop.views.gradebook.conflict_dialog import ConflictDialog
from nk_desktop.views.gradebook.excel import SheetImportDialog, dry_run_in_background
from nk_desktop.views.gradebook.correction_dialog import CorrectionDialog
from nk_desktop.views.gradebook.corrections_page import CorrectionsPage
from nk_desktop.views.gradebook.grid_page import GridPage
from nk_desktop.views.gradebook.prompts import Prompts
from nk_desktop.views.gradebook.results_page import ResultsPage
from nk_desktop.views.gradebook.sheets import Sheet, SubjectSheet, TraitSheet, groups_text
from nk_desktop.views.common.widgets import ERROR_STYLE

TRAITS_KEY = "traits"
TRAITS_TITLE = _("Phẩm chất, năng lực")
NOTE_STYLE = "color: #555555;"


class GradebookTab(QWidget):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None, *,
                 today: Callable[[], dt.date] = clock.today, prompts: Prompts | None = None):
        super().__init__(parent)
        self.db, self.actor, self.today = db, actor, today
        self.prompts = prompts or Prompts()
        self.choices: GradebookChoices | None = None
        self._grids_key: tuple | None = None  # (class, milestone, day) of the subject grids kept
        self._grids: dict[uuid.UUID, gradebook.SubjectGrid] = {}
        self.dialog: QDialog | None = None  # the dialog opened last (tests drive it without exec())
        self.operation: BackgroundOperation | None = None  # the Excel export / import running or run last
        self._build()
        self.reload_choices()

    # --- building ----------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        self.class_combo = QComboBox(self)
        self.class_combo.setMinimumContentsLength(4)
        self.subject_combo = QComboBox(self)
        self.subject_combo.setMinimumContentsLength(20)
        self.subject_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.milestone_combo = QComboBox(self)
        for code in rules.MILESTONES:
            self.milestone_combo.addItem(rules.MILESTONE_NAMES[code], code)
        for text, widget in ((_("Lớp:"), self.class_combo), (_("Môn học:"), self.subject_combo),
                             (_("Thời điểm:"), self.milestone_combo)):
            label = QLabel(text, self)
            label.setBuddy(widget)
            top.addWidget(label)
            top.addWidget(widget)
            top.addSpacing(10)
        top.addStretch(1)
        self.undo_button = QPushButton(_("Hoàn tác"), self)
        self.undo_button.setToolTip(_("Hoàn tác lần lưu vừa rồi (Ctrl+Z)"))
        self.redo_button = QPushButton(_("Làm lại"), self)
        self.redo_button.setToolTip(_("Làm lại (Ctrl+Y)"))
        self.correction_button = QPushButton(_("Lập biên bản sửa điểm…"), self)
        self.correction_button.setToolTip(_("Đề nghị sửa ô đang chọn sau hạn nhập hoặc khi sổ đã khóa (Điều 11.2)"))
        self.export_button = QPushButton(_("Xuất phiếu điểm…"), self)
        self.export_button.setToolTip(_("Ghi bảng đang xem ra tệp Excel (.xlsx), trống hoặc có sẵn điểm, để nhập ở "
                                        "nhà rồi nhập lại"))
        self.import_button = QPushButton(_("Nhập từ Excel…"), self)
        self.import_button.setToolTip(_("Nhập lại phiếu điểm đã điền: xem trước từng dòng, rồi nhập cả tệp hoặc "
                                        "không gì cả"))
        for button in (self.undo_button, self.redo_button, self.export_button, self.import_button,
                       self.correction_button):
            button.setAutoDefault(False)
            top.addWidget(button)
        layout.addLayout(top)

        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        self.note_label = QLabel(self)
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet(NOTE_STYLE)
        layout.addWidget(self.note_label)

        self.pages = QTabWidget(self)
        self.pages.setDocumentMode(True)
        self.grid_page = GridPage(self)
        self.results_page = ResultsPage(self.db, self.actor, self.prompts, self, today=self.today)
        self.corrections_page = CorrectionsPage(self.db, self.actor, self.prompts, self)
        self.pages.addTab(self.grid_page, _("Nhập đánh giá"))
        self.pages.addTab(self.results_page, _("Kết quả cuối năm"))
        self.pages.addTab(self.corrections_page, _("Biên bản sửa điểm"))
        layout.addWidget(self.pages, 1)

        stack = self.grid_page.stack
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        stack.canUndoChanged.connect(self.undo_button.setEnabled)
        stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.clicked.connect(stack.undo)
        self.redo_button.clicked.connect(stack.redo)
        self.correction_button.clicked.connect(self.request_correction)
        self.export_button.clicked.connect(self.export_sheet)
        self.import_button.clicked.connect(self.import_sheet)
        self.grid_page.editor.on_conflict = self.show_conflict
        self.class_combo.currentIndexChanged.connect(self._class_changed)
        self.subject_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.milestone_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.pages.currentChanged.connect(self._page_changed)

    @property
    def table(self):
        return self.grid_page.table

    @property
    def model(self):
        return self.grid_page.model

    # --- choices -------------------------------------------------------------------------

    def reload_choices(self) -> None:
        self._grids_key, self._grids = None, {}
        try:
            self.choices = gradebook.gradebook_choices(self.db, self.actor, on=self.today())
        except NKError as error:
            self.choices = None
            self.status_label.setText(str(error))
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        for choice in self.choices.classes if self.choices else []:
            self.class_combo.addItem(choice.name, choice.id)
        self.class_combo.blockSignals(False)
        self.class_combo.setEnabled(self.class_combo.count() > 0)
        if self.choices is not None:
            self.milestone_combo.blockSignals(True)
            self.milestone_combo.setCurrentIndex(rules.MILESTONES.index(self.choices.current_milestone))
            self.milestone_combo.blockSignals(False)
        if self.pages.currentWidget() is self.corrections_page:
            self.corrections_page.load(self.choices.year_id if self.choices else None)
        self._class_changed()

    def class_choice(self) -> ClassChoice | None:
        if self.choices is None:
            return None
        wanted = self.class_combo.currentData()
        return next((c for c in self.choices.classes if c.id == wanted), None)

    def subject_key(self) -> str | None:
        return self.subject_combo.currentData()

    def milestone(self) -> str:
        return self.milestone_combo.currentData()

    def _class_changed(self, _index: int = 0) -> None:
        choice = self.class_choice()
        keep = self.subject_key()
        self.subject_combo.blockSignals(True)
        self.subject_combo.clear()
        if choice is not None:
            for subject in choice.subjects:
                self.subject_combo.addItem(subject.name, str(subject.id))
            if choice.traits:
                self.subject_combo.addItem(TRAITS_TITLE, TRAITS_KEY)
            position = self.subject_combo.findData(keep) if keep else -1
            self.subject_combo.setCurrentIndex(max(position, 0))
        self.subject_combo.blockSignals(False)
        self.subject_combo.setEnabled(self.subject_combo.count() > 0)
        self.pages.setTabVisible(1, bool(choice and choice.results))
        if self.pages.currentWidget() is self.results_page:  # otherwise read when the page is opened
            self.results_page.load(choice if choice and choice.results else None)
        self.reload()

    def choose(self, class_name: str, subject: str | None = None, milestone: str | None = None) -> None:
        """Select a class, a subject (by name, or ``TRAITS_TITLE``) and a milestone code, as a user would."""
        self.class_combo.setCurrentIndex(self.class_combo.findText(class_name))
        if subject is not None:
            self.subject_combo.setCurrentIndex(self.subject_combo.findText(subject))
        if milestone is not None:
            self.milestone_combo.setCurrentIndex(self.milestone_combo.findData(milestone))

    # --- loading the grid -------------------------------------------------------------

    def reload(self) -> None:
        """Load the chosen grid (one service call) and say what is due when."""
        choice, key = self.class_choice(), self.subject_key()
        sheet: Sheet | None = None
        error = ""
        if choice is not None and key is not None:
            try:
                if key == TRAITS_KEY:
                    sheet = TraitSheet(self.db, self.actor, choice.id, self.milestone(), self.today())
                else:
                    subject = next(s for s in choice.subjects if str(s.id) == key)
                    sheet = SubjectSheet(self.db, self.actor, choice.id, subject.id, subject.code, self.milestone(),
                                         self.today(), grid=self._subject_grid(choice, subject.id),
                                         on_saved=lambda subject_id: self._grids.pop(subject_id, None))
            except NKError as failure:
                error = str(failure)
        elif self.choices is None:
            error = self.status_label.text() or _("Chưa có năm học nào.")
        elif choice is None:
            error = _("Bạn không có lớp nào trong sổ điểm năm học {y}.").format(y=self.choices.year_name)
        self.grid_page.load(sheet, self._read_only_reason(sheet))
        self._show_status(sheet, error)
        self._excel_buttons()
        self.correction_button.setVisible(self.pages.currentWidget() is self.grid_page
                                          and sheet is not None and sheet.some_closed)

    def _subject_grid(self, choice: ClassChoice, subject_id: uuid.UUID) -> gradebook.SubjectGrid:
        """The subject's grid from the class's grids read together (read again after a save)."""
        key = (choice.id, self.milestone(), self.today())
        if key != self._grids_key:
            self._grids_key = key
            self._grids = {g.subject_id: g for g in gradebook.class_grid(
                self.db, self.actor, choice.id, self.milestone(), [s.id for s in choice.subjects],
                on=self.today()).subjects}
        grid = self._grids.get(subject_id)
        if grid is None:
            grid = self._grids[subject_id] = gradebook.class_grid(
                self.db, self.actor, choice.id, self.milestone(), [subject_id], on=self.today()).subjects[0]
        return grid

    def _read_only_reason(self, sheet: Sheet | None) -> str:
        if sheet is None:
            return ""
        if not sheet.may_edit:
            if isinstance(sheet, TraitSheet):
                return _("Chỉ xem: phẩm chất, năng lực do giáo viên chủ nhiệm của lớp đánh giá.")
            return _("Chỉ xem: chỉ giáo viên được phân công dạy môn này ở lớp này mới nhập điểm.")
        if sheet.window.closed_reason:
            return sheet.window.closed_reason
        return _("Ô này đã quá hạn nhập; muốn sửa phải lập biên bản sửa điểm (Điều 11.2).")

    def _show_status(self, sheet: Sheet | None, error: str) -> None:
        if sheet is None:
            self.status_label.setText(error)
            self.status_label.setStyleSheet(ERROR_STYLE if error else "")
            self.note_label.setText("")
            return
        if not sheet.window.any_open and sheet.window.closed_reason:
            self.status_label.setText(sheet.window.closed_reason)
            self.status_label.setStyleSheet(ERROR_STYLE)
        else:
            self.status_label.setText(sheet.deadlines_text())
            self.status_label.setStyleSheet("")
        notes = []
        if not sheet.may_edit:
            notes.append(self._read_only_reason(sheet))
        if isinstance(sheet, TraitSheet):
            notes.append(groups_text())
        elif sheet.may_edit and not sheet.read_only:
            notes.append(_("Gõ để nhập (T/H/C hoặc cả chữ), Enter xuống dòng, Tab sang phải; dán được cả khối từ "
                           "Excel; chuột phải hoặc Ctrl+Space ở ô Nhận xét để chọn nhận xét mẫu."))
        self.note_label.setText("\n".join(notes))

    def _page_changed(self, index: int) -> None:
        on_grid = self.pages.widget(index) is self.grid_page
        self.subject_combo.setEnabled(on_grid and self.subject_combo.count() > 0)
        self.milestone_combo.setEnabled(on_grid)
        for widget in (self.status_label, self.note_label, self.undo_button, self.redo_button):
            widget.setVisible(on_grid)
        self._excel_buttons()
        sheet = self.grid_page.sheet
        self.correction_button.setVisible(on_grid and sheet is not None and sheet.some_closed)
        if self.pages.widget(index) is self.corrections_page:
            self.corrections_page.load(self.choices.year_id if self.choices else None)
        elif on_grid and self.corrections_page.applied:
            self.corrections_page.applied = False
            self._grids_key, self._grids = None, {}  # a correction changed a cell: read the class again
            self.reload()
        elif self.pages.widget(index) is self.results_page:
            choice = self.class_choice()
            self.results_page.load(choice if choice and choice.results else None)

    # --- corrections -------------------------------------------------------------------------

    def request_correction(self) -> CorrectionDialog | None:
        """The correction request for the selected cell (a mark column; the first one if none is chosen)."""
        sheet = self.grid_page.sheet
        if sheet is None or not sheet.rows:
            return None
        current = self.table.currentIndex()
        row = current.row() if current.isValid() else 0
        column = current.column() if current.isValid() and current.column() >= 2 else 2
        if self.dialog is not None:
            self.dialog.deleteLater()
        dialog = CorrectionDialog(self.db, self.actor, sheet, row, column, on=self.today(),
                                  pick_file=self.prompts.pick_file, parent=self)
        self.dialog = dialog

        def filed() -> None:
            self.corrections_page.load(self.choices.year_id if self.choices else None, select=dialog.request_id)
            self.grid_page.report(_("Đã gửi biên bản sửa điểm; chờ Hiệu trưởng duyệt."), False)

        dialog.accepted.connect(filed)
        dialog.open()
        return dialog

    # --- Excel -----------------------------------------------------------------------------------

    def _excel_buttons(self) -> None:
        """Export for whoever reads the grid; import for whoever may enter it (the services check again)."""
        sheet = self.grid_page.sheet
        on_grid = self.pages.currentWidget() is self.grid_page
        busy = self.operation is not None and self.operation.running
        self.export_button.setVisible(on_grid and sheet is not None)
        self.import_button.setVisible(on_grid and sheet is not None and sheet.may_edit)
        self.export_button.setEnabled(not busy)
        self.import_button.setEnabled(not busy and sheet is not None and sheet.window.any_open)

    def _suggested_name(self, sheet: Sheet) -> str:
        what = fold(sheet.subject_name).replace(" ", "-") if sheet.subject_id else "pham-chat-nang-luc"
        return f"bang-diem-{sheet.class_name}-{what}-{sheet.milestone}.xlsx"

    def export_sheet(self) -> BackgroundOperation | None:
        """Ask blank or filled, then where; write the sheet in the background."""
        sheet = self.grid_page.sheet
        if sheet is None:
            return None
        what = (_("môn {s}").format(s=sheet.subject_name) if sheet.subject_id
                else _("phẩm chất, năng lực"))
        answer = self.prompts.choose(self, _("Xuất phiếu {what} lớp {c}, {m} ra Excel:").format(
            what=what, c=sheet.class_name, m=rules.MILESTONE_NAMES[sheet.milestone]),
            [_("Có sẵn điểm đã nhập"), _("Phiếu trống")])
        if answer < 0:
            return None
        path = self.prompts.save_sheet(self, _("Lưu phiếu điểm"), self._suggested_name(sheet))
        if not path:
            return None
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        blank = answer == 1
        db, actor, day = self.db, self.actor, self.today()

        def work(progress, _cancelled) -> str:
            progress(0, 0, _("Đang ghi {name}…").format(name=Path(path).name))
            if sheet.subject_id is not None:
                return str(export_score_sheet(db, actor, sheet.class_id, sheet.subject_id, sheet.milestone, path,
                                              blank=blank, on=day))
            return str(export_traits_sheet(db, actor, sheet.class_id, sheet.milestone, path, blank=blank, on=day))

        def done(written: str) -> None:
            self.grid_page.report(_("Đã xuất {kind} ra {path}.").format(
                kind=_("phiếu trống") if blank else _("phiếu điểm"), path=written), False)
            self._excel_buttons()

        def failed(error: BaseException) -> None:
            self.grid_page.report(error_text(error), True)
            self._excel_buttons()

        return self._start(BackgroundOperation(self, work, label=_("Đang xuất phiếu điểm…"), on_success=done,
                                               on_failure=failed, cancellable=False))

    def import_sheet(self) -> BackgroundOperation | None:
        """Choose a filled sheet; dry run in the background, then the preview (``SheetImportDialog``)."""
        if self.grid_page.sheet is None:
            return None
        path = self.prompts.open_sheet(self, _("Chọn phiếu điểm đã điền (.xlsx)"))
        if not path:
            return None
        day = self.today()

        def checked(report) -> None:
            self._excel_buttons()
            if self.dialog is not None:
                self.dialog.deleteLater()
            dialog = SheetImportDialog(self.db, self.actor, report, day, self)
            self.dialog = dialog
            dialog.accepted.connect(lambda: self._imported(dialog.applied))
            dialog.open()

        def failed(error: BaseException) -> None:
            self._excel_buttons()
            self.prompts.error(self, error)

        return self._start(dry_run_in_background(self, self.db, self.actor, path, day, on_success=checked,
                                                 on_failure=failed))

    def _start(self, operation: BackgroundOperation) -> BackgroundOperation:
        self.operation = operation
        operation.finished.connect(self._excel_buttons)
        if not operation.running:
            operation.start()
        self._excel_buttons()
        return operation

    def _imported(self, report) -> None:
        """Read the grid again: the import wrote through the services."""
        self._grids_key, self._grids = None, {}
        self.reload()
        if report is not None:
            self.grid_page.report(_("Đã nhập {n} ô từ {name}.").format(n=report.saved, name=Path(report.path).name),
                                  False)

    # --- someone else saved the same cells -----------------------------------------------------

    def show_conflict(self, error: StaleRecord, cells: list[tuple[int, int, object]]) -> ConflictDialog:
        """The conflict dialog (opened, never exec()'d); "Tải lại" reads the grid again and keeps the typing."""
        sheet = self.grid_page.sheet
        typed = [(sheet.rows[r].pupil_id, c, value) for r, c, value in cells] if sheet is not None else []
        if self.dialog is not None:
            self.dialog.deleteLater()
        dialog = ConflictDialog(list(getattr(error, "conflicts", ())), self)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.reload_keeping(typed))
        dialog.open()
        return dialog

    def reload_keeping(self, typed: list[tuple[uuid.UUID, int, object]]) -> None:
        """Read the grid again (their values), then show what was typed here on the same cells, red and unsaved."""
        self._grids_key, self._grids = None, {}
        self.reload()
        sheet = self.grid_page.sheet
        if sheet is None:
            return
        rows = {row.pupil_id: n for n, row in enumerate(sheet.rows)}
        kept = 0
        for pupil_id, column, value in typed:
            row = rows.get(pupil_id)
            if row is None or not self.model.is_editable(row, column):
                continue
            theirs = self.model.text(row, column) or _("(trống)")
            if self.model.text(row, column) == ("" if value is None else str(value)):
                continue  # they saved the same value
            self.model.apply([(row, column, value)], {(row, column): _(
                "Giá trị bạn đã gõ, chưa lưu (giá trị đã lưu: {theirs}). Nhấn F2 rồi Enter để lưu giá trị của bạn."
            ).format(theirs=theirs)})
            kept += 1
        self.grid_page.report(_("Đã tải lại. {n} ô tô đỏ là giá trị bạn đã gõ, chưa lưu.").format(n=kept) if kept
                              else _("Đã tải lại."), bool(kept))

    def request_ids(self) -> list[uuid.UUID]:
        return [row.id for row in self.corrections_page.rows]
