"""Sổ điểm tab: "Xuất phiếu điểm…" (blank or filled, subject or traits) and "Nhập từ Excel…" (dry run in the
background with progress and cancel, the preview row by row with counts, then the real all-or-nothing run
and the grid read again).  File choosers and questions are injected; no dialog is exec()'d.
"""

from __future__ import annotations

import os
import threading

import openpyxl
import pytest

from nk_desktop.views.gradebook import excel
from nk_desktop.views.gradebook.excel import SheetImportDialog
from nk_desktop.views.gradebook.tab import TRAITS_TITLE

from .test_gradebook_tab import Recorder, at, data, make_tab, stored, template  # noqa: F401  (fixtures)

FIRST = 6  # the first pupil's row in an exported sheet (An, Ánh, Hoà in official order)


class ExcelPrompts(Recorder):
    def __init__(self, *, choice=0, save="", open_=""):
        super().__init__()
        self.choices = []
        self.choose = lambda parent, text, options: self.choices.append((text, options)) or choice
        self.save_sheet = lambda parent, title, suggested: self.choices.append(suggested) or save
        self.open_sheet = lambda parent, title: open_


def wait(qtbot, operation):
    qtbot.waitUntil(lambda: not operation.running, timeout=15000)


def edit_sheet(path, changes):
    """Change cells of the exported sheet (column letters of a tested subject: D level, E score, F comment)."""
    book = openpyxl.load_workbook(path)
    sheet = book["Bảng điểm"]
    for cell, value in changes.items():
        sheet[cell] = value
    book.save(path)


def test_export_a_filled_sheet_then_import_it_with_a_preview(qtbot, data, tmp_path):
    target = tmp_path / "toan.xlsx"
    prompts = ExcelPrompts(choice=0, save=str(target), open_=str(target))
    tab = make_tab(qtbot, data, prompts=prompts)
    tab.choose("4A", "Toán", "CK1")
    assert tab.export_button.isVisible() and tab.import_button.isVisible() and tab.import_button.isEnabled()
    tab.grid_page.paste("T\t9\tChăm chỉ\n")  # An, entered in the app first
    wait(qtbot, tab.export_sheet())
    text, options = prompts.choices[0]
    assert "môn Toán lớp 4A" in text and options == ["Có sẵn điểm đã nhập", "Phiếu trống"]
    assert prompts.choices[1] == "bang-diem-4A-toan-CK1.xlsx"
    assert "Đã xuất phiếu điểm ra" in tab.grid_page.message_label.text(), tab.grid_page.message_label.text()
    assert target.is_file()
    book = openpyxl.load_workbook(target)
    assert book["Bảng điểm"][f"D{FIRST}"].value == "T" and book["Bảng điểm"][f"E{FIRST}"].value == 9

    # filled at home: An's level changed, Ánh's score mistyped
    edit_sheet(target, {f"D{FIRST}": "H", f"E{FIRST + 1}": "11", f"E{FIRST + 2}": 7})
    wait(qtbot, tab.import_sheet())
    dialog = tab.dialog
    assert isinstance(dialog, SheetImportDialog) and dialog.isVisible()
    assert dialog.counts_label.text() == "3 dòng: sẽ sửa 2 (2 ô), không đổi 0, bị từ chối 1."
    assert not dialog.import_button.isEnabled() and "chưa nhập ô nào" in dialog.notice_label.text()
    texts = {dialog.model.texts(r)[1]: dialog.model.texts(r)[2:] for r in range(dialog.model.rowCount())}
    assert texts["1. Nguyễn Văn An"] == ("Sẽ sửa", "Mức đạt được: T → H")
    assert texts["2. Lê Thị Ánh"][0] == "Bị từ chối" and "Điểm KTĐK" in texts["2. Lê Thị Ánh"][1]
    assert texts["3. Đặng Thị Hoà"] == ("Sẽ sửa", "Điểm KTĐK: (trống) → 7")
    assert stored(data)["Nguyễn Văn An"][0] == "HTT"  # the dry run wrote nothing
    dialog.reject()

    edit_sheet(target, {f"E{FIRST + 1}": 8})
    wait(qtbot, tab.import_sheet())
    dialog = tab.dialog
    assert dialog.counts_label.text() == "3 dòng: sẽ sửa 3 (3 ô), không đổi 0, bị từ chối 0."
    assert dialog.import_button.isEnabled() and "Nhấn “Nhập” để ghi 3 ô" in dialog.notice_label.text()
    operation = dialog.run_import()
    wait(qtbot, operation)
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.applied.saved == 3
    assert stored(data) == {"Nguyễn Văn An": ("HT", 9, "Chăm chỉ"), "Lê Thị Ánh": (None, 8, ""),
                            "Đặng Thị Hoà": (None, 7, "")}
    # the grid was read again (and its versions with it: typing after the import saves)
    assert [tab.model.text(r, 3) for r in range(3)] == ["9", "8", "7"]
    assert "Đã nhập 3 ô từ toan.xlsx" in tab.grid_page.message_label.text()
    at(tab, 0, 3)
    tab.grid_page.paste("10\n")
    assert stored(data)["Nguyễn Văn An"][1] == 10


def test_the_preview_model_passes_the_model_tester(qtbot, qtmodeltester, data, tmp_path):
    target = tmp_path / "toan.xlsx"
    tab = make_tab(qtbot, data, prompts=ExcelPrompts(choice=1, save=str(target), open_=str(target)))
    tab.choose("4A", "Toán", "CK1")
    wait(qtbot, tab.export_sheet())
    edit_sheet(target, {f"D{FIRST}": "T", f"E{FIRST + 1}": "abc"})
    wait(qtbot, tab.import_sheet())
    qtmodeltester.check(tab.dialog.model)
    tab.dialog.hide_unchanged.setChecked(False)
    assert [tab.dialog.model.status_at(r) for r in range(3)] == ["changed", "error", "unchanged"]
    tab.dialog.hide_unchanged.setChecked(True)
    assert tab.dialog.model.rowCount() == 2
    qtmodeltester.check(tab.dialog.model)


def test_a_cell_changed_in_the_app_since_the_export_is_refused(qtbot, data, tmp_path):
    target = tmp_path / "toan.xlsx"
    prompts = ExcelPrompts(save=str(target), open_=str(target))
    tab = make_tab(qtbot, data, prompts=prompts)
    tab.choose("4A", "Toán", "CK1")
    wait(qtbot, tab.export_sheet())
    tab.grid_page.paste("C\n")  # An changed in the app after the export
    edit_sheet(target, {f"D{FIRST}": "T"})
    wait(qtbot, tab.import_sheet())
    detail = tab.dialog.model.texts(0)[3]
    assert tab.dialog.model.texts(0)[2] == "Bị từ chối" and "sau khi xuất" in detail
    assert not tab.dialog.import_button.isEnabled()


def test_the_homeroom_teacher_exports_a_blank_traits_sheet_and_imports_it(qtbot, data, tmp_path):
    target = tmp_path / "pc.xlsx"
    prompts = ExcelPrompts(choice=1, save=str(tmp_path / "pc"), open_=str(target))
    tab = make_tab(qtbot, data, prompts=prompts)
    tab.choose("4A", TRAITS_TITLE, "CK1")
    wait(qtbot, tab.export_sheet())
    assert prompts.choices[1] == "bang-diem-4A-pham-chat-nang-luc-CK1.xlsx"
    assert target.is_file() and "Đã xuất phiếu trống" in tab.grid_page.message_label.text()  # .xlsx added
    book = openpyxl.load_workbook(target)
    sheet = book["Phẩm chất năng lực"]
    header = next(row for row in sheet.iter_rows() if any(c.value == "Trung thực" for c in row))
    column = next(c.column_letter for c in header if c.value == "Trung thực")
    sheet[f"{column}{header[0].row + 1}"] = "T"
    book.save(target)
    wait(qtbot, tab.import_sheet())
    dialog = tab.dialog
    assert dialog.counts_label.text().startswith("3 dòng: sẽ sửa 1 (1 ô)")
    assert dialog.model.texts(0)[2:] == ("Sẽ sửa", "Trung thực: (trống) → T")
    wait(qtbot, dialog.run_import())
    assert tab.model.value(0, 2 + 3) == "TOT"  # Trung thực is the 4th trait column


def test_buttons_follow_the_role(qtbot, data):
    boss = make_tab(qtbot, data, "hieutruong", prompts=ExcelPrompts())
    boss.choose("4A", "Toán", "CK1")
    assert boss.export_button.isVisible() and not boss.import_button.isVisible()
    english = make_tab(qtbot, data, "gvbomon", prompts=ExcelPrompts())
    english.choose("4B", "Ngoại ngữ 1", "CK1")
    assert english.import_button.isVisible()
    english.pages.setCurrentWidget(english.corrections_page)
    assert not english.export_button.isVisible() and not english.import_button.isVisible()


def test_the_dry_run_can_be_cancelled_and_a_bad_file_is_explained(qtbot, data, tmp_path, monkeypatch):
    bad = tmp_path / "khong-phai.xlsx"
    openpyxl.Workbook().save(bad)
    prompts = ExcelPrompts(open_=str(bad))
    tab = make_tab(qtbot, data, prompts=prompts)
    tab.choose("4A", "Toán", "CK1")
    wait(qtbot, tab.import_sheet())
    assert tab.dialog is None and "Không tìm thấy bảng điểm" in prompts.errors[-1]

    release = threading.Event()

    def slow(*args, **kwargs):  # a long check, cancelled while it runs
        release.wait(10)
        return object()

    monkeypatch.setattr(excel, "import_sheet", slow)
    operation = tab.import_sheet()
    assert not tab.import_button.isEnabled()  # one at a time
    operation.cancel()
    release.set()
    wait(qtbot, operation)
    assert tab.dialog is None and len(prompts.errors) == 1 and tab.import_button.isEnabled()


@pytest.mark.skipif(not os.environ.get("NK_SCREENSHOTS"), reason="screenshots only on request (NK_SCREENSHOTS=1)")
def test_excel_and_conflict_screenshots(qtbot, qapp, data, tmp_path):
    """docs/screenshots/gradebook-{import-preview,conflict}.png with the bundled font; open them and look."""
    from PySide6.QtGui import QFont, QFontDatabase

    from nk_desktop.services import gradebook
    from nk_desktop.services.gradebook import CellEdit

    from .test_gradebook_tab import SHOTS, TODAY, ROOT, type_in

    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        assert QFontDatabase.addApplicationFont(str(ROOT / "nk_desktop" / "resources" / "fonts" / name)) >= 0
    previous = qapp.font()
    qapp.setFont(QFont("DejaVu Sans", 10))
    try:
        target = tmp_path / "toan.xlsx"
        tab = make_tab(qtbot, data, prompts=ExcelPrompts(save=str(target), open_=str(target)))
        tab.choose("4A", "Toán", "CK1")
        tab.grid_page.paste("T\t9\tTính toán nhanh, chính xác.\nH\t7\n")
        wait(qtbot, tab.export_sheet())
        edit_sheet(target, {f"D{FIRST}": "H", f"E{FIRST + 1}": "7,5", f"E{FIRST + 2}": 8,
                            f"F{FIRST + 2}": "Đọc to, rõ ràng; cần cẩn thận hơn khi tính."})
        wait(qtbot, tab.import_sheet())
        tab.dialog.hide_unchanged.setChecked(False)
        qapp.processEvents()
        SHOTS.mkdir(parents=True, exist_ok=True)
        assert tab.grab().save(str(SHOTS / "gradebook-tab-excel.png"))
        assert tab.dialog.grab().save(str(SHOTS / "gradebook-import-preview.png"))
        tab.dialog.reject()
        gradebook.save_subject_cells(data.db, data.actors["gvcn4a"], data.class_4a, data.subjects["Toán"], "CK1",
                                     [CellEdit(data.ids["Nguyễn Văn An"], "level", "C")], on=TODAY)
        at(tab, 0, 2)
        type_in(qtbot, tab, "H")
        qapp.processEvents()
        assert tab.dialog.grab().save(str(SHOTS / "gradebook-conflict.png"))
        tab.dialog.reload_button.click()
        at(tab, 2, 4)  # the cursor off the red cell, to see it
        qapp.processEvents()
        assert tab.grab().save(str(SHOTS / "gradebook-conflict-reloaded.png"))
    finally:
        qapp.setFont(previous)
