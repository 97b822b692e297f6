""""Thông báo phụ huynh": a week's or a month's attendance per pupil, to send through the school's
messaging app (Điều 3.5, 7.5): copied all at once, saved as an Excel list, or printed (one slip per pupil).
One ``parent_notices`` call.

"In thông báo…" prints exactly the class and period on screen through the print centre's path
(``books.render_document`` checks the permission; ``books.record_document`` logs the print), shown
first in a preview window (``PdfPreview``) with "In…" and "Lưu PDF…".  The printer, the file dialog
and the way the window is shown are attributes a test replaces, so no dialog is ever exec()'d."""

from __future__ import annotations

import datetime as dt
import uuid

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox, QDateEdit, QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget,
)

from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services import attendance
from nk_desktop.services import books
from nk_desktop.services.attendance import Notice
from nk_desktop.services.books import PrintedDocument, PrintRequest
from nk_desktop.views.attendance.common import (
    ERROR_STYLE, INFO_STYLE, Context, class_combo, labelled, make_table, qdate, select_data, set_widths,
)
from nk_desktop.views.attendance.models import ListModel, ListRow
from nk_desktop.views.common import BackgroundOperation
from nk_desktop.views.printing import pdf as pdf_views
from nk_desktop.views.printing.center import ask_save_pdf
from nk_desktop.views.common.widgets import show_notice

COLUMNS = (_("STT"), _("Họ và tên"), _("Điện thoại"), _("Nội dung"))
PERIODS = {"week": _("Tuần"), "month": _("Tháng")}
PRINT_TIP = _("Xem trước rồi in hoặc lưu PDF phiếu thông báo của lớp và kì đang xem (mỗi em một phiếu)")


def period_bounds(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The week (Monday–Sunday) or the calendar month holding *day*."""
    if kind == "week":
        first = day - dt.timedelta(days=day.weekday())
        return first, first + dt.timedelta(days=6)
    first = day.replace(day=1)
    return first, (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


class NoticePrintDialog(QDialog):
    """The laid-out notices before they go to paper: the preview, "In…", "Lưu PDF…", "Đóng"."""

    def __init__(self, page: "NoticesPage", document: PrintedDocument):
        super().__init__(page)
        self.page = page
        self.document = document
        self.setWindowTitle(document.title)
        self.resize(900, 1000)
        layout = QVBoxLayout(self)
        self.preview = pdf_views.PdfPreview(self)
        self.preview.show_pdf(document.title, document.pdf)
        layout.addWidget(self.preview, 1)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.status_label.hide()
        layout.addWidget(self.status_label)
        buttons = QHBoxLayout()
        self.print_button = QPushButton(_("In…"), self)
        self.save_button = QPushButton(_("Lưu PDF…"), self)
        self.close_button = QPushButton(_("Đóng"), self)
        for button in (self.print_button, self.save_button, self.close_button):
            button.setAutoDefault(False)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.print_button.clicked.connect(self.print_document)
        self.save_button.clicked.connect(self.save_document)
        self.close_button.clicked.connect(self.reject)

    def print_document(self) -> bool:
        if not self.page.print_documents(self, [(self.document.title, self.document.pdf)]):
            self._status(_("Chưa in."), error=False)
            return False
        if self._record():
            self._status(_("Đã gửi tới máy in ({n} trang) và ghi vào sổ theo dõi in.").format(n=self._pages()),
                         error=False)
        return True

    def save_document(self) -> str | None:
        path = self.page.ask_save_pdf(self, _("Lưu tệp PDF"), self.document.filename)
        if not path:
            return None
        try:
            with open(path, "wb") as handle:
                handle.write(self.document.pdf)
        except OSError as error:
            self._status(_("Không ghi được tệp {path}: {e}").format(path=path, e=error.strerror or error))
            return None
        if self._record():
            self._status(_("Đã lưu {path} ({n} trang).").format(path=path, n=self._pages()), error=False)
        return path

    def _record(self) -> bool:
        try:
            books.record_document(self.page.context.db, self.page.context.actor, self.document)
        except NKError as error:
            self._status(str(error))
            return False
        return True

    def _pages(self) -> int:
        from nk_desktop.printing.sections import page_count

        return page_count(self.document.pdf)

    def _status(self, text: str, *, error: bool = True) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet(ERROR_STYLE if error else INFO_STYLE)
        self.status_label.setVisible(bool(text))


class NoticesPage(QWidget):
    # Replaced in tests: the system's printer dialog, the save-file dialog, how the preview window opens.
    print_documents = staticmethod(pdf_views.print_documents)
    ask_save_pdf = staticmethod(ask_save_pdf)
    show_dialog = staticmethod(lambda dialog: dialog.open())

    def __init__(self, context: Context, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.notices: list[Notice] = []
        self.operation: BackgroundOperation | None = None
        self.print_dialog: NoticePrintDialog | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.class_combo = class_combo(context, self)
        self.period_combo = QComboBox(self)
        for key, label in PERIODS.items():
            self.period_combo.addItem(label, key)
        self.date_edit = QDateEdit(self)
        self.date_edit.setDisplayFormat("dd/MM/yyyy")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDate(qdate(context.today()))
        for text, widget in ((_("Lớp:"), self.class_combo), (_("Kì:"), self.period_combo),
                             (_("Gồm ngày:"), self.date_edit)):
            top.addWidget(labelled(text, widget, self))
            top.addWidget(widget)
            top.addSpacing(8)
        self.period_label = QLabel(self)
        top.addWidget(self.period_label, 1)
        layout.addLayout(top)
        self.notice_label = QLabel(self)
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        layout.addWidget(self.notice_label)
        self.model = ListModel(COLUMNS, self, centered=(0,))
        self.table = make_table(self.model, self, stretch=3)
        set_widths(self.table, {0: "000", 1: "Nguyễn Thị Phương Thảo", 2: "0912 345 678"})
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.copy_button = QPushButton(_("Sao chép"), self)
        self.copy_button.setToolTip(_("Chép mọi thông báo (mỗi em một đoạn) để dán vào ứng dụng nhắn tin của trường"))
        self.export_button = QPushButton(_("Xuất Excel…"), self)
        self.print_button = QPushButton(_("In thông báo…"), self)
        self.print_button.setToolTip(PRINT_TIP)
        for button in (self.copy_button, self.export_button, self.print_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.class_combo.currentIndexChanged.connect(lambda _i: self.load())
        self.period_combo.currentIndexChanged.connect(lambda _i: self.load())
        self.date_edit.dateChanged.connect(lambda _d: self.load())
        self.copy_button.clicked.connect(self.copy_all)
        self.export_button.clicked.connect(self.export)
        self.print_button.clicked.connect(self.print_notices)

    def class_id(self) -> uuid.UUID | None:
        return self.class_combo.currentData()

    def period(self) -> tuple[dt.date, dt.date]:
        return period_bounds(self.period_combo.currentData(), self.date_edit.date().toPython())

    def set_class(self, class_id: uuid.UUID) -> None:
        select_data(self.class_combo, class_id)

    def refresh(self) -> None:
        self.load()

    def load(self) -> None:
        self._notice("")
        first, last = self.period()
        self.period_label.setText(_("Từ {a:%d/%m/%Y} đến {b:%d/%m/%Y}").format(a=first, b=last))
        self.notices = []
        if self.class_id() is not None:
            try:
                self.notices = attendance.parent_notices(self.context.db, self.context.actor, self.class_id(),
                                                         first, last)
            except NKError as error:
                self._notice(str(error))
        self.model.set_rows([ListRow((str(n), notice.full_name, notice.parent_phone, notice.message), notice)
                             for n, notice in enumerate(self.notices, start=1)])
        for button in (self.copy_button, self.export_button):
            button.setEnabled(bool(self.notices))
        may_print = bool(self.notices) and self._may_print()
        self.print_button.setEnabled(may_print)
        self.print_button.setToolTip(PRINT_TIP if may_print or not self.notices else
                                     _("Bạn không được in sổ sách của lớp này (vẫn sao chép, xuất Excel được)."))

    def all_text(self) -> str:
        return "\n\n".join(notice.message for notice in self.notices)

    def copy_all(self) -> None:
        QGuiApplication.clipboard().setText(self.all_text())
        self._notice(_("Đã chép {n} thông báo; dán vào ứng dụng nhắn tin (Ctrl+V).").format(n=len(self.notices)),
                     error=False)

    def export(self) -> BackgroundOperation | None:
        class_id = self.class_id()
        if class_id is None:
            return None
        first, last = self.period()
        suggested = _("Thong-bao-{c}-{a:%d%m}-{b:%d%m%Y}.xlsx").format(c=self.context.class_name(class_id),
                                                                      a=first, b=last)
        path = self.context.ask_path(self, _("Lưu danh sách thông báo"), suggested)
        if not path:
            return None
        from nk_desktop.exchange.attendance import export_notices

        db, actor = self.context.db, self.context.actor
        self.operation = BackgroundOperation(
            self, lambda _progress, _cancelled: export_notices(db, actor, class_id, first, last, path),
            label=_("Đang xuất danh sách thông báo…"), cancellable=False,
            on_success=lambda n: self._notice(_("Đã lưu {n} thông báo vào {path}.").format(n=n, path=path),
                                              error=False),
            on_failure=lambda error: self._notice(str(error)))
        return self.operation.start()

    def _may_print(self) -> bool:
        """The school nurse and a group leader see the notices but do not print the class's books."""
        from nk_desktop.services.permissions import Action, allows

        with self.context.db.read() as session:
            return allows(session, self.context.actor, Action.BOOKS_PRINT, class_id=self.class_id())

    def print_request(self) -> PrintRequest | None:
        """The print centre's request for what is on screen: this class, this week or this month."""
        class_id = self.class_id()
        if class_id is None or self.context.year is None:
            return None
        day = self.date_edit.date().toPython()
        if self.period_combo.currentData() == "week":
            return PrintRequest(kind="thong_bao", year_id=self.context.year.id, class_id=class_id, week=day,
                                on=self.context.today())
        return PrintRequest(kind="thong_bao", year_id=self.context.year.id, class_id=class_id,
                            month=f"{day.year:04d}-{day.month:02d}", on=self.context.today())

    def print_notices(self) -> NoticePrintDialog | None:
        """Lay out the notices on screen and open the preview (print or save from there)."""
        self._notice("")
        request = self.print_request()
        if request is None:
            return None
        try:
            document = books.render_document(self.context.db, self.context.actor, request)
        except NKError as error:
            self._notice(str(error))
            return None
        if self.print_dialog is not None:
            self.print_dialog.deleteLater()
        self.print_dialog = NoticePrintDialog(self, document)
        self.show_dialog(self.print_dialog)
        return self.print_dialog

    def _notice(self, text: str, *, error: bool = True) -> None:
        show_notice(self.notice_label, text, error=error)
