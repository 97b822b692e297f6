"""The print centre: choose the document, the classes (or "Cả trường") and the period; preview; print or save.

The học bạ of one pupil (choose the class, then the pupil) and the minutes of one correction request
(biên bản sửa chữa điểm) are chosen here too.

A single class is laid out on the spot and shown (QtPdf) before anything is printed.  The whole
school runs off the UI thread (``BackgroundOperation``: progress, Hủy) as one PDF per class or one
bound file.  Whatever is printed or saved is recorded in the print log (``books.record_document``).
File dialogs and the printer come from injected functions, so tests never open a dialog.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDateEdit, QFormLayout, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton,
    QSplitter, QVBoxLayout, QWidget,
)

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services import books
from nk_desktop.services.books import PrintedDocument, PrintRequest
from nk_desktop.services.permissions import MATRIX, Action, Role
from nk_desktop.views.common import BackgroundOperation, Cancelled
from nk_desktop.views.printing.pdf import PdfPreview, PrintFunction
from nk_desktop.views.common.widgets import show_notice

AskSavePath = Callable[[QWidget | None, str, str], "str | None"]  # (parent, title, suggested name) -> path
AskDirectory = Callable[[QWidget | None, str], "str | None"]      # (parent, title) -> folder

KINDS = (
    ("danh_sach_lop", _("Danh sách học sinh")),
    ("tong_hop", _("Bảng tổng hợp kết quả đánh giá giáo dục (A3)")),
    ("so_goi_ten_ghi_diem", _("Sổ gọi tên và ghi điểm — cả học kì")),
    ("so_goi_ten_thang", _("Sổ gọi tên — tờ tháng")),
    ("hoc_ba", _("Học bạ")),
    ("so_diem_ca_nhan", _("Sổ điểm cá nhân của giáo viên")),
    ("thong_bao", _("Thông báo gửi cha mẹ học sinh")),
    ("bien_ban", _("Biên bản sửa chữa điểm")),
)
# Which choices each document needs.
OPTIONS = {
    "danh_sach_lop": {"classes"},
    "tong_hop": {"classes", "milestone"},
    "so_goi_ten_ghi_diem": {"classes", "term", "paper"},
    "so_goi_ten_thang": {"classes", "month", "paper"},
    "hoc_ba": {"classes", "pupil"},
    "so_diem_ca_nhan": {"teacher", "term"},
    "thong_bao": {"classes", "span", "month", "week", "results"},  # a month, or a week (span)
    "bien_ban": {"request"},
}
ALL_TEACHERS = "all"


def ask_save_pdf(parent: QWidget | None, title: str, suggested: str) -> str | None:
    from PySide6.QtWidgets import QFileDialog

    path, _filter = QFileDialog.getSaveFileName(parent, title, suggested, _("Tệp PDF (*.pdf)"))
    if not path:
        return None
    return path if path.lower().endswith(".pdf") else path + ".pdf"


def ask_folder(parent: QWidget | None, title: str) -> str | None:
    from PySide6.QtWidgets import QFileDialog

    return QFileDialog.getExistingDirectory(parent, title) or None


@dataclasses.dataclass
class PrintContext:
    db: Database
    actor: Actor
    today: Callable[[], dt.date]
    years: list  # (SchoolYear, is current)
    ask_save_path: AskSavePath
    ask_directory: AskDirectory
    print_documents: PrintFunction

    def prints_school_wide(self) -> bool:
        if self.actor.is_system:
            return True
        roles = {Role(r) for r in self.actor.roles if r in Role._value2member_map_}
        return bool(roles & MATRIX[Action.BOOKS_PRINT])


def default_milestone(day: dt.date) -> str:
    """The milestone a school is most likely printing around *day*."""
    return {9: "GK1", 10: "GK1", 11: "CK1", 12: "CK1", 1: "CK1", 2: "GK2", 3: "GK2"}.get(day.month, "CN")


def previous_month(day: dt.date) -> str:
    """The office prints a month's roll sheets in the first week of the next month (Điều 12.1)."""
    first = day.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


class PrintPage(QWidget):
    def __init__(self, context: PrintContext, parent: QWidget | None = None, *, on_recorded: Callable[[], None] = None):
        super().__init__(parent)
        self.context = context
        self.on_recorded = on_recorded or (lambda: None)
        self.operation: BackgroundOperation | None = None
        self.document: PrintedDocument | None = None  # what the preview shows
        self.last_written: list[Path] = []
        outer = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        outer.addWidget(splitter, 1)
        left = QWidget(splitter)
        form_box = QVBoxLayout(left)
        form = QFormLayout()
        self.kind_combo = QComboBox(left)
        for key, label in KINDS:
            self.kind_combo.addItem(label, key)
        self.year_combo = QComboBox(left)
        for year, current in context.years:
            self.year_combo.addItem(year.name, year)
            if current:
                self.year_combo.setCurrentIndex(self.year_combo.count() - 1)
        self.milestone_combo = QComboBox(left)
        for code in rules.MILESTONES:
            self.milestone_combo.addItem(rules.MILESTONE_NAMES[code], code)
        self.term_combo = QComboBox(left)
        self.term_combo.addItem(_("Học kì I"), 1)
        self.term_combo.addItem(_("Học kì II"), 2)
        self.month_combo = QComboBox(left)
        self.span_combo = QComboBox(left)  # thong_bao: a month's or a week's notice
        self.span_combo.addItem(_("Theo tháng"), "month")
        self.span_combo.addItem(_("Theo tuần"), "week")
        self.week_edit = QDateEdit(left)
        self.week_edit.setDisplayFormat("dd/MM/yyyy")
        self.week_edit.setCalendarPopup(True)
        self.week_edit.setDate(context.today())
        self.paper_combo = QComboBox(left)
        self.paper_combo.addItem(_("A4 ngang"), "A4")
        self.paper_combo.addItem(_("A3 ngang"), "A3")
        self.teacher_combo = QComboBox(left)
        self.results_combo = QComboBox(left)
        self.results_combo.addItem(_("Chỉ chuyên cần"), None)
        for code in rules.MILESTONES:
            self.results_combo.addItem(_("Kèm kết quả {m}").format(m=rules.MILESTONE_NAMES[code]), code)
        self.pupil_combo = QComboBox(left)  # học bạ: the whole class, or one pupil of the one checked class
        self.request_combo = QComboBox(left)  # biên bản: one correction request of the year
        self.mode_combo = QComboBox(left)
        self.mode_combo.addItem(_("Mỗi lớp một tệp"), "each")
        self.mode_combo.addItem(_("Đóng chung một tệp"), "bound")
        self.rows = {}
        for key, label, widget in (("kind", _("Loại sổ:"), self.kind_combo), ("year", _("Năm học:"), self.year_combo),
                                   ("milestone", _("Thời điểm:"), self.milestone_combo),
                                   ("term", _("Học kì:"), self.term_combo),
                                   ("span", _("Thông báo:"), self.span_combo),
                                   ("month", _("Tháng:"), self.month_combo),
                                   ("week", _("Tuần có ngày:"), self.week_edit),
                                   ("paper", _("Khổ giấy:"), self.paper_combo),
                                   ("teacher", _("Giáo viên:"), self.teacher_combo),
                                   ("results", _("Kết quả:"), self.results_combo),
                                   ("pupil", _("Học sinh:"), self.pupil_combo),
                                   ("request", _("Biên bản:"), self.request_combo),
                                   ("mode", _("Nhiều lớp:"), self.mode_combo)):
            label_widget = QLabel(label, left)
            label_widget.setBuddy(widget)
            form.addRow(label_widget, widget)
            self.rows[key] = (label_widget, widget)
        form_box.addLayout(form)
        self.classes_label = QLabel(_("Lớp:"), left)
        form_box.addWidget(self.classes_label)
        self.all_check = QCheckBox(_("Cả trường"), left)
        form_box.addWidget(self.all_check)
        self.class_list = QListWidget(left)
        form_box.addWidget(self.class_list, 1)
        buttons = QHBoxLayout()
        self.preview_button = QPushButton(_("Xem trước"), left)
        self.print_button = QPushButton(_("In…"), left)
        self.save_button = QPushButton(_("Lưu PDF…"), left)
        for button in (self.preview_button, self.print_button, self.save_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        form_box.addLayout(buttons)
        self.notice_label = QLabel(left)
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        form_box.addWidget(self.notice_label)
        self.preview = PdfPreview(splitter)
        splitter.addWidget(left)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([360, 900])

        self.kind_combo.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.year_combo.currentIndexChanged.connect(lambda _i: self._year_changed())
        self.all_check.toggled.connect(self._all_toggled)
        self.class_list.itemChanged.connect(lambda _item: self._selection_changed())
        for combo in (self.milestone_combo, self.term_combo, self.month_combo, self.paper_combo, self.teacher_combo,
                      self.results_combo, self.mode_combo, self.pupil_combo, self.request_combo):
            combo.currentIndexChanged.connect(lambda _i: self._forget_preview())
        self.span_combo.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.week_edit.dateChanged.connect(lambda _d: self._forget_preview())
        self.preview_button.clicked.connect(self.show_preview)
        self.print_button.clicked.connect(self.print_selection)
        self.save_button.clicked.connect(self.save_selection)
        self._year_changed()
        today = context.today()
        self._select(self.milestone_combo, default_milestone(today))
        self._select(self.term_combo, 1 if today.month >= 8 or today.month == 1 else 2)
        self._kind_changed()

    # --- choices ---------------------------------------------------------------------------

    @staticmethod
    def _select(combo: QComboBox, value) -> None:
        # By Python equality: findData() compares wrapped Python objects (UUIDs) by identity.
        for index in range(combo.count()):
            if combo.itemData(index) == value:
                combo.setCurrentIndex(index)
                return

    def kind(self) -> str:
        return self.kind_combo.currentData()

    def year(self):
        return self.year_combo.currentData()

    def set_kind(self, kind: str) -> None:
        self._select(self.kind_combo, kind)

    def _year_changed(self) -> None:
        year = self.year()
        self.class_list.blockSignals(True)
        self.class_list.clear()
        self.month_combo.clear()
        self.teacher_combo.clear()
        if year is not None:
            try:
                classes = books.printable_classes(self.context.db, self.context.actor, year.id)
            except NKError as error:
                classes = []
                self._notice(str(error))
            for class_id, name in classes:
                item = QListWidgetItem(name, self.class_list)
                item.setData(Qt.ItemDataRole.UserRole, class_id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
            if self.class_list.count():
                self.class_list.item(0).setCheckState(Qt.CheckState.Checked)
            day = year.start_date.replace(day=1)
            while day <= year.end_date:
                self.month_combo.addItem(f"{day.month:02d}/{day.year}", f"{day.year:04d}-{day.month:02d}")
                day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            self._select(self.month_combo, previous_month(self.context.today()))
            self._load_teachers(year)
            self._load_requests(year)
        self.class_list.blockSignals(False)
        self.all_check.setChecked(False)
        self._forget_preview()

    def _load_teachers(self, year) -> None:
        from nk_desktop.services import school

        actor = self.context.actor
        if self.context.prints_school_wide():
            try:
                rows = school.list_assignments(self.context.db, actor, year.id)
            except NKError:
                rows = []
            teachers = sorted({(r.teacher_name, r.staff_id) for r in rows})
            self.teacher_combo.addItem(_("Tất cả giáo viên được phân công ({n})").format(n=len(teachers)),
                                       ALL_TEACHERS)
            for name, staff_id in teachers:
                self.teacher_combo.addItem(name, staff_id)
            if actor.staff_id is not None:
                self._select(self.teacher_combo, actor.staff_id)
        elif actor.staff_id is not None:
            self.teacher_combo.addItem(actor.display_name, actor.staff_id)

    def _load_requests(self, year) -> None:
        """The year's correction requests the user may print the minutes of (newest last)."""
        from nk_desktop.services import corrections

        self.request_combo.clear()
        try:
            rows = corrections.list_requests(self.context.db, self.context.actor, year.id)
        except NKError:
            rows = []
        for row in rows:
            self.request_combo.addItem(f"{row.class_name} — {row.pupil_name} — {row.what} — {row.status}", row.id)
        if not rows:
            self.request_combo.addItem(_("(Năm học này chưa có yêu cầu sửa điểm nào)"), None)
        self.request_combo.setCurrentIndex(self.request_combo.count() - 1)

    def _load_pupils(self) -> None:
        """Học bạ: "the whole class" and, when exactly one class is checked, each of its pupils."""
        from nk_desktop.services import pupils

        chosen = self.pupil_combo.currentData()
        self.pupil_combo.blockSignals(True)
        self.pupil_combo.clear()
        self.pupil_combo.addItem(_("Cả lớp (mỗi học sinh một cuốn)"), None)
        classes = self.checked_classes()
        if len(classes) == 1 and self.kind() == "hoc_ba":
            try:
                listed = pupils.class_list(self.context.db, self.context.actor, classes[0], include_left=True,
                                           on=self._class_day())
            except NKError:
                listed = None
            for row in listed.rows if listed else []:
                self.pupil_combo.addItem(f"{row.number}. {row.full_name} ({row.date_of_birth:%d/%m/%Y})", row.id)
        self.pupil_combo.setEnabled(self.pupil_combo.count() > 1)
        self._select(self.pupil_combo, chosen)
        self.pupil_combo.blockSignals(False)

    def _class_day(self) -> dt.date | None:
        year = self.year()
        if year is None:
            return None
        return min(max(self.context.today(), year.start_date), year.end_date)

    def set_pupil(self, pupil_id: uuid.UUID | None) -> None:
        self._select(self.pupil_combo, pupil_id)

    def set_request(self, request_id: uuid.UUID) -> None:
        self._select(self.request_combo, request_id)

    def _kind_changed(self) -> None:
        needs = OPTIONS[self.kind()]
        span = self.span_combo.currentData() if "span" in needs else None
        for key in ("milestone", "term", "span", "month", "week", "paper", "teacher", "results", "pupil", "request"):
            label, widget = self.rows[key]
            shown = key in needs and not (span == "week" and key == "month") and not (span == "month" and key == "week")
            label.setVisible(shown)
            widget.setVisible(shown)
        uses_classes = "classes" in needs
        for widget in (self.classes_label, self.all_check, self.class_list):
            widget.setVisible(uses_classes)
        self._selection_changed()

    def _all_toggled(self, checked: bool) -> None:
        self.class_list.blockSignals(True)
        for row in range(self.class_list.count()):
            self.class_list.item(row).setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.class_list.blockSignals(False)
        self._selection_changed()

    def _selection_changed(self) -> None:
        if self.kind() == "hoc_ba":
            self._load_pupils()
        several = len(self.requests()) > 1
        label, widget = self.rows["mode"]
        label.setVisible(several)
        widget.setVisible(several)
        widget.setEnabled(self.kind() in books.BOUND_KINDS)
        if self.kind() not in books.BOUND_KINDS:
            self._select(widget, "each")
        self._forget_preview()

    def checked_classes(self) -> list[uuid.UUID]:
        return [self.class_list.item(r).data(Qt.ItemDataRole.UserRole) for r in range(self.class_list.count())
                if self.class_list.item(r).checkState() == Qt.CheckState.Checked]

    def check_classes(self, names: list[str]) -> None:
        for row in range(self.class_list.count()):
            item = self.class_list.item(row)
            item.setCheckState(Qt.CheckState.Checked if item.text() in names else Qt.CheckState.Unchecked)

    def requests(self) -> list[PrintRequest]:
        year = self.year()
        if year is None:
            return []
        kind = self.kind()
        common = dict(kind=kind, year_id=year.id, milestone=None, month=None, term=None,
                      paper=self.paper_combo.currentData() or "A4", on=self.context.today())
        needs = OPTIONS[kind]
        if "milestone" in needs:
            common["milestone"] = self.milestone_combo.currentData()
        if "results" in needs:
            common["milestone"] = self.results_combo.currentData()
        if "term" in needs:
            common["term"] = self.term_combo.currentData()
        if "month" in needs:
            common["month"] = self.month_combo.currentData()
        if "span" in needs and self.span_combo.currentData() == "week":
            common["month"] = None
            common["week"] = self.week_edit.date().toPython()
        if kind == "bien_ban":
            request_id = self.request_combo.currentData()
            return [PrintRequest(request_id=request_id, **common)] if request_id is not None else []
        if kind == "hoc_ba" and self.pupil_combo.currentData() is not None and len(self.checked_classes()) == 1:
            return [PrintRequest(pupil_id=self.pupil_combo.currentData(), **common)]
        if kind == "so_diem_ca_nhan":
            chosen = self.teacher_combo.currentData()
            if chosen is None:
                return []
            staff_ids = ([self.teacher_combo.itemData(i) for i in range(1, self.teacher_combo.count())]
                         if chosen == ALL_TEACHERS else [chosen])
            return [PrintRequest(staff_id=staff_id, **common) for staff_id in staff_ids]
        return [PrintRequest(class_id=class_id, **common) for class_id in self.checked_classes()]

    def _nothing_chosen(self) -> str:
        if self.kind() == "bien_ban":
            return _("Chưa có biên bản sửa điểm nào để in trong năm học này.")
        return _("Hãy chọn ít nhất một lớp (hoặc một giáo viên).")

    def bound(self) -> bool:
        return self.kind() in books.BOUND_KINDS and self.mode_combo.currentData() == "bound"

    # --- actions ---------------------------------------------------------------------------

    def _forget_preview(self) -> None:
        self.document = None

    def show_preview(self) -> BackgroundOperation | None:
        """Lay out the choice and show it: one class at once; a bound file off the UI thread."""
        self._notice("")
        requests = self.requests()
        if not requests:
            self._notice(self._nothing_chosen())
            return None
        if len(requests) > 1 and self.bound():
            return self._run(requests, bound=True, label=_("Đang dựng bản xem trước…"),
                             done=lambda docs: self._show(docs[0]))
        try:
            document = books.render_document(self.context.db, self.context.actor, requests[0])
        except NKError as error:
            self._notice(str(error))
            return None
        self._show(document)
        if len(requests) > 1:
            self._notice(_("Đang xem bản đầu tiên; khi in hoặc lưu sẽ có {n} tệp.").format(n=len(requests)),
                         error=False)
        return None

    def _show(self, document: PrintedDocument) -> None:
        self.document = document
        self.preview.show_pdf(document.title, document.pdf)

    def print_selection(self) -> BackgroundOperation | None:
        """Print through the system's dialog what is chosen (the preview when it is current)."""
        self._notice("")
        requests = self.requests()
        if not requests:
            self._notice(self._nothing_chosen())
            return None
        if self.document is not None and (len(requests) == 1 or self.bound()):
            self._print([self.document])
            return None
        if len(requests) == 1:
            try:
                self._print([books.render_document(self.context.db, self.context.actor, requests[0])])
            except NKError as error:
                self._notice(str(error))
            return None
        return self._run(requests, bound=self.bound(), label=_("Đang dựng các bản in…"), done=self._print)

    def _print(self, documents: list[PrintedDocument]) -> None:
        if not self.context.print_documents(self, [(d.title, d.pdf) for d in documents]):
            self._notice(_("Chưa in."), error=False)
            return
        self._record(documents)
        self._notice(_("Đã gửi {n} bản in tới máy in ({p} trang) và ghi vào sổ theo dõi in.").format(
            n=len(documents), p=sum(_pages(d) for d in documents)), error=False)

    def save_selection(self) -> BackgroundOperation | None:
        """Save as PDF: one file (one class, or bound), or one file per class into a folder."""
        self._notice("")
        requests = self.requests()
        if not requests:
            self._notice(self._nothing_chosen())
            return None
        if len(requests) > 1 and not self.bound():
            folder = self.context.ask_directory(self, _("Chọn thư mục lưu các tệp PDF"))
            if not folder:
                return None
            return self._run(requests, bound=False, label=_("Đang in ra các tệp PDF…"), folder=Path(folder),
                             done=self._saved_many)
        document = self.document if self.document is not None else None
        if document is None and len(requests) == 1:
            try:
                document = books.render_document(self.context.db, self.context.actor, requests[0])
            except NKError as error:
                self._notice(str(error))
                return None
        if document is None:  # a bound file not previewed yet: lay it out first, then ask where
            return self._run(requests, bound=True, label=_("Đang dựng tệp đóng chung…"),
                             done=lambda docs: self._save_one(docs[0]))
        self._save_one(document)
        return None

    def _save_one(self, document: PrintedDocument) -> None:
        path = self.context.ask_save_path(self, _("Lưu tệp PDF"), document.filename)
        if not path:
            return
        try:
            Path(path).write_bytes(document.pdf)
        except OSError as error:
            self._notice(_("Không ghi được tệp {path}: {e}").format(path=path, e=error.strerror or error))
            return
        self.last_written = [Path(path)]
        self._record([document])
        self._notice(_("Đã lưu {path} ({n} trang).").format(path=path, n=_pages(document)), error=False)

    def _saved_many(self, documents: list[PrintedDocument]) -> None:
        self.on_recorded()
        folder = self.last_written[0].parent if self.last_written else ""
        self._notice(_("Đã lưu {n} tệp PDF vào {folder}.").format(n=len(documents), folder=folder), error=False)

    def _record(self, documents: list[PrintedDocument]) -> None:
        try:
            for document in documents:
                books.record_document(self.context.db, self.context.actor, document)
        except NKError as error:
            self._notice(str(error))
        self.on_recorded()

    def _run(self, requests: list[PrintRequest], *, bound: bool, label: str, done, folder: Path | None = None):
        """Lay out (and with *folder* write and record) the documents off the UI thread."""
        db, actor = self.context.db, self.context.actor
        written: list[Path] = []

        def work(progress, cancelled):
            if bound:
                try:
                    return [books.render_bound(db, actor, requests, progress=progress, cancelled=cancelled)]
                except books.PrintCancelled:
                    raise Cancelled() from None
            documents = []
            for done_count, request in enumerate(requests):
                if cancelled():
                    raise Cancelled()
                progress(done_count, len(requests), _("Đang dựng tệp {n}/{total}…").format(
                    n=done_count + 1, total=len(requests)))
                document = books.render_document(db, actor, request)
                if folder is not None:
                    target = folder / document.filename
                    target.write_bytes(document.pdf)
                    written.append(target)
                    books.record_document(db, actor, document)
                documents.append(document)
            progress(len(requests), len(requests))
            return documents

        def succeeded(documents):
            self.last_written = written
            done(documents)

        def cancelled_():
            self.last_written = written
            if written:
                self.on_recorded()
            self._notice(_("Đã hủy; {n} tệp đã lưu trước khi hủy.").format(n=len(written)) if folder else
                         _("Đã hủy."), error=False)

        self.operation = BackgroundOperation(self, work, label=label, on_success=succeeded,
                                             on_failure=lambda error: self._notice(str(error)),
                                             on_cancelled=cancelled_)
        return self.operation.start()

    def _notice(self, text: str, *, error: bool = True) -> None:
        show_notice(self.notice_label, text, error=error)


def _pages(document: PrintedDocument) -> int:
    from nk_desktop.printing.sections import page_count

    return page_count(document.pdf)
