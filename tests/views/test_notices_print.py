""""In thông báo…" on the parents' notices page: what is on screen (class, week or month) goes through the print
centre's path (permission, print log), shown in a preview window first.  No dialog is exec()'d: the printer, the
file dialog and the opening of the window are injected."""

from __future__ import annotations

import io
import sqlite3

from pypdf import PdfReader

from .test_attendance_tab import D, NOV_30, make_tab, template, data  # noqa: F401  (fixtures)


class Injected:
    def __init__(self, path, *, printed=True):
        self.path, self.printed = path, printed
        self.jobs, self.suggested, self.shown = [], [], []

    def printer(self, parent, documents):
        self.jobs.append(list(documents))
        return self.printed

    def save(self, parent, title, suggested):
        self.suggested.append(suggested)
        return str(self.path)

    def show(self, dialog):
        self.shown.append(dialog)


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def _log(data):
    path = data.db.engine.url.database
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT kind, period, pages, state FROM print_record ORDER BY printed_at").fetchall()


def _page(qtbot, data, tmp_path, username="gvcn4a", **kwargs):
    tab = make_tab(qtbot, data, username)
    page = tab.show_page(tab.notices_page)
    injected = Injected(tmp_path / "tb.pdf", **kwargs)
    page.print_documents, page.ask_save_pdf, page.show_dialog = injected.printer, injected.save, injected.show
    return tab, page, injected


def test_the_week_on_screen_is_previewed_printed_and_logged(qtbot, data, tmp_path):
    tab, page, injected = _page(qtbot, data, tmp_path)
    page.date_edit.setDate(D(2026, 11, 27))
    assert page.print_button.isEnabled() and page.print_button.text() == "In thông báo…"
    page.print_button.click()
    [dialog] = injected.shown
    assert dialog is page.print_dialog
    assert dialog.document.title == "Thông báo gửi cha mẹ học sinh lớp 4A — tuần 23/11–29/11/2026"
    assert dialog.preview.page_count() == 1 and dialog.preview.loaded.ready
    text = _text(dialog.document.pdf)
    dung = next(r for r in page.model.rows() if r.cells[1] == "Trần Thị Dung").cells[3]
    assert dung.startswith("Lớp 4A, từ 23/11 đến 29/11/2026: em Trần Thị Dung đi học 0/4 buổi")
    assert "Chuyên cần: " + dung in text  # the paper says what the screen says
    assert text.count("PHIẾU THÔNG BÁO GỬI CHA MẸ HỌC SINH") == 5 and "20/11" not in text
    assert _log(data) == []  # a preview is not a print
    dialog.print_button.click()
    [[(title, pdf)]] = injected.jobs
    assert title == dialog.document.title and pdf == dialog.document.pdf
    assert _log(data) == [("thong_bao", "2026-W48", 1, "printed")]
    assert dialog.status_label.text() == "Đã gửi tới máy in (1 trang) và ghi vào sổ theo dõi in."
    dialog.save_button.click()
    assert injected.suggested == ["thong-bao-4A-2026-W48.pdf"] and injected.path.read_bytes() == pdf
    assert len(_log(data)) == 2 and dialog.status_label.text().startswith("Đã lưu ")


def test_the_month_on_screen_and_a_cancelled_printer(qtbot, data, tmp_path):
    tab, page, injected = _page(qtbot, data, tmp_path, "vanthu", printed=False)
    page.period_combo.setCurrentIndex(page.period_combo.findData("month"))
    page.date_edit.setDate(D(2026, 11, 10))
    dialog = page.print_notices()
    assert dialog.document.period == "2026-11" and dialog.document.filename == "thong-bao-4A-2026-11.pdf"
    assert "20/11 sáng: vắng có phép (Ốm)" in _text(dialog.document.pdf)
    dialog.print_document()
    assert len(injected.jobs) == 1 and _log(data) == [] and dialog.status_label.text() == "Chưa in."


def test_who_sees_the_notices_but_may_not_print_them(qtbot, data, tmp_path):
    import dataclasses

    nurse = dataclasses.replace(data.actors["vanthu"], roles=frozenset({"y_te"}))
    data.actors = {**data.actors, "yte": nurse}
    tab, page, injected = _page(qtbot, data, tmp_path, "yte")
    page.set_class(data.class_4a)
    assert page.model.rowCount() == 5 and page.copy_button.isEnabled()
    assert not page.print_button.isEnabled() and "không được in" in page.print_button.toolTip()
    assert page.print_notices() is None and injected.shown == []  # refused by the service too
    assert page.notice_label.text() == "Tài khoản của bạn không có quyền in sổ sách của lớp này."


def test_screenshot_of_the_preview(qtbot, data, tmp_path):
    tab, page, injected = _page(qtbot, data, tmp_path)
    page.date_edit.setDate(D(2026, 11, 27))
    dialog = page.print_notices()
    dialog.show()
    qtbot.addWidget(dialog)
    qtbot.wait(300)
    assert dialog.grab().save(str(tmp_path / "notices-print.png"))
    assert tab.grab().save(str(tmp_path / "notices-page.png"))
