"""Showing and printing PDF bytes with Qt: the preview (QtPdf) and the system's printer dialog.

The documents are laid out by ``nk_desktop.printing`` (reportlab); here they are only shown
(``PdfPreview``: a ``QPdfDocument`` loaded from a ``QBuffer``, shown in a ``QPdfView``) and
painted page by page onto a ``QPrinter`` at the PDF's own page size and orientation.
"""

from __future__ import annotations

from typing import Callable, Sequence

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from nk_desktop.i18n import _

Document = tuple[str, bytes]  # (title, PDF bytes)
PrintFunction = Callable[[QWidget | None, Sequence[Document]], bool]  # True when printed
MAX_DPI = 300  # enough for text and lines; A3 at 300 dpi is already 35 megapixels a page


class LoadedPdf:
    """A ``QPdfDocument`` over bytes; the buffer lives as long as the document reads from it."""

    def __init__(self, data: bytes, parent=None):
        self.buffer = QBuffer(parent)
        self.buffer.setData(QByteArray(data))
        self.buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(parent)
        self.document.load(self.buffer)

    @property
    def ready(self) -> bool:
        return self.document.status() == QPdfDocument.Status.Ready

    def close(self) -> None:
        self.document.close()
        self.buffer.close()


class PdfPreview(QWidget):
    """The pages of one PDF, whole pages one under the other, with zoom buttons and the page count."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.loaded: LoadedPdf | None = None
        self.title = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.info_label = QLabel(_("Chưa có bản xem trước."), self)
        self.zoom_out_button = QPushButton("−", self)
        self.zoom_in_button = QPushButton("+", self)
        self.fit_button = QPushButton(_("Vừa khung"), self)
        for button in (self.zoom_out_button, self.zoom_in_button, self.fit_button):
            button.setAutoDefault(False)
        self.zoom_out_button.setToolTip(_("Thu nhỏ"))
        self.zoom_in_button.setToolTip(_("Phóng to"))
        bar.addWidget(self.info_label, 1)
        bar.addWidget(self.zoom_out_button)
        bar.addWidget(self.zoom_in_button)
        bar.addWidget(self.fit_button)
        layout.addLayout(bar)
        self.view = QPdfView(self)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        layout.addWidget(self.view, 1)
        self.zoom_in_button.clicked.connect(lambda: self._zoom(1.25))
        self.zoom_out_button.clicked.connect(lambda: self._zoom(0.8))
        self.fit_button.clicked.connect(lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth))

    def show_pdf(self, title: str, data: bytes) -> None:
        previous = self.loaded
        self.loaded = LoadedPdf(data, self)
        self.view.setDocument(self.loaded.document)
        if previous is not None:
            previous.close()
        self.title = title
        pages = self.loaded.document.pageCount()
        self.info_label.setText(_("{title} — {n} trang").format(title=title, n=pages))

    def clear(self) -> None:
        self.view.setDocument(None)
        if self.loaded is not None:
            self.loaded.close()
        self.loaded = None
        self.title = ""
        self.info_label.setText(_("Chưa có bản xem trước."))

    def page_count(self) -> int:
        return self.loaded.document.pageCount() if self.loaded else 0

    def _zoom(self, factor: float) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(0.1, min(8.0, self.view.zoomFactor() * factor)))


def paint_documents(printer: QPrinter, documents: Sequence[Document]) -> int:
    """Paint every page of *documents* onto *printer*, each at its own size and orientation; pages painted."""
    painter: QPainter | None = None
    painted = 0
    printer.setFullPage(True)
    for _title, data in documents:
        loaded = LoadedPdf(data)
        try:
            for page in range(loaded.document.pageCount()):
                points = loaded.document.pagePointSize(page)
                landscape = points.width() > points.height()
                portrait_size = QSizeF(min(points.width(), points.height()), max(points.width(), points.height()))
                printer.setPageLayout(QPageLayout(
                    QPageSize(portrait_size, QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch),
                    QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait,
                    printer.pageLayout().margins()))
                if painter is None:
                    painter = QPainter()
                    if not painter.begin(printer):
                        raise OSError(_("Không mở được máy in."))
                else:
                    printer.newPage()
                dpi = min(printer.resolution(), MAX_DPI)
                image = loaded.document.render(page, QSize(round(points.width() * dpi / 72),
                                                            round(points.height() * dpi / 72)))
                # The viewport is set when painting begins: follow each page's own size and orientation.
                full = printer.pageLayout().fullRectPixels(printer.resolution())
                painter.setViewport(full)
                painter.setWindow(full)
                painter.drawImage(QRectF(full), image)
                painted += 1
        finally:
            loaded.close()
    if painter is not None:
        painter.end()
    return painted


def print_documents(parent: QWidget | None, documents: Sequence[Document]) -> bool:
    """The system's printer dialog, then every page of *documents*; False when the person cancels."""
    if not documents:
        return False
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(documents[0][0] if len(documents) == 1 else _("{n} tệp in").format(n=len(documents)))
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(_("In"))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    paint_documents(printer, documents)
    return True
